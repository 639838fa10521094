import { dotnetFormat } from './dotnet-format.ts';
import { eslint } from './eslint.ts';
import { hadolint } from './hadolint.ts';
import { prettier } from './prettier.ts';
import { flake8, ruff } from './python.ts';
import { shellcheck } from './shellcheck.ts';
import { tsc } from './tsc.ts';
import type { Linter, LinterName, LinterResult, StackName } from './types.ts';
import { yamllint } from './yamllint.ts';

/** Every linter, in the order the log and the report list them. */
export const LINTERS: readonly Linter[] = [
  eslint,
  prettier,
  tsc,
  ruff,
  flake8,
  dotnetFormat,
  hadolint,
  yamllint,
  shellcheck,
];

export const LINTER_NAMES = LINTERS.map((linter) => linter.name);

/** The stacks, as the `linters` input names them; `javascript` is the same stack as `typescript`. */
export const STACKS: Readonly<Record<string, StackName>> = {
  typescript: 'typescript',
  javascript: 'typescript',
  python: 'python',
  dotnet: 'dotnet',
  containerfile: 'containerfile',
  yaml: 'yaml',
  shell: 'shell',
};

export const linterNamed = (name: string): Linter | undefined =>
  LINTERS.find((linter) => linter.name === name);

export const isLinterName = (name: string): name is LinterName => linterNamed(name) !== undefined;

export type { Linter, LinterName, LinterResult, StackName };
