import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { releasesOf } from '../doubles/gitlab-api/releases.ts';
import { type PipelineResult, readTree, runPipeline } from '../support/local-pipeline.ts';
import { type OneexPlatform, startOneexPlatform } from '../support/oneex-platform.ts';

// Oneex's service repositories as they are in examples/, each given its whole pipeline by a
// two-line `.gitlab-ci.yml` that includes a preset, run by gitlab-ci-local on the embedded platform:
// a merge request pipeline on a feature branch, then the default branch's pipeline once it is merged.
// Real tools wherever this machine has them (buildah, skopeo, git, ESLint, tsc, Prettier, yamllint,
// semantic-release, kubectl kustomize); the doubles of hadolint, Ruff and the .NET SDK stand in for
// the others. After every run, no credential may be found anywhere the run left anything.

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

const SERVICES = [
  { example: 'oneex-front', app: 'front', linters: ['eslint', 'prettier', 'tsc', 'hadolint', 'yamllint'] },
  { example: 'oneex-back', app: 'back', linters: ['eslint', 'prettier', 'tsc', 'hadolint', 'yamllint'] },
  { example: 'oneex-scanner', app: 'scanner', linters: ['ruff', 'hadolint', 'yamllint'] },
  { example: 'oneex-csharp', app: 'csharp', linters: ['dotnet-format', 'hadolint', 'yamllint'] },
] as const;

const MERGE_REQUEST_JOBS = ['commitlint', 'lint', 'image-build', 'next-version'];
const DEFAULT_BRANCH_JOBS = [...MERGE_REQUEST_JOBS, 'promote-test', 'promote-staging', 'release'];

let platform: OneexPlatform;

beforeAll(async () => {
  platform = await startOneexPlatform({ apps: SERVICES.map((s) => s.app) });
}, 300_000);
afterAll(() => platform?.close());

const expectJobs = (result: PipelineResult, names: readonly string[]) => {
  for (const name of names) {
    const job = result.jobs.get(name);
    expect(job?.status, `${name}:\n${job?.log || result.output}`).toBe('success');
  }
  expect([...result.jobs.keys()].sort()).toEqual([...names].sort());
};

const dotenv = async (result: PipelineResult, job: string, file: string) =>
  Object.fromEntries(
    ((await result.artifacts(job))[`.gitlab-ci-reports/dotenv/${file}`] ?? '')
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

describe.concurrent('example service repositories, whole pipelines from a preset', () => {
  it.each(SERVICES)(
    '$example: merge request, then the default branch',
    async ({ example, app, linters }) => {
      const files = await readTree(join(EXAMPLES, example));
      expect(Object.keys(files)).toContain('.gitlab-ci.yml');
      const project = await platform.project(`oneex/${app}`, files, 'feat: first version of the service');
      const git = project.consumer.git;
      const base = await project.consumer.head();

      // A merge request: a feature branch with one more commit.
      await git(['checkout', '-q', '-b', 'feature/expiry']);
      await project.consumer.commit({
        message: 'feat: say when a document expires',
        files: { 'NOTES.md': 'Expiry.\n' },
      });
      const mergeRequest = await runPipeline(platform.library, project.consumer, {
        variables: await platform.variables(project, {
          CI_PIPELINE_SOURCE: 'merge_request_event',
          CI_MERGE_REQUEST_IID: '1',
          CI_MERGE_REQUEST_DIFF_BASE_SHA: base,
          CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/expiry',
          CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
        }),
        path: [platform.toolDoubles],
        timeoutMs: 600_000,
      });
      expectJobs(mergeRequest, MERGE_REQUEST_JOBS);
      const lint = mergeRequest.job('lint').log;
      for (const linter of linters) expect(lint, lint).toMatch(new RegExp(`${linter}\\s+no findings`));
      expect(mergeRequest.job('commitlint').log).toContain('feat: say when a document expires');
      expect(mergeRequest.job('next-version').log).toContain('would release 1.0.0');
      const built = await dotenv(mergeRequest, 'image-build', 'image.env');
      expect(built.IMAGE_REF).toMatch(
        new RegExp(`^${platform.registry.host}/oneex/${app}@sha256:[a-f0-9]{64}$`),
      );
      expect(await platform.registry.digestOf(`${platform.registry.host}/oneex/${app}:feature-expiry`)).toBe(
        built.IMAGE_DIGEST,
      );
      await platform.canaries.assertNoLeak(mergeRequest, project.consumer);

      // Merged: the default branch builds, promotes to test then staging; a release manager starts the
      // release, which is manual.
      await git(['checkout', '-q', 'main']);
      await git(['merge', '-q', '--ff-only', 'feature/expiry']);
      await project.push();
      const main = await runPipeline(platform.library, project.consumer, {
        variables: await platform.variables(project),
        manual: ['release'],
        path: [platform.toolDoubles],
        timeoutMs: 600_000,
      });
      expectJobs(main, DEFAULT_BRANCH_JOBS);
      const image = await dotenv(main, 'image-build', 'image.env');
      for (const environment of ['test', 'staging']) {
        const overlay = parse(
          await platform.gitops.gitops.show(`apps/${app}/overlays/${environment}/kustomization.yaml`),
        ) as { images: { digest?: string }[] };
        expect(overlay.images[0]?.digest, environment).toBe(image.IMAGE_DIGEST);
        expect(main.job(`promote-${environment}`).log).toContain(
          `Argo CD: ${app}-${environment} is Synced and Healthy`,
        );
      }
      expect(main.job('release').log).toContain('Released 1.0.0 (tag v1.0.0)');
      expect(await project.remoteTags()).toMatchObject({ 'v1.0.0': await project.consumer.head() });
      expect(releasesOf(platform.gitops.gitlab, project.project).map((r) => r.tag_name)).toEqual(['v1.0.0']);
      await platform.canaries.assertNoLeak(main, project.consumer);
    },
    600_000,
  );
});
