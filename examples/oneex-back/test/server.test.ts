import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../src/server.ts';

const SPECIMEN = [
  'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<',
  'L898902C36UTO7408122F1204159ZE184226B<<<<<10',
];

const server = createApp();
let base = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (body: string, type = 'application/json') =>
  fetch(`${base}/api/mrz/check`, { method: 'POST', headers: { 'content-type': type }, body });

describe('the Back API', () => {
  it('answers GET /health', async () => {
    const response = await fetch(`${base}/health`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('checks an MRZ', async () => {
    const response = await post(JSON.stringify({ lines: SPECIMEN }));
    assert.equal(response.status, 200);
    const result = (await response.json()) as { valid: boolean; documentNumber: string };
    assert.equal(result.valid, true);
    assert.equal(result.documentNumber, 'L898902C3');
  });

  it('answers 422 for a malformed MRZ, 400 for a bad body, 415 for another type', async () => {
    assert.equal((await post(JSON.stringify({ lines: ['P<UTO'] }))).status, 422);
    assert.equal((await post('{')).status, 400);
    assert.equal((await post(JSON.stringify({ mrz: 'x' }))).status, 400);
    assert.equal((await post('lines', 'text/plain')).status, 415);
  });

  it('answers 404 and 405 where there is no such route or method', async () => {
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/api/mrz/check`)).status, 405);
  });

  it('refuses bodies over 4 KiB', async () => {
    assert.equal((await post(JSON.stringify({ lines: ['x'.repeat(5000)] }))).status, 413);
  });
});
