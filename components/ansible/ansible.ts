import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envName } from '../../src/model/inputs.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { type ExecResult, exec } from '../../src/runtime/exec.ts';
import { ID_TOKEN_VARIABLE } from '../../src/vault/index.ts';
import { GALAXY_CACHE_DIR } from './paths.ts';

// How the component runs Ansible's programs: one environment for all of them, built from the project's
// own configuration (read with `ansible-config`, so ansible.cfg means what it means to Ansible) with the
// component's settings put first. Environment variables override ansible.cfg, so each list setting the
// component extends is merged here rather than replaced.

/** The Python files of the component, beside this module in the sources and in the bundle. */
const EVENTS_CALLBACK = fileURLToPath(new URL('./oneex_events.py', import.meta.url));
export const INVENTORY_PROBE = fileURLToPath(new URL('./oneex_probe.py', import.meta.url));

/** A directory holding only the component's callback: Ansible loads every Python file of such a directory. */
export async function installCallback(privateDir: string): Promise<string> {
  const pluginDir = join(privateDir, 'callback_plugins');
  await mkdir(pluginDir, { mode: 0o700 });
  await copyFile(EVENTS_CALLBACK, join(pluginDir, 'oneex_events.py'));
  return pluginDir;
}

export interface AnsibleConfig {
  /** The ansible.cfg Ansible reads, if any. */
  readonly file?: string;
  readonly callbacksEnabled: readonly string[];
  readonly callbackPlugins: readonly string[];
  readonly collectionsPaths: readonly string[];
  readonly rolesPaths: readonly string[];
  /** `remote_port`, else SSH's own default. */
  readonly remotePort: number;
}

const asList = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.map(String)
    : typeof value === 'string' && value !== ''
      ? value.split(/[,:]/)
      : [];

/** The project's ansible.cfg, if any. Named explicitly: Ansible skips one in a world-writable directory. */
export const projectConfig = (projectDir: string): string | undefined =>
  existsSync(join(projectDir, 'ansible.cfg')) ? join(projectDir, 'ansible.cfg') : undefined;

export async function readAnsibleConfig(projectDir: string, context: RunContext): Promise<AnsibleConfig> {
  const file = projectConfig(projectDir);
  const result = await exec('ansible-config', ['dump', '-f', 'json'], {
    cwd: projectDir,
    env: file !== undefined ? { ANSIBLE_CONFIG: file } : {},
    redactor: context.redactor,
  });
  if (result.exitCode !== 0) {
    throw new OneexError(
      'EANSIBLE_CONFIG',
      `ansible-config could not read the configuration${file !== undefined ? ` ${file}` : ''}: ${lastLines(result)}`,
      'Fix ansible.cfg (ansible-config dump shows what Ansible reads).',
      EXIT.failed,
    );
  }
  const settings = new Map(
    (JSON.parse(result.stdout) as { name: string; value: unknown }[]).map((s) => [s.name, s.value]),
  );
  return {
    ...(file !== undefined ? { file } : {}),
    callbacksEnabled: asList(settings.get('CALLBACKS_ENABLED')),
    callbackPlugins: asList(settings.get('DEFAULT_CALLBACK_PLUGIN_PATH')),
    collectionsPaths: asList(settings.get('COLLECTIONS_PATHS')),
    rolesPaths: asList(settings.get('DEFAULT_ROLES_PATH')),
    remotePort: Number(settings.get('DEFAULT_REMOTE_PORT') ?? 22) || 22,
  };
}

export const galaxyPaths = (root: string) => ({
  collections: join(root, GALAXY_CACHE_DIR, 'collections'),
  roles: join(root, GALAXY_CACHE_DIR, 'roles'),
});

export interface EnvironmentOptions {
  readonly root: string;
  readonly config: AnsibleConfig;
  /** The private directory of the run: Ansible's local temporary files go there. */
  readonly privateDir: string;
  readonly colour: boolean;
  /** Where the component's callback writes its events, and the directory holding the callback. */
  readonly events?: { readonly file: string; readonly pluginDir: string };
  readonly ssh?: { readonly keyFile?: string; readonly args: string };
  readonly vaultPasswordFile?: string;
}

const unique = (paths: readonly string[]): string[] => [...new Set(paths.filter((p) => p !== ''))];

export function ansibleEnvironment(options: EnvironmentOptions): Record<string, string> {
  const galaxy = galaxyPaths(options.root);
  const env: Record<string, string> = {
    ANSIBLE_COLLECTIONS_PATH: unique([galaxy.collections, ...options.config.collectionsPaths]).join(
      delimiter,
    ),
    ANSIBLE_ROLES_PATH: unique([galaxy.roles, ...options.config.rolesPaths]).join(delimiter),
    ANSIBLE_LOCAL_TEMP: join(options.privateDir, 'tmp'),
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_FORCE_COLOR: options.colour ? '1' : '0',
    ANSIBLE_NOCOLOR: options.colour ? '0' : '1',
    // The credentials stay in this process: no child needs them once they are files, and a
    // playbook's `lookup('env', …)` must not find them (nor the job's Vault ID token).
    [envName('ansible', 'ssh_private_key')]: '',
    [envName('ansible', 'ansible_vault_password')]: '',
    [ID_TOKEN_VARIABLE]: '',
  };
  if (options.config.file !== undefined) env.ANSIBLE_CONFIG = options.config.file;
  if (options.events !== undefined) {
    env.ONEEX_ANSIBLE_EVENTS = options.events.file;
    env.ANSIBLE_CALLBACK_PLUGINS = unique([options.events.pluginDir, ...options.config.callbackPlugins]).join(
      delimiter,
    );
    env.ANSIBLE_CALLBACKS_ENABLED = unique([...options.config.callbacksEnabled, 'oneex_events']).join(',');
  }
  if (options.ssh !== undefined) {
    env.ANSIBLE_SSH_ARGS = options.ssh.args;
    if (options.ssh.keyFile !== undefined) env.ANSIBLE_PRIVATE_KEY_FILE = options.ssh.keyFile;
  }
  if (options.vaultPasswordFile !== undefined) env.ANSIBLE_VAULT_PASSWORD_FILE = options.vaultPasswordFile;
  return env;
}

/**
 * The interpreter that runs Ansible (from ansible-playbook's `#!` line), for the inventory probe: an
 * image may hold several Pythons, and only one has Ansible's modules.
 */
export async function ansiblePython(context: RunContext): Promise<string> {
  const found = await exec('sh', ['-c', 'command -v ansible-playbook'], {
    cwd: context.cwd,
    redactor: context.redactor,
  });
  const path = found.stdout.trim();
  if (found.exitCode !== 0 || path === '') {
    throw new OneexError(
      'EANSIBLE_MISSING',
      'ansible-playbook is not on the PATH.',
      'The job image must hold ansible-core 2.14 or newer, ansible-lint and yamllint (the library image does).',
      EXIT.unavailable,
    );
  }
  const firstLine = (await readFile(path, 'utf8')).split('\n', 1)[0] ?? '';
  const words = firstLine.replace(/^#!\s*/, '').split(/\s+/);
  if (words[0]?.endsWith('/env') && words[1] !== undefined) return words[1];
  return words[0] !== undefined && words[0] !== '' ? words[0] : 'python3';
}

/** The last lines of a failed tool's output, for a message. */
export function lastLines(result: ExecResult, count = 12): string {
  const text = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
  return text.slice(-count).join('\n');
}

export function runAnsible(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env: Record<string, string>; readonly input?: string },
  context: RunContext,
  echo = false,
): Promise<ExecResult> {
  return exec(command, args, {
    cwd: options.cwd,
    env: options.env,
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(echo ? { echo: (line: string) => context.log.line(line) } : {}),
    redactor: context.redactor,
  });
}
