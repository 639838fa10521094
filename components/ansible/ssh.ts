import { join } from 'node:path';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { exec } from '../../src/runtime/exec.ts';

// The SSH side of a run: the key file, the known hosts file, and the client options Ansible passes to
// every `ssh` it starts. The options come after nothing the project or the image configures:
// `-F /dev/null` drops ssh_config files, and host key checking is never off.

export type HostKeyPolicy = 'strict' | 'accept-new';

/** Writes the key (0600) and checks it is a usable unencrypted key, without connecting anywhere. */
export async function installKey(
  dir: { readonly path: string; write(name: string, content: string): Promise<string> },
  key: string,
  context: RunContext,
): Promise<string> {
  const keyFile = await dir.write('id_ssh', key);
  const derived = await exec('ssh-keygen', ['-y', '-P', '', '-f', keyFile], {
    cwd: dir.path,
    redactor: context.redactor,
  });
  if (derived.exitCode !== 0) {
    const encrypted = /passphrase|incorrect/i.test(derived.stderr);
    throw new OneexError(
      'EINPUT',
      encrypted
        ? 'ssh_private_key is protected by a passphrase; the job cannot type it'
        : `ssh_private_key is not a valid private key (ssh-keygen: ${derived.stderr.trim() || 'invalid format'})`,
      encrypted
        ? 'Store an unencrypted key in the CI/CD variable or in Vault (keep the variable protected and masked).'
        : 'Store the whole key, from "-----BEGIN" to "-----END … KEY-----" with its line breaks; a File-type variable keeps them.',
      EXIT.usage,
    );
  }
  const fingerprint = await exec('ssh-keygen', ['-l', '-f', '-'], {
    cwd: dir.path,
    input: derived.stdout,
    redactor: context.redactor,
  });
  context.log.info(`SSH key: ${fingerprint.stdout.trim().split(/\s+/).slice(0, 2).join(' ')}`);
  return keyFile;
}

export interface KnownHostsProblem {
  readonly line: number;
  readonly text: string;
}

/** Lines that are not `[marker] hosts keytype base64 [comment]`: ssh would ignore them silently. */
export function knownHostsProblems(text: string): KnownHostsProblem[] {
  const problems: KnownHostsProblem[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const offset = fields[0]?.startsWith('@') ? 1 : 0;
    const type = fields[offset + 1] ?? '';
    const key = fields[offset + 2] ?? '';
    if (!/^(ssh-|ecdsa-|sk-)/.test(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
      problems.push({ line: index + 1, text: line.length > 60 ? `${line.slice(0, 60)}…` : line });
    }
  }
  return problems;
}

/** `host` or `[host]:port`, as ssh writes and looks up known_hosts entries. */
export const knownHostsName = (address: string, port: number): string =>
  port === 22 ? address : `[${address}]:${port}`;

/** Whether ssh would find a key for the host in the file (ssh-keygen reads hashed and wildcard entries too). */
export async function isKnownHost(
  file: string,
  address: string,
  port: number,
  context: RunContext,
): Promise<boolean> {
  const found = await exec('ssh-keygen', ['-F', knownHostsName(address, port), '-f', file], {
    cwd: context.cwd,
    redactor: context.redactor,
  });
  return found.exitCode === 0 && found.stdout.trim() !== '';
}

// ANSIBLE_SSH_ARGS is split like a shell word list by Ansible.
const quote = (value: string): string => (/^[A-Za-z0-9_./:%=-]+$/.test(value) ? value : `'${value}'`);

export function sshArgs(options: {
  readonly knownHostsFile: string;
  readonly policy: HostKeyPolicy;
  readonly controlDir: string;
}): string {
  const args = [
    '-F',
    '/dev/null',
    '-o',
    `UserKnownHostsFile=${options.knownHostsFile}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    `StrictHostKeyChecking=${options.policy === 'strict' ? 'yes' : 'accept-new'}`,
    // A host key rotation announced by the server must not edit the file the job trusts.
    '-o',
    'UpdateHostKeys=no',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'ControlMaster=auto',
    '-o',
    'ControlPersist=30s',
    '-o',
    `ControlPath=${join(options.controlDir, '%C')}`,
    '-o',
    'ServerAliveInterval=15',
  ];
  return args.map(quote).join(' ');
}

/** Ends the connections that ControlPersist keeps open, so none outlives the job. */
export async function closeConnections(controlDir: string, sockets: readonly string[], context: RunContext) {
  await Promise.all(
    sockets.map((socket) =>
      exec(
        'ssh',
        ['-F', '/dev/null', '-o', `ControlPath=${join(controlDir, socket)}`, '-O', 'exit', 'oneex'],
        {
          cwd: context.cwd,
          redactor: context.redactor,
        },
      ).catch(() => undefined),
    ),
  );
}
