import { afterEach, describe, expect, it } from 'vitest';
import { childEnvironment, exec } from '../../src/runtime/exec.ts';
import { Redactor } from '../../src/runtime/redact.ts';

// What a program the CLI runs inherits: everything but the job's ID token, which only the CLI uses.

const saved = process.env.ONEEX_VAULT_ID_TOKEN;
afterEach(() => {
  if (saved === undefined) delete process.env.ONEEX_VAULT_ID_TOKEN;
  else process.env.ONEEX_VAULT_ID_TOKEN = saved;
});

describe('exec', () => {
  it('keeps the ID token from the programs it runs, and gives them the rest', async () => {
    process.env.ONEEX_VAULT_ID_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.claims.signature';
    const result = await exec(
      'sh',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
      ['-c', 'echo "token=${ONEEX_VAULT_ID_TOKEN-unset} extra=$EXTRA home=${HOME:+set}"'],
      {
        cwd: process.cwd(),
        env: { EXTRA: 'given' },
        redactor: new Redactor(),
      },
    );
    expect(result.stdout.trim()).toBe('token=unset extra=given home=set');
  });

  it('passes the ID token only when the caller gives it explicitly', () => {
    expect(childEnvironment({ ONEEX_VAULT_ID_TOKEN: 'a', PATH: '/bin' })).toEqual({ PATH: '/bin' });
    expect(childEnvironment({ ONEEX_VAULT_ID_TOKEN: 'a' }, { ONEEX_VAULT_ID_TOKEN: 'b' })).toEqual({
      ONEEX_VAULT_ID_TOKEN: 'b',
    });
  });
});
