import { basename, extname } from 'node:path';
import type { Finding, Severity } from '../../../src/runtime/codequality.ts';
import { firstExisting, type Repository } from '../repository.ts';
import { asNumber, asString, failure, isRecord, overChunks, parseJson, projectPath } from './support.ts';
import type { Linter, LinterResult } from './types.ts';

// ShellCheck (shellcheck.net) over shell scripts: `*.sh`, `*.bash`, `*.ksh`, and files without an
// extension whose shebang names a POSIX shell, bash, dash or ksh. ShellCheck reads the repository's
// `.shellcheckrc` itself.

const SHELLS = new Set(['sh', 'bash', 'dash', 'ksh', 'mksh']);
const EXTENSIONS = new Set(['.sh', '.bash', '.ksh', '.dash']);

/** The interpreter a shebang line names (`#!/usr/bin/env bash` → `bash`), if any. */
export function shebangInterpreter(head: string): string | undefined {
  const match = /^#![ \t]*(\S+)(.*)$/m.exec(head.split('\n')[0] ?? '');
  if (match?.[1] === undefined) return undefined;
  const program = basename(match[1]);
  if (program !== 'env') return program;
  return (match[2] ?? '')
    .trim()
    .split(/\s+/)
    .find((word) => word !== '' && !word.startsWith('-'));
}

export async function shellScripts(repo: Repository): Promise<string[]> {
  const scripts: string[] = [];
  for (const file of repo.files) {
    const extension = extname(file).toLowerCase();
    if (EXTENSIONS.has(extension)) scripts.push(file);
    else if (extension === '' && SHELLS.has(shebangInterpreter(await repo.head(file)) ?? ''))
      scripts.push(file);
  }
  return scripts;
}

// ShellCheck's levels; its parse errors are SC1xxx at error level, which stop it checking the file.
const SEVERITY: Record<string, Severity> = { error: 'major', warning: 'minor', info: 'info', style: 'info' };

/** `shellcheck --format json1` (or the older `json`, a bare array) into findings. */
export function parseShellcheck(stdout: string, root: string): Finding[] | undefined {
  const parsed = parseJson(stdout);
  const comments = Array.isArray(parsed) ? parsed : isRecord(parsed) ? parsed.comments : undefined;
  if (!Array.isArray(comments)) return undefined;
  return comments.filter(isRecord).map((comment) => {
    const code = asNumber(comment.code, 0);
    const level = asString(comment.level, 'error');
    return {
      engine: 'shellcheck',
      check: `SC${code}`,
      message: asString(comment.message),
      severity: level === 'error' && code < 2000 ? 'critical' : (SEVERITY[level] ?? 'major'),
      path: projectPath(root, asString(comment.file)),
      line: asNumber(comment.line),
      column: asNumber(comment.column),
    };
  });
}

export const shellcheck: Linter = {
  name: 'shellcheck',
  stack: 'shell',
  command: 'shellcheck',
  install:
    'apt-get install shellcheck (Debian/Ubuntu), or a release from https://github.com/koalaman/shellcheck',
  unit: 'files',
  targets: shellScripts,
  detect: async (_repo, targets) => targets.length > 0,
  config: async (repo) => firstExisting(repo, ['.shellcheckrc', 'shellcheckrc']),
  run: (run) =>
    overChunks(run, ['--format', 'json1', '--external-sources'], (result): LinterResult => {
      // 0: clean, 1: comments; anything else (2 files missing, 3 bad syntax, 4 bad options) is a failure.
      const findings = result.exitCode <= 1 ? parseShellcheck(result.stdout, run.repo.root) : undefined;
      return findings === undefined ? { findings: [], failure: failure('shellcheck', result) } : { findings };
    }),
};
