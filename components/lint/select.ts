import { existsSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { envName } from '../../src/model/inputs.ts';
import { InputError, type InputProblem } from '../../src/runtime/errors.ts';
import { closest } from '../../src/runtime/suggest.ts';
import {
  isLinterName,
  LINTER_NAMES,
  LINTERS,
  type Linter,
  type LinterName,
  STACKS,
  type StackName,
} from './linters/index.ts';
import { pythonCandidates } from './linters/python.ts';
import type { Repository } from './repository.ts';

// From the inputs to what runs: every input checked first (all problems reported at once, nothing run
// yet), then, against the repository, the linters that apply and why.

export interface Selection {
  /** `auto` was given: detection picks linters from the repository. */
  readonly auto: boolean;
  readonly stacks: ReadonlySet<StackName>;
  readonly linters: ReadonlySet<LinterName>;
  /** Linters never to run (`skip_linters`, stacks expanded). */
  readonly skip: ReadonlySet<LinterName>;
}

export interface Request {
  readonly selection: Selection;
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  readonly reportFile: string;
}

export interface RequestInputs {
  readonly linters: readonly string[];
  readonly skip_linters: readonly string[];
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  readonly report_file: string;
}

const NAMES = ['auto', ...Object.keys(STACKS), ...LINTER_NAMES];

const problem = (input: string, value: string, expected: string): InputProblem => ({
  input,
  variable: envName('lint', input),
  value,
  expected,
});

function unknownName(input: string, name: string, allowed: readonly string[]): InputProblem {
  const suggestion = closest(name, allowed);
  return problem(
    input,
    name,
    `one of ${allowed.join(', ')}${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`,
  );
}

/** A path relative to the project directory, normalised, or why it cannot be one. */
export function normalisePath(raw: string): { path: string } | { problem: string } {
  const text = raw.trim().replace(/\\/g, '/');
  if (text === '') return { problem: 'a path relative to the project directory, not an empty one' };
  if (isAbsolute(text) || text.startsWith('~')) {
    return { problem: 'a path relative to the project directory, not an absolute one' };
  }
  const path = posix.normalize(text).replace(/\/+$/, '') || '.';
  if (path === '..' || path.startsWith('../')) return { problem: 'a path inside the project directory' };
  return { path };
}

/** Checks every input and returns the request, or throws one error naming every bad value. */
export function readRequest(inputs: RequestInputs, root: string): Request {
  const problems: InputProblem[] = [];
  const stacks = new Set<StackName>();
  const linters = new Set<LinterName>();
  let auto = false;
  if (inputs.linters.length === 0) {
    problems.push(problem('linters', '[]', 'at least one name: "auto", a stack or a linter'));
  }
  for (const name of inputs.linters) {
    if (name === 'auto') auto = true;
    else if (STACKS[name] !== undefined) stacks.add(STACKS[name]);
    else if (isLinterName(name)) linters.add(name);
    else problems.push(unknownName('linters', name, NAMES));
  }
  const skip = new Set<LinterName>();
  for (const name of inputs.skip_linters) {
    const stack = STACKS[name];
    if (stack !== undefined)
      for (const linter of LINTERS.filter((l) => l.stack === stack)) skip.add(linter.name);
    else if (isLinterName(name)) skip.add(name);
    else problems.push(unknownName('skip_linters', name, NAMES.slice(1)));
  }

  const paths: string[] = [];
  for (const raw of inputs.paths) {
    const result = normalisePath(raw);
    if ('problem' in result) problems.push(problem('paths', raw, result.problem));
    else if (!existsSync(join(root, result.path))) {
      problems.push(problem('paths', raw, 'an existing file or directory of the project'));
    } else paths.push(result.path);
  }
  if (inputs.paths.length === 0) problems.push(problem('paths', '[]', 'at least one path, such as "."'));

  const exclude: string[] = [];
  for (const raw of inputs.exclude) {
    const result = normalisePath(raw);
    if ('problem' in result) problems.push(problem('exclude', raw, `a glob pattern: ${result.problem}`));
    else exclude.push(result.path);
  }

  const report = normalisePath(inputs.report_file);
  if ('problem' in report) problems.push(problem('report_file', inputs.report_file, report.problem));

  if (problems.length > 0) throw new InputError('lint', problems);
  return {
    selection: { auto, stacks, linters, skip },
    // `.` covers everything; a path inside another one adds nothing.
    paths: paths.includes('.') ? ['.'] : [...new Set(paths)],
    exclude,
    reportFile: 'path' in report ? report.path : inputs.report_file,
  };
}

/** One linter to run, or a choice of linters (the first one the job has wins): Python's Ruff or Flake8. */
export interface Wanted {
  readonly candidates: readonly Linter[];
  /** Named in `linters` (itself or its stack), rather than picked by detection. */
  readonly requested: boolean;
}

/** The linters that apply to the repository, in the library's order. */
export async function plan(selection: Selection, repo: Repository): Promise<Wanted[]> {
  const wanted: Wanted[] = [];
  let python: Wanted | undefined;
  for (const linter of LINTERS) {
    if (selection.skip.has(linter.name)) continue;
    const stackNamed = selection.stacks.has(linter.stack);
    if (selection.linters.has(linter.name)) {
      wanted.push({ candidates: [linter], requested: true });
      continue;
    }
    if (!stackNamed && !selection.auto) continue;
    if (!(await linter.detect(repo, await linter.targets(repo)))) continue;
    if (linter.stack === 'python') {
      // Ruff and Flake8 do the same job: the stack gets one of them, unless one was named.
      if (python !== undefined || selection.linters.has('ruff') || selection.linters.has('flake8')) continue;
      const candidates = (await pythonCandidates(repo)).filter((c) => !selection.skip.has(c.name));
      if (candidates.length === 0) continue;
      python = { candidates, requested: stackNamed };
      wanted.push(python);
      continue;
    }
    wanted.push({ candidates: [linter], requested: stackNamed });
  }
  return wanted;
}
