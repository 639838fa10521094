import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Finding } from '../../../src/runtime/codequality.ts';
import { firstExisting, hasExtension, isUnder, type Repository } from '../repository.ts';
import { asNumber, asString, failure, isRecord, parseJson, projectPath } from './support.ts';
import type { Linter } from './types.ts';

// `dotnet format --verify-no-changes` (the .NET SDK's formatter: whitespace, code style and analyzer
// fixes) over each solution or project, with the repository's `.editorconfig` as its configuration, as
// dotnet format reads it. Its `--report` JSON lists every change it would make.

const SOLUTION = ['.sln', '.slnx'];
const PROJECT = ['.csproj', '.vbproj'];

/**
 * The workspaces to format: a solution or project named in `paths`; else, per directory, its solutions,
 * else its projects, else the projects below it (dotnet format takes one workspace at a time).
 */
export async function dotnetWorkspaces(repo: Repository): Promise<string[]> {
  const workspaces = repo.paths.filter((path) => hasExtension(path, ...SOLUTION, ...PROJECT));
  for (const dir of repo.dirs.filter((d) => d !== '.' || repo.paths.includes('.'))) {
    const inside = repo.files.filter((file) => isUnder(file, dir));
    const direct = inside.filter(
      (file) => posix.dirname(file) === dir || (dir === '.' && !file.includes('/')),
    );
    const solutions = direct.filter((file) => hasExtension(file, ...SOLUTION));
    const projects = direct.filter((file) => hasExtension(file, ...PROJECT));
    const below = inside.filter((file) => hasExtension(file, ...PROJECT));
    workspaces.push(...(solutions.length > 0 ? solutions : projects.length > 0 ? projects : below));
  }
  return [...new Set(workspaces)];
}

/** dotnet format's `--report` file (FormattedFile records) into findings. */
export function parseDotnetFormatReport(text: string, root: string): Finding[] | undefined {
  const parsed = parseJson(text);
  if (!Array.isArray(parsed)) return undefined;
  return parsed.filter(isRecord).flatMap((file) => {
    const path = projectPath(root, asString(file.FilePath, asString(file.FileName)));
    const changes = Array.isArray(file.FileChanges) ? file.FileChanges.filter(isRecord) : [];
    return changes.map((change) => ({
      engine: 'dotnet-format',
      check: asString(change.DiagnosticId, 'FORMAT') || 'FORMAT',
      message: asString(change.FormatDescription),
      severity: 'major' as const,
      path,
      line: asNumber(change.LineNumber),
      column: asNumber(change.CharNumber),
    }));
  });
}

export const dotnetFormat: Linter = {
  name: 'dotnet-format',
  stack: 'dotnet',
  command: 'dotnet',
  install:
    'run the job in an image with the .NET SDK 6 or newer (it ships `dotnet format`) and oneex-ci: set the `image` input',
  unit: 'workspaces',
  targets: dotnetWorkspaces,
  detect: async (_repo, targets) => targets.length > 0,
  config: async (repo) => firstExisting(repo, ['.editorconfig']),
  async run(run) {
    const findings: Finding[] = [];
    for (const [index, workspace] of run.targets.entries()) {
      const report = join(run.tmp, `dotnet-format-${index}.json`);
      const exclude = run.repo.exclude.length > 0 ? ['--exclude', ...run.repo.exclude] : [];
      const result = await run.exec([
        'format',
        workspace,
        '--verify-no-changes',
        '--report',
        report,
        ...exclude,
      ]);
      // 0: nothing to change, 2: changes needed (the report lists them); 1, 3 and 4: dotnet format failed.
      if (result.exitCode !== 0 && result.exitCode !== 2) {
        return { findings, failure: failure(`dotnet format ${workspace}`, result) };
      }
      const found = parseDotnetFormatReport(await readFile(report, 'utf8').catch(() => ''), run.repo.root);
      if (found === undefined || (result.exitCode === 2 && found.length === 0)) {
        if (result.exitCode === 0) continue;
        return {
          findings,
          failure: failure(`dotnet format ${workspace}`, result, 'wrote no readable report'),
        };
      }
      findings.push(...found);
    }
    return { findings };
  },
};
