import { describe, expect, it } from 'vitest';
import { dotenv } from '../../src/runtime/dotenv.ts';

describe('dotenv', () => {
  it('writes KEY=value lines, unquoted', () => {
    expect(dotenv({ IMAGE_REF: 'h/a@sha256:1', IMAGE_TAGS: 'a,b' })).toBe(
      'IMAGE_REF=h/a@sha256:1\nIMAGE_TAGS=a,b\n',
    );
  });
  it('refuses what GitLab would not read', () => {
    expect(() => dotenv({ 'IMAGE-REF': 'x' })).toThrow(/not \[A-Za-z0-9_\]/);
    expect(() => dotenv({ A: 'two\nlines' })).toThrow(/spans lines/);
    expect(() => dotenv({ A: 'x'.repeat(6000) })).toThrow(/5120 bytes/);
  });
});
