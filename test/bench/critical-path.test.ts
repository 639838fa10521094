import { describe, expect, it } from 'vitest';
import { criticalPath, makespan, type PipelineJob } from '../../scripts/pipeline/critical-path.ts';

const STAGES = ['.pre', 'build', 'test', 'deploy', '.post'];
const job = (name: string, stage: string, needs: PipelineJob['needs'], extra: Partial<PipelineJob> = {}) => ({
  name,
  stage,
  needs,
  runs: true,
  deploys: false,
  ...extra,
});

describe('criticalPath', () => {
  it('follows the longest chain of needs to the deployment that ends last', () => {
    const result = criticalPath(
      [
        job('lint', 'build', []),
        job('validate', 'build', []),
        job('plan:test', 'build', [{ job: 'validate' }]),
        job('apply:test', 'deploy', [{ job: 'plan:test' }], { deploys: true }),
        job('plan:prod', 'build', [{ job: 'validate' }]),
        job('apply:prod', 'deploy', [{ job: 'plan:prod' }, { job: 'apply:test' }], { deploys: true }),
        job('smoke', 'test', [{ job: 'lint' }]),
      ],
      STAGES,
    );
    expect(result).toEqual({
      path: ['validate', 'plan:test', 'apply:test', 'apply:prod'],
      toDeployment: true,
      stages: ['build', 'test', 'deploy'],
    });
  });

  it('makes a job without needs wait for every job of the earlier stages', () => {
    const result = criticalPath(
      [
        job('a', 'build', []),
        job('b', 'test', [{ job: 'a' }]),
        job('deploy', 'deploy', null, { deploys: true }),
      ],
      STAGES,
    );
    expect(result.path).toEqual(['a', 'b', 'deploy']);
  });

  it('leaves out jobs that do not run, and optional needs on them', () => {
    const result = criticalPath(
      [
        job('review', 'build', [], { runs: false }),
        job('build', 'build', []),
        job('late', '.post', [], { runs: false }),
        job('deploy', 'deploy', [{ job: 'review', optional: true }, { job: 'build' }], { deploys: true }),
      ],
      STAGES,
    );
    expect(result).toEqual({ path: ['build', 'deploy'], toDeployment: true, stages: ['build', 'deploy'] });
  });

  it('rejects a need on a job that does not run, or on no job at all', () => {
    expect(() =>
      criticalPath([job('a', 'build', [], { runs: false }), job('b', 'test', [{ job: 'a' }])], STAGES),
    ).toThrow('b needs a, which does not run in this pipeline');
    expect(() => criticalPath([job('b', 'test', [{ job: 'ghost' }])], STAGES)).toThrow(
      'b needs ghost, which is not a job of the pipeline',
    );
  });

  it('rejects cycles', () => {
    expect(() =>
      criticalPath(
        [
          job('a', 'build', [{ job: 'c' }]),
          job('b', 'build', [{ job: 'a' }]),
          job('c', 'build', [{ job: 'b' }]),
        ],
        STAGES,
      ),
    ).toThrow(/cycle through a → c → b → a/);
    expect(() => criticalPath([job('a', 'build', [{ job: 'a' }])], STAGES)).toThrow('cycle');
  });

  it('without a deployment, ends at the job that ends last', () => {
    const result = criticalPath([job('a', 'build', []), job('b', 'test', null)], STAGES);
    expect(result).toEqual({ path: ['a', 'b'], toDeployment: false, stages: ['build', 'test'] });
  });
});

describe('makespan', () => {
  const job = (name: string, stage: string, needs: string[] | null): PipelineJob => ({
    name,
    stage,
    needs: needs === null ? null : needs.map((n) => ({ job: n })),
    runs: true,
    deploys: stage === 'deploy',
  });
  const stages = ['.pre', 'build', 'test', 'deploy'];
  const jobs = [
    job('version', '.pre', []),
    job('image', 'build', []),
    job('lint', 'test', []),
    job('promote-test', 'deploy', ['image']),
    job('promote-staging', 'deploy', ['promote-test']),
  ];
  const durations = new Map([
    ['version', 4],
    ['image', 20],
    ['lint', 7],
    ['promote-test', 3],
    ['promote-staging', 2],
  ]);

  it('starts each job when what it needs has ended, and stage by stage otherwise', () => {
    // DAG: image 20, then promote-test 3, then promote-staging 2; lint and version alongside.
    // Stages: 4 + 20 + 7, then the deploy stage twice over (promote-staging needs promote-test).
    expect(makespan(jobs, stages, durations)).toEqual({ dag: 25, staged: 36 });
  });

  it('makes a job without needs wait for every earlier stage, as GitLab does', () => {
    // lint waits for version and image, promote-test for lint too: 20, then 7, then 3, then 2.
    const staged = jobs.map((j) =>
      j.name === 'lint' || j.name === 'promote-test' ? job(j.name, j.stage, null) : j,
    );
    expect(makespan(staged, stages, durations).dag).toBe(20 + 7 + 3 + 2);
  });

  it('leaves out jobs that did not run', () => {
    expect(makespan(jobs, stages, new Map([...durations].filter(([n]) => n !== 'lint')))).toEqual({
      dag: 25,
      staged: 29,
    });
  });
});
