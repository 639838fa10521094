import { $ } from 'zx';
import type { Redactor } from './redact.ts';

// The one way the CLI runs another program, through zx. Arguments go as an array that zx quotes one by
// one (so nothing in them is re-parsed by the shell), secrets go by environment or stdin (argv is visible to every process on the host), and
// whatever the program prints is redacted before it reaches the job log.

export interface ExecOptions {
  readonly cwd: string;
  /** Added to the inherited environment (see `childEnvironment`); put secrets here, never in `args`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to the program's stdin, then closed. */
  readonly input?: string;
  /** Stream redacted output to the log as it comes (for long-running tools). */
  readonly echo?: (line: string) => void;
  readonly redactor: Redactor;
  readonly timeoutMs?: number;
}

export interface ExecResult {
  readonly exitCode: number;
  /** Redacted, like everything the CLI keeps. */
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Variables no program the CLI runs may inherit: the job's ID token logs in to Vault as the job, and
 * only the CLI does that. (Tools such as Terraform providers or Ansible modules run code the job did
 * not write.) A caller that must pass one gives it in `env` explicitly.
 */
export const WITHHELD_VARIABLES = ['ONEEX_VAULT_ID_TOKEN'] as const;

/** The environment of a child: the CLI's own, less the withheld variables, plus `extra`. */
export function childEnvironment(
  inherited: Readonly<Record<string, string | undefined>>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...inherited };
  for (const name of WITHHELD_VARIABLES) delete env[name];
  return { ...env, ...extra };
}

export async function exec(
  command: string,
  args: readonly string[],
  options: ExecOptions,
): Promise<ExecResult> {
  const run = $({
    cwd: options.cwd,
    env: childEnvironment(process.env, options.env),
    input: options.input ?? '',
    quiet: true,
    nothrow: true,
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
  });
  // zx quotes every element of an interpolated array, so `args` reach the program as given.
  const child = run`${command} ${args}`;
  const echo = options.echo;
  if (echo !== undefined) {
    // Whole lines only: a secret split across two chunks must still be redacted as one.
    const forwarder = () => {
      let pending = '';
      return {
        data(chunk: Buffer) {
          const lines = (pending + chunk.toString('utf8')).split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) echo(options.redactor.redact(line.replace(/\r$/, '')));
        },
        end() {
          if (pending !== '') echo(options.redactor.redact(pending));
          pending = '';
        },
      };
    };
    for (const stream of [child.stdout, child.stderr]) {
      const forward = forwarder();
      stream.on('data', forward.data);
      stream.on('end', forward.end);
    }
  }
  const output = await child;
  if (output.exitCode === 127) throw new Error(`${command} is not installed or not on PATH`);
  // No exit code means the program never ran (zx could not spawn it) or a signal ended it.
  if ((output.exitCode === null && output.signal === null) || (output.exitCode ?? 0) < 0) {
    throw new Error(`could not run ${command} in ${options.cwd}: ${options.redactor.redact(output.message)}`);
  }
  return {
    exitCode: output.exitCode ?? 128,
    stdout: options.redactor.redact(output.stdout),
    stderr: options.redactor.redact(output.stderr),
  };
}
