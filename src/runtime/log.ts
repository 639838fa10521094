import type { Redactor } from './redact.ts';

// Job logs as GitLab shows them: collapsible sections, and colour only where the log renders it
// (GitLab's job log does; a pipe to a file does not). Every line goes through the redactor first.

export interface LogTarget {
  write(text: string): void;
}

export interface LoggerOptions {
  readonly out: LogTarget;
  readonly colour: boolean;
  readonly redactor: Redactor;
  /** Seconds since the epoch, for section markers; injectable so tests are deterministic. */
  readonly now?: () => number;
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;
export type Style = keyof typeof CODES;

export class Logger {
  private readonly now: () => number;
  constructor(private readonly options: LoggerOptions) {
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** Whether the log renders ANSI colour, so tools the CLI runs can be told to colour their output too. */
  get colour(): boolean {
    return this.options.colour;
  }

  style(text: string, style: Style): string {
    return this.options.colour ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
  }

  line(text = ''): void {
    this.options.out.write(`${this.options.redactor.redact(text)}\n`);
  }

  info(text: string): void {
    this.line(text);
  }

  success(text: string): void {
    this.line(this.style(`✔ ${text}`, 'green'));
  }

  warn(text: string): void {
    this.line(this.style(`⚠ ${text}`, 'yellow'));
  }

  error(text: string): void {
    this.line(this.style(`✖ ${text}`, 'red'));
  }

  /** A collapsible section (docs.gitlab.com/ci/jobs/job_logs#custom-collapsible-sections). */
  async section<T>(name: string, header: string, body: () => Promise<T>, collapsed = false): Promise<T> {
    const id = name.replace(/[^a-zA-Z0-9_.-]/g, '_');
    const marker = (kind: 'start' | 'end') =>
      `\u001b[0Ksection_${kind}:${this.now()}:${id}${kind === 'start' && collapsed ? '[collapsed=true]' : ''}\r\u001b[0K`;
    this.options.out.write(`${marker('start')}${this.options.redactor.redact(this.style(header, 'cyan'))}\n`);
    try {
      return await body();
    } finally {
      this.options.out.write(`${marker('end')}\n`);
    }
  }
}

/** GitLab's log renders ANSI colour; elsewhere only a terminal does. NO_COLOR always wins (no-color.org). */
export function wantsColour(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return env.GITLAB_CI === 'true' || isTTY;
}
