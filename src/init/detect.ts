import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEV_DEPENDENCIES } from '../hooks/install.ts';

// Which Oneex stack a repository holds, from the files that mark it: the root and one level of
// subdirectories (an app in `app/`, Terraform in `infra/`), never dependencies or tool state.

export const PRESETS = ['node-service', 'python-service', 'dotnet-service', 'infra'] as const;
export type Preset = (typeof PRESETS)[number];

export interface Detection {
  readonly preset: Preset;
  /** The files that show it, relative to the repository root, in a stable order. */
  readonly evidence: readonly string[];
}

const MARKERS: readonly { readonly preset: Preset; readonly matches: (file: string) => boolean }[] = [
  { preset: 'node-service', matches: (file) => file === 'package.json' },
  {
    preset: 'python-service',
    matches: (file) => ['pyproject.toml', 'setup.cfg', 'setup.py', 'requirements.txt'].includes(file),
  },
  { preset: 'dotnet-service', matches: (file) => file.endsWith('.csproj') || file.endsWith('.sln') },
  { preset: 'infra', matches: (file) => file.endsWith('.tf') },
];

// Dependencies, VCS and tool state (.terraform, .venv, .gitlab-ci-local) hold other projects' markers.
const skipped = (dir: string): boolean => dir === 'node_modules' || dir.startsWith('.');

async function filesOf(root: string): Promise<string[]> {
  const files: string[] = [];
  const top = await readdir(root, { withFileTypes: true });
  for (const entry of top) {
    if (entry.isFile()) files.push(entry.name);
    else if (entry.isDirectory() && !skipped(entry.name)) {
      const inner = await readdir(join(root, entry.name), { withFileTypes: true }).catch(() => []);
      for (const child of inner) if (child.isFile()) files.push(`${entry.name}/${child.name}`);
    }
  }
  return files.sort();
}

/**
 * A package.json holding only what `oneex-ci hooks install` writes (Husky, commitlint), as a Python
 * or .NET repository gets one for its commit hooks: tooling, not a Node service.
 */
async function isHooksOnly(path: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    const dependencies = Object.keys((manifest.dependencies as object | undefined) ?? {});
    const devDependencies = Object.keys((manifest.devDependencies as object | undefined) ?? {});
    const scripts = Object.keys((manifest.scripts as object | undefined) ?? {});
    return (
      dependencies.length === 0 &&
      devDependencies.every((name) => name in DEV_DEPENDENCIES) &&
      scripts.every((name) => name === 'prepare')
    );
  } catch {
    return false;
  }
}

/** Every stack found, in the order of PRESETS; a hooks-only package.json counts only when nothing else does. */
export async function detectStacks(root: string): Promise<Detection[]> {
  const files = await filesOf(root);
  const found = MARKERS.map(({ preset, matches }) => ({
    preset,
    evidence: files.filter((file) => matches(file.split('/').pop() ?? file)),
  })).filter((d) => d.evidence.length > 0);
  const node = found.find((d) => d.preset === 'node-service');
  if (node !== undefined && found.length > 1) {
    const tooling = await Promise.all(node.evidence.map((file) => isHooksOnly(join(root, file))));
    if (tooling.every(Boolean)) return found.filter((d) => d !== node);
  }
  return found;
}
