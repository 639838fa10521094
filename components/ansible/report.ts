import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import type { TestCase } from '../../src/runtime/junit.ts';
import type { HostAddress } from './preflight.ts';
import { knownHostsName } from './ssh.ts';

// What a run did, from the events the component's callback wrote: the per-host recap, the JUnit test
// cases, and the one error that explains a failed run. Pure functions over the events.

export type Status = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';

export interface TaskResult {
  readonly status: Status;
  readonly host: string;
  readonly task: string;
  readonly action: string;
  readonly play: string;
  readonly ignored: boolean;
  readonly duration: number;
  readonly msg: string;
  readonly stderr: string;
}

export interface HostStats {
  readonly ok: number;
  readonly changed: number;
  readonly failed: number;
  readonly unreachable: number;
  readonly skipped: number;
  readonly rescued: number;
  readonly ignored: number;
}

export interface RunEvents {
  readonly results: readonly TaskResult[];
  /** Absent when ansible-playbook stopped before its end. */
  readonly stats?: Readonly<Record<string, HostStats>>;
}

export function parseEvents(text: string): RunEvents {
  const results: TaskResult[] = [];
  let stats: Record<string, HostStats> | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const event = JSON.parse(line) as { event: string } & Record<string, unknown>;
    if (event.event === 'result') results.push(event as unknown as TaskResult);
    else if (event.event === 'stats') stats = event.hosts as Record<string, HostStats>;
  }
  return { results, ...(stats !== undefined ? { stats } : {}) };
}

export type Unreachable = 'hostkey-changed' | 'hostkey-unknown' | 'auth' | 'network';

/** Why ssh could not reach a host, from OpenSSH's own words in the result. */
export function unreachableKind(message: string): Unreachable {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(message)) {
    return 'hostkey-changed';
  }
  if (/host key is known for|Host key verification failed/i.test(message)) return 'hostkey-unknown';
  if (/Permission denied \(|Too many authentication failures/i.test(message)) return 'auth';
  return 'network';
}

const COLUMNS = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'] as const;

export function recapLines(stats: Readonly<Record<string, HostStats>>): string[] {
  const hosts = Object.keys(stats).sort();
  const width = Math.max(4, ...hosts.map((h) => h.length));
  const header = ['host'.padEnd(width), ...COLUMNS.map((c) => c.padStart(c.length))].join('  ');
  const rows = hosts.map((host) =>
    [host.padEnd(width), ...COLUMNS.map((c) => String(stats[host]?.[c] ?? 0).padStart(c.length))].join('  '),
  );
  return [header, ...rows];
}

const firstLine = (text: string): string => text.split('\n').find((l) => l.trim() !== '') ?? '';

/** The essential line of an SSH failure: what OpenSSH said last, without Ansible's preamble. */
function sshReason(message: string): string {
  const lines = message
    .replace(/^.*?Make sure this host can be reached over ssh: /s, '')
    .replace(/\r/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^@+$/.test(l));
  return (lines.at(-1) ?? message).replace(/^ssh: /, '');
}

export function testCases(events: RunEvents, suite: string): TestCase[] {
  return events.results
    .filter((r) => r.status !== 'skipped')
    .map((r) => {
      const failed = (r.status === 'failed' && !r.ignored) || r.status === 'unreachable';
      const details = [r.msg, r.stderr].filter((t) => t !== '').join('\n');
      return {
        name: `${r.host}: ${r.task}`,
        className: `${suite}.${r.play || 'play'}`,
        timeSeconds: r.duration,
        ...(failed
          ? {
              failure: {
                message: `${r.status}: ${firstLine(r.status === 'unreachable' ? sshReason(r.msg) : r.msg) || r.action}`,
                details: details || r.status,
              },
            }
          : {}),
      };
    });
}

export interface Summary {
  readonly hosts: number;
  readonly changed: number;
  readonly changedHosts: number;
}

export function summarise(events: RunEvents): Summary {
  const stats = Object.values(events.stats ?? {});
  return {
    hosts: stats.length,
    changed: stats.reduce((sum, s) => sum + s.changed, 0),
    changedHosts: stats.filter((s) => s.changed > 0).length,
  };
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

const describeHost = (name: string, hosts: ReadonlyMap<string, HostAddress>): string => {
  const host = hosts.get(name);
  return host === undefined ? name : `${name} (${knownHostsName(host.address, host.port)})`;
};

/**
 * The error that explains a failed run, or undefined when it succeeded. Host key problems come first
 * (they are a security matter), then refused keys, then unreachable hosts, then failed tasks; the
 * message names every host of every kind.
 */
export function runError(
  events: RunEvents,
  exitCode: number,
  hosts: ReadonlyMap<string, HostAddress>,
  output: string,
): OneexError | undefined {
  const unreachable = new Map<Unreachable, TaskResult[]>();
  const seen = new Set<string>();
  for (const result of events.results) {
    if (result.status !== 'unreachable' || seen.has(result.host)) continue;
    seen.add(result.host);
    const kind = unreachableKind(result.msg);
    unreachable.set(kind, [...(unreachable.get(kind) ?? []), result]);
  }
  // Hosts run in parallel: name them in a stable order, so two runs read alike.
  for (const results of unreachable.values()) results.sort((a, b) => a.host.localeCompare(b.host));
  const failed = events.results
    .filter((r) => r.status === 'failed' && !r.ignored)
    .sort((a, b) => a.host.localeCompare(b.host));
  const lines: string[] = [];
  const changedKey = unreachable.get('hostkey-changed') ?? [];
  const unknownKey = unreachable.get('hostkey-unknown') ?? [];
  const auth = unreachable.get('auth') ?? [];
  const network = unreachable.get('network') ?? [];
  if (changedKey.length > 0) {
    lines.push(
      `Host key mismatch on ${plural(changedKey.length, 'host')}: ${changedKey.map((r) => describeHost(r.host, hosts)).join(', ')} presented a key other than the one in ssh_known_hosts. Ansible did not log in.`,
    );
  }
  if (unknownKey.length > 0) {
    lines.push(
      `No known host key for ${unknownKey.map((r) => describeHost(r.host, hosts)).join(', ')}; ssh refused to connect.`,
    );
  }
  if (auth.length > 0) {
    lines.push(
      `SSH key refused by ${auth.map((r) => `${describeHost(r.host, hosts)}${hosts.get(r.host)?.user !== undefined ? ` as ${hosts.get(r.host)?.user}` : ''}`).join(', ')}: ${sshReason(auth[0]?.msg ?? '')}`,
    );
  }
  if (network.length > 0) {
    lines.push(
      `${plural(network.length, 'host')} unreachable over SSH: ${network.map((r) => `${describeHost(r.host, hosts)}: ${sshReason(r.msg)}`).join('; ')}`,
    );
  }
  if (failed.length > 0) {
    const failedHosts = new Set(failed.map((r) => r.host));
    lines.push(
      `${plural(failed.length, 'task')} failed on ${plural(failedHosts.size, 'host')}:`,
      ...failed.map((r) => `  ${r.host}: "${r.task}": ${firstLine(r.msg) || `${r.action} failed`}`),
    );
  }
  if (changedKey.length > 0) {
    return new OneexError(
      'ESSH_HOSTKEY_CHANGED',
      lines.join('\n'),
      'If the VM was rebuilt, replace its line in ssh_known_hosts (from its console or cloud-init output); otherwise treat it as a possible man-in-the-middle and tell the platform team.',
      EXIT.unavailable,
    );
  }
  if (unknownKey.length > 0) {
    return new OneexError(
      'ESSH_HOSTKEY_UNKNOWN',
      lines.join('\n'),
      'Add the hosts’ keys to ssh_known_hosts.',
      EXIT.unavailable,
    );
  }
  if (auth.length > 0) {
    return new OneexError(
      'ESSH_AUTH',
      lines.join('\n'),
      'Check that the public half of ssh_private_key is in the remote user’s authorized_keys (cloud-init user data), and the remote user.',
      EXIT.unavailable,
    );
  }
  if (network.length > 0) {
    return new OneexError(
      'EANSIBLE_UNREACHABLE',
      lines.join('\n'),
      'Check that the VMs are running and that the runner can reach their SSH port (address, port, firewall).',
      EXIT.unavailable,
    );
  }
  if (failed.length > 0) {
    return new OneexError(
      'EANSIBLE_FAILED',
      lines.join('\n'),
      'The log above shows each failed task with its output.',
      EXIT.failed,
    );
  }
  if (exitCode !== 0) {
    const tail = output
      .split('\n')
      .filter((l) => l.startsWith('ERROR!') || l.includes('fatal'))
      .slice(-5);
    return new OneexError(
      'EANSIBLE_ERROR',
      `ansible-playbook ended with exit code ${exitCode} before finishing${tail.length > 0 ? `:\n${tail.join('\n')}` : '.'}`,
      'The log above shows where it stopped.',
      EXIT.failed,
    );
  }
  return undefined;
}
