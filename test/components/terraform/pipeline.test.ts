import { readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateOf } from '../../doubles/gitlab-api/terraform-state.ts';
import {
  type Consumer,
  createConsumer,
  type Library,
  publishLibrary,
  readTree,
  removeAll,
  runPipeline,
} from '../../support/local-pipeline.ts';
import { commands, EXAMPLE, type Fixtures, ROOT, startFixtures, toolCalls } from './support.ts';

// The example infrastructure repository's own pipeline, run by gitlab-ci-local with the component
// included as its users include it: a merge request pipeline, then the default branch's.

const CANARY_TOKEN = 'terraform@pve!ci=7d3c0a52-canary-5e1f-proxmox-token';

let fixtures: Fixtures;
let library: Library;
let consumer: Consumer;
let toolLog: string;

async function exampleFiles(dir = EXAMPLE, prefix = ''): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'ansible') continue; // the ansible component's part of the example
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(files, await exampleFiles(path, `${prefix}${entry.name}/`));
    else files[`${prefix}${entry.name}`] = await readFile(path, 'utf8');
  }
  return files;
}

const variables = (extra: Record<string, string> = {}) => ({
  CI_API_V4_URL: fixtures.gitlab.apiUrl,
  CI_PROJECT_ID: String(fixtures.project.id),
  CI_JOB_TOKEN: fixtures.jobToken,
  PROXMOX_VE_API_TOKEN: CANARY_TOKEN,
  ...extra,
});

/** Every file the pipeline left (logs, artifacts, caches, job workspaces), as text. */
async function everythingWritten(dir: string): Promise<Record<string, string>> {
  const tree = await readTree(join(dir, '.gitlab-ci-local'));
  return Object.fromEntries(
    Object.entries(tree).filter(([path]) => !path.startsWith('builds/') || path.includes('.oneex-ci')),
  );
}

beforeAll(async () => {
  fixtures = await startFixtures();
  library = await publishLibrary();
  for (const name of ['tofu', 'terraform'])
    await symlink(join(ROOT, 'test', 'doubles', 'tofu-double'), join(library.binDir, name));
  consumer = await createConsumer({
    project: 'oneex/infra',
    files: await exampleFiles(),
    firstMessage: 'feat: proxmox vms per environment',
  });
  toolLog = join(consumer.dir, '..', `${consumer.dir.split('/').at(-1)}-tofu.log`);
  await writeFile(join(library.binDir, 'tofu-double.env'), `TOFU_DOUBLE_LOG='${toolLog}'\n`);
}, 120_000);
afterAll(async () => {
  await fixtures.close();
  await removeAll(consumer.dir, library.bare.replace('file://', ''));
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
    const pipeline = await runPipeline(library, consumer, {
      variables: variables({
        CI_PIPELINE_SOURCE: 'merge_request_event',
        CI_MERGE_REQUEST_IID: '3',
        CI_COMMIT_BRANCH: '',
      }),
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
      expect(pipeline.job(`terraform:plan:${environment}`).log).toContain(`Plan for ${environment}`);
    }
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
    const pipeline = await runPipeline(library, consumer, { variables: variables(), timeoutMs: 600_000 });
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
      expect(apply.argv.at(-1)).toMatch(/\.oneex-ci\/terraform\/(test|staging)\/plan\.tfplan$/);
      expect(apply.env.PROXMOX_VE_API_TOKEN).toBe(true);
    }
  }, 600_000);

  it('applies production when someone plays its manual job', async () => {
    const pipeline = await runPipeline(library, consumer, {
      variables: variables(),
      jobs: ['terraform:apply:production'],
      manual: ['terraform:apply:production'],
      timeoutMs: 600_000,
    });
    const job = pipeline.job('terraform:apply:production');
    expect(job.status, job.log).toBe('success');
    expect(job.log).toContain('production: applied (6 to add, 0 to change, 0 to destroy).');
    expect(JSON.parse(stateOf(fixtures.gitlab, fixtures.project.id, 'production').data ?? '{}').serial).toBe(
      1,
    );
  }, 600_000);

  it('leaves no credential in logs, artifacts or the tool’s records', async () => {
    const written = await everythingWritten(consumer.dir);
    written['tool calls'] = await readFile(toolLog, 'utf8');
    expect(Object.keys(written).length).toBeGreaterThan(10);
    for (const [path, text] of Object.entries(written)) {
      if (path === 'variables' || path.endsWith('.gitlab-ci-local-variables.yml')) continue;
      for (const secret of [CANARY_TOKEN, fixtures.jobToken, Buffer.from(CANARY_TOKEN).toString('base64')])
        expect(text.includes(secret), `${secret.slice(0, 12)}… found in ${path}`).toBe(false);
    }
    expect(commands(await toolCalls(toolLog))).toContain('apply');
  });
});
