import { rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { EXIT, OneexError } from '../runtime/errors.ts';
import type { Redactor } from '../runtime/redact.ts';

// The files buildah and skopeo need to reach a registry: a containers auth file (the credentials) and
// a certificate directory (a private CA). They live in a private temporary directory outside the
// project, so no artifact can pick them up; the auth file is 0600; both go when the job ends, on
// success, failure or cancellation. Tools get the paths, never the secret itself.

export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

export interface RegistryAccess extends AsyncDisposable {
  /** The hosts the auth file holds credentials for. */
  readonly hosts: readonly string[];
  /** containers-auth.json(5); passed as `--authfile`. */
  readonly authFile: string;
  /** A directory with the CA as `ca.crt`, for `--cert-dir`; undefined when the system trust store is enough. */
  readonly certDir: string | undefined;
  dispose(): Promise<void>;
}

const pending = new Set<string>();
let hooked = false;

// A cancelled job gets SIGTERM: remove the credentials before going, as `finally` would not run.
function removeOnExit(dir: string): void {
  pending.add(dir);
  if (hooked) return;
  hooked = true;
  const sweep = () => {
    for (const path of pending) rmSync(path, { recursive: true, force: true });
    pending.clear();
  };
  process.once('exit', sweep);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      sweep();
      process.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
    });
  }
}

export async function openRegistryAccess(options: {
  readonly hosts: readonly string[];
  readonly credentials: RegistryCredentials | undefined;
  /** A PEM CA bundle that signed the registry's certificate, if not a public CA. */
  readonly caFile: string | undefined;
  /** The project directory: the credentials must not be written under it. */
  readonly projectDir: string;
  readonly redactor: Redactor;
}): Promise<RegistryAccess> {
  const base = tmpdir();
  const inside = relative(resolve(options.projectDir), resolve(base));
  if (!inside.startsWith('..')) {
    throw new OneexError(
      'ETMPDIR',
      `The temporary directory ${base} is inside the project directory; credentials written there could end up in artifacts.`,
      'Point TMPDIR outside the project directory (the default /tmp is).',
      EXIT.usage,
    );
  }
  const dir = await mkdtemp(join(base, 'oneex-registry-'));
  removeOnExit(dir);
  const dispose = async () => {
    await rm(dir, { recursive: true, force: true });
    pending.delete(dir);
  };
  try {
    const authFile = join(dir, 'auth.json');
    const auths: Record<string, { auth: string }> = {};
    if (options.credentials !== undefined) {
      const { username, password } = options.credentials;
      const pair = `${username}:${password}`;
      options.redactor.add(password);
      options.redactor.add(pair);
      for (const host of options.hosts) auths[host] = { auth: Buffer.from(pair).toString('base64') };
    }
    await writeFile(authFile, `${JSON.stringify({ auths })}\n`, { mode: 0o600, flag: 'wx' });

    let certDir: string | undefined;
    if (options.caFile !== undefined) {
      certDir = join(dir, 'certs');
      await mkdir(certDir, { mode: 0o700 });
      const ca = await readFile(options.caFile, 'utf8').catch(() => {
        throw new OneexError(
          'ECAFILE',
          `The CA file ${options.caFile} cannot be read.`,
          'Give a readable PEM file (a GitLab CI/CD variable of type File gives one).',
          EXIT.usage,
        );
      });
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
        throw new OneexError(
          'ECAFILE',
          `The CA file ${options.caFile} holds no PEM certificate.`,
          'Give a PEM bundle (lines between -----BEGIN CERTIFICATE----- and -----END CERTIFICATE-----).',
          EXIT.usage,
        );
      }
      await copyFile(options.caFile, join(certDir, 'ca.crt'));
    }
    return { hosts: options.hosts, authFile, certDir, dispose, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
