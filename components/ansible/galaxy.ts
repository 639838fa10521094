import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { parse } from 'yaml';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { galaxyPaths, lastLines, runAnsible } from './ansible.ts';

// Collections and roles of requirements.yml, installed into the directory the GitLab cache keeps. With
// the cache restored, ansible-galaxy finds everything installed and contacts no server.

interface Requirements {
  readonly roles: boolean;
  readonly collections: boolean;
}

/** What the file asks for: the old format is a list of roles, the new one a map with both. */
export function requirementKinds(document: unknown): Requirements {
  if (Array.isArray(document)) return { roles: document.length > 0, collections: false };
  if (typeof document !== 'object' || document === null) return { roles: false, collections: false };
  const { roles, collections } = document as { roles?: unknown; collections?: unknown };
  return {
    roles: Array.isArray(roles) && roles.length > 0,
    collections: Array.isArray(collections) && collections.length > 0,
  };
}

export async function installRequirements(
  file: string | undefined,
  options: { readonly root: string; readonly cwd: string; readonly env: Record<string, string> },
  context: RunContext,
): Promise<void> {
  if (file === undefined) {
    context.log.info('No Galaxy requirements file: nothing to install.');
    return;
  }
  const shown = relative(options.root, file);
  let kinds: Requirements;
  try {
    kinds = requirementKinds(parse(await readFile(file, 'utf8')));
  } catch (error) {
    throw new OneexError(
      'EGALAXY',
      `${shown} is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      'Fix the requirements file (docs.ansible.com: "Installing roles and collections from the same requirements.yml file").',
      EXIT.failed,
    );
  }
  const paths = galaxyPaths(options.root);
  await context.log.section(
    'ansible_galaxy',
    `Galaxy requirements from ${shown}`,
    async () => {
      const steps: [string, string[]][] = [];
      if (kinds.collections) steps.push(['collection', ['-p', paths.collections]]);
      if (kinds.roles) steps.push(['role', ['-p', paths.roles]]);
      for (const [kind, target] of steps) {
        const result = await runAnsible(
          'ansible-galaxy',
          [kind, 'install', '-r', file, ...target],
          { cwd: options.cwd, env: options.env },
          context,
          true,
        );
        if (result.exitCode !== 0) {
          throw new OneexError(
            'EGALAXY',
            `ansible-galaxy could not install the ${kind}s of ${shown} (exit ${result.exitCode}):\n${lastLines(result)}`,
            'Check the names, versions and sources in the requirements file, and that the Galaxy server or Git host is reachable from the runner.',
            EXIT.unavailable,
          );
        }
      }
    },
    true,
  );
}
