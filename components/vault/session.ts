import { realpathSync } from 'node:fs';
import { lstat, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { createSecretFiles, type SecretFiles } from '../../src/vault/files.ts';

import { SESSION_DIR } from './paths.ts';

export function sessionDir(context: Pick<RunContext, 'cwd'>): string {
  return `${realpathSync(context.cwd)}.tmp/${SESSION_DIR}`;
}

export interface SessionInfo {
  readonly address: string;
  readonly namespace: string;
  readonly accessor: string;
  readonly leaseSeconds: number;
}

export interface Session {
  readonly dir: string;
  /** The directory itself: env.sh, token, session.json. */
  readonly root: SecretFiles;
  readonly values: SecretFiles;
  readonly files: SecretFiles;
}

/** A fresh session directory; whatever an earlier job left there is removed first. */
export async function createSession(context: RunContext): Promise<Session> {
  const dir = sessionDir(context);
  await removeSession(dir);
  const root = await createSecretFiles(context, { at: dir });
  const values = await createSecretFiles(context, { at: join(dir, 'values') });
  const files = await createSecretFiles(context, { at: join(dir, 'files') });
  return { dir, root, values, files };
}

export async function removeSession(dir: string): Promise<void> {
  const stat = await lstat(dir).catch(() => undefined);
  if (stat === undefined) return;
  if (stat.isSymbolicLink()) {
    // Never follow it: remove the link only.
    await rm(dir, { force: true });
    return;
  }
  await rm(dir, { recursive: true, force: true });
}

export async function readSessionInfo(dir: string): Promise<SessionInfo | undefined> {
  const text = await readFile(join(dir, 'session.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as SessionInfo;
  } catch {
    throw new OneexError(
      'EVAULT_SESSION',
      `${join(dir, 'session.json')} is not valid JSON.`,
      undefined,
      EXIT.internal,
    );
  }
}

export async function readToken(dir: string): Promise<string | undefined> {
  const token = await readFile(join(dir, 'token'), 'utf8').catch(() => undefined);
  return token === undefined || token === '' ? undefined : token;
}

/** `'it'\''s'`: a POSIX shell word that is exactly `text`. */
export const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

export interface Exposed {
  readonly name: string;
  /** A value file (read into the variable, then deleted) or a file secret (the variable holds its path). */
  readonly kind: 'value' | 'file';
  readonly path: string;
}

/**
 * The script before_script sources. It reads each value file into its variable (exactly, trailing
 * newlines included), exports it, deletes the value files, and turns shell tracing off meanwhile so
 * CI_DEBUG_TRACE or `set -x` cannot print a value. A file that cannot be read ends the job.
 */
export function envScript(dir: string, exposed: readonly Exposed[]): string {
  const lines = [
    '# Written by `oneex-ci vault login`, sourced by the job. It holds file paths, never a secret value.',
    'case $- in *x*) oneex_vault_xtrace=1; set +x ;; *) oneex_vault_xtrace= ;; esac',
  ];
  for (const item of exposed) {
    const path = shellQuote(item.path);
    if (item.kind === 'file') {
      lines.push(`${item.name}=${path}; export ${item.name}`);
    } else {
      lines.push(
        `${item.name}="$(cat -- ${path} && printf x)" || { echo "oneex-ci vault: cannot read the value of ${item.name}" >&2; exit 1; }`,
        `${item.name}="\${${item.name}%x}"; export ${item.name}`,
      );
    }
  }
  lines.push(
    `rm -rf -- ${shellQuote(join(dir, 'values'))}`,
    'if [ -n "$oneex_vault_xtrace" ]; then set -x; fi',
    'unset oneex_vault_xtrace',
    '',
  );
  return lines.join('\n');
}
