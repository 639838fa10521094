#!/usr/bin/env node
// DotnetDouble: a test double of the .NET SDK's `dotnet` for `dotnet format`, which this machine cannot
// install. It follows `dotnet format`'s command line and contract (dotnet/sdk, src/BuiltInTools/dotnet-format):
//   dotnet --version
//   dotnet format [whitespace] [<PROJECT|SOLUTION|FOLDER>] [--verify-no-changes] [--report [PATH]]
//                 [--include PATH...] [--exclude PATH...] [--include-generated] [--no-restore]
//                 [--verbosity LEVEL] [--severity LEVEL] [--diagnostics ID...]
// - the workspace is found as MSBuildWorkspaceFinder does (one .sln or one project in the folder, the
//   same error messages), a solution's projects are read from it, a project's documents are its folder's
//   `*.cs` (`*.vb`) outside bin/ and obj/, generated files skipped unless --include-generated;
// - the whitespace formatters, with the documents' .editorconfig: trailing whitespace and tab indentation
//   (WHITESPACE, unless indent_style = tab), insert_final_newline (FINALNEWLINE), end_of_line (ENDOFLINE);
// - --verify-no-changes leaves files alone and exits 2 when any would change (CheckFailedExitCode);
//   without it the changes are written; errors exit 1 (UnhandledExceptionExitCode);
// - --report writes the FormattedFile records as indented JSON: to PATH when it ends in .json, else to
//   PATH/format-report.json (ReportWriter.GetReportFilePath).
// Run by Node 22, which strips the types.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';

const CHECK_FAILED = 2;
const UNHANDLED = 1;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(UNHANDLED);
}

const argv = process.argv.slice(2);
if (argv[0] === '--version') {
  process.stdout.write('8.0.404\n');
  process.exit(0);
}
if (argv[0] !== 'format') {
  fail(
    `Could not execute because the specified command or file was not found.\nPossible reasons for this include:\n  * You misspelled a built-in dotnet command.`,
  );
}

interface Options {
  workspace: string | undefined;
  verify: boolean;
  report: string | undefined;
  include: string[];
  exclude: string[];
  includeGenerated: boolean;
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = {
    workspace: undefined,
    verify: false,
    report: undefined,
    include: [],
    exclude: [],
    includeGenerated: false,
  };
  let list: string[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('-') && list !== undefined) {
      list.push(arg);
      continue;
    }
    list = undefined;
    switch (arg) {
      case 'whitespace':
        if (i === 0) break;
        options.workspace = arg;
        break;
      case '--verify-no-changes':
        options.verify = true;
        break;
      case '--report': {
        const next = args[i + 1];
        options.report = next !== undefined && !next.startsWith('-') ? next : '';
        if (options.report !== '') i++;
        break;
      }
      case '--include':
        list = options.include;
        break;
      case '--exclude':
        list = options.exclude;
        break;
      case '--include-generated':
        options.includeGenerated = true;
        break;
      case '--no-restore':
      case '--folder':
        break;
      case '-v':
      case '--verbosity':
      case '--severity':
      case '--binarylog':
        i++;
        break;
      case '--diagnostics':
        list = [];
        break;
      default:
        if (arg.startsWith('-') || options.workspace !== undefined) {
          fail(`Unrecognized command or argument '${arg}'.`);
        }
        options.workspace = arg;
    }
  }
  return options;
}

const FOLDER_SLN = (dir: string) => readdirSync(dir).filter((f) => /\.slnx?$/i.test(f));
const FOLDER_PROJ = (dir: string) =>
  readdirSync(dir).filter((f) => /\.[a-z]*proj$/i.test(f) && !/\.xproj$/i.test(f));

/** MSBuildWorkspaceFinder.FindWorkspace: a solution or project, with the SDK's messages. */
function findWorkspace(cwd: string, given: string | undefined): { solution: boolean; path: string } {
  const target = given === undefined ? cwd : resolve(cwd, given);
  if (given !== undefined && !(existsSync(target) && statSync(target).isDirectory())) {
    const extension = extname(target).toLowerCase();
    const solution = extension === '.sln' || extension === '.slnx';
    if (!solution && !(extension.endsWith('proj') && extension !== '.xproj')) {
      fail(`The file '${basename(target)}' does not appear to be a valid project or solution file.`);
    }
    if (!existsSync(target)) {
      fail(
        solution
          ? `The solution file '${target}' does not exist.`
          : `The project file '${target}' does not exist.`,
      );
    }
    return { solution, path: target };
  }
  const folder = `${target.replace(/\/+$/, '')}/`;
  const solutions = FOLDER_SLN(target);
  const projects = FOLDER_PROJ(target);
  const use = '. Specify which to use with the <workspace> argument.';
  if (solutions.length > 1) fail(`Multiple MSBuild solution files found in '${folder}'${use}`);
  if (projects.length > 1) fail(`Multiple MSBuild project files found in '${folder}'${use}`);
  if (solutions.length === 1 && projects.length === 1) {
    fail(`Both a MSBuild project file and solution file found in '${folder}'${use}`);
  }
  const found = solutions[0] ?? projects[0];
  if (found === undefined)
    fail(`Could not find a MSBuild project file or solution file in '${folder}'${use}`);
  return { solution: solutions.length === 1, path: join(target, found) };
}

function solutionProjects(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const dir = dirname(path);
  const found = path.toLowerCase().endsWith('.slnx')
    ? [...text.matchAll(/<Project\s+Path="([^"]+)"/g)].map((m) => m[1] as string)
    : [...text.matchAll(/^Project\("\{[^}]+\}"\)\s*=\s*"[^"]*",\s*"([^"]+)"/gm)].map((m) => m[1] as string);
  return found
    .map((project) => join(dir, project.replace(/\\/g, '/')))
    .filter((project) => /\.(cs|vb)proj$/i.test(project));
}

function walk(dir: string, extension: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!['bin', 'obj', '.git', 'node_modules'].includes(entry.name))
        walk(join(dir, entry.name), extension, out);
    } else if (entry.isFile() && entry.name.toLowerCase().endsWith(extension))
      out.push(join(dir, entry.name));
  }
  return out;
}

const isGenerated = (path: string, text: string) =>
  /\.(g|g\.i|designer|generated)\.(cs|vb)$/i.test(path) ||
  /^\s*\/\/\s*<auto-generated/im.test(text.slice(0, 500));

/** An .editorconfig / --include glob as a regular expression (`*`, `**`, `?`, `{a,b}`, `[…]`). */
function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      out += `(?:${glob
        .slice(i + 1, end)
        .split(',')
        .map((part) => part.replace(/[.+^$()|\\]/g, '\\$&'))
        .join('|')})`;
      i = end;
    } else if (c === '[') {
      const end = glob.indexOf(']', i);
      out += glob.slice(i, end + 1);
      i = end;
    } else out += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** The .editorconfig properties that apply to a file, nearest file last so it wins; stops at root = true. */
function editorconfig(file: string): Map<string, string> {
  const chain: string[] = [];
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const path = join(dir, '.editorconfig');
    if (existsSync(path)) {
      chain.unshift(path);
      if (/^\s*root\s*=\s*true\s*$/im.test(readFileSync(path, 'utf8').split(/^\s*\[/m)[0] ?? '')) break;
    }
    if (dirname(dir) === dir) break;
  }
  const properties = new Map<string, string>();
  for (const path of chain) {
    const rel = relative(dirname(path), file).split(sep).join('/');
    let applies = false;
    for (const raw of readFileSync(path, 'utf8').split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
      const section = /^\[(.*)\]$/.exec(line);
      if (section !== null) {
        const pattern = section[1] as string;
        const glob = pattern.includes('/') ? pattern.replace(/^\//, '') : `**/${pattern}`;
        applies = globToRegExp(glob).test(rel) || globToRegExp(pattern).test(rel);
        continue;
      }
      const pair = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
      if (applies && pair !== null)
        properties.set((pair[1] as string).toLowerCase(), (pair[2] as string).toLowerCase());
    }
  }
  return properties;
}

const escapeText = (text: string) =>
  text.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/ /g, '\\s');

interface Change {
  LineNumber: number;
  CharNumber: number;
  DiagnosticId: string;
  FormatDescription: string;
}

/** The whitespace formatters over one document: its changes and its formatted text. */
function format(text: string, config: Map<string, string>): { changes: Change[]; formatted: string } {
  const changes: Change[] = [];
  const eol = config.get('end_of_line');
  const wanted = eol === 'crlf' ? '\r\n' : eol === 'cr' ? '\r' : eol === 'lf' ? '\n' : undefined;
  const parts = text.split(/(\r\n|\r|\n)/);
  const lines: string[] = [];
  const breaks: string[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    lines.push(parts[i] as string);
    if (i + 1 < parts.length) breaks.push(parts[i + 1] as string);
  }
  const useTabs = config.get('indent_style') === 'tab';
  const size = Number(config.get('indent_size') ?? '4') || 4;
  const out: string[] = [];
  lines.forEach((line, index) => {
    let fixed = line;
    const trailing = /[ \t]+$/.exec(line);
    if (trailing !== null) {
      changes.push({
        LineNumber: index + 1,
        CharNumber: trailing.index + 1,
        DiagnosticId: 'WHITESPACE',
        FormatDescription: `Fix whitespace formatting. Replace ${trailing[0].length} characters with ''.`,
      });
      fixed = fixed.slice(0, trailing.index);
    }
    const indent = /^[ \t]*/.exec(fixed)?.[0] ?? '';
    if (!useTabs && indent.includes('\t') && fixed.trim() !== '') {
      const spaces = indent.replace(/\t/g, ' '.repeat(size));
      changes.push({
        LineNumber: index + 1,
        CharNumber: 1,
        DiagnosticId: 'WHITESPACE',
        FormatDescription: `Fix whitespace formatting. Replace ${indent.length} characters with '${escapeText(spaces)}'.`,
      });
      fixed = spaces + fixed.slice(indent.length);
    }
    out.push(fixed);
  });
  const fixedBreaks = breaks.map((lineBreak, index) => {
    if (wanted === undefined || lineBreak === wanted) return lineBreak;
    changes.push({
      LineNumber: index + 1,
      CharNumber: (out[index] as string).length + 1,
      DiagnosticId: 'ENDOFLINE',
      FormatDescription: `Fix end of line marker. Replace ${lineBreak.length} characters with '${escapeText(wanted)}'.`,
    });
    return wanted;
  });
  let formatted = out.map((line, index) => line + (fixedBreaks[index] ?? '')).join('');
  const finalNewline = config.get('insert_final_newline');
  const lastLine = out[out.length - 1] ?? '';
  if (finalNewline === 'true' && lastLine !== '') {
    changes.push({
      LineNumber: out.length,
      CharNumber: lastLine.length + 1,
      DiagnosticId: 'FINALNEWLINE',
      FormatDescription: `Fix final newline. Insert '${escapeText(wanted ?? '\n')}'.`,
    });
    formatted += wanted ?? '\n';
  } else if (finalNewline === 'false' && lastLine === '' && out.length > 1) {
    changes.push({
      LineNumber: out.length - 1,
      CharNumber: (out[out.length - 2] as string).length + 1,
      DiagnosticId: 'FINALNEWLINE',
      FormatDescription: 'Fix final newline. Delete 1 characters.',
    });
    formatted = formatted.replace(/(\r\n|\r|\n)+$/, '');
  }
  return { changes, formatted };
}

const guid = (text: string) => {
  const hex = createHash('md5').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

const cwd = process.cwd();
const options = parseArgs(argv.slice(1));
const workspace = findWorkspace(cwd, options.workspace);
const projects = workspace.solution ? solutionProjects(workspace.path) : [workspace.path];
const matches = (patterns: readonly string[], file: string) => {
  const rel = relative(cwd, file).split(sep).join('/');
  return patterns.some((p) => {
    const pattern = p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
    return rel === pattern || rel.startsWith(`${pattern}/`) || globToRegExp(pattern).test(rel);
  });
};

process.stdout.write(`  Formatting code files in workspace '${workspace.path}'.\n`);
const report: object[] = [];
let formattedFiles = 0;
for (const project of projects) {
  if (!existsSync(project)) fail(`The project file '${project}' does not exist.`);
  const extension = project.toLowerCase().endsWith('.vbproj') ? '.vb' : '.cs';
  for (const file of walk(dirname(project), extension).sort()) {
    if (options.include.length > 0 && !matches(options.include, file)) continue;
    if (matches(options.exclude, file)) continue;
    const text = readFileSync(file, 'utf8');
    if (!options.includeGenerated && isGenerated(file, text)) continue;
    const { changes, formatted } = format(text, editorconfig(file));
    if (changes.length === 0) continue;
    formattedFiles++;
    if (options.verify) {
      for (const change of changes) {
        process.stdout.write(
          `${file}(${change.LineNumber},${change.CharNumber}): error ${change.DiagnosticId}: ${change.FormatDescription} [${project}]\n`,
        );
      }
    } else writeFileSync(file, formatted);
    report.push({
      DocumentId: { ProjectId: { Id: guid(project) }, Id: guid(file) },
      FileName: basename(file),
      FilePath: file,
      FileChanges: changes,
    });
  }
}
// `--report` without a path writes nothing, as in the SDK (an empty ReportPath is skipped).
if (options.report !== undefined && options.report.trim() !== '') {
  const given = options.report;
  const path = given.endsWith('.json')
    ? resolve(cwd, given)
    : given === '.'
      ? join(cwd, 'format-report.json')
      : join(resolve(cwd, given), 'format-report.json');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 2));
}
process.exit(options.verify && formattedFiles > 0 ? CHECK_FAILED : 0);
