import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

// `oneex-ci init` as developers run it: the built bundle, in a fresh repository directory.
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'oneex-ci.cjs');
const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const MAJOR = version.startsWith('0.0.0-') ? '1' : version.split('.')[0];
let base: string;

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(cwd: string, args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A repository directory holding `files` (path -> content). */
async function repo(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(base, 'repo-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

/** Lines GitLab reads: not blank, not a comment. */
const yamlLines = (text: string): string[] =>
  text.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));

const componentOf = (text: string): string =>
  (parse(text) as { include: { component: string }[] }).include[0]?.component ?? '';

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'oneex-init-'));
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe('oneex-ci init: the preset from what the repository holds', () => {
  const cases: [string, Record<string, string>, string, string][] = [
    [
      'package.json',
      { 'package.json': '{"name":"back","dependencies":{"fastify":"^5"}}' },
      'node-service',
      'package.json',
    ],
    [
      'pyproject.toml',
      { 'pyproject.toml': '[project]\nname = "scanner"\n' },
      'python-service',
      'pyproject.toml',
    ],
    ['requirements.txt', { 'requirements.txt': 'fastapi==0.115\n' }, 'python-service', 'requirements.txt'],
    [
      'setup.cfg in a subdirectory',
      { 'scanner/setup.cfg': '[metadata]\n' },
      'python-service',
      'scanner/setup.cfg',
    ],
    [
      'a .csproj one level down',
      { 'src/Oneex.CSharp.csproj': '<Project/>' },
      'dotnet-service',
      'src/Oneex.CSharp.csproj',
    ],
    ['a .sln', { 'Oneex.sln': '' }, 'dotnet-service', 'Oneex.sln'],
    ['*.tf files', { 'main.tf': '', 'variables.tf': '' }, 'infra', 'main.tf, variables.tf'],
  ];

  it.each(cases)('%s', async (_, files, preset, evidence) => {
    const dir = await repo(files);
    const result = await cli(dir, ['init']);
    expect(result, JSON.stringify(result)).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`Wrote .gitlab-ci.yml (${preset})`);
    const text = await readFile(join(dir, '.gitlab-ci.yml'), 'utf8');
    expect(componentOf(text)).toBe(`$CI_SERVER_FQDN/oneex/ci-components/${preset}@${MAJOR}`);
    expect(text).toContain(`# The whole pipeline of this repository: the ${preset} preset`);
    expect(text).toContain(`found ${evidence}.`);
  });

  it('looks no deeper than one level, and not into node_modules or hidden directories', async () => {
    const dir = await repo({
      'main.tf': '',
      'node_modules/left-pad/package.json': '{}',
      '.venv/requirements.txt': '',
      'deep/er/package.json': '{}',
    });
    const result = await cli(dir, ['init', '--stdout']);
    expect(result.code).toBe(0);
    expect(componentOf(result.stdout)).toContain('/infra@');
  });

  it('names every stack it found and asks for --preset when there are several', async () => {
    const dir = await repo({ 'package.json': '{"dependencies":{"vite":"^6"}}', 'infra/main.tf': '' });
    const result = await cli(dir, ['init']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'Several stacks found: node-service (package.json); infra (infra/main.tf)',
    );
    expect(result.stderr).toContain('--preset <node-service|infra>');
    expect(existsSync(join(dir, '.gitlab-ci.yml'))).toBe(false);
  });

  it('takes a package.json that only holds the commit hooks for tooling, not a Node service', async () => {
    const hooksOnly = JSON.stringify({
      name: 'scanner',
      private: true,
      scripts: { prepare: 'husky' },
      devDependencies: { husky: '^9', '@commitlint/cli': '^21', '@commitlint/config-conventional': '^21' },
    });
    const dir = await repo({ 'package.json': hooksOnly, 'pyproject.toml': '[project]\n' });
    const result = await cli(dir, ['init', '--stdout']);
    expect(result, JSON.stringify(result)).toMatchObject({ code: 0 });
    expect(componentOf(result.stdout)).toContain('/python-service@');
  });

  it('says what it looked for when it finds nothing', async () => {
    const dir = await repo({ 'README.md': '# nothing\n' });
    const result = await cli(dir, ['init']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No stack found here');
    expect(result.stderr).toContain('[ENOSTACK]');
  });

  it('--preset chooses, whatever was found, and the header says so', async () => {
    const dir = await repo({ 'package.json': '{}', 'main.tf': '' });
    const result = await cli(dir, ['init', '--preset', 'infra', '--stdout']);
    expect(result.code).toBe(0);
    expect(componentOf(result.stdout)).toContain('/infra@');
    expect(result.stdout).toContain('Chosen with `oneex-ci init --preset`.');
    expect((await cli(dir, ['init', '--preset=node-service', '--stdout'])).stdout).toContain(
      '/node-service@',
    );
  });

  it('rejects an unknown preset, naming the value, the presets and the closest', async () => {
    const dir = await repo({ 'package.json': '{}' });
    const result = await cli(dir, ['init', '--preset', 'node-servce']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--preset "node-servce" is not a preset; expected one of node-service, python-service, dotnet-service, infra. Did you mean "node-service"?',
    );
    expect((await cli(dir, ['init', '--preset'])).stderr).toContain('--preset needs a value');
    expect(existsSync(join(dir, '.gitlab-ci.yml'))).toBe(false);
  });

  it('rejects an unknown argument, naming it', async () => {
    const dir = await repo({ 'package.json': '{}' });
    const result = await cli(dir, ['init', '--froce']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'Unknown argument "--froce"; expected --preset <name>, --force, --stdout or --help.',
    );
    expect(result.stderr).toContain('Did you mean "--force"?');
  });

  it('refuses to replace an existing .gitlab-ci.yml, unless --force', async () => {
    const dir = await repo({ 'package.json': '{}', '.gitlab-ci.yml': 'mine: {script: [echo]}\n' });
    const refused = await cli(dir, ['init']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('.gitlab-ci.yml already exists');
    expect(refused.stderr).toContain('--force');
    expect(await readFile(join(dir, '.gitlab-ci.yml'), 'utf8')).toBe('mine: {script: [echo]}\n');

    expect((await cli(dir, ['init', '--force'])).code).toBe(0);
    expect(componentOf(await readFile(join(dir, '.gitlab-ci.yml'), 'utf8'))).toContain('/node-service@');
  });

  it('--stdout prints the file and writes nothing', async () => {
    const dir = await repo({ 'pyproject.toml': '' });
    const result = await cli(dir, ['init', '--stdout']);
    expect(result.code).toBe(0);
    expect(componentOf(result.stdout)).toContain('/python-service@');
    expect(await readdir(dir)).toEqual(['pyproject.toml']);
  });

  it('--help explains the command', async () => {
    const result = await cli(base, ['init', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: oneex-ci init [--preset <name>] [--force] [--stdout]');
    expect((await cli(base, ['--help'])).stdout).toContain('init ');
  });

  it.each(['node-service', 'python-service', 'dotnet-service', 'infra'])(
    'writes YAML of at most 6 lines for %s, with the group variables it relies on',
    async (preset) => {
      const { stdout } = await cli(base, ['init', '--preset', preset, '--stdout']);
      expect(parseAllDocuments(stdout).flatMap((d) => d.errors)).toEqual([]);
      expect(yamlLines(stdout).length).toBeLessThanOrEqual(6);
      expect(stdout).toMatch(/^#\s+VAULT_ADDR\s/m);
      expect(stdout).toMatch(/^#\s+VAULT_AUTH_ROLE\s/m);
      const service = preset !== 'infra';
      for (const variable of [
        'HARBOR_HOST',
        'HARBOR_USERNAME',
        'HARBOR_PASSWORD',
        'GITOPS_REPOSITORY',
        'GITOPS_TOKEN',
      ])
        expect(new RegExp(`^#\\s+${variable}\\s`, 'm').test(stdout), variable).toBe(service);
    },
  );
});

describe('oneex-ci init output passes oneex-ci check', () => {
  // Each example repository with a stack init recognises; the check runs against this CLI's catalog.
  const examples = join(ROOT, 'examples');

  it.each(['node-service', 'python-service', 'dotnet-service', 'infra'])(
    'for --preset %s',
    async (preset) => {
      const dir = await repo({});
      expect((await cli(dir, ['init', '--preset', preset])).code).toBe(0);
      const checked = await cli(dir, ['check']);
      expect(checked, checked.stdout).toMatchObject({ code: 0, stdout: '.gitlab-ci.yml: ok\n' });
    },
  );

  it('for each example repository', async () => {
    let recognised = 0;
    for (const example of (await readdir(examples, { withFileTypes: true })).filter((e) => e.isDirectory())) {
      const dir = join(examples, example.name);
      const starter = await cli(dir, ['init', '--stdout']);
      if (starter.stderr.includes('[ENOSTACK]')) continue; // e.g. commitlint-pilot: no app of its own.
      expect(starter, `${example.name}: ${starter.stderr}`).toMatchObject({ code: 0 });
      recognised++;
      const copy = await repo({ '.gitlab-ci.yml': starter.stdout });
      const checked = await cli(copy, ['check']);
      expect(checked, `${example.name}:\n${checked.stdout}`).toMatchObject({
        code: 0,
        stdout: '.gitlab-ci.yml: ok\n',
      });
    }
    expect(recognised).toBeGreaterThan(0);
  });
});
