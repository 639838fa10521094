import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';

// A real OCI registry on loopback standing in for Harbor's registry: the CNCF distribution registry
// (Debian's docker-registry) with htpasswd auth and TLS from a CA made for the test run, so buildah
// and skopeo talk to it exactly as to Harbor. Start it once per test file.
//
// Also here: a base image made locally (busybox-static; nothing is pulled from the internet), an
// isolated containers storage for buildah, and a fault-injecting HTTPS proxy in front of the registry.

const run = promisify(execFile);

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the registry host in image names. */
  readonly host: string;
  readonly dir: string;
  /** The test CA (PEM), to pass as the component's `ca_file`. */
  readonly caFile: string;
  /** A directory holding `ca.crt`, for `--cert-dir`. */
  readonly certDir: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly username: string;
  readonly password: string;
  /** A containers auth file for the test's own skopeo calls. */
  readonly authFile: string;
  /** `skopeo` with the registry's auth and CA; returns stdout. */
  skopeo(args: readonly string[]): Promise<string>;
  /** The digest a reference resolves to, or undefined when there is no such manifest. */
  digestOf(reference: string): Promise<string | undefined>;
  tags(repository: string): Promise<string[]>;
  /** Adds another host (a proxy) to the test's auth file, with the same account. */
  trustHost(host: string): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ca = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.crt');
  const ext = join(dir, 'server.ext');
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-sha256',
    '-days',
    '2',
    '-subj',
    '/CN=Oneex Test CA',
    '-out',
    ca,
  ]);
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  await run('openssl', ['req', '-new', '-key', key, '-subj', '/CN=localhost', '-out', csr]);
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-days',
    '2',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  return { ca, cert, key };
}

async function htpasswd(file: string, username: string, password: string): Promise<void> {
  // bcrypt, as the registry requires; the lowest cost keeps every authenticated request fast.
  const child = spawn('htpasswd', ['-niBC', '4', username], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(password);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  await new Promise<void>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`htpasswd exited ${code}`)))),
  );
  await writeFile(file, out);
}

async function waitUntilUp(url: string, ca: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  const caPem = await readFile(ca);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited:\n${await readFile(log, 'utf8')}`);
    const status = await new Promise<number>((resolve) => {
      https
        .get(`${url}/v2/`, { ca: caPem }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        })
        .on('error', () => resolve(0));
    });
    if (status === 401) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('docker-registry did not start within 15 s');
}

export async function startRegistry(): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'oneex-registry-test-'));
  const certDir = join(dir, 'certs');
  await mkdir(certDir);
  const { ca, cert, key } = await makeCertificates(dir);
  await writeFile(join(certDir, 'ca.crt'), await readFile(ca));
  const username = 'robot$oneex+ci';
  const password = `test-${createHash('sha256').update(dir).digest('hex').slice(0, 24)}`;
  await htpasswd(join(dir, 'htpasswd'), username, password);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  await writeFile(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      '  tls:',
      `    certificate: ${cert}`,
      `    key: ${key}`,
      'auth:',
      '  htpasswd:',
      '    realm: oneex-test',
      `    path: ${join(dir, 'htpasswd')}`,
      '',
    ].join('\n'),
  );
  const log = join(dir, 'registry.log');
  const { openSync } = await import('node:fs');
  const out = openSync(log, 'a');
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', out, out] });
  await waitUntilUp(`https://${host}`, ca, child, log);

  const authFile = join(dir, 'auth.json');
  const hosts = [host];
  const writeAuth = () =>
    writeFile(
      authFile,
      JSON.stringify({
        auths: Object.fromEntries(
          hosts.map((h) => [h, { auth: Buffer.from(`${username}:${password}`).toString('base64') }]),
        ),
      }),
      { mode: 0o600 },
    );
  await writeAuth();
  const skopeo = async (args: readonly string[]) => {
    const [command, ...rest] = args;
    const certs =
      command === 'copy' ? ['--src-cert-dir', certDir, '--dest-cert-dir', certDir] : ['--cert-dir', certDir];
    const { stdout } = await run('skopeo', [command ?? '', '--authfile', authFile, ...certs, ...rest], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  };
  return {
    host,
    dir,
    caFile: ca,
    certDir,
    serverCert: cert,
    serverKey: key,
    username,
    password,
    authFile,
    skopeo,
    async digestOf(reference) {
      try {
        return (
          JSON.parse(await skopeo(['inspect', '--no-tags', `docker://${reference}`])) as { Digest: string }
        ).Digest;
      } catch {
        return undefined;
      }
    },
    async tags(repository) {
      try {
        return (
          JSON.parse(await skopeo(['list-tags', `docker://${host}/${repository}`])) as { Tags: string[] }
        ).Tags;
      } catch {
        return [];
      }
    },
    async trustHost(other) {
      hosts.push(other);
      await writeAuth();
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) =>
        child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve),
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Environment for buildah and skopeo runs of one test file: a containers storage of its own (vfs by
 * default, in a temporary directory), so tests never touch the machine's images, nor each other's.
 */
export async function containersEnv(
  dir: string,
  driver: 'vfs' | 'overlay' = 'vfs',
): Promise<Record<string, string>> {
  const conf = join(dir, 'storage.conf');
  await mkdir(join(dir, 'storage'), { recursive: true });
  await writeFile(
    conf,
    [
      '[storage]',
      `driver = "${driver}"`,
      `graphroot = "${join(dir, 'storage', 'graph')}"`,
      `runroot = "${join(dir, 'storage', 'run')}"`,
      '',
    ].join('\n'),
  );
  return { CONTAINERS_STORAGE_CONF: conf };
}

/**
 * Builds `context` (its Containerfile) with buildah, reproducibly (timestamps 0, no identity label),
 * as `reference`, and pushes it to `registry`. Returns the reference.
 */
export async function buildAndPush(
  registry: TestRegistry,
  env: Readonly<Record<string, string>>,
  context: string,
  reference: string,
): Promise<string> {
  const options = { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 };
  await run(
    'buildah',
    ['bud', '--isolation', 'chroot', '--timestamp', '0', '--identity-label=false', '-t', reference, context],
    options,
  );
  await run(
    'buildah',
    ['push', '--quiet', '--authfile', registry.authFile, '--cert-dir', registry.certDir, reference],
    options,
  );
  return reference;
}

/**
 * Pushes a tiny base image with a shell (busybox-static) as `<host>/<repository>:<tag>`, built
 * `FROM scratch` with a fixed timestamp, so every run makes the same digest.
 */
export async function pushBaseImage(
  registry: TestRegistry,
  env: Readonly<Record<string, string>>,
  reference = `${registry.host}/base/busybox:1`,
): Promise<string> {
  const context = await mkdtemp(join(tmpdir(), 'oneex-base-'));
  try {
    await run('cp', ['/bin/busybox', join(context, 'busybox')]);
    await writeFile(
      join(context, 'Containerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n',
    );
    return await buildAndPush(registry, env, context, reference);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------

/** What the proxy does to one request: answer with a status, reset the connection, or never answer. */
export type Fault = { readonly status: number; readonly body?: string } | 'reset' | 'hang';

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT`: use it in image names instead of the registry host. */
  readonly host: string;
  /** Every request seen, in order, with the fault applied to it, if any. */
  readonly requests: { readonly method: string; readonly path: string; readonly fault?: Fault }[];
  /** Decides each request's fault (undefined: forward it). Replace it between runs. */
  rule: (request: ProxiedRequest) => Fault | undefined;
  stop(): Promise<void>;
}

/** `n` faults for requests that `match`, then none: the shape of a registry that recovers. */
export function failFirst(
  n: number,
  match: (request: ProxiedRequest) => boolean,
  fault: Fault,
): (request: ProxiedRequest) => Fault | undefined {
  let left = n;
  return (request) => {
    if (left <= 0 || !match(request)) return undefined;
    left--;
    return fault;
  };
}

/**
 * An HTTPS proxy (same test certificate) in front of the registry. The Host header is passed on as
 * received, so the registry's upload URLs keep pointing at the proxy.
 */
export async function startFaultProxy(registry: TestRegistry): Promise<FaultProxy> {
  const ca = await readFile(registry.caFile);
  const sockets = new Set<Duplex>();
  const requests: FaultProxy['requests'] = [];
  const [registryHost, registryPort] = registry.host.split(':');
  const proxy: FaultProxy = {
    host: '',
    requests,
    rule: () => undefined,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = https.createServer(
    { cert: await readFile(registry.serverCert), key: await readFile(registry.serverKey) },
    (request, response) => {
      const seen = { method: request.method ?? 'GET', path: request.url ?? '/' };
      const fault = proxy.rule(seen);
      requests.push({ ...seen, ...(fault !== undefined ? { fault } : {}) });
      if (fault === 'reset') {
        request.socket.destroy();
        return;
      }
      if (fault === 'hang') {
        request.resume();
        return;
      }
      if (fault !== undefined) {
        request.resume();
        response.writeHead(fault.status, { 'Content-Type': 'application/json' });
        response.end(
          fault.body ?? JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'injected fault' }] }),
        );
        return;
      }
      const upstream = https.request(
        {
          host: registryHost,
          port: Number(registryPort),
          method: request.method,
          path: request.url,
          headers: request.headers,
          ca,
          servername: 'localhost',
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on('error', () => response.destroy());
      request.pipe(upstream);
    },
  );
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  (proxy as { host: string }).host = `127.0.0.1:${port}`;
  await registry.trustHost(proxy.host);
  return proxy;
}
