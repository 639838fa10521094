// The critical path of a pipeline's DAG: with `needs:`, a job starts as soon as the jobs it needs are
// done, so the deployment waits through the longest chain of needs, not through every stage.

export interface Need {
  readonly job: string;
  readonly optional?: boolean;
}

export interface PipelineJob {
  readonly name: string;
  readonly stage: string;
  /** `null`: no `needs:` keyword, so the job waits for every job of the earlier stages, as GitLab runs it. */
  readonly needs: readonly Need[] | null;
  /** False when the pipeline's rules leave the job out (`when: never`). */
  readonly runs: boolean;
  /** A job that deploys: it has an `environment:` whose action starts a deployment. */
  readonly deploys: boolean;
}

export interface CriticalPath {
  /** The jobs of the longest chain, first to last. */
  readonly path: readonly string[];
  /** True when the chain ends at a deployment job; false when no job that runs deploys. */
  readonly toDeployment: boolean;
  /** The distinct stages of the jobs that run, in `stages:` order: what a stage-ordered pipeline waits through. */
  readonly stages: readonly string[];
}

export class PipelineGraphError extends Error {
  override readonly name = 'PipelineGraphError';
}

/** The jobs each running job waits for, as GitLab would create the pipeline. */
function predecessors(
  job: PipelineJob,
  running: ReadonlyMap<string, PipelineJob>,
  all: ReadonlyMap<string, PipelineJob>,
  stages: readonly string[],
): string[] {
  if (job.needs === null) {
    const own = stages.indexOf(job.stage);
    return [...running.values()].filter((other) => stages.indexOf(other.stage) < own).map((o) => o.name);
  }
  const names: string[] = [];
  for (const need of job.needs) {
    if (running.has(need.job)) names.push(need.job);
    else if (need.optional === true)
      continue; // GitLab drops an optional need on a job that does not run.
    else if (all.has(need.job))
      throw new PipelineGraphError(`${job.name} needs ${need.job}, which does not run in this pipeline`);
    else throw new PipelineGraphError(`${job.name} needs ${need.job}, which is not a job of the pipeline`);
  }
  return names;
}

export function criticalPath(jobs: readonly PipelineJob[], stages: readonly string[]): CriticalPath {
  const all = new Map(jobs.map((job) => [job.name, job]));
  const running = new Map(jobs.filter((job) => job.runs).map((job) => [job.name, job]));
  for (const job of running.values())
    if (!stages.includes(job.stage))
      throw new PipelineGraphError(`${job.name} is in stage ${job.stage}, not in stages:`);
  const before = new Map(
    [...running.values()].map((job) => [job.name, predecessors(job, running, all, stages)]),
  );

  // Longest chain ending at each job, by depth-first search; a job met again while open is a cycle.
  const longest = new Map<string, readonly string[]>();
  const open = new Set<string>();
  const chainTo = (name: string): readonly string[] => {
    const known = longest.get(name);
    if (known !== undefined) return known;
    if (open.has(name))
      throw new PipelineGraphError(`the needs form a cycle through ${[...open, name].join(' → ')}`);
    open.add(name);
    let best: readonly string[] = [];
    for (const previous of before.get(name) ?? []) {
      const chain = chainTo(previous);
      if (chain.length > best.length) best = chain;
    }
    open.delete(name);
    const chain = [...best, name];
    longest.set(name, chain);
    return chain;
  };

  const deployments = [...running.values()].filter((job) => job.deploys);
  const ends = deployments.length > 0 ? deployments : [...running.values()];
  let path: readonly string[] = [];
  for (const job of running.values()) chainTo(job.name); // every cycle is found, not only the path's
  for (const job of ends) {
    const chain = chainTo(job.name);
    if (chain.length >= path.length) path = chain;
  }
  const used = new Set([...running.values()].map((job) => job.stage));
  return { path, toDeployment: deployments.length > 0, stages: stages.filter((stage) => used.has(stage)) };
}

export interface Makespan {
  /** When the last job ends, each job starting as soon as what it waits for has ended (the DAG). */
  readonly dag: number;
  /**
   * The same jobs in a stage-ordered pipeline: each stage starts when the one before has ended; a job
   * that needs another of its own stage (test → staging promotions) gets a stage of its own after it.
   */
  readonly staged: number;
}

/** Both schedules of the jobs that ran, from each job's measured duration. */
export function makespan(
  jobs: readonly PipelineJob[],
  stages: readonly string[],
  durations: ReadonlyMap<string, number>,
): Makespan {
  const all = new Map(jobs.map((job) => [job.name, job]));
  const running = new Map(jobs.filter((job) => job.runs && durations.has(job.name)).map((j) => [j.name, j]));
  const before = new Map(
    [...running.values()].map((job) => [job.name, predecessors(job, running, all, stages)]),
  );
  const end = new Map<string, number>();
  const endOf = (name: string): number => {
    const known = end.get(name);
    if (known !== undefined) return known;
    const start = Math.max(0, ...(before.get(name) ?? []).map(endOf));
    const finish = start + (durations.get(name) ?? 0);
    end.set(name, finish);
    return finish;
  };
  const dag = Math.max(0, ...[...running.keys()].map(endOf));

  // Stage-ordered: a job's level is its stage, then its depth among the jobs of that stage it needs.
  const depth = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const stage = running.get(name)?.stage;
    const sameStage = (before.get(name) ?? []).filter((other) => running.get(other)?.stage === stage);
    const value = sameStage.length === 0 ? 0 : 1 + Math.max(...sameStage.map(depthOf));
    depth.set(name, value);
    return value;
  };
  const longestPerLevel = new Map<string, number>();
  for (const [name, job] of running) {
    const key = `${stages.indexOf(job.stage)}:${depthOf(name)}`;
    longestPerLevel.set(key, Math.max(longestPerLevel.get(key) ?? 0, durations.get(name) ?? 0));
  }
  const staged = [...longestPerLevel.values()].reduce((sum, d) => sum + d, 0);
  return { dag, staged };
}
