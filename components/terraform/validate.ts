import type { Action } from '../../src/model/component.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import type { inputs } from './component.ts';
import { TF_CODES } from './errors.ts';
import { openWorkspace } from './workspace.ts';

// `init -backend=false` then `validate -json`: the configuration is checked without touching a state,
// and each diagnostic is printed as file:line, summary, detail.

interface Diagnostic {
  readonly severity?: string;
  readonly summary?: string;
  readonly detail?: string;
  readonly range?: { readonly filename?: string; readonly start?: { readonly line?: number } };
}

const action: Action<typeof inputs> = async (inputs, context) => {
  const { tool, settings } = await openWorkspace(inputs, context, {
    state: false,
    varFile: false,
    credentials: { provider: false, gitlabToken: false },
  });
  await tool.init(false);
  const run = await tool.run(['validate', '-json', '-no-color'], { quiet: true });
  let result: { valid?: unknown; diagnostics?: Diagnostic[] };
  try {
    result = JSON.parse(run.stdout) as typeof result;
  } catch {
    context.log.line(run.stdout);
    context.log.line(run.stderr);
    throw tool.explain(run);
  }
  for (const d of result.diagnostics ?? []) {
    const where =
      d.range?.filename !== undefined ? `${d.range.filename}:${d.range.start?.line ?? '?'}: ` : '';
    const line = `${where}${d.summary ?? ''}${d.detail !== undefined && d.detail !== '' ? ` — ${d.detail}` : ''}`;
    if (d.severity === 'error') context.log.error(line);
    else context.log.warn(line);
  }
  if (result.valid !== true) {
    const errors = (result.diagnostics ?? []).filter((d) => d.severity === 'error').length;
    throw new OneexError(
      TF_CODES.invalid,
      `The configuration in ${settings.rootDirInput} is not valid: ${errors} error${errors === 1 ? '' : 's'} (listed above).`,
      `Run \`${tool.name} init -backend=false && ${tool.name} validate\` locally, fix the errors, and commit.`,
      EXIT.failed,
    );
  }
  context.log.success(`${settings.rootDirInput}: the configuration is valid.`);
  return EXIT.ok;
};

export default action;
