import { chmod, copyFile, readFile, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { build } from 'esbuild';

// Bundles the CLI into dist/: one entry, dist/oneex-ci.mjs, that the job image runs with plain `node`,
// and the actions' code in chunks beside it that the entry imports only when an action runs. (One file
// holding everything is 4.4 MB that V8 must scan at every start: 4x the startup of `node -e 0`.)

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const version = process.env.ONEEX_CI_VERSION ?? pkg.version;

await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/bin.ts'],
  outdir: 'dist',
  entryNames: 'oneex-ci',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  legalComments: 'linked',
  sourcemap: false,
  // CommonJS dependencies that find their data files beside their code (@cdktf/hcl2json) read
  // __dirname, which an ES module lacks: give them the directory of the chunk they are bundled into.
  define: { __ONEEX_CI_VERSION__: JSON.stringify(version), __dirname: 'import.meta.dirname' },
  external: [
    // Required by @cdktf/hcl2json's Go runtime only where Node has no global `performance` (Node < 16).
    'performance',
    // semantic-release loads its plugins by name at run time: it and its plugins run from the
    // packages installed beside the CLI.
    'semantic-release',
    '@semantic-release/release-notes-generator',
  ],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __oneexCreateRequire } from 'node:module';\nconst require = __oneexCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
await chmod('dist/oneex-ci.mjs', 0o755);

// Data files that bundled packages read beside their own code at run time.
const DATA_FILES = [
  'node_modules/@commitlint/config-validator/lib/commitlint.schema.json',
  // Python the ansible component hands to Ansible (a callback plugin and an inventory probe).
  'components/ansible/oneex_events.py',
  'components/ansible/oneex_probe.py',
];
for (const file of DATA_FILES) await copyFile(file, `dist/chunks/${basename(file)}`);
// @cdktf/hcl2json reads its WebAssembly from `<its lib dir>/..`: dist/ for a chunk in dist/chunks/.
await copyFile('node_modules/@cdktf/hcl2json/main.wasm.gz', 'dist/main.wasm.gz');
