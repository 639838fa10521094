import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { BenchResult } from '../bench.ts';

// Startup of a no-op CLI command against `node -e 0` on the same Node, runs interleaved so that
// machine noise hits all alike; medians of many runs.

const ROOT = join(import.meta.dirname, '..', '..');
const RUNS = 25;

function time(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

export default async function cliStartup(): Promise<BenchResult[]> {
  const commands = {
    baseline: ['-e', '0'],
    bundle: [join(ROOT, 'dist', 'oneex-ci.cjs'), '--version'],
    // A command that loads the whole component catalog and input parser, as every job's command does.
    catalog: [join(ROOT, 'dist', 'oneex-ci.cjs'), 'vault', '--help'],
    source: ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), '--version'],
  };
  const samples: Record<keyof typeof commands, number[]> = {
    baseline: [],
    bundle: [],
    catalog: [],
    source: [],
  };
  for (const args of Object.values(commands)) time(args); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    for (const [name, args] of Object.entries(commands))
      samples[name as keyof typeof commands].push(time(args));
  }
  const baseline = median(samples.baseline);
  const bundle = median(samples.bundle);
  const catalog = median(samples.catalog);
  const source = median(samples.source);
  return [
    {
      name: 'CLI startup, bundle (oneex-ci --version / node -e 0)',
      ratio: bundle / baseline,
      goal: 1.25,
      detail: `median of ${RUNS}: ${bundle.toFixed(1)} ms vs ${baseline.toFixed(1)} ms (Node ${process.versions.node})`,
    },
    {
      name: 'CLI startup with the component catalog (oneex-ci vault --help / node -e 0)',
      ratio: catalog / baseline,
      detail: `median of ${RUNS}: ${catalog.toFixed(1)} ms vs ${baseline.toFixed(1)} ms`,
    },
    {
      name: 'CLI startup, unbundled source through tsx (for comparison)',
      ratio: source / baseline,
      detail: `median of ${RUNS}: ${source.toFixed(1)} ms vs ${baseline.toFixed(1)} ms`,
    },
  ];
}
