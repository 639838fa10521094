import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Action } from '../../src/model/component.ts';
import type { ParsedInputs } from '../../src/model/inputs.ts';
import { codeQualityIssues, type Finding } from '../../src/runtime/codequality.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { exec } from '../../src/runtime/exec.ts';
import type { inputs as declared } from './component.ts';
import type { Linter, LinterResult } from './linters/index.ts';
import {
  type LinterReport,
  plural,
  printLinter,
  printSummary,
  type Skipped,
  type Thresholds,
  verdict,
} from './outcome.ts';
import { openRepository, type Repository } from './repository.ts';
import { plan, readRequest, type Wanted } from './select.ts';
import { installCommand, installDependencies, locateTool, type Tool } from './tools.ts';

type Inputs = ParsedInputs<typeof declared>;

const action: Action<typeof declared> = async (inputs, context) => {
  // Every input is checked before anything runs; a bad one stops the job here.
  const request = readRequest(inputs, context.cwd);
  const thresholds: Thresholds = { failOn: inputs.fail_on, warnOn: inputs.warn_on };
  const repo = await openRepository(context.cwd, request.paths, request.exclude);
  const wanted = await plan(request.selection, repo);
  const reportPath = join(context.cwd, request.reportFile);

  if (wanted.some((w) => w.candidates.some((linter) => linter.stack === 'typescript'))) {
    const install = installCommand(inputs.install, repo);
    if ('command' in install) await installDependencies(install.command, context);
    else context.log.info(`Not installing dependencies: ${install.none}.`);
  }

  const { runs, skipped } = await prepare(wanted, repo, context, inputs);
  context.log.info(
    runs.length > 0
      ? `Linting ${request.paths.join(', ')} with ${runs.map((r) => r.linter.name).join(', ')}.`
      : 'Nothing to lint: no linter applies to this repository.',
  );

  const reports = await lintAll(runs, repo, context);
  for (const report of reports) await printLinter(context.log, report, thresholds);

  const findings = reports.flatMap((report) => report.result.findings);
  const issues = codeQualityIssues(findings, await sourceLines(repo, findings));
  await mkdir(dirname(reportPath), { recursive: true });
  await writeFile(reportPath, `${JSON.stringify(issues, null, 2)}\n`);

  const failures = reports.filter((report) => report.result.failure !== undefined).length;
  const result = verdict(findings, failures, thresholds.failOn, thresholds.warnOn);
  printSummary(context.log, {
    reports,
    skipped,
    reportFile: request.reportFile,
    issues: issues.length,
    result,
    thresholds,
  });
  return result.exitCode;
};

export default action;

interface Run {
  readonly linter: Linter;
  readonly requested: boolean;
  readonly tool: Tool;
  readonly targets: readonly string[];
  readonly config: string | undefined;
}

/**
 * Finds each wanted linter's targets, configuration and tool. A missing tool is an error before anything
 * is linted (all of them named at once), unless detection alone picked the linter and skip_missing_tools
 * says to skip it.
 */
async function prepare(
  wanted: readonly Wanted[],
  repo: Repository,
  context: RunContext,
  inputs: Inputs,
): Promise<{ runs: Run[]; skipped: Skipped[] }> {
  const runs: Run[] = [];
  const skipped: Skipped[] = [];
  const missing: string[] = [];
  let detectedMissing = false;
  for (const { candidates, requested } of wanted) {
    const names = candidates.map((linter) => linter.name).join(' or ');
    const first = candidates[0] as Linter;
    const targets = await first.targets(repo);
    if (targets.length === 0) {
      skipped.push({ name: names, reason: `nothing to lint (no ${first.unit} in ${repo.paths.join(', ')})` });
      continue;
    }
    let chosen: { linter: Linter; tool: Tool } | undefined;
    for (const linter of candidates) {
      const tool = await locateTool(linter, repo, context);
      if (tool !== undefined) {
        chosen = { linter, tool };
        break;
      }
    }
    if (chosen === undefined) {
      const where = (linter: Linter) =>
        [...(linter.localBin ?? []).map((dir) => `${dir}/`), 'PATH'].join(' or ');
      const detail = candidates
        .map((l) => `\`${l.command}\` is not in ${where(l)}; ${l.install}`)
        .join('; or ');
      if (!requested && inputs.skip_missing_tools) {
        context.log.warn(`Skipping ${names} (detected, skip_missing_tools): ${detail}.`);
        skipped.push({
          name: names,
          reason: `its tool is missing (${candidates.map((l) => l.command).join(', ')})`,
        });
      } else {
        missing.push(`  - ${names} (${requested ? 'named in linters' : 'detected'}): ${detail}.`);
        detectedMissing ||= !requested;
      }
      continue;
    }
    runs.push({ ...chosen, requested, targets, config: await chosen.linter.config(repo) });
  }
  if (missing.length > 0) {
    throw new OneexError(
      'ETOOL',
      [
        `${plural(missing.length, 'linter')} cannot run: the job lacks the tool. Nothing was linted.`,
        ...missing,
      ].join('\n'),
      `Add the tools to the repository or the job image${
        detectedMissing ? ', or set skip_missing_tools: true to skip linters that detection picked' : ''
      }.`,
      EXIT.unavailable,
    );
  }
  return { runs, skipped };
}

/** Runs the linters side by side (as many at once as the runner has CPUs), each in its own temporary directory. */
async function lintAll(runs: readonly Run[], repo: Repository, context: RunContext): Promise<LinterReport[]> {
  const tmp = await mkdtemp(join(tmpdir(), 'oneex-lint-'));
  try {
    const reports: LinterReport[] = new Array(runs.length);
    let next = 0;
    const worker = async () => {
      while (next < runs.length) {
        const index = next++;
        reports[index] = await lintOne(runs[index] as Run, repo, context, join(tmp, String(index)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(runs.length, availableParallelism()) }, worker));
    return reports;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function lintOne(run: Run, repo: Repository, context: RunContext, tmp: string): Promise<LinterReport> {
  await mkdir(tmp, { recursive: true });
  const started = performance.now();
  const result: LinterResult = await run.linter
    .run({
      repo,
      targets: run.targets,
      command: run.tool.path,
      config: run.config,
      tmp,
      // Colour codes would garble the machine-readable output the linters parse.
      exec: (args, env = {}) =>
        exec(run.tool.path, args, {
          cwd: repo.root,
          env: { NO_COLOR: '1', FORCE_COLOR: '0', ...env },
          redactor: context.redactor,
        }),
    })
    .catch((error: Error) => ({
      findings: [],
      failure: `${run.linter.name} could not run: ${error.message}`,
    }));
  const count = run.targets.length;
  return {
    name: run.linter.name,
    why: run.requested ? 'named in linters' : 'detected in the repository',
    tool: `${run.tool.shown}${run.tool.version !== undefined ? ` (${run.tool.version})` : ''}`,
    config: run.config ?? 'none in the repository: the library default',
    targets: plural(count, run.linter.unit.replace(/s$/, '')),
    seconds: (performance.now() - started) / 1000,
    result,
  };
}

/** The text of each line a finding points at, for fingerprints that survive lines moving. */
async function sourceLines(
  repo: Repository,
  findings: readonly Finding[],
): Promise<(path: string, line: number) => string | undefined> {
  const files = new Map<string, string[]>();
  for (const path of new Set(findings.map((finding) => finding.path))) {
    const text = await readFile(join(repo.root, path), 'utf8').catch(() => undefined);
    if (text !== undefined) files.set(path, text.split(/\r?\n/));
  }
  return (path, line) => files.get(path)?.[line - 1];
}
