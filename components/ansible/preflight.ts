import { envName } from '../../src/model/inputs.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, InputError, OneexError } from '../../src/runtime/errors.ts';
import { INVENTORY_PROBE, lastLines, runAnsible } from './ansible.ts';
import { isKnownHost, knownHostsName } from './ssh.ts';

// Everything that can be known without connecting to a host: the playbook parses, the limit matches
// hosts, and every targeted host can be verified by its key. Each failure has its own message.

export interface Invocation {
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** `-i …` and the playbook, plus the arguments that select hosts and tasks. */
  readonly inventoryArgs: readonly string[];
  readonly playbook: string;
  readonly selectionArgs: readonly string[];
}

/** ansible-playbook's first error line and what follows, without its warnings. */
function ansibleError(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith('ERROR!'));
  return (start >= 0 ? lines.slice(start) : lines.filter((l) => !l.startsWith('[WARNING]')))
    .join('\n')
    .trim()
    .slice(0, 3000);
}

/** A playbook or inventory that does not load: its own message, classified. */
function loadError(subject: string, output: string): OneexError {
  const error = ansibleError(output);
  if (/no vault secrets|Decryption failed|vault password/i.test(error)) {
    return new OneexError(
      'EANSIBLE_VAULT',
      `The playbook or inventory holds ansible-vault data that cannot be decrypted:\n${error}`,
      `Set ansible_vault_password to the variable holding the vault password (${envName('ansible', 'ansible_vault_password')}).`,
      EXIT.usage,
    );
  }
  return new OneexError(
    'EANSIBLE_SYNTAX',
    `${subject} does not load (as ansible-playbook --syntax-check would say):\n${error}`,
    /role .* (was not found|not found)|couldn't resolve module/i.test(error)
      ? 'A role or collection is missing: add it to the requirements file, or check its name.'
      : 'Fix the file and line shown; `ansible-playbook --syntax-check` reproduces it locally.',
    EXIT.failed,
  );
}

/** The hosts each play targets, as `ansible-playbook --list-hosts` prints them. */
export function parseListHosts(output: string): string[] {
  const hosts = new Set<string>();
  let inHosts = false;
  for (const line of output.split('\n')) {
    if (/^\s+hosts \(\d+\):\s*$/.test(line)) {
      inHosts = true;
    } else if (inHosts && /^\s{6,}\S/.test(line)) {
      hosts.add(line.trim());
    } else {
      inHosts = false;
    }
  }
  return [...hosts].sort();
}

/**
 * Loads the playbook and the inventory as a run would, without connecting: `--list-hosts` parses every
 * play (a syntax error fails here, as in `--syntax-check`) and applies the limit and the tags.
 */
export async function targetedHosts(run: Invocation, limit: string, context: RunContext): Promise<string[]> {
  const result = await runAnsible(
    'ansible-playbook',
    [...run.inventoryArgs, run.playbook, '--list-hosts', ...run.selectionArgs],
    run,
    context,
  );
  const noHosts = /leaves us with no hosts to target|no hosts matched/i.test(result.stderr);
  if (result.exitCode !== 0 && !noHosts) throw loadError(run.playbook, `${result.stderr}\n${result.stdout}`);
  const hosts = noHosts ? [] : parseListHosts(result.stdout);
  if (hosts.length === 0) {
    if (limit !== '') {
      throw new InputError('ansible', [
        {
          input: 'limit',
          variable: envName('ansible', 'limit'),
          value: limit,
          expected: 'a pattern that selects hosts the playbook targets (it selects none)',
        },
      ]);
    }
    throw new OneexError(
      'EANSIBLE_NO_HOSTS',
      'The playbook targets no host of the inventory.',
      'Check the inventory’s groups against the plays’ `hosts:` patterns.',
      EXIT.usage,
    );
  }
  return hosts;
}

export interface HostAddress {
  readonly address: string;
  readonly port: number;
  readonly user?: string;
  readonly connection: string;
  readonly sshArgs: string;
  /** The inventory turns host key checking off for this host. */
  readonly hostKeyCheckingOff?: boolean;
}

interface ProbeAnswer {
  readonly version: string;
  readonly limit: { pattern: string; hosts: number }[];
  readonly hosts: Record<
    string,
    {
      address: string;
      port: unknown;
      user: unknown;
      connection: string;
      ssh_args: string;
      host_key_checking: unknown;
    }
  >;
}

/** Reads, with Ansible's own inventory code, how each host is reached and what each limit part selects. */
export async function probeInventory(
  run: Invocation & { readonly python: string; readonly sources: readonly string[] },
  request: { readonly limit: string; readonly hosts: readonly string[]; readonly extraVarsFile?: string },
  defaultPort: number,
  context: RunContext,
): Promise<Map<string, HostAddress>> {
  const result = await runAnsible(
    run.python,
    [INVENTORY_PROBE],
    {
      cwd: run.cwd,
      env: run.env,
      input: JSON.stringify({
        sources: run.sources,
        limit: request.limit,
        hosts: request.hosts,
        extra_vars_file: request.extraVarsFile ?? '',
      }),
    },
    context,
  );
  if (result.exitCode === 4) throw loadError('The inventory', result.stderr);
  if (result.exitCode !== 0) {
    throw new OneexError(
      'EANSIBLE_INVENTORY',
      `The inventory could not be read:\n${lastLines(result)}`,
      'Run `ansible-inventory --list` with the same inventory to see the problem.',
      EXIT.failed,
    );
  }
  const answer = JSON.parse(result.stdout) as ProbeAnswer;
  context.log.info(`ansible-core ${answer.version}`);
  const unmatched = answer.limit.filter((part) => part.hosts === 0).map((part) => part.pattern);
  if (unmatched.length > 0) {
    throw new InputError('ansible', [
      {
        input: 'limit',
        variable: envName('ansible', 'limit'),
        value: request.limit,
        expected: `a pattern whose every part matches hosts of the inventory (${unmatched.map((p) => `"${p}"`).join(', ')} match${unmatched.length === 1 ? 'es' : ''} none)`,
      },
    ]);
  }
  const hosts = new Map<string, HostAddress>();
  for (const [name, host] of Object.entries(answer.hosts)) {
    const port = Number(host.port ?? defaultPort);
    hosts.set(name, {
      address: host.address,
      port: Number.isInteger(port) ? port : defaultPort,
      ...(typeof host.user === 'string' && host.user !== '' ? { user: host.user } : {}),
      connection: host.connection,
      sshArgs: host.ssh_args,
      ...(/^(false|no|off|0)$/i.test(String(host.host_key_checking ?? ''))
        ? { hostKeyCheckingOff: true }
        : {}),
    });
  }
  return hosts;
}

const usesSsh = (host: HostAddress): boolean =>
  ['ssh', 'smart', 'ansible.builtin.ssh'].includes(host.connection);

// Options in the inventory that would switch off what the component enforces.
const WEAKENING = /StrictHostKeyChecking\s*=?\s*(no|off|false)|UserKnownHostsFile\s*=?\s*\/dev\/null/i;

export async function checkHostKeys(
  hosts: ReadonlyMap<string, HostAddress>,
  options: { readonly knownHostsFile: string; readonly strict: boolean; readonly hasKey: boolean },
  context: RunContext,
): Promise<void> {
  const ssh = [...hosts].filter(([, host]) => usesSsh(host));
  if (ssh.length === 0) return;
  const weakened = ssh
    .filter(([, host]) => WEAKENING.test(host.sshArgs) || host.hostKeyCheckingOff === true)
    .map(([name]) => name);
  if (weakened.length > 0) {
    throw new OneexError(
      'ESSH_HOSTKEY_DISABLED',
      `The inventory switches off host key checking for ${weakened.join(', ')} (ansible_host_key_checking, or StrictHostKeyChecking / UserKnownHostsFile in ansible_ssh_*_args).`,
      'Remove those settings from the inventory; put the hosts’ keys in ssh_known_hosts (or use host_key_checking: accept-new outside production).',
      EXIT.usage,
    );
  }
  if (!options.hasKey) {
    throw new InputError('ansible', [
      {
        input: 'ssh_private_key',
        variable: envName('ansible', 'ssh_private_key'),
        value: undefined,
        expected: `an SSH private key: ${ssh.length} targeted host${ssh.length === 1 ? '' : 's'} connect over SSH`,
      },
    ]);
  }
  if (!options.strict) return;
  const unknown: string[] = [];
  for (const [name, host] of ssh) {
    if (!(await isKnownHost(options.knownHostsFile, host.address, host.port, context))) {
      unknown.push(`${name} (${knownHostsName(host.address, host.port)})`);
    }
  }
  if (unknown.length > 0) {
    const first = ssh.find(([name]) => unknown[0]?.startsWith(`${name} `))?.[1];
    throw new OneexError(
      'ESSH_HOSTKEY_UNKNOWN',
      `No known host key for ${unknown.length} targeted host${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}. Nothing was contacted.`,
      `Add their keys to ssh_known_hosts (e.g. \`ssh-keyscan${first !== undefined && first.port !== 22 ? ` -p ${first.port}` : ''} ${first?.address ?? '<host>'}\`, checking the fingerprints against the VM's console or cloud-init output).`,
      EXIT.unavailable,
    );
  }
}
