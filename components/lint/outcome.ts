import { type Finding, SEVERITIES, severityRank } from '../../src/runtime/codequality.ts';
import type { Logger } from '../../src/runtime/log.ts';
import { type THRESHOLDS, WARNINGS_EXIT_CODE } from './component.ts';
import type { LinterName, LinterResult } from './linters/index.ts';

// The job's verdict from the findings and the thresholds, and how the log shows each linter's result.

export type Threshold = (typeof THRESHOLDS)[number];

const atLeast = (threshold: Threshold) => (finding: Finding) =>
  threshold !== 'never' && severityRank(finding.severity) >= severityRank(threshold);

export interface Verdict {
  readonly exitCode: number;
  /** Findings at or above `fail_on`. */
  readonly blocking: number;
  /** Findings at or above `warn_on` but below `fail_on`. */
  readonly warnings: number;
}

/** A linter that could not run fails the job whatever the thresholds: nothing was checked. */
export function verdict(
  findings: readonly Finding[],
  failures: number,
  failOn: Threshold,
  warnOn: Threshold,
): Verdict {
  const blocking = findings.filter(atLeast(failOn)).length;
  const warnings = findings.filter((f) => !atLeast(failOn)(f) && atLeast(warnOn)(f)).length;
  const exitCode = failures > 0 || blocking > 0 ? 1 : warnings > 0 ? WARNINGS_EXIT_CODE : 0;
  return { exitCode, blocking, warnings };
}

export const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/** `3 findings (1 critical, 2 major)`, most severe first. */
export function countFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'no findings';
  const parts = [...SEVERITIES]
    .reverse()
    .map((severity) => [severity, findings.filter((f) => f.severity === severity).length] as const)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`);
  return `${plural(findings.length, 'finding')} (${parts.join(', ')})`;
}

/** What the log says of one linter. */
export interface LinterReport {
  readonly name: LinterName;
  readonly why: string;
  readonly tool: string;
  readonly config: string;
  readonly targets: string;
  readonly seconds: number;
  readonly result: LinterResult;
}

/** The log shows this many findings per linter; the Code Quality report holds them all. */
export const LOG_LIMIT = 200;

export interface Thresholds {
  readonly failOn: Threshold;
  readonly warnOn: Threshold;
}

export async function printLinter(log: Logger, report: LinterReport, thresholds: Thresholds): Promise<void> {
  const { result } = report;
  const status = result.failure !== undefined ? 'could not run' : countFindings(result.findings);
  const header = `${report.name}: ${status} · ${report.targets} · ${report.seconds.toFixed(1)} s`;
  const quiet = result.failure === undefined && result.findings.length === 0;
  await log.section(
    `lint_${report.name.replace(/-/g, '_')}`,
    header,
    async () => {
      log.info(`Tool: ${report.tool}`);
      log.info(`Configuration: ${report.config}`);
      log.info(`Chosen: ${report.why}`);
      for (const note of result.notes ?? []) log.info(note);
      const sorted = [...result.findings].sort(
        (a, b) => a.path.localeCompare(b.path) || a.line - b.line || (a.column ?? 0) - (b.column ?? 0),
      );
      for (const finding of sorted.slice(0, LOG_LIMIT)) {
        const place = `${finding.path}:${finding.line}${finding.column !== undefined ? `:${finding.column}` : ''}`;
        const text = `${finding.severity.padEnd(8)} ${place}  ${finding.message} [${finding.check}]`;
        // ✖ fails the job, ⚠ makes it pass with warnings, the rest is for information.
        if (atLeast(thresholds.failOn)(finding)) log.error(text);
        else if (atLeast(thresholds.warnOn)(finding)) log.warn(text);
        else log.info(`  ${text}`);
      }
      if (sorted.length > LOG_LIMIT) {
        log.info(`… and ${sorted.length - LOG_LIMIT} more: the Code Quality report holds them all.`);
      }
      if (result.failure !== undefined) log.error(result.failure);
    },
    quiet,
  );
}

export interface Skipped {
  readonly name: string;
  readonly reason: string;
}

/** The end of the log: one line per linter, the report, and the verdict in words. */
export function printSummary(
  log: Logger,
  summary: {
    readonly reports: readonly LinterReport[];
    readonly skipped: readonly Skipped[];
    readonly reportFile: string;
    readonly issues: number;
    readonly result: Verdict;
    readonly thresholds: Thresholds;
  },
): void {
  const { reports, result, thresholds } = summary;
  log.line();
  log.info('Summary:');
  for (const report of reports) {
    const status =
      report.result.failure !== undefined ? 'could not run' : countFindings(report.result.findings);
    log.info(`  ${report.name.padEnd(14)} ${status} (${report.targets})`);
  }
  for (const skip of summary.skipped) log.info(`  ${skip.name.padEnd(14)} skipped: ${skip.reason}`);
  log.info(`Code Quality report: ${summary.reportFile} (${plural(summary.issues, 'issue')}).`);
  const failed = reports.filter((report) => report.result.failure !== undefined).map((report) => report.name);
  if (failed.length > 0) {
    log.error(
      `${failed.join(', ')} could not run (see ${failed.length === 1 ? 'its' : 'their'} section): the job fails.`,
    );
  }
  if (result.blocking > 0) {
    log.error(
      `${plural(result.blocking, 'finding')} at or above ${thresholds.failOn} (fail_on): the job fails.`,
    );
  } else if (failed.length > 0) {
    return;
  } else if (result.warnings > 0) {
    log.warn(
      `${plural(result.warnings, 'finding')} at or above ${thresholds.warnOn} (warn_on): the job passes with warnings.`,
    );
  } else {
    const total = reports.reduce((sum, report) => sum + report.result.findings.length, 0);
    log.success(total === 0 ? 'No findings.' : `No findings at or above ${thresholds.warnOn}.`);
  }
}
