import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  defaultConfig,
  MAINTENANCE_BRANCHES,
  releaseBranches,
} from '../../../components/semantic-release/config.ts';
import { credentialHelper, gitConfigEnv, redirect } from '../../../components/semantic-release/git-env.ts';
import { dotenv, previewBranch } from '../../../components/semantic-release/next-version.ts';
import { releaseError } from '../../../components/semantic-release/run-semantic-release.ts';
import { checkTemplate } from '../../../src/generate/conformance.ts';
import { EXIT } from '../../../src/runtime/errors.ts';

const run = promisify(execFile);

const INPUTS = {
  branches: [],
  prerelease_branches: [],
  tag_prefix: 'v',
  changelog_file: '',
  gitlab_release: true,
} as const;

describe('the default release configuration', () => {
  it('releases from the default branch and maintenance branches, as GitLab releases', () => {
    expect(defaultConfig(INPUTS, { CI_DEFAULT_BRANCH: 'develop' })).toEqual({
      branches: [MAINTENANCE_BRANCHES, 'develop'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: semantic-release's placeholder.
      tagFormat: 'v${version}',
      plugins: [
        ['@semantic-release/commit-analyzer', { preset: 'conventionalcommits' }],
        ['@semantic-release/release-notes-generator', { preset: 'conventionalcommits' }],
        '@semantic-release/gitlab',
      ],
    });
  });

  it('adds a committed changelog, drops the API release, takes given and pre-release branches', () => {
    const config = defaultConfig(
      {
        ...INPUTS,
        branches: ['main', 'release/*'],
        prerelease_branches: ['beta'],
        tag_prefix: '',
        changelog_file: 'CHANGELOG.md',
        gitlab_release: false,
      },
      {},
    );
    expect(config.branches).toEqual(['main', 'release/*', { name: 'beta', prerelease: true }]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: semantic-release's placeholder.
    expect(config.tagFormat).toBe('${version}');
    const plugins = config.plugins as unknown[];
    expect(plugins.map((p) => (Array.isArray(p) ? p[0] : p))).toEqual([
      '@semantic-release/commit-analyzer',
      '@semantic-release/release-notes-generator',
      '@semantic-release/changelog',
      '@semantic-release/git',
    ]);
    expect(plugins[3]).toEqual([
      '@semantic-release/git',
      expect.objectContaining({ assets: ['CHANGELOG.md'], message: expect.stringContaining('[skip ci]') }),
    ]);
    expect(releaseBranches(INPUTS, {})).toEqual([MAINTENANCE_BRANCHES, 'main']);
  });
});

describe('next-version', () => {
  it('previews the target of a merge request, else the pipeline branch', () => {
    expect(
      previewBranch({
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
        CI_MERGE_REQUEST_IID: '4',
        CI_COMMIT_BRANCH: 'feat/x',
      }),
    ).toEqual({ branch: 'main', mergeRequest: '4' });
    expect(previewBranch({ CI_COMMIT_BRANCH: '1.x' })).toEqual({ branch: '1.x' });
    expect(previewBranch({ CI_COMMIT_TAG: 'v1.0.0' })).toBeUndefined();
  });

  it('writes a dotenv report GitLab accepts, empty values when no release is due', () => {
    expect(dotenv({ next: { version: '1.2.0', gitTag: 'v1.2.0', type: 'minor' } })).toBe(
      'NEXT_VERSION=1.2.0\nNEXT_VERSION_TAG=v1.2.0\nNEXT_VERSION_TYPE=minor\n',
    );
    const empty = dotenv({});
    expect(empty).toBe('NEXT_VERSION=\nNEXT_VERSION_TAG=\nNEXT_VERSION_TYPE=\n');
    for (const line of empty.trimEnd().split('\n')) expect(line).toMatch(/^[A-Za-z0-9_]+=[^\n]*$/);
  });
});

describe("semantic-release's errors", () => {
  const error = (code: string, message: string, details?: string) =>
    Object.assign(new Error(message), { semanticRelease: true, code, details });

  it('keep their codes, and map to exit codes', () => {
    const aggregate = new AggregateError([
      error('EINVALIDGLTOKEN', 'Invalid GitLab token.', 'The token is not valid.\nMore.'),
      error('EGLNOPUSHPERMISSION', 'No push permission.'),
    ]);
    const mapped = releaseError(aggregate);
    expect(mapped.code).toBe('EINVALIDGLTOKEN');
    expect(mapped.message).toBe(
      'EINVALIDGLTOKEN: Invalid GitLab token.\nEGLNOPUSHPERMISSION: No push permission.',
    );
    expect(mapped.hint).toBe('The token is not valid.');
    expect(mapped.exitCode).toBe(EXIT.unavailable);
    expect(releaseError(error('EINVALIDBRANCH', 'bad branch')).exitCode).toBe(EXIT.usage);
    expect(releaseError(error('EINVALIDNEXTVERSION', 'out of range')).exitCode).toBe(EXIT.failed);
    expect(releaseError(new Error('Response code 500')).code).toBe('ERELEASE');
  });
});

describe('git configuration by environment', () => {
  it('gives git the token through a credential helper scoped to the GitLab host', async () => {
    const env = {
      ...process.env,
      ...gitConfigEnv(credentialHelper('https://gitlab.oneex.fr/oneex/back.git')),
      GITLAB_TOKEN: 'glpat-s3cret',
      GIT_TERMINAL_PROMPT: '0',
    };
    const ask = (host: string) =>
      new Promise<string>((resolve) => {
        const child = execFile('git', ['credential', 'fill'], { env }, (_, stdout) => resolve(stdout));
        child.stdin?.end(`protocol=https\nhost=${host}\n\n`);
      });
    expect(await ask('gitlab.oneex.fr')).toContain('username=oneex-ci\npassword=glpat-s3cret\n');
    // Another host gets nothing from it (git then fails, as no other helper is configured).
    expect(await ask('github.com')).not.toContain('glpat-s3cret');
  });

  it('redirects a URL to a local repository', async () => {
    const env = {
      ...process.env,
      ...gitConfigEnv(redirect('https://gitlab.oneex.fr/a/b.git', 'file:///srv/b.git')),
    };
    const { stdout } = await run('git', ['ls-remote', '--get-url', 'https://gitlab.oneex.fr/a/b.git'], {
      env,
    });
    expect(stdout.trim()).toBe('file:///srv/b.git');
  });
});

describe('conformance of a job whose needs come from an array input', () => {
  const header = (type: string) => ({
    spec: {
      inputs: {
        as: { default: 'release', description: 'Job name.' },
        stage: { default: 'deploy', description: 'Stage.' },
        needs: { type, description: 'Jobs it waits for.' },
      },
    },
  });
  const jobs = {
    '$[[ inputs.as ]]': { stage: '$[[ inputs.stage ]]', needs: '$[[ inputs.needs ]]', script: ['x'] },
  };

  it('is accepted when the input is an array', () => {
    expect(checkTemplate('t.yml', header('array'), jobs)).toEqual([]);
  });

  it('is refused when the input is not', () => {
    expect(checkTemplate('t.yml', header('string'), jobs).map((p) => p.message)).toContain(
      'visible job declares no needs: (every job must be part of the DAG)',
    );
  });
});
