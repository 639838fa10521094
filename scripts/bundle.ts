import { chmod, copyFile, readFile, rm } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';

// Bundles the CLI into dist/ in three parts, so that what a command does not need is never read:
//   dist/oneex-ci.cjs  the executable: answers `--version`, else imports dist/cli.mjs (CommonJS,
//                      which Node starts ~5 ms faster than an ES module);
//   dist/cli.mjs       argument parsing, the component catalog and the input parser, in one module
//                      (each module Node loads costs a resolve and a compile: the catalog spread over
//                      13 shared chunks made `--version` 1.6x `node -e 0`);
//   dist/lib/          the actions and everything they need, split into chunks, imported by cli.mjs
//                      only when an action runs.
// The few small modules both cli.mjs and the actions use (errors, logger) exist once on each side; the
// CLI tells the actions' errors apart by a registered symbol, not by class identity (errors.ts).
// (One file holding everything is 4.4 MB that V8 must scan at every start: 4x `node -e 0`.)

const BIN = 'src/cli/bin.ts';
const CLI = 'src/cli/main.ts';
const LIB = 'dist/lib';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const version = process.env.ONEEX_CI_VERSION ?? pkg.version;

const common: BuildOptions = {
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
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __oneexCreateRequire } from 'node:module';\nconst require = __oneexCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  external: [
    // Required by @cdktf/hcl2json's Go runtime only where Node has no global `performance` (Node < 16).
    'performance',
    // semantic-release loads its plugins by name at run time: it and its plugins run from the
    // packages installed beside the CLI.
    'semantic-release',
    '@semantic-release/release-notes-generator',
  ],
};

/** The targets of the dynamic imports in what the CLI module reaches statically: the lib's entries. */
async function lazyImports(): Promise<string[]> {
  const { metafile } = await build({
    ...common,
    entryPoints: [CLI],
    write: false,
    metafile: true,
    outdir: 'dist',
  });
  const inputs = (metafile as Metafile).inputs;
  const eager = new Set<string>();
  const lazy = new Set<string>();
  const visit = (path: string): void => {
    if (eager.has(path)) return;
    eager.add(path);
    for (const imported of inputs[path]?.imports ?? []) {
      if (imported.external || imported.original?.startsWith('node:')) continue;
      if (imported.kind === 'dynamic-import') lazy.add(imported.path);
      else visit(imported.path);
    }
  };
  visit(CLI);
  return [...lazy].filter((path) => !eager.has(path));
}

await rm('dist', { recursive: true, force: true });
const lazy = await lazyImports();

const lib = await build({
  ...common,
  entryPoints: lazy,
  outdir: LIB,
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  metafile: true,
});
const outputOf = new Map<string, string>();
for (const [output, meta] of Object.entries(lib.metafile.outputs))
  if (meta.entryPoint !== undefined) outputOf.set(resolve(meta.entryPoint), output);

outputOf.set(resolve(CLI), 'dist/cli.mjs');

/** Bundles one module into one file; its dynamic imports point at the files already built for them. */
const bundleAlone = (entry: string, outfile: string, options: BuildOptions = {}) =>
  build({
    ...common,
    ...options,
    entryPoints: [entry],
    outfile,
    plugins: [
      {
        name: 'lazy-imports-from-built-files',
        setup(bundle) {
          bundle.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind !== 'dynamic-import') return undefined;
            const output = outputOf.get(resolve(args.resolveDir, args.path));
            if (output === undefined) return { errors: [{ text: `${args.path} has no bundle of its own` }] };
            return { path: `./${relative(dirname(outfile), output)}`, external: true };
          });
        },
      },
    ],
  });
await bundleAlone(CLI, 'dist/cli.mjs');
await bundleAlone(BIN, 'dist/oneex-ci.cjs', {
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  // version.ts reads package.json through import.meta only when run from source.
  define: { __ONEEX_CI_VERSION__: JSON.stringify(version), 'import.meta.url': 'undefined' },
});
await chmod('dist/oneex-ci.cjs', 0o755);

// Data files that bundled packages read beside their own code at run time.
const DATA_FILES = [
  'node_modules/@commitlint/config-validator/lib/commitlint.schema.json',
  // Python the ansible component hands to Ansible (a callback plugin and an inventory probe).
  'components/ansible/oneex_events.py',
  'components/ansible/oneex_probe.py',
];
for (const file of DATA_FILES) await copyFile(file, `${LIB}/${basename(file)}`);
// @cdktf/hcl2json reads its WebAssembly from `<its lib dir>/..`: dist/ for a chunk in dist/lib/.
await copyFile('node_modules/@cdktf/hcl2json/main.wasm.gz', 'dist/main.wasm.gz');
