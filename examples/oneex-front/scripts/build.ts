import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, join, relative } from 'node:path';

// Builds the SPA into dist/: public/ as it is, and src/*.ts compiled to browser JavaScript in
// dist/assets/ with Node's own type stripping (node:module, Node 22.13+). The sources use erasable
// TypeScript only (tsconfig.json's erasableSyntaxOnly), so removing the types is the whole compilation
// and the build needs no package. Relative `.ts` imports become `.js` ones, which browsers load as modules.

const ROOT = join(import.meta.dirname, '..');
const SOURCE = join(ROOT, 'src');
const PUBLIC = join(ROOT, 'public');
const OUTPUT = join(ROOT, 'dist');

const RELATIVE_TS_IMPORT = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g;

function compile(source: string, file: string): string {
  const javascript = stripTypeScriptTypes(source, { mode: 'strip', sourceUrl: file });
  return javascript.replace(RELATIVE_TS_IMPORT, '$1$2$3.js$2');
}

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

await rm(OUTPUT, { recursive: true, force: true });
await cp(PUBLIC, OUTPUT, { recursive: true });
const files = await sources(SOURCE);
for (const file of files) {
  const target = join(OUTPUT, 'assets', relative(SOURCE, file)).replace(/\.ts$/, '.js');
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, compile(await readFile(file, 'utf8'), relative(ROOT, file)));
}
process.stdout.write(`compiled ${files.length} files to ${relative(process.cwd(), OUTPUT) || '.'}\n`);
