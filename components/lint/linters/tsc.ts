import type { Finding, Severity } from '../../../src/runtime/codequality.ts';
import { inDir, type Repository } from '../repository.ts';
import { failure, projectPath } from './support.ts';
import type { Linter } from './types.ts';

// The TypeScript type check, `tsc --noEmit`, of each TypeScript project: the tsconfig.json of each
// directory in `paths`, else the project directory's. The project's own tsconfig.json is its
// configuration; there is no default, since type checking means nothing without one.

export async function tsconfigProjects(repo: Repository): Promise<string[]> {
  const inPaths = repo.dirs
    .filter((dir) => dir !== '.' || repo.paths.includes('.'))
    .map((dir) => inDir(dir, 'tsconfig.json'))
    .filter((file) => repo.exists(file));
  if (inPaths.length > 0) return inPaths;
  return repo.exists('tsconfig.json') ? ['tsconfig.json'] : [];
}

const LOCATED = /^(.+?)\((\d+),(\d+)\): (error|warning|message) (TS\d+): (.*)$/;
const GLOBAL = /^(error|warning|message) (TS\d+): (.*)$/;

function severityOf(category: string, code: string): Severity {
  if (category === 'warning') return 'minor';
  if (category === 'message') return 'info';
  // TS1xxx are syntax errors: the compiler could not read the file.
  return /^TS1\d{3}$/.test(code) ? 'critical' : 'major';
}

/**
 * `tsc --pretty false` output into findings. A diagnostic may go on over indented lines (the chain of
 * reasons); they join its message. Diagnostics without a file (a bad tsconfig) point at the project.
 */
export function parseTsc(stdout: string, root: string, project: string): Finding[] {
  const findings: Finding[] = [];
  for (const line of stdout.split('\n')) {
    const text = line.trimEnd();
    const located = LOCATED.exec(text);
    const global = located === null ? GLOBAL.exec(text) : null;
    if (located !== null) {
      const [, path = '', row = '1', column = '1', category = 'error', code = 'TS', message = ''] = located;
      findings.push({
        engine: 'tsc',
        check: code,
        message,
        severity: severityOf(category, code),
        path: projectPath(root, path),
        line: Number(row),
        column: Number(column),
      });
    } else if (global !== null) {
      const [, category = 'error', code = 'TS', message = ''] = global;
      findings.push({
        engine: 'tsc',
        check: code,
        message,
        severity: severityOf(category, code),
        path: project,
        line: 1,
      });
    } else if (/^\s+\S/.test(text) && findings.length > 0) {
      const last = findings.pop() as Finding;
      findings.push({ ...last, message: `${last.message} ${text.trim()}` });
    }
  }
  return findings;
}

export const tsc: Linter = {
  name: 'tsc',
  stack: 'typescript',
  command: 'tsc',
  localBin: ['node_modules/.bin'],
  install: 'add typescript to the repository’s devDependencies (npm install --save-dev typescript)',
  unit: 'projects',
  targets: tsconfigProjects,
  detect: async (_repo, targets) => targets.length > 0,
  config: async (repo) => (await tsconfigProjects(repo)).join(', ') || undefined,
  async run(run) {
    const findings: Finding[] = [];
    for (const project of run.targets) {
      const result = await run.exec(['--noEmit', '--pretty', 'false', '--project', project]);
      const found = parseTsc(result.stdout, run.repo.root, project);
      findings.push(...found);
      // 0: no errors; 1 and 2: diagnostics reported. Anything else, or an exit code without diagnostics, is tsc failing.
      if (result.exitCode > 2 || (result.exitCode !== 0 && found.length === 0)) {
        return { findings, failure: failure(`tsc --project ${project}`, result) };
      }
    }
    return { findings };
  },
};
