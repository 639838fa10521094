import { isAbsolute, posix, relative, sep } from 'node:path';
import type { ExecResult } from '../../../src/runtime/exec.ts';
import type { LinterResult, LinterRun } from './types.ts';

// Small helpers the linter modules share.

/** A tool's path as the report wants it: relative to the project directory, `/`-separated, no `./`. */
export function projectPath(root: string, path: string): string {
  const relativePath = isAbsolute(path) ? relative(root, path) : path;
  return posix.normalize(relativePath.split(sep).join('/')).replace(/^(\.\/)+/, '');
}

/**
 * File lists split so that no command line grows past what one argument may hold (zx hands the whole
 * command to the shell as one string, and Linux caps a single argument at 128 KiB).
 */
export function chunks(files: readonly string[], maxChars = 60_000): string[][] {
  const result: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const file of files) {
    if (current.length > 0 && size + file.length + 3 > maxChars) {
      result.push(current);
      current = [];
      size = 0;
    }
    current.push(file);
    size += file.length + 3;
  }
  if (current.length > 0) result.push(current);
  return result;
}

/** The last lines of a tool's output, for a failure message. */
export function tail(text: string, lines = 30): string {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? ['…', ...all.slice(-lines)] : all).join('\n');
}

export function failure(tool: string, result: ExecResult, why?: string): string {
  const output = tail(`${result.stderr}\n${result.stdout}`.trim());
  return `${tool} ${why ?? `exited with code ${result.exitCode}`}${output === '' ? '' : `:\n${output}`}`;
}

/**
 * Runs a file-list tool over every chunk of its targets and merges the results; `parse` returns the
 * chunk's findings, or a failure when the exit code or output says the tool did not do its work.
 */
export async function overChunks(
  run: LinterRun,
  args: readonly string[],
  parse: (result: ExecResult) => LinterResult,
): Promise<LinterResult> {
  const findings: LinterResult['findings'][number][] = [];
  for (const files of chunks(run.targets)) {
    const result = parse(await run.exec([...args, ...files]));
    findings.push(...result.findings);
    if (result.failure !== undefined) return { findings, failure: result.failure };
  }
  return { findings };
}

/** JSON output of a tool, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export const asNumber = (value: unknown, fallback = 1): number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.trunc(value) : fallback;

export const asString = (value: unknown, fallback = ''): string =>
  typeof value === 'string' ? value : fallback;
