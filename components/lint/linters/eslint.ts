import { realpath, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding } from '../../../src/runtime/codequality.ts';
import { firstExisting, hasExtension, markers, packageJson, type Repository } from '../repository.ts';
import { asNumber, asString, failure, isRecord, parseJson, projectPath } from './support.ts';
import type { Linter } from './types.ts';

// ESLint over the JavaScript and TypeScript of a repository with a package.json, with the repository's
// own configuration (flat `eslint.config.*`, or a legacy `.eslintrc*` for ESLint 8) and its own plugins
// from node_modules. Without a configuration, the library's default: @eslint/js recommended and, for
// TypeScript, typescript-eslint recommended, each used when it can be found (in the repository's
// node_modules, else beside the ESLint that runs).

const SOURCE_EXTENSIONS = [
  '.js',
  '.mjs',
  '.cjs',
  '.jsx',
  '.ts',
  '.mts',
  '.cts',
  '.tsx',
  '.vue',
  '.svelte',
  '.astro',
];
const FLAT = ['js', 'mjs', 'cjs', 'ts', 'mts', 'cts'].map((extension) => `eslint.config.${extension}`);
const LEGACY = [
  '.eslintrc.js',
  '.eslintrc.cjs',
  '.eslintrc.yaml',
  '.eslintrc.yml',
  '.eslintrc.json',
  '.eslintrc',
];

export async function eslintConfig(repo: Repository): Promise<string | undefined> {
  const file = firstExisting(repo, [...FLAT, ...LEGACY]);
  if (file !== undefined) return file;
  if ((await packageJson(repo))?.eslintConfig !== undefined) return 'package.json';
  // A monorepo may configure each package in its own folder; ESLint finds those beside the files.
  return repo.files.find((path) => FLAT.includes(basename(path)));
}

const isLegacy = (config: string): boolean => config.startsWith('.eslintrc') || config === 'package.json';

/** `eslint --format json` into findings. */
export function parseEslint(stdout: string, root: string): Finding[] | undefined {
  const parsed = parseJson(stdout);
  if (!Array.isArray(parsed)) return undefined;
  return parsed.filter(isRecord).flatMap((file) => {
    const path = projectPath(root, asString(file.filePath));
    const messages = Array.isArray(file.messages) ? file.messages.filter(isRecord) : [];
    return messages.map((message): Finding => {
      const fatal = message.fatal === true;
      return {
        engine: 'eslint',
        check: typeof message.ruleId === 'string' ? message.ruleId : fatal ? 'syntax-error' : 'eslint',
        message: asString(message.message),
        severity: fatal ? 'critical' : message.severity === 2 ? 'major' : 'minor',
        path,
        line: asNumber(message.line),
        column: asNumber(message.column),
      };
    });
  });
}

/** Where a package resolves from the repository, else from beside ESLint itself; undefined when nowhere. */
function resolveFrom(places: readonly string[], name: string): string | undefined {
  for (const place of places) {
    try {
      return createRequire(place).resolve(name);
    } catch {
      // Not there: try the next place.
    }
  }
  return undefined;
}

/** Writes the library's default flat configuration; returns its path and what it holds. */
export async function writeDefaultConfig(
  root: string,
  eslintCommand: string,
  dir: string,
): Promise<{ path: string; holds: string[] }> {
  const places = [join(root, 'package.json'), await realpath(eslintCommand).catch(() => eslintCommand)];
  const js = resolveFrom(places, '@eslint/js');
  const ts = resolveFrom(places, 'typescript-eslint');
  const lines = [
    '// The Oneex lint component’s ESLint configuration, for repositories without their own.',
    ...(js !== undefined ? [`import js from ${JSON.stringify(pathToFileURL(js).href)};`] : []),
    ...(ts !== undefined ? [`import tseslint from ${JSON.stringify(pathToFileURL(ts).href)};`] : []),
    'export default [',
    "  { ignores: ['**/dist/', '**/build/', '**/coverage/', '.npm/'] },",
    ...(js !== undefined ? ['  js.configs.recommended,'] : []),
    ...(ts !== undefined ? ['  ...tseslint.configs.recommended,'] : []),
    // The default cannot know whether a file runs in Node or a browser, so it cannot know their globals.
    "  { rules: { 'no-undef': 'off' } },",
    '];',
    '',
  ];
  const path = join(dir, 'eslint.config.mjs');
  await writeFile(path, lines.join('\n'));
  return {
    path,
    holds: [
      js !== undefined ? '@eslint/js recommended' : 'no rules (@eslint/js not found)',
      ts !== undefined
        ? 'typescript-eslint recommended'
        : 'no TypeScript support (typescript-eslint not found)',
    ],
  };
}

export const eslint: Linter = {
  name: 'eslint',
  stack: 'typescript',
  command: 'eslint',
  localBin: ['node_modules/.bin'],
  install:
    'add eslint to the repository’s devDependencies (npm install --save-dev eslint) so the install step gets it',
  unit: 'files',
  targets: async (repo) => repo.files.filter((file) => hasExtension(file, ...SOURCE_EXTENSIONS)),
  detect: async (repo, targets) => markers(repo, 'package.json').length > 0 && targets.length > 0,
  config: eslintConfig,
  async run(run) {
    const notes: string[] = [];
    const args = ['--format', 'json', '--no-error-on-unmatched-pattern'];
    if (run.config === undefined) {
      const fallback = await writeDefaultConfig(run.repo.root, run.command, run.tmp);
      args.push('--config', fallback.path);
      notes.push(
        `No ESLint configuration in the repository: the library default (${fallback.holds.join(', ')}).`,
      );
    }
    for (const pattern of run.repo.exclude) args.push('--ignore-pattern', pattern);
    const legacy = run.config !== undefined && isLegacy(run.config);
    if (legacy) {
      notes.push(
        `${run.config} is a legacy configuration: ESLint 8 reads it, ESLint 9 only with ESLINT_USE_FLAT_CONFIG=false (which the job sets), ESLint 10 not at all.`,
      );
    }
    const env: Record<string, string> = legacy ? { ESLINT_USE_FLAT_CONFIG: 'false' } : {};
    const result = await run.exec([...args, ...run.repo.paths], env);
    // 0: no errors, 1: errors; 2: ESLint failed (a bad configuration, a missing plugin).
    const findings = result.exitCode <= 1 ? parseEslint(result.stdout, run.repo.root) : undefined;
    if (findings === undefined) return { findings: [], failure: failure('eslint', result), notes };
    return { findings, notes };
  },
};
