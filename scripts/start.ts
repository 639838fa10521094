import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createConsumer, publishLibrary, removeAll, runPipeline } from '../test/support/local-pipeline.ts';

// `npm start`: the main job. Runs an example Oneex pipeline end to end, locally, on embedded defaults,
// and prints what happened. Exits non-zero when the pipeline does not behave as the example says.

const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'commitlint-pilot');
const files = Object.fromEntries(
  await Promise.all(
    (await readdir(EXAMPLE)).map(
      async (name) => [name, await readFile(join(EXAMPLE, name), 'utf8')] as const,
    ),
  ),
);

const library = await publishLibrary({ versions: ['1.0.0'] });
const repo = await createConsumer({
  project: 'oneex/back',
  files,
  firstMessage: 'chore: set up the pipeline',
});
const base = (await repo.git(['rev-parse', 'HEAD'])).trim();
await repo.commit({
  message: 'feat(api): verify the MRZ of a passport',
  files: { 'src/mrz.ts': 'export {};\n' },
});
await repo.commit({
  message: 'fix(api): reject expired documents',
  files: { 'src/expiry.ts': 'export {};\n' },
});

console.log('Running the merge request pipeline of examples/commitlint-pilot (gitlab-ci-local, offline)…');
const started = Date.now();
const result = await runPipeline(library, repo, {
  variables: {
    CI_PIPELINE_SOURCE: 'merge_request_event',
    CI_MERGE_REQUEST_DIFF_BASE_SHA: base,
    CI_MERGE_REQUEST_IID: '1',
  },
});

console.log('');
console.log('job            status     duration');
for (const job of result.jobs.values()) {
  console.log(`${job.name.padEnd(14)} ${job.status.padEnd(10)} ${(job.durationMs / 1000).toFixed(2)} s`);
}
console.log('');
const job = result.jobs.get('commitlint');
for (const line of (job?.log ?? result.output).split('\n').filter((l) => /[✔✖⚠]/.test(l)))
  console.log(`  ${line}`);
console.log(
  `\nPipeline ${result.exitCode === 0 ? 'passed' : 'failed'} in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
);

await removeAll(repo.dir, library.bare.replace('file://', '').replace(/\/ci-components\.git$/, ''));
process.exitCode = result.exitCode === 0 && job?.status === 'success' ? 0 : 1;
