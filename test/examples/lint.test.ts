import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basePath, lintCli, ROOT, readReport, summarise } from '../components/lint/support.ts';
import { cliDoubles } from '../doubles/cli-doubles.ts';

// `oneex-ci lint run` (the built CLI, as the job runs it) over a copy of each example: every stack it
// detects is linted with the example's own configuration and finds nothing. The JavaScript tools come
// from the library's node_modules, linked as `npm ci` would install the example's devDependencies;
// hadolint, Ruff and dotnet are their doubles; yamllint, ShellCheck and tsc are the real ones.

const run = promisify(execFile);
const EXAMPLES = join(ROOT, 'examples');
const OFFLINE_NPM_CI = join(ROOT, 'test', 'support', 'offline-npm-ci.mjs');
let doubles: string;
let work: string;

/** `npm ci`, offline: each devDependency of the example linked from the library's node_modules. */
const linkDevDependencies = (dir: string) => run(process.execPath, [OFFLINE_NPM_CI, dir]);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'oneex-examples-lint-'));
  doubles = await cliDoubles(join(work, 'doubles'), ['hadolint', 'dotnet', 'ruff']);
});

afterAll(() => rm(work, { recursive: true, force: true }));

const CASES = [
  { app: 'oneex-front', linters: ['eslint', 'prettier', 'tsc', 'hadolint', 'yamllint'], node: true },
  { app: 'oneex-back', linters: ['eslint', 'prettier', 'tsc', 'hadolint', 'yamllint'], node: true },
  { app: 'oneex-scanner', linters: ['ruff', 'hadolint', 'yamllint'], node: false },
  { app: 'oneex-csharp', linters: ['dotnet-format', 'hadolint', 'yamllint'], node: false },
] as const;

describe('example repositories: oneex-ci lint run finds nothing', () => {
  it.concurrent.each(CASES)('$app', async ({ app, linters, node }) => {
    const dir = join(work, app);
    await cp(join(EXAMPLES, app), dir, { recursive: true });
    if (node) await linkDevDependencies(dir);
    const result = await lintCli(dir, {}, basePath(doubles));
    const output = result.stdout + result.stderr;
    const issues = await readReport(join(dir, 'gl-code-quality-report.json'));
    expect(summarise(issues)).toEqual([]);
    expect(result.code, output).toBe(0);
    // Every linter of the stacks it holds ran; none was skipped.
    for (const linter of linters) expect(output).toMatch(new RegExp(`\\b${linter}\\b`));
    expect(output).not.toMatch(/skipp/i);
  });
});
