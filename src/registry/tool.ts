import type { RunContext } from '../runtime/context.ts';
import { EXIT, type ExitCode, OneexError } from '../runtime/errors.ts';
import { type ExecResult, exec } from '../runtime/exec.ts';
import { DEFAULT_RETRY, type RetryPolicy, retry } from '../runtime/retry.ts';
import { errorLines, readFailure, UNKNOWN } from './failure.ts';

// Runs a registry tool (buildah, skopeo) with the library's retry policy: a run that fails for a
// transient reason (5xx, 429, timeout, reset connection) runs again after a backoff; any other failure,
// or the last attempt, ends the job with what the tool said and what to do about it.

class ToolFailure extends Error {
  constructor(readonly result: ExecResult) {
    super(errorLines(`${result.stderr}\n${result.stdout}`, 1));
  }
}

export interface ToolRun {
  /** What the run does, for the log and errors: "push harbor.oneex.fr/oneex/back@sha256:…". */
  readonly what: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Stream the tool's output to the log (builds); otherwise it is shown only on failure. */
  readonly echo?: boolean;
  readonly policy?: RetryPolicy;
  /**
   * Judge only the tool's final error line: a build echoes its steps' own output, where a test that
   * printed "503" must not make the build look like a registry failure.
   */
  readonly finalErrorOnly?: boolean;
  /** What to say when the output shows no registry problem (a build step that failed, say). */
  readonly otherwise?: {
    readonly code: string;
    readonly reason: string;
    readonly hint: string;
    readonly exitCode: ExitCode;
  };
}

export async function runRegistryTool(
  run: ToolRun,
  context: Pick<RunContext, 'cwd' | 'log' | 'redactor'>,
): Promise<ExecResult> {
  const policy = run.policy ?? DEFAULT_RETRY;
  try {
    return await retry(
      async () => {
        const result = await exec(run.command, run.args, {
          cwd: context.cwd,
          redactor: context.redactor,
          ...(run.echo === true ? { echo: (line: string) => context.log.info(line) } : {}),
        });
        if (result.exitCode !== 0) throw new ToolFailure(result);
        return result;
      },
      policy,
      {
        transient: (error) =>
          error instanceof ToolFailure && readFailure(judged(run, error.result)).transient,
        onRetry: (error, attempt, delayMs) =>
          context.log.warn(
            `${run.what}: attempt ${attempt} of ${policy.attempts} failed (${(error as Error).message}); retrying in ${(delayMs / 1000).toFixed(1)} s`,
          ),
      },
    );
  } catch (error) {
    if (!(error instanceof ToolFailure)) throw error;
    const output = `${error.result.stderr}\n${error.result.stdout}`;
    const read = readFailure(judged(run, error.result));
    const reading =
      read.reason === UNKNOWN && run.otherwise !== undefined
        ? run.otherwise
        : { ...read, code: 'EREGISTRY', exitCode: EXIT.unavailable };
    throw new OneexError(
      reading.code,
      `${run.what} failed: ${reading.reason}.\n${indent(errorLines(output))}`,
      reading.hint,
      reading.exitCode,
    );
  }
}

const FINAL_ERROR = /^(Error:|time=.*level=fatal)/;

function judged(run: ToolRun, result: ExecResult): string {
  const output = `${result.stderr}\n${result.stdout}`;
  if (run.finalErrorOnly !== true) return output;
  return (
    output
      .split('\n')
      .filter((line) => FINAL_ERROR.test(line.trim()))
      .at(-1) ?? ''
  );
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
