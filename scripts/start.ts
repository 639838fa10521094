import { join } from 'node:path';
import { parse } from 'yaml';
import { readTree, runPipeline } from '../test/support/local-pipeline.ts';
import { startOneexPlatform } from '../test/support/oneex-platform.ts';

// `npm start`: the main job. Runs the default-branch pipeline of the Oneex Back example
// (examples/oneex-back, whose .gitlab-ci.yml is one include of the node-service preset) end to end,
// here, on the embedded platform: Harbor as a local registry, Vault, the GitOps repository with Argo CD
// and Grafana, GitLab's API. Prints what happened; exits non-zero unless every job passed, the
// image reached the registry and test and staging run its digest.

const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'oneex-back');
const APP = 'back';
const started = Date.now();
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

console.log('Starting the embedded platform (registry, Vault, GitOps repository, Argo CD, GitLab API)…');
const platform = await startOneexPlatform({ apps: [APP] });
let ok = false;
try {
  const project = await platform.project(
    `oneex/${APP}`,
    await readTree(EXAMPLE),
    'feat: first version of the API',
  );
  console.log(`Running the default-branch pipeline of examples/oneex-back (gitlab-ci-local, offline)…`);
  const result = await runPipeline(platform.library, project.consumer, {
    variables: await platform.variables(project),
    // The release job waits for a release manager: started here as they would.
    manual: ['release'],
    path: [platform.toolDoubles],
    timeoutMs: 600_000,
  });

  console.log('');
  console.log('job               status            duration');
  for (const job of result.jobs.values())
    console.log(`${job.name.padEnd(17)} ${job.status.padEnd(17)} ${seconds(job.durationMs).padStart(8)}`);

  const report = (await result.artifacts('image-build'))['.gitlab-ci-reports/dotenv/image.env'] ?? '';
  const ref = /^IMAGE_REF=(.+)$/m.exec(report)?.[1];
  const digest = /^IMAGE_DIGEST=(.+)$/m.exec(report)?.[1];
  console.log('');
  console.log(`image      ${ref ?? '(none)'}`);
  const promoted: string[] = [];
  for (const environment of ['test', 'staging']) {
    const overlay = parse(
      await platform.gitops.gitops.show(`apps/${APP}/overlays/${environment}/kustomization.yaml`),
    ) as { images?: { digest?: string }[] };
    const commit = /promoted to \S+: commit ([0-9a-f]+)/.exec(
      result.jobs.get(`promote-${environment}`)?.log ?? '',
    )?.[1];
    console.log(
      `${environment.padEnd(10)} GitOps commit ${commit ?? '(none)'}, overlay runs ${overlay.images?.[0]?.digest ?? '(none)'}`,
    );
    if (digest !== undefined && overlay.images?.[0]?.digest === digest) promoted.push(environment);
  }
  const release = /Released (\S+) \(tag (\S+)\)/.exec(result.jobs.get('release')?.log ?? '');
  console.log(
    `release    ${release ? `${release[1]} (tag ${release[2]}), started by hand as a release manager would` : '(none)'}`,
  );
  const leaks = await platform.canaries.scan(result, project.consumer);
  console.log(
    `secrets    ${leaks.length === 0 ? 'no credential found in any log, artifact or file the run left' : `${leaks.length} LEAKED`}`,
  );

  const failed = [...result.jobs.values()].filter((job) => job.status === 'failed');
  ok = result.exitCode === 0 && failed.length === 0 && promoted.length === 2 && leaks.length === 0;
  console.log(
    `\nPipeline ${ok ? 'passed' : 'FAILED'} in ${seconds(Date.now() - started)} (platform start included).`,
  );
  if (!ok && failed.length > 0) for (const job of failed) console.log(`\n--- ${job.name} ---\n${job.log}`);
} finally {
  await platform.close();
}
process.exitCode = ok ? 0 : 1;
