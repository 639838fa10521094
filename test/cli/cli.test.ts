import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The CLI as jobs run it: the built bundle, a fresh process, inputs as job variables.
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'oneex-ci.cjs');
let dir: string;

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oneex-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('oneex-ci', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('ends quietly when the reader of its output goes away', async () => {
    const child = spawn(process.execPath, [CLI, '--help'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('--help lists every component action', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: oneex-ci <component> <action>');
    expect(result.stdout).toMatch(/commitlint lint\s+Lints the commit messages/);
  });

  it('without arguments prints the help and exits 2', async () => {
    const result = await cli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Usage:');
  });

  it('names the closest component for a typo, exit 2', async () => {
    const result = await cli(['commitlnt', 'lint']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown component "commitlnt". Did you mean "commitlint"? [EUSAGE]');
  });

  it('names the closest action for a typo, exit 2', async () => {
    const result = await cli(['commitlint', 'lnt']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Component "commitlint" has no action "lnt". Did you mean "lint"?');
    expect(result.stderr).toContain('Its actions: lint.');
  });

  it('refuses extra arguments: inputs travel as job variables', async () => {
    const result = await cli(['commitlint', 'lint', '--config', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unexpected arguments: --config x');
  });

  it('<component> --help lists its inputs as job variables', async () => {
    const result = await cli(['commitlint', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ONEEX_COMMITLINT_MAX_COMMITS  (number, default 250)');
    expect(result.stdout).not.toContain('ONEEX_COMMITLINT_STAGE');
  });

  it('rejects bad inputs before doing anything, naming input, value and expectation', async () => {
    const result = await cli(['commitlint', 'lint'], {
      ONEEX_COMMITLINT_MAX_COMMITS: 'many',
      ONEEX_COMMITLINT_REPORT_FILE: '/etc/report.txt',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('2 inputs of component "commitlint" are not valid:');
    expect(result.stderr).toContain('max_commits: got "many"; expected a number');
    expect(result.stderr).toContain('report_file: got "/etc/report.txt"; expected a value matching');
    expect(result.stderr).toContain('[EINPUT]');
    // No side effect: the directory is not a git repository, so running would have failed with EGIT.
    expect(result.stderr).not.toContain('EGIT');
    expect(result.stdout).toBe('');
    expect(existsSync(join(dir, 'commitlint-report.xml'))).toBe(false);
  });

  it('says what to fix when the action fails, with the action exit code', async () => {
    const result = await cli(['commitlint', 'lint']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/git rev-list .* failed \(exit 128\).*\[EGIT\]/);
    expect(result.stderr).toContain('keep GIT_DEPTH at 0');
  });

  it('uses colour and collapsible sections in GitLab logs, and honours NO_COLOR', async () => {
    const coloured = await cli(['commitlint', 'lint'], { GITLAB_CI: 'true' });
    const esc = '\u001b';
    expect(coloured.stdout).toMatch(
      new RegExp(`${esc}\\[0Ksection_start:\\d+:commitlint_range\r${esc}\\[0K${esc}\\[36mCommits to lint`),
    );
    expect(coloured.stdout).toMatch(new RegExp(`${esc}\\[0Ksection_end:\\d+:commitlint_range\r${esc}\\[0K`));
    const plain = await cli(['commitlint', 'lint'], { GITLAB_CI: 'true', NO_COLOR: '1' });
    expect(plain.stdout).not.toContain('\u001b[36m');
    expect(plain.stdout).toContain('Commits to lint');
  });
});
