#!/usr/bin/env node
// RuffDouble: a test double of Ruff (docs.astral.sh/ruff), the Python linter, which this machine cannot
// install (no PyPI). It follows `ruff check`'s command line and contract for what the lint component
// and its tests use:
//   ruff --version
//   ruff check [PATH]... [--output-format json|concise|full] [--no-fix] [--force-exclude]
//              [--extend-exclude PATTERN]... [--select CODES] [--ignore CODES] [--extend-select CODES]
//              [--config FILE] [--exit-zero] [--no-cache] [--quiet]
// - configuration from --config, else ruff.toml, .ruff.toml or pyproject.toml's [tool.ruff] in the
//   working directory: `exclude`, `extend-exclude`, `line-length`, and `select`, `extend-select`,
//   `ignore` at the top or under `[lint]`; the default rule selection is Ruff's, E4, E7, E9 and F;
// - files: the paths given, directories walked for *.py and *.pyi, .gitignore and Ruff's default
//   excludes (.venv, node_modules, …) honoured; --force-exclude applies excludes to paths given too;
// - rules: F401, E711, E712, E741, E501, syntax errors (no code) for unclosed brackets, E902 for a path
//   that does not exist; `# noqa` and `# noqa: CODE` suppress;
// - JSON as Ruff writes it (absolute filename, location/end_location rows and columns, fix, url);
// - exit 0 without diagnostics, 1 with some (0 with --exit-zero), 2 when Ruff itself fails (a bad
//   option, a bad configuration file).
// Run by Node 22, which strips the types.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

function abort(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
if (argv[0] === '--version' || argv[0] === '-V') {
  process.stdout.write('ruff 0.8.4\n');
  process.exit(0);
}
if (argv[0] !== 'check') {
  abort(
    `error: unrecognized subcommand '${argv[0] ?? ''}'\n\nUsage: ruff [OPTIONS] <COMMAND>\n\nFor more information, try '--help'.`,
  );
}

interface Options {
  paths: string[];
  format: string;
  forceExclude: boolean;
  extendExclude: string[];
  select: string[] | undefined;
  extendSelect: string[];
  ignore: string[];
  config: string | undefined;
  exitZero: boolean;
}

const options: Options = {
  paths: [],
  format: 'full',
  forceExclude: false,
  extendExclude: [],
  select: undefined,
  extendSelect: [],
  ignore: [],
  config: undefined,
  exitZero: false,
};
const codes = (text: string) =>
  text
    .split(',')
    .map((code) => code.trim())
    .filter((code) => code !== '');
for (let i = 1; i < argv.length; i++) {
  const arg = argv[i] as string;
  const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
  const value = (): string => {
    const next = inline ?? argv[++i];
    if (next === undefined) abort(`error: a value is required for '${flag} <VALUE>' but none was supplied`);
    return next as string;
  };
  switch (flag) {
    case '--output-format': {
      const format = value();
      if (!['json', 'concise', 'full'].includes(format)) {
        abort(`error: invalid value '${format}' for '--output-format <OUTPUT_FORMAT>'`);
      }
      options.format = format;
      break;
    }
    case '--no-fix':
    case '--no-cache':
    case '--quiet':
    case '-q':
      break;
    case '--force-exclude':
      options.forceExclude = true;
      break;
    case '--extend-exclude':
      options.extendExclude.push(...codes(value()));
      break;
    case '--select':
      options.select = codes(value());
      break;
    case '--extend-select':
      options.extendSelect.push(...codes(value()));
      break;
    case '--ignore':
      options.ignore.push(...codes(value()));
      break;
    case '--config':
      options.config = value();
      break;
    case '--exit-zero':
      options.exitZero = true;
      break;
    default:
      if (arg.startsWith('-')) {
        abort(
          `error: unexpected argument '${arg}' found\n\nUsage: ruff check [OPTIONS] [FILES]...\n\nFor more information, try '--help'.`,
        );
      }
      options.paths.push(arg);
  }
}

interface Settings {
  select: string[];
  extendSelect: string[];
  ignore: string[];
  exclude: string[];
  lineLength: number;
}

/** The few TOML shapes Ruff's settings take: `key = "x"`, `key = 1`, `key = ["a", "b"]` (over lines too). */
function tomlSections(text: string): Map<string, Map<string, string | number | string[]>> {
  const sections = new Map<string, Map<string, string | number | string[]>>();
  let current = '';
  sections.set(current, new Map());
  const withoutComments = text.replace(/#[^\n"]*$/gm, '');
  const pattern = /^\s*\[([^\]]+)\]\s*$|^\s*([\w-]+)\s*=\s*(\[[\s\S]*?\]|"[^"]*"|'[^']*'|[^\n]+)/gm;
  for (const match of withoutComments.matchAll(pattern)) {
    if (match[1] !== undefined) {
      current = match[1].trim();
      if (!sections.has(current)) sections.set(current, new Map());
      continue;
    }
    const raw = (match[3] as string).trim();
    let value: string | number | string[];
    if (raw.startsWith('[')) value = [...raw.matchAll(/["']([^"']*)["']/g)].map((m) => m[1] as string);
    else if (/^["']/.test(raw)) value = raw.slice(1, -1);
    else if (/^\d+$/.test(raw)) value = Number(raw);
    else
      abort(
        `ruff failed\n  Cause: Failed to parse configuration: invalid value \`${raw}\` for \`${match[2]}\``,
      );
    sections.get(current)?.set(match[2] as string, value);
  }
  return sections;
}

function loadSettings(): Settings {
  const settings: Settings = {
    select: ['E4', 'E7', 'E9', 'F'],
    extendSelect: [],
    ignore: [],
    exclude: [],
    lineLength: 88,
  };
  let file = options.config;
  let prefix = '';
  if (file === undefined) {
    if (existsSync('ruff.toml')) file = 'ruff.toml';
    else if (existsSync('.ruff.toml')) file = '.ruff.toml';
    else if (
      existsSync('pyproject.toml') &&
      /^\[tool\.ruff[\].]/m.test(readFileSync('pyproject.toml', 'utf8'))
    ) {
      file = 'pyproject.toml';
    }
  }
  if (file === undefined) return settings;
  if (!existsSync(file))
    abort(`ruff failed\n  Cause: Failed to read ${file}: No such file or directory (os error 2)`);
  if (file.endsWith('pyproject.toml')) prefix = 'tool.ruff';
  const sections = tomlSections(readFileSync(file, 'utf8'));
  const top = sections.get(prefix) ?? new Map();
  const lint = sections.get(prefix === '' ? 'lint' : `${prefix}.lint`) ?? new Map();
  const list = (key: string) => {
    const value = lint.get(key) ?? top.get(key);
    return Array.isArray(value) ? value : undefined;
  };
  settings.select = list('select') ?? settings.select;
  settings.extendSelect = list('extend-select') ?? [];
  settings.ignore = list('ignore') ?? [];
  settings.exclude = [
    ...((top.get('exclude') as string[]) ?? []),
    ...((top.get('extend-exclude') as string[]) ?? []),
  ];
  const length = top.get('line-length');
  if (typeof length === 'number') settings.lineLength = length;
  return settings;
}

const settings = loadSettings();
const select = [...(options.select ?? settings.select), ...settings.extendSelect, ...options.extendSelect];
const ignore = [...settings.ignore, ...options.ignore];
/** Ruff's rule selection: the most specific matching prefix decides; on a tie, ignore wins. */
function enabled(code: string): boolean {
  const longest = (prefixes: string[]) =>
    Math.max(
      -1,
      ...prefixes.filter((p) => p === 'ALL' || code.startsWith(p)).map((p) => (p === 'ALL' ? 0 : p.length)),
    );
  const selected = longest(select);
  return selected >= 0 && selected > longest(ignore);
}

const DEFAULT_EXCLUDES = [
  '.bzr',
  '.direnv',
  '.eggs',
  '.git',
  '.git-rewrite',
  '.hg',
  '.ipynb_checkpoints',
  '.mypy_cache',
  '.nox',
  '.pants.d',
  '.pyenv',
  '.pytest_cache',
  '.pytype',
  '.ruff_cache',
  '.svn',
  '.tox',
  '.venv',
  '.vscode',
  '__pypackages__',
  '_build',
  'buck-out',
  'dist',
  'node_modules',
  'site-packages',
  'venv',
];
const excludes = [...settings.exclude, ...options.extendExclude];
const globRegExp = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split(/\*\*\/?/)
      .map((part) =>
        part
          .replace(/[.+^$()|\\{}]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]'),
      )
      .join('.*')}$`,
  );
const cwd = process.cwd();
function excluded(file: string): boolean {
  const rel = relative(cwd, resolve(file)).split(sep).join('/');
  const parts = rel.split('/');
  if (parts.some((part) => DEFAULT_EXCLUDES.includes(part))) return true;
  return excludes.some((pattern) => {
    const regexp = globRegExp(pattern.replace(/^\.\//, '').replace(/\/+$/, ''));
    return parts.some(
      (_, i) => regexp.test(parts.slice(0, i + 1).join('/')) || regexp.test(parts[i] as string),
    );
  });
}

// The working directory's .gitignore, as Ruff honours it (respect-gitignore): plain patterns, no negation.
const gitignored = existsSync('.gitignore')
  ? readFileSync('.gitignore', 'utf8')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'))
  : [];
function ignoredByGit(file: string): boolean {
  const parts = relative(cwd, file).split(sep);
  return gitignored.some((pattern) => {
    const regexp = globRegExp(pattern.replace(/^\//, '').replace(/\/+$/, ''));
    return parts.some(
      (_, i) => regexp.test(parts.slice(0, i + 1).join('/')) || regexp.test(parts[i] as string),
    );
  });
}

/** Python files under a directory, as Ruff discovers them. */
function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (excluded(path) || ignoredByGit(path)) continue;
    if (entry.isDirectory()) walk(path, out);
    else if (entry.isFile() && /\.pyi?$/.test(entry.name)) out.push(path);
  }
  return out;
}

interface Diagnostic {
  code: string | null;
  message: string;
  row: number;
  column: number;
  endRow: number;
  endColumn: number;
  url: string | null;
  fix: object | null;
  filename: string;
}

function checkFile(filename: string, text: string): Diagnostic[] {
  const lines = text.split(/\r?\n/);
  const found: Diagnostic[] = [];
  const add = (
    code: string | null,
    row: number,
    column: number,
    length: number,
    message: string,
    slug: string | null,
    fix: object | null = null,
  ) =>
    found.push({
      code,
      message,
      row,
      column,
      endRow: row,
      endColumn: column + length,
      url: slug === null ? null : `https://docs.astral.sh/ruff/rules/${slug}`,
      fix,
      filename,
    });

  // A syntax error stops the checks, as in Ruff (its diagnostics come without a code).
  const stack: { char: string; row: number; column: number }[] = [];
  lines.forEach((line, index) => {
    const code = line.replace(/(["'])(?:\\.|(?!\1).)*\1/g, '""').replace(/#.*$/, '');
    for (let i = 0; i < code.length; i++) {
      const char = code[i] as string;
      if ('([{'.includes(char)) stack.push({ char, row: index + 1, column: i + 1 });
      else if (')]}'.includes(char)) stack.pop();
    }
  });
  const open = stack[stack.length - 1];
  if (open !== undefined) {
    const closing = { '(': ')', '[': ']', '{': '}' }[open.char];
    add(null, lines.length, 1, 0, `SyntaxError: Expected '${closing}', found end of file`, null);
    return found;
  }

  const body = lines.map((line) => line.replace(/#.*$/, ''));
  lines.forEach((line, index) => {
    const row = index + 1;
    const imported = /^(\s*)import\s+(.+)$/.exec(body[index] as string);
    const fromImport = /^(\s*)from\s+([\w.]+)\s+import\s+([^()]+)$/.exec(body[index] as string);
    const bindings: { name: string; shown: string; column: number }[] = [];
    if (imported !== null) {
      for (const part of (imported[2] as string).split(',')) {
        const [module = '', alias] = part.trim().split(/\s+as\s+/);
        bindings.push({
          name: alias ?? module.split('.')[0] ?? module,
          shown: alias !== undefined ? `${module} as ${alias}` : module,
          column: line.indexOf(module) + 1,
        });
      }
    } else if (fromImport !== null && fromImport[2] !== '__future__') {
      for (const part of (fromImport[3] as string).split(',')) {
        const [name = '', alias] = part.trim().split(/\s+as\s+/);
        bindings.push({
          name: alias ?? name,
          shown: `${fromImport[2]}.${name}`,
          column: line.indexOf(name) + 1,
        });
      }
    }
    for (const binding of bindings) {
      const used = body.some((other, j) => j !== index && new RegExp(`\\b${binding.name}\\b`).test(other));
      if (!used) {
        add(
          'F401',
          row,
          binding.column,
          binding.shown.length,
          `\`${binding.shown}\` imported but unused`,
          'unused-import',
          {
            applicability: 'safe',
            edits: [{ content: '', end_location: { column: 1, row: row + 1 }, location: { column: 1, row } }],
            message: `Remove unused import: \`${binding.shown}\``,
          },
        );
      }
    }
    for (const match of (body[index] as string).matchAll(/(==|!=)\s*(None|True|False)\b/g)) {
      const column = (match.index ?? 0) + 1;
      if (match[2] === 'None') {
        add(
          'E711',
          row,
          column,
          match[0].length,
          `Comparison to \`None\` should be \`cond ${match[1] === '==' ? 'is' : 'is not'} None\``,
          'none-comparison',
        );
      } else {
        const truthy = (match[2] === 'True') === (match[1] === '==');
        add(
          'E712',
          row,
          column,
          match[0].length,
          `Avoid equality comparisons to \`${match[2]}\`; use \`${truthy ? '' : 'not '}cond:\` for ${truthy ? 'truth' : 'false'} checks`,
          'true-false-comparison',
        );
      }
    }
    const ambiguous = /^\s*(l|O|I)\s*=[^=]/.exec(body[index] as string);
    if (ambiguous !== null)
      add(
        'E741',
        row,
        line.indexOf(ambiguous[1] as string) + 1,
        1,
        `Ambiguous variable name: \`${ambiguous[1]}\``,
        'ambiguous-variable-name',
      );
    if (line.length > settings.lineLength) {
      add(
        'E501',
        row,
        settings.lineLength + 1,
        line.length - settings.lineLength,
        `Line too long (${line.length} > ${settings.lineLength})`,
        'line-too-long',
      );
    }
  });
  return found.filter((d) => {
    if (d.code === null || !enabled(d.code)) return d.code === null;
    const noqa = /#\s*noqa(?::\s*([A-Z0-9,\s]+))?/i.exec(lines[d.row - 1] ?? '');
    return noqa === null || (noqa[1] !== undefined && !codes(noqa[1]).includes(d.code));
  });
}

const paths = options.paths.length > 0 ? options.paths : ['.'];
const diagnostics: Diagnostic[] = [];
const files: string[] = [];
for (const path of paths) {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    diagnostics.push({
      code: 'E902',
      message: 'No such file or directory (os error 2)',
      row: 1,
      column: 1,
      endRow: 1,
      endColumn: 1,
      url: 'https://docs.astral.sh/ruff/rules/io-error',
      fix: null,
      filename: absolute,
    });
    continue;
  }
  if (statSync(absolute).isDirectory()) files.push(...walk(absolute));
  else if (!options.forceExclude || !excluded(absolute)) files.push(absolute);
}
for (const file of [...new Set(files)].sort())
  diagnostics.push(...checkFile(file, readFileSync(file, 'utf8')));
diagnostics.sort((a, b) => a.filename.localeCompare(b.filename) || a.row - b.row || a.column - b.column);

if (options.format === 'json') {
  const entries = diagnostics.map((d) => ({
    cell: null,
    code: d.code,
    end_location: { column: d.endColumn, row: d.endRow },
    filename: d.filename,
    fix: d.fix,
    location: { column: d.column, row: d.row },
    message: d.message,
    noqa_row: d.code === null ? null : d.row,
    url: d.url,
  }));
  process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
} else {
  for (const d of diagnostics) {
    process.stdout.write(
      `${relative(cwd, d.filename) || d.filename}:${d.row}:${d.column}: ${d.code === null ? '' : `${d.code} `}${d.message}\n`,
    );
  }
  process.stdout.write(
    diagnostics.length === 0
      ? 'All checks passed!\n'
      : `Found ${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'}.\n`,
  );
}
process.exit(diagnostics.length > 0 && !options.exitZero ? 1 : 0);
