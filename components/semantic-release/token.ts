import type { ParsedInputs } from '../../src/model/inputs.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { getCredentials } from '../../src/vault/index.ts';
import type { inputs as declared } from './component.ts';

// Where the release job's GitLab token comes from, behind one function: Vault when the component is
// given a reference, else a CI/CD variable. The value is registered with the redactor as it is read
// (the Vault module does it for what it reads).

export interface GitLabToken {
  readonly value: string;
  /** Where it came from, for the log: never the value. */
  readonly source: string;
}

export async function gitlabToken(
  inputs: ParsedInputs<typeof declared>,
  context: RunContext,
): Promise<GitLabToken> {
  if (inputs.token_vault_path.trim() !== '') {
    const { token } = await getCredentials(
      {
        component: 'semantic-release',
        inputs,
        secrets: { token: { ref: inputs.token_vault_path, input: 'token_vault_path' } },
      },
      context,
    );
    return { value: token, source: `Vault (${inputs.token_vault_path.trim()})` };
  }
  for (const name of ['GITLAB_TOKEN', 'GL_TOKEN'] as const) {
    const value = context.ci[name];
    if (value !== undefined) {
      context.redactor.add(value);
      return { value, source: `the CI/CD variable ${name}` };
    }
  }
  throw new OneexError(
    'ENOGLTOKEN',
    'The release job has no GitLab token: token_vault_path is empty and the CI/CD variable GITLAB_TOKEN (or GL_TOKEN) is not set for this pipeline.',
    'Create a project access token (role Maintainer, scopes api and write_repository); store it in Vault and set token_vault_path, or in a masked, protected CI/CD variable GITLAB_TOKEN (protected variables reach only protected branches: protect the release branches).',
    EXIT.usage,
  );
}
