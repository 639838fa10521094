import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type ArgoApplication,
  assess,
  normaliseRepoUrl,
  sourceMismatch,
  unhealthyReport,
} from '../../../components/argocd-promote/argocd.ts';
import { gitAuthEnvironment, pushOutcome } from '../../../components/argocd-promote/gitops.ts';
import { displayTag, parseImageRef, parseTags } from '../../../components/argocd-promote/image-ref.ts';
import { commitMessage, type Promotion } from '../../../components/argocd-promote/message.ts';
import { projectPath } from '../../../components/argocd-promote/plan.ts';
import { expand, pathProblem, unknownPlaceholders } from '../../../components/argocd-promote/target.ts';

// The promotion's pure parts: each rule that decides something, on its own.

const run = promisify(execFile);
const HEX = 'a'.repeat(64);

describe('image references', () => {
  it('accepts a digest reference, with or without registry port and tag', () => {
    expect(parseImageRef(`harbor.oneex.fr/oneex/back@sha256:${HEX}`)).toEqual({
      ref: { name: 'harbor.oneex.fr/oneex/back', tag: undefined, digest: `sha256:${HEX}` },
    });
    expect(parseImageRef(`localhost:5000/back:1.4.0@sha256:${HEX}`)).toEqual({
      ref: { name: 'localhost:5000/back', tag: '1.4.0', digest: `sha256:${HEX}` },
    });
  });

  it.each([
    ['harbor.oneex.fr/oneex/back:1.4.0', 'promotions go by digest'],
    ['harbor.oneex.fr/oneex/back@sha256:abc', 'is not a sha256 or sha512 digest'],
    [`harbor.oneex.fr/oneex/back@md5:${HEX}`, 'is not a sha256 or sha512 digest'],
    [`Harbor.oneex.fr/Oneex/Back@sha256:${HEX}`, 'is not a valid image name'],
    [`back:bad tag@sha256:${HEX}`, 'is not a valid'],
  ])('refuses %s', (text, why) => {
    const parsed = parseImageRef(text);
    expect('problem' in parsed && parsed.problem).toContain(why);
  });

  it('records the most specific version tag beside the digest', () => {
    const ref = { name: 'back', tag: undefined, digest: `sha256:${HEX}` };
    expect(displayTag(ref, parseTags('1,1.4,1.4.2,latest'))).toBe('1.4.2');
    expect(displayTag(ref, parseTags('main sha-5f1d3a7c'))).toBe('main');
    expect(displayTag(ref, [])).toBeUndefined();
    expect(displayTag({ ...ref, tag: 'rc1' }, ['1.4.2'])).toBe('rc1');
    expect(parseTags('harbor.oneex.fr/oneex/back:1.4.2, harbor.oneex.fr/oneex/back:latest')).toEqual([
      '1.4.2',
      'latest',
    ]);
  });
});

describe('path templates', () => {
  it('fills {app} and {environment}, and names unknown placeholders', () => {
    expect(expand('apps/{app}/overlays/{environment}', { app: 'back', environment: 'test' })).toBe(
      'apps/back/overlays/test',
    );
    expect(unknownPlaceholders('apps/{app}/{env}/{environment}')).toEqual(['env']);
  });

  it('stays inside the repository', () => {
    expect(pathProblem('/etc/passwd')).toContain('relative');
    expect(pathProblem('apps/../../x')).toContain('inside the repository');
    expect(pathProblem('.git/config')).toContain('inside the repository');
    expect(pathProblem('apps/{app}')).toBeUndefined();
  });

  it('derives the GitOps project from the repository URL, GitLab under a path prefix included', () => {
    expect(projectPath('https://gitlab.oneex.fr/oneex/gitops.git', 'https://gitlab.oneex.fr')).toBe(
      'oneex/gitops',
    );
    expect(projectPath('https://oneex.fr/gitlab/oneex/gitops.git', 'https://oneex.fr/gitlab')).toBe(
      'oneex/gitops',
    );
    expect(projectPath('https://gitlab.oneex.fr/a/b/gitops', 'https://other.example')).toBe('a/b/gitops');
  });
});

describe('git', () => {
  it('reads git push --porcelain: landed, lost a race, or refused', () => {
    expect(pushOutcome('To http://x/g.git\n \tHEAD:refs/heads/main\t1a2b..3c4d\nDone\n')).toEqual({
      ok: true,
    });
    expect(
      pushOutcome('To http://x/g.git\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone\n'),
    ).toMatchObject({ ok: false, retry: true });
    expect(
      pushOutcome('To x\n!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)\nDone\n'),
    ).toMatchObject({ ok: false, retry: true });
    expect(
      pushOutcome('To x\n!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)\nDone\n'),
    ).toEqual({
      ok: false,
      retry: false,
      reason: '[remote rejected] (pre-receive hook declined)',
    });
  });

  it('sends the token as a header scoped to the repository’s origin, through the environment only', () => {
    const env = gitAuthEnvironment('https://gitlab.oneex.fr/oneex/gitops.git', {
      username: 'oauth2',
      token: 'glpat-x',
    });
    expect(env).toMatchObject({
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.https://gitlab.oneex.fr/.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from('oauth2:glpat-x').toString('base64')}`,
    });
    expect(
      gitAuthEnvironment('file:///srv/gitops.git', { username: 'oauth2', token: 'glpat-x' }),
    ).not.toHaveProperty('GIT_CONFIG_COUNT');
  });

  it('writes trailers that git itself parses', async () => {
    const promotion: Promotion = {
      app: 'Back',
      environment: 'production',
      image: `harbor.oneex.fr/oneex/back@sha256:${HEX}`,
      digest: `sha256:${HEX}`,
      tag: '1.4.2',
      previous: { digest: `sha256:${'b'.repeat(64)}`, tag: '1.4.1' },
      rollback: false,
      file: 'apps/back/overlays/production/kustomization.yaml',
      source: {
        project: 'oneex/back',
        commit: 'c'.repeat(40),
        pipelineUrl: 'https://gitlab.oneex.fr/oneex/back/-/pipelines/9',
        jobUrl: undefined,
        triggeredBy: 'ada',
      },
    };
    const message = commitMessage(promotion);
    expect(message.split('\n')[0]).toBe('chore(back): promote production to 1.4.2 (sha256:aaaaaaaaaaaa)');
    const child = run('git', ['interpret-trailers', '--parse']);
    child.child.stdin?.end(message);
    expect((await child).stdout).toBe(
      [
        'Source-Project: oneex/back',
        `Source-Commit: ${'c'.repeat(40)}`,
        'Source-Pipeline: https://gitlab.oneex.fr/oneex/back/-/pipelines/9',
        `Image-Digest: sha256:${HEX}`,
        'Environment: production',
        '',
      ].join('\n'),
    );
  });
});

describe('Argo CD', () => {
  const app = (
    status: ArgoApplication['status'],
    source = { repoURL: 'https://gitlab.oneex.fr/oneex/gitops.git', path: 'apps/back/overlays/test' },
  ): ArgoApplication => ({
    metadata: { name: 'back-test' },
    spec: { project: 'oneex', source },
    ...(status !== undefined ? { status } : {}),
  });
  const ours = async (revision: string) => revision === 'ours' || revision === 'later';

  it('is done only when Synced and Healthy at our commit or one after it', async () => {
    expect(
      await assess(
        app({ sync: { status: 'Synced', revision: 'later' }, health: { status: 'Healthy' } }),
        ours,
      ),
    ).toEqual({ kind: 'done' });
    expect(
      await assess(app({ sync: { status: 'Synced', revision: 'old' }, health: { status: 'Healthy' } }), ours),
    ).toMatchObject({ kind: 'waiting', needsSync: true });
    expect(
      await assess(
        app({ sync: { status: 'OutOfSync', revision: 'ours' }, health: { status: 'Healthy' } }),
        ours,
      ),
    ).toMatchObject({ kind: 'waiting', needsSync: true });
    expect(
      await assess(
        app({ sync: { status: 'Synced', revision: 'ours' }, health: { status: 'Progressing' } }),
        ours,
      ),
    ).toMatchObject({ kind: 'waiting', needsSync: false });
    expect(
      await assess(
        app({ sync: { status: 'Synced', revision: 'old' }, operationState: { phase: 'Running' } }),
        ours,
      ),
    ).toMatchObject({ kind: 'waiting', needsSync: false });
  });

  it('fails on degradation or a failed sync of our commit, not on an old failure', async () => {
    expect(
      await assess(
        app({
          sync: { status: 'Synced', revision: 'ours' },
          health: { status: 'Degraded', message: 'crash' },
        }),
        ours,
      ),
    ).toEqual({
      kind: 'failed',
      why: 'its health is Degraded: crash',
    });
    const failed = { phase: 'Failed', message: 'boom', syncResult: { revision: 'ours' } };
    expect(
      await assess(app({ sync: { status: 'OutOfSync', revision: 'ours' }, operationState: failed }), ours),
    ).toMatchObject({ kind: 'failed' });
    const oldFailure = { phase: 'Failed', message: 'boom', syncResult: { revision: 'old' } };
    expect(
      await assess(
        app({ sync: { status: 'OutOfSync', revision: 'ours' }, operationState: oldFailure }),
        ours,
      ),
    ).toMatchObject({ kind: 'waiting' });
  });

  it('reports each resource that is not healthy, and each that did not sync', () => {
    expect(
      unhealthyReport(
        app({
          resources: [
            { kind: 'Service', name: 'back', namespace: 'back', health: { status: 'Healthy' } },
            {
              kind: 'Deployment',
              name: 'back',
              namespace: 'back',
              health: { status: 'Degraded', message: 'ImagePullBackOff' },
            },
          ],
          operationState: {
            phase: 'Failed',
            message: 'apply failed',
            syncResult: {
              resources: [{ kind: 'Job', name: 'migrate', status: 'SyncFailed', message: 'hook failed' }],
            },
          },
        }),
      ),
    ).toEqual([
      'Deployment back/back: Degraded: ImagePullBackOff',
      'Job migrate: sync SyncFailed: hook failed',
      'last operation (Failed): apply failed',
    ]);
  });

  it('knows a repository under its https, ssh and .git spellings, and checks the path', () => {
    const spellings = [
      'https://gitlab.oneex.fr/oneex/gitops.git',
      'git@gitlab.oneex.fr:oneex/gitops.git',
      'https://GitLab.oneex.fr/oneex/gitops/',
    ];
    expect(new Set(spellings.map(normaliseRepoUrl)).size).toBe(1);
    const a = app(undefined);
    expect(
      sourceMismatch(a, 'git@gitlab.oneex.fr:oneex/gitops.git', 'apps/back/overlays/test/'),
    ).toBeUndefined();
    expect(sourceMismatch(a, 'https://gitlab.oneex.fr/oneex/other.git', undefined)).toContain('not from');
    expect(sourceMismatch(a, spellings[0] ?? '', 'apps/back/overlays/staging')).toContain(
      'not the overlay apps/back/overlays/staging',
    );
  });
});
