import type { RunContext } from '../../src/runtime/context.ts';
import { InputError, type InputProblem } from '../../src/runtime/errors.ts';
import { type Credentials, checkCredentials, readCredentials, type Wanted } from './credentials.ts';
import { type Needs, resolveSettings, type Settings, type TerraformInputs } from './settings.ts';
import { Tool } from './tool.ts';

// What every action starts with, in this order: every input checked (the credentials' sources with
// the rest, all problems reported at once), the credentials read, the tool found. Nothing touches the
// state or the infrastructure before all three succeed.

export interface Workspace {
  readonly settings: Settings;
  readonly tool: Tool;
  readonly toolVersion: string;
  readonly credentials: Credentials;
}

export async function openWorkspace(
  inputs: TerraformInputs,
  context: RunContext,
  needs: Needs & { readonly credentials: Wanted },
): Promise<Workspace> {
  const problems: InputProblem[] = [];
  const settings = await resolveSettings(inputs, context, needs).catch((error: unknown) => {
    if (!(error instanceof InputError)) throw error;
    problems.push(...error.problems);
    return undefined;
  });
  const checked = checkCredentials(inputs, context, needs.credentials);
  problems.push(...checked.problems);
  if (settings === undefined || checked.sources === undefined || problems.length > 0)
    throw new InputError('terraform', problems);

  const credentials = await readCredentials(checked.sources, context);
  const tool = new Tool(settings, context, credentials.toolEnv);
  const toolVersion = await tool.version();
  const where = settings.state !== undefined ? `, state ${settings.state.name}` : '';
  context.log.info(
    `${settings.tool} ${toolVersion}, root module ${settings.rootDirInput}, environment ${settings.environment}${where}`,
  );
  return { settings, tool, toolVersion, credentials };
}

/** The job that made the plan this job reads: `terraform:apply:test` -> `terraform:plan:test`. */
export function planJobOf(context: RunContext, environment: string): string {
  const name = context.ci.CI_JOB_NAME;
  const derived = name?.replace(/:(apply|destroy):([^:]+)$/, ':plan:$2');
  return derived !== undefined && derived !== name ? derived : `the plan job of ${environment}`;
}
