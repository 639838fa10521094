import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Each example app's own unit tests, run by its own stack's runner as its pipeline runs them:
// `node --test` (Node 22 strips the types) for the TypeScript apps, unittest for the Python one.
// The .NET tests (xunit) need the .NET SDK, which this machine lacks.

const run = promisify(execFile);
const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

async function outcome(command: string, args: readonly string[], cwd: string) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

describe('example apps: their own unit tests', () => {
  it.concurrent.each(['oneex-front', 'oneex-back'])('%s: node --test passes', async (app) => {
    const result = await outcome(process.execPath, ['--test', 'test/**/*.test.ts'], join(EXAMPLES, app));
    expect(result.output).toMatch(/^# fail 0$/m);
    expect(result.output).not.toMatch(/^# pass 0$/m);
    expect(result.code).toBe(0);
  });

  it.concurrent('oneex-scanner: python3 -m unittest passes', async () => {
    const result = await outcome('python3', ['-m', 'unittest', '-v'], join(EXAMPLES, 'oneex-scanner'));
    expect(result.output).toMatch(/^Ran \d+ tests/m);
    expect(result.output).toMatch(/^OK$/m);
    expect(result.code).toBe(0);
  });
});
