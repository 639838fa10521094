import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { envName } from '../../src/model/inputs.ts';
import { InputError, type InputProblem } from '../../src/runtime/errors.ts';
import { inventoryFromTerraform, type TerraformInventory, TerraformOutputsError } from './terraform.ts';

// What a check or apply runs, resolved from the inputs and checked against the repository before
// anything else happens: every problem is collected and reported at once, naming its input.

export interface ProjectInputs {
  readonly environment: string;
  readonly project_dir: string;
  readonly playbook: string;
  readonly inventory: string;
  readonly terraform_outputs: string;
  readonly limit: string;
  readonly tags: readonly string[];
  readonly skip_tags: readonly string[];
  readonly extra_vars: string;
  readonly requirements_file: string;
  readonly deployment_tier: string;
  readonly host_key_checking: string;
}

export interface RunPlan {
  /** Absolute. Ansible runs in it, so ansible.cfg and playbook-relative paths work as locally. */
  readonly projectDir: string;
  /** Relative to projectDir. */
  readonly playbook: string;
  /** The static inventory (absolute), when there is one. */
  readonly inventory?: string;
  readonly terraform?: TerraformInventory & { readonly source: string };
  /** Terraform outputs the pipeline does not have (a check without an apply before it). */
  readonly skippedOutputs?: string;
  readonly extraVars?: Record<string, unknown>;
  readonly limit: string;
  readonly tags: readonly string[];
  readonly skipTags: readonly string[];
  /** Absolute; absent when the project has no requirements file. */
  readonly requirements?: string;
}

const COMPONENT = 'ansible';
// Ansible splits --tags on commas; a tag with a comma or a space cannot be passed.
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;

const kindOf = async (path: string): Promise<'file' | 'dir' | undefined> => {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ? 'file' : info?.isDirectory() ? 'dir' : undefined;
};

/**
 * `outputsOptional`: a check in a merge request pipeline has no Terraform apply to take outputs from;
 * it then runs against the static inventory alone (an apply never does).
 */
export async function planRun(
  inputs: ProjectInputs,
  root: string,
  options: { readonly outputsOptional?: boolean } = {},
): Promise<RunPlan> {
  const problems: InputProblem[] = [];
  const problem = (input: keyof ProjectInputs, value: string | undefined, expected: string) =>
    problems.push({ input, variable: envName(COMPONENT, input), value, expected });

  // The inputs' regexes (RE2, no look-ahead) cannot forbid `..`; a path must stay in the repository.
  const outside = (path: string) => relative(root, path).startsWith('..');
  for (const input of [
    'project_dir',
    'playbook',
    'inventory',
    'terraform_outputs',
    'requirements_file',
  ] as const) {
    const base =
      input === 'terraform_outputs' || input === 'project_dir' ? root : join(root, inputs.project_dir);
    if (inputs[input] !== '' && outside(join(base, inputs[input]))) {
      problem(input, inputs[input], 'a path inside the repository (it leads outside)');
    }
  }
  if (problems.length > 0) throw new InputError(COMPONENT, problems);

  // Blind trust of new host keys is for environments that can afford it.
  if (inputs.host_key_checking === 'accept-new' && inputs.deployment_tier === 'production') {
    problem(
      'host_key_checking',
      inputs.host_key_checking,
      '"strict" for a production-tier environment (its host keys must be in ssh_known_hosts)',
    );
  }

  const projectDir = join(root, inputs.project_dir);
  const projectKind = await kindOf(projectDir);
  if (projectKind !== 'dir') {
    problem('project_dir', inputs.project_dir, 'a directory of the repository holding the Ansible project');
  }
  const shown = (path: string) => relative(root, path) || '.';

  if (projectKind === 'dir' && (await kindOf(join(projectDir, inputs.playbook))) !== 'file') {
    problem(
      'playbook',
      inputs.playbook,
      `a playbook file in ${shown(projectDir)}/ (there is none by that name)`,
    );
  }

  let inventory: string | undefined;
  if (inputs.inventory !== '') {
    inventory = join(projectDir, inputs.inventory);
    if (projectKind === 'dir' && (await kindOf(inventory)) === undefined) {
      problem(
        'inventory',
        inputs.inventory,
        `an inventory file or directory in ${shown(projectDir)}/ (not found)`,
      );
    }
  } else {
    const conventional = join(projectDir, 'inventories', inputs.environment);
    if ((await kindOf(conventional)) !== undefined) inventory = conventional;
    else if (inputs.terraform_outputs === '' && projectKind === 'dir') {
      problem(
        'inventory',
        '',
        `an inventory: ${shown(conventional)} does not exist, and neither inventory nor terraform_outputs is set`,
      );
    }
  }

  let terraform: RunPlan['terraform'];
  let skippedOutputs: string | undefined;
  if (inputs.terraform_outputs !== '') {
    const source = join(root, inputs.terraform_outputs);
    const text = await readFile(source, 'utf8').catch(() => undefined);
    if (text === undefined && options.outputsOptional === true && inventory !== undefined) {
      skippedOutputs = inputs.terraform_outputs;
    } else if (text === undefined) {
      problem(
        'terraform_outputs',
        inputs.terraform_outputs,
        'the outputs file of a Terraform job of this pipeline (not found: does the job need that job with artifacts?)',
      );
    } else {
      try {
        terraform = { ...inventoryFromTerraform(JSON.parse(text)), source: inputs.terraform_outputs };
      } catch (error) {
        const reason = error instanceof TerraformOutputsError ? error.message : 'it is not valid JSON';
        problem(
          'terraform_outputs',
          inputs.terraform_outputs,
          `Terraform outputs usable as an inventory: ${reason}`,
        );
      }
    }
  }

  const extraVars = parseExtraVars(inputs.extra_vars);
  if (typeof extraVars === 'string') problem('extra_vars', hidden(inputs.extra_vars), extraVars);

  for (const [input, list] of [
    ['tags', inputs.tags],
    ['skip_tags', inputs.skip_tags],
  ] as const) {
    const bad = list.filter((tag) => !TAG.test(tag));
    if (bad.length > 0) problem(input, JSON.stringify(bad), 'tag names without spaces or commas');
  }

  let requirements: string | undefined;
  if (projectKind === 'dir') {
    const path = join(projectDir, inputs.requirements_file);
    const kind = await kindOf(path);
    if (kind === 'file') requirements = path;
    else if (kind === 'dir')
      problem('requirements_file', inputs.requirements_file, 'a file, not a directory');
  }

  if (problems.length > 0) throw new InputError(COMPONENT, problems);
  return {
    projectDir,
    playbook: inputs.playbook,
    ...(inventory !== undefined ? { inventory } : {}),
    ...(terraform !== undefined ? { terraform } : {}),
    ...(skippedOutputs !== undefined ? { skippedOutputs } : {}),
    ...(typeof extraVars === 'object' ? { extraVars } : {}),
    limit: inputs.limit,
    tags: inputs.tags,
    skipTags: inputs.skip_tags,
    ...(requirements !== undefined ? { requirements } : {}),
  };
}

// Extra vars may hold values someone would rather not see in a log: a problem shows their size only.
const hidden = (value: string): string => `<${value.length} characters, not shown>`;

/** The mapping, undefined when empty, or what is wrong with it. */
export function parseExtraVars(text: string): Record<string, unknown> | undefined | string {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    const at = (error as { linePos?: [{ line: number; col: number }] }).linePos?.[0];
    return `a YAML or JSON mapping such as {app_version: 1.4.2} (it does not parse${at !== undefined ? ` at line ${at.line}, column ${at.col}` : ''})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'a YAML or JSON mapping such as {app_version: 1.4.2} (it parses, but not to a mapping)';
  }
  return value as Record<string, unknown>;
}
