import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { checkTd3, MrzFormatError } from './mrz.ts';

// The Back's HTTP API, on node:http alone: no framework, so the image has no runtime dependency.

/** Bodies larger than this are refused: an MRZ is 88 characters. */
const MAX_BODY_BYTES = 4096;

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new HttpError(415, 'the body must be application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

function linesOf(body: unknown): string[] {
  const lines = (body as { lines?: unknown } | null)?.lines;
  if (!Array.isArray(lines) || !lines.every((line) => typeof line === 'string')) {
    throw new HttpError(400, 'expected {"lines": ["<MRZ line 1>", "<MRZ line 2>"]}');
  }
  return lines;
}

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path === '/health') {
    if (request.method !== 'GET') throw new HttpError(405, 'use GET');
    send(response, 200, { status: 'ok' });
    return;
  }
  if (path === '/api/mrz/check') {
    if (request.method !== 'POST') throw new HttpError(405, 'use POST');
    try {
      send(response, 200, checkTd3(linesOf(await readJson(request))));
    } catch (error) {
      if (error instanceof MrzFormatError) throw new HttpError(422, error.message);
      throw error;
    }
    return;
  }
  throw new HttpError(404, `no route ${path}`);
}

export function createApp(log: (line: string) => void = () => {}): Server {
  return createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (error instanceof HttpError) {
        send(response, error.status, { error: error.message });
        return;
      }
      log(`error: ${error instanceof Error ? error.message : String(error)}`);
      send(response, 500, { error: 'internal error' });
    });
  });
}
