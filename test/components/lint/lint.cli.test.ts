import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliDoubles } from '../../doubles/cli-doubles.ts';
import {
  basePath,
  linkJsTools,
  lintCli,
  readReport,
  repository,
  shellOnlyPath,
  summarise,
} from './support.ts';

// `oneex-ci lint run` as a job runs it (the built CLI, inputs as ONEEX_LINT_* variables), in small
// repositories, with the real yamllint, ShellCheck, Flake8, ESLint, Prettier and tsc, and the doubles of
// hadolint, Ruff and dotnet format on PATH where a test wants them. Each path a job can take that the
// end-to-end runs do not: missing tools, tools that fail, thresholds, the install step, fingerprints.

const dirs: string[] = [];
let doubles: string;

async function repo(files: Record<string, string>): Promise<string> {
  const dir = await repository(files);
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  doubles = await cliDoubles(await mkdtemp(join(tmpdir(), 'oneex-lint-doubles-')), [
    'hadolint',
    'ruff',
    'dotnet',
  ]);
  dirs.push(doubles);
});
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

const withDoubles = () => basePath(doubles);

// Independent runs of separate processes in separate directories: side by side.
describe.concurrent('oneex-ci lint run', () => {
  describe('missing tools', () => {
    it('fail before anything is linted, naming the tool and how to get it', async () => {
      const dir = await repo({ Containerfile: 'FROM node\n', 'a.yml': 'a: 1\n' });
      const result = await lintCli(dir, { linters: 'json:["auto"]' });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('1 linter cannot run: the job lacks the tool. Nothing was linted.');
      expect(result.stderr).toContain('- hadolint (detected): `hadolint` is not in PATH;');
      expect(result.stderr).toContain('https://github.com/hadolint/hadolint/releases');
      expect(result.stderr).toContain('set skip_missing_tools: true to skip linters that detection picked.');
      expect(result.stdout).not.toContain('yamllint');
      expect(existsSync(join(dir, 'gl-code-quality-report.json'))).toBe(false);
    });

    it('are skipped with a warning when detection picked them and skip_missing_tools is true', async () => {
      const dir = await repo({ Containerfile: 'FROM node\n', 'a.yml': 'a: 1\n' });
      const result = await lintCli(dir, { skip_missing_tools: 'true' });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        '⚠ Skipping hadolint (detected, skip_missing_tools): `hadolint` is not in PATH',
      );
      expect(result.stdout).toContain('hadolint       skipped: its tool is missing (hadolint)');
      expect(result.stdout).toMatch(/yamllint +no findings \(1 file\)/);
    });

    it('are never skipped when named, and the repository’s own node_modules is searched first', async () => {
      const dir = await repo({
        'package.json': '{}',
        'src/a.ts': 'export {};\n',
        Containerfile: 'FROM node\n',
      });
      const result = await lintCli(dir, {
        linters: 'json:["eslint","hadolint"]',
        skip_missing_tools: 'true',
        install: 'none',
      });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('2 linters cannot run');
      expect(result.stderr).toContain(
        '- eslint (named in linters): `eslint` is not in node_modules/.bin/ or PATH;',
      );
      expect(result.stderr).toContain('npm install --save-dev eslint');
      expect(result.stderr).not.toContain('skip_missing_tools');
    });

    it('name both Python linters when neither is there', async () => {
      const dir = await repo({ 'app.py': 'x = 1\n' });
      const result = await lintCli(
        dir,
        { linters: 'json:["python"]' },
        await shellOnlyPath(join(dir, '.bin')),
      );
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        '- ruff or flake8 (named in linters): `ruff` is not in .venv/bin/ or PATH;',
      );
      expect(result.stderr).toContain('or `flake8` is not in .venv/bin/ or PATH;');
    });
  });

  describe('Python', () => {
    const files = {
      'scanner/mrz.py':
        'import os\n\n\ndef check(x):\n    if x == None:\n        return True\n    return x\n',
    };

    it('runs Ruff where the repository configures it, with its configuration', async () => {
      const dir = await repo({
        ...files,
        'ruff.toml': '[lint]\nextend-select = ["E711"]\nignore = ["F401"]\n',
      });
      const result = await lintCli(dir, {}, withDoubles());
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('Configuration: ruff.toml');
      expect(summarise(await readReport(join(dir, 'gl-code-quality-report.json')))).toEqual([
        'ruff E711 scanner/mrz.py:5 major',
      ]);
    });

    it('prefers Ruff when the job has it and nothing is configured, else runs Flake8', async () => {
      const dir = await repo(files);
      const ruff = await lintCli(dir, {}, withDoubles());
      expect(ruff.stdout).toMatch(/ruff +2 findings \(2 major\)/);
      const flake8 = await lintCli(dir, {});
      expect(flake8.stdout).toMatch(/flake8 +2 findings \(2 major\)/);
      expect(flake8.stdout).not.toContain('ruff ');
    });

    it('uses Flake8 where the repository configures it, even when the job has Ruff', async () => {
      const dir = await repo({ ...files, '.flake8': '[flake8]\nextend-ignore = E711\n' });
      const result = await lintCli(dir, {}, withDoubles());
      expect(result.stdout).toContain('Configuration: .flake8');
      expect(summarise(await readReport(join(dir, 'gl-code-quality-report.json')))).toEqual([
        'flake8 F401 scanner/mrz.py:1 major',
      ]);
    });

    it('reports a syntax error as critical', async () => {
      const dir = await repo({ 'bad.py': 'def scan(:\n    pass\n' });
      const result = await lintCli(dir, {});
      expect(result.code).toBe(1);
      expect(summarise(await readReport(join(dir, 'gl-code-quality-report.json')))).toEqual([
        'flake8 E999 bad.py:1 critical',
      ]);
    });
  });

  describe('thresholds', () => {
    const files = { 'deploy/values.yaml': `replicas: 2\nimage: back\ncomment: ${'x'.repeat(130)}\n` };

    it('pass with warnings (exit 4) on warnings only, fail when fail_on is lower, pass when warn_on is never', async () => {
      const dir = await repo(files);
      const warned = await lintCli(dir, {});
      expect(warned.code).toBe(4);
      expect(warned.stdout).toContain(
        '⚠ minor    deploy/values.yaml:3:121  line too long (139 > 120 characters) [line-length]',
      );
      expect(warned.stdout).toContain('1 finding at or above minor (warn_on): the job passes with warnings.');
      expect((await lintCli(dir, { fail_on: 'minor' })).code).toBe(1);
      expect((await lintCli(dir, { warn_on: 'never' })).code).toBe(0);
    });

    it('reject a threshold outside the options before anything runs', async () => {
      const dir = await repo(files);
      const result = await lintCli(dir, { fail_on: 'blocking' });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        'fail_on: got "blocking"; expected one of "info", "minor", "major", "critical", "blocker", "never"',
      );
      expect(result.stdout).toBe('');
    });
  });

  describe('tools that cannot do their work', () => {
    it('fail the job whatever the thresholds, with the tool’s own message', async () => {
      const dir = await repo({ '.yamllint': 'rules: [this is not a mapping\n', 'a.yml': 'a: 1\n' });
      const result = await lintCli(dir, { fail_on: 'never', warn_on: 'never' });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('yamllint exited with code');
      expect(result.stdout).toContain('invalid config');
      expect(result.stdout).toMatch(/yamllint +could not run/);
      expect(result.stdout).toContain('yamllint could not run (see its section): the job fails.');
    });

    it('fail on dotnet format’s own error, and read its report when it has changes to make', async () => {
      const broken = await repo({
        'Oneex.sln':
          'Project("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "Gone", "src\\Gone\\Gone.csproj", "{00000000-0000-0000-0000-000000000000}"\n',
      });
      const failed = await lintCli(broken, {}, withDoubles());
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain('dotnet format Oneex.sln exited with code 1');
      expect(failed.stdout).toContain("The project file '");
    });

    it('fail when the install step fails, before any linter runs', async () => {
      const dir = await repo({ 'package.json': '{}', 'src/a.ts': 'export {};\n' });
      const broken = await lintCli(dir, { install: 'false' });
      expect(broken.code).toBe(3);
      expect(broken.stderr).toContain(
        'The install command `false` failed (exit 1); nothing was linted. [EINSTALL]',
      );
      const missing = await lintCli(dir, { install: 'pnpm-that-is-not-there install' });
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain('The install command `pnpm-that-is-not-there install` could not run');
    });
  });

  describe('JavaScript and TypeScript', () => {
    it('lints with the library’s default ESLint configuration when the repository has none, and finds Prettier syntax errors', async () => {
      const dir = await repo({
        'package.json': '{ "name": "back", "devDependencies": { "prettier": "^3" } }\n',
        'src/a.ts': 'const unused = 1;\nexport const b = 2;\n',
        'src/broken.js': 'export const c = (\n',
      });
      await linkJsTools(dir);
      const result = await lintCli(dir, { linters: 'json:["eslint","prettier"]' });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('Not installing dependencies: node_modules is already there.');
      expect(result.stdout).toContain(
        'No ESLint configuration in the repository: the library default (@eslint/js recommended, typescript-eslint recommended).',
      );
      expect(summarise(await readReport(join(dir, 'gl-code-quality-report.json')))).toEqual([
        'prettier format package.json:1 major',
        'eslint @typescript-eslint/no-unused-vars src/a.ts:1 major',
        'eslint syntax-error src/broken.js:1 critical',
        'prettier syntax-error src/broken.js:2 critical',
      ]);
    });
  });

  describe('the report', () => {
    it('keeps each finding’s fingerprint when lines above it change, and lists nothing for a clean repository', async () => {
      const script = 'echo "Deploying" $1\n';
      const dir = await repo({ 'deploy.sh': `#!/bin/sh\n${script}` });
      const report = join(dir, 'gl-code-quality-report.json');
      await lintCli(dir, {});
      const before = await readReport(report);
      await writeFile(join(dir, 'deploy.sh'), `#!/bin/sh\n# Deploys the back end.\nset -eu\n${script}`);
      await lintCli(dir, {});
      const after = await readReport(report);
      expect(summarise(before)).toEqual(['shellcheck SC2086 deploy.sh:2 info']);
      expect(summarise(after)).toEqual(['shellcheck SC2086 deploy.sh:4 info']);
      expect(after[0]?.fingerprint).toBe(before[0]?.fingerprint);

      const clean = await repo({ 'README.md': '# Nothing to lint\n' });
      const result = await lintCli(clean, {});
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Nothing to lint: no linter applies to this repository.');
      expect(await readReport(join(clean, 'gl-code-quality-report.json'))).toEqual([]);
    });

    it('goes where report_file says, and paths and exclude narrow what is linted', async () => {
      const dir = await repo({
        'scripts/a.sh': '#!/bin/sh\necho $1\n',
        'scripts/vendor/b.sh': '#!/bin/sh\necho $1\n',
        'other/c.sh': '#!/bin/sh\necho $1\n',
      });
      const result = await lintCli(dir, {
        paths: 'json:["scripts"]',
        exclude: 'json:["scripts/vendor/**"]',
        report_file: 'reports/lint.json',
      });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Linting scripts with shellcheck.');
      expect(summarise(await readReport(join(dir, 'reports', 'lint.json')))).toEqual([
        'shellcheck SC2086 scripts/a.sh:2 info',
      ]);
    });
  });
});
