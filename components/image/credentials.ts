import type { RegistryCredentials } from '../../src/registry/access.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';

// Where the Harbor robot account comes from. One function, so the rest of the job never knows
// whether it came from CI/CD variables or from Vault. Every secret is registered with the redactor
// the moment it is read.

export async function harborCredentials(context: RunContext): Promise<RegistryCredentials> {
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
    'Set HARBOR_USERNAME and HARBOR_PASSWORD as masked CI/CD variables of the group or project (turn off "Expand variable reference": robot names hold a `$`).',
    EXIT.usage,
  );
}
