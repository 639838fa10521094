import { readFile, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';

// The one place the component obtains its credentials. Each input names where a value comes from:
// its text (a CI/CD variable expanded into the job variable), or the path of a File-type variable.
// Every secret is registered with the redactor the moment it is read.

export interface CredentialInputs {
  readonly ssh_private_key: string;
  readonly ssh_known_hosts: string;
  readonly vault_password: string;
}

export interface Credentials {
  /** OpenSSH or PEM private key text, normalised to LF line ends and a final newline. */
  readonly sshPrivateKey?: string;
  /** known_hosts lines; public data, so not redacted. */
  readonly knownHosts?: string;
  readonly vaultPassword?: string;
}

/** A job variable that names a CI/CD variable GitLab did not define stays `$NAME` (or becomes empty). */
const UNEXPANDED = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/;

type Source = { kind: 'none'; variable?: string } | { kind: 'value'; value: string; from: string };

async function resolve(input: string, raw: string): Promise<Source> {
  const unexpanded = UNEXPANDED.exec(raw.trim());
  if (raw.trim() === '') return { kind: 'none' };
  if (unexpanded?.[1] !== undefined) return { kind: 'none', variable: unexpanded[1] };
  // A File-type variable expands to the path of a file holding the value.
  if (isAbsolute(raw) && !raw.includes('\n')) {
    const info = await stat(raw).catch(() => undefined);
    if (info?.isFile()) return { kind: 'value', value: await readFile(raw, 'utf8'), from: 'a file variable' };
    throw new OneexError(
      'EINPUT',
      `${input} names the file ${raw}, which does not exist`,
      `Set ${input} to a CI/CD variable holding the value, or to a File-type variable.`,
      EXIT.usage,
    );
  }
  return { kind: 'value', value: raw, from: 'a variable' };
}

const normaliseKey = (key: string): string => `${key.replace(/\r\n?/g, '\n').trim()}\n`;

export async function readCredentials(inputs: CredentialInputs, context: RunContext): Promise<Credentials> {
  const key = await resolve('ssh_private_key', inputs.ssh_private_key);
  if (key.kind === 'value') {
    // The raw text too, in case a tool prints it before normalisation.
    context.redactor.add(key.value);
    context.redactor.add(normaliseKey(key.value).trimEnd());
  }
  const password = await resolve('vault_password', inputs.vault_password);
  if (password.kind === 'value') context.redactor.add(password.value.replace(/\r?\n$/, ''));
  const knownHosts = await resolve('ssh_known_hosts', inputs.ssh_known_hosts);

  for (const [input, source] of [
    ['ssh_private_key', key],
    ['ssh_known_hosts', knownHosts],
    ['vault_password', password],
  ] as const) {
    if (source.kind === 'none' && source.variable !== undefined) {
      context.log.info(`${input}: the CI/CD variable ${source.variable} is not defined.`);
    } else if (source.kind === 'value') {
      context.log.info(`${input}: from ${source.from}.`);
    }
  }
  return {
    ...(key.kind === 'value' ? { sshPrivateKey: normaliseKey(key.value) } : {}),
    ...(knownHosts.kind === 'value' ? { knownHosts: knownHosts.value.replace(/\r\n?/g, '\n') } : {}),
    // A password file's final newline is not part of the password (Ansible strips it too).
    ...(password.kind === 'value' ? { vaultPassword: password.value.replace(/\r?\n$/, '') } : {}),
  };
}
