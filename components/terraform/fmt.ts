import type { Action } from '../../src/model/component.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import type { inputs } from './component.ts';
import { TF_CODES } from './errors.ts';
import { openWorkspace } from './workspace.ts';

// `fmt -check -diff -recursive`: exit 0 formatted, 3 when a file is not (the tool lists it and its diff).
const FMT_UNFORMATTED = 3;

const action: Action<typeof inputs> = async (inputs, context) => {
  const { tool, settings } = await openWorkspace(inputs, context, {
    state: false,
    varFile: false,
    credentials: { provider: false, gitlabToken: false },
  });
  const run = await tool.run(['fmt', '-check', '-diff', '-recursive', '-no-color']);
  if (run.exitCode === FMT_UNFORMATTED) {
    const files = run.stdout.split('\n').filter((line) => /\.(tf|tofu|tfvars)(\.json)?$/.test(line.trim()));
    throw new OneexError(
      TF_CODES.fmt,
      `${files.length > 0 ? files.length : 'Some'} file${files.length === 1 ? ' is' : 's are'} not in canonical format${files.length > 0 ? `: ${files.map((f) => f.trim()).join(', ')}` : ''} (diff above).`,
      `Run \`${tool.name} fmt -recursive\` in ${settings.rootDirInput} and commit the result.`,
      EXIT.failed,
    );
  }
  tool.check(run);
  context.log.success(`${settings.rootDirInput}: every file is in canonical format.`);
  return EXIT.ok;
};

export default action;
