import type { Finding } from '../../../src/runtime/codequality.ts';
import { firstExisting, hasExtension } from '../repository.ts';
import { failure, overChunks, projectPath } from './support.ts';
import type { Linter } from './types.ts';

// yamllint over `*.yml` and `*.yaml`. yamllint reads the repository's `.yamllint` (`.yaml`, `.yml`) from
// the working directory itself; without one, the library's default below applies.

/**
 * yamllint's own `default` rules, eased where they fight common CI files: no `---` required, lines up to
 * 120 characters (a warning beyond), `on:` keys allowed, and sequences indented or not, as long as a file
 * is consistent.
 */
export const DEFAULT_CONFIG = `extends: default
rules:
  document-start: disable
  line-length: {max: 120, level: warning}
  truthy: {check-keys: false}
  comments: {min-spaces-from-content: 1}
  indentation: {spaces: consistent, indent-sequences: consistent}
`;

const LINE = /^(.+?):(\d+):(\d+): \[(error|warning)\] (.*?)(?: \(([\w-]+)\))?$/;

/** `yamllint --format parsable` lines into findings. */
export function parseYamllint(stdout: string, root: string): Finding[] {
  const findings: Finding[] = [];
  for (const line of stdout.split('\n')) {
    const match = LINE.exec(line.trimEnd());
    if (match === null) continue;
    const [, path = '', row = '1', column = '1', level, message = '', rule = 'syntax'] = match;
    findings.push({
      engine: 'yamllint',
      check: rule,
      message,
      severity: rule === 'syntax' ? 'critical' : level === 'error' ? 'major' : 'minor',
      path: projectPath(root, path),
      line: Number(row),
      column: Number(column),
    });
  }
  return findings;
}

export const yamllint: Linter = {
  name: 'yamllint',
  stack: 'yaml',
  command: 'yamllint',
  install: 'apt-get install yamllint (Debian/Ubuntu) or pip install yamllint',
  unit: 'files',
  targets: async (repo) => repo.files.filter((file) => hasExtension(file, '.yml', '.yaml')),
  detect: async (_repo, targets) => targets.length > 0,
  config: async (repo) => firstExisting(repo, ['.yamllint', '.yamllint.yaml', '.yamllint.yml']),
  run: (run) =>
    overChunks(
      run,
      ['--format', 'parsable', ...(run.config === undefined ? ['--config-data', DEFAULT_CONFIG] : [])],
      (result) => {
        // 0: no errors, 1: errors, 2: warnings with --strict; anything else (a bad configuration) is a failure.
        if (result.exitCode > 2) return { findings: [], failure: failure('yamllint', result) };
        const findings = parseYamllint(result.stdout, run.repo.root);
        if (result.exitCode !== 0 && findings.length === 0) {
          return { findings, failure: failure('yamllint', result) };
        }
        return { findings };
      },
    ),
};
