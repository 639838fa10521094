// A test double of the OpenTofu / Terraform CLI (no binary exists for these machines). Run as `tofu` or
// `terraform` through the `tofu-double` wrapper. It follows the documented CLI contract where the
// component depends on it, strictly:
// - the commands and flags it accepts (an unknown flag fails as the real CLI fails), exit codes
//   (`plan -detailed-exitcode` 0/1/2, `fmt -check` 3), `-no-color` diagnostics;
// - the `http` backend: addresses from `-backend-config` stored in .terraform/, credentials from
//   TF_HTTP_USERNAME/TF_HTTP_PASSWORD at every run, real HTTP to the state API with locking
//   (POST/DELETE lock address, 409/423 = locked, `-lock-timeout` waits), 401/403 messages;
// - saved plans that record the state's lineage and serial, so `apply` refuses a stale plan with
//   "Saved plan is stale", and store variable values (as real plans do);
// - `show -json` in the JSON plan format (format_version, resource_changes[].change.actions) and
//   `output -json`;
// - the provider plugin cache (TF_PLUGIN_CACHE_DIR).
// What it does not do: talk to providers. Resources are instances of `resource` blocks (count and
// for_each over literals and variables); a change of an instance's configuration is an update. Output
// and local values may be literals or references to variables and locals (with attribute and index
// access); anything else fails, saying so. Every call is appended to $TOFU_DOUBLE_LOG as one JSON line (the
// TF_* and PROXMOX_VE_* variables it saw by name, with a short SHA-256 of each value, never the value).

import { createHash, randomUUID } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';

const TOOL = process.env.TOFU_DOUBLE_AS === 'terraform' ? 'terraform' : 'tofu';
const PRODUCT = TOOL === 'tofu' ? 'OpenTofu' : 'Terraform';
const VERSION = TOOL === 'tofu' ? '1.9.1' : '1.9.8';
const REGISTRY = TOOL === 'tofu' ? 'registry.opentofu.org' : 'registry.terraform.io';
const PLAN_MAGIC = 'tofu-double-plan/1';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, Json>;

// Plain TypeScript only (no parameter properties): Node runs this file by stripping its types.
class Exit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const err = (text: string) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);

function fail(summary: string, detail = '', code = 1): never {
  err(`\nError: ${summary}\n${detail !== '' ? `\n${detail}\n` : ''}`);
  throw new Exit(code);
}

// ---------------------------------------------------------------------------------------------------
// Flags, as Go's flag package parses them: -name, -name=value, -name value for non-booleans.

interface Flags {
  readonly bools: Set<string>;
  /** Booleans given as `-name=false`, for those whose default is true (`-lock`, `-refresh`). */
  readonly negated: Set<string>;
  readonly values: Map<string, string[]>;
  readonly positional: string[];
}

function parseFlags(args: readonly string[], booleans: readonly string[], valued: readonly string[]): Flags {
  const flags: Flags = { bools: new Set(), negated: new Set(), values: new Map(), positional: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('-') || flags.positional.length > 0) {
      flags.positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    if (booleans.includes(name)) {
      const value = eq < 0 ? 'true' : body.slice(eq + 1);
      if (value === 'true') flags.bools.add(name);
      else {
        flags.bools.delete(name);
        flags.negated.add(name);
      }
    } else if (valued.includes(name)) {
      const value = eq < 0 ? args[++i] : body.slice(eq + 1);
      if (value === undefined) fail('Failed to parse command-line flags', `flag needs an argument: -${name}`);
      flags.values.set(name, [...(flags.values.get(name) ?? []), value]);
    } else {
      fail('Failed to parse command-line flags', `flag provided but not defined: -${name}`);
    }
  }
  return flags;
}

const last = (flags: Flags, name: string): string | undefined => flags.values.get(name)?.at(-1);

// ---------------------------------------------------------------------------------------------------
// Configuration: HashiCorp's HCL parser (WebAssembly), then a small evaluator for what the double needs.

type Parse = (filename: string, contents: string) => Promise<Obj>;
// Loaded on first use: the parser compiles its WebAssembly on import, which `version` need not wait for.
let parser: Promise<Parse> | undefined;
const parseNow: Parse = async (filename, contents) => {
  parser ??= import('@cdktf/hcl2json').then((m) => (m.default as unknown as { parse: Parse }).parse);
  return (await parser)(filename, contents);
};

// With TOFU_DOUBLE_CACHE (the wrapper sets it), each parse, or the parser's error, is kept under the
// SHA-256 of the parser's version, the file's name and its contents: a call whose files were all
// parsed before never starts the parser. The result is the parser's own, byte for byte.
const PARSER_VERSION = (createRequire(import.meta.url)('@cdktf/hcl2json/package.json') as { version: string })
  .version;
const parse: Parse = async (filename, contents) => {
  const dir = process.env.TOFU_DOUBLE_CACHE;
  if (dir === undefined || dir === '') return parseNow(filename, contents);
  const key = createHash('sha256').update(`${PARSER_VERSION}\0${filename}\0${contents}`).digest('hex');
  const path = join(dir, 'hcl', `${key}.json`);
  if (existsSync(path)) {
    const kept = JSON.parse(readFileSync(path, 'utf8')) as { body?: Obj; error?: string };
    if (kept.error !== undefined) throw new Error(kept.error);
    return kept.body ?? {};
  }
  let kept: { body?: Obj; error?: string };
  try {
    kept = { body: await parseNow(filename, contents) };
  } catch (error) {
    kept = { error: (error as Error).message };
  }
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}`;
  writeFileSync(partial, JSON.stringify(kept));
  renameSync(partial, path);
  if (kept.error !== undefined) throw new Error(kept.error);
  return kept.body ?? {};
};

interface Config {
  readonly files: string[];
  readonly variables: Map<string, { default?: Json; sensitive: boolean; hasDefault: boolean }>;
  readonly locals: Map<string, Json>;
  readonly resources: { type: string; name: string; block: Obj; file: string }[];
  readonly outputs: Map<string, { value: Json; sensitive: boolean }>;
  readonly providers: Map<string, { source: string; constraint: string }>;
  readonly providerBlocks: Map<string, Obj>;
  readonly backends: string[];
  readonly text: string;
}

const asList = (value: Json | undefined): Json[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];
const asObj = (value: Json | undefined): Obj =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};

function configFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(tf|tofu)(\.json)?$/.test(f) && statSync(join(dir, f)).isFile())
    .sort();
}

async function loadConfig(dir: string, onError: (file: string, message: string) => void): Promise<Config> {
  const config: Config = {
    files: configFiles(dir),
    variables: new Map(),
    locals: new Map(),
    resources: [],
    outputs: new Map(),
    providers: new Map(),
    providerBlocks: new Map(),
    backends: [],
    text: '',
  };
  let text = '';
  for (const file of config.files) {
    const source = readFileSync(join(dir, file), 'utf8');
    text += source;
    let body: Obj;
    try {
      body = file.endsWith('.json') ? (JSON.parse(source) as Obj) : await parse(file, source);
    } catch (error) {
      onError(file, (error as Error).message.replace(/^parse config: \[(.*)\]$/s, '$1'));
      continue;
    }
    for (const [name, blocks] of Object.entries(asObj(body.variable))) {
      const block = asObj(asList(blocks)[0]);
      config.variables.set(name, {
        ...('default' in block ? { default: block.default ?? null } : {}),
        hasDefault: 'default' in block,
        sensitive: block.sensitive === true,
      });
    }
    for (const blocks of asList(body.locals))
      for (const [k, v] of Object.entries(asObj(blocks))) config.locals.set(k, v);
    for (const [type, named] of Object.entries(asObj(body.resource))) {
      for (const [name, blocks] of Object.entries(asObj(named)))
        config.resources.push({ type, name, block: asObj(asList(blocks)[0]), file });
    }
    for (const [name, blocks] of Object.entries(asObj(body.output))) {
      const block = asObj(asList(blocks)[0]);
      config.outputs.set(name, { value: block.value ?? null, sensitive: block.sensitive === true });
    }
    for (const [name, blocks] of Object.entries(asObj(body.provider)))
      config.providerBlocks.set(name, asObj(asList(blocks)[0]));
    for (const block of asList(body.terraform)) {
      for (const backend of Object.keys(asObj(asObj(block).backend))) config.backends.push(backend);
      for (const providers of asList(asObj(block).required_providers)) {
        for (const [name, spec] of Object.entries(asObj(providers))) {
          const s = asObj(spec);
          config.providers.set(name, {
            source: String(s.source ?? `hashicorp/${name}`),
            constraint: String(s.version ?? ''),
          });
        }
      }
    }
  }
  return { ...config, text };
}

/** Evaluates what the double supports: literals, and `${var.x…}` / `${local.x…}` references. */
function evaluate(value: Json, scope: Scope): Json {
  if (typeof value !== 'string') {
    if (Array.isArray(value)) return value.map((v) => evaluate(v, scope));
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v, scope)]));
    return value;
  }
  const forExpression =
    /^\$\{\{\s*for\s+(\w+)\s*,\s*(\w+)\s+in\s+([^:]+?)\s*:\s*(\w+)\s*=>\s*\{([^{}]*)\}\s*\}\}$/s.exec(value);
  if (forExpression !== null) return forObject(forExpression, scope);
  const whole = /^\$\{([^{}]*)\}$/.exec(value);
  if (whole?.[1] === undefined) {
    if (!value.includes('${')) return value;
    return value.replace(/\$\{([^{}]*)\}/g, (_, expr: string) => {
      const v = traverse(expr.trim(), scope);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  return traverse(whole[1].trim(), scope);
}

type Scope = { vars: Obj; locals: Obj; each?: { key: string; value: Json }; bound?: Obj };

/** `{ for k, v in <ref> : k => { a = v.x, b = v.y } }`: the one for-expression form the double evaluates. */
function forObject(match: RegExpExecArray, scope: Scope): Json {
  const [, keyName = '', valueName = '', source = '', resultKey = '', body = ''] = match;
  if (resultKey !== keyName)
    throw new Error('tofu-double evaluates for-expressions keyed by their key variable only');
  const collection = asObj(traverse(source.trim(), scope));
  const attributes = body
    .split(/[,\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] as const;
    });
  return Object.fromEntries(
    Object.entries(collection).map(([key, item]) => {
      const inner: Scope = { ...scope, bound: { ...scope.bound, [keyName]: key, [valueName]: item } };
      return [key, Object.fromEntries(attributes.map(([name, expr]) => [name, traverse(expr, inner)]))];
    }),
  );
}

function traverse(expr: string, scope: Scope): Json {
  // Type conversions change nothing the double looks at.
  const conversion = /^(toset|tolist|tomap)\((.*)\)$/.exec(expr);
  if (conversion?.[2] !== undefined) return traverse(conversion[2].trim(), scope);
  const bound = /^([A-Za-z_]\w*)((?:\.[A-Za-z_][\w-]*|\["[^"]*"\]|\[\d+\])*)$/.exec(expr);
  if (bound?.[1] !== undefined && scope.bound !== undefined && bound[1] in scope.bound) {
    let current: Json | undefined = scope.bound[bound[1]];
    for (const step of bound[2]?.match(/\.[A-Za-z_][\w-]*|\["[^"]*"\]|\[\d+\]/g) ?? []) {
      const key = step.startsWith('.')
        ? step.slice(1)
        : step.startsWith('["')
          ? step.slice(2, -2)
          : step.slice(1, -1);
      current = Array.isArray(current) ? current[Number(key)] : asObj(current)[key];
      if (current === undefined) throw new Error(`Unsupported attribute: ${expr} has no ${key}`);
    }
    return current ?? null;
  }
  const match = /^(var|local|each)\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*|\["[^"]*"\]|\[\d+\])*)$/.exec(
    expr,
  );
  if (match === null)
    throw new Error(
      `tofu-double cannot evaluate "${expr}": it evaluates literals, var., local. and each. references, and toset/tolist/tomap of them`,
    );
  const [, root, name = '', rest = ''] = match;
  let current: Json | undefined;
  if (root === 'var') current = scope.vars[name];
  else if (root === 'local') current = scope.locals[name];
  else
    current =
      name === 'key' ? (scope.each?.key ?? null) : name === 'value' ? (scope.each?.value ?? null) : undefined;
  if (current === undefined)
    throw new Error(`Reference to undeclared ${root === 'var' ? 'input variable' : 'local value'} "${name}"`);
  for (const step of rest.match(/\.[A-Za-z_][\w-]*|\["[^"]*"\]|\[\d+\]/g) ?? []) {
    const key = step.startsWith('.')
      ? step.slice(1)
      : step.startsWith('["')
        ? step.slice(2, -2)
        : Number(step.slice(1, -1));
    current = Array.isArray(current) ? current[Number(key)] : asObj(current)[String(key)];
    if (current === undefined) throw new Error(`Unsupported attribute: ${expr} has no ${String(key)}`);
  }
  return current;
}

// ---------------------------------------------------------------------------------------------------
// Variables: defaults, then TF_VAR_*, then -var-file in order, then -var, as the CLI documents.

async function variableValues(config: Config, flags: Flags, cwd: string): Promise<Obj> {
  const values: Obj = {};
  for (const [name, v] of config.variables) if (v.hasDefault) values[name] = v.default ?? null;
  for (const [key, raw] of Object.entries(process.env)) {
    if (!key.startsWith('TF_VAR_') || raw === undefined) continue;
    const name = key.slice('TF_VAR_'.length);
    if (config.variables.has(name)) values[name] = parseVarText(raw);
  }
  for (const file of flags.values.get('var-file') ?? []) {
    const path = resolve(cwd, file);
    if (!existsSync(path))
      fail('Failed to read variables file', `Given variables file ${file} does not exist.`);
    const source = readFileSync(path, 'utf8');
    let body: Obj;
    try {
      body = file.endsWith('.json') ? (JSON.parse(source) as Obj) : await parse(basename(file), source);
    } catch (error) {
      fail('Invalid variables file', (error as Error).message);
    }
    for (const [name, value] of Object.entries(body)) {
      if (!config.variables.has(name)) {
        err(
          `\nWarning: Value for undeclared variable\n\nThe root module does not declare a variable named "${name}" but a value was found in file "${file}".\n`,
        );
        continue;
      }
      values[name] = value;
    }
  }
  for (const pair of flags.values.get('var') ?? []) {
    const eq = pair.indexOf('=');
    values[pair.slice(0, eq)] = parseVarText(pair.slice(eq + 1));
  }
  for (const name of config.variables.keys()) {
    if (!(name in values))
      fail(
        `No value for required variable`,
        `The root module input variable "${name}" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable.`,
      );
  }
  return values;
}

function parseVarText(raw: string): Json {
  try {
    return JSON.parse(raw) as Json;
  } catch {
    return raw;
  }
}

// ---------------------------------------------------------------------------------------------------
// The http backend.

interface Backend {
  readonly address: string;
  readonly lockAddress?: string;
  readonly unlockAddress?: string;
  readonly lockMethod: string;
  readonly unlockMethod: string;
}

const HTTP_BACKEND_KEYS = [
  'address',
  'update_method',
  'lock_address',
  'unlock_address',
  'lock_method',
  'unlock_method',
  'username',
  'password',
  'skip_cert_verification',
  'retry_max',
  'retry_wait_min',
  'retry_wait_max',
  'client_ca_certificate_pem',
  'client_certificate_pem',
  'client_private_key_pem',
];

function loadBackend(cwd: string): Backend {
  const file = join(cwd, '.terraform', 'terraform.tfstate');
  if (!existsSync(file))
    fail(
      `Backend initialization required, please run "${TOOL} init"`,
      `Reason: Initial configuration of the requested backend "http"`,
    );
  const config = asObj(asObj(asObj(JSON.parse(readFileSync(file, 'utf8')) as Json).backend).config);
  const env = (key: string) => process.env[`TF_HTTP_${key.toUpperCase()}`];
  const pick = (key: string) =>
    typeof config[key] === 'string' && config[key] !== '' ? String(config[key]) : env(key);
  const address = pick('address');
  if (address === undefined) fail('address is required for the http backend');
  const lockAddress = pick('lock_address');
  const unlockAddress = pick('unlock_address');
  return {
    address,
    ...(lockAddress !== undefined ? { lockAddress } : {}),
    ...(unlockAddress !== undefined ? { unlockAddress } : {}),
    lockMethod: pick('lock_method') ?? 'LOCK',
    unlockMethod: pick('unlock_method') ?? 'UNLOCK',
  };
}

function authHeader(cwd: string): Record<string, string> {
  const config = asObj(
    asObj(
      asObj(JSON.parse(readFileSync(join(cwd, '.terraform', 'terraform.tfstate'), 'utf8')) as Json).backend,
    ).config,
  );
  const username = typeof config.username === 'string' ? config.username : process.env.TF_HTTP_USERNAME;
  const password = typeof config.password === 'string' ? config.password : process.env.TF_HTTP_PASSWORD;
  if (username === undefined && password === undefined) return {};
  return { Authorization: `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}` };
}

function authError(status: number): void {
  if (status === 401) fail('HTTP remote state endpoint requires auth');
  if (status === 403) fail('HTTP remote state endpoint invalid auth');
}

interface State {
  version: 4;
  terraform_version: string;
  serial: number;
  lineage: string;
  outputs: Record<string, { value: Json; type: Json; sensitive?: boolean }>;
  resources: {
    mode: 'managed';
    type: string;
    name: string;
    provider: string;
    instances: { index_key?: Json; schema_version: 0; attributes: Obj }[];
  }[];
  check_results: null;
}

async function readState(backend: Backend, cwd: string): Promise<State | undefined> {
  const response = await fetch(backend.address, { headers: authHeader(cwd) });
  authError(response.status);
  if (response.status === 204 || response.status === 404) return undefined;
  if (response.status !== 200)
    fail(`Failed to load state: HTTP remote state endpoint returned ${response.status}`);
  const text = await response.text();
  return text.trim() === '' ? undefined : (JSON.parse(text) as State);
}

async function writeState(
  backend: Backend,
  cwd: string,
  state: State,
  lockId: string | undefined,
): Promise<void> {
  const url = new URL(backend.address);
  if (lockId !== undefined) url.searchParams.set('ID', lockId);
  const body = JSON.stringify(state, null, 2);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      ...authHeader(cwd),
      'Content-Type': 'application/json',
      'Content-MD5': createHash('md5').update(body).digest('base64'),
    },
    body,
  });
  authError(response.status);
  if (response.status !== 200 && response.status !== 201 && response.status !== 204)
    fail('Failed to save state', `HTTP error: ${response.status}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function durationMs(text: string | undefined): number {
  if (text === undefined) return 0;
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (match === null) fail('Invalid lock timeout', `"${text}" is not a duration such as 10s or 5m`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms'];
}

async function lock(
  backend: Backend,
  cwd: string,
  operation: string,
  timeout: string | undefined,
): Promise<string | undefined> {
  if (backend.lockAddress === undefined) return undefined;
  const info = {
    ID: randomUUID(),
    Operation: operation,
    Info: '',
    Who: `${process.env.USER ?? 'runner'}@${process.env.HOSTNAME ?? 'runner'}`,
    Version: VERSION,
    Created: new Date().toISOString(),
    Path: '',
  };
  const deadline = Date.now() + durationMs(timeout);
  for (;;) {
    const response = await fetch(backend.lockAddress, {
      method: backend.lockMethod,
      headers: { ...authHeader(cwd), 'Content-Type': 'application/json' },
      body: JSON.stringify(info),
    });
    authError(response.status);
    if (response.status === 200) return info.ID;
    if (response.status !== 409 && response.status !== 423)
      fail('Error acquiring the state lock', `HTTP remote state endpoint returned ${response.status}`);
    const holder = asObj((await response.json().catch(() => ({}))) as Json);
    if (Date.now() >= deadline) {
      fail(
        'Error acquiring the state lock',
        [
          `Error message: HTTP remote state already locked: ID=${String(holder.ID ?? '')}`,
          'Lock Info:',
          `  ID:        ${String(holder.ID ?? '')}`,
          `  Path:      ${String(holder.Path ?? '')}`,
          `  Operation: ${String(holder.Operation ?? '')}`,
          `  Who:       ${String(holder.Who ?? '')}`,
          `  Version:   ${String(holder.Version ?? '')}`,
          `  Created:   ${String(holder.Created ?? '')}`,
          `  Info:      ${String(holder.Info ?? '')}`,
          '',
          `${PRODUCT} acquires a state lock to protect the state from being written`,
          'by multiple users at the same time. Please resolve the issue above and try',
          'again. For most commands, you can disable locking with the "-lock=false"',
          'flag, but this is not recommended.',
        ].join('\n'),
      );
    }
    await sleep(200);
  }
}

async function unlock(backend: Backend, cwd: string, id: string | undefined): Promise<void> {
  if (id === undefined || backend.unlockAddress === undefined) return;
  const response = await fetch(backend.unlockAddress, {
    method: backend.unlockMethod,
    headers: { ...authHeader(cwd), 'Content-Type': 'application/json' },
    body: JSON.stringify({ ID: id }),
  });
  if (response.status !== 200)
    err(
      `\nError: Error releasing the state lock\n\nHTTP remote state endpoint returned ${response.status}\n`,
    );
}

// ---------------------------------------------------------------------------------------------------
// Planning: configured instances against the state's.

interface Instance {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly indexKey?: Json;
  readonly attributes: Obj;
}

interface Change {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly indexKey?: Json;
  readonly actions: string[];
  readonly before: Obj | null;
  readonly after: Obj | null;
}

function desiredInstances(config: Config, vars: Obj, locals: Obj): Instance[] {
  const instances: Instance[] = [];
  for (const resource of config.resources) {
    const { for_each: forEach, count, ...body } = resource.block;
    const fingerprint = (each?: { key: string; value: Json }) => {
      const used = [...JSON.stringify(body).matchAll(/var\.([A-Za-z_][\w-]*)/g)].map((m) => m[1] ?? '');
      const digest = createHash('sha256')
        .update(
          JSON.stringify({
            body,
            each,
            vars: Object.fromEntries(used.sort().map((n) => [n, vars[n] ?? null])),
          }),
        )
        .digest('hex');
      return { config_digest: digest, ...(each !== undefined ? { each_key: each.key } : {}) };
    };
    const base = `${resource.type}.${resource.name}`;
    if (forEach !== undefined) {
      const value = evaluate(forEach, { vars, locals });
      const entries: [string, Json][] = Array.isArray(value)
        ? value.map((v) => [String(v), v])
        : Object.entries(asObj(value));
      for (const [key, v] of entries)
        instances.push({
          address: `${base}["${key}"]`,
          type: resource.type,
          name: resource.name,
          indexKey: key,
          attributes: fingerprint({ key, value: v }),
        });
    } else if (count !== undefined) {
      const n = Number(evaluate(count, { vars, locals }));
      for (let i = 0; i < n; i++)
        instances.push({
          address: `${base}[${i}]`,
          type: resource.type,
          name: resource.name,
          indexKey: i,
          attributes: fingerprint({ key: String(i), value: i }),
        });
    } else
      instances.push({ address: base, type: resource.type, name: resource.name, attributes: fingerprint() });
  }
  return instances;
}

function stateInstances(state: State | undefined): Instance[] {
  return (state?.resources ?? []).flatMap((r) =>
    r.instances.map((i) => ({
      address: `${r.type}.${r.name}${i.index_key === undefined ? '' : typeof i.index_key === 'number' ? `[${i.index_key}]` : `["${String(i.index_key)}"]`}`,
      type: r.type,
      name: r.name,
      ...(i.index_key !== undefined ? { indexKey: i.index_key } : {}),
      attributes: i.attributes,
    })),
  );
}

function diff(desired: Instance[], current: Instance[]): Change[] {
  const changes: Change[] = [];
  const byAddress = new Map(current.map((i) => [i.address, i]));
  for (const want of desired) {
    const have = byAddress.get(want.address);
    const after = { ...want.attributes, id: have?.attributes.id ?? null };
    const base = {
      address: want.address,
      type: want.type,
      name: want.name,
      ...(want.indexKey !== undefined ? { indexKey: want.indexKey } : {}),
    };
    if (have === undefined) changes.push({ ...base, actions: ['create'], before: null, after });
    else if (have.attributes.config_digest !== want.attributes.config_digest)
      changes.push({ ...base, actions: ['update'], before: have.attributes, after });
    else changes.push({ ...base, actions: ['no-op'], before: have.attributes, after: have.attributes });
    byAddress.delete(want.address);
  }
  for (const gone of byAddress.values())
    changes.push({
      address: gone.address,
      type: gone.type,
      name: gone.name,
      ...(gone.indexKey !== undefined ? { indexKey: gone.indexKey } : {}),
      actions: ['delete'],
      before: gone.attributes,
      after: null,
    });
  return changes;
}

/** The provider's own configuration check, for the providers the double knows (bpg/proxmox). */
function configureProviders(config: Config, vars: Obj, locals: Obj): void {
  for (const [name, provider] of config.providers) {
    if (provider.source !== 'bpg/proxmox') continue;
    const block = evaluate(config.providerBlocks.get(name) ?? {}, { vars, locals }) as Obj;
    const endpoint = block.endpoint ?? process.env.PROXMOX_VE_ENDPOINT;
    const token = block.api_token ?? process.env.PROXMOX_VE_API_TOKEN;
    const password = block.password ?? process.env.PROXMOX_VE_PASSWORD;
    if (endpoint === undefined || endpoint === '')
      fail(
        'Invalid provider configuration',
        'The proxmox provider needs an endpoint: set `endpoint` or PROXMOX_VE_ENDPOINT.',
      );
    if ((token === undefined || token === '') && (password === undefined || password === ''))
      fail(
        'Invalid provider configuration',
        'You must specify an API token (api_token or PROXMOX_VE_API_TOKEN) or a username and password.',
      );
    if (typeof token === 'string' && !/^[^@!]+@[^@!]+![^=]+=.+$/.test(token))
      fail(
        'Invalid provider configuration',
        'The API token must be in the format "USER@REALM!TOKENID=UUID".',
      );
  }
}

function printPlan(changes: Change[], destroy: boolean): { add: number; change: number; destroy: number } {
  const counts = { add: 0, change: 0, destroy: 0 };
  const real = changes.filter((c) => !c.actions.includes('no-op'));
  if (real.length === 0) {
    out(
      `\nNo changes. Your infrastructure matches the configuration.\n\n${PRODUCT} has compared your real infrastructure against your configuration and found no differences, so no changes are needed.`,
    );
    return counts;
  }
  out(
    `\n${PRODUCT} used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:`,
  );
  out(`\n${PRODUCT} will perform the following actions:\n`);
  for (const c of real) {
    if (c.actions.includes('create')) {
      counts.add++;
      out(
        `  # ${c.address} will be created\n  + resource "${c.type}" "${c.name}" {\n      + id = (known after apply)\n    }\n`,
      );
    } else if (c.actions.includes('update')) {
      counts.change++;
      out(
        `  # ${c.address} will be updated in-place\n  ~ resource "${c.type}" "${c.name}" {\n        id = "${String(c.before?.id ?? '')}"\n    }\n`,
      );
    } else if (c.actions.includes('delete')) {
      counts.destroy++;
      out(
        `  # ${c.address} will be destroyed\n  - resource "${c.type}" "${c.name}" {\n      - id = "${String(c.before?.id ?? '')}" -> null\n    }\n`,
      );
    }
  }
  out(
    `Plan: ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy.${destroy ? '' : ''}`,
  );
  return counts;
}

function outputType(value: Json): Json {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return ['tuple', value.map(outputType)];
  if (value === null) return 'dynamic';
  return ['object', Object.fromEntries(Object.entries(value).map(([k, v]) => [k, outputType(v)]))];
}

interface PlanFile {
  magic: string;
  tool: string;
  version: string;
  backend: Obj;
  prior: { lineage: string; serial: number } | null;
  variables: Obj;
  changes: Change[];
  outputs: Record<string, { value: Json; sensitive: boolean }>;
  destroy: boolean;
  timestamp: string;
}

async function makePlan(
  cwd: string,
  flags: Flags,
  destroy: boolean,
  operation: string,
): Promise<{ plan: PlanFile; lockId?: string; backend: Backend }> {
  const config = await loadConfig(cwd, (file, message) =>
    fail('Invalid configuration', `${file}: ${message}`),
  );
  if (config.files.length === 0)
    fail(
      'No configuration files',
      `Plan requires configuration to be present. Planning without a configuration would mark everything for destruction, which is normally not what is desired.`,
    );
  const backend = loadBackend(cwd);
  const vars = await variableValues(config, flags, cwd);
  const locals: Obj = {};
  for (const [name, value] of config.locals) locals[name] = evaluate(value, { vars, locals });
  configureProviders(config, vars, locals);
  const lockId = !flags.negated.has('lock')
    ? await lock(backend, cwd, operation, last(flags, 'lock-timeout'))
    : undefined;
  let state: State | undefined;
  try {
    state = await readState(backend, cwd);
  } catch (error) {
    await unlock(backend, cwd, lockId);
    throw error;
  }
  const desired = destroy ? [] : desiredInstances(config, vars, locals);
  const changes = diff(desired, stateInstances(state));
  const outputs: PlanFile['outputs'] = {};
  if (!destroy) {
    for (const [name, o] of config.outputs)
      outputs[name] = { value: evaluate(o.value, { vars, locals }), sensitive: o.sensitive };
  }
  const plan: PlanFile = {
    magic: PLAN_MAGIC,
    tool: TOOL,
    version: VERSION,
    backend: asObj(JSON.parse(readFileSync(join(cwd, '.terraform', 'terraform.tfstate'), 'utf8')) as Json),
    prior: state === undefined ? null : { lineage: state.lineage, serial: state.serial },
    variables: vars,
    changes,
    outputs,
    destroy,
    timestamp: new Date().toISOString(),
  };
  return { plan, ...(lockId !== undefined ? { lockId } : {}), backend };
}

async function applyPlan(
  cwd: string,
  plan: PlanFile,
  backend: Backend,
  lockId: string | undefined,
): Promise<void> {
  const state = await readState(backend, cwd);
  const now = state === undefined ? null : { lineage: state.lineage, serial: state.serial };
  if (JSON.stringify(now) !== JSON.stringify(plan.prior)) {
    await unlock(backend, cwd, lockId);
    fail(
      'Saved plan is stale',
      'The given plan file can no longer be applied because the state was changed by another operation after the plan was created.',
    );
  }
  const resources = new Map<string, State['resources'][number]>();
  for (const r of state?.resources ?? [])
    resources.set(`${r.type}.${r.name}`, { ...r, instances: [...r.instances] });
  let added = 0;
  let changed = 0;
  let destroyed = 0;
  for (const c of plan.changes) {
    const key = `${c.type}.${c.name}`;
    const resource = resources.get(key) ?? {
      mode: 'managed' as const,
      type: c.type,
      name: c.name,
      provider: `provider["${REGISTRY}"]`,
      instances: [],
    };
    const others = resource.instances.filter(
      (i) => JSON.stringify(i.index_key) !== JSON.stringify(c.indexKey),
    );
    if (c.actions.includes('delete') && !c.actions.includes('create')) {
      destroyed++;
      resource.instances = others;
    } else if (c.after !== null) {
      if (c.actions.includes('create')) added++;
      if (c.actions.includes('update')) changed++;
      const id =
        c.after.id ??
        createHash('sha256')
          .update(c.address + plan.timestamp)
          .digest('hex')
          .slice(0, 8);
      resource.instances = [
        ...others,
        {
          ...(c.indexKey !== undefined ? { index_key: c.indexKey } : {}),
          schema_version: 0,
          attributes: { ...c.after, id },
        },
      ];
      if (c.actions.includes('create')) out(`${c.address}: Creation complete after 1s [id=${String(id)}]`);
      if (c.actions.includes('update'))
        out(`${c.address}: Modifications complete after 1s [id=${String(id)}]`);
    }
    if (resource.instances.length > 0) resources.set(key, resource);
    else resources.delete(key);
  }
  const next: State = {
    version: 4,
    terraform_version: VERSION,
    serial: (state?.serial ?? 0) + 1,
    lineage: state?.lineage ?? randomUUID(),
    outputs: Object.fromEntries(
      Object.entries(plan.outputs).map(([name, o]) => [
        name,
        { value: o.value, type: outputType(o.value), ...(o.sensitive ? { sensitive: true } : {}) },
      ]),
    ),
    resources: [...resources.values()],
    check_results: null,
  };
  try {
    await writeState(backend, cwd, next, lockId);
  } finally {
    await unlock(backend, cwd, lockId);
  }
  out(
    `\n${plan.destroy ? 'Destroy' : 'Apply'} complete! Resources: ${plan.destroy ? `${destroyed} destroyed` : `${added} added, ${changed} changed, ${destroyed} destroyed`}.`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Commands.

async function init(cwd: string, args: string[]): Promise<number> {
  const flags = parseFlags(
    args,
    ['input', 'no-color', 'reconfigure', 'migrate-state', 'upgrade', 'backend', 'get'],
    ['backend-config', 'lockfile', 'plugin-dir'],
  );
  const config = await loadConfig(cwd, (file, message) =>
    fail('Invalid configuration', `${file}: ${message}`),
  );
  if (config.files.length === 0) {
    out(
      `${PRODUCT} initialized in an empty directory!\n\nThe directory has no ${PRODUCT} configuration files. You may begin working with ${PRODUCT} immediately by creating ${PRODUCT} configuration files.`,
    );
    return 0;
  }
  const backendDisabled = flags.negated.has('backend');
  const backendConfig = flags.values.get('backend-config') ?? [];
  mkdirSync(join(cwd, '.terraform'), { recursive: true });
  if (!backendDisabled) {
    if (backendConfig.length > 0 && config.backends.length === 0)
      fail(
        'Missing backend configuration',
        '-backend-config was used without a "backend" block in the configuration.',
      );
    const settings: Obj = {};
    for (const pair of backendConfig) {
      const eq = pair.indexOf('=');
      if (eq < 0)
        fail(
          'Invalid backend configuration argument',
          `The backend configuration argument "${pair}" given on the command line is not of the form key=value.`,
        );
      const key = pair.slice(0, eq);
      if (!HTTP_BACKEND_KEYS.includes(key))
        fail(
          'Invalid backend configuration argument',
          `The backend configuration argument "${key}" given on the command line is not expected for the selected backend type.`,
        );
      settings[key] = pair.slice(eq + 1);
    }
    if (config.backends.length > 0) {
      out('\nInitializing the backend...\n\nSuccessfully configured the backend "http"!');
      writeFileSync(
        join(cwd, '.terraform', 'terraform.tfstate'),
        JSON.stringify(
          { version: 3, backend: { type: config.backends[0] ?? 'http', config: settings } },
          null,
          2,
        ),
      );
    }
  }
  out('\nInitializing provider plugins...');
  const cache = process.env.TF_PLUGIN_CACHE_DIR;
  const lockPath = join(cwd, '.terraform.lock.hcl');
  const lockText = existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : '';
  const lockEntries: string[] = [];
  for (const [, provider] of config.providers) {
    const pinned = new RegExp(
      `provider "${REGISTRY.replace(/\./g, '\\.')}/${provider.source}" \\{\\s*version\\s*=\\s*"([^"]+)"`,
    ).exec(lockText)?.[1];
    const version =
      pinned ??
      (provider.constraint.match(/\d+(\.\d+){0,2}/)?.[0] ?? '1.0.0')
        .split('.')
        .concat(['0', '0'])
        .slice(0, 3)
        .join('.');
    const relativeDir = join(REGISTRY, provider.source, version, 'linux_amd64');
    const binary = `terraform-provider-${provider.source.split('/')[1]}_v${version}`;
    if (cache !== undefined && existsSync(join(cache, relativeDir, binary))) {
      out(`- Using ${provider.source} v${version} from the shared cache directory`);
    } else {
      out(
        `- Installing ${provider.source} v${version}...\n- Installed ${provider.source} v${version} (signed, key ID 0000000000000000)`,
      );
      if (cache !== undefined) {
        mkdirSync(join(cache, relativeDir), { recursive: true });
        writeFileSync(join(cache, relativeDir, binary), `provider double ${provider.source} ${version}\n`);
      }
    }
    mkdirSync(join(cwd, '.terraform', 'providers', relativeDir), { recursive: true });
    writeFileSync(
      join(cwd, '.terraform', 'providers', relativeDir, binary),
      `provider double ${provider.source} ${version}\n`,
    );
    lockEntries.push(
      `provider "${REGISTRY}/${provider.source}" {\n  version = "${version}"\n  hashes = [\n    "h1:${createHash('sha256').update(binary).digest('base64')}",\n  ]\n}\n`,
    );
  }
  if (lockText === '' && lockEntries.length > 0) {
    writeFileSync(
      lockPath,
      `# This file is maintained automatically by "${TOOL} init".\n# Manual edits may be lost in future updates.\n\n${lockEntries.join('\n')}`,
    );
    out(
      `\n${PRODUCT} has created a lock file .terraform.lock.hcl to record the provider selections it made above.`,
    );
  }
  out(`\n${PRODUCT} has been successfully initialized!`);
  return 0;
}

function needsFormat(text: string): boolean {
  return (
    text.includes('\r') || /[ \t]+$/m.test(text) || /^\t/m.test(text) || (text !== '' && !text.endsWith('\n'))
  );
}

function canonical(text: string): string {
  return `${text
    .replace(/\r/g, '')
    .replace(/^\t+/gm, (t) => '  '.repeat(t.length))
    .replace(/[ \t]+$/gm, '')
    .replace(/\n*$/, '')}\n`;
}

function fmt(cwd: string, args: string[]): number {
  const flags = parseFlags(args, ['check', 'diff', 'recursive', 'list', 'write', 'no-color'], []);
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      if (e.isDirectory())
        return flags.bools.has('recursive') && !e.name.startsWith('.') ? walk(join(dir, e.name)) : [];
      return /\.(tf|tfvars|tofu)$/.test(e.name) ? [join(dir, e.name)] : [];
    });
  const targets = flags.positional.length > 0 ? flags.positional.map((p) => resolve(cwd, p)) : [cwd];
  const files = targets.flatMap((t) => (statSync(t).isDirectory() ? walk(t) : [t]));
  let unformatted = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (!needsFormat(text)) continue;
    unformatted++;
    out(relative(cwd, file));
    if (flags.bools.has('diff')) {
      const before = text.split('\n');
      const after = canonical(text).split('\n');
      out(`--- old/${relative(cwd, file)}\n+++ new/${relative(cwd, file)}`);
      before.forEach((line, i) => {
        if (line !== after[i]) out(`-${line}\n+${after[i] ?? ''}`);
      });
    }
    if (!flags.bools.has('check')) writeFileSync(file, canonical(text));
  }
  return flags.bools.has('check') && unformatted > 0 ? 3 : 0;
}

async function validate(cwd: string, args: string[]): Promise<number> {
  const flags = parseFlags(args, ['json', 'no-color'], []);
  const diagnostics: Obj[] = [];
  const config = await loadConfig(cwd, (file, message) => {
    const at = /:(\d+),(\d+)/.exec(message);
    diagnostics.push({
      severity: 'error',
      summary: message.replace(/^[^:]+:\d+,\d+(-\d+(,\d+)?)?: /, '').split(';')[0] ?? message,
      detail: message.split('; ').slice(1).join('; '),
      range: {
        filename: file,
        start: { line: Number(at?.[1] ?? 1), column: Number(at?.[2] ?? 1), byte: 0 },
        end: { line: Number(at?.[1] ?? 1), column: Number(at?.[2] ?? 1), byte: 0 },
      },
    });
  });
  if (config.files.length === 0)
    fail('No configuration files', 'Validate requires configuration to be present.');
  for (const [name, provider] of config.providers) {
    if (!existsSync(join(cwd, '.terraform', 'providers', REGISTRY, provider.source)))
      diagnostics.push({
        severity: 'error',
        summary: 'Missing required provider',
        detail: `This configuration requires provider ${REGISTRY}/${provider.source}, but that provider isn't available. You may be able to install it automatically by running:\n  ${TOOL} init`,
        range: null,
        _name: name,
      });
  }
  for (const file of config.files) {
    const source = readFileSync(join(cwd, file), 'utf8');
    source.split('\n').forEach((line, index) => {
      for (const match of line.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)) {
        if (!config.variables.has(match[1] ?? ''))
          diagnostics.push({
            severity: 'error',
            summary: 'Reference to undeclared input variable',
            detail: `An input variable with the name "${match[1]}" has not been declared. This variable can be declared with a variable "${match[1]}" {} block.`,
            range: {
              filename: file,
              start: { line: index + 1, column: (match.index ?? 0) + 1, byte: 0 },
              end: { line: index + 1, column: (match.index ?? 0) + 1, byte: 0 },
            },
          });
      }
    });
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  for (const d of diagnostics) delete d._name;
  if (flags.bools.has('json')) {
    out(
      JSON.stringify(
        {
          format_version: '1.0',
          valid: errors === 0,
          error_count: errors,
          warning_count: diagnostics.length - errors,
          diagnostics,
        },
        null,
        2,
      ),
    );
  } else if (errors === 0) out('Success! The configuration is valid.');
  else for (const d of diagnostics) err(`\nError: ${String(d.summary)}\n\n${String(d.detail)}\n`);
  return errors === 0 ? 0 : 1;
}

function readPlanFile(cwd: string, file: string): PlanFile {
  const path = resolve(cwd, file);
  if (!existsSync(path))
    fail(
      'Failed to load plan file',
      `Could not read plan from ${file}: open ${file}: no such file or directory`,
    );
  let plan: PlanFile;
  try {
    plan = JSON.parse(readFileSync(path, 'utf8')) as PlanFile;
  } catch {
    fail('Failed to load plan file', `${file} is not a valid plan file.`);
  }
  if (plan.magic !== PLAN_MAGIC) fail('Failed to load plan file', `${file} is not a valid plan file.`);
  if (plan.tool !== TOOL)
    fail(
      'Failed to load plan file',
      `The plan file was created by ${plan.tool}, which cannot be read by ${TOOL}.`,
    );
  return plan;
}

async function plan(cwd: string, args: string[]): Promise<number> {
  const flags = parseFlags(
    args,
    ['input', 'no-color', 'detailed-exitcode', 'lock', 'destroy', 'refresh', 'compact-warnings'],
    ['out', 'var-file', 'var', 'lock-timeout', 'parallelism'],
  );
  if (flags.positional.length > 0)
    fail(
      'Too many command line arguments',
      'To specify a working directory for the plan, use the global -chdir flag.',
    );
  const destroy = flags.bools.has('destroy');
  const { plan: planned, lockId, backend } = await makePlan(cwd, flags, destroy, 'OperationTypePlan');
  await unlock(backend, cwd, lockId);
  const counts = printPlan(planned.changes, destroy);
  const outFile = last(flags, 'out');
  if (outFile !== undefined) {
    mkdirSync(dirname(resolve(cwd, outFile)), { recursive: true });
    writeFileSync(resolve(cwd, outFile), JSON.stringify(planned));
    out(
      `\nSaved the plan to: ${outFile}\n\nTo perform exactly these actions, run the following command to apply:\n    ${TOOL} apply "${outFile}"`,
    );
  }
  const changed = counts.add + counts.change + counts.destroy > 0;
  return flags.bools.has('detailed-exitcode') && changed ? 2 : 0;
}

function show(cwd: string, args: string[]): number {
  const flags = parseFlags(args, ['json', 'no-color'], []);
  const file = flags.positional[0];
  if (file === undefined || !flags.bools.has('json'))
    fail('tofu-double supports only `show -json <planfile>`');
  const planned = readPlanFile(cwd, file);
  out(
    JSON.stringify({
      format_version: '1.2',
      terraform_version: planned.version,
      variables: Object.fromEntries(Object.entries(planned.variables).map(([k, v]) => [k, { value: v }])),
      planned_values: {
        root_module: {
          resources: planned.changes
            .filter((c) => c.after !== null)
            .map((c) => ({
              address: c.address,
              mode: 'managed',
              type: c.type,
              name: c.name,
              ...(c.indexKey !== undefined ? { index: c.indexKey } : {}),
              values: c.after,
            })),
        },
      },
      resource_changes: planned.changes.map((c) => ({
        address: c.address,
        mode: 'managed',
        type: c.type,
        name: c.name,
        ...(c.indexKey !== undefined ? { index: c.indexKey } : {}),
        provider_name: `${REGISTRY}/${c.type.split('_')[0]}`,
        change: {
          actions: c.actions,
          before: c.before,
          after: c.after,
          after_unknown: c.actions.includes('create') ? { id: true } : {},
          before_sensitive: false,
          after_sensitive: false,
        },
      })),
      output_changes: Object.fromEntries(
        Object.entries(planned.outputs).map(([k, o]) => [
          k,
          {
            actions: ['create'],
            before: null,
            after: o.sensitive ? null : o.value,
            after_unknown: false,
            before_sensitive: false,
            after_sensitive: o.sensitive,
          },
        ]),
      ),
      prior_state:
        planned.prior === null ? {} : { format_version: '1.0', terraform_version: planned.version },
      timestamp: planned.timestamp,
      applyable: planned.changes.some((c) => !c.actions.includes('no-op')),
      complete: true,
      errored: false,
    }),
  );
  return 0;
}

async function apply(cwd: string, args: string[]): Promise<number> {
  const flags = parseFlags(
    args,
    ['input', 'no-color', 'auto-approve', 'lock', 'compact-warnings'],
    ['lock-timeout', 'var-file', 'var', 'parallelism'],
  );
  const file = flags.positional[0];
  if (file === undefined) {
    if (!flags.bools.has('auto-approve'))
      fail(
        'No value for required confirmation',
        'Apply without a saved plan needs -auto-approve when input is disabled.',
      );
    const { plan: planned, lockId, backend } = await makePlan(cwd, flags, false, 'OperationTypeApply');
    printPlan(planned.changes, false);
    await applyPlan(cwd, planned, backend, lockId);
    return 0;
  }
  if (flags.values.has('var-file') || flags.values.has('var'))
    fail(
      "Can't set variables when applying a saved plan",
      'The -var and -var-file options cannot be used when applying a saved plan file, because a saved plan includes the variable values that were set when it was created.',
    );
  const planned = readPlanFile(cwd, file);
  const backend = loadBackend(cwd);
  const lockId = !flags.negated.has('lock')
    ? await lock(backend, cwd, 'OperationTypeApply', last(flags, 'lock-timeout'))
    : undefined;
  await applyPlan(cwd, planned, backend, lockId);
  return 0;
}

async function destroy(cwd: string, args: string[]): Promise<number> {
  const flags = parseFlags(
    args,
    ['input', 'no-color', 'auto-approve', 'lock', 'compact-warnings'],
    ['lock-timeout', 'var-file', 'var', 'parallelism'],
  );
  if (!flags.bools.has('auto-approve'))
    fail('Destroy cancelled', 'Destroy needs -auto-approve when input is disabled.');
  const { plan: planned, lockId, backend } = await makePlan(cwd, flags, true, 'OperationTypeApply');
  printPlan(planned.changes, true);
  await applyPlan(cwd, planned, backend, lockId);
  return 0;
}

async function output(cwd: string, args: string[]): Promise<number> {
  const flags = parseFlags(args, ['json', 'no-color', 'raw'], ['state']);
  const state = await readState(loadBackend(cwd), cwd);
  const outputs = state?.outputs ?? {};
  if (flags.bools.has('json')) {
    out(
      JSON.stringify(
        Object.fromEntries(
          Object.entries(outputs).map(([k, o]) => [
            k,
            { sensitive: o.sensitive === true, type: o.type, value: o.value },
          ]),
        ),
        null,
        2,
      ),
    );
  } else
    for (const [k, o] of Object.entries(outputs))
      out(`${k} = ${o.sensitive ? '<sensitive>' : JSON.stringify(o.value)}`);
  return 0;
}

function version(args: string[]): number {
  const flags = parseFlags(args, ['json'], []);
  if (flags.bools.has('json'))
    out(
      JSON.stringify(
        {
          terraform_version: VERSION,
          platform: 'linux_amd64',
          provider_selections: {},
          terraform_outdated: false,
        },
        null,
        2,
      ),
    );
  else out(`${PRODUCT} v${VERSION}\non linux_amd64`);
  return 0;
}

const COMMANDS: Record<string, (cwd: string, args: string[]) => number | Promise<number>> = {
  init,
  fmt,
  validate,
  plan,
  show,
  apply,
  destroy,
  output,
  version: (_cwd, args) => version(args),
};

/** Names of the variables the call saw, never their values: the record must hold no secret. */
const envNames = (): string[] =>
  Object.keys(process.env)
    .filter((k) => /^(TF_|PROXMOX_VE_)/.test(k))
    .sort();
function envSeen(): Record<string, boolean> {
  return Object.fromEntries(envNames().map((k) => [k, (process.env[k] ?? '') !== '']));
}
/** A short SHA-256 of each value, so a test can check which value the tool got without recording it. */
function envSha256(): Record<string, string> {
  return Object.fromEntries(
    envNames().map((k) => [
      k,
      createHash('sha256')
        .update(process.env[k] ?? '')
        .digest('hex')
        .slice(0, 16),
    ]),
  );
}

async function main(argv: string[]): Promise<number> {
  let cwd = process.cwd();
  const args = [...argv];
  while (args[0]?.startsWith('-chdir=')) cwd = resolve(cwd, (args.shift() ?? '').slice('-chdir='.length));
  const [command, ...rest] = args;
  const run = command === undefined ? undefined : COMMANDS[command];
  if (run === undefined) {
    err(
      `${TOOL}: unknown command ${JSON.stringify(command ?? '')} (the test double implements ${Object.keys(COMMANDS).join(', ')})`,
    );
    return 1;
  }
  return run(cwd, rest);
}

const started = Date.now();
let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof Exit) code = error.code;
  else {
    err(`\nError: ${(error as Error).message}\n`);
    code = 1;
  }
}
const log = process.env.TOFU_DOUBLE_LOG;
if (log !== undefined && log !== '') {
  appendFileSync(
    log,
    `${JSON.stringify({ tool: TOOL, argv: process.argv.slice(2), cwd: process.cwd(), env: envSeen(), envSha256: envSha256(), exitCode: code, startedAt: started, endedAt: Date.now() })}\n`,
  );
}
process.exitCode = code;
