import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// A real OpenSSH server on loopback for tests that drive SSH clients (Ansible, rsync, ssh itself):
// generated host and user keys, a high port, public-key authentication only. Start it once per test
// file: it takes about 100 ms, and each test gets its own sandbox directory to write in.
//
// As root, the server authenticates a dedicated unprivileged account (created once if missing), so
// a playbook under test can only touch what that account owns. As another user, sshd cannot switch
// users, so the account is the caller's own.

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';
export const TEST_ACCOUNT = 'oneex-ssh-test';

export interface SshServerOptions {
  /**
   * Loopback addresses to listen on (127.0.0.0/8 needs no interface set-up), all on the same port:
   * several "VMs" at the addresses an inventory names, on one port. Default 127.0.0.1.
   */
  readonly addresses?: readonly string[];
  /** The port; default a free one. */
  readonly port?: number;
}

export interface SshServer {
  /** The first of the addresses it listens on. */
  readonly host: string;
  readonly addresses: readonly string[];
  readonly port: number;
  /** The account the user key logs in as. */
  readonly user: string;
  /** The account's home directory, where sandboxes live. */
  readonly home: string;
  /** OpenSSH private key (text) accepted for `user`. */
  readonly userPrivateKey: string;
  /** The server's public host key, `<type> <base64>`. */
  readonly hostPublicKey: string;
  /** A known_hosts line that trusts this server, at each of its addresses. */
  readonly knownHostsLine: string;
  /** A known_hosts line for this host and port with a key the server does not hold (a mismatch). */
  readonly wrongKnownHostsLine: string;
  /** A port on loopback where nothing listens (an unreachable host). */
  readonly closedPort: number;
  /** A fresh directory owned by `user` in its home, for one test to write in. */
  sandbox(name: string): Promise<string>;
  /** Everything sshd logged so far (connections, authentications). */
  log(): string;
  /** How many TCP connections sshd has accepted so far: compare before and after to prove none was made. */
  connections(): number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(),
      );
    });
  });
}

async function keyPair(dir: string, name: string): Promise<{ privateKey: string; publicKey: string }> {
  const path = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
  const publicKey = (await readFile(`${path}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
  return { privateKey: await readFile(path, 'utf8'), publicKey };
}

/** As root: the dedicated account, with no password and not locked (sshd refuses locked accounts). */
async function ensureAccount(): Promise<{ user: string; home: string; uid: number; gid: number }> {
  if (process.getuid?.() !== 0) {
    const me = userInfo();
    return { user: me.username, home: me.homedir, uid: me.uid, gid: me.gid };
  }
  const lookup = await run('getent', ['passwd', TEST_ACCOUNT]).catch(() => undefined);
  if (lookup === undefined) {
    await run('useradd', ['--create-home', '--shell', '/bin/sh', '--password', '*', TEST_ACCOUNT]);
  }
  const fields = (await run('getent', ['passwd', TEST_ACCOUNT])).stdout.trim().split(':');
  return { user: TEST_ACCOUNT, home: fields[5] ?? '', uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** Waits for sshd to say it listens (a probe connection would count as a client's). */
async function waitForListening(
  logFile: string,
  child: ChildProcess,
  output: () => string,
  addresses: number,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}):\n${output()}`);
    const listening = existsSync(logFile)
      ? readFileSync(logFile, 'utf8').split('Server listening on').length - 1
      : 0;
    if (listening >= addresses) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`sshd did not start listening in 10 s:\n${output()}`);
}

export async function startSshServer(options: SshServerOptions = {}): Promise<SshServer> {
  const addresses = options.addresses ?? ['127.0.0.1'];
  if (addresses.length === 0 || addresses.some((a) => !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a)))
    throw new Error(`startSshServer: addresses must be loopback IPv4 addresses, got ${addresses.join(', ')}`);
  if (!existsSync(SSHD))
    throw new Error(`${SSHD} is missing: install openssh-server (scripts/setup-machine.sh)`);
  const account = await ensureAccount();
  const dir = await mkdtemp(join(tmpdir(), 'oneex-sshd-'));
  const host = await keyPair(dir, 'host_key');
  const user = await keyPair(dir, 'user_key');
  const impostor = await keyPair(dir, 'impostor_host_key');
  // sshd reads authorized keys as the account: it must be able to reach them (and nothing else).
  await chmod(dir, 0o711);
  await mkdir(join(dir, 'authorized_keys'), { mode: 0o755 });
  await writeFile(join(dir, 'authorized_keys', account.user), `${user.publicKey}\n`, { mode: 0o644 });
  const port = options.port ?? (await freePort());
  const closedPort = await freePort();
  // sshd wants its privilege-separation directory when it runs as root.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const config = [
    ...addresses.map((address) => `ListenAddress ${address}:${port}`),
    `HostKey ${join(dir, 'host_key')}`,
    'PidFile none',
    // Keys live in the temporary directory, whose parents (/tmp) StrictModes would reject.
    `AuthorizedKeysFile ${join(dir, 'authorized_keys', '%u')}`,
    'StrictModes no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin no',
    `AllowUsers ${account.user}`,
    // Ansible copies files over SFTP.
    'Subsystem sftp internal-sftp',
    'MaxStartups 100:30:200',
    'MaxSessions 50',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
  await writeFile(join(dir, 'sshd_config'), config);
  await chmod(join(dir, 'sshd_config'), 0o600);

  // -E: sshd's own log file; its per-connection processes do not log to a stderr pipe.
  const logFile = join(dir, 'sshd.log');
  let output = '';
  const child = spawn(SSHD, ['-D', '-E', logFile, '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  await waitForListening(
    logFile,
    child,
    () => `${output}${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}`,
    addresses.length,
  );

  const readLog = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  let sandboxes = 0;
  const server: SshServer = {
    host: addresses[0] ?? '127.0.0.1',
    addresses,
    port,
    user: account.user,
    home: account.home,
    userPrivateKey: user.privateKey,
    hostPublicKey: host.publicKey,
    knownHostsLine: `${addresses.map((a) => `[${a}]:${port}`).join(',')} ${host.publicKey}`,
    wrongKnownHostsLine: `${addresses.map((a) => `[${a}]:${port}`).join(',')} ${impostor.publicKey}`,
    closedPort,
    async sandbox(name) {
      sandboxes += 1;
      const path = join(account.home, `sandbox-${port}-${sandboxes}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`);
      await rm(path, { recursive: true, force: true });
      await mkdir(path, { recursive: true, mode: 0o755 });
      if (process.getuid?.() === 0) await run('chown', [`${account.uid}:${account.gid}`, path]);
      return path;
    },
    log: () => readLog(),
    connections: () =>
      readLog()
        .split('\n')
        .filter((line) => line.startsWith('Connection from ')).length,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
      const mine = (await readdir(account.home)).filter((name) => name.startsWith(`sandbox-${port}-`));
      await Promise.all(mine.map((name) => rm(join(account.home, name), { recursive: true, force: true })));
    },
  };
  return server;
}
