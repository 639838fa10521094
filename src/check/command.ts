import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { catalog as components } from '../../components/catalog.ts';
import { LIBRARY_PATH } from '../generate/docs.ts';
import { EXIT, OneexError } from '../runtime/errors.ts';
import { checkPipeline, formatDiagnostic } from './check.ts';

/** `oneex-ci check [file…]`: exit 1 when any file has an error; warnings alone pass. */
export async function check(
  files: readonly string[],
  io: { readonly cwd: string; readonly stdout: { write(text: string): void } },
): Promise<number> {
  let errors = 0;
  let warnings = 0;
  for (const file of files.length > 0 ? files : ['.gitlab-ci.yml']) {
    let text: string;
    try {
      text = await readFile(resolve(io.cwd, file), 'utf8');
    } catch {
      throw new OneexError(
        'ENOFILE',
        `cannot read ${file}`,
        'Give the path of a .gitlab-ci.yml file.',
        EXIT.usage,
      );
    }
    const diagnostics = checkPipeline(text, { library: LIBRARY_PATH, components });
    for (const d of diagnostics) io.stdout.write(`${formatDiagnostic(file, d)}\n`);
    errors += diagnostics.filter((d) => d.severity === 'error').length;
    warnings += diagnostics.filter((d) => d.severity === 'warning').length;
    if (diagnostics.length === 0) io.stdout.write(`${file}: ok\n`);
  }
  if (errors + warnings > 0) io.stdout.write(`${errors} error(s), ${warnings} warning(s)\n`);
  return errors > 0 ? EXIT.failed : EXIT.ok;
}
