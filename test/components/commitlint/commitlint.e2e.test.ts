import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Consumer,
  createConsumer,
  type Library,
  publishLibrary,
  removeAll,
  runPipeline,
} from '../../support/local-pipeline.ts';

// The pilot component through a real local pipeline: a consumer repository includes it by
// `component:` reference with a version range, exactly as an Oneex repository does.

let library: Library;
const cleanup: string[] = [];

const pipeline = (version = '1', inputs = '') =>
  `include:\n  - component: $CI_SERVER_FQDN/oneex/ci-components/commitlint@${version}\n${inputs}`;

async function consumer(messages: string[], files: Record<string, string> = {}): Promise<Consumer> {
  const repo = await createConsumer({
    files: { '.gitlab-ci.yml': pipeline(), ...files },
    firstMessage: 'chore: start the project',
  });
  for (const message of messages) await repo.commit({ message, files: { [`f${Math.random()}`]: message } });
  cleanup.push(repo.dir);
  return repo;
}

const root = async (repo: Consumer) => (await repo.git(['rev-list', '--max-parents=0', 'HEAD'])).trim();
const mergeRequest = async (repo: Consumer) => ({
  CI_PIPELINE_SOURCE: 'merge_request_event',
  CI_MERGE_REQUEST_DIFF_BASE_SHA: await root(repo),
  CI_MERGE_REQUEST_IID: '7',
});

beforeAll(async () => {
  library = await publishLibrary({ versions: ['1.0.0', '1.1.0', '2.0.0'] });
  cleanup.push(library.bare.replace('file://', ''));
});
afterAll(() => removeAll(...cleanup));

describe('commitlint component', () => {
  it('fails a merge request with a bad commit, naming the commit and the rules it breaks', async () => {
    const repo = await consumer([
      'feat(api): add the document endpoint',
      'Fixed stuff.',
      'fix: handle empty scans',
    ]);
    const result = await runPipeline(library, repo, { variables: await mergeRequest(repo) });
    const job = result.job('commitlint');
    expect(job.status).toBe('failed');
    expect(job.exitCode).toBe(1);
    expect(job.log).toMatch(/✖ [0-9a-f]{8} Fixed stuff\./);
    expect(job.log).toContain('type may not be empty [type-empty]');
    expect(job.log).toContain('subject may not be empty [subject-empty]');
    expect(job.log).toMatch(/✔ [0-9a-f]{8} feat\(api\): add the document endpoint/);
    expect(job.log).toContain('1 of 3 commits break the commit convention');
    // The root commit is the merge base: not part of the merge request.
    expect(job.log).not.toContain('chore: start the project');

    const report = await readFile(join(result.workspace('commitlint'), 'commitlint-report.xml'), 'utf8');
    expect(report).toContain('<testsuites tests="3" failures="1">');
    const failed =
      /<testcase classname="commitlint" name="[0-9a-f]{8} Fixed stuff\." time="0">\s*<failure message="([^"]*)">/.exec(
        report,
      );
    expect(failed?.[1]?.split(', '), report).toEqual(expect.arrayContaining(['subject-empty', 'type-empty']));
  });

  it('passes a merge request whose commits all follow the convention', async () => {
    const repo = await consumer(['feat: scan passports', 'docs(readme): explain the kiosk mode']);
    const result = await runPipeline(library, repo, { variables: await mergeRequest(repo) });
    expect(result.job('commitlint').status).toBe('success');
    expect(result.job('commitlint').log).toContain('2 commits follow the commit convention.');
    expect(result.job('commitlint').log).toContain(
      'Config: @commitlint/config-conventional (the library default)',
    );
  });

  it('lints only the pushed commits in a branch pipeline', async () => {
    const repo = await consumer(['not conventional', 'feat: later work']);
    const before = (await repo.git(['rev-parse', 'HEAD~1'])).trim();
    const result = await runPipeline(library, repo, { variables: { CI_COMMIT_BEFORE_SHA: before } });
    expect(result.job('commitlint').status).toBe('success');
    expect(result.job('commitlint').log).toContain('Linting pushed commits');
    expect(result.job('commitlint').log).not.toContain('not conventional');
  });

  it("uses the repository's own configuration when it has one", async () => {
    const config = JSON.stringify({
      rules: { 'type-enum': [2, 'always', ['feat', 'fix']], 'scope-empty': [2, 'never'] },
    });
    const repo = await consumer(['feat(scanner): read MRZ', 'chore(deps): bump'], {
      '.commitlintrc.json': config,
    });
    const result = await runPipeline(library, repo, { variables: await mergeRequest(repo) });
    const job = result.job('commitlint');
    expect(job.status).toBe('failed');
    expect(job.log).toContain('Config: .commitlintrc.json');
    expect(job.log).toContain('[type-enum]');
    expect(job.log).toContain('1 of 2 commits break the commit convention (.commitlintrc.json)');
  });

  it('resolves version ranges as GitLab does: @1 is the newest 1.x, @1.0 the newest 1.0.z', async () => {
    const newest = await consumer(['feat: ok']);
    expect((await runPipeline(library, newest)).output).toContain(
      'downloaded oneex/ci-components 1.1.0 templates/commitlint',
    );
    const pinned = await createConsumer({
      files: { '.gitlab-ci.yml': pipeline('1.0') },
      firstMessage: 'feat: pinned',
    });
    cleanup.push(pinned.dir);
    const result = await runPipeline(library, pinned);
    expect(result.output).toContain('downloaded oneex/ci-components 1.0.0 templates/commitlint');
    expect(result.job('commitlint').status).toBe('success');
  });

  it('takes a renamed job and another stage through inputs', async () => {
    const repo = await createConsumer({
      files: { '.gitlab-ci.yml': pipeline('1', '    inputs:\n      as: lint-commits\n      stage: build\n') },
      firstMessage: 'feat: renamed',
    });
    cleanup.push(repo.dir);
    const result = await runPipeline(library, repo);
    expect(result.job('lint-commits').status).toBe('success');
    expect(result.jobs.has('commitlint')).toBe(false);
  });

  it('rejects an input outside its regex when the pipeline is created, before any job runs', async () => {
    const repo = await createConsumer({
      files: { '.gitlab-ci.yml': pipeline('1', '    inputs:\n      report_file: /tmp/report.txt\n') },
      firstMessage: 'feat: bad input',
    });
    cleanup.push(repo.dir);
    const result = await runPipeline(library, repo);
    expect(result.exitCode).not.toBe(0);
    expect(result.jobs.size).toBe(0);
    expect(result.output).toMatch(/report_file.*(regex|match)/i);
  });

  it('fails at the job start, before linting, when a variable overrides an input with a bad value', async () => {
    const repo = await consumer(['feat: ok']);
    const result = await runPipeline(library, repo, { variables: { ONEEX_COMMITLINT_MAX_COMMITS: 'lots' } });
    const job = result.job('commitlint');
    expect(job.status).toBe('failed');
    expect(job.exitCode).toBe(2);
    expect(job.log).toContain('max_commits: got "lots"; expected a number');
    expect(job.log).not.toContain('Commits to lint');
  });
});
