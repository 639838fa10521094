import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarborClient } from '../../src/harbor/client.ts';
import { Redactor } from '../../src/runtime/redact.ts';
import { HarborDouble } from '../doubles/harbor-double.ts';

// The Harbor client against the double of Harbor's v2.0 API.

const DIGEST = `sha256:${'b'.repeat(64)}`;
const artifact = { project: 'oneex', repository: 'apps/back', digest: DIGEST };
let harbor: HarborDouble;

beforeAll(async () => {
  harbor = await HarborDouble.start({
    accounts: {
      'robot$oneex+ci': { secret: 's3cret-robot', canScan: true },
      'robot$oneex+reader': { secret: 'reader-secret', canScan: false },
    },
    scannerProjects: ['oneex'],
    resolve: async (_project, repository, reference) =>
      repository === 'apps/back' && reference === DIGEST ? DIGEST : undefined,
    runningPolls: 1,
  });
  harbor.setFindings('oneex/apps/back', [
    { id: 'CVE-2026-1', package: 'openssl', version: '3.0.1', fix_version: '3.0.2', severity: 'High' },
  ]);
});
afterAll(() => harbor?.stop());

const client = (username = 'robot$oneex+ci', password = 's3cret-robot') =>
  new HarborClient(harbor.url, { username, password }, new Redactor());

describe('HarborClient', () => {
  it('encodes a repository with a slash twice, as Harbor routes on the decoded path', async () => {
    expect(await client().scanOverview(artifact)).toBeUndefined();
    expect(harbor.requests.at(-1)?.rawPath).toContain(
      '/projects/oneex/repositories/apps%252Fback/artifacts/',
    );
    expect(harbor.requests.at(-1)?.status).toBe(200);
  });

  it('starts a scan (202), sees it running (409), then reads its overview and findings', async () => {
    expect(await client().startScan(artifact)).toBe('started');
    expect(await client().startScan(artifact)).toBe('running');
    expect((await client().scanOverview(artifact))?.scan_status).toBe('Running');
    const done = await client().scanOverview(artifact);
    expect(done).toMatchObject({
      scan_status: 'Success',
      severity: 'High',
      summary: { total: 1, summary: { High: 1 } },
    });
    expect(await client().vulnerabilities(artifact)).toEqual([
      expect.objectContaining({ id: 'CVE-2026-1', package: 'openssl', severity: 'High' }),
    ]);
  });

  it('reads a wrong secret as Harbor answers it: anonymous, 401', async () => {
    const error = await client('robot$oneex+ci', 'wrong')
      .startScan(artifact)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EHARBOR_AUTH' });
    expect((error as Error).message).toContain('not logged in (HTTP 401, UNAUTHORIZED: unauthorized)');
    expect((error as Error).message).toMatch(/X-Request-Id [0-9a-f-]{36}/);
  });

  it('names a missing permission (403), a missing scanner (412) and an unknown artifact (404)', async () => {
    await expect(client('robot$oneex+reader', 'reader-secret').startScan(artifact)).rejects.toMatchObject({
      code: 'EHARBOR_FORBIDDEN',
    });
    await expect(client().startScan({ ...artifact, project: 'sandbox' })).rejects.toMatchObject({
      code: 'EHARBOR_NO_SCANNER',
    });
    await expect(
      client().startScan({ ...artifact, digest: `sha256:${'c'.repeat(64)}` }),
    ).rejects.toMatchObject({
      code: 'EHARBOR_NOT_FOUND',
    });
  });

  it('says Harbor did not answer when nothing listens', async () => {
    const gone = new HarborClient('http://127.0.0.1:9', undefined, new Redactor());
    await expect(gone.scanOverview(artifact)).rejects.toMatchObject({ code: 'EHARBOR' });
  }, 90_000);
});

describe('HarborDouble', () => {
  it('answers 404 to a repository encoded once, as Harbor does', async () => {
    const response = await fetch(
      `${harbor.url}/api/v2.0/projects/oneex/repositories/apps%2Fback/artifacts/${DIGEST}?with_scan_overview=true`,
      {
        headers: { Authorization: `Basic ${Buffer.from('robot$oneex+ci:s3cret-robot').toString('base64')}` },
      },
    );
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ errors: [{ code: 'NOT_FOUND' }] });
  });
});
