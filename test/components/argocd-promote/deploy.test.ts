import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { digestOf, imageRef, REGISTRY } from './gitops-fixture.ts';
import { type Harness, startHarness, TOKENS } from './harness.ts';

// After the push: Argo CD (sync, wait, report what is not healthy), merge requests for reviewed
// environments, and Grafana annotations, against their doubles.

const APPS = ['back', 'front', 'scanner', 'csharp', 'billing', 'portal', 'notify', 'kyc'];
let h: Harness;

beforeAll(async () => {
  h = await startHarness(APPS);
  await h.addApplications('back');
  await h.addApplications('front', {
    rollout: { kind: 'degraded', message: 'Deployment "front" exceeded its progress deadline' },
  });
  await h.addApplications('scanner', {
    rollout: {
      kind: 'stuck',
      message: 'Waiting for rollout to finish: 0 of 1 updated replicas are available...',
    },
  });
  await h.addApplications('csharp', { autoSync: true });
  await h.addApplications('billing', {
    rollout: { kind: 'sync-failed', message: 'admission webhook "validate.kyverno.svc" denied the request' },
  });
});
afterAll(async () => {
  await h?.close();
});

const argo = (extra: Record<string, string> = {}) => ({
  argocd_server: h.argocd.url,
  argocd_token: TOKENS.argocd,
  argocd_project: 'oneex',
  ...extra,
});
const head = async () => (await h.gitops.git(['rev-parse', 'main'])).trim();

describe('Argo CD', () => {
  it('syncs the application and waits until it is Synced and Healthy at the new commit', async () => {
    const ref = imageRef('back', 'back-2.1.0');
    const result = await h.promote({
      environment: 'staging',
      imageRef: ref,
      imageTags: '2.1.0',
      inputs: argo(),
    });
    expect(result.exitCode, result.log).toBe(0);
    const commit = await head();
    expect(result.log).toContain(`Argo CD: back-staging is Synced and Healthy at ${commit.slice(0, 12)}`);
    expect(h.argocd.deployed('back-staging')).toEqual({
      revision: commit,
      images: [`${REGISTRY}/back:2.1.0@${digestOf('back-2.1.0')}`],
      health: 'Healthy',
    });
    const sync = h.argocd.requests.find(
      (r) => r.method === 'POST' && r.path === '/api/v1/applications/back-staging/sync',
    );
    expect(sync).toMatchObject({
      status: 200,
      contentType: 'application/json',
      authorization: `Bearer ${TOKENS.argocd}`,
    });
    // The sync asks for the branch, not our commit: a later promotion is never rolled back by it.
    expect(sync?.body).toEqual({ name: 'back-staging', project: 'oneex' });
    expect(
      h.argocd.requests.some(
        (r) => r.path === '/api/v1/applications/back-staging' && r.query.refresh === 'normal',
      ),
    ).toBe(true);
    expect(h.argocd.deployed('back-test').images).toEqual([
      `${REGISTRY}/back:0.9.0@${digestOf('back-initial')}`,
    ]);
  });

  it('re-run with nothing to change still checks that the application runs it', async () => {
    const before = await head();
    const result = await h.promote({
      environment: 'staging',
      imageRef: imageRef('back', 'back-2.1.0'),
      imageTags: '2.1.0',
      inputs: argo(),
    });
    expect(result.exitCode, result.log).toBe(0);
    expect(result.log).toContain('nothing to commit');
    expect(result.log).toContain('Argo CD: back-staging is Synced and Healthy');
    expect(await head()).toBe(before);
  });

  it('waits out an automated sync that makes the requested one busy (400, code 9)', async () => {
    const result = await h.promote({
      environment: 'test',
      app: 'csharp',
      imageRef: imageRef('csharp', 'c1'),
      inputs: argo(),
    });
    expect(result.exitCode, result.log).toBe(0);
    expect(result.log).toContain(
      'Argo CD is busy with another operation on csharp-test; waiting for it to end.',
    );
    const busy = h.argocd.requests.find((r) => r.path === '/api/v1/applications/csharp-test/sync');
    expect(busy?.status).toBe(400);
    expect(h.argocd.deployed('csharp-test').images).toEqual([`${REGISTRY}/csharp@${digestOf('c1')}`]);
  });

  it('fails on a degraded rollout, printing the resources that are not healthy and their messages', async () => {
    const result = await h.promote({
      environment: 'test',
      app: 'front',
      imageRef: imageRef('front', 'f1'),
      inputs: argo(),
    });
    expect(result.exitCode).toBe(1);
    expect(result.log).toContain('Argo CD application "front-test" did not come up: its health is Degraded');
    expect(result.log).toContain('Not healthy:');
    expect(result.log).toContain(
      '  - Deployment front-test/front: Degraded: Deployment "front" exceeded its progress deadline',
    );
    expect(result.log).toContain('[EARGOCD_DEPLOY]');
    // The promotion itself landed: the repository says what should run.
    expect(parse(await h.gitops.show('apps/front/overlays/test/kustomization.yaml')).images[0].digest).toBe(
      digestOf('f1'),
    );
  });

  it('fails when the rollout does not finish in time, with what is still progressing', async () => {
    const result = await h.promote({
      environment: 'test',
      app: 'scanner',
      imageRef: imageRef('scanner', 's1'),
      // Long enough for the double's sync to end even on a loaded machine; the rollout never does.
      inputs: argo({ argocd_timeout: '8' }),
    });
    expect(result.exitCode).toBe(1);
    expect(result.log).toContain(
      'it was not Synced and Healthy at our commit within 8 s (its health is Progressing)',
    );
    expect(result.log).toContain(
      '  - Deployment scanner-test/scanner: Progressing: Waiting for rollout to finish: 0 of 1 updated replicas are available...',
    );
  });

  it('fails when the sync fails, with the resource Argo CD could not apply', async () => {
    const result = await h.promote({
      environment: 'test',
      app: 'billing',
      imageRef: imageRef('billing', 'b1'),
      inputs: argo(),
    });
    expect(result.exitCode).toBe(1);
    expect(result.log).toContain('did not come up: the sync failed: one or more objects failed to apply');
    expect(result.log).toContain(
      'sync SyncFailed: admission webhook "validate.kyverno.svc" denied the request',
    );
  });

  describe('checked before anything is pushed', () => {
    const attempt = async (inputs: Record<string, string>, app = 'back') => {
      const before = await head();
      const result = await h.promote({ environment: 'test', app, imageRef: imageRef(app, 'never'), inputs });
      expect(await head()).toBe(before);
      return result;
    };

    it('no token: 401 no session information', async () => {
      const result = await attempt(argo({ argocd_token: '$ARGOCD_TOKEN' }));
      expect(result.exitCode).toBe(3);
      expect(result.log).toContain(
        'Argo CD refused the request to read application "back-test" (401 no session information)',
      );
    });

    it('an unknown application: 403 without the project, 404 with it', async () => {
      const hidden = await attempt({
        argocd_server: h.argocd.url,
        argocd_token: TOKENS.argocd,
        argocd_application: 'nope-{environment}',
      });
      expect(hidden.exitCode).toBe(3);
      expect(hidden.log).toContain(
        'Argo CD denied the request to read application "nope-test" (403 permission denied)',
      );
      expect(hidden.log).toContain('Set argocd_project to learn which');
      const named = await attempt(argo({ argocd_application: 'nope-{environment}' }));
      expect(named.exitCode).toBe(2);
      expect(named.log).toContain(
        'Argo CD has no application "nope-test" in project "oneex" (404 applications.argoproj.io "nope-test" not found)',
      );
    });

    it('an application that deploys another overlay', async () => {
      const result = await attempt(argo({ argocd_application: 'back-production' }));
      expect(result.exitCode).toBe(2);
      expect(result.log).toContain(
        'Argo CD application "back-production" would not deploy this promotion: it deploys',
      );
      expect(result.log).toContain('not the overlay apps/back/overlays/test');
    });
  });
});

describe('through a merge request', () => {
  const mr = { merge_request_environments: '["production"]' };

  it('pushes a branch and opens a merge request with the promotion’s details; the branch Argo CD watches is untouched', async () => {
    const before = await head();
    const result = await h.promote({
      environment: 'production',
      app: 'portal',
      imageRef: imageRef('portal', 'p1'),
      imageTags: '3.0.0',
      inputs: mr,
    });
    expect(result.exitCode, result.log).toBe(0);
    expect(await head()).toBe(before);
    expect(h.mergeRequests()).toHaveLength(1);
    const [request] = h.mergeRequests();
    const branchHead = (await h.gitops.git(['rev-parse', 'promote/portal/production'])).trim();
    expect(request).toMatchObject({
      title: `chore(portal): promote production to 3.0.0 (sha256:${digestOf('p1').slice(7, 19)})`,
      source_branch: 'promote/portal/production',
      target_branch: 'main',
      state: 'opened',
      labels: ['promotion', 'production'],
      force_remove_source_branch: true,
      sha: branchHead,
      author: { username: 'project_42_bot' },
    });
    expect(request?.description).toContain(
      '| Source pipeline | https://gitlab.oneex.test/oneex/portal/-/pipelines/1234 |',
    );
    expect(request?.description).toContain(`| Image | \`${REGISTRY}/portal@${digestOf('p1')}\` |`);
    expect(result.log).toContain(
      `proposed for production: opened ${h.gitlab.url}/oneex/gitops/-/merge_requests/1`,
    );
    expect(
      await h.gitops.git([
        'log',
        '-1',
        '--format=%(trailers:key=Image-Digest,valueonly)',
        'promote/portal/production',
      ]),
    ).toContain(digestOf('p1'));
    expect(h.gitlab.requests.every((r) => r.auth === 'private-token')).toBe(true);
  });

  it('run again, finds the same merge request and makes no new commit', async () => {
    const branchHead = (await h.gitops.git(['rev-parse', 'promote/portal/production'])).trim();
    const result = await h.promote({
      environment: 'production',
      app: 'portal',
      imageRef: imageRef('portal', 'p1'),
      imageTags: '3.0.0',
      inputs: mr,
    });
    expect(result.exitCode, result.log).toBe(0);
    expect(result.log).toContain('already proposes this change; no new commit');
    expect(result.log).toContain('updated');
    expect(h.mergeRequests()).toHaveLength(1);
    expect((await h.gitops.git(['rev-parse', 'promote/portal/production'])).trim()).toBe(branchHead);
  });

  it('a newer digest replaces the proposal in the same merge request', async () => {
    const result = await h.promote({
      environment: 'production',
      app: 'portal',
      imageRef: imageRef('portal', 'p2'),
      imageTags: '3.0.1',
      inputs: mr,
    });
    expect(result.exitCode, result.log).toBe(0);
    expect(h.mergeRequests()).toHaveLength(1);
    expect(h.mergeRequests()[0]?.title).toContain('promote production to 3.0.1');
    const proposed = parse(
      await h.gitops.show('apps/portal/overlays/production/kustomization.yaml', 'promote/portal/production'),
    );
    expect(proposed.images[0].digest).toBe(digestOf('p2'));
  });

  it('a token GitLab refuses fails before any push', async () => {
    const branches = await h.gitops.git(['branch', '--list']);
    const result = await h.promote({
      environment: 'production',
      app: 'notify',
      imageRef: imageRef('notify', 'n1'),
      inputs: { ...mr, gitlab_url: h.gitlab.url, gitops_token: 'glpat-unknown-to-gitlab-00' },
    });
    expect(result.exitCode).toBe(3);
    expect(result.log).toContain(
      'GitLab refused the token while it read the GitOps project (401 401 Unauthorized)',
    );
    expect(await h.gitops.git(['branch', '--list'])).toBe(branches);
  });
});

describe('Grafana', () => {
  it('posts an annotation tagged with the app, environment and version', async () => {
    const result = await h.promote({
      environment: 'test',
      app: 'kyc',
      imageRef: imageRef('kyc', 'k1'),
      imageTags: '1.0.0',
      inputs: { grafana_url: h.grafana.url, grafana_token: TOKENS.grafana },
    });
    expect(result.exitCode, result.log).toBe(0);
    expect(result.log).toContain('Grafana: annotation 1 marks kyc 1.0.0 in test.');
    expect(h.grafana.annotations).toEqual([
      expect.objectContaining({
        tags: ['deploy', 'app:kyc', 'environment:test', 'version:1.0.0'],
        text: expect.stringContaining('chore(kyc): promote test to 1.0.0'),
      }),
    ]);
  });

  it('a refused annotation is a warning: the promotion is done', async () => {
    const result = await h.promote({
      environment: 'staging',
      app: 'kyc',
      imageRef: imageRef('kyc', 'k1'),
      inputs: { grafana_url: h.grafana.url, grafana_token: 'glsa_wrong_000000000000' },
    });
    expect(result.exitCode, result.log).toBe(0);
    expect(result.log).toContain(
      'Grafana: no annotation (Grafana answered 401: Unauthorized); the promotion itself is done.',
    );
    expect(h.grafana.annotations).toHaveLength(1);
  });
});
