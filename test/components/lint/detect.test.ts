import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { dotnetWorkspaces } from '../../../components/lint/linters/dotnet-format.ts';
import { isContainerfile } from '../../../components/lint/linters/hadolint.ts';
import { LINTERS } from '../../../components/lint/linters/index.ts';
import { pythonCandidates } from '../../../components/lint/linters/python.ts';
import { shebangInterpreter, shellScripts } from '../../../components/lint/linters/shellcheck.ts';
import { tsconfigProjects } from '../../../components/lint/linters/tsc.ts';
import { verdict } from '../../../components/lint/outcome.ts';
import { openRepository } from '../../../components/lint/repository.ts';
import { plan, type RequestInputs, readRequest, type Wanted } from '../../../components/lint/select.ts';
import { installCommand } from '../../../components/lint/tools.ts';
import type { Finding } from '../../../src/runtime/codequality.ts';
import { InputError } from '../../../src/runtime/errors.ts';
import { repository } from './support.ts';

// What the component decides from a repository and its inputs, before any tool runs.

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function repo(files: Record<string, string>, paths: string[] = ['.'], exclude: string[] = []) {
  const dir = await repository(files);
  dirs.push(dir);
  return openRepository(dir, paths, exclude);
}

const inputs = (overrides: Partial<RequestInputs> = {}): RequestInputs => ({
  linters: ['auto'],
  skip_linters: [],
  paths: ['.'],
  exclude: [],
  report_file: 'gl-code-quality-report.json',
  ...overrides,
});

const names = (wanted: readonly Wanted[]) =>
  wanted.map((w) => `${w.candidates.map((c) => c.name).join('|')}${w.requested ? '!' : ''}`);

/** The problems readRequest reports, as `input: value -> expected`. */
function problems(request: Partial<RequestInputs>, root = '/'): string[] {
  try {
    readRequest(inputs(request), root);
    return [];
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return error.problems.map((p) => `${p.input}: ${p.value} -> ${p.expected}`);
  }
}

const MIXED = {
  'package.json': '{"name":"front","devDependencies":{"prettier":"^3"}}',
  'tsconfig.json': '{}',
  'src/app.ts': 'export {};',
  'scanner/mrz.py': 'x = 1\n',
  'Oneex.sln': '',
  'src/Api/Api.csproj': '',
  Containerfile: 'FROM scratch\n',
  '.gitlab-ci.yml': 'include: []\n',
  'scripts/deploy.sh': 'echo\n',
};

describe('the repository', () => {
  it('lists the files git would keep: .gitignore honoured, node_modules and the exclude input left out', async () => {
    const r = await repo(
      {
        '.gitignore': 'dist/\n*.log\n',
        'src/a.ts': '',
        'dist/a.js': '',
        'debug.log': '',
        'node_modules/x/index.js': '',
        'vendor/lib.sh': '',
        '.npm/_cacache/index': '',
      },
      ['.'],
      ['vendor/**'],
    );
    expect(r.files).toEqual(['.gitignore', 'src/a.ts']);
  });

  it('narrows to the paths input', async () => {
    const r = await repo({ 'src/a.ts': '', 'scripts/x.sh': '', 'README.md': '' }, ['scripts', 'README.md']);
    expect(r.files).toEqual(['README.md', 'scripts/x.sh']);
    expect(r.dirs).toEqual(['.', 'scripts']);
  });
});

describe('detection', () => {
  it('picks every stack of a mixed repository, Prettier because package.json lists it', async () => {
    const r = await repo(MIXED);
    expect(names(await plan(readRequest(inputs(), r.root).selection, r))).toEqual([
      'eslint',
      'prettier',
      'tsc',
      'ruff|flake8',
      'dotnet-format',
      'hadolint',
      'yamllint',
      'shellcheck',
    ]);
  });

  it('leaves Prettier out of a repository that does not use it, unless it is named', async () => {
    const r = await repo({ 'package.json': '{"name":"back"}', 'src/a.js': '' });
    expect(names(await plan(readRequest(inputs(), r.root).selection, r))).toEqual(['eslint']);
    expect(
      names(await plan(readRequest(inputs({ linters: ['auto', 'prettier'] }), r.root).selection, r)),
    ).toEqual(['eslint', 'prettier!']);
  });

  it('runs a named stack only, marking its linters as requested; skip_linters wins', async () => {
    const r = await repo(MIXED);
    const request = readRequest(
      inputs({ linters: ['typescript', 'shellcheck'], skip_linters: ['prettier'] }),
      r.root,
    );
    expect(names(await plan(request.selection, r))).toEqual(['eslint!', 'tsc!', 'shellcheck!']);
    const noPython = readRequest(inputs({ skip_linters: ['python', 'dotnet'] }), r.root);
    expect(names(await plan(noPython.selection, r))).not.toContain('ruff|flake8');
  });

  it('gives Python to the linter the repository configures, else Ruff then Flake8', async () => {
    expect((await pythonCandidates(await repo({ 'ruff.toml': '' }))).map((l) => l.name)).toEqual(['ruff']);
    expect(
      (await pythonCandidates(await repo({ 'pyproject.toml': '[tool.ruff.lint]\nselect = ["E"]\n' }))).map(
        (l) => l.name,
      ),
    ).toEqual(['ruff']);
    expect(
      (await pythonCandidates(await repo({ 'setup.cfg': '[flake8]\nmax-line-length = 100\n' }))).map(
        (l) => l.name,
      ),
    ).toEqual(['flake8']);
    expect(
      (await pythonCandidates(await repo({ 'setup.cfg': '[metadata]\nname = x\n' }))).map((l) => l.name),
    ).toEqual(['ruff', 'flake8']);
  });

  it('detects Python from pyproject.toml alone, and a named linter runs without detection', async () => {
    const r = await repo({ 'pyproject.toml': '[project]\nname = "x"\n' });
    expect(names(await plan(readRequest(inputs(), r.root).selection, r))).toEqual(['ruff|flake8']);
    expect(names(await plan(readRequest(inputs({ linters: ['flake8'] }), r.root).selection, r))).toEqual([
      'flake8!',
    ]);
  });

  it('finds shell scripts by extension or shebang, and Containerfiles by name', async () => {
    expect(shebangInterpreter('#!/bin/sh\n')).toBe('sh');
    expect(shebangInterpreter('#!/usr/bin/env -S bash -e\n')).toBe('bash');
    expect(shebangInterpreter('#! /usr/local/bin/dash')).toBe('dash');
    expect(shebangInterpreter('#!/usr/bin/env python3\n')).toBe('python3');
    expect(shebangInterpreter('echo hi')).toBeUndefined();
    const r = await repo({
      'a.sh': '',
      'b.bash': '',
      'bin/rotate': '#!/usr/bin/env bash\n',
      'bin/tool': '#!/usr/bin/env python3\n',
      notes: 'text\n',
    });
    expect(await shellScripts(r)).toEqual(['a.sh', 'b.bash', 'bin/rotate']);
    expect(
      [
        'Containerfile',
        'Dockerfile',
        'docker/Dockerfile.dev',
        'api.Containerfile',
        'Dockerfile.dockerignore',
        'docker.md',
      ].map(isContainerfile),
    ).toEqual([true, true, true, true, false, false]);
  });

  it('finds the repository’s own configuration of each linter', async () => {
    const config = async (files: Record<string, string>) => {
      const r = await repo(files);
      return Object.fromEntries(
        await Promise.all(LINTERS.map(async (linter) => [linter.name, await linter.config(r)] as const)),
      );
    };
    expect(
      await config({
        '.eslintrc.json': '{}',
        'package.json': '{"prettier": {"semi": false}}',
        'pyproject.toml': '[tool.ruff]\nline-length = 100\n',
        'tox.ini': '[flake8]\nmax-line-length = 100\n',
        '.yamllint.yml': 'extends: relaxed\n',
        '.hadolint.yml': 'ignored: []\n',
        '.shellcheckrc': 'disable=SC2086\n',
        '.editorconfig': 'root = true\n',
        'tsconfig.json': '{}',
      }),
    ).toEqual({
      eslint: '.eslintrc.json',
      prettier: 'package.json',
      tsc: 'tsconfig.json',
      ruff: 'pyproject.toml',
      flake8: 'tox.ini',
      'dotnet-format': '.editorconfig',
      hadolint: '.hadolint.yml',
      yamllint: '.yamllint.yml',
      shellcheck: '.shellcheckrc',
    });
    const nested = await config({ 'packages/web/eslint.config.js': '', 'pyproject.toml': '[project]\n' });
    expect(nested.eslint).toBe('packages/web/eslint.config.js');
    expect(Object.values(nested).filter((value) => value !== undefined)).toEqual([
      'packages/web/eslint.config.js',
    ]);
  });

  it('finds TypeScript projects and .NET workspaces', async () => {
    const r = await repo({
      'tsconfig.json': '{}',
      'web/tsconfig.json': '{}',
      'Oneex.sln': '',
      'src/A/A.csproj': '',
    });
    expect(await tsconfigProjects(r)).toEqual(['tsconfig.json']);
    expect(await dotnetWorkspaces(r)).toEqual(['Oneex.sln']);
    const web = await openRepository(r.root, ['web', 'src'], []);
    expect(await tsconfigProjects(web)).toEqual(['web/tsconfig.json']);
    expect(await dotnetWorkspaces(web)).toEqual(['src/A/A.csproj']);
  });
});

describe('the inputs', () => {
  it('accepts names, stacks and auto, and normalises paths', async () => {
    const r = await repo({ 'src/a.ts': '', 'scripts/x.sh': '' });
    const request = readRequest(
      inputs({ linters: ['auto', 'yaml', 'eslint'], paths: ['./src/', 'scripts'] }),
      r.root,
    );
    expect(request.selection.auto).toBe(true);
    expect([...request.selection.stacks]).toEqual(['yaml']);
    expect([...request.selection.linters]).toEqual(['eslint']);
    expect(request.paths).toEqual(['src', 'scripts']);
    expect(readRequest(inputs({ paths: ['src', '.'] }), r.root).paths).toEqual(['.']);
  });

  it('names every bad value at once, with what was expected', async () => {
    const r = await repo({ 'src/a.ts': '' });
    const found = problems(
      {
        linters: ['auto', 'eslnt', 'docker'],
        skip_linters: ['auto'],
        paths: ['/etc', '../up', 'missing', ''],
        exclude: ['/abs/**'],
        report_file: '../report.json',
      },
      r.root,
    );
    expect(found).toHaveLength(9);
    expect(found[0]).toMatch(/^linters: eslnt -> one of auto, typescript, .* \(did you mean "eslint"\?\)$/);
    expect(found[1]).toMatch(/^linters: docker -> one of /);
    expect(found[2]).toMatch(/^skip_linters: auto -> one of typescript, /);
    expect(found.slice(3)).toEqual([
      'paths: /etc -> a path relative to the project directory, not an absolute one',
      'paths: ../up -> a path inside the project directory',
      'paths: missing -> an existing file or directory of the project',
      'paths:  -> a path relative to the project directory, not an empty one',
      'exclude: /abs/** -> a glob pattern: a path relative to the project directory, not an absolute one',
      'report_file: ../report.json -> a path inside the project directory',
    ]);
    expect(problems({ linters: [], paths: [] })).toEqual([
      'linters: [] -> at least one name: "auto", a stack or a linter',
      'paths: [] -> at least one path, such as "."',
    ]);
  });
});

describe('the install step', () => {
  it('runs npm ci for an npm lockfile without node_modules, and nothing otherwise', async () => {
    expect(installCommand('auto', await repo({ 'package.json': '{}', 'package-lock.json': '{}' }))).toEqual({
      command: ['npm', 'ci', '--no-audit', '--no-fund'],
    });
    expect(
      installCommand(
        'auto',
        await repo({ 'package.json': '{}', 'package-lock.json': '{}', 'node_modules/.keep': '' }),
      ),
    ).toEqual({
      none: 'node_modules is already there',
    });
    expect(installCommand('auto', await repo({ 'package.json': '{}', 'pnpm-lock.yaml': '' }))).toEqual({
      none: "pnpm-lock.yaml is not npm's: set the install input to its install command",
    });
    expect(installCommand('none', await repo({ 'package.json': '{}', 'package-lock.json': '{}' }))).toEqual({
      none: 'install is "none"',
    });
    expect(installCommand('  pnpm install  --frozen-lockfile ', await repo({}))).toEqual({
      command: ['pnpm', 'install', '--frozen-lockfile'],
    });
  });
});

describe('the verdict', () => {
  const of = (...severities: Finding['severity'][]) =>
    severities.map(
      (severity): Finding => ({ engine: 'x', check: 'y', message: 'z', severity, path: 'a', line: 1 }),
    );

  it('fails at fail_on, passes with warnings (exit 4) at warn_on, and passes below', () => {
    expect(verdict(of('major', 'minor'), 0, 'major', 'minor')).toEqual({
      exitCode: 1,
      blocking: 1,
      warnings: 1,
    });
    expect(verdict(of('minor', 'info'), 0, 'major', 'minor')).toEqual({
      exitCode: 4,
      blocking: 0,
      warnings: 1,
    });
    expect(verdict(of('info'), 0, 'major', 'minor')).toEqual({ exitCode: 0, blocking: 0, warnings: 0 });
    expect(verdict(of('critical'), 0, 'never', 'major')).toEqual({ exitCode: 4, blocking: 0, warnings: 1 });
    expect(verdict(of('blocker'), 0, 'never', 'never')).toEqual({ exitCode: 0, blocking: 0, warnings: 0 });
  });

  it('fails when a linter could not run, whatever the thresholds', () => {
    expect(verdict([], 1, 'never', 'never').exitCode).toBe(1);
  });
});
