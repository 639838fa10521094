import { stringify } from 'yaml';
import type { Component } from '../model/component.ts';
import type { Detection, Preset } from './detect.ts';

// The starter .gitlab-ci.yml: one include of the preset, what to set next as comments, so the file
// GitLab reads stays a few lines and passes `oneex-ci check` as written.

const HARBOR = [
  ['HARBOR_HOST', 'Harbor host the image is pushed to'],
  ['HARBOR_USERNAME', 'Harbor robot account'],
  ['HARBOR_PASSWORD', 'its secret (masked, protected)'],
] as const;
const VAULT = [
  ['VAULT_ADDR', 'Vault address the jobs read secrets from with their ID token'],
  ['VAULT_AUTH_ROLE', 'Vault JWT role of the project'],
] as const;
const GITOPS = [
  ['GITOPS_REPOSITORY', 'GitOps repository Argo CD deploys from'],
  ['GITOPS_TOKEN', 'token that pushes to it (masked, protected)'],
] as const;
const SERVICE = [...HARBOR, ...VAULT, ...GITOPS];
/** CI/CD variables each preset's jobs read, set once at group level (Settings > CI/CD > Variables). */
const GROUP_VARIABLES: Readonly<Record<Preset, readonly (readonly [string, string])[]>> = {
  'node-service': SERVICE,
  'python-service': SERVICE,
  'dotnet-service': SERVICE,
  // Terraform reads each environment's Proxmox token from Vault; Ansible its SSH key.
  infra: VAULT,
};

const MAX_SUGGESTED_INPUTS = 4;

/** `@1` for 1.4.2; a development build stands for the first release. */
export function majorOf(version: string): string {
  const major = /^(\d+)\./.exec(version)?.[1];
  return major === undefined || version.startsWith('0.0.0-') ? '1' : major;
}

export interface StarterOptions {
  readonly preset: Preset;
  /** Why this preset: what was found, or that it was asked for. */
  readonly reason: string;
  readonly library: string;
  readonly version: string;
  /** The preset's definition, when this CLI's catalog has it: its inputs become the suggestions. */
  readonly component?: Component;
}

const firstSentence = (text: string): string => (/^(.+?[.!?])(\s|$)/.exec(text)?.[1] ?? text).trim();

export function renderStarter(options: StarterOptions): string {
  const { preset, component } = options;
  const reference = `$CI_SERVER_FQDN/${options.library}/${preset}@${majorOf(options.version)}`;
  const usage = component?.usage ?? {};
  const required = Object.entries(component?.inputs ?? {}).filter(([, spec]) => spec.default === undefined);
  const given = Object.fromEntries(required.map(([name]) => [name, usage[name] ?? '']));
  const entry: Record<string, unknown> = { component: reference };
  if (required.length > 0) entry.inputs = given;
  const suggested = Object.entries(usage)
    .filter(([name]) => !(name in given))
    .slice(0, MAX_SUGGESTED_INPUTS);

  const lines = [
    `# The whole pipeline of this repository: the ${preset} preset of ${options.library}.`,
    `# ${options.reason}`,
    '# Check it before you commit: `oneex-ci check`.',
    stringify({ include: [entry] }, { lineWidth: 0 }).trimEnd(),
  ];
  if (suggested.length > 0) {
    if (required.length === 0) lines.push('#   inputs:');
    for (const [name, value] of suggested) {
      const spec = component?.inputs[name];
      const note = spec === undefined ? '' : `  # ${firstSentence(spec.description)}`;
      lines.push(`#     ${stringify({ [name]: value }, { lineWidth: 0 }).trimEnd()}${note}`);
    }
  }
  lines.push(
    `# Every input of the preset: its README in ${options.library} (components/${preset}/README.md).`,
    '#',
    '# CI/CD variables the preset relies on, set once at group level (Settings > CI/CD > Variables):',
    ...GROUP_VARIABLES[preset].map(([name, what]) => `#   ${name.padEnd(17)} ${what}`),
    '',
  );
  return lines.join('\n');
}

export function reasonOf(detection: Detection): string {
  const shown = detection.evidence.slice(0, 3).join(', ');
  const more = detection.evidence.length > 3 ? ` and ${detection.evidence.length - 3} more` : '';
  return `Chosen by \`oneex-ci init\`, which found ${shown}${more}.`;
}
