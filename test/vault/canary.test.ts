import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultDouble } from '../doubles/vault-double.ts';
import { createCanaries, leakForms } from '../support/canary.ts';
import { createIdTokenIssuer } from '../support/id-tokens.ts';
import type { Consumer, JobResult, PipelineResult } from '../support/local-pipeline.ts';

// The canary scan must find a secret in each form and each place a run leaves it; a scan that finds
// nothing proves something only if it would have found a leak.

let vault: VaultDouble;
let dir: string;
beforeAll(async () => {
  vault = await new VaultDouble().start();
  vault.enableKv('kv', 2);
  dir = await mkdtemp(join(tmpdir(), 'oneex-canary-'));
});
afterAll(async () => {
  await vault.stop();
  await rm(dir, { recursive: true, force: true });
});

function fakeRun(
  logs: Record<string, string>,
  artifacts: Record<string, Record<string, string>> = {},
  output = '',
) {
  const jobs = new Map<string, JobResult>(
    Object.entries(logs).map(([name, log]) => [
      name,
      { name, status: 'success', exitCode: 0, durationMs: 0, log },
    ]),
  );
  const result: PipelineResult = {
    exitCode: 0,
    output,
    jobs,
    job: (name) => jobs.get(name) as JobResult,
    artifacts: async (job) => artifacts[job] ?? {},
    workspace: (job) => join(dir, '.gitlab-ci-local', 'builds', job),
  };
  return { result, consumer: { dir } as Consumer };
}

describe('canary scan', () => {
  it('finds a canary raw, base64 (inside a longer text), URL-encoded and JSON-escaped, wherever it is', async () => {
    const canaries = createCanaries(vault);
    const refs = canaries.seed({ mount: 'kv', path: 'oneex/back', fields: ['password', 'token'] });
    const password = canaries.valueOf(refs.password ?? '');
    const token = canaries.valueOf(refs.token ?? '');
    const idToken = canaries.watch('ID token', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlY3JldA');
    const basic = Buffer.from(`robot$back:${password}`).toString('base64');
    await mkdir(join(dir, '.gitlab-ci-local', 'builds', 'deploy.tmp'), { recursive: true });
    await writeFile(join(dir, '.gitlab-ci-local', 'builds', 'deploy.tmp', 'left-behind'), `x${token}x`);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ auth: { password } }));
    const { result, consumer } = fakeRun(
      { build: `Authorization: Basic ${basic}`, deploy: `https://x/?t=${encodeURIComponent(token)}` },
      { build: { 'report.env': `ID=${idToken}` } },
    );
    const leaks = await canaries.scan(result, consumer);
    const found = leaks.map((l) => `${l.label} | ${l.form.replace(/ \(offset \d\)/, '')} | ${l.where}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'kv/oneex/back#password | base64 | log of build',
        'kv/oneex/back#token | url-encoded | log of deploy',
        'ID token | raw | artifact report.env of build',
        'kv/oneex/back#token | raw | .gitlab-ci-local/builds/deploy.tmp/left-behind',
        'kv/oneex/back#password | json-escaped | config.json',
      ]),
    );
    await expect(canaries.assertNoLeak(result, consumer)).rejects.toThrow(
      /secret leak\(s\) after the pipeline run/,
    );
    const message = await canaries.assertNoLeak(result, consumer).catch((e: Error) => e.message);
    expect(message).not.toContain(password);
    expect(message).not.toContain(token);
  });

  it('watches every Vault token the double issued', async () => {
    const issuer = await createIdTokenIssuer();
    vault.enableJwt('jwt', { jwks_url: issuer.jwksUrl });
    vault.writeRole('jwt', 'r', { bound_audiences: ['https://vault.oneex.fr'], user_claim: 'sub' });
    const response = await fetch(`${vault.address}/v1/auth/jwt/login`, {
      method: 'POST',
      body: JSON.stringify({ role: 'r', jwt: await issuer.mint() }),
    });
    const { auth } = (await response.json()) as { auth: { client_token: string } };
    await issuer.close();
    const clean = join(dir, 'clean');
    await mkdir(clean);
    const { result } = fakeRun({ job: `export VAULT_TOKEN=${auth.client_token}` });
    const leaks = await createCanaries(vault).scan(result, { dir: clean } as Consumer);
    expect(leaks).toEqual([{ label: 'vault token #1', form: 'raw', where: 'log of job' }]);
  });

  it('computes base64 forms that survive any alignment', () => {
    const secret = 'canary-value-1234';
    for (const prefix of ['', 'a', 'ab', 'abc', 'user:']) {
      const encoded = Buffer.from(`${prefix}${secret}tail`).toString('base64');
      expect(
        leakForms(secret).some((f) => f.form.startsWith('base64') && encoded.includes(f.text)),
        prefix,
      ).toBe(true);
    }
  });
});
