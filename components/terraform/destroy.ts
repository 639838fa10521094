import type { Action } from '../../src/model/component.ts';
import { EXIT } from '../../src/runtime/errors.ts';
import type { inputs } from './component.ts';
import { notEphemeral } from './errors.ts';
import { openWorkspace } from './workspace.ts';

// Destroys an ephemeral environment: the job GitLab runs when a review environment is stopped (its
// merge request merged or closed, or someone pressed stop). A lasting environment is refused before
// anything runs, whatever the job's rules say.

const action: Action<typeof inputs> = async (inputs, context) => {
  const { tool, settings } = await openWorkspace(inputs, context, {
    state: true,
    varFile: true,
    credentials: { provider: true, gitlabToken: false },
  });
  if (!settings.spec.ephemeral) throw notEphemeral(settings.environment);
  const varFile = settings.varFile;
  if (varFile === undefined) throw new Error('destroy needs a var file');
  await tool.init(true);
  const args = [
    'destroy',
    '-auto-approve',
    '-input=false',
    '-no-color',
    `-var-file=${varFile.path}`,
    `-lock-timeout=${settings.lockTimeout}`,
  ];
  const run = await context.log.section(
    'terraform_destroy',
    `${tool.name} destroy (${settings.environment})`,
    () => tool.run(args),
  );
  tool.check(run);
  context.log.success(`${settings.environment}: destroyed (state ${settings.state?.name}).`);
  return EXIT.ok;
};

export default action;
