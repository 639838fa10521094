import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { digestOf, imageRef, REGISTRY } from './gitops-fixture.ts';
import { type Harness, startHarness, TOKENS } from './harness.ts';

// The promote action against a real GitOps repository served over smart HTTP with Basic auth, and the
// Argo CD, GitLab and Grafana doubles, through the built CLI as a job runs it.

const run = promisify(execFile);
const APPS = ['back', 'front', 'scanner', 'csharp', 'billing', 'portal', 'notify', 'kyc', 'docs', 'helm-app'];
let h: Harness;

beforeAll(async () => {
  h = await startHarness(APPS, {
    files: {
      'apps/helm-app/values-test.yaml':
        '# Helm values of helm-app in test\nreplicaCount: 1\nimage:\n  repository: old/helm-app # Harbor\n  tag: "0.1.0"\n',
    },
  });
});
afterAll(async () => {
  await h?.close();
});

const overlayPath = (app: string, environment: string) =>
  `apps/${app}/overlays/${environment}/kustomization.yaml`;
const head = async () => (await h.gitops.git(['rev-parse', 'main'])).trim();

/** Renders an overlay at the repository's head as Argo CD would, and returns the containers' images. */
async function renderedImages(app: string, environment: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'oneex-render-'));
  try {
    await run('sh', ['-c', 'git archive --format=tar main | tar -x -C "$0"', dir], { cwd: h.gitops.bare });
    const { stdout } = await run('kubectl', ['kustomize', join(dir, `apps/${app}/overlays/${environment}`)]);
    return [...stdout.matchAll(/image: (\S+)/g)].map((m) => m[1] ?? '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectNoToken(text: string): void {
  for (const token of Object.values(TOKENS)) {
    expect(text).not.toContain(token);
    expect(text).not.toContain(Buffer.from(token).toString('base64'));
  }
}

describe('a promotion', () => {
  const ref = imageRef('back', 'back-1.4.0');

  it('commits the digest to the environment’s overlay with traceable trailers, and the overlay renders it', async () => {
    const before = await head();
    const result = await h.promote({ environment: 'test', imageRef: ref, imageTags: '1.4.0, latest, 1.4' });
    expect(result.exitCode, result.log).toBe(0);
    expect(result.log).toContain('back 1.4.0 promoted to test: commit');

    const [commit] = await h.gitops.log();
    expect(commit?.subject).toBe(
      `chore(back): promote test to 1.4.0 (sha256:${digestOf('back-1.4.0').slice(7, 19)})`,
    );
    expect((await h.gitops.git(['rev-parse', `${commit?.sha}^`])).trim()).toBe(before);
    const parsed = (await h.gitops.git(['log', '-1', '--format=%(trailers:only,unfold)', 'main']))
      .trim()
      .split('\n');
    expect(parsed).toEqual([
      'Source-Project: oneex/back',
      'Source-Commit: 5f1d3a7c9e2b4d6f8a0c1e3b5d7f9a1c3e5b7d9f',
      'Source-Pipeline: https://gitlab.oneex.test/oneex/back/-/pipelines/1234',
      `Image-Digest: ${digestOf('back-1.4.0')}`,
      'Environment: test',
    ]);
    expect((await h.gitops.git(['log', '-1', '--format=%an <%ae> / %cn', 'main'])).trim()).toBe(
      'Ada Lovelace <ada@oneex.test> / Oneex CI',
    );
    expect(await h.gitops.git(['diff', '--name-only', `${before}..main`])).toBe(
      `${overlayPath('back', 'test')}\n`,
    );

    const overlay = parse(await h.gitops.show(overlayPath('back', 'test')));
    expect(overlay.images[0]).toEqual({
      name: 'back',
      newName: `${REGISTRY}/back`,
      newTag: '1.4.0',
      digest: digestOf('back-1.4.0'),
    });
    expect(await h.gitops.show(overlayPath('back', 'test'))).toContain(
      '# promoted by CI; edit by hand only to roll back in an emergency',
    );
    expect(await renderedImages('back', 'test')).toEqual([
      `${REGISTRY}/back:1.4.0@${digestOf('back-1.4.0')}`,
    ]);
  });

  it('sends the token only in a header: never in a URL, an argument or the log', async () => {
    const lines = await h.gitCommandLines();
    expect(lines.some((line) => line.startsWith('clone '))).toBe(true);
    expect(lines.some((line) => line.startsWith('push '))).toBe(true);
    expectNoToken(lines.join('\n'));
    for (const request of h.server.requests) expectNoToken(request.url);
    // Every request the git server answered came with the credential (GitLab-style Basic auth).
    expect(h.server.requests.filter((r) => r.status === 401)).toEqual([]);
    expect(h.server.requests.length).toBeGreaterThan(2);
  });

  it('makes no commit when run again', async () => {
    const before = await head();
    const result = await h.promote({ environment: 'test', imageRef: ref, imageTags: '1.4.0' });
    expect(result.exitCode, result.log).toBe(0);
    expect(result.log).toContain('already runs');
    expect(result.log).toContain('nothing to commit');
    expect(await head()).toBe(before);
  });

  it('rolls back by promoting an earlier digest, and says so', async () => {
    const newer = imageRef('back', 'back-1.5.0');
    expect((await h.promote({ environment: 'test', imageRef: newer, imageTags: '1.5.0' })).exitCode).toBe(0);
    const result = await h.promote({ environment: 'test', imageRef: ref, imageTags: '1.4.0' });
    expect(result.exitCode, result.log).toBe(0);
    expect(result.log).toContain('roll back');
    const [rollback, upgrade] = await h.gitops.log(overlayPath('back', 'test'));
    expect(rollback?.subject).toBe(
      `chore(back): roll back test to 1.4.0 (sha256:${digestOf('back-1.4.0').slice(7, 19)})`,
    );
    expect(rollback?.body).toContain(`Previous: 1.5.0 (sha256:${digestOf('back-1.5.0').slice(7, 19)})`);
    expect(upgrade?.subject).toContain('promote test to 1.5.0');
    expect(await renderedImages('back', 'test')).toEqual([
      `${REGISTRY}/back:1.4.0@${digestOf('back-1.4.0')}`,
    ]);
  });

  it('edits a Helm values file at the configured path', async () => {
    const result = await h.promote({
      environment: 'test',
      app: 'helm-app',
      imageRef: imageRef('helm-app', 'h1'),
      imageTags: '2.0.0',
      inputs: { format: 'helm', path: 'apps/{app}/values-{environment}.yaml' },
    });
    expect(result.exitCode, result.log).toBe(0);
    const text = await h.gitops.show('apps/helm-app/values-test.yaml');
    expect(text).toBe(
      `# Helm values of helm-app in test\nreplicaCount: 1\nimage:\n  repository: ${REGISTRY}/helm-app # Harbor\n  tag: "2.0.0"\n  digest: ${digestOf('h1')}\n`,
    );
  });
});

describe('bad inputs fail before anything is pushed', () => {
  const ref = imageRef('front', 'front-2.0.0');
  const unchanged = async (promise: Promise<{ exitCode: number; log: string }>) => {
    const before = await head();
    const result = await promise;
    expect(await head()).toBe(before);
    expect(await h.gitops.git(['branch', '--list'])).toBe('* main\n');
    return result;
  };

  it('an unknown environment, with the environments the repository has', async () => {
    const result = await unchanged(h.promote({ environment: 'prod', app: 'front', imageRef: ref }));
    expect(result.exitCode).toBe(2);
    expect(result.log).toContain(
      'The GitOps repository has no environment "prod" for front: it has production, staging, test',
    );
    expect(result.log).toContain('Did you mean "production"?');
    expect(result.log).toContain('[EENVIRONMENT]');
  });

  it('a missing overlay', async () => {
    const result = await unchanged(
      h.promote({ environment: 'test', app: 'ghost', imageRef: imageRef('ghost', 'g') }),
    );
    expect(result.exitCode).toBe(2);
    expect(result.log).toContain('No overlay for ghost in test: apps/ghost/overlays/test');
    expect(result.log).toContain('the overlay directory does not exist');
    expect(result.log).toContain('[EOVERLAY]');
  });

  it('an image that is not a digest reference, with every other bad input at once', async () => {
    const result = await unchanged(
      h.promote({
        environment: 'test',
        app: 'front',
        imageRef: `${REGISTRY}/front:2.0.0`,
        inputs: { path: 'apps/{application}/{environment}', argocd_server: 'argocd.oneex.test' },
      }),
    );
    expect(result.exitCode).toBe(2);
    expect(result.log).toContain('3 inputs of component "argocd-promote" are not valid');
    expect(result.log).toContain(`image_ref: got "${REGISTRY}/front:2.0.0"; expected a digest reference`);
    expect(result.log).toContain(
      'path: got "apps/{application}/{environment}"; expected only {app} and {environment}',
    );
    expect(result.log).toContain('argocd_server: got "argocd.oneex.test"; expected an http(s) URL');
    expect(await h.gitCommandLines()).not.toContain(expect.stringContaining('front:2.0.0'));
  });

  it('no image at all: the image job’s report did not reach the job', async () => {
    const result = await unchanged(h.promote({ environment: 'test', app: 'front', imageRef: '$IMAGE_REF' }));
    expect(result.exitCode).toBe(2);
    expect(result.log).toContain(
      '$IMAGE_REF is not set: is the image job (input image_job) in this pipeline',
    );
  });

  it('an unreachable Argo CD', async () => {
    const server = `http://127.0.0.1:${await closedPort()}`;
    const result = await unchanged(
      h.promote({
        environment: 'test',
        app: 'front',
        imageRef: ref,
        inputs: { argocd_server: server, argocd_token: TOKENS.argocd },
      }),
    );
    expect(result.exitCode).toBe(3);
    expect(result.log).toContain(`Argo CD at ${server} did not answer: ECONNREFUSED`);
    expect(result.log).toContain('[EARGOCD_UNREACHABLE]');
  });

  it('a token in the repository URL, masked in the error', async () => {
    const url = h.repositoryUrl.replace('http://', `http://oauth2:${TOKENS.git}@`);
    const result = await unchanged(
      h.promote({ environment: 'test', app: 'front', imageRef: ref, inputs: { gitops_repository: url } }),
    );
    expect(result.exitCode).toBe(2);
    expect(result.log).toContain(
      'expected a URL without credentials: git prints remote URLs, so the token goes in gitops_token',
    );
    expectNoToken(result.log);
  });

  it('a token the GitOps repository refuses', async () => {
    const result = await unchanged(
      h.promote({
        environment: 'test',
        app: 'front',
        imageRef: ref,
        inputs: { gitops_token: 'glpat-wrong-token-000000' },
      }),
    );
    expect(result.exitCode).toBe(3);
    expect(result.log).toContain('[EGITOPS_AUTH]');
    expect(result.log).not.toContain('glpat-wrong-token-000000');
  });

  it('a malformed Vault reference, or one without the job’s ID token, before any request', async () => {
    const requests = h.server.requests.length;
    const result = await unchanged(
      h.promote({
        environment: 'test',
        app: 'front',
        imageRef: ref,
        inputs: { gitops_token: 'vault:kv/data/oneex/front', vault_role: 'oneex-front' },
      }),
    );
    expect(result.exitCode).toBe(2);
    expect(result.log).toContain('gitops_token: got "kv/data/oneex/front"; expected a field after "#"');
    const noIdToken = await unchanged(
      h.promote({
        environment: 'test',
        app: 'front',
        imageRef: ref,
        inputs: { gitops_token: 'vault:kv/data/oneex/front#token', vault_role: 'oneex-front' },
      }),
    );
    expect(noIdToken.exitCode).toBe(2);
    expect(noIdToken.log).toContain('ONEEX_VAULT_ID_TOKEN');
    expect(h.server.requests.length).toBe(requests);
  });

  it('an overlay whose images: entry no manifest uses', async () => {
    const result = await unchanged(
      h.promote({
        environment: 'test',
        app: 'front',
        imageRef: ref,
        inputs: { kustomize_image: 'frontend' },
      }),
    );
    expect(result.exitCode).toBe(2);
    expect(result.log).toContain('no manifest in it runs');
    expect(result.log).toContain('[ERENDER_IMAGE]');
  });
});
