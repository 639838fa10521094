#!/usr/bin/env node
// HadolintDouble: a test double of hadolint (github.com/hadolint/hadolint), the Dockerfile linter, which
// this machine cannot install. It follows hadolint 2.12's command line strictly for what the lint
// component and its tests use, and implements a handful of its rules with hadolint's own codes, levels
// and messages:
//   hadolint [-f|--format tty|json] [--no-fail] [-t|--failure-threshold LEVEL] [-c|--config FILE]
//            [--ignore CODE]... [--error|--warning|--info|--style CODE]... [--no-color] [-v|--version] FILE...
// - configuration from -c, else `.hadolint.yaml`/`.hadolint.yml` in the working directory: `ignored`,
//   `override` (error/warning/info/style), `failure-threshold`, `no-fail`;
// - `# hadolint ignore=DL3006,DL3007` before an instruction, `# hadolint global ignore=…` anywhere;
// - rules: DL3002, DL3006, DL3007, DL3020, DL3025, DL4000, and DL1000 for an unknown instruction;
// - exit 1 when a finding is at or above the failure threshold (default info) unless --no-fail; exit 1
//   with a message on stderr for a missing file, a bad option or a bad configuration.
// Run by Node 22, which strips the types.
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

type Level = 'error' | 'warning' | 'info' | 'style' | 'ignore';
const LEVELS: readonly Level[] = ['error', 'warning', 'info', 'style', 'ignore'];
const rank = (level: Level): number => LEVELS.indexOf(level);

interface Check {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly code: string;
  readonly level: Level;
  readonly message: string;
}

interface Instruction {
  readonly line: number;
  readonly keyword: string;
  readonly args: string;
}

const INSTRUCTIONS = new Set(
  'ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL STOPSIGNAL USER VOLUME WORKDIR'.split(
    ' ',
  ),
);
const ARCHIVES = [
  '.tar',
  '.tar.gz',
  '.tgz',
  '.tar.bz2',
  '.tbz2',
  '.tar.xz',
  '.txz',
  '.zip',
  '.gz',
  '.bz2',
  '.xz',
];

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

interface Options {
  format: string;
  noFail: boolean;
  threshold: Level | undefined;
  config: string | undefined;
  ignore: string[];
  overrides: Map<string, Level>;
  files: string[];
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    format: 'tty',
    noFail: false,
    threshold: undefined,
    config: undefined,
    ignore: [],
    overrides: new Map(),
    files: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined) fail(`Missing: ${flag} ARG`);
      return next as string;
    };
    switch (flag) {
      case '-v':
      case '--version':
        process.stdout.write('Haskell Dockerfile Linter 2.12.0\n');
        process.exit(0);
        break;
      case '-f':
      case '--format': {
        const format = value();
        if (!['tty', 'json'].includes(format)) fail(`option --format: cannot parse value \`${format}'`);
        options.format = format;
        break;
      }
      case '--no-fail':
        options.noFail = true;
        break;
      case '--no-color':
        break;
      case '-t':
      case '--failure-threshold': {
        const given = value();
        const level = (given === 'none' ? 'ignore' : given) as Level;
        if (!LEVELS.includes(level)) fail(`option --failure-threshold: cannot parse value \`${given}'`);
        options.threshold = level;
        break;
      }
      case '-c':
      case '--config':
        options.config = value();
        break;
      case '--ignore':
        options.ignore.push(value());
        break;
      case '--error':
      case '--warning':
      case '--info':
      case '--style':
        options.overrides.set(value(), flag.slice(2) as Level);
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') fail(`Invalid option \`${arg}'`);
        options.files.push(arg);
    }
  }
  return options;
}

interface Config {
  ignored: string[];
  override: Map<string, Level>;
  threshold: Level | undefined;
  noFail: boolean;
}

function readConfig(explicit: string | undefined): Config {
  const path = explicit ?? ['.hadolint.yaml', '.hadolint.yml'].find((file) => existsSync(file));
  const config: Config = { ignored: [], override: new Map(), threshold: undefined, noFail: false };
  if (path === undefined) return config;
  if (!existsSync(path))
    fail(`hadolint: ${path}: openBinaryFile: does not exist (No such file or directory)`);
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8')) ?? {};
  } catch (error) {
    fail(`Error parsing your config file in  '${path}':\n${(error as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    fail(
      `Error parsing your config file in  '${path}':\nIt should contain one of the keys 'override', 'ignored'`,
    );
  }
  const record = data as Record<string, unknown>;
  if (Array.isArray(record.ignored)) config.ignored = record.ignored.map(String);
  const override = record.override;
  if (override !== null && typeof override === 'object') {
    for (const [level, codes] of Object.entries(override)) {
      if (!['error', 'warning', 'info', 'style'].includes(level) || !Array.isArray(codes)) {
        fail(
          `Error parsing your config file in  '${path}':\nThe key 'override' should contain only lists with names 'error', 'warning', 'info' or 'style'`,
        );
      }
      for (const code of codes) config.override.set(String(code), level as Level);
    }
  }
  const threshold = record['failure-threshold'];
  if (typeof threshold === 'string' && LEVELS.includes(threshold as Level))
    config.threshold = threshold as Level;
  config.noFail = record['no-fail'] === true;
  return config;
}

/** Logical instructions: comments kept (for pragmas), `\` continuations joined, numbered by their first line. */
function instructions(text: string): { instructions: Instruction[]; comments: Instruction[] } {
  const result: Instruction[] = [];
  const comments: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const trimmed = raw.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      comments.push({ line: i + 1, keyword: '#', args: trimmed.slice(1).trim() });
      continue;
    }
    const start = i;
    let joined = trimmed;
    while (joined.endsWith('\\') && i + 1 < lines.length) {
      joined = `${joined.slice(0, -1)} ${(lines[++i] as string).trim()}`;
    }
    const match = /^(\S+)\s*(.*)$/s.exec(joined);
    result.push({ line: start + 1, keyword: (match?.[1] ?? '').toUpperCase(), args: match?.[2] ?? '' });
  }
  return { instructions: result, comments };
}

function lintFile(file: string, text: string): Check[] {
  const checks: Check[] = [];
  const { instructions: all, comments } = instructions(text);
  const add = (line: number, code: string, level: Level, message: string) =>
    checks.push({ file, line, column: 1, code, level, message });

  const unknown = all.find((instruction) => !INSTRUCTIONS.has(instruction.keyword));
  if (unknown !== undefined) {
    // hadolint stops at a parse error and reports only it.
    return [
      {
        file,
        line: unknown.line,
        column: 1,
        code: 'DL1000',
        level: 'error',
        message: `unexpected '${unknown.keyword.charAt(0).toLowerCase()}' expecting '#', '\\', ADD, ARG, CMD, COPY, ENTRYPOINT, ENV, EXPOSE, FROM, HEALTHCHECK, LABEL, MAINTAINER, ONBUILD, RUN, SHELL, STOPSIGNAL, USER, VOLUME, WORKDIR, a pragma, at least one space, or end of input`,
      },
    ];
  }

  const aliases = new Set<string>();
  let lastUser: { line: number; root: boolean } | undefined;
  for (const { line, keyword, args } of all) {
    if (keyword === 'FROM') {
      const words = args.split(/\s+/).filter((word) => !word.startsWith('--'));
      const image = words[0] ?? '';
      if (words[1]?.toUpperCase() === 'AS' && words[2] !== undefined) aliases.add(words[2]);
      lastUser = undefined;
      const name = image.split('@')[0] as string;
      const tag = /:([^/:]+)$/.exec(name)?.[1];
      if (image !== 'scratch' && !image.includes('@') && tag === undefined && !aliases.has(image)) {
        add(line, 'DL3006', 'warning', 'Always tag the version of an image explicitly');
      }
      if (tag === 'latest') {
        add(
          line,
          'DL3007',
          'warning',
          'Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag',
        );
      }
    } else if (keyword === 'ADD') {
      const sources = args
        .split(/\s+/)
        .filter((word) => word !== '' && !word.startsWith('--'))
        .slice(0, -1)
        .map((word) => word.replace(/^["']|["']$/g, ''));
      const fine = (src: string) =>
        /^https?:\/\//.test(src) || ARCHIVES.some((extension) => src.endsWith(extension));
      if (sources.length > 0 && !sources.every(fine)) {
        add(line, 'DL3020', 'error', 'Use COPY instead of ADD for files and folders');
      }
    } else if (keyword === 'MAINTAINER') {
      add(line, 'DL4000', 'error', 'MAINTAINER is deprecated');
    } else if ((keyword === 'CMD' || keyword === 'ENTRYPOINT') && !args.trim().startsWith('[')) {
      add(line, 'DL3025', 'warning', 'Use arguments JSON notation for CMD and ENTRYPOINT arguments');
    } else if (keyword === 'USER') {
      const user = args.trim();
      lastUser = { line, root: user === 'root' || user === '0' || /^(root|0):/.test(user) };
    }
  }
  if (lastUser?.root === true) add(lastUser.line, 'DL3002', 'warning', 'Last USER should not be root.');

  // Pragmas: `# hadolint ignore=…` applies to the next instruction, `# hadolint global ignore=…` to the file.
  const global = new Set<string>();
  const perLine = new Map<number, Set<string>>();
  for (const comment of comments) {
    const match = /^hadolint\s+(global\s+)?ignore\s*=\s*([A-Z0-9,\s]+)/.exec(comment.args);
    if (match === null) continue;
    const codes = (match[2] ?? '').split(',').map((code) => code.trim());
    if (match[1] !== undefined) for (const code of codes) global.add(code);
    else {
      const next = all.find((instruction) => instruction.line > comment.line);
      if (next !== undefined) perLine.set(next.line, new Set(codes));
    }
  }
  return checks.filter(
    (check) => !global.has(check.code) && perLine.get(check.line)?.has(check.code) !== true,
  );
}

const options = parseArgs(process.argv.slice(2));
if (options.files.length === 0) {
  process.stdout.write('Please provide a Dockerfile\n');
  process.exit(1);
}
const config = readConfig(options.config);
// hadolint documents the threshold as "at or above"; `ignore` (or `none`) never fails.
// Command-line ignores replace the configuration's, as hadolint documents.
const ignored = new Set(options.ignore.length > 0 ? options.ignore : config.ignored);
const checks: Check[] = [];
for (const file of options.files) {
  if (!existsSync(file))
    fail(`hadolint: ${file}: openBinaryFile: does not exist (No such file or directory)`);
  for (const check of lintFile(file, readFileSync(file, 'utf8'))) {
    if (ignored.has(check.code)) continue;
    const level = options.overrides.get(check.code) ?? config.override.get(check.code) ?? check.level;
    if (level !== 'ignore') checks.push({ ...check, level });
  }
}

if (options.format === 'json') {
  process.stdout.write(
    `${JSON.stringify(checks.map((c) => ({ code: c.code, column: c.column, file: c.file, level: c.level, line: c.line, message: c.message })))}\n`,
  );
} else {
  for (const c of checks) process.stdout.write(`${c.file}:${c.line} ${c.code} ${c.level}: ${c.message}\n`);
}
const threshold = options.threshold ?? config.threshold ?? 'info';
const failing = checks.some((check) => rank(check.level) <= rank(threshold) && threshold !== 'ignore');
process.exit(!options.noFail && !config.noFail && failing ? 1 : 0);
