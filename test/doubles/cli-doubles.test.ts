import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// The command-line doubles keep the real tools' contracts: arguments, output formats, exit codes. If a
// double drifts from its tool, the lint component's tests would prove nothing about the real one.

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function workdir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'oneex-double-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

async function double(name: string, cwd: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [join(import.meta.dirname, `${name}-double.ts`), ...args],
      { cwd },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Independent runs of separate processes in separate directories: side by side.
describe.concurrent('the command-line doubles', () => {
  describe('HadolintDouble', () => {
    const containerfile =
      'FROM node:latest\n# hadolint ignore=DL4000\nMAINTAINER ops\nADD src /app\nCMD node /app/server.js\n';

    it('exits 1 on a finding at or above the failure threshold (info by default), 0 with --no-fail', async () => {
      const dir = await workdir({ Containerfile: containerfile });
      const tty = await double('hadolint', dir, ['Containerfile']);
      expect(tty.code).toBe(1);
      expect(tty.stdout.split('\n')).toEqual([
        'Containerfile:1 DL3007 warning: Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag',
        'Containerfile:4 DL3020 error: Use COPY instead of ADD for files and folders',
        'Containerfile:5 DL3025 warning: Use arguments JSON notation for CMD and ENTRYPOINT arguments',
        '',
      ]);
      const json = await double('hadolint', dir, ['--format', 'json', '--no-fail', 'Containerfile']);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toContainEqual({
        code: 'DL3020',
        column: 1,
        file: 'Containerfile',
        level: 'error',
        line: 4,
        message: 'Use COPY instead of ADD for files and folders',
      });
    });

    it('reads .hadolint.yaml, lets --failure-threshold decide, and reports parse errors as DL1000', async () => {
      const dir = await workdir({
        Containerfile: containerfile,
        '.hadolint.yaml': 'ignored: [DL3025]\noverride:\n  warning: [DL3020]\n',
        'Dockerfile.bad': 'FROM alpine:3.20\nRUNN echo\n',
      });
      const result = await double('hadolint', dir, ['-t', 'error', '-f', 'json', 'Containerfile']);
      expect(result.code).toBe(0);
      expect(
        (JSON.parse(result.stdout) as { code: string; level: string }[]).map((c) => `${c.code} ${c.level}`),
      ).toEqual(['DL3007 warning', 'DL3020 warning']);
      const bad = await double('hadolint', dir, ['-f', 'json', 'Dockerfile.bad']);
      expect(bad.code).toBe(1);
      expect(JSON.parse(bad.stdout)[0]).toMatchObject({ code: 'DL1000', level: 'error', line: 2 });
    });

    it('fails with a message on a missing file, no file, or a bad option', async () => {
      const dir = await workdir({});
      expect(await double('hadolint', dir, ['Nope'])).toMatchObject({
        code: 1,
        stderr: 'hadolint: Nope: openBinaryFile: does not exist (No such file or directory)\n',
      });
      expect(await double('hadolint', dir, [])).toMatchObject({
        code: 1,
        stdout: 'Please provide a Dockerfile\n',
      });
      expect((await double('hadolint', dir, ['--format', 'xml', 'x'])).code).toBe(1);
      expect((await double('hadolint', dir, ['--version'])).stdout).toBe(
        'Haskell Dockerfile Linter 2.12.0\n',
      );
    });
  });

  describe('DotnetDouble', () => {
    const files = {
      '.editorconfig': 'root = true\n[*.cs]\ninsert_final_newline = true\n',
      'App.csproj': '<Project Sdk="Microsoft.NET.Sdk"></Project>\n',
      'Program.cs': 'var x = 1;  \nSystem.Console.WriteLine(x);',
      'obj/Generated.cs': 'var y = 1;   ',
    };

    it('exits 2 under --verify-no-changes when files would change, and writes its report', async () => {
      const dir = await workdir(files);
      const result = await double('dotnet', dir, ['format', '--verify-no-changes', '--report', 'out']);
      expect(result.code).toBe(2);
      expect(result.stdout).toContain(
        `${dir}/Program.cs(1,11): error WHITESPACE: Fix whitespace formatting. Replace 2 characters with ''. [${dir}/App.csproj]`,
      );
      const report = JSON.parse(await readFile(join(dir, 'out', 'format-report.json'), 'utf8'));
      expect(report).toEqual([
        {
          DocumentId: { ProjectId: { Id: expect.any(String) }, Id: expect.any(String) },
          FileName: 'Program.cs',
          FilePath: join(dir, 'Program.cs'),
          FileChanges: [
            {
              LineNumber: 1,
              CharNumber: 11,
              DiagnosticId: 'WHITESPACE',
              FormatDescription: "Fix whitespace formatting. Replace 2 characters with ''.",
            },
            {
              LineNumber: 2,
              CharNumber: 29,
              DiagnosticId: 'FINALNEWLINE',
              FormatDescription: "Fix final newline. Insert '\\n'.",
            },
          ],
        },
      ]);
      expect(await readFile(join(dir, 'Program.cs'), 'utf8')).toBe(files['Program.cs']);
    });

    it('formats the files without --verify-no-changes, after which verification passes', async () => {
      const dir = await workdir(files);
      expect((await double('dotnet', dir, ['format', 'App.csproj'])).code).toBe(0);
      expect(await readFile(join(dir, 'Program.cs'), 'utf8')).toBe(
        'var x = 1;\nSystem.Console.WriteLine(x);\n',
      );
      expect(
        (await double('dotnet', dir, ['format', '--verify-no-changes', '--report', 'r.json'])).code,
      ).toBe(0);
      expect(JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'))).toEqual([]);
    });

    it('finds its workspace as dotnet format does, failing with its messages', async () => {
      const none = await workdir({ 'README.md': '' });
      expect(await double('dotnet', none, ['format'])).toMatchObject({
        code: 1,
        stderr: `Could not find a MSBuild project file or solution file in '${none}/'. Specify which to use with the <workspace> argument.\n`,
      });
      const two = await workdir({ 'A.csproj': '', 'B.csproj': '' });
      expect((await double('dotnet', two, ['format'])).stderr).toContain(
        `Multiple MSBuild project files found in '${two}/'`,
      );
      expect((await double('dotnet', two, ['format', 'C.csproj'])).stderr).toContain(
        `The project file '${two}/C.csproj' does not exist.`,
      );
      expect((await double('dotnet', two, ['format', 'A.csproj', '--bogus'])).code).toBe(1);
      expect((await double('dotnet', two, ['--version'])).stdout).toBe('8.0.404\n');
      expect(existsSync(join(two, 'format-report.json'))).toBe(false);
    });
  });

  describe('RuffDouble', () => {
    const files = {
      'app.py': 'import os\nimport sys  # noqa: F401\n\nif os == None:\n    pass\n',
      '.venv/lib.py': 'import os\n',
    };

    it('exits 1 with diagnostics in Ruff’s JSON, 0 with --exit-zero, skipping excluded directories', async () => {
      const dir = await workdir(files);
      const result = await double('ruff', dir, ['check', '--output-format', 'json', '--no-fix', '.']);
      expect(result.code).toBe(1);
      const diagnostics = JSON.parse(result.stdout) as {
        code: string;
        filename: string;
        location: { row: number };
      }[];
      expect(diagnostics.map((d) => `${d.code} ${d.filename}:${d.location.row}`)).toEqual([
        `E711 ${join(dir, 'app.py')}:4`,
      ]);
      expect((await double('ruff', dir, ['check', '--exit-zero', '.'])).code).toBe(0);
    });

    it('reads ruff.toml, and exits 2 when Ruff itself fails', async () => {
      const dir = await workdir({
        ...files,
        'ruff.toml': '[lint]\nextend-select = ["E741"]\nignore = ["E711"]\n',
        'b.py': 'l = 1\n',
      });
      const result = await double('ruff', dir, ['check', '--output-format=concise']);
      expect(result).toMatchObject({
        code: 1,
        stdout: 'b.py:1:1: E741 Ambiguous variable name: `l`\nFound 1 error.\n',
      });
      expect((await double('ruff', dir, ['check', '--bogus'])).code).toBe(2);
      expect((await double('ruff', dir, ['check', '--output-format', 'xml'])).code).toBe(2);
      expect((await double('ruff', dir, ['check', '--config', 'missing.toml'])).code).toBe(2);
      expect((await double('ruff', dir, ['check', 'nope.py'])).stdout).toContain(
        'nope.py:1:1: E902 No such file or directory',
      );
      expect((await double('ruff', dir, ['--version'])).stdout).toBe('ruff 0.8.4\n');
    });
  });
});
