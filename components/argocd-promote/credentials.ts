import type { RunContext } from '../../src/runtime/context.ts';
import { isUnexpanded } from './plan.ts';

// Where the job's tokens come from. Each token input holds the value itself, and its default is a
// CI/CD variable reference (`$GITOPS_TOKEN`) that GitLab expands into the job's environment, masked.
// Every value read here is registered with the redactor before anything else can print it.

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
  // `$NAME` left as it was: no such variable is set.
  if (value === '' || isUnexpanded(value)) return undefined;
  context.redactor.add(value);
  return { value, source: `input ${input}` };
}
