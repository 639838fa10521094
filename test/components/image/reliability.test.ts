import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containersEnv,
  type FaultProxy,
  failFirst,
  pushBaseImage,
  startFaultProxy,
  startRegistry,
  type TestRegistry,
} from '../../support/registry.ts';
import { branchPipeline, json, makeProject, runImage, sha } from './fixture.ts';

// What goes wrong between the job and Harbor's registry: failing for a while (5xx, reset connections,
// no answer) or refusing for good. The registry is real; a fault-injecting proxy stands in front of it.

let registry: TestRegistry;
let proxy: FaultProxy;
let storage: Record<string, string>;
let project: string;
const dirs: string[] = [];

function job(pipeline: Record<string, string>, inputs: Record<string, string> = {}) {
  return {
    ...storage,
    ...pipeline,
    HARBOR_HOST: proxy.host,
    HARBOR_USERNAME: registry.username,
    HARBOR_PASSWORD: registry.password,
    ONEEX_IMAGE_CA_FILE: registry.caFile,
    ONEEX_IMAGE_BUILD_ARGS: json([`BASE=${proxy.host}/base/busybox:1`]),
    // The layer cache is not under test here; the local layers make each build take a second.
    ONEEX_IMAGE_CACHE: 'false',
    ...inputs,
  };
}

const isManifestPut = (path: string) => (r: { method: string; path: string }) =>
  r.method === 'PUT' && r.path.startsWith(path);

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry);
  const dir = await mkdtemp(join(tmpdir(), 'oneex-storage-'));
  dirs.push(dir);
  storage = await containersEnv(dir);
  await pushBaseImage(registry, storage, `${proxy.host}/base/busybox:1`);
  project = await makeProject();
  dirs.push(project);
  // A first build fills the local layer store, so the tests below build in a second.
  const warm = await runImage(project, job(branchPipeline(sha(100))));
  expect(warm.exitCode, warm.output).toBe(0);
});

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('image build: registry failures', () => {
  it('survives 5xx answers and reset connections while pushing and tagging', async () => {
    const commit = sha(101);
    const manifests = failFirst(2, isManifestPut('/v2/oneex/back/manifests/'), { status: 503 });
    const blobs = failFirst(
      1,
      (r) => r.method === 'POST' && r.path.startsWith('/v2/oneex/back/blobs/uploads/'),
      'reset',
    );
    proxy.rule = (request) => manifests(request) ?? blobs(request);
    try {
      const result = await runImage(project, job(branchPipeline(commit, { CI_COMMIT_REF_SLUG: 'retry' })));
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).toMatch(/push .*: attempt 1 of 5 failed .*; retrying in/);
      expect(proxy.requests.filter((r) => r.fault !== undefined)).toHaveLength(3);
      const digest = result.report.IMAGE_DIGEST;
      expect(await registry.digestOf(`${registry.host}/oneex/back:${commit}`)).toBe(digest);
      expect(await registry.digestOf(`${registry.host}/oneex/back:retry`)).toBe(digest);
    } finally {
      proxy.rule = () => undefined;
    }
  });

  it('retries a push the registry stops answering, once the attempt times out', async () => {
    const commit = sha(102);
    proxy.rule = failFirst(1, isManifestPut('/v2/oneex/back/manifests/sha256:'), 'hang');
    try {
      const result = await runImage(
        project,
        job(branchPipeline(commit, { CI_COMMIT_REF_SLUG: 'slow' }), { ONEEX_IMAGE_PUSH_TIMEOUT: '2' }),
      );
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).toMatch(
        /push .*: attempt 1 of 5 failed \(.*(deadline|timeout|EOF).*\); retrying/i,
      );
      expect(await registry.digestOf(`${registry.host}/oneex/back:${commit}`)).toBe(
        result.report.IMAGE_DIGEST,
      );
    } finally {
      proxy.rule = () => undefined;
    }
  });

  it('fails clearly on a permanent refusal, and leaves no tag', async () => {
    const commit = sha(103);
    proxy.rule = (r) =>
      isManifestPut('/v2/oneex/back/manifests/')(r)
        ? {
            status: 403,
            body: JSON.stringify({
              errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }],
            }),
          }
        : undefined;
    try {
      const result = await runImage(project, job(branchPipeline(commit, { CI_COMMIT_REF_SLUG: 'denied' })));
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toMatch(/push .*@sha256:[a-f0-9]{64} failed: the registry denied the request\./);
      expect(result.stderr).toMatch(/uploading manifest sha256:.*: denied" \[EREGISTRY\]/);
      expect(result.stderr).toContain('Give the robot account push and pull permission');
      // Denied is final: one attempt, no retries.
      expect(result.stdout).not.toContain('retrying');
      expect(result.report).toEqual({});
      const tags = await registry.tags('oneex/back');
      expect(tags).not.toContain(commit);
      expect(tags).not.toContain('denied');
    } finally {
      proxy.rule = () => undefined;
    }
  });

  it('gives up after the retries on a registry that stays down, naming the tags it could not write', async () => {
    const commit = sha(104);
    proxy.rule = (r) => (isManifestPut('/v2/oneex/back/manifests/down')(r) ? { status: 503 } : undefined);
    try {
      const result = await runImage(project, job(branchPipeline(commit, { CI_COMMIT_REF_SLUG: 'down' })));
      expect(result.exitCode).toBe(3);
      expect(result.stdout).toMatch(/tag down: attempt 4 of 5 failed/);
      expect(result.stderr).toContain('tag down failed: the registry did not answer properly');
      expect(result.stderr).toContain(`Tagged: ${commit}; not tagged: down.`);
      expect(result.stderr).toContain('re-run the job to write the missing tags');
      expect(result.report).toEqual({});
    } finally {
      proxy.rule = () => undefined;
    }
  });
});
