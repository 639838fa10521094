import { createHash } from 'node:crypto';
import type { Severity } from './severity.ts';

// GitLab's Code Quality report (docs.gitlab.com/ci/testing/code_quality): the subset of the Code Climate
// issue format the merge request widget reads. Any job that finds problems in code (linters, scanners)
// can write one.

export { SEVERITIES, type Severity, severityRank } from './severity.ts';

/** One problem a tool found, at a place in the repository. */
export interface Finding {
  /** The tool that found it (`eslint`, `hadolint`, …): Code Climate's `engine_name`. */
  readonly engine: string;
  /** The tool's rule (`no-unused-vars`, `DL3006`, …): Code Climate's `check_name`. */
  readonly check: string;
  readonly message: string;
  readonly severity: Severity;
  /** Relative to the project directory, with `/` separators. */
  readonly path: string;
  /** 1-based. */
  readonly line: number;
  readonly column?: number;
}

export interface CodeQualityIssue {
  readonly type: 'issue';
  readonly engine_name: string;
  readonly check_name: string;
  readonly description: string;
  readonly severity: Severity;
  readonly fingerprint: string;
  readonly location: { readonly path: string; readonly lines: { readonly begin: number } };
}

/**
 * The report's issues, in a stable order. GitLab compares the fingerprints of the merge request's report
 * with the target branch's to tell new problems from fixed ones, so a fingerprint must not change when
 * unrelated lines move: it hashes the tool, the rule, the file, the message and the text of the line
 * (`sourceLine`, when the file can be read) rather than the line number. Identical problems on
 * identical lines are told apart by their order in the file.
 */
export function codeQualityIssues(
  findings: readonly Finding[],
  sourceLine: (path: string, line: number) => string | undefined = () => undefined,
): CodeQualityIssue[] {
  const sorted = [...findings].sort(
    (a, b) =>
      a.path.localeCompare(b.path) ||
      a.line - b.line ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.engine.localeCompare(b.engine) ||
      a.check.localeCompare(b.check) ||
      a.message.localeCompare(b.message),
  );
  const seen = new Map<string, number>();
  return sorted.map((finding) => {
    const line = Math.max(1, Math.trunc(finding.line));
    const anchor = sourceLine(finding.path, line)?.trim() ?? `line ${line}`;
    const key = [finding.engine, finding.check, finding.path, finding.message, anchor].join('\u0000');
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    return {
      type: 'issue',
      engine_name: finding.engine,
      check_name: finding.check,
      description: `${finding.engine}: ${finding.message} [${finding.check}]`,
      severity: finding.severity,
      fingerprint: createHash('md5').update(`${key}\u0000${occurrence}`).digest('hex'),
      location: { path: finding.path, lines: { begin: line } },
    };
  });
}
