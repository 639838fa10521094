import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { SshServer } from '../../support/ssh-server.ts';

// A small Ansible project that configures "app hosts" over SSH: two hosts on the test sshd, each
// writing under its own directory of the test sandbox, so a run changes nothing outside it.

const run = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const CLI = join(ROOT, 'dist', 'oneex-ci.cjs');

export const PLAYBOOK = `- name: Configure the Oneex app hosts
  hosts: app
  gather_facts: false
  tasks:
    - name: Create the configuration directory
      ansible.builtin.file:
        path: "{{ oneex_root }}/etc/oneex"
        state: directory
        mode: "0755"
    - name: Write the application configuration
      ansible.builtin.template:
        src: app.conf.j2
        dest: "{{ oneex_root }}/etc/oneex/app.conf"
        mode: "0644"
`;

export const TEMPLATE = `# Managed by Ansible
listen_port = {{ oneex_listen_port }}
environment = {{ oneex_environment }}
`;

export const BROKEN_PLAYBOOK = `- name: Fail on one host
  hosts: app
  gather_facts: false
  tasks:
    - name: Check the disk space
      ansible.builtin.command: /bin/false
      changed_when: false
      when: inventory_hostname == 'app-2'
`;

export function inventory(server: SshServer, sandbox: string): string {
  return `app:
  hosts:
    app-1:
      oneex_root: ${sandbox}/app-1
    app-2:
      oneex_root: ${sandbox}/app-2
  vars:
    ansible_host: ${server.host}
    ansible_port: ${server.port}
    ansible_user: ${server.user}
`;
}

export const ANSIBLE_CFG = `[defaults]
interpreter_python = /usr/bin/python3
stdout_callback = default

[ssh_connection]
pipelining = True
`;

/** The project's files (path -> content), to write in a directory or commit to a consumer repository. */
export function projectFiles(server: SshServer, sandbox: string, prefix = ''): Record<string, string> {
  const files: Record<string, string> = {
    'ansible.cfg': ANSIBLE_CFG,
    'site.yml': PLAYBOOK,
    'broken.yml': BROKEN_PLAYBOOK,
    'templates/app.conf.j2': TEMPLATE,
    'inventories/test/hosts.yml': inventory(server, sandbox),
    'inventories/test/group_vars/app.yml': 'oneex_listen_port: 8080\noneex_environment: test\n',
    'inventories/down.yml': `app:\n  hosts:\n    down-1:\n      ansible_host: 127.0.0.1\n      ansible_port: ${server.closedPort}\n      oneex_root: ${sandbox}/down-1\n`,
  };
  return Object.fromEntries(Object.entries(files).map(([path, content]) => [join(prefix, path), content]));
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

export async function createProject(server: SshServer, sandbox: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'oneex-ansible-project-'));
  await writeFiles(dir, projectFiles(server, sandbox));
  return dir;
}

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly output: string;
}

/** Runs the built CLI as a job would: inputs as ONEEX_ANSIBLE_* variables, in the project directory. */
export async function runCli(
  action: 'lint' | 'check' | 'apply',
  cwd: string,
  inputs: Readonly<Record<string, string>>,
  /** Other job variables, such as the job's ID token. */
  variables: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    NO_COLOR: '1',
    CI: 'true',
    CI_PROJECT_DIR: cwd,
    ...variables,
  };
  for (const [name, value] of Object.entries(inputs)) env[`ONEEX_ANSIBLE_${name.toUpperCase()}`] = value;
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'ansible', action], {
      cwd,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { exitCode: 0, stdout, stderr, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    const stdout = failure.stdout ?? '';
    const stderr = failure.stderr ?? '';
    return {
      exitCode: typeof failure.code === 'number' ? failure.code : -1,
      stdout,
      stderr,
      output: stdout + stderr,
    };
  }
}
