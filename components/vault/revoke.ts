import type { Action } from '../../src/model/component.ts';
import { VaultClient } from '../../src/vault/client.ts';
import type { inputs as declared } from './component.ts';
import { readSessionInfo, readToken, removeSession, sessionDir } from './session.ts';

// `oneex-ci vault revoke`, the template's after_script (a shell of its own): revokes the job's Vault
// token if login kept one (expose_token), and removes the session directory with every secret file.
// It never fails the job (GitLab ignores after_script's status anyway): what it could not do, it says.

const action: Action<typeof declared> = async (_inputs, context) => {
  const dir = sessionDir(context);
  const info = await readSessionInfo(dir).catch(() => undefined);
  const token = await readToken(dir);
  if (info === undefined && token === undefined) {
    await removeSession(dir);
    // A failed login leaves nothing behind; a login that never ran is a template's before_script replaced.
    if (context.ci.CI_JOB_STATUS === 'failed') context.log.info('Vault: nothing to clean up.');
    else
      context.log.warn(
        'Vault: no session in this job. If the job has its own before_script, start it with `- !reference [.vault, before_script]`.',
      );
    return 0;
  }
  try {
    if (token !== undefined && info !== undefined) {
      context.redactor.add(token);
      const client = new VaultClient({ address: info.address, namespace: info.namespace });
      const revoked = await client.revokeSelf(token);
      context.log.info(
        revoked ? 'Vault: token revoked.' : 'Vault: the token had already expired or been revoked.',
      );
    }
  } catch (error) {
    context.log.warn(
      `Vault: could not revoke the token (${(error as Error).message}); it expires on its own.`,
    );
  } finally {
    await removeSession(dir);
  }
  context.log.info('Vault: secret files removed.');
  return 0;
};

export default action;
