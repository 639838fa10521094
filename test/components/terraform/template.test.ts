import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolate, resolveExtends } from '../../../src/generate/conformance.ts';
import { parseTemplate } from '../../../src/generate/files.ts';
import { ROOT } from './support.ts';

// The rendered template as GitLab reads it, for each environment: what gitlab-ci-local does not
// enforce (resource groups, artifact access) is asserted here, on the bytes GitLab includes.

// biome-ignore lint/suspicious/noExplicitAny: rendered YAML, checked field by field below.
type Job = Record<string, any>;

async function jobsFor(
  environment: string,
  inputs: Record<string, unknown> = {},
): Promise<Record<string, Job>> {
  const { header, jobs } = parseTemplate(await readFile(join(ROOT, 'templates', 'terraform.yml'), 'utf8'));
  const specs = (header as { spec: { inputs: Record<string, { default?: unknown }> } }).spec.inputs;
  const values = {
    ...Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, v.default])),
    environment,
    ...inputs,
  };
  return resolveExtends(interpolate(jobs, values) as Record<string, unknown>) as Record<string, Job>;
}

describe('the terraform template', () => {
  it('serialises plan, apply and destroy of one state in one resource group, distinct per environment', async () => {
    const groups = new Set<string>();
    for (const environment of ['test', 'staging', 'production', 'review']) {
      const jobs = await jobsFor(environment);
      const group = jobs[`terraform:apply:${environment}`]?.resource_group;
      expect(jobs[`terraform:plan:${environment}`]?.resource_group).toBe(group);
      expect(jobs[`terraform:destroy:${environment}`]?.resource_group).toBe(group);
      groups.add(group);
    }
    expect([...groups]).toEqual([
      'terraform/test',
      'terraform/staging',
      'terraform/production',
      'terraform/review/$CI_COMMIT_REF_SLUG',
    ]);
  });

  it('names each environment with its deployment tier and action', async () => {
    const tiers = { test: 'testing', staging: 'staging', production: 'production', review: 'development' };
    for (const [environment, tier] of Object.entries(tiers)) {
      const jobs = await jobsFor(environment);
      const name = environment === 'review' ? 'review/$CI_COMMIT_REF_SLUG' : environment;
      expect(jobs[`terraform:plan:${environment}`]?.environment).toEqual({
        name,
        deployment_tier: tier,
        action: 'prepare',
      });
      expect(jobs[`terraform:apply:${environment}`]?.environment).toEqual({
        name,
        deployment_tier: tier,
        action: 'start',
        on_stop: `terraform:destroy:${environment}`,
      });
      expect(jobs[`terraform:destroy:${environment}`]?.environment).toMatchObject({ name, action: 'stop' });
    }
  });

  it('keeps the saved plan from download, publishes the terraform report, and never interrupts an apply', async () => {
    const jobs = await jobsFor('test');
    expect(jobs['terraform:plan:test']?.artifacts).toMatchObject({
      access: 'none',
      paths: ['./.oneex-ci/terraform/test/plan.tfplan', './.oneex-ci/terraform/test/plan.meta.json'],
      reports: { terraform: './.oneex-ci/terraform/test/report.json' },
    });
    expect(jobs['terraform:apply:test']?.needs).toEqual([{ job: 'terraform:plan:test', artifacts: true }]);
    expect(jobs['terraform:apply:test']?.interruptible).toBe(false);
    expect(jobs['terraform:plan:test']?.cache).toMatchObject({
      key: { files: ['./.terraform.lock.hcl'] },
      policy: 'pull',
    });
  });

  it('gives the jobs that read from Vault, and only those, the job’s ID token for Vault', async () => {
    const jobs = await jobsFor('review', { vault_audience: 'https://vault.oneex.test' });
    for (const action of ['plan', 'apply', 'destroy'])
      expect(jobs[`terraform:${action}:review`]?.id_tokens, action).toEqual({
        ONEEX_VAULT_ID_TOKEN: { aud: 'https://vault.oneex.test' },
      });
    for (const job of ['terraform:fmt', 'terraform:validate'])
      expect(jobs[job]?.id_tokens, job).toBeUndefined();
    expect(jobs['terraform:plan:review']?.variables).toMatchObject({
      ONEEX_TERRAFORM_PROXMOX_API_TOKEN: '',
      ONEEX_TERRAFORM_GITLAB_TOKEN: '',
      ONEEX_TERRAFORM_VAULT_ADDR: '$VAULT_ADDR',
      ONEEX_TERRAFORM_VAULT_ROLE: '$VAULT_AUTH_ROLE',
    });
  });

  it('makes the production apply manual whatever auto_apply says, and others only when asked', async () => {
    const manual = (jobs: Record<string, Job>, environment: string) =>
      ((jobs[`terraform:apply:${environment}`]?.rules ?? []) as { if?: string; when?: string }[]).find(
        (rule) => /^"(\w+)" == "\1"$/.test(rule.if ?? ''),
      );
    expect(manual(await jobsFor('production'), 'production')).toMatchObject({ when: 'manual' });
    expect(manual(await jobsFor('test'), 'test')).toBeUndefined();
    expect(manual(await jobsFor('test', { auto_apply: false }), 'test')).toMatchObject({ when: 'manual' });
  });
});
