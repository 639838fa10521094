import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

// `npm run bench`: runs every benchmark in scripts/bench/ and prints each ratio against a baseline
// measured in the same run. Benchmarks report; they never fail the build.

export interface BenchResult {
  readonly name: string;
  /** What the ratio means, e.g. "oneex-ci --version / node -e 0". */
  readonly ratio: number;
  readonly detail: string;
  /** The goal the ratio should meet (at or under), if the project set one. */
  readonly goal?: number;
}

const dir = join(import.meta.dirname, 'bench');
const only = process.argv.slice(2);
const files = (await readdir(dir)).filter(
  (f) => f.endsWith('.ts') && (only.length === 0 || only.some((o) => f.includes(o))),
);
const results: BenchResult[] = [];
for (const file of files.sort()) {
  const bench = (await import(join(dir, file))) as { default: () => Promise<BenchResult[]> };
  results.push(...(await bench.default()));
}
console.log('');
for (const r of results) {
  const verdict =
    r.goal === undefined
      ? ''
      : r.ratio <= r.goal
        ? `  (goal <= ${r.goal}: met)`
        : `  (goal <= ${r.goal}: NOT met)`;
  console.log(`${r.name}: ${r.ratio.toFixed(2)}${verdict}\n    ${r.detail}`);
}
