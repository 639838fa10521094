import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { digestOf, imageRef, REGISTRY } from './gitops-fixture.ts';
import { type Harness, startHarness } from './harness.ts';

// Promotions of several pipelines at once, on one GitOps repository over smart HTTP: ten CLI processes
// whose first pushes are held until all ten are ready, then released together. The ref's lock lets
// one through per round; every other push is rejected, fetched, re-applied and pushed again.

const run = promisify(execFile);
const APPS = ['back', 'front', 'scanner', 'csharp', 'billing', 'portal', 'notify', 'kyc', 'docs', 'admin'];
let h: Harness;
let barriers: string;

beforeAll(async () => {
  h = await startHarness(APPS);
  barriers = await mkdtemp(join(tmpdir(), 'oneex-push-barrier-'));
});
afterAll(async () => {
  await h?.close();
  await rm(barriers, { recursive: true, force: true });
});

const rejectedPushes = (log: string) => (log.match(/another promotion landed first/g) ?? []).length;

it('ten promotions racing on the same repository all land, none lost, none overwriting another', async () => {
  const before = (await h.gitops.git(['rev-parse', 'main'])).trim();
  const barrier = `${join(barriers, 'apps')}:${APPS.length}`;
  const results = await Promise.all(
    APPS.map((app) =>
      h.promote({
        environment: 'test',
        app,
        imageRef: imageRef(app, `${app}-race`),
        ci: { ONEEX_TEST_PUSH_BARRIER: barrier },
      }),
    ),
  );
  for (const result of results) expect(result.exitCode, result.log).toBe(0);
  const rejected = results.reduce((sum, result) => sum + rejectedPushes(result.log), 0);
  // Released together, nine of the first ten pushes lose the race at least once.
  expect(rejected).toBeGreaterThanOrEqual(APPS.length - 1);

  const commits = (await h.gitops.git(['rev-list', `${before}..main`])).trim().split('\n');
  expect(commits).toHaveLength(APPS.length);
  // History is a line (each promotion on top of the one before), and each landed once.
  expect((await h.gitops.git(['rev-list', '--merges', `${before}..main`])).trim()).toBe('');
  const digests = (
    await h.gitops.git(['log', '--format=%(trailers:key=Image-Digest,valueonly)', `${before}..main`])
  )
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .sort();
  expect(digests).toEqual(APPS.map((app) => digestOf(`${app}-race`)).sort());

  const tree = await mkdtemp(join(tmpdir(), 'oneex-race-tree-'));
  try {
    await run('sh', ['-c', 'git archive --format=tar main | tar -x -C "$0"', tree], { cwd: h.gitops.bare });
    for (const app of APPS) {
      const overlay = parse(await h.gitops.show(`apps/${app}/overlays/test/kustomization.yaml`));
      expect(overlay.images[0].digest, app).toBe(digestOf(`${app}-race`));
      const { stdout } = await run('kubectl', ['kustomize', join(tree, `apps/${app}/overlays/test`)]);
      expect(stdout).toContain(`image: ${REGISTRY}/${app}@${digestOf(`${app}-race`)}`);
    }
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
});

it('racing promotions of one overlay each land in turn: every digest is in its history, the last one runs', async () => {
  const before = (await h.gitops.git(['rev-parse', 'main'])).trim();
  const seeds = ['one', 'two', 'three', 'four', 'five'];
  const barrier = `${join(barriers, 'overlay')}:${seeds.length}`;
  const results = await Promise.all(
    seeds.map((seed) =>
      h.promote({
        environment: 'staging',
        imageRef: imageRef('back', seed),
        ci: { ONEEX_TEST_PUSH_BARRIER: barrier },
      }),
    ),
  );
  for (const result of results) expect(result.exitCode, result.log).toBe(0);
  const history = (
    await h.gitops.git(['log', '--format=%(trailers:key=Image-Digest,valueonly)', `${before}..main`])
  )
    .trim()
    .split('\n')
    .filter((line) => line !== '');
  expect([...history].sort()).toEqual(seeds.map((seed) => digestOf(seed)).sort());
  const overlay = parse(await h.gitops.show('apps/back/overlays/staging/kustomization.yaml'));
  expect(overlay.images[0].digest).toBe(history[0]);
  // Each commit changed the overlay from the digest of the commit before it: none was written blind.
  const bodies = (await h.gitops.log('apps/back/overlays/staging/kustomization.yaml')).slice(0, seeds.length);
  for (const [i, commit] of bodies.entries()) {
    const previous = bodies[i + 1];
    if (previous === undefined) continue;
    const previousDigest = /Image-Digest: (\S+)/.exec(previous.body)?.[1] ?? '';
    expect(commit.body).toContain(`Previous: sha256:${previousDigest.slice(7, 19)}`);
  }
});
