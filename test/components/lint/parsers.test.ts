import { describe, expect, it } from 'vitest';
import { parseDotnetFormatReport } from '../../../components/lint/linters/dotnet-format.ts';
import { parseEslint } from '../../../components/lint/linters/eslint.ts';
import { parseHadolint } from '../../../components/lint/linters/hadolint.ts';
import { parsePrettier } from '../../../components/lint/linters/prettier.ts';
import { parseFlake8, parseRuff } from '../../../components/lint/linters/python.ts';
import { parseShellcheck } from '../../../components/lint/linters/shellcheck.ts';
import { projectPath } from '../../../components/lint/linters/support.ts';
import { parseTsc } from '../../../components/lint/linters/tsc.ts';
import { parseYamllint } from '../../../components/lint/linters/yamllint.ts';

// Each tool's machine-readable output, as the tool prints it, into findings. The samples are the tools'
// own output (ESLint 10, tsc 5.9, Prettier 3, yamllint 1.29, ShellCheck 0.9, Flake8 5) or, for the tools
// this machine lacks, their documented format (Ruff's JSON, hadolint's JSON, dotnet format's report).

const ROOT = '/builds/oneex/front';
const brief = (
  findings: readonly { check: string; severity: string; path: string; line: number }[] | undefined,
) => findings?.map((f) => `${f.check} ${f.severity} ${f.path}:${f.line}`);

describe('projectPath', () => {
  it('makes paths relative to the project, with / and no ./', () => {
    expect(projectPath(ROOT, `${ROOT}/src/a.ts`)).toBe('src/a.ts');
    expect(projectPath(ROOT, './scanner/mrz.py')).toBe('scanner/mrz.py');
    expect(projectPath(ROOT, 'Containerfile')).toBe('Containerfile');
  });
});

describe('parseEslint', () => {
  const output = JSON.stringify([
    { filePath: `${ROOT}/eslint.config.mjs`, messages: [], errorCount: 0 },
    {
      filePath: `${ROOT}/src/broken.ts`,
      messages: [
        {
          ruleId: null,
          fatal: true,
          severity: 2,
          message: 'Parsing error: Expression expected.',
          line: 1,
          column: 18,
        },
      ],
    },
    {
      filePath: `${ROOT}/src/index.ts`,
      messages: [
        {
          ruleId: '@typescript-eslint/no-unused-vars',
          severity: 2,
          message: "'unused' is assigned a value but never used.",
          line: 1,
          column: 7,
        },
        { ruleId: 'prefer-const', severity: 1, message: "'n' is never reassigned.", line: 4, column: 5 },
        {
          ruleId: null,
          severity: 1,
          message: "Unused eslint-disable directive (no problems were reported from 'no-console').",
        },
      ],
      suppressedMessages: [{ ruleId: 'no-console', severity: 2, message: 'x', line: 9, column: 1 }],
    },
  ]);

  it('maps fatal errors to critical, errors to major, warnings to minor; suppressed messages are not findings', () => {
    expect(brief(parseEslint(output, ROOT))).toEqual([
      'syntax-error critical src/broken.ts:1',
      '@typescript-eslint/no-unused-vars major src/index.ts:1',
      'prefer-const minor src/index.ts:4',
      'eslint minor src/index.ts:1',
    ]);
  });

  it('refuses output that is not ESLint’s JSON', () => {
    expect(parseEslint('Oops! Something went wrong!', ROOT)).toBeUndefined();
  });
});

describe('parseTsc', () => {
  const output = [
    "src/scan.ts(3,14): error TS2322: Type 'string' is not assignable to type 'number'.",
    "src/scan.ts(9,3): error TS2345: Argument of type '{ a: string; }' is not assignable to parameter of type 'Page'.",
    "  Property 'b' is missing in type '{ a: string; }' but required in type 'Page'.",
    'src/broken.ts(1,19): error TS1109: Expression expected.',
    "error TS5083: Cannot read file '/builds/oneex/front/tsconfig.base.json'.",
    '',
  ].join('\n');

  it('reads located and global diagnostics, joining continuation lines, syntax errors as critical', () => {
    const findings = parseTsc(output, ROOT, 'tsconfig.json');
    expect(brief(findings)).toEqual([
      'TS2322 major src/scan.ts:3',
      'TS2345 major src/scan.ts:9',
      'TS1109 critical src/broken.ts:1',
      'TS5083 major tsconfig.json:1',
    ]);
    expect(findings[1]?.message).toBe(
      "Argument of type '{ a: string; }' is not assignable to parameter of type 'Page'. Property 'b' is missing in type '{ a: string; }' but required in type 'Page'.",
    );
    expect(findings[0]?.column).toBe(14);
  });
});

describe('parsePrettier', () => {
  it('makes a finding of each unformatted file and each syntax error, and reports other errors', () => {
    const stderr = [
      '[error] src/broken.ts: SyntaxError: Expression expected. (1:19)',
      '[error] > 1 | export const y = (',
      '[error]     |                   ^',
      '[error]   2 |',
      "[error] Cannot find package 'prettier-plugin-svelte' imported from /builds/oneex/front/noop.js",
    ].join('\n');
    const { findings, errors } = parsePrettier('src/ugly.ts\npackage.json\n', stderr, ROOT);
    expect(brief(findings)).toEqual([
      'format major src/ugly.ts:1',
      'format major package.json:1',
      'syntax-error critical src/broken.ts:1',
    ]);
    expect(findings[2]?.column).toBe(19);
    expect(errors).toEqual([
      "[error] Cannot find package 'prettier-plugin-svelte' imported from /builds/oneex/front/noop.js",
    ]);
  });
});

describe('parseRuff', () => {
  const output = JSON.stringify([
    {
      cell: null,
      code: 'F401',
      end_location: { column: 10, row: 1 },
      filename: `${ROOT}/fib.py`,
      fix: { applicability: 'safe', edits: [], message: 'Remove unused import: `os`' },
      location: { column: 8, row: 1 },
      message: '`os` imported but unused',
      noqa_row: 1,
      url: 'https://docs.astral.sh/ruff/rules/unused-import',
    },
    {
      cell: null,
      code: null,
      end_location: { column: 1, row: 2 },
      filename: `${ROOT}/syntax_errors.py`,
      fix: null,
      location: { column: 15, row: 1 },
      message: 'SyntaxError: Expected one or more symbol names after import',
      noqa_row: null,
      url: null,
    },
  ]);

  it('reads rule violations as major and syntax errors (no code) as critical', () => {
    expect(brief(parseRuff(output, ROOT))).toEqual([
      'F401 major fib.py:1',
      'syntax-error critical syntax_errors.py:1',
    ]);
    expect(parseRuff('[]', ROOT)).toEqual([]);
    expect(parseRuff('ruff failed', ROOT)).toBeUndefined();
  });
});

describe('parseFlake8', () => {
  it('reads the default format; E999 is critical', () => {
    const output = [
      "./scanner/mrz.py:1:1: F401 'os' imported but unused",
      "./scanner/mrz.py:5:10: E711 comparison to None should be 'if cond is None:'",
      './scanner/bad.py:2:5: E999 IndentationError: unexpected indent',
      '',
    ].join('\n');
    const findings = parseFlake8(output, ROOT);
    expect(brief(findings)).toEqual([
      'F401 major scanner/mrz.py:1',
      'E711 major scanner/mrz.py:5',
      'E999 critical scanner/bad.py:2',
    ]);
    expect(findings[1]?.message).toBe("comparison to None should be 'if cond is None:'");
  });
});

describe('parseDotnetFormatReport', () => {
  it('reads the FormattedFile records of --report', () => {
    const report = JSON.stringify([
      {
        DocumentId: {
          ProjectId: { Id: 'b49341bb-b6d0-a4b2-214b-f9e9a3180c16' },
          Id: '0720a087-deac-e989-7f7c-7cc3d3aee9df',
        },
        FileName: 'Program.cs',
        FilePath: `${ROOT}/src/Api/Program.cs`,
        FileChanges: [
          {
            LineNumber: 1,
            CharNumber: 39,
            DiagnosticId: 'WHITESPACE',
            FormatDescription: "Fix whitespace formatting. Replace 3 characters with ''.",
          },
          { LineNumber: 12, CharNumber: 5, DiagnosticId: 'IDE0055', FormatDescription: 'Fix formatting' },
        ],
      },
      {
        FileName: 'Old.cs',
        FilePath: `${ROOT}/src/Api/Old.cs`,
        FileChanges: [{ LineNumber: 3, CharNumber: 1, FormatDescription: 'Fix final newline.' }],
      },
    ]);
    expect(brief(parseDotnetFormatReport(report, ROOT))).toEqual([
      'WHITESPACE major src/Api/Program.cs:1',
      'IDE0055 major src/Api/Program.cs:12',
      'FORMAT major src/Api/Old.cs:3',
    ]);
    expect(parseDotnetFormatReport('', ROOT)).toBeUndefined();
  });
});

describe('parseHadolint', () => {
  const checks = [
    {
      code: 'DL3007',
      column: 1,
      file: 'Containerfile',
      level: 'warning',
      line: 1,
      message: 'Using latest is prone to errors',
    },
    {
      code: 'DL3020',
      column: 1,
      file: 'Containerfile',
      level: 'error',
      line: 2,
      message: 'Use COPY instead of ADD for files and folders',
    },
    {
      code: 'DL3059',
      column: 1,
      file: 'Containerfile',
      level: 'info',
      line: 4,
      message: 'Multiple consecutive `RUN` instructions.',
    },
    { code: 'SC2086', column: 1, file: 'Containerfile', level: 'style', line: 5, message: 'Double quote' },
    {
      code: 'DL1000',
      column: 5,
      file: 'docker/Dockerfile.dev',
      level: 'error',
      line: 2,
      message: "unexpected 'f'\n",
    },
  ];

  it('maps levels to severities and a parse error to critical', () => {
    expect(brief(parseHadolint(JSON.stringify(checks), ROOT))).toEqual([
      'DL3007 minor Containerfile:1',
      'DL3020 major Containerfile:2',
      'DL3059 info Containerfile:4',
      'SC2086 info Containerfile:5',
      'DL1000 critical docker/Dockerfile.dev:2',
    ]);
  });

  it('reads older releases’ one array per file', () => {
    const output = `${JSON.stringify(checks.slice(0, 1))}\n${JSON.stringify(checks.slice(4))}\n`;
    expect(brief(parseHadolint(output, ROOT))).toEqual([
      'DL3007 minor Containerfile:1',
      'DL1000 critical docker/Dockerfile.dev:2',
    ]);
    expect(parseHadolint('hadolint: Containerfile: openBinaryFile: does not exist', ROOT)).toBeUndefined();
  });
});

describe('parseYamllint', () => {
  it('reads the parsable format; syntax errors are critical', () => {
    const output = [
      'x.yml:1:1: [warning] missing document start "---" (document-start)',
      'x.yml:2:1: [error] duplication of key "a" in mapping (key-duplicates)',
      "bad.yaml:2:1: [error] syntax error: expected the node content, but found '<stream end>' (syntax)",
      '',
    ].join('\n');
    const findings = parseYamllint(output, ROOT);
    expect(brief(findings)).toEqual([
      'document-start minor x.yml:1',
      'key-duplicates major x.yml:2',
      'syntax critical bad.yaml:2',
    ]);
    expect(findings[1]?.message).toBe('duplication of key "a" in mapping');
  });
});

describe('parseShellcheck', () => {
  const comments = [
    {
      file: 'b.sh',
      line: 2,
      endLine: 2,
      column: 6,
      endColumn: 8,
      level: 'warning',
      code: 2154,
      message: 'a is referenced but not assigned.',
      fix: null,
    },
    {
      file: 'b.sh',
      line: 3,
      endLine: 3,
      column: 8,
      endColumn: 17,
      level: 'error',
      code: 2068,
      message: 'Double quote array expansions to avoid re-splitting elements.',
      fix: null,
    },
    {
      file: 'a.sh',
      line: 1,
      endLine: 1,
      column: 6,
      endColumn: 8,
      level: 'info',
      code: 2086,
      message: 'Double quote to prevent globbing and word splitting.',
      fix: null,
    },
    {
      file: 'c.sh',
      line: 4,
      endLine: 4,
      column: 1,
      endColumn: 1,
      level: 'error',
      code: 1073,
      message: "Couldn't parse this if expression.",
      fix: null,
    },
    {
      file: 'a.sh',
      line: 5,
      endLine: 5,
      column: 1,
      endColumn: 1,
      level: 'style',
      code: 2006,
      message: 'Use $(...) notation.',
      fix: null,
    },
  ];

  it('reads json1 and the older json array; parse errors are critical', () => {
    const expected = [
      'SC2154 minor b.sh:2',
      'SC2068 major b.sh:3',
      'SC2086 info a.sh:1',
      'SC1073 critical c.sh:4',
      'SC2006 info a.sh:5',
    ];
    expect(brief(parseShellcheck(JSON.stringify({ comments }), ROOT))).toEqual(expected);
    expect(brief(parseShellcheck(JSON.stringify(comments), ROOT))).toEqual(expected);
    expect(parseShellcheck('', ROOT)).toBeUndefined();
  });
});
