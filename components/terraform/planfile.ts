import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { RunContext } from '../../src/runtime/context.ts';
import { planForeign, planMissing } from './errors.ts';
import { PLAN_FILE, PLAN_META_FILE } from './paths.ts';
import type { TerraformReport } from './report.ts';
import type { Settings } from './settings.ts';

// The saved plan travels with a record of where it comes from. The apply job checks that record
// against its own pipeline before anything else, so it applies only the plan reviewed in this
// pipeline for this commit, environment and state, byte for byte.

export interface PlanMeta {
  readonly format: 1;
  readonly tool: string;
  readonly toolVersion: string;
  readonly environment: string;
  readonly state: string;
  readonly varFile: string;
  readonly commit: string;
  readonly pipeline: string;
  readonly job: string;
  readonly report: TerraformReport;
  /** SHA-256 of the plan file. */
  readonly sha256: string;
  readonly createdAt: string;
}

export const planPath = (settings: Settings): string => join(settings.workDir, PLAN_FILE);
const metaPath = (settings: Settings): string => join(settings.workDir, PLAN_META_FILE);

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export async function writePlanMeta(
  settings: Settings,
  context: RunContext,
  fields: { readonly toolVersion: string; readonly report: TerraformReport },
): Promise<PlanMeta> {
  const meta: PlanMeta = {
    format: 1,
    tool: settings.tool,
    toolVersion: fields.toolVersion,
    environment: settings.environment,
    state: settings.state?.name ?? '',
    varFile: settings.varFile?.input ?? '',
    commit: context.ci.CI_COMMIT_SHA ?? '',
    pipeline: context.ci.CI_PIPELINE_ID ?? '',
    job: context.ci.CI_JOB_ID ?? '',
    report: fields.report,
    sha256: sha256(await readFile(planPath(settings))),
    createdAt: new Date().toISOString(),
  };
  await writeFile(metaPath(settings), `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

/** The saved plan's record, once it is proven to be this pipeline's plan; else the reason it is not. */
export async function checkSavedPlan(
  settings: Settings,
  context: RunContext,
  planJob: string,
): Promise<PlanMeta> {
  const shown = relative(context.cwd, planPath(settings));
  const plan = await readFile(planPath(settings)).catch(() => undefined);
  if (plan === undefined) throw planMissing(shown, planJob);
  const text = await readFile(metaPath(settings), 'utf8').catch(() => undefined);
  if (text === undefined)
    throw planForeign(`at ${shown} has no record of its pipeline (${PLAN_META_FILE})`, planJob);
  let meta: PlanMeta;
  try {
    meta = JSON.parse(text) as PlanMeta;
  } catch {
    throw planForeign(`record ${PLAN_META_FILE} is not JSON`, planJob);
  }
  const commit = context.ci.CI_COMMIT_SHA ?? '';
  const pipeline = context.ci.CI_PIPELINE_ID ?? '';
  const mismatches = [
    meta.commit !== commit &&
      `was made for commit ${short(meta.commit)}, this job runs commit ${short(commit)}`,
    meta.pipeline !== pipeline &&
      `was made by pipeline ${meta.pipeline || '?'}, this is pipeline ${pipeline || '?'}`,
    meta.environment !== settings.environment &&
      `is for environment ${meta.environment}, this job applies ${settings.environment}`,
    meta.state !== (settings.state?.name ?? '') &&
      `is for state ${meta.state}, this job uses ${settings.state?.name}`,
    meta.tool !== settings.tool && `was made by ${meta.tool}, this job runs ${settings.tool}`,
  ].filter((m): m is string => typeof m === 'string');
  if (mismatches.length > 0) throw planForeign(mismatches.join('; '), planJob);
  if (meta.sha256 !== sha256(plan))
    throw planForeign(
      `file differs from the one ${planJob} saved (its SHA-256 does not match the record)`,
      planJob,
    );
  return meta;
}

const short = (sha: string): string => (sha === '' ? '?' : sha.slice(0, 8));
