import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import conventional from '@commitlint/config-conventional';
import lint from '@commitlint/lint';
import load from '@commitlint/load';
import type { LintOutcome, QualifiedRules } from '@commitlint/types';
import createPreset from 'conventional-changelog-conventionalcommits';
import { COMMITLINT_CONFIG_FILES } from '../../src/hooks/install.ts';
import type { Action } from '../../src/model/component.ts';
import type { ParsedInputs } from '../../src/model/inputs.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { exec } from '../../src/runtime/exec.ts';
import { junitReport, type TestCase } from '../../src/runtime/junit.ts';
import type { inputs as declared } from './component.ts';
import { commitRange, describeRange, revListArgs } from './range.ts';

type Inputs = ParsedInputs<typeof declared>;

interface Commit {
  readonly sha: string;
  readonly message: string;
}

interface LintConfig {
  readonly source: string;
  readonly rules: QualifiedRules;
  readonly options: Parameters<typeof lint>[2];
}

const action: Action<typeof declared> = async (inputs, context) => {
  const config = await loadConfig(inputs, context);
  const commits = await context.log.section('commitlint_range', 'Commits to lint', () =>
    listCommits(inputs, context),
  );
  context.log.info(`Config: ${config.source}`);

  const results: { commit: Commit; outcome: LintOutcome }[] = [];
  for (const commit of commits) {
    results.push({ commit, outcome: await lint(commit.message, config.rules, config.options) });
  }
  const bad = results.filter((r) => !r.outcome.valid);
  for (const { commit, outcome } of results) printOutcome(context, commit, outcome);

  await writeReport(join(context.cwd, inputs.report_file), results);
  context.log.line();
  if (bad.length > 0) {
    context.log.error(
      `${bad.length} of ${results.length} commits break the commit convention (${config.source}).`,
    );
    context.log.info(
      'Reword them with `git rebase -i` and push again; see https://www.conventionalcommits.org',
    );
    return EXIT.failed;
  }
  context.log.success(
    `${results.length} ${results.length === 1 ? 'commit follows' : 'commits follow'} the commit convention.`,
  );
  return EXIT.ok;
};

export default action;

async function loadConfig(inputs: Inputs, context: RunContext): Promise<LintConfig> {
  const explicit = inputs.config_file !== '' ? inputs.config_file : undefined;
  const found =
    explicit ??
    COMMITLINT_CONFIG_FILES.find((file) => existsSync(join(context.cwd, file))) ??
    (await packageJsonConfig(context.cwd));
  if (explicit !== undefined && !existsSync(join(context.cwd, explicit))) {
    throw new OneexError(
      'ECONFIG',
      `config_file "${explicit}" does not exist in ${context.cwd}`,
      'Set config_file to a commitlint configuration committed in the repository, or leave it empty.',
      EXIT.usage,
    );
  }
  if (found !== undefined) {
    try {
      const loaded = await load(
        {},
        { cwd: context.cwd, ...(found === 'package.json' ? {} : { file: found }) },
      );
      return {
        source: found,
        rules: loaded.rules,
        options: {
          ...(loaded.parserPreset?.parserOpts !== undefined
            ? { parserOpts: loaded.parserPreset.parserOpts as never }
            : {}),
          plugins: loaded.plugins,
          ...(loaded.ignores !== undefined ? { ignores: loaded.ignores } : {}),
          defaultIgnores: loaded.defaultIgnores !== false,
          ...(loaded.helpUrl !== undefined ? { helpUrl: loaded.helpUrl } : {}),
        },
      };
    } catch (error) {
      throw new OneexError(
        'ECONFIG',
        `commitlint could not load ${found}: ${(error as Error).message}`,
        'Check that the configuration is valid and that what it extends is installed.',
        EXIT.usage,
      );
    }
  }
  // No configuration of the repository's own: the Conventional Commits rules, parsed by their own preset.
  const preset = (await createPreset()) as { parser: unknown };
  return {
    source: '@commitlint/config-conventional (the library default)',
    rules: conventional.rules as QualifiedRules,
    options: { parserOpts: preset.parser as never, defaultIgnores: true },
  };
}

async function packageJsonConfig(cwd: string): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(cwd, 'package.json'), 'utf8')) as {
      commitlint?: unknown;
    };
    return manifest.commitlint !== undefined ? 'package.json' : undefined;
  } catch {
    return undefined;
  }
}

async function git(context: RunContext, args: string[]): Promise<string> {
  const result = await exec('git', args, { cwd: context.cwd, redactor: context.redactor });
  if (result.exitCode !== 0) {
    throw new OneexError(
      'EGIT',
      `git ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim()}`,
      'The job needs the history of the range: keep GIT_DEPTH at 0 (the template sets it).',
      EXIT.unavailable,
    );
  }
  return result.stdout;
}

async function listCommits(inputs: Inputs, context: RunContext): Promise<Commit[]> {
  const range = commitRange(context.ci);
  context.log.info(`Linting ${describeRange(range)}.`);
  let remoteDefault: string | undefined;
  if (range.kind === 'new-branch') {
    const ref = `refs/remotes/origin/${range.notOn}`;
    const probe = await exec('git', ['rev-parse', '--verify', '--quiet', ref], {
      cwd: context.cwd,
      redactor: context.redactor,
    });
    remoteDefault = probe.exitCode === 0 ? ref : undefined;
    if (remoteDefault === undefined) context.log.warn(`${ref} is not fetched; linting the head commit only.`);
  }
  const shas = (await git(context, ['rev-list', '--no-merges', ...revListArgs(range, remoteDefault)]))
    .split('\n')
    .filter((line) => line !== '');
  if (shas.length > inputs.max_commits) {
    context.log.warn(
      `${shas.length} commits in range; linting the newest ${inputs.max_commits} (input max_commits).`,
    );
  }
  const commits: Commit[] = [];
  for (const sha of shas.slice(0, inputs.max_commits).reverse()) {
    commits.push({ sha, message: await git(context, ['log', '-1', '--format=%B', sha]) });
  }
  for (const commit of commits) context.log.info(`  ${commit.sha.slice(0, 8)} ${firstLine(commit.message)}`);
  return commits;
}

const firstLine = (message: string): string => message.split('\n')[0] ?? '';

function printOutcome(context: RunContext, commit: Commit, outcome: LintOutcome): void {
  const head = `${commit.sha.slice(0, 8)} ${firstLine(commit.message)}`;
  if (outcome.valid && outcome.warnings.length === 0) {
    context.log.success(head);
    return;
  }
  if (outcome.valid) context.log.warn(head);
  else context.log.error(head);
  for (const problem of outcome.errors) context.log.info(`    error   ${problem.message} [${problem.name}]`);
  for (const problem of outcome.warnings)
    context.log.info(`    warning ${problem.message} [${problem.name}]`);
}

async function writeReport(path: string, results: { commit: Commit; outcome: LintOutcome }[]): Promise<void> {
  const cases: TestCase[] = results.map(({ commit, outcome }) => ({
    name: `${commit.sha.slice(0, 8)} ${firstLine(commit.message)}`,
    className: 'commitlint',
    ...(outcome.valid
      ? {}
      : {
          failure: {
            message: outcome.errors.map((e) => e.name).join(', '),
            details: outcome.errors.map((e) => `${e.name}: ${e.message}`).join('\n'),
          },
        }),
  }));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, junitReport('commitlint', cases));
}
