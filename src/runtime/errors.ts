// One error type for everything the CLI reports to a person: a code to search for, a message that
// says what is wrong, a hint that says what to do, and the exit code the job ends with.

export const EXIT = {
  ok: 0,
  /** The job ran and found a problem in what it checks (bad commits, failed hosts, a vulnerable image). */
  failed: 1,
  /** Bad command line or bad inputs: nothing ran. */
  usage: 2,
  /** A service or tool the job needs could not be reached or refused the job. */
  unavailable: 3,
  /** A bug in the library. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

// The CLI module and the actions are bundled apart (scripts/bundle.ts), each with its own copy of this
// class, so the CLI recognises an action's error by this registered symbol rather than by `instanceof`.
const ONEEX_ERROR = Symbol.for('oneex-ci.error');

export class OneexError extends Error {
  override readonly name = 'OneexError';
  readonly [ONEEX_ERROR] = true;
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly exitCode: ExitCode = EXIT.failed,
  ) {
    super(message);
  }
}

/** True for a OneexError from either bundle. */
export const isOneexError = (error: unknown): error is OneexError =>
  typeof error === 'object' && error !== null && ONEEX_ERROR in error;

export interface InputProblem {
  readonly input: string;
  readonly variable: string;
  /** The raw value as the job received it; undefined when the input was not given. */
  readonly value: string | undefined;
  readonly expected: string;
}

/** Every bad input of one component at once, each naming the input, its value and what was expected. */
export class InputError extends OneexError {
  constructor(
    readonly component: string,
    readonly problems: readonly InputProblem[],
  ) {
    super(
      'EINPUT',
      [
        `${problems.length === 1 ? 'An input' : `${problems.length} inputs`} of component "${component}" ${problems.length === 1 ? 'is' : 'are'} not valid:`,
        ...problems.map((p) => `  - ${p.input}: ${describeValue(p.value)}; expected ${p.expected}`),
      ].join('\n'),
      `Fix the inputs under \`include: component: …/${component}@…\` (docs: components/${component}/README.md).`,
      EXIT.usage,
    );
  }
}

const describeValue = (value: string | undefined): string =>
  value === undefined
    ? 'not set'
    : `got ${JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value)}`;

export class UsageError extends OneexError {
  constructor(message: string, hint = 'Run `oneex-ci --help` for the commands.') {
    super('EUSAGE', message, hint, EXIT.usage);
  }
}
