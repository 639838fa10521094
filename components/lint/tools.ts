import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { exec } from '../../src/runtime/exec.ts';
import type { Linter } from './linters/index.ts';
import type { Repository } from './repository.ts';

// Where each linter's tool comes from: the repository's own installed tools first (node_modules/.bin
// after the install step, a .venv), else the job image's PATH. And the install step itself.

export interface Tool {
  /** Absolute path of the executable. */
  readonly path: string;
  /** For the log: the path relative to the project when it is the repository's own. */
  readonly shown: string;
  readonly version: string | undefined;
}

const isExecutable = (path: string): Promise<boolean> =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  );

export async function locateTool(
  linter: Linter,
  repo: Repository,
  context: RunContext,
): Promise<Tool | undefined> {
  for (const dir of linter.localBin ?? []) {
    const path = join(repo.root, dir, linter.command);
    if (await isExecutable(path)) {
      return { path, shown: `${dir}/${linter.command}`, version: await versionOf(path, context) };
    }
  }
  // `command -v` is how POSIX shells look a program up on PATH (dash exits 127 when it is not there).
  const found = await exec('sh', ['-c', 'command -v "$1" || exit 1', 'sh', linter.command], {
    cwd: repo.root,
    redactor: context.redactor,
  });
  const path = found.stdout.trim();
  if (found.exitCode !== 0 || path === '') return undefined;
  return { path, shown: path, version: await versionOf(path, context) };
}

async function versionOf(path: string, context: RunContext): Promise<string | undefined> {
  const result = await exec(path, ['--version'], {
    cwd: context.cwd,
    redactor: context.redactor,
    timeoutMs: 30_000,
  }).catch(() => undefined);
  if (result === undefined || result.exitCode !== 0) return undefined;
  return /\d+\.\d+(\.\d+)?([-+][\w.-]+)?/.exec(result.stdout)?.[0];
}

/** The command that installs the repository's JavaScript dependencies, or why there is none. */
export function installCommand(install: string, repo: Repository): { command: string[] } | { none: string } {
  if (install === 'none') return { none: 'install is "none"' };
  if (install !== 'auto') return { command: install.trim().split(/\s+/) };
  if (!repo.exists('package.json')) return { none: 'no package.json' };
  if (repo.exists('node_modules')) return { none: 'node_modules is already there' };
  if (repo.exists('package-lock.json') || repo.exists('npm-shrinkwrap.json')) {
    return { command: ['npm', 'ci', '--no-audit', '--no-fund'] };
  }
  const other = ['pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb'].find((file) => repo.exists(file));
  return {
    none:
      other !== undefined
        ? `${other} is not npm's: set the install input to its install command`
        : 'no lockfile',
  };
}

/** Runs the install step, its output in a collapsed log section. */
export async function installDependencies(command: readonly string[], context: RunContext): Promise<void> {
  const [program = '', ...args] = command;
  const shown = command.join(' ');
  await context.log.section(
    'lint_install',
    `Installing dependencies: ${shown}`,
    async () => {
      const result = await exec(program, args, {
        cwd: context.cwd,
        redactor: context.redactor,
        echo: (line) => context.log.line(line),
      }).catch((error: Error) => {
        throw new OneexError(
          'EINSTALL',
          `The install command \`${shown}\` could not run: ${error.message}`,
          'Set the install input to a command the job image has, or "none" and install in an earlier job.',
          EXIT.unavailable,
        );
      });
      if (result.exitCode !== 0) {
        throw new OneexError(
          'EINSTALL',
          `The install command \`${shown}\` failed (exit ${result.exitCode}); nothing was linted.`,
          'Its output is in the section above. Check the lockfile and the registry, or set the install input.',
          EXIT.unavailable,
        );
      }
    },
    true,
  );
}
