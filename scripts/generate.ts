import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { catalog } from '../components/catalog.ts';
import { formatProblem } from '../src/generate/conformance.ts';
import { generate, templatePath } from '../src/generate/files.ts';

// `npm run generate` writes templates/ and each component's README from the definitions.
// `npm run generate -- --check` writes nothing and fails naming every file that differs.

const root = join(import.meta.dirname, '..');
const check = process.argv.includes('--check');

const { files, problems } = await generate(root, catalog);
if (problems.length > 0) {
  console.error(`${problems.length} problem(s) in the component definitions; nothing was written:`);
  for (const problem of problems) console.error(`  ${formatProblem(problem)}`);
  process.exit(1);
}

const expected = new Set(files.map((f) => f.path));
const strays = (await readdir(join(root, 'templates')).catch(() => []))
  .map((name) => `templates/${name}`)
  .filter((path) => !expected.has(path));

if (check) {
  const stale: string[] = [];
  for (const file of files) {
    const actual = await readFile(join(root, file.path), 'utf8').catch(() => undefined);
    if (actual !== file.content) stale.push(`${file.path} (${actual === undefined ? 'missing' : 'differs'})`);
  }
  for (const stray of strays) stale.push(`${stray} (no component defines it)`);
  if (stale.length > 0) {
    console.error('Generated files are out of date; run `npm run generate` and commit the result:');
    for (const line of stale) console.error(`  ${line}`);
    process.exit(1);
  }
  console.log(`${files.length} generated files are up to date.`);
} else {
  for (const file of files) {
    await mkdir(dirname(join(root, file.path)), { recursive: true });
    await writeFile(join(root, file.path), file.content);
  }
  for (const stray of strays) await rm(join(root, stray));
  console.log(`Wrote ${files.length} files (${catalog.map((c) => templatePath(c.name)).join(', ')}).`);
}
