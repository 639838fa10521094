import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitLab } from '../components/semantic-release/fixture.ts';
import { setRepository } from '../doubles/gitlab-api/releases.ts';
import type { GitLabApiDouble } from '../doubles/gitlab-api-double.ts';
import { removeAll } from '../support/local-pipeline.ts';

// The Renovate preset app repositories extend (default.json), checked by Renovate itself, offline:
// its config validator, then its real gitlabci manager extracting the `component:` includes of
// example app repositories (`--platform=local --dry-run=extract`), then its lookup of the library's
// releases (`--dry-run=lookup`) against the GitLab API double, which says which merge requests
// Renovate would open. The preset reaches Renovate as its global configuration: the local platform
// cannot resolve `local>oneex/ci-components` presets, which on GitLab Renovate fetches from this
// repository.
//
// Renovate is 450 MB of dependencies: it is not in package.json but installed, on first use, from
// test/renovate/tool/package-lock.json into node_modules/.cache/oneex-renovate.

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const TOOL = join(ROOT, 'node_modules', '.cache', 'oneex-renovate');
const MANIFEST_DIR = join(import.meta.dirname, 'tool');
const LOCK = join(MANIFEST_DIR, 'package-lock.json');
const dirs: string[] = [];

async function installRenovate(): Promise<void> {
  const lock = await readFile(LOCK);
  const marker = join(TOOL, '.installed');
  const digest = createHash('sha256').update(lock).digest('hex');
  if ((await readFile(marker, 'utf8').catch(() => '')) === digest) return;
  await rm(TOOL, { recursive: true, force: true });
  await mkdir(TOOL, { recursive: true });
  await copyFile(join(MANIFEST_DIR, 'package.json'), join(TOOL, 'package.json'));
  await copyFile(LOCK, join(TOOL, 'package-lock.json'));
  // No install scripts: Renovate falls back from its native regex engine to JavaScript's.
  await run('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
    cwd: TOOL,
    timeout: 900_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  await writeFile(marker, digest);
}

interface Outcome {
  readonly code: number;
  readonly output: string;
}

async function renovateCli(
  script: 'renovate' | 'config-validator',
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<Outcome> {
  const file = join(TOOL, 'node_modules', 'renovate', 'dist', `${script}.js`);
  try {
    const { stdout, stderr } = await run(process.execPath, [file, ...args], {
      cwd: options.cwd,
      env: {
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
        HOME: options.cwd,
        LOG_LEVEL: 'warn',
        RENOVATE_X_IGNORE_NODE_WARN: 'true',
        ...options.env,
      },
      timeout: 180_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

// Example app repositories, pinned as teams pin: a major, a minor, an exact release; through
// $CI_SERVER_FQDN or the host written out; in a local include; next to a component of someone else.
const APPS: Record<string, Record<string, string>> = {
  back: {
    '.gitlab-ci.yml': `include:
  - component: $CI_SERVER_FQDN/oneex/ci-components/commitlint@1
  - component: $CI_SERVER_FQDN/oneex/ci-components/semantic-release@1
    inputs:
      needs: [test]
  - local: ci/image.yml
test:
  script: [npm test]
`,
    'ci/image.yml': `include:
  - component: $CI_SERVER_FQDN/oneex/ci-components/image@1.2
`,
  },
  front: {
    '.gitlab-ci.yml': `include:
  - component: gitlab.oneex.fr/oneex/ci-components/commitlint@1.2.3
  - component: $CI_SERVER_FQDN/oneex/ci-components/image@1.2.3
  - component: $CI_SERVER_FQDN/components/opentofu/validate-plan@2.0.0
  - component: $CI_SERVER_FQDN/oneex/ci-components/vault@~latest
`,
  },
};

async function appRepo(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `oneex-renovate-${name}-`));
  dirs.push(dir);
  for (const [path, content] of Object.entries(APPS[name] ?? {})) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const git = (...args: string[]) => run('git', args, { cwd: dir });
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('-c', 'user.name=Dev', '-c', 'user.email=dev@oneex.test', 'commit', '-q', '-m', 'ci: pipeline');
  return dir;
}

interface Dep {
  depName: string;
  currentValue: string;
  datasource: string;
  registryUrls?: string[];
  skipReason?: string;
  updates?: { newValue: string; updateType: string; branchName: string }[];
}
interface Report {
  repositories: Record<string, { packageFiles: Record<string, { packageFile: string; deps: Dep[] }[]> }>;
}

/** Renovate on `dir` with the preset (and `extra` configuration), in a dry-run mode; its report. */
async function renovate(
  dir: string,
  mode: 'extract' | 'lookup',
  extra: Record<string, unknown> = {},
): Promise<{ deps: (Dep & { packageFile: string })[]; outcome: Outcome }> {
  const preset = JSON.parse(await readFile(join(ROOT, 'default.json'), 'utf8')) as Record<string, unknown>;
  const config = join(dir, '..', `${dir.split('/').pop()}-renovate-config.json`);
  dirs.push(config);
  await writeFile(
    config,
    JSON.stringify({
      ...preset,
      ...extra,
      packageRules: [...(preset.packageRules as unknown[]), ...((extra.packageRules as unknown[]) ?? [])],
    }),
  );
  const report = `${config}.report.json`;
  dirs.push(report);
  const outcome = await renovateCli(
    'renovate',
    ['--platform=local', `--dry-run=${mode}`, '--report-type=file', `--report-path=${report}`],
    { cwd: dir, env: { RENOVATE_CONFIG_FILE: config } },
  );
  const parsed = JSON.parse(await readFile(report, 'utf8').catch(() => '{"repositories":{}}')) as Report;
  const files = parsed.repositories.local?.packageFiles.gitlabci ?? [];
  return { deps: files.flatMap((f) => f.deps.map((d) => ({ ...d, packageFile: f.packageFile }))), outcome };
}

let gitlab: GitLabApiDouble;

beforeAll(async () => {
  await installRenovate();
  gitlab = await startGitLab();
}, 900_000);

afterAll(async () => {
  await gitlab?.close();
  await removeAll(...dirs);
});

describe('the Renovate preset', () => {
  it("passes Renovate's config validator, which refuses a broken copy", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oneex-renovate-validate-'));
    dirs.push(dir);
    await copyFile(join(ROOT, 'default.json'), join(dir, 'default.json'));
    await writeFile(join(dir, 'broken.json'), JSON.stringify({ packageRules: [{ groupName: 7 }] }));

    const good = await renovateCli('config-validator', ['--strict', 'default.json'], { cwd: dir });
    const broken = await renovateCli('config-validator', ['--strict', 'broken.json'], { cwd: dir });

    expect(good.code, good.output).toBe(0);
    expect(broken.code).not.toBe(0);
    expect(broken.output).toContain('groupName');
  });

  it("lets Renovate's gitlabci manager find every include of the library, through local includes too", async () => {
    const [back, front] = await Promise.all([appRepo('back'), appRepo('front')]);

    const [b, f] = await Promise.all([renovate(back, 'extract'), renovate(front, 'extract')]);

    expect(b.outcome.code, b.outcome.output).toBe(0);
    const ours = (deps: (Dep & { packageFile: string })[]) =>
      deps.filter((d) => d.depName === 'oneex/ci-components');
    expect(ours(b.deps).map((d) => [d.packageFile, d.currentValue])).toEqual([
      ['.gitlab-ci.yml', '1'],
      ['.gitlab-ci.yml', '1'],
      ['ci/image.yml', '1.2'],
    ]);
    // $CI_SERVER_FQDN is Oneex's GitLab (the preset's registryAliases), as GitLab expands it.
    for (const dep of [...ours(b.deps), ...ours(f.deps)]) {
      expect(dep.datasource).toBe('gitlab-tags');
      expect(dep.registryUrls).toEqual(['https://gitlab.oneex.fr']);
    }
    expect(ours(f.deps).map((d) => [d.currentValue, d.skipReason])).toEqual([
      ['1.2.3', undefined],
      ['1.2.3', undefined],
      ['~latest', 'unsupported-version'],
    ]);
    expect(f.deps.find((d) => d.depName === 'components/opentofu')?.registryUrls).toEqual([
      'https://gitlab.oneex.fr',
    ]);
  });

  it('would open one grouped merge request per kind of update, from the releases on GitLab', async () => {
    const bare = await mkdtemp(join(tmpdir(), 'oneex-renovate-library-'));
    dirs.push(bare);
    const git = (...args: string[]) =>
      run('git', ['-c', 'user.name=CI', '-c', 'user.email=ci@oneex.test', ...args], { cwd: bare });
    await git('init', '-q', '-b', 'main');
    for (const version of ['1.0.0', '1.2.0', '1.2.3', '1.4.0', '2.0.0']) {
      await git('commit', '-q', '--allow-empty', '-m', `chore(release): ${version}`);
      await git('tag', version);
    }
    const library = gitlab.addProject('oneex/ci-components', { renovate: 'reporter' });
    setRepository(gitlab, library, bare);
    const bot = [...gitlab.users.values()].find((user) => user.username === 'renovate');
    if (bot === undefined) throw new Error('the double has no renovate user');
    gitlab.addToken('glpat-renovate-bot-token', bot, ['read_api']);
    const [back, front] = await Promise.all([appRepo('back'), appRepo('front')]);
    // Only for the test: the releases come from the double instead of https://gitlab.oneex.fr.
    const toDouble = {
      hostRules: [{ matchHost: gitlab.url, token: 'glpat-renovate-bot-token' }],
      packageRules: [{ matchPackageNames: ['oneex/ci-components'], registryUrls: [gitlab.url] }],
    };

    const [b, f] = await Promise.all([
      renovate(back, 'lookup', toDouble),
      renovate(front, 'lookup', toDouble),
    ]);

    expect(b.outcome.code, b.outcome.output).toBe(0);
    const updates = (deps: (Dep & { packageFile: string })[]) =>
      deps
        .filter((d) => d.depName === 'oneex/ci-components')
        .flatMap((d) =>
          (d.updates ?? []).map(
            (u) => `${d.packageFile} @${d.currentValue} -> @${u.newValue} ${u.branchName}`,
          ),
        )
        .sort();
    // Every include of the library lands in one branch per kind of update, so one merge request each.
    expect(updates(b.deps)).toEqual([
      '.gitlab-ci.yml @1 -> @2 renovate/major-oneex-ci-components',
      '.gitlab-ci.yml @1 -> @2 renovate/major-oneex-ci-components',
      'ci/image.yml @1.2 -> @1.4 renovate/oneex-ci-components',
      'ci/image.yml @1.2 -> @2.0 renovate/major-oneex-ci-components',
    ]);
    expect(updates(f.deps)).toEqual([
      '.gitlab-ci.yml @1.2.3 -> @1.4.0 renovate/oneex-ci-components',
      '.gitlab-ci.yml @1.2.3 -> @1.4.0 renovate/oneex-ci-components',
      '.gitlab-ci.yml @1.2.3 -> @2.0.0 renovate/major-oneex-ci-components',
      '.gitlab-ci.yml @1.2.3 -> @2.0.0 renovate/major-oneex-ci-components',
    ]);
    expect(gitlab.requests.some((r) => r.path === `/projects/oneex%2Fci-components/repository/tags`)).toBe(
      true,
    );
  });
});
