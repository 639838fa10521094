import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliDoubles } from '../../doubles/cli-doubles.ts';
import {
  type Consumer,
  createConsumer,
  type Library,
  publishLibrary,
  removeAll,
  runPipeline,
} from '../../support/local-pipeline.ts';
import { offlineInstallScript, readReport, summarise } from './support.ts';

// The lint component through real local pipelines: one small Oneex-like repository per stack includes
// it by `component:` reference. yamllint, ShellCheck, Flake8, ESLint, Prettier and tsc are the real
// tools; hadolint and dotnet format, which this machine lacks, are their test doubles on the job's PATH.

let library: Library;
let doubles: string;
const cleanup: string[] = [];

const include = (inputs: Record<string, string> = {}) =>
  [
    'include:',
    '  - component: $CI_SERVER_FQDN/oneex/ci-components/lint@1',
    ...(Object.keys(inputs).length > 0 ? ['    inputs:'] : []),
    ...Object.entries(inputs).map(([key, value]) => `      ${key}: ${value}`),
    '',
  ].join('\n');

async function consumer(project: string, files: Record<string, string>): Promise<Consumer> {
  const repo = await createConsumer({ project, files, firstMessage: 'feat: first version' });
  cleanup.push(repo.dir);
  return repo;
}

const reportOf = (repo: Consumer, job = 'lint') =>
  readReport(join(repo.dir, '.gitlab-ci-local', 'builds', job, 'gl-code-quality-report.json'));

beforeAll(async () => {
  library = await publishLibrary({ versions: ['1.0.0'] });
  doubles = await cliDoubles(await mkdtemp(join(tmpdir(), 'oneex-lint-doubles-')), ['hadolint', 'dotnet']);
  cleanup.push(library.bare.replace('file://', ''), doubles);
});
afterAll(() => removeAll(...cleanup));

describe.concurrent('lint component', () => {
  it('fails a TypeScript repository on an ESLint finding, a type error and an unformatted file', async () => {
    const repo = await consumer('oneex/front', {
      '.gitlab-ci.yml': include({ install: 'sh scripts/offline-install.sh' }),
      '.gitignore': 'node_modules/\n',
      'scripts/offline-install.sh': offlineInstallScript(),
      'package.json': `${JSON.stringify(
        {
          name: 'oneex-front',
          private: true,
          type: 'module',
          devDependencies: { eslint: '^10.0.0', prettier: '^3.0.0', typescript: '^5.9.0' },
        },
        null,
        2,
      )}\n`,
      'tsconfig.json':
        '{\n  "compilerOptions": { "strict": true, "module": "nodenext" },\n  "include": ["src"]\n}\n',
      'eslint.config.mjs': [
        "import js from '@eslint/js';",
        "import tseslint from 'typescript-eslint';",
        '',
        'export default [js.configs.recommended, ...tseslint.configs.recommended];',
        '',
      ].join('\n'),
      '.prettierrc.json': '{ "singleQuote": true }\n',
      'src/scan.ts': [
        "const unusedCountry = 'FR';",
        '',
        "export const pages: number = 'two';",
        '',
        'export function mrzLine(line: string): string {',
        '  return line.trim();',
        '}',
        '',
      ].join('\n'),
      'src/sides.ts': 'export const   sides = ["front","back"]\n',
    });
    const result = await runPipeline(library, repo);
    const job = result.job('lint');
    expect(job.status, job.log).toBe('failed');
    expect(job.exitCode).toBe(1);
    // gitlab-ci-local shows a section by its name (`lint_install_started`); GitLab by its header.
    expect(job.log).toContain('lint_install_started');
    expect(job.log).toMatch(/eslint +1 finding \(1 major\) \(3 files\)/);
    expect(job.log).toContain('Tool: node_modules/.bin/eslint');
    expect(job.log).toContain(
      "src/scan.ts:1:7  'unusedCountry' is assigned a value but never used. [@typescript-eslint/no-unused-vars]",
    );
    expect(job.log).toContain("src/scan.ts:3:14  Type 'string' is not assignable to type 'number'. [TS2322]");
    expect(job.log).toContain('Configuration: .prettierrc.json');
    expect(job.log).toContain('src/sides.ts:1  Not formatted as Prettier formats it');
    expect(job.log).toContain('✖ 3 findings at or above major (fail_on): the job fails.');

    const issues = await reportOf(repo);
    expect(summarise(issues)).toEqual([
      'eslint @typescript-eslint/no-unused-vars src/scan.ts:1 major',
      'tsc TS2322 src/scan.ts:3 major',
      'prettier format src/sides.ts:1 major',
    ]);
    expect(result.job('lint').log).toContain('Code Quality report: gl-code-quality-report.json (3 issues).');
  });

  it('lets a Python repository pass with warnings when its Flake8 findings are below fail_on', async () => {
    const long = `        return "${'x'.repeat(80)}"`;
    const repo = await consumer('oneex/scanner', {
      '.gitlab-ci.yml': include({ fail_on: 'critical' }),
      'pyproject.toml': '[project]\nname = "scanner"\nversion = "1.0.0"\n',
      'setup.cfg': '[flake8]\nmax-line-length = 100\n',
      'scanner/__init__.py': '',
      'scanner/mrz.py': [
        'import os',
        '',
        '',
        'def check(x):',
        '    if x == None:',
        long,
        '    return x',
        '',
      ].join('\n'),
    });
    const result = await runPipeline(library, repo);
    const job = result.job('lint');
    expect(job.status, job.log).toBe('allowed-failure');
    expect(job.exitCode).toBe(4);
    expect(job.log).toContain('Tool: /usr/bin/flake8');
    expect(job.log).toContain('Configuration: setup.cfg');
    expect(job.log).toContain("scanner/mrz.py:1:1  'os' imported but unused [F401]");
    expect(job.log).toContain("scanner/mrz.py:5:10  comparison to None should be 'if cond is None:' [E711]");
    expect(job.log).toContain('2 findings at or above minor (warn_on): the job passes with warnings.');
    // The 88-character line is within the repository's own limit of 100.
    expect(job.log).not.toContain('E501');
    expect(summarise(await reportOf(repo))).toEqual([
      'flake8 F401 scanner/mrz.py:1 major',
      'flake8 E711 scanner/mrz.py:5 major',
    ]);
  });

  it('passes shell scripts and YAML with only informational findings, using the repository’s yamllint configuration', async () => {
    const repo = await consumer('oneex/infra', {
      '.gitlab-ci.yml': include(),
      '.yamllint.yaml': 'extends: default\nrules:\n  document-start: disable\n  truthy: disable\n',
      'deploy/settings.yml': 'kiosk:\n  enabled: yes\n  screens: 2\n',
      'scripts/deploy.sh': '#!/bin/sh\nset -eu\necho "Deploying to" $1\n',
      'bin/rotate-keys': '#!/usr/bin/env bash\nset -euo pipefail\necho "Rotating" $1\n',
    });
    const result = await runPipeline(library, repo);
    const job = result.job('lint');
    expect(job.status, job.log).toBe('success');
    expect(job.log).toContain('Linting . with yamllint, shellcheck.');
    expect(job.log).toContain('Configuration: .yamllint.yaml');
    expect(job.log).toMatch(/yamllint +no findings \(3 files\)/);
    expect(job.log).toMatch(/shellcheck +2 findings \(2 info\) \(2 files\)/);
    expect(job.log).toContain(
      'bin/rotate-keys:3:17  Double quote to prevent globbing and word splitting. [SC2086]',
    );
    expect(job.log).toContain('No findings at or above minor.');
    expect(summarise(await reportOf(repo))).toEqual([
      'shellcheck SC2086 bin/rotate-keys:3 info',
      'shellcheck SC2086 scripts/deploy.sh:3 info',
    ]);
  });

  it('fails a Containerfile that breaks a hadolint error rule, with the repository’s overrides applied', async () => {
    const repo = await consumer('oneex/kiosk', {
      '.gitlab-ci.yml': include({ linters: '[containerfile]' }),
      '.hadolint.yaml': 'ignored:\n  - DL3002\noverride:\n  info:\n    - DL3007\n',
      Containerfile: 'FROM node:latest\nADD . /app\nUSER root\nCMD ["node", "/app/server.js"]\n',
    });
    const result = await runPipeline(library, repo, { path: [doubles] });
    const job = result.job('lint');
    expect(job.status, job.log).toBe('failed');
    expect(job.log).toContain('Linting . with hadolint.');
    expect(job.log).toContain('Tool: ');
    expect(job.log).toContain('(2.12.0)');
    expect(job.log).toContain('Chosen: named in linters');
    expect(job.log).toContain('Containerfile:2:1  Use COPY instead of ADD for files and folders [DL3020]');
    expect(job.log).not.toContain('DL3002');
    expect(summarise(await reportOf(repo))).toEqual([
      'hadolint DL3007 Containerfile:1 info',
      'hadolint DL3020 Containerfile:2 major',
    ]);
  });

  it('fails a .NET solution that dotnet format would change', async () => {
    const repo = await consumer('oneex/csharp', {
      '.gitlab-ci.yml': include(),
      '.editorconfig': 'root = true\n\n[*.cs]\nindent_style = space\ninsert_final_newline = true\n',
      'Oneex.CSharp.sln': [
        'Microsoft Visual Studio Solution File, Format Version 12.00',
        'Project("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "Oneex.Api", "src\\Oneex.Api\\Oneex.Api.csproj", "{2F9E7D3A-1C5B-4E8A-9D6F-3B2A1C0E9F8D}"',
        'EndProject',
        '',
      ].join('\r\n'),
      'src/Oneex.Api/Oneex.Api.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web">\n</Project>\n',
      'src/Oneex.Api/Program.cs':
        'var app = WebApplication.Create(args);   \napp.MapGet("/", () => "ok");\napp.Run();',
    });
    const result = await runPipeline(library, repo, { path: [doubles] });
    const job = result.job('lint');
    expect(job.status, job.log).toBe('failed');
    expect(job.log).toContain('Linting . with dotnet-format, yamllint.');
    expect(job.log).toMatch(/dotnet-format +2 findings \(2 major\) \(1 workspace\)/);
    expect(job.log).toContain('Configuration: .editorconfig');
    expect(job.log).toContain(
      "src/Oneex.Api/Program.cs:1:39  Fix whitespace formatting. Replace 3 characters with ''. [WHITESPACE]",
    );
    expect(summarise(await reportOf(repo))).toEqual([
      'dotnet-format WHITESPACE src/Oneex.Api/Program.cs:1 major',
      'dotnet-format FINALNEWLINE src/Oneex.Api/Program.cs:3 major',
    ]);
  });

  it('rejects bad inputs before any linter runs, naming every one', async () => {
    const repo = await consumer('oneex/back', {
      '.gitlab-ci.yml': include({ linters: '[auto, eslnt]', paths: '[src, ../elsewhere]' }),
      'deploy.sh': '#!/bin/sh\necho $1\n',
    });
    const result = await runPipeline(library, repo);
    const job = result.job('lint');
    expect(job.status).toBe('failed');
    expect(job.exitCode).toBe(2);
    expect(job.log).toContain('3 inputs of component "lint" are not valid:');
    expect(job.log).toContain('linters: got "eslnt"; expected one of auto, typescript');
    expect(job.log).toContain('(did you mean "eslint"?)');
    expect(job.log).toContain('paths: got "src"; expected an existing file or directory of the project');
    expect(job.log).toContain('paths: got "../elsewhere"; expected a path inside the project directory');
    expect(job.log).not.toContain('Linting');
    expect(job.log).not.toContain('Summary:');
  });

  it('rejects a threshold outside its options when the pipeline is created', async () => {
    const repo = await consumer('oneex/back', { '.gitlab-ci.yml': include({ warn_on: 'severe' }) });
    const result = await runPipeline(library, repo);
    expect(result.exitCode).not.toBe(0);
    expect(result.jobs.size).toBe(0);
    expect(result.output).toMatch(/warn_on.*(severe|options|one of)/i);
  });
});
