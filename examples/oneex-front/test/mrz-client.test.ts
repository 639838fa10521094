import assert from 'node:assert/strict';
import { it, describe as suite } from 'node:test';
import { checkMrz, describe, type MrzResult, mrzLines } from '../src/mrz-client.ts';

const RESULT: MrzResult = {
  valid: true,
  surname: 'ERIKSSON',
  givenNames: 'ANNA MARIA',
  documentNumber: 'L898902C3',
  nationality: 'UTO',
  birthDate: '740812',
  expiryDate: '120415',
  checks: [],
};

/** A fetch that answers `status` with `body`, and records what it was asked. */
function fakeFetch(status: number, body: unknown, seen: Request[] = []): typeof fetch {
  return async (input, init) => {
    seen.push(new Request(new URL(String(input), 'http://front.test'), init));
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
}

suite('mrzLines', () => {
  it('drops blank lines and spaces, and upper-cases', () => {
    assert.deepEqual(mrzLines(' p<uto eriksson\r\n\n l898 \n'), ['P<UTOERIKSSON', 'L898']);
  });
});

suite('checkMrz', () => {
  it('posts the lines as JSON to the same-origin API', async () => {
    const seen: Request[] = [];
    const outcome = await checkMrz(['A', 'B'], fakeFetch(200, RESULT, seen));
    assert.equal(outcome.kind, 'checked');
    assert.equal(seen[0]?.method, 'POST');
    assert.equal(new URL(seen[0]?.url ?? '').pathname, '/api/mrz/check');
    assert.deepEqual(await seen[0]?.json(), { lines: ['A', 'B'] });
  });

  it('reports the API’s refusal', async () => {
    const outcome = await checkMrz(['A'], fakeFetch(422, { error: 'a TD3 MRZ has 2 lines, not 1' }));
    assert.deepEqual(outcome, { kind: 'refused', message: 'a TD3 MRZ has 2 lines, not 1' });
  });
});

suite('describe', () => {
  it('says who holds a valid document', () => {
    assert.equal(
      describe({ kind: 'checked', result: RESULT }),
      'Valid MRZ: document L898902C3 (UTO) of ANNA MARIA ERIKSSON, expires 120415.',
    );
  });

  it('names the wrong check digits', () => {
    const checks = [
      { field: 'birthDate', expected: 2, found: '3', valid: false },
      { field: 'composite', expected: 0, found: '1', valid: false },
    ];
    assert.equal(
      describe({ kind: 'checked', result: { ...RESULT, valid: false, checks } }),
      'Invalid MRZ: wrong check digit for date of birth, composite.',
    );
  });
});
