import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Action } from '../../src/model/component.ts';
import { envName } from '../../src/model/inputs.ts';
import { codeQualityIssues, type Finding, type Severity } from '../../src/runtime/codequality.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, InputError, OneexError } from '../../src/runtime/errors.ts';
import { exec } from '../../src/runtime/exec.ts';
import { createSecretFiles, type SecretFiles } from '../../src/vault/index.ts';
import { ansibleEnvironment, lastLines, readAnsibleConfig, runAnsible } from './ansible.ts';
import type { inputs as declared } from './component.ts';
import { installRequirements } from './galaxy.ts';
import { GALAXY_CACHE_DIR, LINT_REPORT_FILE } from './paths.ts';

// The lint job: yamllint over every YAML file of the project, ansible-lint over its playbooks and
// roles (its own `yaml` rule is left to yamllint, so nothing is reported twice). Findings go to the log
// and to a Code Quality report for the merge request widget.

/** A finding (paths relative to the repository root) and whether the tool counts it as an error. */
export interface LintFinding extends Finding {
  readonly engine: 'yamllint' | 'ansible-lint';
  readonly level: 'error' | 'warning';
}

// yamllint's configuration files, in the order it looks for them in the working directory.
const YAMLLINT_CONFIGS = ['.yamllint', '.yamllint.yaml', '.yamllint.yml'];

/** When a project has no yamllint configuration: yamllint's defaults, made compatible with ansible-lint's. */
export const DEFAULT_YAMLLINT_CONFIG = [
  'extends: default',
  'rules:',
  '  comments: {min-spaces-from-content: 1}',
  '  comments-indentation: false',
  '  braces: {max-spaces-inside: 1}',
  '  octal-values: {forbid-implicit-octal: true, forbid-explicit-octal: true}',
  '  line-length: {max: 160}',
  '  document-start: disable',
  '  truthy: {allowed-values: ["true", "false"], check-keys: false}',
].join('\n');

/** `file:line:col: [level] message (rule)` */
export function parseYamllint(output: string, prefix: string): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const line of output.split('\n')) {
    const match = /^(.+?):(\d+):\d+: \[(error|warning)\] (.*?)(?: \(([\w-]+)\))?$/.exec(line.trim());
    if (match === null) continue;
    const level = match[3] === 'error' ? 'error' : 'warning';
    findings.push({
      engine: 'yamllint',
      path: join(prefix, match[1] ?? ''),
      line: Number(match[2]),
      check: match[5] ?? 'syntax',
      message: match[4] ?? '',
      level,
      severity: level === 'error' ? 'major' : 'minor',
    });
  }
  return findings;
}

interface CodeClimateIssue {
  check_name: string;
  description: string;
  severity?: Severity;
  level?: string;
  location: { path: string; lines?: { begin: number }; positions?: { begin: { line: number } } };
}

export function parseAnsibleLint(json: string, prefix: string): LintFinding[] {
  const issues = JSON.parse(json) as CodeClimateIssue[];
  return issues.map((issue) => {
    const level = issue.level === 'warning' ? 'warning' : 'error';
    return {
      engine: 'ansible-lint',
      path: join(prefix, issue.location.path),
      line: issue.location.lines?.begin ?? issue.location.positions?.begin.line ?? 1,
      check: issue.check_name,
      message: issue.description,
      level,
      severity: issue.severity ?? (level === 'error' ? 'major' : 'minor'),
    };
  });
}

/** The Code Quality report, its fingerprints anchored on the text of each finding's line. */
export async function codeQuality(findings: readonly LintFinding[], root: string): Promise<string> {
  const files = new Map<string, string[]>();
  for (const path of new Set(findings.map((f) => f.path))) {
    files.set(path, (await readFile(join(root, path), 'utf8').catch(() => '')).split('\n'));
  }
  const issues = codeQualityIssues(findings, (path, line) => files.get(path)?.[line - 1]);
  return `${JSON.stringify(issues, null, 2)}\n`;
}

/** The YAML files git tracks in the project (so caches and build output are never linted). */
async function yamlFiles(projectDir: string, context: RunContext): Promise<string[]> {
  const listed = await exec('git', ['ls-files', '-z', '--', '*.yml', '*.yaml'], {
    cwd: projectDir,
    redactor: context.redactor,
  }).catch(() => undefined);
  if (listed === undefined || listed.exitCode !== 0) return ['.'];
  return listed.stdout.split('\0').filter((file) => file !== '' && existsSync(join(projectDir, file)));
}

const action: Action<typeof declared> = async (inputs, context) => {
  const { log } = context;
  const projectDir = join(context.cwd, inputs.project_dir);
  if (!(await stat(projectDir).catch(() => undefined))?.isDirectory()) {
    throw new InputError('ansible', [
      {
        input: 'project_dir',
        variable: envName('ansible', 'project_dir'),
        value: inputs.project_dir,
        expected: 'a directory of the repository holding the Ansible project',
      },
    ]);
  }
  const prefix = relative(context.cwd, projectDir);
  const requirements = join(projectDir, inputs.requirements_file);

  // The lint reads no credential (its job has no environment a Vault role could be bound to); the
  // private directory holds Ansible's temporary files.
  const files = await createSecretFiles(context);
  const findings = await withCleanup(files, async (dir) => {
    const config = await readAnsibleConfig(projectDir, context);
    log.info(`Ansible configuration: ${config.file ?? 'none (Ansible defaults)'}`);
    const env = ansibleEnvironment({
      root: context.cwd,
      config,
      privateDir: dir.dir,
      colour: false,
    });
    await installRequirements(
      existsSync(requirements) ? requirements : undefined,
      { root: context.cwd, cwd: projectDir, env },
      context,
    );

    const ownYamllint = YAMLLINT_CONFIGS.find((name) => existsSync(join(projectDir, name)));
    const files = await yamlFiles(projectDir, context);
    const cache = relative(projectDir, join(context.cwd, GALAXY_CACHE_DIR));
    // Independent, so they run side by side; their outputs are printed one after the other.
    const [yamllint, ansibleLint] = await Promise.all([
      runAnsible(
        'yamllint',
        [
          '-f',
          'parsable',
          ...(ownYamllint !== undefined ? [] : ['-d', DEFAULT_YAMLLINT_CONFIG]),
          '--',
          ...files,
        ],
        { cwd: projectDir, env },
        context,
      ),
      runAnsible(
        'ansible-lint',
        ['--offline', '--nocolor', '-f', 'codeclimate', '-x', 'yaml', '--exclude', cache],
        { cwd: projectDir, env },
        context,
      ),
    ]);
    log.info(
      `yamllint: ${files.length} file${files.length === 1 ? '' : 's'}, ${ownYamllint !== undefined ? `configuration ${ownYamllint}` : 'library default configuration'}`,
    );
    if (
      ![0, 1].includes(yamllint.exitCode) ||
      (yamllint.exitCode === 1 && parseYamllint(yamllint.stdout, prefix).length === 0)
    ) {
      throw new OneexError(
        'EANSIBLE_LINT',
        `yamllint could not run:\n${lastLines(yamllint)}`,
        'Check the yamllint configuration.',
        EXIT.failed,
      );
    }
    let lintFindings: LintFinding[];
    try {
      lintFindings = parseAnsibleLint(ansibleLint.stdout.trim() || '[]', prefix);
    } catch {
      lintFindings = [];
    }
    if (![0, 2].includes(ansibleLint.exitCode) || (ansibleLint.exitCode === 2 && lintFindings.length === 0)) {
      throw new OneexError(
        'EANSIBLE_LINT',
        `ansible-lint could not run (exit ${ansibleLint.exitCode}):\n${lastLines(ansibleLint)}`,
        'Check the .ansible-lint configuration and that the requirements installed.',
        EXIT.failed,
      );
    }
    // ansible-lint's own summary ("Passed with production profile: 0 failure(s) … on 9 files.").
    const summary = ansibleLint.stderr.split('\n').find((line) => /^(Passed|Failed)\b/.test(line.trim()));
    if (summary !== undefined) log.info(`ansible-lint: ${summary.trim()}`);
    return [...parseYamllint(yamllint.stdout, prefix), ...lintFindings];
  });

  await writeFile(join(context.cwd, LINT_REPORT_FILE), await codeQuality(findings, context.cwd));
  const errors = findings.filter((f) => f.level === 'error');
  const sorted = [...findings].sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line);
  for (const f of sorted) {
    const text = `${f.path}:${f.line} ${f.engine === 'yamllint' ? 'yamllint/' : ''}${f.check}: ${f.message}`;
    if (f.level === 'error') log.error(text);
    else log.warn(text);
  }
  log.line();
  if (errors.length > 0) {
    throw new OneexError(
      'EANSIBLE_LINT',
      `${errors.length} lint error${errors.length === 1 ? '' : 's'} in ${inputs.project_dir} (${count(errors, 'yamllint')} yamllint, ${count(errors, 'ansible-lint')} ansible-lint).`,
      'Fix them, or configure the rules in .yamllint and .ansible-lint; the merge request’s code quality widget lists them.',
      EXIT.failed,
    );
  }
  const warnings = findings.length - errors.length;
  log.success(`Lint passed${warnings > 0 ? ` with ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}.`);
  return EXIT.ok;
};

async function withCleanup<T>(files: SecretFiles, body: (files: SecretFiles) => Promise<T>): Promise<T> {
  try {
    return await body(files);
  } finally {
    await files.remove();
  }
}

const count = (findings: readonly LintFinding[], engine: LintFinding['engine']): number =>
  findings.filter((f) => f.engine === engine).length;

export default action;
