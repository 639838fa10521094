import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Action } from '../../src/model/component.ts';
import { EXIT } from '../../src/runtime/errors.ts';
import type { inputs } from './component.ts';
import { noteBody, noteMarker, upsertPlanNote } from './note.ts';
import { REPORT_FILE } from './paths.ts';
import { planPath, writePlanMeta } from './planfile.ts';
import { changeLines, describeReport, hasChanges, resourceChanges, terraformReport } from './report.ts';
import { openWorkspace } from './workspace.ts';

// `plan -out -detailed-exitcode`: 0 no changes, 1 error, 2 changes. The saved plan, its record and the
// widget report are written together, or none of them: a failed plan leaves no plan to apply.
const PLAN_CHANGES = 2;

const action: Action<typeof inputs> = async (inputs, context) => {
  const mergeRequest = context.ci.CI_MERGE_REQUEST_IID;
  const wantsNote = inputs.merge_request_note && mergeRequest !== undefined;
  const { tool, settings, toolVersion, credentials } = await openWorkspace(inputs, context, {
    state: true,
    varFile: true,
    credentials: { provider: true, gitlabToken: wantsNote },
  });
  const state = settings.state;
  const varFile = settings.varFile;
  if (state === undefined || varFile === undefined) throw new Error('plan needs a state and a var file');
  // The API URL and project ID were checked with the state; the token with the credentials.
  const { CI_API_V4_URL: apiUrl, CI_PROJECT_ID: projectId } = context.ci;
  const note =
    wantsNote && credentials.gitlabToken !== undefined && apiUrl !== undefined && projectId !== undefined
      ? { apiUrl, projectId, mergeRequestIid: Number(mergeRequest), token: credentials.gitlabToken }
      : undefined;

  await rm(settings.workDir, { recursive: true, force: true });
  await mkdir(settings.workDir, { recursive: true });
  await tool.init(true);

  const args = [
    'plan',
    '-input=false',
    '-no-color',
    `-out=${planPath(settings)}`,
    '-detailed-exitcode',
    `-var-file=${varFile.path}`,
    `-lock-timeout=${settings.lockTimeout}`,
    ...(inputs.plan_lock ? [] : ['-lock=false']),
  ];
  const run = await context.log.section('terraform_plan', `${tool.name} plan (${settings.environment})`, () =>
    tool.run(args),
  );
  if (run.exitCode !== 0 && run.exitCode !== PLAN_CHANGES) {
    await rm(settings.workDir, { recursive: true, force: true });
    throw tool.explain(run);
  }

  // The JSON holds every value of the plan: read here, never printed, never kept.
  const shown = tool.check(
    await tool.run(['show', '-json', '-no-color', planPath(settings)], { quiet: true }),
  );
  const changes = resourceChanges(JSON.parse(shown.stdout));
  const report = terraformReport(changes);
  await writeFile(join(settings.workDir, REPORT_FILE), `${JSON.stringify(report)}\n`);
  const meta = await writePlanMeta(settings, context, { toolVersion, report });

  context.log.line();
  context.log.info(
    context.log.style(
      `Plan for ${settings.environment} (state ${state.name}): ${describeReport(report)}.`,
      'bold',
    ),
  );
  for (const line of changeLines(changes)) context.log.info(line);
  if (hasChanges(report) !== (run.exitCode === PLAN_CHANGES) && changes.length > 0)
    context.log.warn(`${tool.name} plan exited ${run.exitCode}, but the plan lists the changes above.`);
  context.log.info(
    `Saved plan: ${relative(context.cwd, planPath(settings))} (commit ${meta.commit.slice(0, 8)}, pipeline ${meta.pipeline}).`,
  );

  if (note !== undefined) {
    const outcome = await upsertPlanNote(
      note,
      noteMarker(state.name),
      noteBody({
        tool: tool.name,
        environment: settings.environment,
        state: state.name,
        commit: meta.commit,
        pipelineUrl: context.ci.CI_PIPELINE_URL,
        jobUrl: context.ci.CI_JOB_URL,
        report,
        changes,
      }),
    );
    context.log.success(`Merge request !${note.mergeRequestIid}: plan note ${outcome}.`);
  }
  context.log.success(
    `${settings.environment}: plan saved; ${hasChanges(report) ? 'it changes the infrastructure' : 'nothing to change'}.`,
  );
  return EXIT.ok;
};

export default action;
