import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { inventoryFromTerraform } from '../../../components/ansible/terraform.ts';
import { ROOT, runCli, writeFiles } from './fixtures.ts';

// The example infrastructure repository's Ansible project (examples/oneex-infra/ansible) through the
// component's lint, and its inventories combined with the outputs the example's Terraform root module
// declares (`ansible_hosts` from environments/<environment>.tfvars), read by Ansible itself.

const exec = promisify(execFile);
const EXAMPLE = join(ROOT, 'examples', 'oneex-infra', 'ansible');
let repo: string;

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'oneex-infra-'));
  await cp(EXAMPLE, join(repo, 'ansible'), { recursive: true });
  await exec('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  await exec('git', ['add', '-A'], { cwd: repo });
});

afterAll(() => rm(repo, { recursive: true, force: true }));

// What `tofu output -json` prints for the example's outputs.tf with environments/test.tfvars.
const TEST_OUTPUTS = {
  ansible_hosts: {
    sensitive: false,
    type: ['map', ['object', { ansible_host: 'string', groups: ['list', 'string'] }]],
    value: {
      'test-app-1': { ansible_host: '10.10.0.11', groups: ['app'] },
      'test-db-1': { ansible_host: '10.10.0.21', groups: ['db'] },
    },
  },
  environment: { sensitive: false, type: 'string', value: 'test' },
};

describe('the example infrastructure repository', () => {
  it('passes the lint job: ansible-lint’s production profile and yamllint', async () => {
    const result = await runCli('lint', repo, { environment: 'test', project_dir: 'ansible' });
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stdout).toContain(
      'ansible-lint: Passed with production profile: 0 failure(s), 0 warning(s)',
    );
    expect(result.stdout).toContain('✔ Lint passed.');
    expect(JSON.parse(await readFile(join(repo, 'ansible-lint-codequality.json'), 'utf8'))).toEqual([]);
  });

  it.each(['test', 'staging', 'production'])('loads site.yml with the %s inventory', async (environment) => {
    const { stdout } = await exec(
      'ansible-playbook',
      ['-i', `inventories/${environment}`, 'site.yml', '--list-tasks'],
      {
        cwd: join(repo, 'ansible'),
        env: { ...process.env, ANSIBLE_CONFIG: join(repo, 'ansible', 'ansible.cfg') },
      },
    );
    expect(stdout).toContain('play #1 (all): Harden every VM and create the service user');
    expect(stdout).toContain('nginx : Serve the Front and proxy the Back API');
    expect(stdout).toContain('postgresql : Install PostgreSQL');
  });

  it('gives the hosts from Terraform the static inventory’s group variables', async () => {
    const { inventory } = inventoryFromTerraform(TEST_OUTPUTS);
    await writeFiles(repo, { 'terraform-inventory.yml': stringify(inventory) });
    const { stdout } = await exec(
      'ansible-inventory',
      ['-i', 'inventories/test', '-i', join(repo, 'terraform-inventory.yml'), '--list'],
      {
        cwd: join(repo, 'ansible'),
        env: { ...process.env, ANSIBLE_CONFIG: join(repo, 'ansible', 'ansible.cfg') },
      },
    );
    const listed = JSON.parse(stdout) as {
      _meta: { hostvars: Record<string, Record<string, unknown>> };
      app: { hosts: string[] };
      db: { hosts: string[] };
    };
    expect(listed.app.hosts).toEqual(['test-app-1']);
    expect(listed.db.hosts).toEqual(['test-db-1']);
    expect(listed._meta.hostvars['test-app-1']).toMatchObject({
      ansible_host: '10.10.0.11',
      ansible_user: 'ansible',
      oneex_environment: 'test',
      terraform_outputs: { environment: 'test' },
    });
  });
});
