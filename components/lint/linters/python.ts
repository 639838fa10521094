import type { Finding } from '../../../src/runtime/codequality.ts';
import { firstExisting, hasExtension, hasSection, markers, type Repository } from '../repository.ts';
import { asNumber, asString, failure, isRecord, parseJson, projectPath } from './support.ts';
import type { Linter } from './types.ts';

// Python: Ruff, or Flake8 where the repository uses it. The repository's choice wins: a Ruff
// configuration means Ruff, a Flake8 one (and no Ruff one) means Flake8; with neither, Ruff when the
// job has it, else Flake8. Both read their configuration from the repository themselves.

const pythonFiles = async (repo: Repository) =>
  repo.files.filter((file) => hasExtension(file, '.py', '.pyi'));

const isPythonProject = async (repo: Repository, targets: readonly string[]) =>
  targets.length > 0 ||
  ['pyproject.toml', 'setup.cfg', 'setup.py'].some((name) => markers(repo, name).length > 0);

export async function ruffConfig(repo: Repository): Promise<string | undefined> {
  const file = firstExisting(repo, ['ruff.toml', '.ruff.toml']);
  if (file !== undefined) return file;
  return (await hasSection(repo, 'pyproject.toml', 'tool.ruff')) ? 'pyproject.toml' : undefined;
}

export async function flake8Config(repo: Repository): Promise<string | undefined> {
  if (repo.exists('.flake8')) return '.flake8';
  for (const file of ['setup.cfg', 'tox.ini']) if (await hasSection(repo, file, 'flake8')) return file;
  return undefined;
}

/** Excluded from Flake8 (which, unlike Ruff, does not skip virtual environments by itself). */
const FLAKE8_ALWAYS_EXCLUDED = ['.venv', 'venv', 'node_modules', '.npm'];

/** `ruff check --output-format json` into findings. Syntax errors have no code. */
export function parseRuff(stdout: string, root: string): Finding[] | undefined {
  const parsed = parseJson(stdout);
  if (!Array.isArray(parsed)) return undefined;
  return parsed.filter(isRecord).map((item) => {
    const location = isRecord(item.location) ? item.location : {};
    const code = typeof item.code === 'string' && item.code !== '' ? item.code : undefined;
    return {
      engine: 'ruff',
      check: code ?? 'syntax-error',
      message: asString(item.message),
      severity: code === undefined ? 'critical' : 'major',
      path: projectPath(root, asString(item.filename)),
      line: asNumber(location.row),
      column: asNumber(location.column),
    };
  });
}

const FLAKE8_LINE = /^(.+?):(\d+):(\d+): ([A-Z]+\d+) (.*)$/;

/** Flake8's default format, `path:row:col: CODE text`, into findings. */
export function parseFlake8(stdout: string, root: string): Finding[] {
  const findings: Finding[] = [];
  for (const line of stdout.split('\n')) {
    const match = FLAKE8_LINE.exec(line.trimEnd());
    if (match === null) continue;
    const [, path = '', row = '1', column = '1', code = 'E', message = ''] = match;
    findings.push({
      engine: 'flake8',
      check: code,
      message,
      // E999 is a syntax error and E902 an unreadable file: Flake8 could not check the file at all.
      severity: code === 'E999' || code === 'E902' ? 'critical' : 'major',
      path: projectPath(root, path),
      line: Math.max(1, Number(row)),
      column: Number(column),
    });
  }
  return findings;
}

export const ruff: Linter = {
  name: 'ruff',
  stack: 'python',
  command: 'ruff',
  localBin: ['.venv/bin'],
  install: 'pip install ruff (or uv tool install ruff), in the job image or the repository’s .venv',
  unit: 'files',
  targets: pythonFiles,
  detect: isPythonProject,
  config: ruffConfig,
  async run(run) {
    const excludes = run.repo.exclude.flatMap((pattern) => ['--extend-exclude', pattern]);
    const result = await run.exec([
      'check',
      '--output-format',
      'json',
      '--no-fix',
      '--force-exclude',
      ...excludes,
      ...run.repo.paths,
    ]);
    // 0: no violations, 1: violations, 2: Ruff itself failed (bad configuration, bad arguments).
    const findings = result.exitCode <= 1 ? parseRuff(result.stdout, run.repo.root) : undefined;
    return findings === undefined ? { findings: [], failure: failure('ruff', result) } : { findings };
  },
};

export const flake8: Linter = {
  name: 'flake8',
  stack: 'python',
  command: 'flake8',
  localBin: ['.venv/bin'],
  install:
    'apt-get install flake8 (Debian/Ubuntu) or pip install flake8, in the job image or the repository’s .venv',
  unit: 'files',
  targets: pythonFiles,
  detect: isPythonProject,
  config: flake8Config,
  async run(run) {
    // Without a configuration of the repository's own, Black's recommended settings.
    const defaults = run.config === undefined ? ['--max-line-length=88', '--extend-ignore=E203,E701'] : [];
    const result = await run.exec([
      '--format=default',
      '--exit-zero',
      `--extend-exclude=${[...FLAKE8_ALWAYS_EXCLUDED, ...run.repo.exclude].join(',')}`,
      ...defaults,
      ...run.repo.paths,
    ]);
    // With --exit-zero, violations exit 0: anything else is Flake8 failing (a bad configuration, a crash).
    if (result.exitCode !== 0) return { findings: [], failure: failure('flake8', result) };
    return { findings: parseFlake8(result.stdout, run.repo.root) };
  },
};

/** The Python linters to try, in order: the repository's configured one alone, else Ruff then Flake8. */
export async function pythonCandidates(repo: Repository): Promise<Linter[]> {
  if ((await ruffConfig(repo)) !== undefined) return [ruff];
  if ((await flake8Config(repo)) !== undefined) return [flake8];
  return [ruff, flake8];
}
