import type { Io } from '../cli/main.ts';
import { VERSION } from '../cli/version.ts';
import { createContext } from '../runtime/context.ts';
import { EXIT, UsageError } from '../runtime/errors.ts';
import { installHooks } from './install.ts';

// `oneex-ci hooks install [--no-install]`, a command for developers' machines, not for jobs.

export const HOOKS_HELP = `oneex-ci hooks install: sets up Husky, commitlint and \`oneex-ci check\` in this git repository,
so that commits follow Oneex's convention (Conventional Commits), as the commitlint CI component checks
them, and a commit whose .gitlab-ci.yml has a mistake is refused before GitLab sees it.

Usage: oneex-ci hooks install [--no-install]

Writes package.json (prepare script, dev dependencies including @oneex/ci-components),
commitlint.config.mjs, .husky/commit-msg and .husky/pre-commit (which checks .gitlab-ci.yml only in
commits that change it), then runs npm install, which installs the hooks. Run it again at any time: it
changes only what it wrote, and keeps a commitlint configuration or hook of the repository's own.

  --no-install  Write the files only; the hooks are installed if Husky already is, else by npm install.
`;

export async function hooksCommand(io: Io, args: readonly string[]): Promise<number> {
  const [action, ...flags] = args;
  if (action === undefined || action === '--help' || action === '-h') {
    io.stdout.write(HOOKS_HELP);
    return action === undefined ? EXIT.usage : EXIT.ok;
  }
  if (action !== 'install')
    throw new UsageError(`Unknown hooks action "${action}".`, 'Run `oneex-ci hooks --help`.');
  const unknown = flags.filter((flag) => flag !== '--no-install');
  if (unknown.length > 0)
    throw new UsageError(`Unknown option ${unknown.join(' ')}.`, 'Run `oneex-ci hooks --help`.');

  const context = createContext({
    env: io.env,
    cwd: io.cwd,
    out: io.stdout,
    isTTY: io.stdout.isTTY === true,
  });
  const report = await installHooks({
    cwd: io.cwd,
    install: !flags.includes('--no-install'),
    version: VERSION,
    log: context.log,
    redactor: context.redactor,
  });
  for (const [file, change] of Object.entries(report.files))
    context.log.info(`  ${change.padEnd(9)} ${file}`);
  if (report.active) context.log.success(`Commit hooks are active in ${report.root}.`);
  else context.log.warn('Files written; run `npm install` to install the hooks.');
  return EXIT.ok;
}
