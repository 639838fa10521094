import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolate } from '../../../src/generate/conformance.ts';
import { parseTemplate } from '../../../src/generate/files.ts';
import type { Job } from '../../../src/model/job.ts';
import { ROOT } from './fixtures.ts';

// The generated template as GitLab reads it, interpolated with a consumer's inputs: which job runs
// when, one apply per environment at a time, and what each job keeps.

type Header = { spec: { inputs: Record<string, { default?: unknown }> } };

async function jobsFor(inputs: Record<string, unknown>): Promise<Record<string, Job>> {
  const { header, jobs } = parseTemplate(await readFile(join(ROOT, 'templates', 'ansible.yml'), 'utf8'));
  const defaults = Object.fromEntries(
    Object.entries((header as Header).spec.inputs).map(([name, input]) => [name, input.default]),
  );
  return interpolate(jobs, { ...defaults, ...inputs }) as Record<string, Job>;
}

describe('ansible template', () => {
  it('names the jobs after the environment, and lints once whatever the number of includes', async () => {
    const test = await jobsFor({ environment: 'test' });
    const production = await jobsFor({ environment: 'production' });
    expect(Object.keys(test)).toEqual(['ansible:lint', 'ansible:check:test', 'ansible:apply:test']);
    // The same name and content in every include: GitLab keeps one lint job.
    const { variables: a, ...lintTest } = test['ansible:lint'] ?? {};
    const { variables: b, ...lintProduction } = production['ansible:lint'] ?? {};
    expect(lintTest).toEqual(lintProduction);
    expect(a).toBeDefined();
    expect(b).toBeDefined();
  });

  it('checks in merge requests only, and applies on the default branch, production on a manual action', async () => {
    const jobs = await jobsFor({ environment: 'production' });
    expect(jobs['ansible:check:production']?.rules).toEqual([
      { if: '$CI_PIPELINE_SOURCE == "merge_request_event"', when: 'on_success' },
    ]);
    expect(jobs['ansible:apply:production']?.rules).toEqual([
      { if: '$CI_COMMIT_BRANCH != $CI_DEFAULT_BRANCH', when: 'never' },
      { if: '$ONEEX_ANSIBLE_DEPLOYMENT_TIER == "production"', when: 'manual' },
      { when: 'on_success' },
    ]);
    // The rule reads the job's own variable, which carries the input.
    expect(jobs['ansible:apply:production']?.variables?.ONEEX_ANSIBLE_DEPLOYMENT_TIER).toBe('production');
    const staging = await jobsFor({
      environment: 'staging',
      deployment_tier: 'staging',
      check_when: 'never',
    });
    expect(staging['ansible:apply:staging']?.variables?.ONEEX_ANSIBLE_DEPLOYMENT_TIER).toBe('staging');
    expect(staging['ansible:check:staging']?.rules).toEqual([
      { if: '$CI_PIPELINE_SOURCE == "merge_request_event"', when: 'never' },
    ]);
  });

  it('runs one apply per environment at a time, never interrupted, as a deployment of the environment', async () => {
    const jobs = await jobsFor({ environment: 'staging', deployment_tier: 'staging' });
    const apply = jobs['ansible:apply:staging'];
    expect(apply?.resource_group).toBe('ansible-staging');
    expect(apply?.interruptible).toBe(false);
    expect(apply?.environment).toEqual({ name: 'staging', action: 'start', deployment_tier: 'staging' });
    expect(jobs['ansible:check:staging']?.environment).toEqual({
      name: 'staging',
      action: 'prepare',
      deployment_tier: 'staging',
    });
    expect(apply?.needs).toEqual(['ansible:lint']);
    expect(apply?.id_tokens).toEqual({ ONEEX_VAULT_ID_TOKEN: { aud: 'https://vault.oneex.fr' } });
  });

  it('chains after the Terraform apply whose outputs it reads', async () => {
    const jobs = await jobsFor({
      environment: 'test',
      apply_needs: ['ansible:lint', { job: 'terraform:apply:test', artifacts: true }],
    });
    expect(jobs['ansible:apply:test']?.needs).toEqual([
      'ansible:lint',
      { job: 'terraform:apply:test', artifacts: true },
    ]);
  });

  it('caches the Galaxy requirements by the requirements file, and reports for the merge request widgets', async () => {
    const jobs = await jobsFor({ environment: 'test', project_dir: 'ansible' });
    expect(jobs['ansible:lint']?.cache).toEqual({
      key: { files: ['ansible/requirements.yml'], prefix: 'ansible-galaxy' },
      paths: ['.ansible-galaxy/'],
      when: 'always',
    });
    expect(jobs['ansible:lint']?.artifacts?.reports).toEqual({
      codequality: 'ansible-lint-codequality.json',
    });
    expect(jobs['ansible:check:test']?.artifacts?.reports).toEqual({ junit: 'ansible-report.xml' });
    expect(jobs['ansible:apply:test']?.artifacts?.when).toBe('always');
  });
});
