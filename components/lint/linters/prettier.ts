import type { Finding } from '../../../src/runtime/codequality.ts';
import { firstExisting, packageJson, type Repository } from '../repository.ts';
import { failure, overChunks, projectPath } from './support.ts';
import type { Linter, LinterResult } from './types.ts';

// Prettier's check, `prettier --list-different`, over the repository's files (Prettier skips those it has
// no parser for, and those its `.prettierignore` lists). Formatting is a convention, not a correctness
// check, so detection picks Prettier only for repositories that use it (a Prettier configuration, or
// prettier among their dependencies); named in `linters`, it runs with Prettier's defaults when the
// repository has no configuration. Prettier reads `.editorconfig` too.

const CONFIGS = [
  '.prettierrc',
  ...['json', 'yaml', 'yml', 'json5', 'js', 'cjs', 'mjs', 'ts', 'cts', 'mts', 'toml'].map(
    (e) => `.prettierrc.${e}`,
  ),
  ...['js', 'cjs', 'mjs', 'ts', 'cts', 'mts'].map((e) => `prettier.config.${e}`),
];

export async function prettierConfig(repo: Repository): Promise<string | undefined> {
  const file = firstExisting(repo, CONFIGS);
  if (file !== undefined) return file;
  return (await packageJson(repo))?.prettier !== undefined ? 'package.json' : undefined;
}

async function usesPrettier(repo: Repository): Promise<boolean> {
  if ((await prettierConfig(repo)) !== undefined) return true;
  const manifest = await packageJson(repo);
  return ['dependencies', 'devDependencies'].some((key) => {
    const dependencies = manifest?.[key];
    return dependencies !== null && typeof dependencies === 'object' && 'prettier' in dependencies;
  });
}

const SYNTAX_ERROR = /^\[error\] (.+?): (SyntaxError: .*?)(?: \((\d+):(\d+)\))?$/;
// The code frame Prettier prints under a syntax error: `[error] > 1 | code`, `[error]     |   ^`.
const CODE_FRAME = /^\[error\]\s*(>\s*)?\d*\s*\|/;

/**
 * Prettier's output into findings: each file `--list-different` lists is one finding; each syntax error
 * on stderr another. Other `[error]` lines mean Prettier itself failed (a plugin missing, a bad option).
 */
export function parsePrettier(
  stdout: string,
  stderr: string,
  root: string,
): { findings: Finding[]; errors: string[] } {
  const findings: Finding[] = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('['))
    .map((file) => {
      const path = projectPath(root, file);
      return {
        engine: 'prettier',
        check: 'format',
        message: `Not formatted as Prettier formats it; run \`prettier --write ${path}\`.`,
        severity: 'major',
        path,
        line: 1,
      };
    });
  const errors: string[] = [];
  for (const line of stderr.split('\n').map((l) => l.trimEnd())) {
    const syntax = SYNTAX_ERROR.exec(line);
    if (syntax !== null) {
      const [, file = '', message = '', row = '1', column = '1'] = syntax;
      findings.push({
        engine: 'prettier',
        check: 'syntax-error',
        message,
        severity: 'critical',
        path: projectPath(root, file),
        line: Number(row),
        column: Number(column),
      });
    } else if (line.startsWith('[error]') && !CODE_FRAME.test(line)) {
      errors.push(line);
    }
  }
  return { findings, errors };
}

export const prettier: Linter = {
  name: 'prettier',
  stack: 'typescript',
  command: 'prettier',
  localBin: ['node_modules/.bin'],
  install:
    'add prettier to the repository’s devDependencies (npm install --save-dev prettier) so the install step gets it',
  unit: 'files',
  targets: async (repo) => repo.files,
  detect: async (repo, targets) => targets.length > 0 && (await usesPrettier(repo)),
  config: prettierConfig,
  run: (run) =>
    overChunks(
      run,
      ['--list-different', '--ignore-unknown', '--no-error-on-unmatched-pattern'],
      (result): LinterResult => {
        const { findings, errors } = parsePrettier(result.stdout, result.stderr, run.repo.root);
        // 0: all formatted, 1: some are not, 2: something went wrong (syntax errors are reported that way too).
        if (result.exitCode > 2 || errors.length > 0 || (result.exitCode === 2 && findings.length === 0)) {
          return { findings, failure: failure('prettier', result) };
        }
        return { findings };
      },
    ),
};
