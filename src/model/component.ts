import type { RunContext } from '../runtime/context.ts';
import type { InputSpec, InputSpecs, ParsedInputs } from './inputs.ts';
import { interpolation } from './inputs.ts';
import type { Interpolated, Job } from './job.ts';

/** The CLI every job runs (the package's bin). */
export const CLI_COMMAND = 'oneex-ci';

/** A job as a component declares it: a GitLab job, plus `run`, the CLI action its script calls. */
export interface ComponentJob<A extends string = string> extends Job {
  /** `oneex-ci <component> <run>` becomes the script, and every runtime input reaches it as a variable. */
  readonly run?: A;
}

/** What a component's CLI action receives, and what it returns: an exit code, 0 when omitted. */
export type Action<I extends InputSpecs> = (
  inputs: ParsedInputs<I>,
  context: RunContext,
) => Promise<number | undefined>;

export interface ActionModule<I extends InputSpecs> {
  readonly default: Action<I>;
}

export interface ComponentDefinition<I extends InputSpecs, A extends string> {
  /** kebab-case; the template is `templates/<name>.yml`, the CLI command `oneex-ci <name> <action>`. */
  readonly name: string;
  /** One sentence, for the catalog list and `--help`. */
  readonly summary: string;
  /** Markdown for the docs: what the jobs do and when they run. */
  readonly description: string;
  readonly inputs: I;
  /** Each action is loaded only when it runs, so the CLI starts fast whatever the library holds. */
  readonly actions: Readonly<Record<A, () => Promise<ActionModule<I>>>>;
  /** The jobs, given `$[[ inputs.x ]]` for each input. */
  readonly jobs: (
    inputs: { readonly [K in keyof I]: Interpolated },
  ) => Readonly<Record<string, ComponentJob<NoInfer<A>>>>;
  /** Inputs shown in the docs' usage snippet. */
  readonly usage?: Readonly<Record<string, unknown>>;
}

export type Component = ComponentDefinition<InputSpecs, string>;

/**
 * Identity at run time; its work is inference. The inputs' literal types flow into `jobs` (only
 * declared inputs can be interpolated) and into each action's parsed inputs.
 */
export function defineComponent<const I extends InputSpecs, const A extends string>(
  definition: ComponentDefinition<I, A>,
): ComponentDefinition<I, A> {
  return definition;
}

/** The interpolation blocks handed to `jobs`, one per declared input. */
export function interpolations<I extends InputSpecs>(inputs: I): { readonly [K in keyof I]: Interpolated } {
  return Object.fromEntries(Object.keys(inputs).map((name) => [name, interpolation(name)])) as {
    [K in keyof I]: Interpolated;
  };
}

/**
 * The inputs every component job takes, so that consumers can rename, restage and re-image it as
 * GitLab's own components allow. `as` is the job name; a leading `.` makes the job a hidden template.
 */
export function jobInputs(defaults: { readonly as: string; readonly stage: string }) {
  return {
    as: {
      default: defaults.as,
      description: 'Name of the job. Start it with `.` to get a hidden job to `extends:` instead.',
      env: false,
    },
    stage: {
      default: defaults.stage,
      description:
        'Stage of the job. The default is one of GitLab’s default stages, so no `stages:` is needed.',
      env: false,
    },
    image: {
      default: '$ONEEX_CI_IMAGE',
      description:
        'Image the job runs in; it must hold `oneex-ci`. The default is the library image released with ' +
        'this component version. Set it when you pin the component by SHA or branch.',
      env: false,
    },
  } as const satisfies Record<string, InputSpec>;
}
