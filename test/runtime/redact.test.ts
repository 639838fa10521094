import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/runtime/redact.ts';

describe('Redactor', () => {
  it('masks a secret and its base64 and URL-encoded forms', () => {
    const redactor = new Redactor();
    const secret = 'p@ss/w0rd+';
    redactor.add(secret);
    const text = [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), 'plain'].join(
      ' ',
    );
    expect(redactor.redact(text)).toBe('[MASKED] [MASKED] [MASKED] plain');
  });

  it('masks each line of a multi-line secret such as a private key', () => {
    const redactor = new Redactor();
    const key = '-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABAQC\n-----END KEY-----';
    redactor.add(key);
    expect(redactor.redact('line: AAAAB3NzaC1yc2EAAAADAQABAAABAQC')).toBe('line: [MASKED]');
  });

  it('masks the longer of two overlapping secrets whole', () => {
    const redactor = new Redactor();
    redactor.add('token');
    redactor.add('token-with-suffix');
    expect(redactor.redact('a token-with-suffix b token')).toBe('a [MASKED] b [MASKED]');
  });

  it('leaves text alone without secrets, and ignores values too short to mask safely', () => {
    const redactor = new Redactor();
    expect(redactor.redact('nothing here')).toBe('nothing here');
    redactor.add('ab');
    expect(redactor.redact('ab cab')).toBe('ab cab');
  });

  it('treats regular-expression characters in secrets literally', () => {
    const redactor = new Redactor();
    redactor.add('a.b*c(d)');
    expect(redactor.redact('a.b*c(d) axbbbc(d)')).toBe('[MASKED] axbbbc(d)');
  });
});
