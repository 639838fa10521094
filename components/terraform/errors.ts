import { EXIT, OneexError } from '../../src/runtime/errors.ts';

// What the terraform component reports, one function per code, each saying what to do. Tests assert
// the codes; the wording may improve.

export const TF_CODES = {
  /** The job image lacks the tool. */
  tool: 'ETF_TOOL',
  /** The tool failed for a reason of its own; its errors are in the log above. */
  failed: 'ETF_FAILED',
  fmt: 'ETF_FMT',
  invalid: 'ETF_INVALID',
  /** The apply job found no saved plan of this pipeline. */
  planMissing: 'ETF_PLAN_MISSING',
  /** The saved plan belongs to another commit, pipeline, environment or state, or was altered. */
  planForeign: 'ETF_PLAN_FOREIGN',
  /** The state changed after the plan was made. */
  planStale: 'ETF_PLAN_STALE',
  locked: 'ETF_STATE_LOCKED',
  stateAuth: 'ETF_STATE_AUTH',
  /** Destroy asked for an environment that is not ephemeral. */
  protected: 'ETF_PROTECTED',
  note: 'ETF_NOTE',
} as const;

export function toolMissing(tool: string): OneexError {
  return new OneexError(
    TF_CODES.tool,
    `${tool} is not on the job's PATH.`,
    `Run the job in an image that holds ${tool} (set the input \`image\`), or set \`tool\` to the CLI the image has.`,
    EXIT.unavailable,
  );
}

export function toolFailed(tool: string, command: string, exitCode: number): OneexError {
  return new OneexError(
    TF_CODES.failed,
    `${tool} ${command} failed (exit ${exitCode}); its errors are above.`,
    undefined,
    EXIT.failed,
  );
}

export function stateLocked(tool: string, state: string, timeout: string, lockInfo: string): OneexError {
  return new OneexError(
    TF_CODES.locked,
    `The state "${state}" stayed locked by another run for ${timeout} (lock_timeout).${lockInfo !== '' ? `\n${lockInfo}` : ''}`,
    `Wait for that run to finish and retry this job. If no job holds it any more (a cancelled runner), a Maintainer can unlock it under Operate > Terraform states, or run \`${tool} force-unlock <ID>\`.`,
    EXIT.unavailable,
  );
}

export function stateAuth(state: string, detail: string): OneexError {
  return new OneexError(
    TF_CODES.stateAuth,
    `GitLab refused the job's access to the state "${state}": ${detail}.`,
    'The job token acts for the user who started the pipeline: writing or locking a GitLab-managed state needs the Maintainer role (plans can run for Developers with plan_lock: false).',
    EXIT.unavailable,
  );
}

export interface PlanOrigin {
  readonly commit: string;
  readonly pipeline: string;
}

export function planMissing(planPath: string, planJob: string): OneexError {
  return new OneexError(
    TF_CODES.planMissing,
    `No saved plan at ${planPath}: this job applies only the plan that this pipeline's ${planJob} job saved.`,
    `Run the pipeline again so that ${planJob} saves a plan (artifacts expire after 30 days), and apply that one. The component never applies without a reviewed plan.`,
    EXIT.failed,
  );
}

export function planForeign(what: string, planJob: string): OneexError {
  return new OneexError(
    TF_CODES.planForeign,
    `Refusing to apply: the saved plan ${what}.`,
    `Apply only the plan that ${planJob} saved in this pipeline: run the pipeline of this commit again, review its plan, then apply it.`,
    EXIT.failed,
  );
}

export function planStale(state: string, planJob: string): OneexError {
  return new OneexError(
    TF_CODES.planStale,
    `Refusing to apply: the saved plan is stale, the state "${state}" changed after the plan was made (another apply or a manual change).`,
    `Retry ${planJob} for a plan of the state as it is now, review it, then run this job again.`,
    EXIT.failed,
  );
}

export function notEphemeral(environment: string): OneexError {
  return new OneexError(
    TF_CODES.protected,
    `Refusing to destroy "${environment}": only the ephemeral review environments are destroyed by the pipeline.`,
    'Remove resources from a lasting environment by a reviewed change to its configuration, planned and applied like any other.',
    EXIT.usage,
  );
}
