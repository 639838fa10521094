import { VERSION } from './version.ts';

// The executable, bundled as CommonJS (Node starts a CommonJS file faster than an ES module).
// `--version` is answered here, before the component catalog loads: it is the no-op that scripts and
// images call to probe the CLI, and its startup is measured (`npm run bench`). Everything else goes to
// `main`, loaded on demand.

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  // A reader that stops early (`oneex-ci check | head`) closes the pipe: that ends the output, not
  // the CLI with a stack trace.
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  void import('./main.ts')
    .then(({ main }) =>
      main({ argv, env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr }),
    )
    .then((code) => {
      process.exitCode = code;
    });
}
