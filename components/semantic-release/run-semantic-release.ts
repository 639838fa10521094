import { Writable } from 'node:stream';
import { cosmiconfig } from 'cosmiconfig';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, type ExitCode, OneexError } from '../../src/runtime/errors.ts';

// semantic-release through its JS API. It is not bundled into the CLI: it loads its plugins by name
// at run time, so it runs from the installed package beside the CLI (the job image has it; so do the
// library's node_modules). Everything it prints goes through the job's redacting logger.

export interface ReleaseInfo {
  readonly version: string;
  readonly gitTag: string;
  readonly type?: string;
  readonly channel?: string | null;
  readonly notes?: string;
}

export interface Outcome {
  /** undefined when no release is due (no relevant commits, or not a release branch). */
  readonly next?: ReleaseInfo;
  readonly last?: { readonly version?: string; readonly gitTag?: string };
}

/** The repository's own configuration, found where semantic-release looks (cosmiconfig "release"). */
export async function repositoryConfig(cwd: string): Promise<string | undefined> {
  try {
    const found = await cosmiconfig('release').search(cwd);
    return found === null || found.isEmpty === true ? undefined : found.filepath;
  } catch (error) {
    throw new OneexError(
      'ECONFIG',
      `The repository's semantic-release configuration could not be read: ${(error as Error).message}`,
      'Fix the configuration file (.releaserc*, release.config.*, or the "release" key of package.json).',
      EXIT.usage,
    );
  }
}

type SemanticRelease = (
  options: Record<string, unknown>,
  environment: {
    cwd: string;
    env: Record<string, string>;
    stdout: NodeJS.WritableStream;
    stderr: NodeJS.WritableStream;
  },
) => Promise<
  | false
  | {
      nextRelease?: ReleaseInfo;
      lastRelease?: { version?: string; gitTag?: string };
    }
>;

/** A stream that hands whole lines to the logger (which redacts them). */
function logStream(context: RunContext): Writable & { flush(): void } {
  let pending = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) context.log.line(line);
      done();
    },
  }) as Writable & { flush(): void };
  stream.flush = () => {
    if (pending !== '') context.log.line(pending);
    pending = '';
  };
  return stream;
}

interface SemanticReleaseError {
  readonly semanticRelease?: boolean;
  readonly code?: string;
  readonly message: string;
  readonly details?: string;
}

const UNAVAILABLE = new Set([
  'EGITNOPERMISSION',
  'EINVALIDGLTOKEN',
  'EGLNOPUSHPERMISSION',
  'EGLNOPULLPERMISSION',
  'EMISSINGREPO',
  'ENOGLTOKEN',
]);

function exitCodeOf(code: string): ExitCode {
  if (UNAVAILABLE.has(code)) return EXIT.unavailable;
  if (
    /CONF|BRANCH|TAGFORMAT|REPOURL|ENOGITREPO|ETAGNOVERSION|EINVALID(?!NEXTVERSION|MAINTENANCEMERGE)/.test(
      code,
    )
  )
    return EXIT.usage;
  return EXIT.failed;
}

/** semantic-release's errors (one, or an AggregateError of several) as one OneexError with its codes. */
export function releaseError(error: unknown): OneexError {
  const all: SemanticReleaseError[] =
    error instanceof AggregateError
      ? (error.errors as SemanticReleaseError[])
      : Array.isArray((error as { errors?: unknown }).errors)
        ? ((error as { errors: SemanticReleaseError[] }).errors ?? [])
        : [error as SemanticReleaseError];
  const known = all.filter((e) => e.semanticRelease === true && typeof e.code === 'string');
  if (known.length === 0) {
    const message = all.map((e) => e.message).join('; ');
    return new OneexError(
      'ERELEASE',
      `semantic-release failed: ${message}`,
      'The log above shows the step that failed.',
      EXIT.failed,
    );
  }
  const first = known[0] as SemanticReleaseError & { code: string };
  return new OneexError(
    first.code,
    known.map((e) => `${e.code}: ${e.message}`).join('\n'),
    (first.details ?? 'The log above shows the step that failed.').trim().split('\n')[0] ?? '',
    exitCodeOf(first.code),
  );
}

export async function runSemanticRelease(
  options: Record<string, unknown>,
  env: Record<string, string>,
  context: RunContext,
): Promise<Outcome> {
  // A runtime import the bundler leaves alone (scripts/bundle.ts marks the package external).
  const { default: semanticRelease } = (await import('semantic-release')) as { default: SemanticRelease };
  const stdout = logStream(context);
  const stderr = logStream(context);
  try {
    const result = await semanticRelease(options, { cwd: context.cwd, env, stdout, stderr });
    if (result === false || result.nextRelease === undefined) {
      return result === false ? {} : { ...(result.lastRelease ? { last: result.lastRelease } : {}) };
    }
    return { next: result.nextRelease, ...(result.lastRelease ? { last: result.lastRelease } : {}) };
  } catch (error) {
    throw releaseError(error);
  } finally {
    stdout.flush();
    stderr.flush();
  }
}

/** The variables semantic-release and its GitLab plugin read to know the job (env-ci's GitLab detection). */
export function jobEnv(context: RunContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(context.ci)) if (value !== undefined) env[name] = value;
  // The token variables are passed on purpose by the release action only.
  delete env.GITLAB_TOKEN;
  delete env.GL_TOKEN;
  return env;
}
