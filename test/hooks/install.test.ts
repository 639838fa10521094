import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CHECK_BLOCK,
  DEV_DEPENDENCIES,
  libraryRange,
  PACKAGE,
  withCheckBlock,
  withHooks,
} from '../../src/hooks/install.ts';
import { removeAll } from '../support/local-pipeline.ts';

// `oneex-ci hooks install` in fresh app repositories, with the built CLI, real git, real Husky and real
// commitlint. The app's node_modules links the library's own copies of the three packages, and this
// repository as @oneex/ci-components with its bin, as `npm install` would have installed them.

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'oneex-ci.cjs');
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
    // This library as npm installs a dependency: the package, and a link to its `bin` in .bin.
    const library = join(dir, 'node_modules', PACKAGE);
    await mkdir(dirname(library), { recursive: true });
    await symlink(ROOT, library);
    const { bin } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    for (const [name, path] of Object.entries(bin)) {
      const link = join(dir, 'node_modules', '.bin', name);
      await symlink(relative(dirname(link), join(library, path)), link);
    }
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
const version = async () => (await command(ROOT, process.execPath, [CLI, '--version'])).output.trim();

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
      devDependencies: { ...DEV_DEPENDENCIES, [PACKAGE]: libraryRange(await version()) },
    });
    expect(await readFile(join(dir, '.husky', 'commit-msg'), 'utf8')).toBe(
      'npx --no -- commitlint --edit "$1"\n',
    );
    expect(await readFile(join(dir, '.husky', 'pre-commit'), 'utf8')).toBe(`${CHECK_BLOCK}\n`);
    expect((await stat(join(dir, '.husky', 'pre-commit'))).mode & 0o111).toBe(0o111);
    expect(installed.output).toMatch(/created\s+\.husky\/pre-commit/);
  });

  it('is idempotent, and keeps what the repository had', async () => {
    const manifest = `{\n    "name": "oneex-front",\n    "scripts": {\n        "prepare": "tsc -b"\n    },\n    "devDependencies": {\n        "husky": "^9.0.0"\n    }\n}\n`;
    const dir = await appRepo({
      'package.json': manifest,
      '.husky/commit-msg': 'echo checking\n',
      '.husky/pre-commit': 'echo team pre-commit\n\n',
    });

    const first = await install(dir, '--no-install');
    expect(first.code, first.output).toBe(0);
    const written = {
      manifest: await readFile(join(dir, 'package.json'), 'utf8'),
      config: await readFile(join(dir, 'commitlint.config.mjs'), 'utf8'),
      hook: await readFile(join(dir, '.husky', 'commit-msg'), 'utf8'),
      check: await readFile(join(dir, '.husky', 'pre-commit'), 'utf8'),
    };
    expect(JSON.parse(written.manifest)).toEqual({
      name: 'oneex-front',
      scripts: { prepare: 'tsc -b && husky' },
      devDependencies: {
        husky: '^9.0.0',
        '@commitlint/cli': DEV_DEPENDENCIES['@commitlint/cli'],
        '@commitlint/config-conventional': DEV_DEPENDENCIES['@commitlint/config-conventional'],
        [PACKAGE]: libraryRange(await version()),
      },
    });
    expect(written.manifest).toContain('\n    "name"');
    expect(written.hook).toBe('echo checking\nnpx --no -- commitlint --edit "$1"\n');
    expect(written.check).toBe(`echo team pre-commit\n${CHECK_BLOCK}\n`);
    expect((await stat(join(dir, '.husky', 'pre-commit'))).mode & 0o111).toBe(0o111);
    expect(first.output).toMatch(/updated\s+\.husky\/pre-commit/);

    const second = await install(dir, '--no-install');
    expect(second.code, second.output).toBe(0);
    expect(second.output.match(/unchanged/g)).toHaveLength(4);
    expect(second.output).toMatch(/unchanged\s+\.husky\/pre-commit/);
    expect(await readFile(join(dir, '.husky', 'pre-commit'), 'utf8')).toBe(written.check);
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

const PIPELINE = (inputs: string, version = '1') =>
  `include:\n  - component: $CI_SERVER_FQDN/oneex/ci-components/commitlint@${version}\n    inputs:\n${inputs}`;
const BROKEN = PIPELINE('      max_commitz: 3\n');
const CORRECT = PIPELINE('      max_commits: 3\n');
const UNKNOWN_INPUT =
  '.gitlab-ci.yml:4:7: error: commitlint has no input "max_commitz"; did you mean "max_commits"? [EUNKNOWNINPUT]';

const stage = async (dir: string, files: Record<string, string>) => {
  for (const [path, content] of Object.entries(files)) await writeFile(join(dir, path), content);
  const added = await command(dir, 'git', ['add', ...Object.keys(files)]);
  expect(added.code, added.output).toBe(0);
};
const subjects = async (dir: string) =>
  (await command(dir, 'git', ['log', '--format=%s'])).output.trim().split('\n');

describe('the pre-commit hook', () => {
  it('refuses a commit whose staged .gitlab-ci.yml has an error, and passes a correct one', async () => {
    const dir = await appRepo();
    const installed = await install(dir, '--no-install');
    expect(installed.code, installed.output).toBe(0);

    await stage(dir, { '.gitlab-ci.yml': BROKEN });
    const refused = await commit(dir, 'ci: adopt the components');
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(UNKNOWN_INPUT);
    expect(refused.output).toContain('fix: Its inputs: as, stage, image, rules, config_file, max_commits');
    expect(refused.output).toContain('husky - pre-commit script failed (code 1)');
    expect((await command(dir, 'git', ['rev-parse', '--verify', '-q', 'HEAD'])).code).not.toBe(0);

    await stage(dir, { '.gitlab-ci.yml': CORRECT });
    const passed = await commit(dir, 'ci: adopt the components');
    expect(passed.code, passed.output).toBe(0);
    expect(passed.output).toContain('.gitlab-ci.yml: ok');

    // A warning prints and does not refuse.
    await stage(dir, { '.gitlab-ci.yml': PIPELINE('      max_commits: 5\n', '~latest') });
    const warned = await commit(dir, 'ci: follow the latest release');
    expect(warned.code, warned.output).toBe(0);
    expect(warned.output).toMatch(/\.gitlab-ci\.yml:2:\d+: warning: .*~latest/);
    expect(warned.output).toContain('0 error(s), 1 warning(s)');

    // What is checked is what is committed, not the working tree.
    await stage(dir, { '.gitlab-ci.yml': BROKEN });
    await writeFile(join(dir, '.gitlab-ci.yml'), CORRECT);
    const staged = await commit(dir, 'ci: fixed only in the working tree');
    expect(staged.code).not.toBe(0);
    expect(staged.output).toContain(UNKNOWN_INPUT);
    await stage(dir, { '.gitlab-ci.yml': CORRECT });
    await writeFile(join(dir, '.gitlab-ci.yml'), BROKEN);
    const unstaged = await commit(dir, 'ci: broken only in the working tree');
    expect(unstaged.code, unstaged.output).toBe(0);
    expect(await subjects(dir)).toEqual([
      'ci: broken only in the working tree',
      'ci: follow the latest release',
      'ci: adopt the components',
    ]);
    expect(await readFile(join(dir, '.gitlab-ci.yml'), 'utf8')).toBe(BROKEN);
  });

  it('does not run the check in a commit that leaves .gitlab-ci.yml alone, or deletes it', async () => {
    const dir = await appRepo();
    expect((await install(dir, '--no-install')).code).toBe(0);
    // Without a .gitlab-ci.yml at all.
    await stage(dir, { 'README.md': '# Scanner\n' });
    const first = await commit(dir, 'docs: say what it is');
    expect(first.code, first.output).toBe(0);
    // A broken file committed past the hook: the check would refuse every commit if it ran on each.
    await stage(dir, { '.gitlab-ci.yml': BROKEN });
    const past = await command(dir, 'git', ['commit', '-q', '--no-verify', '-m', 'ci: broken']);
    expect(past.code, past.output).toBe(0);

    await stage(dir, { 'README.md': '# Scanner\n\nReads passports.\n' });
    const unrelated = await commit(dir, 'docs: say more');
    expect(unrelated.code, unrelated.output).toBe(0);
    expect(unrelated.output).not.toContain('.gitlab-ci.yml');
    const removed = await command(dir, 'git', ['rm', '-q', '.gitlab-ci.yml']);
    expect(removed.code, removed.output).toBe(0);
    const deleted = await commit(dir, 'ci: leave the pipeline for now');
    expect(deleted.code, deleted.output).toBe(0);
    expect(deleted.output).not.toContain('.gitlab-ci.yml');
    expect(await subjects(dir)).toEqual([
      'ci: leave the pipeline for now',
      'docs: say more',
      'ci: broken',
      'docs: say what it is',
    ]);
  });

  it("runs after the team's own pre-commit hook, which stays", async () => {
    const team = '# team checks\necho "team pre-commit ran"\n';
    const dir = await appRepo({ '.husky/pre-commit': team });
    const installed = await install(dir, '--no-install');
    expect(installed.code, installed.output).toBe(0);
    expect(installed.output).toMatch(/updated\s+\.husky\/pre-commit/);
    expect(await readFile(join(dir, '.husky', 'pre-commit'), 'utf8')).toBe(`${team}${CHECK_BLOCK}\n`);

    await stage(dir, { '.gitlab-ci.yml': BROKEN });
    const refused = await commit(dir, 'ci: adopt the components');
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('team pre-commit ran');
    expect(refused.output).toContain(UNKNOWN_INPUT);
  });

  it('is POSIX shell that ShellCheck accepts, alone and after a hook of the team', async () => {
    const dir = await appRepo({ '.husky/pre-commit': 'npm test\n' }, false);
    expect((await install(dir, '--no-install')).code).toBe(0);
    const alone = join(dir, 'alone');
    await writeFile(alone, `${CHECK_BLOCK}\n`);

    // Every check, the optional ones too, but for braces around every variable (a matter of taste).
    const result = await command(dir, 'shellcheck', [
      '--shell=sh',
      '--enable=all',
      '--exclude=SC2250',
      join(dir, '.husky', 'pre-commit'),
      alone,
    ]);

    expect(result.code, result.output).toBe(0);
    expect(result.output).toBe('');
  });
});

describe('withHooks', () => {
  it('adds only what is missing', () => {
    expect(withHooks({}, 'scanner', '1.4.2')).toEqual({
      name: 'scanner',
      private: true,
      scripts: { prepare: 'husky' },
      devDependencies: { ...DEV_DEPENDENCIES, [PACKAGE]: '^1' },
    });
    const complete = withHooks({}, 'x', '1.4.2');
    expect(withHooks(complete, 'x', '2.0.0')).toEqual(complete);
    expect(
      withHooks(
        {
          name: 'back',
          dependencies: { husky: '9.1.0' },
          devDependencies: { [PACKAGE]: '~1.2.0' },
          scripts: { prepare: 'husky && gen' },
        },
        'x',
        '1.4.2',
      ),
    ).toEqual({
      name: 'back',
      dependencies: { husky: '9.1.0' },
      scripts: { prepare: 'husky && gen' },
      devDependencies: {
        [PACKAGE]: '~1.2.0',
        '@commitlint/cli': DEV_DEPENDENCIES['@commitlint/cli'],
        '@commitlint/config-conventional': DEV_DEPENDENCIES['@commitlint/config-conventional'],
      },
    });
    // The library's own repository does not depend on itself.
    expect(withHooks({ name: PACKAGE }, 'x', '1.4.2').devDependencies).toEqual(DEV_DEPENDENCIES);
  });
});

describe('libraryRange', () => {
  it("follows the running CLI's major", () => {
    expect(libraryRange('1.4.2')).toBe('^1');
    expect(libraryRange('0.3.1')).toBe('^0');
    // A prerelease's major may have no release yet: the prerelease itself, and what follows it.
    expect(libraryRange('2.0.0-beta.1')).toBe('^2.0.0-beta.1');
    // A build that is no release knows no major.
    expect(libraryRange('0.0.0-development')).toBe('*');
    expect(libraryRange('main')).toBe('*');
  });
});

describe('withCheckBlock', () => {
  it('appends the block once, updates its own, and leaves a check the team runs its own way', () => {
    expect(withCheckBlock(undefined)).toBe(`${CHECK_BLOCK}\n`);
    const appended = withCheckBlock('npm test');
    expect(appended).toBe(`npm test\n${CHECK_BLOCK}\n`);
    expect(withCheckBlock(appended)).toBe(appended);
    const older = (appended ?? '').replace('--diff-filter=d ', '');
    expect(older).not.toBe(appended);
    expect(withCheckBlock(`${older}echo after\n`)).toBe(`${appended}echo after\n`);
    const own = 'npx --no -- oneex-ci check ci/pipeline.yml\n';
    expect(withCheckBlock(own)).toBeUndefined();
  });
});
