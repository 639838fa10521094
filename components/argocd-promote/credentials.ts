import type { RunContext } from '../../src/runtime/context.ts';

// Where the job's tokens come from. Each token input holds the value itself, and its default is a
// CI/CD variable reference (`$GITOPS_TOKEN`) that GitLab expands into the job's environment, masked.
// Every value read here is registered with the redactor before anything else can print it.

/** A reference GitLab left as it was because no such variable exists (`$NAME` or `${NAME}`). */
const UNEXPANDED = /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/;

export interface Credential {
  readonly value: string;
  /** For the log: where it came from, never what it is. */
  readonly source: string;
}

/** The token an input carries, or undefined when it is empty or names a variable that is not set. */
export async function readCredential(
  input: string,
  raw: string,
  context: RunContext,
): Promise<Credential | undefined> {
  const value = raw.trim();
  if (value === '' || UNEXPANDED.test(value)) return undefined;
  context.redactor.add(value);
  return { value, source: `input ${input}` };
}
