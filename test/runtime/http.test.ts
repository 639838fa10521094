import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, NetworkError } from '../../src/runtime/http.ts';

const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, budgetMs: 5_000 };
let server: Server;
let base: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const count = (hits.get(req.url ?? '') ?? 0) + 1;
    hits.set(req.url ?? '', count);
    if (req.url === '/flaky' && count < 3) {
      res.writeHead(502).end('bad gateway');
    } else if (req.url === '/reset' && count < 2) {
      req.socket.destroy();
    } else if (req.url === '/missing') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[]}');
    } else if (req.url === '/down') {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":["Vault is sealed"]}');
    } else {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ method: req.method, type: req.headers['content-type'] ?? null, body }));
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('http', () => {
  it('sends JSON and parses a JSON answer', async () => {
    const response = await http({ method: 'POST', url: `${base}/echo`, body: { a: 1 } }, { policy: fast });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ method: 'POST', type: 'application/json', body: '{"a":1}' });
  });

  it('retries 5xx answers and dropped connections until one succeeds', async () => {
    const retries: number[] = [];
    const flaky = await http(
      { method: 'GET', url: `${base}/flaky` },
      { policy: fast, onRetry: (_, n) => retries.push(n) },
    );
    expect(flaky.status).toBe(200);
    expect(hits.get('/flaky')).toBe(3);
    expect(retries).toEqual([1, 2]);
    expect((await http({ method: 'GET', url: `${base}/reset` }, { policy: fast })).status).toBe(200);
  });

  it('returns a 4xx at once, without retrying', async () => {
    const response = await http({ method: 'GET', url: `${base}/missing` }, { policy: fast });
    expect(response).toMatchObject({ status: 404, body: { errors: [] } });
    expect(hits.get('/missing')).toBe(1);
  });

  it('returns the last 5xx answer once the attempts are spent', async () => {
    const response = await http({ method: 'GET', url: `${base}/down` }, { policy: fast });
    expect(response).toMatchObject({ status: 503, body: { errors: ['Vault is sealed'] } });
    expect(hits.get('/down')).toBe(3);
  });

  it('throws a NetworkError naming the address when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failure = http({ method: 'GET', url }, { policy: fast });
    await expect(failure).rejects.toBeInstanceOf(NetworkError);
    await expect(failure).rejects.toThrow(`no answer from ${url}: ECONNREFUSED`);
  });
});
