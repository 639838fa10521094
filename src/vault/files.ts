import { chmod, lstat, mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { RunContext } from '../runtime/context.ts';
import { EXIT, OneexError } from '../runtime/errors.ts';

// Credential files (SSH keys, certificates, kubeconfigs, password files): in a private directory
// (0700) outside the project directory, so no artifact or cache can hold them; each file 0600; all
// removed when the job is done with them.

export interface SecretFiles {
  /** The private directory. */
  readonly dir: string;
  /**
   * Writes one file (0600, never overwriting) and returns its absolute path. A PEM or OpenSSH key gets
   * its final newline back unless `exact` (see withFinalNewline).
   */
  write(name: string, value: string, options?: { readonly exact?: boolean }): Promise<string>;
  /** Removes the directory and everything in it; safe to call twice. */
  remove(): Promise<void>;
}

const FILE_NAME = /^[A-Za-z0-9_.-]+$/;

/** True when `path` is the project directory or inside it. */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}

/**
 * A fresh private directory: under the system temp directory by default, or at `at` (created, or
 * reused when it is a real directory of ours, not a symlink).
 */
export async function createSecretFiles(
  context: RunContext,
  options: { at?: string } = {},
): Promise<SecretFiles> {
  const project = context.ci.CI_PROJECT_DIR ?? context.cwd;
  let dir: string;
  if (options.at === undefined) {
    dir = await mkdtemp(join(tmpdir(), 'oneex-secrets-'));
  } else {
    dir = resolve(options.at);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const stat = await lstat(dir);
    if (
      !stat.isDirectory() ||
      stat.isSymbolicLink() ||
      (process.getuid !== undefined && stat.uid !== process.getuid())
    )
      throw new OneexError(
        'ESECRETDIR',
        `${dir} is not a private directory of this job (a symlink, or another user's).`,
        'Remove it; the library creates it itself.',
        EXIT.unavailable,
      );
  }
  if (isInside(dir, project) || isInside(dir, context.cwd)) {
    await rm(dir, { recursive: true, force: true });
    throw new OneexError(
      'ESECRETDIR',
      `The private directory for credential files, ${dir}, is inside the project directory, where artifacts are taken from.`,
      'Point TMPDIR outside the project directory.',
      EXIT.usage,
    );
  }
  await chmod(dir, 0o700);
  return {
    dir,
    async write(name, value, options = {}) {
      if (!FILE_NAME.test(name)) throw new Error(`bad credential file name ${JSON.stringify(name)}`);
      const path = join(dir, name);
      // O_EXCL: never follow or reuse something planted at this path.
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(options.exact === true ? value : withFinalNewline(value));
        await handle.chmod(0o600);
      } finally {
        await handle.close();
      }
      return path;
    },
    async remove() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A PEM or OpenSSH key without its final newline is refused by OpenSSH ("invalid format"); KV values
 * often lose it on the way in. Only armoured text gets one; other files are written as stored.
 */
export function withFinalNewline(value: string): string {
  return /-----END [A-Z0-9 ]+-----$/.test(value) ? `${value}\n` : value;
}
