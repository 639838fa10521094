import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { closest } from '../../src/runtime/suggest.ts';

// Where in the GitOps repository an app's environment lives. The layout is a path template, so that
// `apps/{app}/overlays/{environment}` (Kustomize) or `apps/{app}/values-{environment}.yaml` (Helm)
// fits whatever the repository does.

export type Format = 'kustomize' | 'helm';

export const PLACEHOLDERS = ['app', 'environment'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

/** The names Kustomize itself accepts for a kustomization, in its order of preference. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Placeholders the template uses that are not `{app}` or `{environment}`. */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(/\{([^}]*)\}/g)]
    .map((match) => match[1] ?? '')
    .filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
}

/** Why a path (a template, or one expanded) may not be used in a repository, if it may not. */
export function pathProblem(path: string): string | undefined {
  if (path === '' || path.startsWith('/') || /^[A-Za-z]:/.test(path))
    return 'a path relative to the repository root';
  if (path.split('/').some((segment) => segment === '..' || segment === '.git')) {
    return 'a path inside the repository (no `..` or `.git` segment)';
  }
  return undefined;
}

export function expand(template: string, values: Readonly<Record<Placeholder, string>>): string {
  return template.replace(/\{(app|environment)\}/g, (_, name: Placeholder) => values[name]);
}

export interface Located {
  /** The file to edit, relative to the repository root (POSIX separators). */
  readonly file: string;
  /** The directory to render (Kustomize) or that holds the values file (Helm). */
  readonly dir: string;
}

export type Missing =
  | { readonly kind: 'unknown-environment'; readonly known: readonly string[]; readonly suggestion?: string }
  | { readonly kind: 'missing'; readonly path: string; readonly reason: string };

/** The file a promotion edits, or what is missing in the repository. */
export async function locate(
  repo: string,
  template: string,
  values: Readonly<Record<Placeholder, string>>,
  format: Format,
): Promise<Located | Missing> {
  const path = expand(template, values);
  const found = fileAt(repo, path, format);
  if (typeof found === 'string')
    return { file: found, dir: format === 'kustomize' ? path : posix.dirname(path) };
  const known = await knownEnvironments(repo, template, values.app, format);
  if (known.length > 0 && !known.includes(values.environment)) {
    // `prod` for `production`: a prefix is as telling as a typo.
    const prefixed = known.filter(
      (name) => name.startsWith(values.environment) || values.environment.startsWith(name),
    );
    const suggestion =
      closest(values.environment, known) ?? (prefixed.length === 1 ? prefixed[0] : undefined);
    return { kind: 'unknown-environment', known, ...(suggestion !== undefined ? { suggestion } : {}) };
  }
  return { kind: 'missing', path, reason: found.reason };
}

function fileAt(repo: string, path: string, format: Format): string | { reason: string } {
  const absolute = join(repo, path);
  if (format === 'helm') {
    if (!existsSync(absolute)) return { reason: 'the values file does not exist' };
    if (!statSync(absolute).isFile()) return { reason: 'it is not a file' };
    return path;
  }
  if (!existsSync(absolute)) return { reason: 'the overlay directory does not exist' };
  if (!statSync(absolute).isDirectory()) return { reason: 'it is not a directory' };
  const name = KUSTOMIZATION_FILES.find((candidate) => existsSync(join(absolute, candidate)));
  if (name === undefined) return { reason: `it has no ${KUSTOMIZATION_FILES.join(', ')}` };
  return posix.join(path, name);
}

/**
 * The environments the repository has for this app: the names that fill `{environment}` where the
 * template, so filled, leads to an existing overlay or values file.
 */
async function knownEnvironments(
  repo: string,
  template: string,
  app: string,
  format: Format,
): Promise<string[]> {
  const segments = template.split('/');
  const index = segments.findIndex((segment) => segment.includes('{environment}'));
  if (index < 0) return [];
  const parent = expand(segments.slice(0, index).join('/'), { app, environment: '' });
  const segment = segments[index] ?? '';
  const pattern = new RegExp(
    `^${segment
      .split('{environment}')
      .map((part) => escapeRegExp(expand(part, { app, environment: '' })))
      .join('(.+)')}$`,
  );
  const entries = await readdir(join(repo, parent)).catch(() => [] as string[]);
  const known: string[] = [];
  for (const entry of entries.sort()) {
    const environment = pattern.exec(entry)?.[1];
    if (environment === undefined) continue;
    if (typeof fileAt(repo, expand(template, { app, environment }), format) === 'string')
      known.push(environment);
  }
  return known;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
