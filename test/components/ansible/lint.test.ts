import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSIBLE_CFG, PLAYBOOK, runCli, TEMPLATE, writeFiles } from './fixtures.ts';

// The lint action with the real yamllint and ansible-lint, and Galaxy requirements installed from a
// local collection directory and a local Git role (no Galaxy server is reachable here).

const exec = promisify(execFile);
const git = (cwd: string, ...args: string[]) =>
  exec('git', ['-c', 'user.name=Oneex', '-c', 'user.email=dev@oneex.test', ...args], { cwd });

let work: string;
let roleRepo: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'oneex-ansible-lint-'));
  roleRepo = join(work, 'role-motd');
  await writeFiles(roleRepo, {
    'tasks/main.yml':
      '- name: Write the message of the day\n  ansible.builtin.copy:\n    content: "Oneex\\n"\n    dest: "{{ motd_path }}"\n    mode: "0644"\n',
    'defaults/main.yml': 'motd_path: /tmp/motd\n',
    'meta/main.yml':
      'galaxy_info:\n  author: Oneex\n  description: Message of the day\n  license: MIT\n  min_ansible_version: "2.14"\n  platforms:\n    - name: Debian\n      versions: [bookworm]\n',
  });
  await git(roleRepo, 'init', '-q', '-b', 'main');
  await git(roleRepo, 'add', '-A');
  await git(roleRepo, 'commit', '-q', '-m', 'feat: motd role');
  await git(roleRepo, 'tag', 'v1.0.0');
});

afterAll(() => rm(work, { recursive: true, force: true }));

async function project(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work, name);
  await writeFiles(dir, files);
  await git(dir, 'init', '-q', '-b', 'main');
  await git(dir, 'add', '-A');
  return dir;
}

const codeQuality = async (dir: string) =>
  JSON.parse(await readFile(join(dir, 'ansible-lint-codequality.json'), 'utf8')) as {
    check_name: string;
    location: { path: string; lines: { begin: number } };
  }[];

describe('lint', () => {
  it('installs the Galaxy requirements, passes a clean project, and reuses the installed requirements', async () => {
    const dir = await project('clean', {
      'ansible/ansible.cfg': ANSIBLE_CFG,
      // The project's own ansible-lint configuration: a vendored collection is not the project's code.
      'ansible/.ansible-lint': 'exclude_paths:\n  - vendor/\n',
      'ansible/site.yml': `${PLAYBOOK}- name: Use the requirements
  hosts: app
  gather_facts: false
  roles:
    - role: oneex.motd
    - role: oneex.base.hello
`,
      'ansible/templates/app.conf.j2': TEMPLATE,
      'ansible/requirements.yml': `collections:
  - name: ./vendor/oneex/base
    type: dir
roles:
  - name: oneex.motd
    src: git+file://${roleRepo}
    version: v1.0.0
`,
      'ansible/vendor/oneex/base/galaxy.yml':
        'namespace: oneex\nname: base\nversion: 1.0.0\nreadme: README.md\nauthors: [Oneex]\n',
      'ansible/vendor/oneex/base/README.md': '# oneex.base\n',
      'ansible/vendor/oneex/base/meta/runtime.yml': 'requires_ansible: ">=2.14"\n',
      'ansible/vendor/oneex/base/roles/hello/tasks/main.yml':
        '- name: Say hello\n  ansible.builtin.debug:\n    msg: Hello from oneex.base\n',
      'ansible/vendor/oneex/base/roles/hello/meta/main.yml':
        'galaxy_info:\n  author: Oneex\n  description: Hello\n  license: MIT\n  min_ansible_version: "2.14"\n  platforms: []\n',
    });
    const first = await runCli('lint', dir, { environment: 'test', project_dir: 'ansible' });
    expect(first.exitCode, first.output).toBe(0);
    expect(first.stdout).toContain('oneex.base:1.0.0 was installed successfully');
    expect(first.stdout).toContain('oneex.motd (v1.0.0) was installed successfully');
    expect(first.stdout).toMatch(/ansible-lint: Passed/);
    expect(first.stdout).toContain('✔ Lint passed.');
    expect(await codeQuality(dir)).toEqual([]);
    expect(await readFile(join(dir, '.ansible-galaxy/roles/oneex.motd/tasks/main.yml'), 'utf8')).toContain(
      'motd',
    );

    // What the GitLab cache restores: the installed requirements. Nothing is fetched again.
    const second = await runCli('lint', dir, { environment: 'test', project_dir: 'ansible' });
    expect(second.exitCode, second.output).toBe(0);
    expect(second.stdout).toContain('Nothing to do. All requested collections are already installed.');
    expect(second.stdout).toContain('oneex.motd (v1.0.0) is already installed, skipping.');
  });

  it('fails on yamllint and ansible-lint errors, each once, in the Code Quality report', async () => {
    const dir = await project('dirty', {
      'site.yml': '- hosts: all\n  tasks:\n    - shell: echo hello   \n',
      'inventory.yml': 'all:\n  hosts:\n    a: {enabled: yes}\n',
    });
    const result = await runCli('lint', dir, { environment: 'test' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /✖ \d+ lint errors in \. \(\d+ yamllint, \d+ ansible-lint\)\. \[EANSIBLE_LINT\]/,
    );
    expect(result.stdout).toContain('✖ site.yml:3 yamllint/trailing-spaces: trailing spaces');
    expect(result.stdout).toContain('✖ site.yml:1 name[play]: All plays should be named.');
    expect(result.stdout).toMatch(/inventory\.yml:3 yamllint\/truthy/);
    const report = await codeQuality(dir);
    const rules = report.map((r) => r.check_name);
    expect(rules).toEqual(
      expect.arrayContaining(['trailing-spaces', 'name[play]', 'command-instead-of-shell']),
    );
    // ansible-lint's own yaml rule is left to yamllint: a trailing space is reported once.
    expect(rules.filter((r) => r.includes('trailing-spaces'))).toHaveLength(1);
    expect(report.find((r) => r.check_name === 'name[play]')?.location).toEqual({
      path: 'site.yml',
      lines: { begin: 1 },
    });
  });

  it('refuses a project directory that does not exist', async () => {
    const result = await runCli('lint', work, { environment: 'test', project_dir: 'infra/ansible' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      '  - project_dir: got "infra/ansible"; expected a directory of the repository',
    );
  });
});
