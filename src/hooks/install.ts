import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import semver from 'semver';
import { helpUrl, rules } from '../../conventions/commitlint.mjs';
import { EXIT, OneexError } from '../runtime/errors.ts';
import { exec } from '../runtime/exec.ts';
import type { Logger } from '../runtime/log.ts';
import type { Redactor } from '../runtime/redact.ts';

// `oneex-ci hooks install`: sets up Husky and commitlint in an app repository so that a commit that
// breaks Oneex's convention is refused on the developer's machine, as the `commitlint` component
// refuses it in CI, and a commit whose .gitlab-ci.yml `oneex-ci check` rejects is refused before GitLab
// sees it. Idempotent: a second run changes nothing; it never overwrites what it did not write.

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

/** This library: the app repository runs its own copy of the CLI in the pre-commit hook. */
export const PACKAGE = '@oneex/ci-components';

/**
 * The range of this library an app repository depends on: the running CLI's major, whose catalog the
 * hook then checks against. A prerelease (`2.0.0-beta.1`) allows itself and what follows, since its
 * major may have no release yet. A build that is no release (`0.0.0-development`, the placeholder
 * semantic-release replaces when it publishes) knows no major: any release, which npm locks at install.
 */
export function libraryRange(version: string): string {
  const parsed = semver.parse(version);
  if (parsed === null || version === '0.0.0-development') return '*';
  if (parsed.prerelease.length > 0) return `^${parsed.version}`;
  return `^${parsed.major}`;
}

export const CONFIG_FILE = 'commitlint.config.mjs';
export const HOOK_FILE = '.husky/commit-msg';
const MARKER = 'written by `oneex-ci hooks install`';
export const HOOK_LINE = 'npx --no -- commitlint --edit "$1"';

export const CHECK_HOOK_FILE = '.husky/pre-commit';
const CHECK_BEGIN = `# >>> oneex-ci check, ${MARKER}; run it again to update this block`;
const CHECK_END = '# <<< oneex-ci check';
/**
 * The pre-commit block. Only a commit that adds or changes .gitlab-ci.yml pays for a check; the check
 * reads the staged content (what is committed, even with unstaged edits on top), copied under its own
 * name so the messages name `.gitlab-ci.yml`; `--prefix` makes npx find the repository's own CLI from
 * there, and `--no` forbids a download. Variables are prefixed: the block shares the team's shell.
 */
export const CHECK_BLOCK = [
  CHECK_BEGIN,
  'if ! git diff --cached --quiet --diff-filter=d -- .gitlab-ci.yml; then',
  '  oneex_ci_root=$(pwd)',
  '  oneex_ci_staged=$(mktemp -d)',
  '  git checkout-index --prefix="$oneex_ci_staged/" -- .gitlab-ci.yml',
  '  oneex_ci_status=0',
  '  (cd "$oneex_ci_staged" && npx --no --prefix "$oneex_ci_root" -- oneex-ci check .gitlab-ci.yml) ||',
  '    oneex_ci_status=$?',
  '  rm -rf "$oneex_ci_staged"',
  '  [ "$oneex_ci_status" -eq 0 ] || exit "$oneex_ci_status"',
  'fi',
  CHECK_END,
].join('\n');

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
export function withHooks(manifest: Manifest, fallbackName: string, version: string): Manifest {
  const next: Manifest = { ...manifest };
  if (next.name === undefined) next.name = fallbackName;
  // A repository that had no package.json (Scanner, CSharp) must never be published by accident.
  if (Object.keys(manifest).length === 0) next.private = true;
  const prepare = next.scripts?.prepare;
  if (prepare === undefined) next.scripts = { ...next.scripts, prepare: 'husky' };
  else if (!/\bhusky\b/.test(prepare)) next.scripts = { ...next.scripts, prepare: `${prepare} && husky` };
  const devDependencies = { ...next.devDependencies };
  const wanted: Record<string, string> = { ...DEV_DEPENDENCIES };
  // The library's own repository runs its CLI from source, not from a copy of itself.
  if (next.name !== PACKAGE) wanted[PACKAGE] = libraryRange(version);
  for (const [name, range] of Object.entries(wanted)) {
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

async function installManifest(root: string, version: string, log: Logger): Promise<Change> {
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
  const next = withHooks(manifest, basename(root), version);
  if (next.devDependencies?.[PACKAGE] === '*' && manifest.devDependencies?.[PACKAGE] !== '*')
    log.warn(
      `This CLI (${version}) is no release: package.json asks for any release of ${PACKAGE}. ` +
        'Set the major the repository uses (e.g. "^1").',
    );
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

/** The team's pre-commit hook, with the check block appended once (or brought up to date). */
export function withCheckBlock(existing: string | undefined): string | undefined {
  if (existing === undefined) return `${CHECK_BLOCK}\n`;
  const begin = existing.indexOf(CHECK_BEGIN);
  const end = existing.indexOf(CHECK_END, begin);
  if (begin !== -1 && end !== -1)
    return `${existing.slice(0, begin)}${CHECK_BLOCK}${existing.slice(end + CHECK_END.length)}`;
  // The team runs the check its own way: theirs stays alone.
  if (existing.includes('oneex-ci check')) return undefined;
  return `${existing.replace(/\n*$/, '\n')}${CHECK_BLOCK}\n`;
}

async function installCheckHook(root: string): Promise<Change> {
  const path = join(root, CHECK_HOOK_FILE);
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  const content = withCheckBlock(existing);
  if (content === undefined) return 'kept';
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
  const manifest = await installManifest(root, options.version, options.log);
  const [configFile, config] = await installConfig(root, options.version, options.log);
  const hook = await installHook(root);
  const checkHook = await installCheckHook(root);
  const active = await activate(root, options);
  return {
    root,
    files: {
      'package.json': manifest,
      [configFile]: config,
      [HOOK_FILE]: hook,
      [CHECK_HOOK_FILE]: checkHook,
    },
    active,
  };
}
