import type { ArtifactRef, HarborClient, ScanOverview, Vulnerability } from '../../src/harbor/client.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import type { Severity } from './plan.ts';

// The vulnerability gate: Harbor scans the pushed digest, the job waits for the result within a bound,
// and fails when a finding reaches the threshold, with a summary a person can act on.

const RANK: Readonly<Record<string, number>> = {
  critical: 5,
  high: 4,
  medium: 3,
  low: 2,
  negligible: 1,
  unknown: 0,
  none: 0,
};
const ORDER = ['Critical', 'High', 'Medium', 'Low', 'Negligible', 'Unknown'] as const;
const TOP = 10;

const rank = (severity: string): number => RANK[severity.toLowerCase()] ?? 0;

export interface GateOutcome {
  readonly passed: boolean;
  /** Findings at or above the threshold. */
  readonly blocking: number;
  readonly lines: readonly string[];
}

/** The verdict and its summary: counts per severity, then the worst findings first. */
export function judge(
  overview: ScanOverview,
  vulnerabilities: readonly Vulnerability[],
  threshold: Severity,
): GateOutcome {
  const counts = overview.summary?.summary ?? {};
  const total = overview.summary?.total ?? Object.values(counts).reduce((a, b) => a + b, 0);
  const blocking = Object.entries(counts)
    .filter(([severity]) => rank(severity) >= rank(threshold))
    .reduce((sum, [, count]) => sum + count, 0);
  const scanner =
    overview.scanner?.name !== undefined
      ? ` (${overview.scanner.name} ${overview.scanner.version ?? ''})`.replace(' )', ')')
      : '';
  const perSeverity = ORDER.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${s} ${counts[s]}`);
  const lines = [
    total === 0
      ? `Harbor scan${scanner}: no known vulnerability.`
      : `Harbor scan${scanner}: ${total} vulnerabilit${total === 1 ? 'y' : 'ies'}` +
        `${overview.summary?.fixable !== undefined ? `, ${overview.summary.fixable} fixable` : ''}: ${perSeverity.join(', ')}.`,
  ];
  const top = [...vulnerabilities].sort((a, b) => rank(b.severity) - rank(a.severity)).slice(0, TOP);
  if (top.length > 0) {
    lines.push(`Top ${top.length === 1 ? 'finding' : `${top.length} findings`}:`);
    for (const v of top) {
      const fix =
        v.fix_version !== undefined && v.fix_version !== '' ? `, fixed in ${v.fix_version}` : ', no fix yet';
      lines.push(`  ${v.severity.padEnd(8)} ${v.id}  ${v.package} ${v.version}${fix}`);
    }
  }
  return { passed: blocking === 0, blocking, lines };
}

export interface Clock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

const realClock: Clock = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const TERMINAL = new Set(['Success', 'Error', 'Stopped']);

/** Starts a scan and waits for its result; polls quickly at first, then every 5 s at most. */
export async function scanAndWait(
  client: HarborClient,
  artifact: ArtifactRef,
  timeoutSeconds: number,
  context: RunContext,
  clock: Clock = realClock,
): Promise<ScanOverview> {
  const before = await client.scanOverview(artifact);
  const state = await client.startScan(artifact);
  context.log.info(
    state === 'started'
      ? 'Harbor is scanning the image.'
      : 'Harbor is already scanning the image; waiting for it.',
  );
  const deadline = clock.now() + timeoutSeconds * 1000;
  let interval = 250;
  let last: ScanOverview | undefined;
  while (clock.now() < deadline) {
    last = await client.scanOverview(artifact);
    const fresh =
      state === 'running' ||
      before === undefined ||
      last?.report_id !== before.report_id ||
      last?.end_time !== before.end_time;
    if (last !== undefined && fresh && TERMINAL.has(last.scan_status)) break;
    await clock.sleep(Math.min(interval, Math.max(0, deadline - clock.now())));
    interval = Math.min(interval * 2, 5_000);
  }
  if (last === undefined || !TERMINAL.has(last.scan_status)) {
    throw new OneexError(
      'ESCAN_TIMEOUT',
      `Harbor's scan did not finish within ${timeoutSeconds} s (last status: ${last?.scan_status ?? 'none'}).`,
      'Raise `scan_timeout`, or check Harbor’s scanner (Interrogation Services) and its job queue.',
      EXIT.unavailable,
    );
  }
  if (last.scan_status !== 'Success') {
    throw new OneexError(
      'ESCAN_FAILED',
      `Harbor could not scan the image: scan status ${last.scan_status}.`,
      'Read the scan log in Harbor (the artifact’s Vulnerabilities tab) and re-run the job.',
      EXIT.unavailable,
    );
  }
  return last;
}

export async function vulnerabilityGate(
  client: HarborClient,
  artifact: ArtifactRef,
  gate: { readonly threshold: Severity; readonly timeoutSeconds: number },
  context: RunContext,
  clock?: Clock,
): Promise<void> {
  const outcome = await context.log.section(
    'image_scan',
    `Vulnerability gate: fail at ${gate.threshold} or worse`,
    async () => {
      const overview = await scanAndWait(client, artifact, gate.timeoutSeconds, context, clock);
      const vulnerabilities =
        (overview.summary?.total ?? 0) > 0 ? await client.vulnerabilities(artifact) : [];
      const result = judge(overview, vulnerabilities, gate.threshold);
      for (const line of result.lines) context.log.info(line);
      return result;
    },
  );
  if (!outcome.passed) {
    throw new OneexError(
      'EVULNERABLE',
      `${outcome.blocking} vulnerabilit${outcome.blocking === 1 ? 'y' : 'ies'} at ${gate.threshold} or worse: the image is not tagged.\n${outcome.lines.map((l) => `  ${l}`).join('\n')}`,
      'Update the base image or the packages named above, or raise `vulnerability_gate`; the digest stays in Harbor, untagged.',
      EXIT.failed,
    );
  }
  context.log.success(`No vulnerability at ${gate.threshold} or worse.`);
}
