import type { ParsedInputs } from '../../src/model/inputs.ts';
import type { RegistryCredentials } from '../../src/registry/access.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { fetchCredentials, type PreparedCredentials, prepareCredentials } from '../../src/vault/index.ts';
import type { inputs as declared } from './component.ts';

// Where the Harbor robot account comes from: Vault when the job names the secret (inputs
// `harbor_password_secret`, and `harbor_username_secret` or the HARBOR_USERNAME variable), else the
// CI/CD variables HARBOR_USERNAME and HARBOR_PASSWORD. The rest of the job never knows which. Every
// secret is registered with the redactor the moment it is read.

type Inputs = ParsedInputs<typeof declared>;

export type CredentialSource =
  | { readonly kind: 'variables' }
  | {
      readonly kind: 'vault';
      readonly prepared: PreparedCredentials<'username' | 'password'> | PreparedCredentials<'password'>;
      readonly username: string | undefined;
    };

/** Decides and checks the source without any request, so bad inputs fail with the others. */
export function credentialSource(inputs: Inputs, context: RunContext): CredentialSource {
  if (inputs.harbor_password_secret === '') return { kind: 'variables' };
  const password = { ref: inputs.harbor_password_secret, input: 'harbor_password_secret' };
  if (inputs.harbor_username_secret !== '') {
    const username = { ref: inputs.harbor_username_secret, input: 'harbor_username_secret' };
    return {
      kind: 'vault',
      prepared: prepareCredentials({ component: 'image', inputs, secrets: { username, password } }, context),
      username: undefined,
    };
  }
  const username = context.ci.HARBOR_USERNAME;
  if (username === undefined) {
    throw new OneexError(
      'EHARBOR_CREDENTIALS',
      'The robot secret comes from Vault (harbor_password_secret), but not the robot name: harbor_username_secret is empty and HARBOR_USERNAME is not set.',
      'Set harbor_username_secret to the Vault field holding the robot name, or HARBOR_USERNAME as a CI/CD variable.',
      EXIT.usage,
    );
  }
  return {
    kind: 'vault',
    prepared: prepareCredentials({ component: 'image', inputs, secrets: { password } }, context),
    username,
  };
}

export async function harborCredentials(
  source: CredentialSource,
  context: RunContext,
): Promise<RegistryCredentials> {
  if (source.kind === 'vault') {
    const values: { username?: string; password: string } = await fetchCredentials(
      source.prepared as PreparedCredentials<'username' | 'password'>,
      context,
    );
    const username = source.username ?? values.username ?? '';
    // Every value read from Vault is masked in the log, the name too: say where it came from instead.
    const refs = Object.values(source.prepared.refs).map((ref) => (ref as { text: string }).text);
    context.log.info(`Harbor robot account from Vault: ${refs.join(', ')}`);
    return { username, password: values.password };
  }
  const { HARBOR_USERNAME: username, HARBOR_PASSWORD: password } = context.ci;
  if (password !== undefined) context.redactor.add(password);
  if (username !== undefined && password !== undefined) {
    context.log.info(`Harbor robot account: ${username} (from CI/CD variables)`);
    return { username, password };
  }
  const missing = [
    username === undefined ? 'HARBOR_USERNAME' : '',
    password === undefined ? 'HARBOR_PASSWORD' : '',
  ]
    .filter((name) => name !== '')
    .join(' and ');
  throw new OneexError(
    'EHARBOR_CREDENTIALS',
    `No Harbor robot account: ${missing} ${missing.includes(' and ') ? 'are' : 'is'} not set.`,
    'Set HARBOR_USERNAME and HARBOR_PASSWORD as masked CI/CD variables of the group or project (turn off "Expand variable reference": robot names hold a `$`), or read the secret from Vault with `harbor_password_secret`.',
    EXIT.usage,
  );
}
