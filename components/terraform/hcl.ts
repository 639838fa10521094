import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';

// Reading a root module and a var file the way the tool will, before the tool runs: HashiCorp's own
// HCL parser (compiled to WebAssembly in @cdktf/hcl2json), loaded only when a job needs it.

type Parse = (filename: string, contents: string) => Promise<Record<string, unknown>>;
let parser: Promise<Parse> | undefined;

async function loadParser(): Promise<Parse> {
  // The parser is a Go program: V8 compiles its WebAssembly with the baseline compiler, then again
  // with the optimising one in the background. For the few small files a job parses, that second
  // compile only costs CPU: a plan's CPU time goes from 0.9 s to 0.5 s without it. V8 reads the flag
  // when the module compiles, so setting it here, before the import, is enough.
  setFlagsFromString('--liftoff-only');
  // A CommonJS package: its exports arrive as the default export when bundled.
  const module = (await import('@cdktf/hcl2json')) as { parse?: Parse; default?: { parse: Parse } };
  const parse = module.parse ?? module.default?.parse;
  if (parse === undefined) throw new Error('@cdktf/hcl2json exports no parse function');
  return parse;
}

export class HclSyntaxError extends Error {
  override readonly name = 'HclSyntaxError';
}

/** The file as JSON (blocks as arrays of objects, expressions as `${…}` strings), or its syntax errors. */
export async function parseHcl(filename: string, contents: string): Promise<Record<string, unknown>> {
  parser ??= loadParser();
  const parse = await parser;
  try {
    return await parse(filename, contents);
  } catch (error) {
    // "parse config: [main.tf:2,7-3,1: Invalid expression; …]" -> the diagnostics alone.
    const message = (error as Error).message.replace(/^parse config: \[(.*)\]$/s, '$1');
    throw new HclSyntaxError(message);
  }
}

export interface RootModule {
  readonly files: readonly string[];
  /** Backend types the `terraform` blocks declare (`http` for GitLab-managed state). */
  readonly backends: readonly string[];
  readonly variables: ReadonlySet<string>;
  /** Files the parser refused, with its message: the tool's validate reports them in full. */
  readonly syntaxErrors: readonly string[];
}

const CONFIG_FILE = /\.(tf|tofu)(\.json)?$/;

export async function listConfigFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && CONFIG_FILE.test(e.name))
    .map((e) => e.name)
    .sort();
}

const asArray = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];
const keysOf = (value: unknown): string[] =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];

export async function readRootModule(dir: string): Promise<RootModule> {
  const files = await listConfigFiles(dir);
  const backends = new Set<string>();
  const variables = new Set<string>();
  const syntaxErrors: string[] = [];
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    let body: Record<string, unknown>;
    try {
      body = file.endsWith('.json')
        ? (JSON.parse(text) as Record<string, unknown>)
        : await parseHcl(file, text);
    } catch (error) {
      syntaxErrors.push((error as Error).message);
      continue;
    }
    for (const name of keysOf(body.variable)) variables.add(name);
    for (const block of asArray(body.terraform)) {
      for (const backend of keysOf((block as { backend?: unknown }).backend)) backends.add(backend);
    }
  }
  return { files, backends: [...backends], variables, syntaxErrors };
}

/** The variables a var file assigns, or why the tool would refuse it. */
export async function readVarFile(
  filename: string,
  text: string,
): Promise<{ readonly names: readonly string[] } | { readonly problem: string }> {
  let body: Record<string, unknown>;
  if (filename.endsWith('.json')) {
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      return { problem: `valid JSON: ${(error as Error).message}` };
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return { problem: 'a JSON object of variable values' };
    return { names: Object.keys(body) };
  }
  try {
    body = await parseHcl(filename, text);
  } catch (error) {
    return { problem: `valid HCL: ${(error as Error).message}` };
  }
  // The parser renders a block and a list of objects alike; a var file holds only `name = value`.
  const blocks = Object.keys(body).filter((name) => !new RegExp(`^\\s*${name}\\s*=`, 'm').test(text));
  if (blocks.length > 0)
    return {
      problem: `only \`name = value\` assignments; blocks are not allowed here: ${blocks.join(', ')}`,
    };
  return { names: Object.keys(body) };
}
