import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

// What the lint tests share: small repositories on disk, the JavaScript tools a repository would get
// from `npm ci` (linked from the library's own node_modules, since tests have no registry), and the
// built CLI run as a job runs it.

const run = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'oneex-ci.cjs');

/** The packages a TypeScript repository lists in devDependencies, and the executables npm links for them. */
export const JS_PACKAGES = ['eslint', 'prettier', 'typescript', 'typescript-eslint', '@eslint/js'] as const;
const JS_BINS = {
  eslint: 'eslint/bin/eslint.js',
  prettier: 'prettier/bin/prettier.cjs',
  tsc: 'typescript/bin/tsc',
};

/** Installs the JavaScript tools into `dir/node_modules` as `npm ci` would, by linking them. */
export async function linkJsTools(dir: string): Promise<void> {
  await mkdir(join(dir, 'node_modules', '.bin'), { recursive: true });
  await mkdir(join(dir, 'node_modules', '@eslint'), { recursive: true });
  for (const name of JS_PACKAGES)
    await symlink(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  for (const [bin, target] of Object.entries(JS_BINS)) {
    await symlink(join('..', target), join(dir, 'node_modules', '.bin', bin));
  }
}

/** The same, as a shell script a consumer's job runs as its install command (an offline `npm ci`). */
export const offlineInstallScript = (): string =>
  [
    '#!/bin/sh',
    '# Offline stand-in for npm ci: links the tools from a local node_modules.',
    'set -eu',
    `lib=${JSON.stringify(join(ROOT, 'node_modules'))}`,
    'mkdir -p node_modules/.bin node_modules/@eslint',
    `for package in ${JS_PACKAGES.join(' ')}; do`,
    '  ln -s "$lib/$package" "node_modules/$package"',
    'done',
    ...Object.entries(JS_BINS).map(([bin, target]) => `ln -s ../${target} node_modules/.bin/${bin}`),
    '',
  ].join('\n');

/** A directory holding `files`. */
export async function repository(files: Readonly<Record<string, string>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'oneex-lint-repo-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A PATH with Node and the system's tools (yamllint, shellcheck, flake8), and none of the library's node_modules. */
export const basePath = (...first: string[]): string =>
  [...first, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');

/** A PATH with Node and a shell only: a job image without any linter. */
export async function shellOnlyPath(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const shell of ['sh', 'bash']) await symlink(`/usr/bin/${shell}`, join(dir, shell));
  return [dir, dirname(process.execPath)].join(':');
}

/** `oneex-ci lint run` in `dir`, inputs as job variables (`ONEEX_LINT_*`), as a job runs it. */
export async function lintCli(
  dir: string,
  inputs: Readonly<Record<string, string>> = {},
  path = basePath(),
): Promise<CliResult> {
  const env: Record<string, string> = { PATH: path, HOME: dir, NO_COLOR: '1' };
  for (const [name, value] of Object.entries(inputs)) env[`ONEEX_LINT_${name.toUpperCase()}`] = value;
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'lint', 'run'], {
      cwd: dir,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export interface ReportIssue {
  readonly type: string;
  readonly engine_name: string;
  readonly check_name: string;
  readonly description: string;
  readonly severity: string;
  readonly fingerprint: string;
  readonly location: { readonly path: string; readonly lines: { readonly begin: number } };
}

/** Reads a Code Quality report and checks it holds what GitLab's widget requires of every issue. */
export async function readReport(path: string): Promise<ReportIssue[]> {
  const issues = JSON.parse(await readFile(path, 'utf8')) as unknown;
  if (!Array.isArray(issues)) throw new Error(`${path} is not a JSON array`);
  for (const issue of issues as ReportIssue[]) {
    const problems = [
      typeof issue.description === 'string' && issue.description !== '' ? '' : 'description',
      typeof issue.check_name === 'string' && issue.check_name !== '' ? '' : 'check_name',
      /^[0-9a-f]{32}$/.test(issue.fingerprint) ? '' : 'fingerprint',
      ['info', 'minor', 'major', 'critical', 'blocker'].includes(issue.severity) ? '' : 'severity',
      typeof issue.location?.path === 'string' && !issue.location.path.startsWith('/') ? '' : 'location.path',
      Number.isInteger(issue.location?.lines?.begin) && issue.location.lines.begin >= 1
        ? ''
        : 'location.lines.begin',
    ].filter((p) => p !== '');
    if (problems.length > 0) throw new Error(`bad ${problems.join(', ')} in ${JSON.stringify(issue)}`);
  }
  const fingerprints = (issues as ReportIssue[]).map((issue) => issue.fingerprint);
  if (new Set(fingerprints).size !== fingerprints.length) throw new Error('fingerprints are not unique');
  return issues as ReportIssue[];
}

/** The report's issues as `engine check path:line severity`, for readable assertions. */
export const summarise = (issues: readonly ReportIssue[]): string[] =>
  issues.map(
    (i) => `${i.engine_name} ${i.check_name} ${i.location.path}:${i.location.lines.begin} ${i.severity}`,
  );
