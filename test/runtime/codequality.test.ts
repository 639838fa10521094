import { describe, expect, it } from 'vitest';
import { codeQualityIssues, type Finding } from '../../src/runtime/codequality.ts';

const finding = (overrides: Partial<Finding> = {}): Finding => ({
  engine: 'eslint',
  check: 'no-unused-vars',
  message: "'a' is assigned a value but never used.",
  severity: 'major',
  path: 'src/a.ts',
  line: 2,
  ...overrides,
});

const linesOf = (text: string) => {
  const lines = text.split('\n');
  return (_path: string, line: number) => lines[line - 1];
};

describe('codeQualityIssues', () => {
  it('writes the fields GitLab’s widget reads, in a stable order', () => {
    const issues = codeQualityIssues([
      finding({ path: 'src/b.ts', line: 1 }),
      finding({ engine: 'tsc', check: 'TS2322', message: 'Type mismatch.', line: 9 }),
      finding(),
    ]);
    expect(issues.map((i) => `${i.location.path}:${i.location.lines.begin} ${i.engine_name}`)).toEqual([
      'src/a.ts:2 eslint',
      'src/a.ts:9 tsc',
      'src/b.ts:1 eslint',
    ]);
    expect(issues[0]).toEqual({
      type: 'issue',
      engine_name: 'eslint',
      check_name: 'no-unused-vars',
      description: "eslint: 'a' is assigned a value but never used. [no-unused-vars]",
      severity: 'major',
      fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
      location: { path: 'src/a.ts', lines: { begin: 2 } },
    });
  });

  it('keeps a fingerprint when the line moves, and changes it when the line changes', () => {
    const before = codeQualityIssues([finding({ line: 2 })], linesOf('// header\nconst a = 1;\n'));
    const moved = codeQualityIssues([finding({ line: 4 })], linesOf('// header\n\n// more\nconst a = 1;\n'));
    const edited = codeQualityIssues([finding({ line: 2 })], linesOf('// header\nconst a = 2;\n'));
    expect(moved[0]?.fingerprint).toBe(before[0]?.fingerprint);
    expect(edited[0]?.fingerprint).not.toBe(before[0]?.fingerprint);
  });

  it('tells identical findings on identical lines apart, the same way every time', () => {
    const source = linesOf('x\nx\n');
    const run = () =>
      codeQualityIssues([finding({ line: 2, check: 'dup' }), finding({ line: 1, check: 'dup' })], source).map(
        (i) => i.fingerprint,
      );
    const first = run();
    expect(new Set(first).size).toBe(2);
    expect(run()).toEqual(first);
  });

  it('falls back on the line number when the file cannot be read, and never points at line 0', () => {
    const [zero] = codeQualityIssues([finding({ line: 0 })]);
    expect(zero?.location.lines.begin).toBe(1);
    const [a] = codeQualityIssues([finding({ line: 3 })]);
    const [b] = codeQualityIssues([finding({ line: 4 })]);
    expect(a?.fingerprint).not.toBe(b?.fingerprint);
  });
});
