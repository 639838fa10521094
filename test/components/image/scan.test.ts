import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarborDouble } from '../../doubles/harbor-double.ts';
import { containersEnv, pushBaseImage, startRegistry, type TestRegistry } from '../../support/registry.ts';
import { branchPipeline, json, makeProject, runImage, sha } from './fixture.ts';

// The vulnerability gate through the CLI: the image is built and pushed to a real registry, Harbor's
// REST API is a double that finds in it what each test says, and tags are written only when it passes.

let registry: TestRegistry;
let harbor: HarborDouble;
let storage: Record<string, string>;
let project: string;
const dirs: string[] = [];

function job(pipeline: Record<string, string>, inputs: Record<string, string> = {}) {
  return {
    ...storage,
    ...pipeline,
    HARBOR_HOST: registry.host,
    HARBOR_USERNAME: registry.username,
    HARBOR_PASSWORD: registry.password,
    ONEEX_IMAGE_CA_FILE: registry.caFile,
    ONEEX_IMAGE_BUILD_ARGS: json([`BASE=${registry.host}/base/busybox:1`]),
    ONEEX_IMAGE_CACHE: 'false',
    ...inputs,
  };
}

beforeAll(async () => {
  registry = await startRegistry();
  const dir = await mkdtemp(join(tmpdir(), 'oneex-storage-'));
  dirs.push(dir);
  storage = await containersEnv(dir);
  await pushBaseImage(registry, storage);
  project = await makeProject();
  dirs.push(project);
  harbor = await HarborDouble.start({
    accounts: { [registry.username]: { secret: registry.password, canScan: true } },
    scannerProjects: ['oneex'],
    resolve: (p, r, reference) => registry.digestOf(`${registry.host}/${p}/${r}@${reference}`),
  });
});

afterAll(async () => {
  await harbor?.stop();
  await registry?.stop();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('image build: Harbor vulnerability gate', () => {
  const gate = (threshold: string) => ({
    ONEEX_IMAGE_VULNERABILITY_GATE: threshold,
    ONEEX_IMAGE_HARBOR_URL: harbor.url,
  });

  it('fails above the threshold with counts and top findings, and writes no tag', async () => {
    harbor.setFindings('oneex/back', [
      {
        id: 'CVE-2026-0001',
        package: 'openssl',
        version: '3.0.11',
        fix_version: '3.0.15',
        severity: 'Critical',
      },
      { id: 'CVE-2026-0002', package: 'zlib', version: '1.2.13', severity: 'High' },
      {
        id: 'CVE-2026-0003',
        package: 'busybox',
        version: '1.36.1',
        fix_version: '1.36.2',
        severity: 'Medium',
      },
    ]);
    const commit = sha(110);
    const result = await runImage(
      project,
      job(branchPipeline(commit, { CI_COMMIT_REF_SLUG: 'gated' }), gate('high')),
    );
    expect(result.exitCode, result.output).toBe(1);
    expect(result.stdout).toContain(
      'Harbor scan (Trivy v0.50.1): 3 vulnerabilities, 2 fixable: Critical 1, High 1, Medium 1.',
    );
    expect(result.stdout).toMatch(/Critical +CVE-2026-0001 {2}openssl 3\.0\.11, fixed in 3\.0\.15/);
    expect(result.stdout).toMatch(/High +CVE-2026-0002 {2}zlib 1\.2\.13, no fix yet/);
    expect(result.stderr).toContain('2 vulnerabilities at high or worse: the image is not tagged.');
    expect(result.stderr).toContain('[EVULNERABLE]');
    expect(await registry.tags('oneex/back')).not.toContain(commit);
    expect(result.report).toEqual({});
  });

  it('passes below the threshold, then tags the scanned digest', async () => {
    harbor.setFindings('oneex/back', [
      {
        id: 'CVE-2026-0003',
        package: 'busybox',
        version: '1.36.1',
        fix_version: '1.36.2',
        severity: 'Medium',
      },
    ]);
    const commit = sha(110);
    const result = await runImage(
      project,
      job(branchPipeline(commit, { CI_COMMIT_REF_SLUG: 'gated' }), gate('high')),
    );
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stdout).toContain('No vulnerability at high or worse.');
    expect(await registry.digestOf(`${registry.host}/oneex/back:${commit}`)).toBe(result.report.IMAGE_DIGEST);
  });

  it('says so when the Harbor project has no scanner', async () => {
    const result = await runImage(
      project,
      job(branchPipeline(sha(111)), {
        ...gate('critical'),
        ONEEX_IMAGE_NAME: `${registry.host}/sandbox/back`,
      }),
    );
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('the project has no vulnerability scanner');
    expect(result.stderr).toContain('[EHARBOR_NO_SCANNER]');
  });
});
