import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { ParsedInputs } from '../../src/model/inputs.ts';
import { envName } from '../../src/model/inputs.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { InputError, type InputProblem } from '../../src/runtime/errors.ts';
import { closest } from '../../src/runtime/suggest.ts';
import { type GitLabBackend, gitlabBackend } from './backend.ts';
import type { inputs as declared } from './component.ts';
import {
  defaultStateName,
  defaultVarFile,
  ENVIRONMENTS,
  type EnvironmentName,
  type EnvironmentSpec,
  STATE_NAME,
} from './environments.ts';
import { listConfigFiles, readRootModule, readVarFile } from './hcl.ts';
import { PLUGIN_CACHE_DIR, workDir } from './paths.ts';

// Everything a job needs, checked before anything runs: every problem is collected and reported at
// once, naming the input, the value and what was expected.

export type TerraformInputs = ParsedInputs<typeof declared>;
const COMPONENT = 'terraform';

export interface Settings {
  readonly tool: 'tofu' | 'terraform';
  readonly environment: EnvironmentName;
  readonly spec: EnvironmentSpec;
  /** Absolute. */
  readonly rootDir: string;
  /** As the input gave it, for messages. */
  readonly rootDirInput: string;
  /** Absolute; where plan, report and outputs files live. */
  readonly workDir: string;
  readonly pluginCacheDir: string;
  readonly lockTimeout: string;
  /** Only for jobs that use the state. */
  readonly state?: { readonly name: string; readonly backend: GitLabBackend };
  /** Only for jobs that plan; absolute. */
  readonly varFile?: { readonly path: string; readonly input: string };
}

export interface Needs {
  /** GitLab-managed state: CI variables of the API and the job token, a valid state name, `backend "http"`. */
  readonly state: boolean;
  /** The environment's var file must exist, parse, and assign only declared variables. */
  readonly varFile: boolean;
}

export async function resolveSettings(
  inputs: TerraformInputs,
  context: RunContext,
  needs: Needs,
): Promise<Settings> {
  const problems: InputProblem[] = [];
  const problem = (input: string, value: string | undefined, expected: string) =>
    problems.push({ input, variable: envName(COMPONENT, input), value, expected });
  const ciProblem = (variable: string, expected: string) =>
    problems.push({ input: variable, variable, value: undefined, expected });

  const environment = inputs.environment;
  const spec: EnvironmentSpec = ENVIRONMENTS[environment];

  // The root module.
  const rootDir = resolve(context.cwd, inputs.root_dir);
  const root = await checkRootDir(context.cwd, rootDir, inputs.root_dir);
  if (root !== undefined) problem('root_dir', inputs.root_dir, root);
  const module =
    root === undefined && (needs.state || needs.varFile) ? await readRootModule(rootDir) : undefined;

  // The state.
  let state: Settings['state'];
  if (needs.state) {
    const name =
      inputs.state_name !== ''
        ? inputs.state_name
        : defaultStateName(environment, context.ci.CI_COMMIT_REF_SLUG);
    if (name === undefined)
      ciProblem('CI_COMMIT_REF_SLUG', `the branch slug GitLab sets, for the state of ${environment}`);
    else if (!STATE_NAME.test(name))
      problem(
        'state_name',
        inputs.state_name,
        `a state name of letters, digits and ._- (up to 100), not "${name}"`,
      );
    const { CI_API_V4_URL: api, CI_PROJECT_ID: project, CI_JOB_TOKEN: token } = context.ci;
    if (api === undefined) ciProblem('CI_API_V4_URL', 'the GitLab API URL GitLab sets in every job');
    if (project === undefined) ciProblem('CI_PROJECT_ID', 'the project ID GitLab sets in every job');
    if (token === undefined) ciProblem('CI_JOB_TOKEN', 'the job token GitLab sets in every job');
    if (module !== undefined && !module.backends.includes('http')) {
      problem(
        'root_dir',
        inputs.root_dir,
        `a root module that declares \`terraform { backend "http" {} }\` for GitLab-managed state; it declares ${module.backends.length === 0 ? 'no backend' : `backend ${module.backends.map((b) => `"${b}"`).join(', ')}`}`,
      );
    }
    if (
      name !== undefined &&
      STATE_NAME.test(name) &&
      api !== undefined &&
      project !== undefined &&
      token !== undefined
    )
      state = { name, backend: gitlabBackend(api, project, name, token) };
  }

  // The environment's variables.
  let varFile: Settings['varFile'];
  if (needs.varFile && module !== undefined) {
    const input = inputs.var_file !== '' ? inputs.var_file : defaultVarFile(environment);
    const path = resolve(rootDir, input);
    const bad = await checkVarFile(rootDir, path, input, module.variables);
    if (bad !== undefined) {
      problem(
        'var_file',
        inputs.var_file === '' ? undefined : inputs.var_file,
        inputs.var_file === '' ? `${bad} (the default for environment ${environment})` : bad,
      );
    } else varFile = { path, input };
  }

  if (problems.length > 0) throw new InputError(COMPONENT, problems);
  return {
    tool: inputs.tool,
    environment,
    spec,
    rootDir,
    rootDirInput: inputs.root_dir,
    workDir: workDir(rootDir, environment),
    pluginCacheDir: join(context.cwd, PLUGIN_CACHE_DIR),
    lockTimeout: inputs.lock_timeout,
    ...(state !== undefined ? { state } : {}),
    ...(varFile !== undefined ? { varFile } : {}),
  };
}

const within = (parent: string, child: string): boolean => {
  const path = relative(parent, child);
  return path === '' || (!path.startsWith('..') && !isAbsolute(path));
};

async function checkRootDir(projectDir: string, rootDir: string, input: string): Promise<string | undefined> {
  if (input.split('/').includes('..')) return 'a directory inside the project (no "..")';
  const info = await stat(rootDir).catch(() => undefined);
  if (info === undefined) return `the directory of the root module; ${input} does not exist in the project`;
  if (!info.isDirectory()) return `the directory of the root module; ${input} is not a directory`;
  if (!within(await realpath(projectDir), await realpath(rootDir)))
    return 'a directory inside the project (it resolves outside)';
  if ((await listConfigFiles(rootDir)).length === 0)
    return `a root module; ${input} holds no .tf or .tofu file`;
  return undefined;
}

async function checkVarFile(
  rootDir: string,
  path: string,
  input: string,
  declared: ReadonlySet<string>,
): Promise<string | undefined> {
  if (input.split('/').includes('..')) return 'a file inside the root module (no "..")';
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) return `a variables file; ${input} does not exist in the root module`;
  if (!info.isFile()) return `a variables file; ${input} is not a regular file`;
  if (!within(await realpath(rootDir), await realpath(path))) return 'a file inside the root module';
  const text = await readFile(path, 'utf8');
  const read = await readVarFile(input, text);
  if ('problem' in read) return `${input} to be ${read.problem}`;
  const undeclared = read.names.filter((name) => !declared.has(name));
  if (undeclared.length > 0) {
    const listed = undeclared.map((name) => {
      const match = closest(name, declared);
      return match === undefined ? `"${name}"` : `"${name}" (did you mean "${match}"?)`;
    });
    return `${input} to set only variables the root module declares; it sets ${listed.join(', ')}`;
  }
  return undefined;
}
