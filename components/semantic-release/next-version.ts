import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Action } from '../../src/model/component.ts';
import type { ParsedInputs } from '../../src/model/inputs.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT } from '../../src/runtime/errors.ts';
import type { inputs as declared } from './component.ts';
import { defaultConfig } from './config.ts';
import { gitConfigEnv, redirect } from './git-env.ts';
import { createMirror, fetchBranch } from './mirror.ts';
import { projectGitUrl } from './project.ts';
import { jobEnv, type Outcome, repositoryConfig, runSemanticRelease } from './run-semantic-release.ts';

type Inputs = ParsedInputs<typeof declared>;

// `oneex-ci semantic-release next-version`: what the release job would release from this commit (in a
// merge request: what merging would release), as a dotenv report for the rest of the pipeline.

/** The branch whose release this pipeline previews: a merge request's target, else the pipeline's branch. */
export function previewBranch(ci: RunContext['ci']): { branch: string; mergeRequest?: string } | undefined {
  const target = ci.CI_MERGE_REQUEST_TARGET_BRANCH_NAME;
  if (target !== undefined) return { branch: target, mergeRequest: ci.CI_MERGE_REQUEST_IID ?? '?' };
  const branch = ci.CI_COMMIT_BRANCH;
  return branch === undefined ? undefined : { branch };
}

/** The dotenv report: `KEY=value` lines as GitLab reads them (no quotes, no blank lines). */
export function dotenv(outcome: Outcome): string {
  const next = outcome.next;
  const lines = [
    `NEXT_VERSION=${next?.version ?? ''}`,
    `NEXT_VERSION_TAG=${next?.gitTag ?? ''}`,
    `NEXT_VERSION_TYPE=${next?.type ?? ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

const action: Action<typeof declared> = async (inputs, context) => {
  const preview = previewBranch(context.ci);
  const projectUrl = projectGitUrl(context);
  const config = await repositoryConfig(context.cwd);
  const report = join(context.cwd, inputs.dotenv_file);
  if (preview === undefined) {
    context.log.warn('Not a branch or merge request pipeline: no version to preview.');
    await write(report, {});
    return EXIT.ok;
  }
  context.log.info(
    `Config: ${config ?? 'the library default (Conventional Commits, the default and maintenance branches)'}`,
  );

  const outcome = await context.log.section(
    'semantic_release_dry_run',
    `semantic-release dry run for ${preview.branch}`,
    async () => {
      if (preview.mergeRequest !== undefined) await fetchBranch(context, preview.branch);
      // In a merge request the target branch stays as it is and HEAD is the merge request's head:
      // semantic-release then computes what merging would release.
      const head = preview.mergeRequest === undefined ? context.ci.CI_COMMIT_SHA : undefined;
      const mirror = await createMirror(context, preview.branch, head);
      try {
        return await runSemanticRelease(
          {
            ...(config === undefined ? defaultConfig(inputs, context.ci) : {}),
            repositoryUrl: projectUrl,
            dryRun: true,
            ci: false,
            // Checking the token is the release job's business; a dry run reads nothing from GitLab.
            verifyConditions: [],
          },
          {
            ...jobEnv(context),
            // env-ci takes the branch from here; without a merge request id the run is not a "PR" run.
            CI_COMMIT_REF_NAME: preview.branch,
            ...gitConfigEnv(redirect(projectUrl, mirror.url)),
          },
          context,
        );
      } finally {
        await mirror.remove();
      }
    },
    true,
  );

  await write(report, outcome);
  summarise(inputs, context, preview, outcome);
  return EXIT.ok;
};

export default action;

async function write(path: string, outcome: Outcome): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, dotenv(outcome));
}

function summarise(
  inputs: Inputs,
  context: RunContext,
  preview: { branch: string; mergeRequest?: string },
  outcome: Outcome,
): void {
  const next = outcome.next;
  const subject =
    preview.mergeRequest !== undefined
      ? `Merging !${preview.mergeRequest} into ${preview.branch}`
      : `The release job on ${preview.branch}`;
  context.log.line();
  if (next === undefined) {
    context.log.info(`${subject} would release nothing: no commit since the last release calls for one.`);
  } else {
    context.log.success(
      `${subject} would release ${next.version} (${next.type ?? 'release'}, tag ${next.gitTag}).`,
    );
    if (next.notes !== undefined && next.notes.trim() !== '') {
      context.log.info('Release notes:');
      for (const line of next.notes.trim().split('\n')) context.log.info(`  ${line}`);
    }
  }
  context.log.info(`NEXT_VERSION=${next?.version ?? ''} is in the dotenv report ${inputs.dotenv_file}.`);
}
