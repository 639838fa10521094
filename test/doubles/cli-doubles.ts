import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// Puts command-line test doubles on a PATH directory under the real tools' names, so that a job (or the
// CLI in a test) runs `hadolint`, `dotnet` or `ruff` and gets the double. Each wrapper runs the double's
// TypeScript with this Node (22 strips the types).

const DOUBLES = {
  hadolint: 'hadolint-double.ts',
  dotnet: 'dotnet-double.ts',
  ruff: 'ruff-double.ts',
} as const;

export type CliDouble = keyof typeof DOUBLES;

/** Writes a wrapper for each double into `dir` (created if needed) and returns `dir`. */
export async function cliDoubles(dir: string, names: readonly CliDouble[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const name of names) {
    const script = join(import.meta.dirname, DOUBLES[name]);
    const wrapper = join(dir, name);
    await writeFile(
      wrapper,
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(script)} "$@"\n`,
    );
    await chmod(wrapper, 0o755);
  }
  return dir;
}
