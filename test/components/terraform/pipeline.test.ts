import { readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMergeRequest, mergeRequestNotes } from '../../doubles/gitlab-api/notes.ts';
import { stateOf } from '../../doubles/gitlab-api/terraform-state.ts';
import { type Canaries, createCanaries, leakForms } from '../../support/canary.ts';
import {
  type Consumer,
  createConsumer,
  type Library,
  type PipelineResult,
  publishLibrary,
  type RunOptions,
  removeAll,
  runPipeline,
  safeJobName,
} from '../../support/local-pipeline.ts';
import type { VaultFixture } from '../../support/vault.ts';
import {
  commands,
  EXAMPLE,
  type Fixtures,
  INFRA_PROJECT,
  INFRA_ROLE,
  ROOT,
  sha256Prefix,
  startFixtures,
  startInfraVault,
  type ToolCall,
  toolCalls,
} from './support.ts';

// The example infrastructure repository's own pipeline, run by gitlab-ci-local with the component
// included as its users include it, its credentials in the Vault double: a merge request pipeline,
// then the default branch's, then production's manual apply; and a pipeline whose Vault role is not
// the project's.

const ENVIRONMENTS = ['test', 'staging', 'production', 'review'] as const;
type Environment = (typeof ENVIRONMENTS)[number];
const MERGE_REQUEST = 3;
/** The default branch's pipeline: its production apply is played later, in the same pipeline. */
const DEFAULT_PIPELINE = '512';

let fixtures: Fixtures;
let fx: VaultFixture;
let canaries: Canaries;
/** Each environment's Proxmox API token (a canary), in Vault at kv/data/oneex/infra/<environment>. */
const proxmoxTokens = {} as Record<Environment, string>;
/** Every secret this file hands out, for the tool's records (the canary scan reads the runs). */
const secrets: string[] = [];
let library: Library;
let consumer: Consumer;
let toolLog: string;
/** A pipeline of the example whose Vault role is not the project's. */
let refusedRun: Promise<{ result: PipelineResult; consumer: Consumer }>;
/** Every pipeline run, with the repository it ran in, for the canary scan. */
const runs: { result: PipelineResult; consumer: Consumer }[] = [];

const watch = (label: string, value: string): string => {
  secrets.push(value);
  return canaries.watch(label, value);
};

/** Runs the pipeline of `repository`, kept for the canary scan. */
async function run(repository: Consumer, options: RunOptions): Promise<PipelineResult> {
  const result = await runPipeline(library, repository, options);
  runs.push({ result, consumer: repository });
  return result;
}

// The terraform component alone, included once per environment as a repository without the infra
// preset writes it (the example's own .gitlab-ci.yml is the preset: test/examples/oneex-infra.e2e.test.ts).
const PIPELINE = `
include:
  - component: $CI_SERVER_FQDN/oneex/ci-components/terraform@1
    inputs:
      environment: test
      proxmox_api_token: kv/data/oneex/infra/test#proxmox_api_token
      merge_request_note: true
      gitlab_token: kv/data/oneex/infra/gitlab#notes_token
  - component: $CI_SERVER_FQDN/oneex/ci-components/terraform@1
    inputs:
      environment: staging
      proxmox_api_token: kv/data/oneex/infra/staging#proxmox_api_token
      merge_request_note: true
      gitlab_token: kv/data/oneex/infra/gitlab#notes_token
  - component: $CI_SERVER_FQDN/oneex/ci-components/terraform@1
    inputs:
      environment: production
      proxmox_api_token: kv/data/oneex/infra/production#proxmox_api_token
      merge_request_note: true
      gitlab_token: kv/data/oneex/infra/gitlab#notes_token
  - component: $CI_SERVER_FQDN/oneex/ci-components/terraform@1
    inputs:
      environment: review
      proxmox_api_token: kv/data/oneex/infra/review#proxmox_api_token
`;

async function exampleFiles(dir = EXAMPLE, prefix = ''): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'ansible') continue; // the ansible component's part of the example
    if (entry.name === '.gitlab-ci.yml' && prefix === '') {
      files[entry.name] = PIPELINE;
      continue;
    }
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(files, await exampleFiles(path, `${prefix}${entry.name}/`));
    else files[`${prefix}${entry.name}`] = await readFile(path, 'utf8');
  }
  return files;
}

/**
 * The pipeline's CI/CD variables: GitLab's API and job token, the group's VAULT_ADDR and the
 * project's VAULT_AUTH_ROLE, and the ID token GitLab would mint for the jobs of this ref.
 */
async function variables(ref: { name: string; protected: boolean }, extra: Record<string, string> = {}) {
  const idToken = await fx.issuer.mint({
    projectPath: INFRA_PROJECT,
    ref: ref.name,
    refProtected: ref.protected,
  });
  watch(`ID token of ${ref.name}`, idToken);
  return {
    CI_API_V4_URL: fixtures.gitlab.apiUrl,
    CI_PROJECT_ID: String(fixtures.project.id),
    CI_JOB_TOKEN: fixtures.jobToken,
    VAULT_ADDR: fx.vault.address,
    VAULT_AUTH_ROLE: INFRA_ROLE,
    ONEEX_VAULT_ID_TOKEN: idToken,
    ...extra,
  };
}
const MAIN = { name: 'main', protected: true };

/** The tool calls a job made: its workspace is their working directory. */
function callsOf(calls: readonly ToolCall[], dir: string, job: string): ToolCall[] {
  const workspace = join(dir, '.gitlab-ci-local', 'builds', safeJobName(job));
  return calls.filter((c) => c.cwd === workspace || c.cwd.startsWith(`${workspace}/`));
}

beforeAll(async () => {
  [fixtures, fx] = await Promise.all([startFixtures(), startInfraVault()]);
  canaries = createCanaries(fx.vault);
  // Proxmox's format, USER@REALM!TOKENID=SECRET (the double checks it as the provider does), with a
  // canary as the secret: its characters change under URL and JSON encoding.
  for (const environment of ENVIRONMENTS) {
    const token = watch(
      `Proxmox token of ${environment}`,
      `terraform@pve!ci-${environment}=${canaries.value(`proxmox secret of ${environment}`)}`,
    );
    proxmoxTokens[environment] = token;
    fx.vault.putSecret('kv', `oneex/infra/${environment}`, { proxmox_api_token: token });
  }
  const notes = canaries.seed({ mount: 'kv', path: 'oneex/infra/gitlab', fields: ['notes_token'] });
  const notesToken = canaries.valueOf(notes.notes_token ?? '');
  secrets.push(notesToken);
  fixtures.gitlab.addToken(notesToken, fixtures.bot, ['api']);
  watch('job token', fixtures.jobToken);
  addMergeRequest(fixtures.gitlab, fixtures.project.id, MERGE_REQUEST);
  [library, consumer] = await Promise.all([publishLibrary(), exampleConsumer()]);
  for (const name of ['tofu', 'terraform'])
    await symlink(join(ROOT, 'test', 'doubles', 'tofu-double'), join(library.binDir, name));
  // Beside the library, outside every repository the pipelines run in.
  toolLog = join(dirname(fileURLToPath(library.bare)), 'tofu-calls.log');
  await writeFile(join(library.binDir, 'tofu-double.env'), `TOFU_DOUBLE_LOG='${toolLog}'\n`);
  // Independent of the others (its own repository and state directory), so it runs beside them.
  refusedRun = (async () => {
    const repository = await exampleConsumer();
    const result = await run(repository, {
      variables: await variables(MAIN, { VAULT_AUTH_ROLE: 'oneex-back' }),
      jobs: ['terraform:plan:test'],
      needs: false,
      timeoutMs: 600_000,
    });
    return { result, consumer: repository };
  })();
  refusedRun.catch(() => undefined); // its test awaits it and reports the failure
}, 120_000);
afterAll(async () => {
  await refusedRun?.catch(() => undefined);
  await Promise.all([fixtures?.close(), fx?.stop()]);
  await removeAll(
    ...new Set([consumer?.dir, ...runs.map((r) => r.consumer.dir)].filter((d) => d !== undefined)),
    ...(library !== undefined ? [dirname(fileURLToPath(library.bare))] : []),
  );
});

/** A repository holding the example, as its first commit. */
const exampleConsumer = async (): Promise<Consumer> =>
  createConsumer({
    project: INFRA_PROJECT,
    files: await exampleFiles(),
    firstMessage: 'feat: proxmox vms per environment',
  });

describe('the example infrastructure pipeline', () => {
  it('in a merge request, plans every environment with its report and applies only the review environment', async () => {
    await consumer.git(['checkout', '-q', '-b', 'feature/bigger-db']);
    await consumer.commit({
      message: 'feat: more memory for the test database',
      files: {
        'environments/test.tfvars': (
          await readFile(join(EXAMPLE, 'environments/test.tfvars'), 'utf8')
        ).replace('memory_mb = 4096', 'memory_mb = 8192'),
      },
    });
    const before = (await toolCalls(toolLog)).length;
    const pipeline = await run(consumer, {
      variables: await variables(
        { name: 'feature/bigger-db', protected: false },
        {
          CI_PIPELINE_SOURCE: 'merge_request_event',
          CI_MERGE_REQUEST_IID: String(MERGE_REQUEST),
          CI_COMMIT_BRANCH: '',
        },
      ),
      timeoutMs: 600_000,
    });
    const ran = [...pipeline.jobs.keys()].sort();
    expect(ran, pipeline.output).toEqual([
      'terraform:apply:review',
      'terraform:fmt',
      'terraform:plan:production',
      'terraform:plan:review',
      'terraform:plan:staging',
      'terraform:plan:test',
      'terraform:validate',
    ]);
    for (const job of pipeline.jobs.values()) expect(job.status, `${job.name}\n${job.log}`).toBe('success');
    for (const [environment, create] of [
      ['test', 4],
      ['staging', 4],
      ['production', 6],
      ['review', 2],
    ] as const) {
      const job = `terraform:plan:${environment}`;
      // gitlab-ci-local keeps reports in the job's workspace, not with its artifacts.
      const report = await readFile(
        join(pipeline.workspace(job), `.oneex-ci/terraform/${environment}/report.json`),
        'utf8',
      );
      expect(JSON.parse(report)).toEqual({ create, update: 0, delete: 0 });
      expect(Object.keys(await pipeline.artifacts(job)).sort()).toEqual([
        `.oneex-ci/terraform/${environment}/plan.meta.json`,
        `.oneex-ci/terraform/${environment}/plan.tfplan`,
      ]);
      const log = pipeline.job(job).log;
      expect(log).toContain(`Plan for ${environment}`);
      expect(log).toContain(
        `PROXMOX_VE_API_TOKEN <- Vault kv/data/oneex/infra/${environment}#proxmox_api_token`,
      );
      expect(log).toContain('Vault: token revoked.');
    }
    // Each job's tool got its environment's token, and only the jobs that use the provider got one.
    const calls = (await toolCalls(toolLog)).slice(before);
    for (const environment of ENVIRONMENTS)
      for (const job of [
        `terraform:plan:${environment}`,
        ...(environment === 'review' ? ['terraform:apply:review'] : []),
      ]) {
        const made = callsOf(calls, consumer.dir, job);
        expect(commands(made), job).toContain(job.includes(':plan:') ? 'plan' : 'apply');
        for (const call of made)
          expect(call.envSha256.PROXMOX_VE_API_TOKEN, `${job}: ${call.argv[0]}`).toBe(
            sha256Prefix(proxmoxTokens[environment]),
          );
      }
    const validate = callsOf(calls, consumer.dir, 'terraform:validate');
    expect(commands(validate)).toContain('validate');
    for (const call of validate) expect(call.env.PROXMOX_VE_API_TOKEN).toBeUndefined();
    // One note per lasting environment, written with the token from Vault.
    const notes = mergeRequestNotes(fixtures.gitlab, fixtures.project.id, MERGE_REQUEST);
    expect(notes.map((n) => /oneex-ci:terraform-plan:(\S+) /.exec(n.body)?.[1]).sort()).toEqual([
      'production',
      'staging',
      'test',
    ]);
    for (const note of notes) expect(note.author.username).toBe(fixtures.bot.username);
    expect(pipeline.job('terraform:plan:test').log).toContain(
      `Merge request !${MERGE_REQUEST}: plan note created.`,
    );
    expect(fx.vault.liveTokens()).toEqual([]);
    // The review environment has a state per branch, and its VM exists now.
    const review = JSON.parse(
      stateOf(fixtures.gitlab, fixtures.project.id, 'review-feature-bigger-db').data ?? '{}',
    );
    expect(review.resources).toHaveLength(2);
    expect(stateOf(fixtures.gitlab, fixtures.project.id, 'test').data).toBeUndefined();
  }, 600_000);

  it('on the default branch, applies test and staging from their saved plans; production waits for a manual action', async () => {
    await consumer.git(['checkout', '-q', 'main']);
    await consumer.git([
      'merge',
      '-q',
      '--no-ff',
      '-m',
      'Merge branch feature/bigger-db',
      'feature/bigger-db',
    ]);
    const before = (await toolCalls(toolLog)).length;
    const pipeline = await run(consumer, {
      variables: await variables(MAIN, { CI_PIPELINE_ID: DEFAULT_PIPELINE }),
      timeoutMs: 600_000,
    });
    const ran = [...pipeline.jobs.keys()].sort();
    expect(ran, pipeline.output).toEqual([
      'terraform:apply:staging',
      'terraform:apply:test',
      'terraform:fmt',
      'terraform:plan:production',
      'terraform:plan:staging',
      'terraform:plan:test',
      'terraform:validate',
    ]);
    for (const job of pipeline.jobs.values()) expect(job.status, `${job.name}\n${job.log}`).toBe('success');
    // gitlab-ci-local leaves a manual job out unless asked to play it (the next test does).
    expect(pipeline.jobs.has('terraform:apply:production')).toBe(false);
    for (const environment of ['test', 'staging']) {
      const state = JSON.parse(stateOf(fixtures.gitlab, fixtures.project.id, environment).data ?? '{}');
      expect(state.serial).toBe(1);
      const applied = pipeline.job(`terraform:apply:${environment}`).log;
      expect(applied).toContain(`Saved plan of terraform:plan:${environment}`);
      expect(applied).toContain(`${environment}: applied (4 to add, 0 to change, 0 to destroy).`);
    }
    expect(stateOf(fixtures.gitlab, fixtures.project.id, 'production').data).toBeUndefined();
    const outputs = JSON.parse(
      (await pipeline.artifacts('terraform:apply:test'))['.oneex-ci/terraform/test/outputs.json'] ?? '{}',
    );
    expect(outputs.ansible_hosts.value['test-db-1']).toEqual({ ansible_host: '10.10.0.21', groups: ['db'] });
    expect(outputs.environment).toEqual({ sensitive: false, type: 'string', value: 'test' });

    // Each apply ran the saved plan, without variables of its own.
    const applies = (await toolCalls(toolLog)).slice(before).filter((c) => c.argv[0] === 'apply');
    expect(applies).toHaveLength(2);
    for (const apply of applies) {
      const environment = /\.oneex-ci\/terraform\/(test|staging)\/plan\.tfplan$/.exec(
        apply.argv.at(-1) ?? '',
      )?.[1];
      expect(environment, apply.argv.join(' ')).toBeDefined();
      expect(apply.envSha256.PROXMOX_VE_API_TOKEN).toBe(
        sha256Prefix(proxmoxTokens[environment as Environment]),
      );
    }
  }, 600_000);

  it('applies production from its saved plan when someone plays its manual job', async () => {
    // Played later in the default branch's pipeline: only the apply runs, with the artifacts that
    // pipeline's plan job left.
    const before = (await toolCalls(toolLog)).length;
    const pipeline = await run(consumer, {
      variables: await variables(MAIN, { CI_PIPELINE_ID: DEFAULT_PIPELINE }),
      jobs: ['terraform:apply:production'],
      needs: false,
      manual: ['terraform:apply:production'],
      timeoutMs: 600_000,
    });
    expect([...pipeline.jobs.keys()], pipeline.output).toEqual(['terraform:apply:production']);
    const job = pipeline.job('terraform:apply:production');
    expect(job.status, job.log).toBe('success');
    expect(job.log).toContain(
      `Saved plan of terraform:plan:production: commit ${(await consumer.head()).slice(0, 8)}, pipeline ${DEFAULT_PIPELINE}, 6 to add, 0 to change, 0 to destroy.`,
    );
    expect(job.log).toContain('production: applied (6 to add, 0 to change, 0 to destroy).');
    const calls = (await toolCalls(toolLog)).slice(before);
    expect(commands(calls)).toEqual(['version', 'init', 'apply', 'output']);
    expect(calls[2]?.argv.at(-1)).toMatch(/\.oneex-ci\/terraform\/production\/plan\.tfplan$/);
    for (const call of calls)
      expect(call.envSha256.PROXMOX_VE_API_TOKEN).toBe(sha256Prefix(proxmoxTokens.production));
    expect(JSON.parse(stateOf(fixtures.gitlab, fixtures.project.id, 'production').data ?? '{}').serial).toBe(
      1,
    );
  }, 600_000);

  it('fails the plan before the tool runs when the Vault role is not the project’s', async () => {
    const { result: pipeline, consumer: refused } = await refusedRun;
    expect([...pipeline.jobs.keys()], pipeline.output).toEqual(['terraform:plan:test']);
    const job = pipeline.job('terraform:plan:test');
    expect(job.status, job.log).toBe('failed');
    expect(job.exitCode).toBe(3);
    expect(job.log).toContain('[EVAULT_CLAIMS]');
    expect(job.log).toContain(
      `Vault refused the login with role "oneex-back": the ID token's claim "project_path" ("${INFRA_PROJECT}") does not match the role's bound claims`,
    );
    expect(callsOf(await toolCalls(toolLog), refused.dir, 'terraform:plan:test')).toEqual([]);
  }, 600_000);

  it('leaves no credential anywhere: the canary scan of every run, and the tool’s records', async () => {
    expect(runs).toHaveLength(4);
    for (const { result, consumer: repository } of runs) await canaries.assertNoLeak(result, repository);
    // The double records the variables a call saw by name and digest; no form of a value.
    const records = await readFile(toolLog, 'utf8');
    expect(commands(await toolCalls(toolLog))).toContain('apply');
    const found = secrets.flatMap((secret, i) =>
      leakForms(secret)
        .filter(({ text }) => records.includes(text))
        .map(({ form }) => `secret #${i + 1} (${form})`),
    );
    expect(found).toEqual([]);
  });
});
