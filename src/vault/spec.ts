// Secret references and declarations, parsed and checked completely before any request to Vault.
//
//   reference    [kv1:|kv2:]<api path>[?version=<n>]#<field>
//   declaration  <NAME>=<reference>
//
// The path is the one Vault's HTTP API reads (what `vault kv get -output-curl-string` shows): a KV v2
// secret is `<mount>/data/<path>`, a KV v1 secret is `<mount>/<path>`. A path holding `/data/` is read
// as KV v2; `kv1:` forces KV v1 (for a v1 mount whose paths hold a `data` segment), `kv2:` is allowed
// for symmetry. `?version=` pins a KV v2 version (latest when omitted).
//
//   DB_PASSWORD=kv/data/oneex/back#password
//   DB_PASSWORD=kv/data/oneex/back?version=3#password
//   LEGACY_TOKEN=secret/oneex/legacy#token          (KV v1)
//   OLD=kv1:legacy/data/oneex#token                 (KV v1 whose path holds a data segment)

export type KvEngine = 'kv1' | 'kv2';

export interface SecretRef {
  readonly engine: KvEngine;
  /**
   * KV v2: the mount, everything before the first `/data/` (may hold slashes: `team/kv`).
   * KV v1: the first segment; Vault does not say where a v1 mount ends, and the read does not need it.
   */
  readonly mount: string;
  /** The secret's path under the mount (after `/data/` for KV v2). */
  readonly path: string;
  readonly field: string;
  /** KV v2 only; undefined reads the latest version. */
  readonly version?: number;
  /** The reference as written, for messages (a path, never a value). */
  readonly text: string;
}

export type SecretDelivery = 'env' | 'file';

/** One secret a job declares: the variable it lands in, and how (its value, or the path of a 0600 file). */
export interface SecretDeclaration {
  readonly name: string;
  readonly ref: SecretRef;
  readonly delivery: SecretDelivery;
}

export type Parsed<T> = { readonly value: T } | { readonly problem: string };

const ENGINE_PREFIX = /^(kv1|kv2):/;
const SEGMENT = /^[A-Za-z0-9_@+=,~-][A-Za-z0-9._@+=,~-]*$/;
/** Vault's own backends: reading a secret from them is always a mistake in a declaration. */
const RESERVED_MOUNTS = ['sys', 'auth', 'identity'];

/** `kv/data/oneex/back#password` -> a reference, or what is wrong with it. */
export function parseSecretRef(text: string): Parsed<SecretRef> {
  const written = text.trim();
  if (written === '') return { problem: 'a secret reference such as kv/data/oneex/back#password' };
  if (/\s/.test(written))
    return { problem: 'a reference without spaces, such as kv/data/oneex/back#password' };
  let rest = written;
  const prefix = ENGINE_PREFIX.exec(rest)?.[1] as KvEngine | undefined;
  if (prefix !== undefined) rest = rest.slice(prefix.length + 1);
  else if (/^[A-Za-z0-9]+:/.test(rest))
    return {
      problem: `an engine prefix kv1: or kv2: (or none); got "${rest.slice(0, rest.indexOf(':') + 1)}"`,
    };

  const hash = rest.indexOf('#');
  if (hash < 0) return { problem: 'a field after "#": PATH#FIELD, such as kv/data/oneex/back#password' };
  if (rest.indexOf('#', hash + 1) >= 0) return { problem: 'one "#" only: PATH#FIELD' };
  const field = rest.slice(hash + 1);
  if (field === '') return { problem: 'a field name after "#" (it is empty)' };
  let pathPart = rest.slice(0, hash);

  let version: number | undefined;
  const question = pathPart.indexOf('?');
  if (question >= 0) {
    const query = pathPart.slice(question + 1);
    pathPart = pathPart.slice(0, question);
    const match = /^version=(.*)$/.exec(query);
    if (match === null) return { problem: `"?version=N" as the only query; got "?${query}"` };
    const raw = match[1] ?? '';
    if (!/^[1-9][0-9]{0,9}$/.test(raw))
      return { problem: `a version that is a whole number from 1 (omit it for the latest); got "${raw}"` };
    version = Number(raw);
  }

  if (pathPart === '') return { problem: 'a secret path before "#"' };
  if (pathPart.startsWith('/') || pathPart.endsWith('/'))
    return { problem: 'a path without leading or trailing "/" (the /v1/ prefix is added)' };
  if (pathPart.startsWith('v1/')) return { problem: 'a path without the /v1/ API prefix (it is added)' };
  const segments = pathPart.split('/');
  for (const segment of segments) {
    if (segment === '') return { problem: 'a path without empty segments ("//")' };
    if (segment === '.' || segment === '..') return { problem: 'a path without "." or ".." segments' };
    if (!SEGMENT.test(segment))
      return { problem: `path segments of letters, digits and ._@+=,~- only; got "${segment}"` };
  }

  const dataAt = segments.indexOf('data');
  const engine: KvEngine = prefix ?? (dataAt > 0 ? 'kv2' : 'kv1');
  if (engine === 'kv2') {
    if (dataAt < 0)
      return { problem: 'a KV v2 path of the form <mount>/data/<path> (as the HTTP API reads it)' };
    if (dataAt === 0) return { problem: 'a mount before /data/ (the path starts with data/)' };
    const mount = segments.slice(0, dataAt).join('/');
    const path = segments.slice(dataAt + 1).join('/');
    if (path === '') return { problem: `a secret path after ${mount}/data/` };
    const reserved = reservedMount(mount);
    if (reserved !== undefined) return { problem: reserved };
    return {
      value: { engine, mount, path, field, text: written, ...(version !== undefined ? { version } : {}) },
    };
  }

  if (version !== undefined) return { problem: 'no ?version= on a KV v1 path (KV v1 keeps no versions)' };
  if (segments[1] === 'metadata' && prefix === undefined)
    return { problem: 'the data path, <mount>/data/<path>: <mount>/metadata/ holds no secret values' };
  if (segments.length < 2) return { problem: 'a path of the form <mount>/<path> (only a mount was given)' };
  const mount = segments[0] ?? '';
  const reserved = reservedMount(mount);
  if (reserved !== undefined) return { problem: reserved };
  return { value: { engine, mount, path: segments.slice(1).join('/'), field, text: written } };
}

function reservedMount(mount: string): string | undefined {
  const first = mount.split('/')[0] ?? '';
  if (RESERVED_MOUNTS.includes(first))
    return `a KV secrets engine mount; "${first}/" is Vault's own ${first === 'sys' ? 'system backend' : `${first} backend`}`;
  return undefined;
}

/** Environment variable names a declaration may not take: the runner's, GitLab's, the library's, the shell's. */
const RESERVED_NAMES = new Set([
  'PATH',
  'HOME',
  'PWD',
  'OLDPWD',
  'IFS',
  'SHELL',
  'USER',
  'ENV',
  'BASH_ENV',
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'VAULT_TOKEN',
  'VAULT_ADDR',
  'VAULT_NAMESPACE',
]);
const RESERVED_PREFIXES = ['CI_', 'GITLAB_', 'RUNNER_', 'FF_', 'ONEEX_'];
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkVariableName(name: string): string | undefined {
  if (name === '') return 'a variable name before "=": NAME=PATH#FIELD';
  if (!VARIABLE_NAME.test(name))
    return `a variable name of letters, digits and _ (not starting with a digit); got "${name}"`;
  if (RESERVED_NAMES.has(name))
    return `a variable name of your own; ${name} is used by the job or the library`;
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix !== undefined)
    return `a variable name of your own; ${prefix}* names belong to GitLab, the runner or the library`;
  return undefined;
}

/** `DB_PASSWORD=kv/data/oneex/back#password` -> a declaration, or what is wrong with it. */
export function parseDeclaration(text: string, delivery: SecretDelivery): Parsed<SecretDeclaration> {
  const equals = text.indexOf('=');
  if (equals < 0) return { problem: 'NAME=PATH#FIELD, such as DB_PASSWORD=kv/data/oneex/back#password' };
  const name = text.slice(0, equals).trim();
  const badName = checkVariableName(name);
  if (badName !== undefined) return { problem: badName };
  const ref = parseSecretRef(text.slice(equals + 1));
  if ('problem' in ref) return ref;
  return { value: { name, ref: ref.value, delivery } };
}

/** One list of declarations as an input carries it, named for messages. */
export interface DeclarationList {
  /** The input that holds the list, e.g. `secrets`. */
  readonly input: string;
  readonly entries: readonly string[];
  readonly delivery: SecretDelivery;
}

export interface DeclarationProblem {
  /** `secrets[2]`: the input and the entry's index. */
  readonly input: string;
  readonly value: string;
  readonly expected: string;
}

/**
 * Parses every list, then checks names are unique across all of them. Returns every problem at once,
 * so a consumer fixes them in one go; nothing is requested while any remains.
 */
export function parseDeclarations(lists: readonly DeclarationList[]): {
  readonly declarations: readonly SecretDeclaration[];
  readonly problems: readonly DeclarationProblem[];
} {
  const declarations: SecretDeclaration[] = [];
  const problems: DeclarationProblem[] = [];
  const seen = new Map<string, string>();
  for (const list of lists) {
    list.entries.forEach((entry, index) => {
      const at = `${list.input}[${index}]`;
      const parsed = parseDeclaration(entry, list.delivery);
      if ('problem' in parsed) {
        problems.push({ input: at, value: entry, expected: parsed.problem });
        return;
      }
      const first = seen.get(parsed.value.name);
      if (first !== undefined) {
        problems.push({
          input: at,
          value: entry,
          expected: `a name declared once; ${parsed.value.name} is already declared by ${first}`,
        });
        return;
      }
      seen.set(parsed.value.name, at);
      declarations.push(parsed.value);
    });
  }
  return { declarations, problems };
}

/** The HTTP API path (after `/v1/`) that reads a reference, query included. */
export function apiPath(ref: SecretRef): string {
  const encode = (path: string) => path.split('/').map(encodeURIComponent).join('/');
  if (ref.engine === 'kv1') return `${encode(ref.mount)}/${encode(ref.path)}`;
  const query = ref.version !== undefined ? `?version=${ref.version}` : '';
  return `${encode(ref.mount)}/data/${encode(ref.path)}${query}`;
}

/** Requests for the same secret (path and version) share one read. */
export const readKey = (ref: SecretRef): string => `${ref.engine}:${apiPath(ref)}`;
