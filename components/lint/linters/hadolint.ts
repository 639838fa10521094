import { basename } from 'node:path';
import type { Finding, Severity } from '../../../src/runtime/codequality.ts';
import { firstExisting } from '../repository.ts';
import { asNumber, asString, failure, isRecord, overChunks, parseJson, projectPath } from './support.ts';
import type { Linter } from './types.ts';

// hadolint over Containerfiles and Dockerfiles. hadolint reads the repository's `.hadolint.yaml`
// (`.yml`) from the working directory itself, with its `ignored`, `override` and `trustedRegistries`;
// its own defaults apply otherwise. `--no-fail` leaves the verdict to the job's threshold, so a non-zero
// exit always means hadolint could not run.

export const isContainerfile = (file: string): boolean => {
  const name = basename(file);
  if (/\.dockerignore$/i.test(name)) return false;
  return /^(Containerfile|Dockerfile)(\..+)?$/i.test(name) || /\.(Containerfile|Dockerfile)$/i.test(name);
};

// hadolint's levels; DL1000 is its parse error, which stops it checking the file.
const SEVERITY: Record<string, Severity> = { error: 'major', warning: 'minor', info: 'info', style: 'info' };

/** `hadolint --format json` into findings: one array, or (older releases) one array per file and line. */
export function parseHadolint(stdout: string, root: string): Finding[] | undefined {
  const whole = parseJson(stdout);
  const arrays = Array.isArray(whole)
    ? [whole]
    : stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map(parseJson);
  if (!arrays.every(Array.isArray)) return undefined;
  return (arrays as unknown[][])
    .flat()
    .filter(isRecord)
    .map((item) => {
      const code = asString(item.code, 'DL1000');
      return {
        engine: 'hadolint',
        check: code,
        message: asString(item.message).trim(),
        severity: code === 'DL1000' ? 'critical' : (SEVERITY[asString(item.level)] ?? 'major'),
        path: projectPath(root, asString(item.file)),
        line: asNumber(item.line),
        column: asNumber(item.column),
      };
    });
}

export const hadolint: Linter = {
  name: 'hadolint',
  stack: 'containerfile',
  command: 'hadolint',
  install:
    'use a job image that has it, or install a release binary from https://github.com/hadolint/hadolint/releases',
  unit: 'files',
  targets: async (repo) => repo.files.filter(isContainerfile),
  detect: async (_repo, targets) => targets.length > 0,
  config: async (repo) => firstExisting(repo, ['.hadolint.yaml', '.hadolint.yml']),
  run: (run) =>
    overChunks(run, ['--format', 'json', '--no-fail'], (result) => {
      const findings = result.exitCode === 0 ? parseHadolint(result.stdout, run.repo.root) : undefined;
      return findings === undefined ? { findings: [], failure: failure('hadolint', result) } : { findings };
    }),
};
