import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_DEPENDENCIES, withHooks } from '../../src/hooks/install.ts';
import { removeAll } from '../support/local-pipeline.ts';

// `oneex-ci hooks install` in fresh app repositories, with the built CLI, real git, real Husky and real
// commitlint. The app's node_modules links the library's own copies of the three packages, as
// `npm install` would have installed them.

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'oneex-ci.mjs');
const dirs: string[] = [];

afterAll(() => removeAll(...dirs));

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@oneex.test',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@oneex.test',
};

async function appRepo(files: Record<string, string> = {}, withPackages = true): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'oneex-app-'));
  dirs.push(dir);
  await run('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  if (withPackages) {
    for (const name of Object.keys(DEV_DEPENDENCIES)) {
      await mkdir(dirname(join(dir, 'node_modules', name)), { recursive: true });
      await symlink(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
    }
    await mkdir(join(dir, 'node_modules', '.bin'), { recursive: true });
    await symlink(join(ROOT, 'node_modules', 'husky', 'bin.js'), join(dir, 'node_modules', '.bin', 'husky'));
    await symlink(
      join(ROOT, 'node_modules', '@commitlint', 'cli', 'cli.js'),
      join(dir, 'node_modules', '.bin', 'commitlint'),
    );
    await writeFile(join(dir, '.gitignore'), 'node_modules/\n');
  }
  return dir;
}

interface Outcome {
  readonly code: number;
  readonly output: string;
}

async function command(cwd: string, file: string, args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd,
      env: {
        ...process.env,
        ...GIT_ENV,
        // Hooks run `npx`, which must find the Node 22 the tests run on.
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
        NO_COLOR: '1',
      },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? 1, output: (failure.stdout ?? '') + (failure.stderr ?? '') };
  }
}

const install = (cwd: string, ...flags: string[]) =>
  command(cwd, process.execPath, [CLI, 'hooks', 'install', ...flags]);
const commit = (cwd: string, message: string) =>
  command(cwd, 'git', ['commit', '-q', '--allow-empty', '-m', message]);

describe('oneex-ci hooks install', () => {
  it('makes a fresh app repository refuse a bad commit message and accept a conventional one', async () => {
    const dir = await appRepo();

    const installed = await install(dir, '--no-install');
    expect(installed.code, installed.output).toBe(0);
    expect(installed.output).toContain('Commit hooks are active');

    const bad = await commit(dir, 'bad');
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('type may not be empty');
    const shouted = await commit(dir, 'feat(Scan): read passports');
    expect(shouted.code).not.toBe(0);
    expect(shouted.output).toContain('scope must be lower-case');
    const good = await commit(dir, 'feat: ok');
    expect(good.code, good.output).toBe(0);
    const log = await command(dir, 'git', ['log', '--format=%s']);
    expect(log.output.trim()).toBe('feat: ok');

    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      private: true,
      scripts: { prepare: 'husky' },
      devDependencies: DEV_DEPENDENCIES,
    });
    expect(await readFile(join(dir, '.husky', 'commit-msg'), 'utf8')).toBe(
      'npx --no -- commitlint --edit "$1"\n',
    );
  });

  it('is idempotent, and keeps what the repository had', async () => {
    const manifest = `{\n    "name": "oneex-front",\n    "scripts": {\n        "prepare": "tsc -b"\n    },\n    "devDependencies": {\n        "husky": "^9.0.0"\n    }\n}\n`;
    const dir = await appRepo({ 'package.json': manifest, '.husky/commit-msg': 'echo checking\n' });

    const first = await install(dir, '--no-install');
    expect(first.code, first.output).toBe(0);
    const written = {
      manifest: await readFile(join(dir, 'package.json'), 'utf8'),
      config: await readFile(join(dir, 'commitlint.config.mjs'), 'utf8'),
      hook: await readFile(join(dir, '.husky', 'commit-msg'), 'utf8'),
    };
    expect(JSON.parse(written.manifest)).toEqual({
      name: 'oneex-front',
      scripts: { prepare: 'tsc -b && husky' },
      devDependencies: {
        husky: '^9.0.0',
        '@commitlint/cli': DEV_DEPENDENCIES['@commitlint/cli'],
        '@commitlint/config-conventional': DEV_DEPENDENCIES['@commitlint/config-conventional'],
      },
    });
    expect(written.manifest).toContain('\n    "name"');
    expect(written.hook).toBe('echo checking\nnpx --no -- commitlint --edit "$1"\n');

    const second = await install(dir, '--no-install');
    expect(second.code, second.output).toBe(0);
    expect(second.output.match(/unchanged/g)).toHaveLength(3);
    expect(await readFile(join(dir, 'package.json'), 'utf8')).toBe(written.manifest);
    expect(await readFile(join(dir, 'commitlint.config.mjs'), 'utf8')).toBe(written.config);
    expect(await readFile(join(dir, '.husky', 'commit-msg'), 'utf8')).toBe(written.hook);
    expect((await commit(dir, 'nope')).code).not.toBe(0);
  });

  it("keeps the repository's own commitlint configuration, and says so", async () => {
    const own =
      "export default { extends: ['@commitlint/config-conventional'], rules: { 'type-enum': [2, 'always', ['feat', 'fix']] } };\n";
    const dir = await appRepo({ '.commitlintrc.mjs': own });

    const result = await install(dir, '--no-install');

    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(
      ".commitlintrc.mjs is the repository's own commitlint configuration: kept",
    );
    expect(await readFile(join(dir, '.commitlintrc.mjs'), 'utf8')).toBe(own);
    expect((await commit(dir, 'docs: not a type here')).code).not.toBe(0);
    expect((await commit(dir, 'fix: allowed')).code).toBe(0);
  });

  it('writes the files and asks for npm install when Husky is not installed yet', async () => {
    const dir = await appRepo({}, false);

    const result = await install(dir, '--no-install');

    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('run `npm install` to install the hooks');
    const hooksPath = await command(dir, 'git', ['config', '--get', 'core.hooksPath']);
    expect(hooksPath.code).toBe(1);
  });

  it('refuses to run outside a git repository, or with an unknown option', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oneex-not-a-repo-'));
    dirs.push(dir);
    await chmod(dir, 0o755);

    const outside = await install(dir, '--no-install');
    const unknown = await install(dir, '--force');

    expect(outside.code).toBe(2);
    expect(outside.output).toContain('[ENOTGIT]');
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('Unknown option --force');
  });
});

describe('withHooks', () => {
  it('adds only what is missing', () => {
    expect(withHooks({}, 'scanner')).toEqual({
      name: 'scanner',
      private: true,
      scripts: { prepare: 'husky' },
      devDependencies: DEV_DEPENDENCIES,
    });
    const complete = withHooks({}, 'x');
    expect(withHooks(complete, 'x')).toEqual(complete);
    expect(
      withHooks(
        { name: 'back', dependencies: { husky: '9.1.0' }, scripts: { prepare: 'husky && gen' } },
        'x',
      ),
    ).toEqual({
      name: 'back',
      dependencies: { husky: '9.1.0' },
      scripts: { prepare: 'husky && gen' },
      devDependencies: {
        '@commitlint/cli': DEV_DEPENDENCIES['@commitlint/cli'],
        '@commitlint/config-conventional': DEV_DEPENDENCIES['@commitlint/config-conventional'],
      },
    });
  });
});
