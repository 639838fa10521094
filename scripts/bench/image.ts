import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { branchPipeline, json, runImage, sha } from '../../test/components/image/fixture.ts';
import { containersEnv, pushBaseImage, startRegistry } from '../../test/support/registry.ts';
import type { BenchResult } from '../bench.ts';

// The image component's layer cache, measured: examples/image is built through the CLI on a fresh
// runner (empty containers storage, empty cache repository), then its application code changes and it
// is built again on another fresh runner, which has only the registry's cache to go on. The ratio is
// cached / cold wall time; rounds use their own repositories and the median is reported. The example's
// dependency step (it stands for `npm ci`) takes a few seconds here; a real install takes tens of
// seconds, so real projects gain more than this measures.

const ROOT = join(import.meta.dirname, '..', '..');
const ROUNDS = 3;
const DRIVERS = ['vfs', 'overlay'] as const;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

export default async function imageBench(): Promise<BenchResult[]> {
  const registry = await startRegistry();
  const dirs: string[] = [];
  const temp = async (prefix: string) => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  try {
    const base = await pushBaseImage(registry, await containersEnv(await temp('oneex-bench-storage-')));
    const results: BenchResult[] = [];
    for (const driver of DRIVERS) {
      const cold: number[] = [];
      const cached: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const project = await temp('oneex-bench-project-');
        await cp(join(ROOT, 'examples', 'image'), project, { recursive: true });
        const build = async (commit: string) => {
          const variables = {
            ...(await containersEnv(await temp('oneex-bench-storage-'), driver)),
            ...branchPipeline(commit, { CI_PROJECT_PATH: `oneex/bench-${driver}-${round}` }),
            HARBOR_HOST: registry.host,
            HARBOR_USERNAME: registry.username,
            HARBOR_PASSWORD: registry.password,
            ONEEX_IMAGE_CA_FILE: registry.caFile,
            ONEEX_IMAGE_BUILD_ARGS: json([`BASE=${base}`]),
            ONEEX_IMAGE_STORAGE_DRIVER: driver,
          };
          const started = process.hrtime.bigint();
          const result = await runImage(project, variables);
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          if (result.exitCode !== 0) throw new Error(`image build failed:\n${result.output}`);
          return ms;
        };
        cold.push(await build(sha(round * 2 + 1)));
        await writeFile(join(project, 'src', 'index.html'), `<!doctype html><p>release ${round}</p>\n`);
        cached.push(await build(sha(round * 2 + 2)));
      }
      const coldMs = median(cold);
      const cachedMs = median(cached);
      results.push({
        name: `Image build after an application-code change, registry cache / cold (examples/image, ${driver})`,
        ratio: cachedMs / coldMs,
        ...(driver === 'vfs' ? { goal: 0.4 } : {}),
        detail:
          `median of ${ROUNDS}: cached ${(cachedMs / 1000).toFixed(1)} s vs cold ${(coldMs / 1000).toFixed(1)} s; ` +
          'each build on an empty containers storage, as on a new runner; build, push and tags included',
      });
    }
    return results;
  } finally {
    await registry.stop();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
