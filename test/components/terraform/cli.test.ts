import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMergeRequest, addNote, mergeRequestNotes } from '../../doubles/gitlab-api/notes.ts';
import { stateOf } from '../../doubles/gitlab-api/terraform-state.ts';
import { VaultDouble } from '../../doubles/vault-double.ts';
import { readTree } from '../../support/local-pipeline.ts';
import type { VaultFixture } from '../../support/vault.ts';
import {
  commands,
  type Fixtures,
  INFRA_PROJECT,
  INFRA_ROLE,
  type Job,
  runJob,
  SMALL_MODULE,
  sha256Prefix,
  startFixtures,
  startInfraVault,
  toolCalls,
  writeTree,
} from './support.ts';

// The terraform actions run by the built CLI as jobs run them, against the CLI double, the GitLab
// API double and the Vault double: what reaches the tool, what the state becomes, and every refusal.
// The tests run concurrently: each has its own root module, state, tool record and merge request.

let fixtures: Fixtures;
let fx: VaultFixture;
/** A Vault that no job may call: the tests that prove no request is made point their jobs at it. */
let untouched: VaultDouble;
let scratch: string;
let counter = 0;

const PROXMOX_TOKEN = 'terraform@pve!ci=4f0c9a1e-7d2b-4c55-9e1a-vaultproxmox01';
const PROXMOX_REF = 'kv/data/oneex/infra/test#proxmox_api_token';
const NOTES_REF = 'kv/data/oneex/infra/gitlab#notes_token';

beforeAll(async () => {
  [fixtures, fx, untouched] = await Promise.all([
    startFixtures(),
    startInfraVault(),
    new VaultDouble().start(),
  ]);
  fx.vault.putSecret('kv', 'oneex/infra/test', { proxmox_api_token: PROXMOX_TOKEN });
  fx.vault.putSecret('kv', 'oneex/infra/gitlab', { notes_token: fixtures.apiToken });
  scratch = await mkdtemp(join(tmpdir(), 'oneex-terraform-cli-'));
});
afterAll(async () => {
  await Promise.all([fixtures.close(), fx.stop(), untouched.stop()]);
  await rm(scratch, { recursive: true, force: true });
});

/** What a job that reads from Vault gets: the Vault inputs, and its ID token (GitLab mints one per job). */
async function fromVault(inputs: Readonly<Record<string, string>> = {}, vaultRole = INFRA_ROLE) {
  return {
    inputs: { vault_addr: fx.vault.address, vault_role: vaultRole, ...inputs },
    ci: { ONEEX_VAULT_ID_TOKEN: await fx.issuer.mint({ projectPath: INFRA_PROJECT }) },
  };
}

/** The small module with the bpg/proxmox provider, whose configuration the double checks as the provider does. */
const PROXMOX_MODULE: Readonly<Record<string, string>> = {
  ...SMALL_MODULE,
  'providers.tf': [
    'terraform {',
    '  required_providers {',
    '    proxmox = {',
    '      source  = "bpg/proxmox"',
    '      version = "0.66.1"',
    '    }',
    '  }',
    '}',
    '',
    'provider "proxmox" {',
    '  endpoint = "https://pve.oneex.test:8006/"',
    '}',
    '',
  ].join('\n'),
};

/** A fresh copy of the small module, with its own state name so tests never share a state. */
async function workspace(files: Readonly<Record<string, string>> = SMALL_MODULE) {
  const id = ++counter;
  const dir = join(scratch, `ws-${id}`);
  await writeTree(dir, files);
  const state = `cli-${id}`;
  const toolLog = join(scratch, `tool-${id}.log`);
  const job = (action: Job['action'], more: Partial<Omit<Job, 'action'>> = {}) =>
    runJob(fixtures, {
      action,
      cwd: dir,
      toolLog,
      ...more,
      inputs: { state_name: state, ...more.inputs },
    });
  return { id, dir, state, toolLog, job, calls: () => toolCalls(toolLog) };
}

const projectState = (name: string) => stateOf(fixtures.gitlab, fixtures.project.id, name);

describe.concurrent('bad inputs fail before anything runs', () => {
  it.each([
    [
      'an unknown environment',
      { environment: 'prod' },
      'environment: got "prod"; expected one of "test", "staging", "production", "review"',
    ],
    ['a bad state name', { state_name: '../other' }, 'state_name: got "../other"'],
    [
      'a missing root module',
      { root_dir: 'infra' },
      'root_dir: got "infra"; expected the directory of the root module; infra does not exist',
    ],
    [
      'a var file that is not there',
      { var_file: 'environments/qa.tfvars' },
      'environments/qa.tfvars does not exist',
    ],
  ])('%s', async (_, inputs, message) => {
    const ws = await workspace();
    const result = await ws.job('plan', { inputs });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('[EINPUT]');
    expect(result.stderr).toContain(message);
    expect(await ws.calls()).toEqual([]);
  });

  it('a var file with a syntax error, named with the parser’s message', async () => {
    const ws = await workspace({ ...SMALL_MODULE, 'environments/test.tfvars': 'names = ["a",\n' });
    const result = await ws.job('plan');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /var_file: not set; expected environments\/test\.tfvars to be valid HCL: environments\/test\.tfvars:\d+,\d+/,
    );
    expect(result.stderr).toContain('(the default for environment test)');
    expect(await ws.calls()).toEqual([]);
  });

  it('a var file that sets a variable the module does not declare, with a suggestion', async () => {
    const ws = await workspace({ ...SMALL_MODULE, 'environments/test.tfvars': 'name = ["a"]\n' });
    const result = await ws.job('plan');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('it sets "name" (did you mean "names"?)');
    expect(await ws.calls()).toEqual([]);
  });

  it('a root module without the http backend, and a missing job token, together', async () => {
    const ws = await workspace({
      ...SMALL_MODULE,
      'main.tf': SMALL_MODULE['main.tf']?.replace('  backend "http" {}\n', '') ?? '',
    });
    const result = await ws.job('plan', { ci: { CI_JOB_TOKEN: undefined } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('2 inputs of component "terraform" are not valid');
    expect(result.stderr).toContain('declares no backend');
    expect(result.stderr).toContain('CI_JOB_TOKEN: not set');
    expect(await ws.calls()).toEqual([]);
  });
});

describe.concurrent('plan and apply on GitLab-managed state', () => {
  it('plans with a saved plan and a report, applies that plan, and hands on the non-sensitive outputs', async () => {
    const ws = await workspace();
    const plan = await ws.job('plan', { ci: { TF_VAR_secret_note: 'canary-var-0b6f1c9e' } });
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`Plan for test (state ${ws.state}): 2 to add, 0 to change, 0 to destroy.`);
    expect(plan.stdout).toContain('+ terraform_data.host["a"]  (create)');
    const work = join(ws.dir, '.oneex-ci/terraform/test');
    expect(JSON.parse(await readFile(join(work, 'report.json'), 'utf8'))).toEqual({
      create: 2,
      update: 0,
      delete: 0,
    });
    const meta = JSON.parse(await readFile(join(work, 'plan.meta.json'), 'utf8'));
    expect(meta).toMatchObject({
      commit: 'a'.repeat(40),
      pipeline: '100',
      environment: 'test',
      state: ws.state,
      tool: 'tofu',
    });

    const apply = await ws.job('apply');
    expect(apply.exitCode, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('test: applied (2 to add, 0 to change, 0 to destroy).');
    const state = JSON.parse(projectState(ws.state).data ?? '{}');
    expect(state.serial).toBe(1);
    expect(state.resources[0].instances).toHaveLength(2);
    expect(projectState(ws.state).lock).toBeUndefined();
    const outputs = JSON.parse(await readFile(join(work, 'outputs.json'), 'utf8'));
    expect(outputs).toEqual({
      names: { sensitive: false, type: ['tuple', ['string', 'string']], value: ['a', 'b'] },
    });
    expect(apply.stdout).toContain('sensitive, left out: secret_note');

    const calls = await ws.calls();
    expect(commands(calls)).toEqual([
      'version',
      'init',
      'plan',
      'show',
      'version',
      'init',
      'apply',
      'output',
    ]);
    const plan_ = calls[2];
    expect(plan_?.argv).toEqual(
      expect.arrayContaining([
        '-input=false',
        '-detailed-exitcode',
        `-lock-timeout=10m`,
        `-var-file=${join(ws.dir, 'environments/test.tfvars')}`,
      ]),
    );
    expect(calls[6]?.argv.at(-1)).toBe(join(work, 'plan.tfplan'));
    expect(calls[6]?.argv.some((a) => a.startsWith('-var'))).toBe(false);
    // The job token reaches the tool through the environment only.
    for (const call of calls) expect(call.argv.join(' ')).not.toContain(fixtures.jobToken);
    expect(
      calls[1]?.argv.filter((a) => a.startsWith('-backend-config=')).map((a) => a.split('=')[1]),
    ).toEqual([
      'address',
      'lock_address',
      'unlock_address',
      'lock_method',
      'unlock_method',
      'retry_wait_min',
    ]);
    expect(calls[2]?.env).toMatchObject({
      TF_HTTP_USERNAME: true,
      TF_HTTP_PASSWORD: true,
      TF_PLUGIN_CACHE_DIR: true,
      TF_IN_AUTOMATION: true,
    });
    expect(await readFile(join(ws.dir, '.terraform/terraform.tfstate'), 'utf8')).not.toContain(
      fixtures.jobToken,
    );
  });

  it('applies nothing when the plan changes nothing, and still writes the outputs', async () => {
    const ws = await workspace();
    expect((await ws.job('plan')).exitCode).toBe(0);
    expect((await ws.job('apply')).exitCode).toBe(0);
    const again = await ws.job('plan', { ci: { CI_PIPELINE_ID: '101' } });
    expect(again.stdout).toContain('0 to add, 0 to change, 0 to destroy');
    const apply = await ws.job('apply', { ci: { CI_PIPELINE_ID: '101' } });
    expect(apply.exitCode, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('the plan changes nothing; nothing to apply');
    expect(commands(await ws.calls()).slice(-3)).toEqual(['version', 'init', 'output']);
    expect(projectState(ws.state).versions).toHaveLength(1);
  });
});

describe.concurrent('apply refuses any plan but this pipeline’s', () => {
  it('refuses when there is no saved plan', async () => {
    const ws = await workspace();
    const result = await ws.job('apply');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('[ETF_PLAN_MISSING]');
    expect(result.stderr).toContain('No saved plan at .oneex-ci/terraform/test/plan.tfplan');
    expect(result.stderr).toContain('terraform:plan:test');
    expect(commands(await ws.calls())).toEqual(['version']);
  });

  it('refuses a plan of another commit and pipeline', async () => {
    const ws = await workspace();
    expect((await ws.job('plan')).exitCode).toBe(0);
    const result = await ws.job('apply', { ci: { CI_COMMIT_SHA: 'b'.repeat(40), CI_PIPELINE_ID: '102' } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('[ETF_PLAN_FOREIGN]');
    expect(result.stderr).toContain('was made for commit aaaaaaaa, this job runs commit bbbbbbbb');
    expect(result.stderr).toContain('was made by pipeline 100, this is pipeline 102');
    expect(commands(await ws.calls())).not.toContain('apply');
    expect(projectState(ws.state).data).toBeUndefined();
  });

  it('refuses a plan file that is not the one the plan job recorded', async () => {
    const ws = await workspace();
    expect((await ws.job('plan')).exitCode).toBe(0);
    const plan = join(ws.dir, '.oneex-ci/terraform/test/plan.tfplan');
    await writeFile(plan, `${await readFile(plan, 'utf8')} `);
    const result = await ws.job('apply');
    expect(result.stderr).toContain('[ETF_PLAN_FOREIGN]');
    expect(result.stderr).toContain('its SHA-256 does not match the record');
    expect(commands(await ws.calls())).not.toContain('apply');
  });

  it('refuses a stale plan: the state changed after it was made', async () => {
    const ws = await workspace();
    expect((await ws.job('plan')).exitCode).toBe(0);
    // Another pipeline plans and applies the same state in the meantime.
    const other = join(scratch, `other-${ws.id}`);
    await cp(ws.dir, other, { recursive: true });
    await writeFile(join(other, 'environments/test.tfvars'), 'names = ["a", "b", "z"]\n');
    const otherJob = {
      cwd: other,
      toolLog: ws.toolLog,
      inputs: { state_name: ws.state },
      ci: { CI_PIPELINE_ID: '200' },
    };
    expect((await runJob(fixtures, { action: 'plan', ...otherJob })).exitCode).toBe(0);
    expect((await runJob(fixtures, { action: 'apply', ...otherJob })).exitCode).toBe(0);

    const result = await ws.job('apply');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('Saved plan is stale');
    expect(result.stderr).toContain('[ETF_PLAN_STALE]');
    expect(result.stderr).toContain(`the state "${ws.state}" changed after the plan was made`);
    expect(projectState(ws.state).versions).toHaveLength(1);
    expect(projectState(ws.state).lock).toBeUndefined();
  });
});

describe.concurrent('the state lock', () => {
  const held = {
    ID: 'f1e2d3c4-held',
    Operation: 'OperationTypeApply',
    Who: 'runner@other-job',
    Version: '1.9.1',
    Created: '2026-01-01T00:00:00Z',
    Info: '',
    Path: '',
  };

  it('waits for a lock released within lock_timeout', async () => {
    const ws = await workspace();
    projectState(ws.state).lock = { ...held };
    const refused = () =>
      fixtures.gitlab.requests.some(
        (r) =>
          r.method === 'POST' && r.path.endsWith(`/terraform/state/${ws.state}/lock`) && r.status !== 200,
      );
    // The other run releases its lock once this one has found it held.
    let finished = false;
    const release = (async () => {
      while (!finished && !refused()) await sleep(50);
      delete projectState(ws.state).lock;
    })();
    const result = await ws.job('plan', { inputs: { lock_timeout: '60s' } });
    finished = true;
    await release;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(refused()).toBe(true);
  });

  it('gives up after lock_timeout, naming who holds the lock', async () => {
    const ws = await workspace();
    projectState(ws.state).lock = { ...held };
    const result = await ws.job('plan', { inputs: { lock_timeout: '1s' } });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('[ETF_STATE_LOCKED]');
    expect(result.stderr).toContain('stayed locked by another run for 1s');
    expect(result.stderr).toContain('runner@other-job');
    expect(projectState(ws.state).lock?.ID).toBe(held.ID);
  });

  it('plans for a Developer, who may read but not lock the state, with plan_lock: false', async () => {
    const ws = await workspace();
    const locked = await ws.job('plan', { ci: { CI_JOB_TOKEN: fixtures.developerJobToken } });
    expect(locked.exitCode).toBe(3);
    expect(locked.stderr).toContain('[ETF_STATE_AUTH]');
    const unlocked = await ws.job('plan', {
      ci: { CI_JOB_TOKEN: fixtures.developerJobToken },
      inputs: { plan_lock: 'false' },
    });
    expect(unlocked.exitCode, unlocked.stderr).toBe(0);
    expect((await ws.calls()).at(-2)?.argv).toContain('-lock=false');
  });
});

describe.concurrent('the merge request note', () => {
  it('is written once per environment and updated by the next pipeline, past the first page of notes', async () => {
    const ws = await workspace();
    const iid = 40 + ws.id;
    addMergeRequest(fixtures.gitlab, fixtures.project.id, iid);
    for (let i = 0; i < 25; i++)
      addNote(fixtures.gitlab, fixtures.project.id, iid, fixtures.developer, `review comment ${i}`);
    const mr = {
      CI_MERGE_REQUEST_IID: String(iid),
      CI_PIPELINE_SOURCE: 'merge_request_event',
      GITLAB_TOKEN: fixtures.apiToken,
    };
    const first = await ws.job('plan', { inputs: { merge_request_note: 'true' }, ci: mr });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Merge request !${iid}: plan note created.`);
    expect(first.stdout).toContain('GITLAB_TOKEN <- the CI/CD variable GITLAB_TOKEN');
    await writeFile(join(ws.dir, 'environments/test.tfvars'), 'names = ["a"]\n');
    // The next pipeline takes the token from Vault instead.
    const vault = await fromVault({ merge_request_note: 'true', gitlab_token: NOTES_REF });
    const second = await ws.job('plan', {
      inputs: vault.inputs,
      ci: { ...mr, ...vault.ci, GITLAB_TOKEN: undefined, CI_PIPELINE_ID: '101' },
    });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toContain(`GITLAB_TOKEN <- Vault ${NOTES_REF}`);
    expect(second.stdout).toContain(`Merge request !${iid}: plan note updated.`);

    const ours = mergeRequestNotes(fixtures.gitlab, fixtures.project.id, iid).filter((n) =>
      n.body.includes('oneex-ci:terraform-plan'),
    );
    expect(ours).toHaveLength(1);
    expect(ours[0]?.body).toContain('**1 to add, 0 to change, 0 to destroy**');
    expect(ours[0]?.body).toContain('+ terraform_data.host["a"]  (create)');
    expect(
      fixtures.gitlab.requests.some(
        (r) => r.path.endsWith('/notes') && r.method === 'GET' && r.auth === 'private-token',
      ),
    ).toBe(true);
    for (const r of [first, second]) expect(`${r.stdout}${r.stderr}`).not.toContain(fixtures.apiToken);
  });

  it('needs GITLAB_TOKEN, checked before anything runs', async () => {
    const ws = await workspace();
    const result = await ws.job('plan', {
      inputs: { merge_request_note: 'true' },
      ci: { CI_MERGE_REQUEST_IID: '7' },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'merge_request_note: got "true"; expected the CI/CD variable GITLAB_TOKEN',
    );
    expect(result.stderr).toContain('or a Vault reference in gitlab_token');
    expect(await ws.calls()).toEqual([]);
  });
});

describe.concurrent('credentials from Vault', () => {
  it('plan and apply get the Proxmox API token from Vault, in the tool’s environment only', async () => {
    const ws = await workspace(PROXMOX_MODULE);
    const plan = await ws.job('plan', await fromVault({ proxmox_api_token: PROXMOX_REF }));
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`Credentials: PROXMOX_VE_API_TOKEN <- Vault ${PROXMOX_REF}.`);
    expect(plan.stdout).toMatch(
      /Vault: logging in to http:\/\/127\.0\.0\.1:\d+, auth\/jwt\/ role "oneex-infra"\./,
    );
    expect(plan.stdout).toContain('Vault: token revoked.');
    const apply = await ws.job('apply', await fromVault({ proxmox_api_token: PROXMOX_REF }));
    expect(apply.exitCode, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('test: applied (2 to add, 0 to change, 0 to destroy).');

    const calls = await ws.calls();
    expect(commands(calls)).toEqual([
      'version',
      'init',
      'plan',
      'show',
      'version',
      'init',
      'apply',
      'output',
    ]);
    for (const call of calls) {
      expect(call.envSha256.PROXMOX_VE_API_TOKEN, call.argv[0]).toBe(sha256Prefix(PROXMOX_TOKEN));
      expect(call.argv.join(' ')).not.toContain(PROXMOX_TOKEN);
    }
    for (const output of [plan.stdout, plan.stderr, apply.stdout, apply.stderr])
      expect(output).not.toContain(PROXMOX_TOKEN);
    // Nothing in the project holds it: no credential file, no plan, no state.
    for (const [path, text] of Object.entries(await readTree(ws.dir)))
      expect(text.includes(PROXMOX_TOKEN), path).toBe(false);
  });

  it('an empty reference falls back to the CI/CD variable PROXMOX_VE_API_TOKEN, without Vault', async () => {
    const ws = await workspace(PROXMOX_MODULE);
    const token = 'terraform@pve!ci=0e5d-fallback-variable-token';
    // Vault is configured, and the job has an ID token: an empty reference still reads nothing.
    const vault = await fromVault({ vault_addr: untouched.address });
    const plan = await ws.job('plan', {
      inputs: vault.inputs,
      ci: { ...vault.ci, PROXMOX_VE_API_TOKEN: token },
    });
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('PROXMOX_VE_API_TOKEN <- the CI/CD variable PROXMOX_VE_API_TOKEN');
    expect(plan.stdout).not.toContain(token);
    for (const call of await ws.calls())
      expect(call.envSha256.PROXMOX_VE_API_TOKEN).toBe(sha256Prefix(token));
    expect(untouched.requests).toEqual([]);
  });

  it('a role the job may not use fails the job before the tool runs', async () => {
    const ws = await workspace(PROXMOX_MODULE);
    const result = await ws.job('plan', await fromVault({ proxmox_api_token: PROXMOX_REF }, 'oneex-back'));
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('[EVAULT_CLAIMS]');
    expect(result.stderr).toContain(
      `Vault refused the login with role "oneex-back": the ID token's claim "project_path" ("${INFRA_PROJECT}") does not match the role's bound claims`,
    );
    expect(await ws.calls()).toEqual([]);
  });

  it('a secret without the field fails the job before the tool runs, naming the fields it has', async () => {
    const ws = await workspace(PROXMOX_MODULE);
    const ref = 'kv/data/oneex/infra/test#api_token';
    const result = await ws.job('plan', await fromVault({ proxmox_api_token: ref }));
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('[EVAULT_FIELD]');
    expect(result.stderr).toContain(
      'The secret kv/oneex/infra/test has no field "api_token"; its fields are: "proxmox_api_token".',
    );
    expect(result.stdout).toContain('Vault: token revoked.');
    expect(await ws.calls()).toEqual([]);
  });

  it('a bad reference and a missing ID token are reported with the other inputs, before any request', async () => {
    const ws = await workspace(PROXMOX_MODULE);
    const result = await ws.job('plan', {
      inputs: {
        root_dir: 'infra',
        vault_addr: untouched.address,
        vault_role: INFRA_ROLE,
        proxmox_api_token: 'kv/oneex/infra/test',
        merge_request_note: 'true',
        gitlab_token: NOTES_REF,
      },
      ci: { CI_MERGE_REQUEST_IID: '7' },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('[EINPUT]');
    expect(result.stderr).toContain('3 inputs of component "terraform" are not valid');
    expect(result.stderr).toContain('root_dir: got "infra"; expected the directory of the root module');
    expect(result.stderr).toContain(
      'proxmox_api_token: got "kv/oneex/infra/test"; expected a field after "#"',
    );
    expect(result.stderr).toContain('id_tokens: not set');
    expect(await ws.calls()).toEqual([]);
    expect(untouched.requests).toEqual([]);
  });
});

describe.concurrent('fmt, validate and destroy', () => {
  it('fmt fails on a file out of canonical format, naming it', async () => {
    const ws = await workspace({ ...SMALL_MODULE, 'extra.tf': 'locals {\n\tx = 1 \n}\n' });
    const result = await ws.job('fmt');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('[ETF_FMT]');
    expect(result.stderr).toContain('extra.tf');
    expect((await ws.calls()).at(-1)?.argv).toEqual(['fmt', '-check', '-diff', '-recursive', '-no-color']);
  });

  it('validate reports each diagnostic with its file and line', async () => {
    const ws = await workspace({ ...SMALL_MODULE, 'extra.tf': 'locals {\n  x = var.missing\n}\n' });
    const result = await ws.job('validate');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('extra.tf:2: Reference to undeclared input variable');
    expect(result.stderr).toContain('[ETF_INVALID]');
    expect((await ws.calls()).find((c) => c.argv[0] === 'init')?.argv).toContain('-backend=false');
  });

  it('destroy refuses a lasting environment before anything runs', async () => {
    const ws = await workspace();
    const result = await ws.job('destroy', { inputs: { environment: 'staging' } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('[ETF_PROTECTED]');
    expect(commands(await ws.calls())).toEqual(['version']);
  });

  it('destroys a review environment, whose state is per branch', async () => {
    const ws = await workspace();
    const review = {
      inputs: { environment: 'review', state_name: '' },
      ci: { CI_COMMIT_REF_SLUG: `feature-${ws.id}`, CI_JOB_NAME: 'terraform:plan:review' },
    };
    expect((await ws.job('plan', review)).exitCode).toBe(0);
    expect((await ws.job('apply', review)).exitCode).toBe(0);
    const state = `review-feature-${ws.id}`;
    expect(JSON.parse(projectState(state).data ?? '{}').resources).toHaveLength(1);
    const destroyed = await ws.job('destroy', review);
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(JSON.parse(projectState(state).data ?? '{}').resources).toEqual([]);
  });
});

describe('after every job', () => {
  it('leaves no Vault token alive: each job revoked its own', () => {
    expect(fx.vault.issuedTokens().length).toBeGreaterThanOrEqual(4);
    expect(fx.vault.liveTokens()).toEqual([]);
  });
});
