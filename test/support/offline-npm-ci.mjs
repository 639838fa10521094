#!/usr/bin/env node
// Offline stand-in for `npm ci`, run in a project directory: links each devDependency of its
// package.json from this library's node_modules (tests have no registry), and the executables npm
// would link for the tools the lint component runs. Jobs run it as the lint component's `install`
// command; tests call it directly.
import { mkdir, readFile, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const LIBRARY_MODULES = join(import.meta.dirname, '..', '..', 'node_modules');
const BINS = {
  eslint: 'eslint/bin/eslint.js',
  prettier: 'prettier/bin/prettier.cjs',
  tsc: 'typescript/bin/tsc',
};

const dir = process.argv[2] ?? process.cwd();
const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
const modules = join(dir, 'node_modules');
await mkdir(join(modules, '.bin'), { recursive: true });
for (const name of Object.keys(manifest.devDependencies ?? {})) {
  await mkdir(dirname(join(modules, name)), { recursive: true });
  await symlink(join(LIBRARY_MODULES, name), join(modules, name));
}
for (const [bin, target] of Object.entries(BINS))
  await symlink(join('..', target), join(modules, '.bin', bin));
