import type { Action } from '../../src/model/component.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { VaultClient } from '../../src/vault/client.ts';
import { formatSeconds } from '../../src/vault/credentials.ts';
import type { inputs as declared } from './component.ts';
import { readSessionInfo, readToken, sessionDir } from './session.ts';

// `oneex-ci vault renew`: for a long job that uses VAULT_TOKEN itself (expose_token), renews the
// token for another lease (the role's token_ttl), up to the role's token_max_ttl.

const action: Action<typeof declared> = async (_inputs, context) => {
  const dir = sessionDir(context);
  const [info, token] = [await readSessionInfo(dir), await readToken(dir)];
  if (info === undefined || token === undefined) {
    throw new OneexError(
      'EVAULT_SESSION',
      'No Vault token to renew in this job.',
      'Renewing needs expose_token: true on the vault template, and `oneex-ci vault login` in before_script.',
      EXIT.usage,
    );
  }
  context.redactor.add(token);
  const client = new VaultClient({ address: info.address, namespace: info.namespace });
  const renewal = await client.renewSelf(token, info.leaseSeconds > 0 ? info.leaseSeconds : undefined);
  if (renewal.leaseSeconds < info.leaseSeconds)
    context.log.warn(
      `Vault: token renewed, but its max TTL leaves it ${formatSeconds(renewal.leaseSeconds)}.`,
    );
  else context.log.success(`Vault: token renewed; valid ${formatSeconds(renewal.leaseSeconds)}.`);
  return 0;
};

export default action;
