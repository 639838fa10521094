import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';

// Where the release job's GitLab token comes from, behind one function. The value is registered with
// the redactor the moment it is read.

export interface GitLabToken {
  readonly value: string;
  /** Where it came from, for the log: never the value. */
  readonly source: string;
}

export async function gitlabToken(context: RunContext): Promise<GitLabToken> {
  for (const name of ['GITLAB_TOKEN', 'GL_TOKEN'] as const) {
    const value = context.ci[name];
    if (value !== undefined) {
      context.redactor.add(value);
      return { value, source: `the CI/CD variable ${name}` };
    }
  }
  throw new OneexError(
    'ENOGLTOKEN',
    'The release job has no GitLab token: the CI/CD variable GITLAB_TOKEN (or GL_TOKEN) is not set for this pipeline.',
    'Create a project access token (role Maintainer, scopes api and write_repository) and store it as a masked, protected CI/CD variable GITLAB_TOKEN; protected variables reach only protected branches, so protect the release branches.',
    EXIT.usage,
  );
}
