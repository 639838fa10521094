import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Canaries, createCanaries } from '../../support/canary.ts';
import {
  type Consumer,
  createConsumer,
  type Library,
  type PipelineResult,
  publishLibrary,
  removeAll,
  runPipeline,
} from '../../support/local-pipeline.ts';
import { startVault, type VaultFixture } from '../../support/vault.ts';

// End to end: consumer repositories whose own jobs extend the `vault` template, run by gitlab-ci-local
// against the Vault double. One pipeline on protected `main` reads and uses its secrets (variables,
// a key file, a Vault token for a tool); one on an unprotected branch is refused by the role bound
// to protected refs. The canary scan then looks for every secret everywhere the runs left files.

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// gitlab-ci-local fetches includes in parallel and races when one component version is included
// twice (both clones copy into the same cache directory), so each include pins another release.
const PIPELINE = `
include:
  - component: $CI_SERVER_FQDN/oneex/ci-components/vault@1.0
    inputs:
      vault_role: oneex-back
      secrets:
        - DB_PASSWORD=kv/data/oneex/back#db_password
        - API_TOKEN=kv/data/oneex/back#api_token
      files:
        - DEPLOY_KEY=kv/data/oneex/deploy#ssh_private_key
  - component: $CI_SERVER_FQDN/oneex/ci-components/vault@1.1
    inputs:
      as: .vault-token
      vault_role: oneex-back
      expose_token: true
  - component: $CI_SERVER_FQDN/oneex/ci-components/vault@1.2
    inputs:
      as: .vault-env
      vault_role: oneex-back
      secrets:
        - DB_PASSWORD=kv/data/oneex/back#db_password

migrate:
  extends: .vault
  needs: []
  script:
    - test "$(printf %s "$DB_PASSWORD" | sha256sum | cut -d' ' -f1)" = "$EXPECTED_DB_SHA"
    - |
      printf 'Authorization: Bearer %s\\n' "$API_TOKEN" | curl -fsS -H @- "$APP_URL/migrate"
    - test "$(stat -c %a "$DEPLOY_KEY")" = 600
    - case "$DEPLOY_KEY" in "$(pwd -P)"/*) echo "key inside the project"; exit 1;; esac
    - openssl pkey -in "$DEPLOY_KEY" -noout
    - test ! -e "$(pwd -P).tmp/oneex-vault/values"

# gitlab-ci-local (not GitLab) re-syncs a workspace before after_script and drops the files the job
# made, so the job that leaves artifacts and a dotenv report for the scan has no after_script; it
# declares no file, and its token is revoked at login, so it leaves nothing secret behind.
summary:
  extends: .vault-env
  needs: []
  script:
    - test "$(printf %s "$DB_PASSWORD" | sha256sum | cut -d' ' -f1)" = "$EXPECTED_DB_SHA"
    - echo "migrated at $(date -u +%F)" > migrate.log
    - echo "MIGRATED=yes" > migrate.env
  after_script: []
  artifacts:
    paths: [migrate.log]
    reports:
      dotenv: migrate.env

own-steps:
  extends: .vault
  needs: []
  before_script:
    - !reference [.vault, before_script]
    - echo "own step"
  script:
    - test -n "$API_TOKEN"
  after_script:
    - !reference [.vault, after_script]
    - test ! -e "$(pwd -P).tmp/oneex-vault"

forgot-reference:
  extends: .vault
  needs: []
  before_script:
    - echo "no login here"
  script:
    - test -z "$DB_PASSWORD"

vault-tool:
  extends: .vault-token
  needs: []
  script:
    - oneex-ci vault renew
    - |
      printf 'X-Vault-Token: %s\\n' "$VAULT_TOKEN" | curl -fsS -H @- -o /dev/null "$VAULT_ADDR/v1/kv/data/oneex/back"
`;

let fx: VaultFixture;
let library: Library;
let canaries: Canaries;
let app: Server;
let appCalls: string[];
let protectedRun: { consumer: Consumer; result: PipelineResult };
let unprotectedRun: { consumer: Consumer; result: PipelineResult };
let leakyRun: { consumer: Consumer; result: PipelineResult };

// A job that prints a secret itself (base64, as a careless debug line would): the scan must see it.
const LEAKY = `
include:
  - component: $CI_SERVER_FQDN/oneex/ci-components/vault@1
    inputs:
      vault_role: oneex-back
      secrets:
        - DB_PASSWORD=kv/data/oneex/back#db_password

leak:
  extends: .vault
  needs: []
  script:
    - printf %s "$DB_PASSWORD" | base64
`;

beforeAll(async () => {
  fx = await startVault();
  canaries = createCanaries(fx.vault);
  const back = canaries.seed({ mount: 'kv', path: 'oneex/back', fields: ['db_password', 'api_token'] });
  const deploy = canaries.seed({ mount: 'kv', path: 'oneex/deploy', fields: { ssh_private_key: 'pem' } });
  expect(deploy.ssh_private_key).toBe('kv/data/oneex/deploy#ssh_private_key');
  const apiToken = canaries.valueOf(back.api_token ?? '');
  appCalls = [];
  // The app the job migrates: it wants the API token, as a bearer token.
  app = createServer((request, response) => {
    const ok = request.headers.authorization === `Bearer ${apiToken}`;
    appCalls.push(`${request.url} ${ok ? 'authorised' : 'refused'}`);
    response.writeHead(ok ? 200 : 401).end(ok ? 'migrated\n' : 'no\n');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  library = await publishLibrary({ versions: ['1.0.0', '1.1.0', '1.2.0'] });

  const run = async (options: { ref: string; refProtected: boolean; jobs?: string[]; pipeline?: string }) => {
    const consumer = await createConsumer({ files: { '.gitlab-ci.yml': options.pipeline ?? PIPELINE } });
    const idToken = canaries.watch(
      `ID token of ${options.ref}`,
      await fx.issuer.mint({ ref: options.ref, refProtected: options.refProtected }),
    );
    const result = await runPipeline(library, consumer, {
      ...(options.jobs !== undefined ? { jobs: options.jobs } : {}),
      variables: {
        // What GitLab would put in the job: the minted ID token, and the group-level Vault address.
        ONEEX_VAULT_ID_TOKEN: idToken,
        VAULT_ADDR: fx.vault.address,
        APP_URL: `http://127.0.0.1:${(app.address() as AddressInfo).port}`,
        EXPECTED_DB_SHA: sha256(canaries.valueOf(back.db_password ?? '')),
      },
    });
    return { consumer, result };
  };
  [protectedRun, unprotectedRun, leakyRun] = await Promise.all([
    run({ ref: 'main', refProtected: true }),
    run({ ref: 'feature/x', refProtected: false, jobs: ['migrate'] }),
    run({ ref: 'main', refProtected: true, pipeline: LEAKY }),
  ]);
}, 240_000);

afterAll(async () => {
  await fx?.stop();
  await new Promise<void>((resolve) => (app === undefined ? resolve() : app.close(() => resolve())));
  await removeAll(
    ...[protectedRun, unprotectedRun, leakyRun].flatMap((r) => (r === undefined ? [] : [r.consumer.dir])),
    ...(library !== undefined ? [dirname(fileURLToPath(library.bare))] : []),
  );
});

describe('vault template, end to end', () => {
  it('gives a job on a protected ref its secrets, which it uses', () => {
    const job = protectedRun.result.job('migrate');
    expect(job.status, job.log).toBe('success');
    expect(job.log).toMatch(
      /Vault: logging in to http:\/\/127\.0\.0\.1:\d+, auth\/jwt\/ role "oneex-back"\./,
    );
    expect(job.log).toMatch(/DB_PASSWORD <- kv\/data\/oneex\/back#db_password/);
    expect(job.log).toMatch(/DEPLOY_KEY <- kv\/data\/oneex\/deploy#ssh_private_key \(file\)/);
    expect(job.log).toMatch(
      /the job's script gets variables DB_PASSWORD, API_TOKEN and files \(0600\) DEPLOY_KEY/,
    );
    expect(job.log).toMatch(/Vault: token revoked\./);
    expect(job.log).toMatch(/migrated/);
    expect(job.log).toMatch(/Vault: secret files removed\./);
    expect(appCalls).toContain('/migrate authorised');
  });

  it('keeps its artifacts and dotenv report (which the canary scan reads)', async () => {
    expect(protectedRun.result.job('summary').status).toBe('success');
    const artifacts = await protectedRun.result.artifacts('summary');
    expect(Object.keys(artifacts)).toEqual(
      expect.arrayContaining(['migrate.log', '.gitlab-ci-reports/dotenv/migrate.env']),
    );
  });

  it('keeps the template’s steps when a job writes its own before_script and after_script with !reference', () => {
    const job = protectedRun.result.job('own-steps');
    expect(job.status, job.log).toBe('success');
    expect(job.log).toMatch(/Vault: secret files removed\./);
  });

  it('says so when a job’s own before_script replaced the template’s', () => {
    const job = protectedRun.result.job('forgot-reference');
    expect(job.status, job.log).toBe('success');
    expect(job.log).toMatch(
      /no session in this job\. If the job has its own before_script, start it with `- !reference \[\.vault, before_script\]`/,
    );
  });

  it('hands a renewable Vault token to tools when asked, and revokes it in after_script', () => {
    const job = protectedRun.result.job('vault-tool');
    expect(job.status, job.log).toBe('success');
    expect(job.log).toMatch(/Vault: token renewed; valid 15m\./);
    expect(job.log).toMatch(/Vault: token revoked\./);
  });

  it('refuses a job on an unprotected ref, naming the mismatched claim', () => {
    const job = unprotectedRun.result.job('migrate');
    expect(job.status).toBe('failed');
    expect(job.exitCode).toBe(3);
    expect(job.log).toMatch(
      /claim "ref_protected" \("false"\) does not match the role's bound claims \[EVAULT_CLAIMS\]|EVAULT_CLAIMS/,
    );
    expect(job.log).toMatch(/ref_protected\s+= "false"\s+<- does not match the role/);
    expect(job.log).toMatch(/ref\s+= "feature\/x"/);
    expect(job.log).toMatch(/protected branch or tag/);
    expect(job.log).not.toMatch(/migrated/);
    expect(job.log).toMatch(/Vault: nothing to clean up\./);
  });

  it('leaves no live Vault token and no session directory', async () => {
    expect(fx.vault.liveTokens()).toEqual([]);
    for (const { result } of [protectedRun, unprotectedRun, leakyRun])
      for (const job of result.jobs.keys())
        if (job !== 'summary')
          expect(existsSync(`${result.workspace(job)}.tmp/oneex-vault`), job).toBe(false);
    // Without after_script the session directory stays, with no value in it: env.sh holds paths only.
    const left = `${protectedRun.result.workspace('summary')}.tmp/oneex-vault`;
    expect((await readTree(left)).files).toEqual(['env.sh', 'session.json']);
  });

  it('leaks no secret anywhere: the canary scan', async () => {
    await canaries.assertNoLeak(protectedRun.result, protectedRun.consumer);
    await canaries.assertNoLeak(unprotectedRun.result, unprotectedRun.consumer);
  });

  it('would see a job that prints a secret itself', async () => {
    expect(leakyRun.result.job('leak').status).toBe('success');
    const leaks = await canaries.scan(leakyRun.result, leakyRun.consumer);
    expect(leaks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          label: 'kv/oneex/back#db_password',
          form: expect.stringMatching(/^base64/),
          where: 'log of leak',
        }),
      ]),
    );
    await expect(canaries.assertNoLeak(leakyRun.result, leakyRun.consumer)).rejects.toThrow(
      /kv\/oneex\/back#db_password \(base64/,
    );
  });
});

async function readTree(dir: string): Promise<{ files: string[] }> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return {
    files: entries
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort(),
  };
}
