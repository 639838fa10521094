import { describe, expect, it } from 'vitest';
import { encodedForms, Redactor } from '../../src/runtime/redact.ts';

// The forms a tool may print a secret in, each masked.

const SECRET = 'p4ss/w0rd+"harbor"=&x';

function redactor(...secrets: string[]): Redactor {
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  return r;
}

describe('Redactor', () => {
  it('masks the raw value, URL-encoded, form-encoded and JSON-escaped', () => {
    const r = redactor(SECRET);
    expect(r.redact(`raw ${SECRET}`)).toBe('raw [MASKED]');
    expect(r.redact(`url https://u:${encodeURIComponent(SECRET)}@host`)).toBe('url https://u:[MASKED]@host');
    expect(r.redact(`form a=1&b=${new URLSearchParams({ s: SECRET }).toString().slice(2)}`)).toBe(
      'form a=1&b=[MASKED]',
    );
    expect(r.redact(`json ${JSON.stringify({ password: SECRET })}`)).toBe('json {"password":"[MASKED]"}');
  });

  it('masks base64 and base64url of the value, whole or inside a longer encoded text', () => {
    const r = redactor(SECRET);
    const b64 = Buffer.from(SECRET).toString('base64');
    expect(r.redact(`b64 ${b64}`)).toBe('b64 [MASKED]');
    expect(r.redact(`b64url ${Buffer.from(SECRET).toString('base64url')}`)).toBe('b64url [MASKED]');
    // A Basic auth header and a docker config's auth field hold base64("user:secret").
    for (const user of ['u', 'us', 'robot$back']) {
      const basic = Buffer.from(`${user}:${SECRET}`).toString('base64');
      const masked = r.redact(`Authorization: Basic ${basic}`);
      expect(masked).toContain('[MASKED]');
      expect(masked.length).toBeLessThan(`Authorization: Basic ${basic}`.length - 10);
    }
  });

  it('masks the lines of a base64 encoding wrapped at 76 columns, as `base64` prints it', () => {
    const long = 'a-long-secret-value-that-makes-more-than-seventy-six-base64-characters-0123456789';
    const printed = (
      Buffer.from(long)
        .toString('base64')
        .match(/.{1,76}/g) ?? []
    ).join('\n');
    expect(printed.split('\n').length).toBe(2);
    expect(redactor(long).redact(printed)).toBe('[MASKED]\n[MASKED]');
  });

  it('masks each line of a multi-line secret (a key printed line by line)', () => {
    const key =
      '-----BEGIN KEY-----\nMIIBVgIBADANBgkqhkiG9w0BAQEFAASC\nAUAwggE8AgEAAkEAq7BFUpkGp3+XQ\n-----END KEY-----';
    const r = redactor(key);
    expect(r.redact('line: MIIBVgIBADANBgkqhkiG9w0BAQEFAASC')).toBe('line: [MASKED]');
  });

  it('leaves short values and unrelated text alone', () => {
    const r = redactor('abc', 'longer-secret');
    expect(r.redact('abc and longer')).toBe('abc and longer');
    expect(encodedForms('password').every((f) => f.length >= 4)).toBe(true);
  });

  it('masks a secret that contains another whole', () => {
    const r = redactor('token-1234', 'token-1234-extended');
    expect(r.redact('token-1234-extended')).toBe('[MASKED]');
  });

  it('treats regular-expression characters in secrets literally', () => {
    const r = redactor('a.b*c(d)');
    expect(r.redact('a.b*c(d) axbbbc(d)')).toBe('[MASKED] axbbbc(d)');
  });

  it('leaves text alone while no secret is registered', () => {
    expect(new Redactor().redact('nothing here')).toBe('nothing here');
  });
});
