import { describe, expect, it } from 'vitest';
import { apiPath, parseDeclarations, parseSecretRef } from '../../src/vault/spec.ts';

const ok = (text: string) => {
  const parsed = parseSecretRef(text);
  if ('problem' in parsed) throw new Error(`${text}: ${parsed.problem}`);
  return parsed.value;
};
const problem = (text: string) => {
  const parsed = parseSecretRef(text);
  if (!('problem' in parsed)) throw new Error(`${text} was accepted`);
  return parsed.problem;
};

describe('secret references', () => {
  it('reads a KV v2 path as mount, /data/, path', () => {
    expect(ok('kv/data/oneex/back#password')).toEqual({
      engine: 'kv2',
      mount: 'kv',
      path: 'oneex/back',
      field: 'password',
      text: 'kv/data/oneex/back#password',
    });
    expect(apiPath(ok('kv/data/oneex/back#password'))).toBe('kv/data/oneex/back');
  });

  it('takes the mount up to the first data segment, slashes included', () => {
    const ref = ok('team/kv/data/app/data/x#f');
    expect([ref.mount, ref.path]).toEqual(['team/kv', 'app/data/x']);
  });

  it('pins a KV v2 version', () => {
    const ref = ok('kv/data/oneex/back?version=3#password');
    expect(ref.version).toBe(3);
    expect(apiPath(ref)).toBe('kv/data/oneex/back?version=3');
  });

  it('reads a path without /data/ as KV v1, and kv1: forces it', () => {
    expect(ok('secret/oneex/legacy#token')).toMatchObject({
      engine: 'kv1',
      mount: 'secret',
      path: 'oneex/legacy',
    });
    const forced = ok('kv1:legacy/data/oneex#token');
    expect(forced).toMatchObject({ engine: 'kv1', mount: 'legacy', path: 'data/oneex' });
    expect(apiPath(forced)).toBe('legacy/data/oneex');
  });

  it('encodes path segments for the URL', () => {
    expect(apiPath(ok('kv/data/a@b+c#f'))).toBe('kv/data/a%40b%2Bc');
  });

  // Each bad reference fails with its own message, before anything is requested.
  it.each([
    ['', /secret reference/],
    ['kv/data/oneex/back', /a field after "#"/],
    ['kv/data/oneex/back#', /field name after "#"/],
    ['kv/data/oneex/back#a#b', /one "#" only/],
    ['#password', /secret path before "#"/],
    ['/kv/data/oneex/back#p', /without leading or trailing/],
    ['v1/kv/data/oneex/back#p', /without the \/v1\/ API prefix/],
    ['kv//data/x#p', /empty segments/],
    ['kv/data/../x#p', /"\." or "\.\."/],
    ['kv/data/x y#p', /without spaces/],
    ['kv/data/x$y#p', /segments of letters/],
    ['kv/data/#p', /without leading or trailing/],
    ['kv2:data/oneex/back#p', /a mount before \/data\//],
    ['kv2:kv/oneex/back#p', /<mount>\/data\/<path>/],
    ['kv/data/oneex/back?version=0#p', /whole number from 1/],
    ['kv/data/oneex/back?version=abc#p', /whole number from 1/],
    ['kv/data/oneex/back?version=-1#p', /whole number from 1/],
    ['kv/data/oneex/back?v=1#p', /"\?version=N" as the only query/],
    ['secret/oneex/legacy?version=2#p', /KV v1 keeps no versions/],
    ['kv/metadata/oneex/back#p', /metadata\/ holds no secret values/],
    ['sys/data/x#p', /"sys\/" is Vault's own system backend/],
    ['auth/jwt/role#p', /"auth\/" is Vault's own auth backend/],
    ['secret#p', /only a mount was given/],
    ['kv3:kv/data/x#p', /engine prefix kv1: or kv2:/],
  ])('refuses %j', (text, expected) => {
    expect(problem(text)).toMatch(expected);
  });
});

describe('secret declarations', () => {
  const lists = (secrets: string[], files: string[] = []) =>
    parseDeclarations([
      { input: 'secrets', entries: secrets, delivery: 'env' },
      { input: 'files', entries: files, delivery: 'file' },
    ]);

  it('parses NAME=REFERENCE for variables and files', () => {
    const { declarations, problems } = lists(
      ['DB_PASSWORD=kv/data/oneex/back#password', ' API_TOKEN = kv/data/oneex/back#api'],
      ['DEPLOY_KEY=kv/data/oneex/deploy#key'],
    );
    expect(problems).toEqual([]);
    expect(declarations.map((d) => [d.name, d.delivery, d.ref.field])).toEqual([
      ['DB_PASSWORD', 'env', 'password'],
      ['API_TOKEN', 'env', 'api'],
      ['DEPLOY_KEY', 'file', 'key'],
    ]);
  });

  it('reports every bad entry at once, naming the input and index', () => {
    const { declarations, problems } = lists(
      [
        'kv/data/oneex/back#password',
        '1ST=kv/data/oneex/back#p',
        'DB-PASS=kv/data/oneex/back#p',
        '=kv/data/oneex/back#p',
        'CI_JOB_TOKEN=kv/data/oneex/back#p',
        'PATH=kv/data/oneex/back#p',
        'ONEEX_X=kv/data/oneex/back#p',
        'GOOD=kv/data/oneex/back#p',
        'GOOD=kv/data/oneex/other#p',
        'EMPTY=kv/data/oneex/back#',
      ],
      ['GOOD=kv/data/oneex/deploy#key', 'KEY=sys/data/x#k'],
    );
    expect(declarations.map((d) => d.name)).toEqual(['GOOD']);
    expect(problems.map((p) => [p.input, p.expected])).toEqual([
      ['secrets[0]', expect.stringMatching(/NAME=PATH#FIELD/)],
      ['secrets[1]', expect.stringMatching(/not starting with a digit/)],
      ['secrets[2]', expect.stringMatching(/letters, digits and _/)],
      ['secrets[3]', expect.stringMatching(/a variable name before "="/)],
      ['secrets[4]', expect.stringMatching(/CI_\* names belong to GitLab/)],
      ['secrets[5]', expect.stringMatching(/PATH is used by the job/)],
      ['secrets[6]', expect.stringMatching(/ONEEX_\* names/)],
      ['secrets[8]', expect.stringMatching(/GOOD is already declared by secrets\[7\]/)],
      ['secrets[9]', expect.stringMatching(/field name after "#"/)],
      ['files[0]', expect.stringMatching(/already declared by secrets\[7\]/)],
      ['files[1]', expect.stringMatching(/system backend/)],
    ]);
  });
});
