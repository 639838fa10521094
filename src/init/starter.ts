import { stringify } from 'yaml';
import type { Preset } from '../model/preset.ts';
import type { Detection } from './detect.ts';

// The starter .gitlab-ci.yml: one include of the preset, what to set next as comments, so the file
// GitLab reads stays a few lines and passes `oneex-ci check` as written.

const MAX_SUGGESTED_INPUTS = 4;

/** `@1` for 1.4.2; a development build stands for the first release. */
export function majorOf(version: string): string {
  const major = /^(\d+)\./.exec(version)?.[1];
  return major === undefined || version.startsWith('0.0.0-') ? '1' : major;
}

export interface StarterOptions {
  /** The preset, from this CLI's catalog: its required and usage inputs, and the variables it reads. */
  readonly preset: Preset;
  /** Why this preset: what was found, or that it was asked for. */
  readonly reason: string;
  readonly library: string;
  readonly version: string;
}

const firstSentence = (text: string): string => (/^(.+?[.!?])(\s|$)/.exec(text)?.[1] ?? text).trim();

export function renderStarter(options: StarterOptions): string {
  const { preset } = options;
  const reference = `$CI_SERVER_FQDN/${options.library}/${preset.name}@${majorOf(options.version)}`;
  const usage = preset.usage ?? {};
  const required = Object.entries(preset.inputs).filter(([, spec]) => spec.default === undefined);
  const given = Object.fromEntries(required.map(([name]) => [name, usage[name] ?? '']));
  const entry: Record<string, unknown> = { component: reference };
  if (required.length > 0) entry.inputs = given;
  const suggested = Object.entries(usage)
    .filter(([name]) => !(name in given))
    .slice(0, MAX_SUGGESTED_INPUTS);

  const lines = [
    `# The whole pipeline of this repository: the ${preset.name} preset of ${options.library}.`,
    `# ${options.reason}`,
    '# Check it before you commit: `oneex-ci check`.',
    stringify({ include: [entry] }, { lineWidth: 0 }).trimEnd(),
  ];
  if (suggested.length > 0) {
    if (required.length === 0) lines.push('#   inputs:');
    for (const [name, value] of suggested) {
      const spec = preset.inputs[name];
      const note = spec === undefined ? '' : `  # ${firstSentence(spec.description)}`;
      lines.push(`#     ${stringify({ [name]: value }, { lineWidth: 0 }).trimEnd()}${note}`);
    }
  }
  lines.push(
    `# Every input of the preset: its README in ${options.library} (components/${preset.name}/README.md).`,
    '#',
    '# CI/CD variables the preset relies on, set once at group level (Settings > CI/CD > Variables):',
    ...preset.variables.map(({ name, what }) => `#   ${name.padEnd(24)} ${what}`),
    '',
  );
  return lines.join('\n');
}

export function reasonOf(detection: Detection): string {
  const shown = detection.evidence.slice(0, 3).join(', ');
  const more = detection.evidence.length > 3 ? ` and ${detection.evidence.length - 3} more` : '';
  return `Chosen by \`oneex-ci init\`, which found ${shown}${more}.`;
}
