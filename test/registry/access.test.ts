import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistryAccess } from '../../src/registry/access.ts';
import { Redactor } from '../../src/runtime/redact.ts';

let project: string;
let ca: string;
beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'oneex-access-project-'));
  ca = join(project, 'ca.pem');
  await writeFile(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
});
afterAll(() => rm(project, { recursive: true, force: true }));

const credentials = { username: 'robot$oneex+ci', password: 'pa55-word-robot' };

describe('openRegistryAccess', () => {
  it('writes a private auth file outside the project, registers the secret, removes it all on dispose', async () => {
    const redactor = new Redactor();
    const access = await openRegistryAccess({
      hosts: ['harbor.oneex.fr'],
      credentials,
      caFile: ca,
      projectDir: project,
      redactor,
    });
    expect(access.authFile.startsWith(project)).toBe(false);
    expect((await stat(access.authFile)).mode & 0o777).toBe(0o600);
    const auth = JSON.parse(await readFile(access.authFile, 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    expect(Buffer.from(auth.auths['harbor.oneex.fr']?.auth ?? '', 'base64').toString()).toBe(
      'robot$oneex+ci:pa55-word-robot',
    );
    expect(await readFile(join(access.certDir as string, 'ca.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
    // Every form a tool could print is masked: the secret, and the base64 of the auth entry.
    expect(redactor.redact(`x ${auth.auths['harbor.oneex.fr']?.auth} pa55-word-robot`)).toBe(
      'x [MASKED] [MASKED]',
    );
    await access.dispose();
    expect(existsSync(dirname(access.authFile))).toBe(false);
  });

  it('refuses a temporary directory inside the project', async () => {
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = join(project, 'tmp');
    try {
      await expect(
        openRegistryAccess({
          hosts: ['h'],
          credentials,
          caFile: undefined,
          projectDir: project,
          redactor: new Redactor(),
        }),
      ).rejects.toMatchObject({ code: 'ETMPDIR' });
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
  });

  it('refuses a CA file that holds no certificate', async () => {
    const bad = join(project, 'bad.pem');
    await writeFile(bad, 'not a certificate');
    await expect(
      openRegistryAccess({
        hosts: ['h'],
        credentials,
        caFile: bad,
        projectDir: project,
        redactor: new Redactor(),
      }),
    ).rejects.toMatchObject({ code: 'ECAFILE' });
  });

  it('removes the credentials when the job is cancelled (SIGTERM)', async () => {
    const script = `
      import { openRegistryAccess } from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'registry', 'access.ts'))};
      import { Redactor } from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'runtime', 'redact.ts'))};
      const access = await openRegistryAccess({ hosts: ['h'], credentials: { username: 'u', password: 'secret-pw' }, caFile: undefined, projectDir: ${JSON.stringify(project)}, redactor: new Redactor() });
      console.log(access.authFile);
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const authFile = await new Promise<string>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
    );
    expect(existsSync(authFile)).toBe(true);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(143);
    expect(existsSync(authFile)).toBe(false);
  });
});
