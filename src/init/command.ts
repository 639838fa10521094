import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { presets } from '../../components/catalog.ts';
import type { Io } from '../cli/main.ts';
import { VERSION } from '../cli/version.ts';
import { LIBRARY_PATH } from '../generate/docs.ts';
import { EXIT, OneexError, UsageError } from '../runtime/errors.ts';
import { didYouMean } from '../runtime/suggest.ts';
import { type Detection, detectStacks, PRESETS, type Preset } from './detect.ts';
import { reasonOf, renderStarter } from './starter.ts';

// `oneex-ci init`, for developers' machines: the first .gitlab-ci.yml of a repository.

export const INIT_HELP = `oneex-ci init: writes a starter .gitlab-ci.yml for the repository in this directory, the
preset that fits what it holds, pinned to this release's major version.

Usage: oneex-ci init [--preset <name>] [--force] [--stdout]

  package.json                           -> node-service
  pyproject.toml, setup.cfg, setup.py,
  requirements.txt                       -> python-service
  *.csproj, *.sln                        -> dotnet-service
  *.tf                                   -> infra
(in the directory and its subdirectories one level down; node_modules and hidden ones are skipped)

  --preset <name>  Use this preset, whatever the repository holds: ${PRESETS.join(', ')}.
  --force          Replace an existing .gitlab-ci.yml.
  --stdout         Print the file instead of writing it.
`;

const FILE = '.gitlab-ci.yml';
const help = 'Run `oneex-ci init --help`.';

interface InitArgs {
  readonly preset?: Preset;
  readonly force: boolean;
  readonly stdout: boolean;
  readonly help: boolean;
}

function parsePreset(value: string | undefined): Preset {
  if (value === undefined || value === '' || value.startsWith('--'))
    throw new UsageError(`--preset needs a value: one of ${PRESETS.join(', ')}.`, help);
  if (!(PRESETS as readonly string[]).includes(value))
    throw new UsageError(
      `--preset "${value}" is not a preset; expected one of ${PRESETS.join(', ')}.${didYouMean(value, PRESETS)}`,
      help,
    );
  return value as Preset;
}

export function parseInitArgs(args: readonly string[]): InitArgs {
  let preset: Preset | undefined;
  let force = false;
  let stdout = false;
  let wantsHelp = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--help' || arg === '-h') wantsHelp = true;
    else if (arg === '--force') force = true;
    else if (arg === '--stdout') stdout = true;
    else if (arg === '--preset') preset = parsePreset(args[++i]);
    else if (arg.startsWith('--preset=')) preset = parsePreset(arg.slice('--preset='.length));
    else
      throw new UsageError(
        `Unknown argument "${arg}"; expected --preset <name>, --force, --stdout or --help.${didYouMean(arg, ['--preset', '--force', '--stdout', '--help'])}`,
        help,
      );
  }
  return { ...(preset !== undefined ? { preset } : {}), force, stdout, help: wantsHelp };
}

function choose(found: readonly Detection[]): Detection {
  const [only, ...others] = found;
  if (only === undefined)
    throw new OneexError(
      'ENOSTACK',
      'No stack found here: no package.json, pyproject.toml, setup.cfg, requirements.txt, *.csproj, *.sln or *.tf in this directory or one level down.',
      `Run it in the repository's root, or choose: oneex-ci init --preset <${PRESETS.join('|')}>.`,
      EXIT.usage,
    );
  if (others.length > 0)
    throw new OneexError(
      'EAMBIGUOUS',
      `Several stacks found: ${found.map((d) => `${d.preset} (${d.evidence.slice(0, 3).join(', ')})`).join('; ')}.`,
      `Choose one: oneex-ci init --preset <${found.map((d) => d.preset).join('|')}>.`,
      EXIT.usage,
    );
  return only;
}

export async function initCommand(io: Io, args: readonly string[]): Promise<number> {
  const options = parseInitArgs(args);
  if (options.help) {
    io.stdout.write(INIT_HELP);
    return EXIT.ok;
  }
  const target = join(io.cwd, FILE);
  const exists = await access(target).then(
    () => true,
    () => false,
  );
  if (exists && !options.force && !options.stdout)
    throw new OneexError(
      'EEXISTS',
      `${FILE} already exists in ${io.cwd}; not replacing it.`,
      'Run `oneex-ci init --stdout` to see the starter, or `--force` to replace the file.',
      EXIT.usage,
    );
  let preset: Preset;
  let reason: string;
  if (options.preset !== undefined) {
    preset = options.preset;
    reason = 'Chosen with `oneex-ci init --preset`.';
  } else {
    const detection = choose(await detectStacks(io.cwd));
    preset = detection.preset;
    reason = reasonOf(detection);
  }
  const definition = presets.find((p) => p.name === preset);
  if (definition === undefined) throw new Error(`preset "${preset}" is not in the catalog`);
  const text = renderStarter({ preset: definition, reason, library: LIBRARY_PATH, version: VERSION });
  if (options.stdout) {
    io.stdout.write(text);
    return EXIT.ok;
  }
  await writeFile(target, text);
  io.stdout.write(`✔ Wrote ${FILE} (${preset}). Check it with \`oneex-ci check\`, then commit it.\n`);
  return EXIT.ok;
}
