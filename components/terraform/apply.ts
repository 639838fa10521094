import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Action } from '../../src/model/component.ts';
import { EXIT } from '../../src/runtime/errors.ts';
import type { inputs } from './component.ts';
import { planStale } from './errors.ts';
import { publicOutputs } from './outputs.ts';
import { OUTPUTS_FILE } from './paths.ts';
import { checkSavedPlan, planPath } from './planfile.ts';
import { describeReport, hasChanges } from './report.ts';
import { openWorkspace, planJobOf } from './workspace.ts';

// Applies the saved plan of this pipeline, and nothing else: the plan's record is checked before the
// tool runs, and the tool itself refuses a plan whose state has moved on ("Saved plan is stale").
// Then the non-sensitive outputs are written for the next step.

const action: Action<typeof inputs> = async (inputs, context) => {
  const { tool, settings } = await openWorkspace(inputs, context, {
    state: true,
    varFile: false,
    credentials: { provider: true, gitlabToken: false },
  });
  const state = settings.state;
  if (state === undefined) throw new Error('apply needs a state');
  const planJob = planJobOf(context, settings.environment);
  const meta = await checkSavedPlan(settings, context, planJob);
  context.log.info(
    `Saved plan of ${planJob}: commit ${meta.commit.slice(0, 8)}, pipeline ${meta.pipeline}, ${describeReport(meta.report)}.`,
  );

  await tool.init(true);
  if (hasChanges(meta.report)) {
    const args = [
      'apply',
      '-input=false',
      '-no-color',
      `-lock-timeout=${settings.lockTimeout}`,
      planPath(settings),
    ];
    const run = await context.log.section(
      'terraform_apply',
      `${tool.name} apply (${settings.environment})`,
      () => tool.run(args),
    );
    if (run.exitCode !== 0) {
      if (`${run.stdout}\n${run.stderr}`.includes('Saved plan is stale'))
        throw planStale(state.name, planJob);
      throw tool.explain(run);
    }
    context.log.success(`${settings.environment}: applied (${describeReport(meta.report)}).`);
  } else {
    context.log.success(`${settings.environment}: the plan changes nothing; nothing to apply.`);
  }

  const output = tool.check(await tool.run(['output', '-json', '-no-color'], { quiet: true }));
  const { outputs, withheld } = publicOutputs(JSON.parse(output.stdout));
  const file = join(settings.workDir, OUTPUTS_FILE);
  await writeFile(file, `${JSON.stringify(outputs, null, 2)}\n`);
  context.log.info(
    `Outputs for the next step: ${relative(context.cwd, file)} (${Object.keys(outputs).join(', ') || 'none'})${withheld.length > 0 ? `; sensitive, left out: ${withheld.join(', ')}` : ''}.`,
  );
  return EXIT.ok;
};

export default action;
