import type { Finding } from '../../../src/runtime/codequality.ts';
import type { ExecResult } from '../../../src/runtime/exec.ts';
import type { Repository } from '../repository.ts';

// What every linter module provides, so the action can run any of them the same way: find what it would
// lint, find the repository's own configuration, run the tool and turn its machine-readable output into
// findings.

export type StackName = 'typescript' | 'python' | 'dotnet' | 'containerfile' | 'yaml' | 'shell';

export type LinterName =
  | 'eslint'
  | 'prettier'
  | 'tsc'
  | 'ruff'
  | 'flake8'
  | 'dotnet-format'
  | 'hadolint'
  | 'yamllint'
  | 'shellcheck';

/** A run of one linter, as the action prepares it. */
export interface LinterRun {
  readonly repo: Repository;
  /** What `targets` found: files, or projects/workspaces for tsc and dotnet format. */
  readonly targets: readonly string[];
  /** The tool to run: a path in the repository (`node_modules/.bin/eslint`) or a name on PATH. */
  readonly command: string;
  /** The repository's own configuration of this linter; undefined means the library default applies. */
  readonly config: string | undefined;
  /** A private temporary directory, outside the project, removed when the job ends. */
  readonly tmp: string;
  exec(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<ExecResult>;
}

export interface LinterResult {
  readonly findings: readonly Finding[];
  /** Why the tool could not do its work (a crash, a bad configuration): the job fails whatever the findings. */
  readonly failure?: string;
  /** Things a person reading the log should know (a default configuration applied, …). */
  readonly notes?: readonly string[];
}

export interface Linter {
  readonly name: LinterName;
  readonly stack: StackName;
  /** The executable. */
  readonly command: string;
  /** Directories of the repository searched for the executable before PATH (its own installed tools). */
  readonly localBin?: readonly string[];
  /** How to get the tool, for the error when it is missing. */
  readonly install: string;
  /** What a target is, for the log: `files`, `projects`, `workspaces`. */
  readonly unit: string;
  /** What this linter would lint in the repository; nothing means there is nothing to do. */
  targets(repo: Repository): Promise<readonly string[]>;
  /** Whether detection (`linters: [auto]`) picks this linter for the repository. */
  detect(repo: Repository, targets: readonly string[]): Promise<boolean>;
  /** The repository's own configuration file for this linter, if it has one. */
  config(repo: Repository): Promise<string | undefined>;
  run(run: LinterRun): Promise<LinterResult>;
}
