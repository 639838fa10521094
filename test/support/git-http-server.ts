import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A real git server over smart HTTP: git's own `git http-backend` (the CGI program GitLab's Workhorse
// and every Apache/nginx git setup run), behind HTTP Basic authentication as GitLab asks for it. It
// serves every bare repository under `root` at `http://127.0.0.1:<port>/<path>.git`. Not a double: the
// protocol, the pack negotiation and the push's ref update (with its lock, so racing pushes are
// refused as on GitLab) are git's.

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request: its method and path, the user it authenticated as, and whether it was refused. */
  readonly requests: readonly GitRequest[];
  close(): Promise<void>;
}

export interface GitRequest {
  readonly method: string;
  /** Path and query, as the client sent them (a token in a URL would show here). */
  readonly url: string;
  readonly user: string | undefined;
  readonly status: number;
}

export interface GitHttpServerOptions {
  readonly root: string;
  /** user name -> token; a request must carry one pair as `Authorization: Basic`. */
  readonly users: Readonly<Record<string, string>>;
  /** Users who may read but not push (a Reporter on GitLab). */
  readonly readOnly?: readonly string[];
}

function authenticate(request: IncomingMessage, users: Readonly<Record<string, string>>): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined || !header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const [user, token] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  // GitLab accepts any user name with an access token; the double's users map names to tokens, and
  // `*` stands for "any name".
  if (users[user] === token || users['*'] === token) return user;
  return undefined;
}

export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const requests: GitRequest[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const user = authenticate(request, options.users);
    const record = (status: number) =>
      requests.push({ method: request.method ?? '', url: request.url ?? '', user, status });
    if (user === undefined) {
      record(401);
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="GitLab"', 'Content-Type': 'text/plain' });
      response.end('HTTP Basic: Access denied\n');
      return;
    }
    const pushing =
      url.pathname.endsWith('/git-receive-pack') || url.searchParams.get('service') === 'git-receive-pack';
    if (pushing && options.readOnly?.includes(user)) {
      record(403);
      response.writeHead(403, { 'Content-Type': 'text/plain' });
      response.end('You are not allowed to push code to this project.\n');
      return;
    }
    runBackend(options.root, user, request, response, record);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function runBackend(
  root: string,
  user: string,
  request: IncomingMessage,
  response: ServerResponse,
  record: (status: number) => void,
): void {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: request.method ?? 'GET',
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      REMOTE_USER: user,
      REMOTE_ADDR: '127.0.0.1',
      GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
      HTTP_CONTENT_ENCODING: String(request.headers['content-encoding'] ?? ''),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  request.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    record(status);
    response.writeHead(status, headers);
    headersSent = true;
    response.write(head.subarray(end + 4));
  });
  child.stderr.resume();
  child.on('close', () => {
    if (!headersSent) {
      record(500);
      response.writeHead(500).end();
    } else response.end();
  });
}
