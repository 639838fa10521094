import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { helpUrl, rules } from '../../conventions/commitlint.mjs';
import { EXIT, OneexError } from '../runtime/errors.ts';
import { exec } from '../runtime/exec.ts';
import type { Logger } from '../runtime/log.ts';
import type { Redactor } from '../runtime/redact.ts';

// `oneex-ci hooks install`: sets up Husky and commitlint in an app repository so that a commit that
// breaks Oneex's convention is refused on the developer's machine, as the `commitlint` component
// refuses it in CI. Idempotent: a second run changes nothing; it never overwrites what it did not write.

/** The versions the library itself is built and tested with. */
export const DEV_DEPENDENCIES = {
  husky: '^9.1.7',
  '@commitlint/cli': '^21.2.4',
  '@commitlint/config-conventional': '^21.2.4',
} as const;

/** Where commitlint looks for a configuration (its cosmiconfig search places). */
export const COMMITLINT_CONFIG_FILES = [
  '.commitlintrc',
  '.commitlintrc.json',
  '.commitlintrc.yaml',
  '.commitlintrc.yml',
  '.commitlintrc.js',
  '.commitlintrc.cjs',
  '.commitlintrc.mjs',
  '.commitlintrc.ts',
  '.commitlintrc.cts',
  '.commitlintrc.mts',
  'commitlint.config.js',
  'commitlint.config.cjs',
  'commitlint.config.mjs',
  'commitlint.config.ts',
  'commitlint.config.cts',
  'commitlint.config.mts',
] as const;

export const CONFIG_FILE = 'commitlint.config.mjs';
export const HOOK_FILE = '.husky/commit-msg';
const MARKER = 'written by `oneex-ci hooks install`';
export const HOOK_LINE = 'npx --no -- commitlint --edit "$1"';

export interface InstallOptions {
  readonly cwd: string;
  /** Run `npm install` (which runs Husky through `prepare`); false only writes the files. */
  readonly install: boolean;
  readonly version: string;
  readonly log: Logger;
  readonly redactor: Redactor;
}

export type Change = 'created' | 'updated' | 'unchanged' | 'kept';

export interface InstallReport {
  readonly root: string;
  readonly files: Readonly<Record<string, Change>>;
  /** Whether git now runs the hooks (core.hooksPath points at Husky's directory). */
  readonly active: boolean;
}

/** The commitlint configuration an app repository gets: the shared rules, from one source. */
export function commitlintConfig(version: string): string {
  return [
    `// Oneex's commit convention, ${MARKER} (@oneex/ci-components ${version}).`,
    '// Run the command again to update it. The `commitlint` CI component reads this file too.',
    'export default {',
    "  extends: ['@commitlint/config-conventional'],",
    `  rules: ${JSON.stringify(rules, null, 2).replace(/\n/g, '\n  ')},`,
    `  helpUrl: ${JSON.stringify(helpUrl)},`,
    '};',
    '',
  ].join('\n');
}

interface Manifest {
  name?: string;
  private?: boolean;
  scripts?: Record<string, string>;
  devDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  commitlint?: unknown;
  [key: string]: unknown;
}

/** package.json with Husky's `prepare` script and the dev dependencies added where missing. */
export function withHooks(manifest: Manifest, fallbackName: string): Manifest {
  const next: Manifest = { ...manifest };
  if (next.name === undefined) next.name = fallbackName;
  // A repository that had no package.json (Scanner, CSharp) must never be published by accident.
  if (Object.keys(manifest).length === 0) next.private = true;
  const prepare = next.scripts?.prepare;
  if (prepare === undefined) next.scripts = { ...next.scripts, prepare: 'husky' };
  else if (!/\bhusky\b/.test(prepare)) next.scripts = { ...next.scripts, prepare: `${prepare} && husky` };
  const devDependencies = { ...next.devDependencies };
  for (const [name, range] of Object.entries(DEV_DEPENDENCIES)) {
    if (devDependencies[name] === undefined && next.dependencies?.[name] === undefined)
      devDependencies[name] = range;
  }
  next.devDependencies = devDependencies;
  return next;
}

async function git(root: string, args: string[], options: InstallOptions) {
  return exec('git', args, { cwd: root, redactor: options.redactor });
}

async function repositoryRoot(options: InstallOptions): Promise<string> {
  const result = await git(options.cwd, ['rev-parse', '--show-toplevel'], options);
  if (result.exitCode !== 0) {
    throw new OneexError(
      'ENOTGIT',
      `${options.cwd} is not inside a git repository.`,
      'Run `oneex-ci hooks install` in the app repository’s working tree.',
      EXIT.usage,
    );
  }
  return result.stdout.trim();
}

async function writeIfChanged(path: string, content: string, mode?: number): Promise<Change> {
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing === content) return 'unchanged';
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
  if (mode !== undefined) await chmod(path, mode);
  return existing === undefined ? 'created' : 'updated';
}

async function installManifest(root: string): Promise<Change> {
  const path = join(root, 'package.json');
  const text = await readFile(path, 'utf8').catch(() => undefined);
  let manifest: Manifest = {};
  if (text !== undefined) {
    try {
      manifest = JSON.parse(text) as Manifest;
    } catch (error) {
      throw new OneexError(
        'EMANIFEST',
        `package.json is not valid JSON: ${(error as Error).message}`,
        'Fix package.json, then run the command again.',
        EXIT.usage,
      );
    }
  }
  const next = withHooks(manifest, basename(root));
  if (text !== undefined && JSON.stringify(next) === JSON.stringify(manifest)) return 'unchanged';
  const indent = text !== undefined ? (/^\{\n([ \t]+)"/.exec(text)?.[1] ?? '  ') : '  ';
  return writeIfChanged(path, `${JSON.stringify(next, null, indent)}\n`);
}

async function installConfig(root: string, version: string, log: Logger): Promise<[string, Change]> {
  const own = COMMITLINT_CONFIG_FILES.find((file) => existsSync(join(root, file)));
  if (own !== undefined) {
    const text = await readFile(join(root, own), 'utf8');
    if (own === CONFIG_FILE && text.includes(MARKER))
      return [own, await writeIfChanged(join(root, own), commitlintConfig(version))];
    log.warn(
      `${own} is the repository's own commitlint configuration: kept. To share Oneex's convention, extend ` +
        "'@commitlint/config-conventional' as the library does, or remove it and run the command again.",
    );
    return [own, 'kept'];
  }
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Manifest;
  if (manifest.commitlint !== undefined) {
    log.warn('package.json has its own "commitlint" configuration: kept.');
    return ['package.json#commitlint', 'kept'];
  }
  return [CONFIG_FILE, await writeIfChanged(join(root, CONFIG_FILE), commitlintConfig(version))];
}

async function installHook(root: string): Promise<Change> {
  const path = join(root, HOOK_FILE);
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing?.includes('commitlint')) return 'unchanged';
  // A hook of the team's own stays; commitlint runs after it.
  const content =
    existing === undefined ? `${HOOK_LINE}\n` : `${existing.replace(/\n*$/, '\n')}${HOOK_LINE}\n`;
  return writeIfChanged(path, content, 0o755);
}

async function activate(root: string, options: InstallOptions): Promise<boolean> {
  if (options.install) {
    options.log.info('Running npm install (Husky installs the hooks through the prepare script)…');
    const result = await exec('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: root,
      redactor: options.redactor,
      echo: (line) => options.log.info(`  ${line}`),
    });
    if (result.exitCode !== 0) {
      throw new OneexError(
        'ENPMINSTALL',
        `npm install failed (exit ${result.exitCode}).`,
        'Fix what npm reported above, then run `npm install` (the files are already in place).',
        EXIT.unavailable,
      );
    }
  } else {
    const husky = join(root, 'node_modules', '.bin', 'husky');
    if (!existsSync(husky)) return false;
    const result = await exec(husky, [], { cwd: root, redactor: options.redactor });
    if (result.exitCode !== 0 || result.stdout.trim() !== '') {
      throw new OneexError(
        'EHUSKY',
        `husky could not install the hooks: ${(result.stdout + result.stderr).trim()}`,
        'Run it in the repository root, where .git is.',
        EXIT.failed,
      );
    }
  }
  const hooksPath = await git(root, ['config', '--get', 'core.hooksPath'], options);
  return hooksPath.stdout.trim() === '.husky/_';
}

export async function installHooks(options: InstallOptions): Promise<InstallReport> {
  const root = await repositoryRoot(options);
  const manifest = await installManifest(root);
  const [configFile, config] = await installConfig(root, options.version, options.log);
  const hook = await installHook(root);
  const active = await activate(root, options);
  return { root, files: { 'package.json': manifest, [configFile]: config, [HOOK_FILE]: hook }, active };
}
