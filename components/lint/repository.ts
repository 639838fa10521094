import { existsSync, statSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { basename, extname, join, posix } from 'node:path';
import { glob } from 'zx';

// The repository as the linters see it: its files (what git would track: `.gitignore` honoured, the
// `exclude` input applied), narrowed to the `paths` input, and questions about them.

/** Never linted, whatever .gitignore says: installed dependencies and the job's npm cache. */
export const ALWAYS_EXCLUDED = ['**/node_modules/**', '**/.git/**', '.npm/**', '**/.venv/**'] as const;

export interface Repository {
  /** The project directory (absolute). */
  readonly root: string;
  /** The `paths` input, normalised: relative, `/`-separated, `.` for the whole project. */
  readonly paths: readonly string[];
  /** The `exclude` input: glob patterns relative to the project directory. */
  readonly exclude: readonly string[];
  /** Every file under `paths`, relative to the project directory, sorted. */
  readonly files: readonly string[];
  /** The project directory and each directory in `paths`: where marker files such as package.json count. */
  readonly dirs: readonly string[];
  exists(path: string): boolean;
  read(path: string): Promise<string | undefined>;
  /** The first bytes of a file, for shebangs. */
  head(path: string): Promise<string>;
}

export async function openRepository(
  root: string,
  paths: readonly string[],
  exclude: readonly string[],
): Promise<Repository> {
  const all = await glob(['**'], {
    cwd: root,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    gitignore: true,
    ignore: [...ALWAYS_EXCLUDED, ...exclude],
  });
  const files = all.filter((file) => paths.some((path) => isUnder(file, path))).sort();
  const dirs = [...new Set(['.', ...paths.filter((path) => statSync(join(root, path)).isDirectory())])];
  return {
    root,
    paths,
    exclude,
    files,
    dirs,
    exists: (path) => existsSync(join(root, path)),
    read: (path) => readFile(join(root, path), 'utf8').catch(() => undefined),
    head: (path) => readHead(join(root, path)),
  };
}

export const isUnder = (file: string, path: string): boolean =>
  path === '.' || file === path || file.startsWith(`${path}/`);

/** `dir/name` relative to the project, `name` for the project directory itself. */
export const inDir = (dir: string, name: string): string => (dir === '.' ? name : posix.join(dir, name));

/** The files named `name` in the marker directories (the project directory and each of `paths`). */
export const markers = (repo: Repository, name: string): string[] =>
  repo.dirs.map((dir) => inDir(dir, name)).filter((path) => repo.exists(path));

async function readHead(path: string): Promise<string> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (handle === undefined) return '';
  try {
    const buffer = Buffer.alloc(128);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

export const hasExtension = (file: string, ...extensions: string[]): boolean =>
  extensions.includes(extname(file).toLowerCase());

export const fileName = (file: string): string => basename(file);

/** The first of `candidates` that exists in the project directory. */
export const firstExisting = (repo: Repository, candidates: readonly string[]): string | undefined =>
  candidates.find((candidate) => repo.exists(candidate));

/** Whether an INI-style file (setup.cfg, tox.ini) or TOML file has a `[section` header. */
export async function hasSection(repo: Repository, file: string, section: string): Promise<boolean> {
  const text = await repo.read(file);
  return text !== undefined && new RegExp(`^\\[${section.replace(/\./g, '\\.')}[\\].]`, 'm').test(text);
}

/** package.json's parsed content, or undefined. */
export async function packageJson(repo: Repository): Promise<Record<string, unknown> | undefined> {
  const text = await repo.read('package.json');
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
