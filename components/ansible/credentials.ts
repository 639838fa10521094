import { readFile, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, InputError, type InputProblem, OneexError } from '../../src/runtime/errors.ts';
import {
  fetchCredentials,
  type PreparedCredentials,
  prepareCredentials,
  type VaultInputs,
} from '../../src/vault/index.ts';

// The one place the component obtains its credentials. Each credential input says where its value is:
//   vault:<path>#<field>   a Vault KV secret, read with the job's ID token (kv/data/oneex/infra#ssh_key)
//   /path/to/file          a File-type CI/CD variable, as GitLab expands it
//   anything else          the value itself, from a CI/CD variable the input names ($ANSIBLE_SSH_PRIVATE_KEY)
// `prepare` checks every reference before anything is requested; `read` logs in to Vault once (only when a
// reference needs it) and registers every secret with the redactor the moment it is read.

export const VAULT_PREFIX = 'vault:';

export interface CredentialInputs extends VaultInputs {
  readonly ssh_private_key: string;
  readonly ssh_known_hosts: string;
  readonly ansible_vault_password: string;
}

type Name = 'ssh_private_key' | 'ssh_known_hosts' | 'ansible_vault_password';
const NAMES: readonly Name[] = ['ssh_private_key', 'ssh_known_hosts', 'ansible_vault_password'];

export interface Credentials {
  /** OpenSSH or PEM private key text, with LF line ends and a final newline. */
  readonly sshPrivateKey?: string;
  /** known_hosts lines; public data. */
  readonly knownHosts?: string;
  readonly vaultPassword?: string;
}

type Source =
  | { readonly kind: 'none'; readonly variable?: string }
  | { readonly kind: 'vault'; readonly ref: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'value'; readonly value: string };

/** A job variable naming a CI/CD variable GitLab did not define stays `$NAME` (or becomes empty). */
const UNEXPANDED = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/;

function sourceOf(raw: string): Source {
  const text = raw.trim();
  if (text === '') return { kind: 'none' };
  const unexpanded = UNEXPANDED.exec(text);
  if (unexpanded?.[1] !== undefined) return { kind: 'none', variable: unexpanded[1] };
  if (text.startsWith(VAULT_PREFIX)) return { kind: 'vault', ref: text.slice(VAULT_PREFIX.length) };
  if (isAbsolute(text) && !text.includes('\n')) return { kind: 'file', path: text };
  return { kind: 'value', value: raw };
}

export interface PreparedRead {
  readonly sources: Readonly<Record<Name, Source>>;
  readonly vault?: PreparedCredentials<Name>;
}

/** Checks every credential input, Vault's settings and the ID token, without a request. */
export function prepareCredentialRead(inputs: CredentialInputs, context: RunContext): PreparedRead {
  const sources = Object.fromEntries(NAMES.map((name) => [name, sourceOf(inputs[name])])) as Record<
    Name,
    Source
  >;
  const secrets: Partial<Record<Name, { ref: string; input: string }>> = {};
  for (const name of NAMES) {
    const source = sources[name];
    if (source.kind === 'vault') secrets[name] = { ref: source.ref, input: name };
  }
  if (Object.keys(secrets).length === 0) return { sources };
  // Only the inputs that name Vault are read from it; the record holds just those.
  const vault = prepareCredentials(
    { component: 'ansible', inputs, secrets: secrets as Record<Name, { ref: string; input: string }> },
    context,
  );
  return { sources, vault };
}

const normaliseKey = (key: string): string => `${key.replace(/\r\n?/g, '\n').trim()}\n`;
// A password file's final newline is not part of the password (Ansible strips it too).
const normalisePassword = (value: string): string => value.replace(/\r?\n$/, '');

async function readFileVariable(input: Name, path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile()) return readFile(path, 'utf8');
  throw new OneexError(
    'EINPUT',
    `${input} names the file ${path}, which does not exist`,
    `Set ${input} to a CI/CD variable holding the value, a File-type variable, or ${VAULT_PREFIX}<path>#<field>.`,
    EXIT.usage,
  );
}

export async function readCredentials(prepared: PreparedRead, context: RunContext): Promise<Credentials> {
  const values: Partial<Record<Name, string>> = {};
  const fromVault =
    prepared.vault !== undefined
      ? await fetchCredentials(prepared.vault, context)
      : ({} as Record<Name, string>);
  for (const name of NAMES) {
    const source = prepared.sources[name];
    let value: string | undefined;
    if (source.kind === 'vault') value = fromVault[name];
    else if (source.kind === 'file') value = await readFileVariable(name, source.path);
    else if (source.kind === 'value') value = source.value;
    if (value === undefined) {
      if (source.kind === 'none' && source.variable !== undefined)
        context.log.info(`${name}: not set (the CI/CD variable ${source.variable} is not defined).`);
      continue;
    }
    if (name !== 'ssh_known_hosts') {
      // Registered as read, and as the tools will see it.
      context.redactor.add(value);
      context.redactor.add(
        name === 'ssh_private_key' ? normaliseKey(value).trimEnd() : normalisePassword(value),
      );
    }
    values[name] = value;
    const from = {
      vault: `Vault (${source.kind === 'vault' ? source.ref : ''})`,
      file: 'a file variable',
      value: 'a variable',
    }[source.kind as 'vault' | 'file' | 'value'];
    context.log.info(`${name}: from ${from}.`);
  }
  return {
    ...(values.ssh_private_key !== undefined ? { sshPrivateKey: normaliseKey(values.ssh_private_key) } : {}),
    ...(values.ssh_known_hosts !== undefined
      ? { knownHosts: values.ssh_known_hosts.replace(/\r\n?/g, '\n') }
      : {}),
    ...(values.ansible_vault_password !== undefined
      ? { vaultPassword: normalisePassword(values.ansible_vault_password) }
      : {}),
  };
}

/**
 * Runs every check of the inputs, and throws one InputError with all their problems: a consumer fixes
 * them in one go. Other errors pass through.
 */
export async function checkAll<A, B>(first: () => Promise<A>, second: () => B): Promise<[A, B]> {
  const problems: InputProblem[] = [];
  const settle = async <T>(check: () => Promise<T> | T): Promise<T | undefined> => {
    try {
      return await check();
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const a = await settle(first);
  const b = await settle(second);
  if (problems.length > 0) throw new InputError('ansible', problems);
  return [a as A, b as B];
}
