import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  createConsumer,
  gitlabCiLocal,
  gitlabCiLocalEnv,
  type Library,
  publishLibrary,
  readTree,
  runPipeline,
} from '../../test/support/local-pipeline.ts';
import { startOneexPlatform } from '../../test/support/oneex-platform.ts';
import type { BenchResult } from '../bench.ts';
import { criticalPath, makespan, type Need, type PipelineJob } from '../pipeline/critical-path.ts';

// The examples' default-branch pipelines, as DAGs: the longest chain of `needs` from push to the last
// deployment (in jobs) against the stages a stage-ordered pipeline would wait through. Jobs count one
// each, whatever they take. Then in time: oneex-back's pipeline runs for real on the embedded
// platform, and its measured job durations give when its last job ends as a DAG against when it
// would end stage by stage. gitlab-ci-local expands each example (components resolved from a local
// copy of the library, offline) and evaluates its rules for a push to the default branch.

const ROOT = join(import.meta.dirname, '..', '..');
const DEFAULT_BRANCH_PUSH = {
  CI_COMMIT_BRANCH: 'main',
  CI_DEFAULT_BRANCH: 'main',
  CI_PIPELINE_SOURCE: 'push',
};

interface ExpandedJob {
  readonly stage?: string;
  readonly environment?: string | { readonly action?: string };
}

interface ListedJob {
  readonly name: string;
  readonly stage: string;
  readonly when: string;
  readonly needs?: readonly Need[];
}

// `start` (the default) creates a deployment; prepare, verify, access and stop do not.
const deploys = (job: ExpandedJob | undefined): boolean =>
  job?.environment !== undefined &&
  (typeof job.environment === 'string' || (job.environment.action ?? 'start') === 'start');

/** gitlab-ci-local's output for `args`, evaluating rules as for a push to the default branch. */
async function expand(library: Library, dir: string, args: string[]): Promise<string> {
  const variables = Object.entries(DEFAULT_BRANCH_PUSH).flatMap(([key, value]) => [
    '--variable',
    `${key}=${value}`,
  ]);
  const env = gitlabCiLocalEnv(library, dir, { variables: DEFAULT_BRANCH_PUSH });
  await mkdir(env.HOME, { recursive: true });
  const { exitCode, stdout, output } = await gitlabCiLocal(dir, [...args, ...variables], env);
  if (exitCode !== 0) throw new Error(`gitlab-ci-local ${args.join(' ')} failed:\n${output}`);
  return stdout;
}

/** The default-branch pipeline of one example repository, as the critical-path module takes it. */
export async function examplePipeline(
  library: Library,
  example: string,
): Promise<{ jobs: PipelineJob[]; stages: string[] }> {
  const consumer = await createConsumer({
    project: `oneex/${example}`,
    files: await readTree(join(ROOT, 'examples', example)),
  });
  try {
    const preview = await expand(library, consumer.dir, ['--preview']);
    const expanded = (parseAllDocuments(preview)
      .map((d) => d.toJSON() as unknown)
      .find((d) => d !== null && typeof d === 'object') ?? {}) as Record<string, unknown>;
    const stages = (expanded.stages as string[] | undefined) ?? ['.pre', 'build', 'test', 'deploy', '.post'];
    const listing = await expand(library, consumer.dir, ['--list-json']);
    const listed = JSON.parse(listing.slice(listing.indexOf('['))) as ListedJob[];
    const jobs = listed.map(
      (job): PipelineJob => ({
        name: job.name,
        stage: job.stage,
        needs: job.needs ?? null,
        runs: job.when !== 'never',
        deploys: deploys(expanded[job.name] as ExpandedJob | undefined),
      }),
    );
    return { jobs, stages };
  } finally {
    await rm(consumer.dir, { recursive: true, force: true });
  }
}

export default async function criticalPathBench(): Promise<BenchResult[]> {
  const examples = (await readdir(join(ROOT, 'examples'), { withFileTypes: true }))
    .filter((e) => e.isDirectory() && existsSync(join(ROOT, 'examples', e.name, '.gitlab-ci.yml')))
    .map((e) => e.name)
    .sort();
  const libraryDir = await mkdtemp(join(tmpdir(), 'oneex-bench-library-'));
  const library = await publishLibrary({ dir: libraryDir });
  try {
    const results: BenchResult[] = [];
    for (const example of examples) {
      const { jobs, stages } = await examplePipeline(library, example);
      const result = criticalPath(jobs, stages);
      const end = result.toDeployment ? 'to the last deployment' : 'no deployment job; to the last job';
      const line = `${example}: critical path ${result.path.length} jobs (${result.path.join(' → ')}) vs ${result.stages.length} stages`;
      console.log(line);
      results.push({
        name: `Critical path of the default-branch pipeline, jobs / stages (examples/${example})`,
        ratio: result.path.length / result.stages.length,
        detail: `${line} (${result.stages.join(', ')}); ${end}; ${jobs.filter((j) => j.runs).length} of ${jobs.length} jobs run`,
      });
    }
    results.push(await measuredMakespan('oneex-back'));
    return results;
  } finally {
    await rm(libraryDir, { recursive: true, force: true });
  }
}

/** One real default-branch run of an example: its jobs' durations, scheduled both ways. */
async function measuredMakespan(example: string): Promise<BenchResult> {
  const app = example.replace(/^oneex-/, '');
  const platform = await startOneexPlatform({ apps: [app] });
  try {
    const project = await platform.project(`oneex/${app}`, await readTree(join(ROOT, 'examples', example)));
    const result = await runPipeline(platform.library, project.consumer, {
      variables: await platform.variables(project),
      path: [platform.toolDoubles],
      timeoutMs: 600_000,
    });
    if (result.exitCode !== 0) throw new Error(`the ${example} pipeline failed:\n${result.output}`);
    const durations = new Map([...result.jobs.values()].map((job) => [job.name, job.durationMs / 1000]));
    const { jobs, stages } = await examplePipeline(platform.library, example);
    const { dag, staged } = makespan(jobs, stages, durations);
    const each = [...durations].map(([name, s]) => `${name} ${s.toFixed(1)} s`).join(', ');
    return {
      name: `Default-branch pipeline of examples/${example}, measured: DAG / stage-ordered`,
      ratio: dag / staged,
      detail: `last job ends at ${dag.toFixed(1)} s as a DAG, ${staged.toFixed(1)} s stage by stage (${each})`,
    };
  } finally {
    await platform.close();
  }
}
