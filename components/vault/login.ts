import type { Action } from '../../src/model/component.ts';
import { envName } from '../../src/model/inputs.ts';
import { InputError, type InputProblem } from '../../src/runtime/errors.ts';
import { resolveVaultConfig } from '../../src/vault/config.ts';
import { formatSeconds, openVaultSession, type VaultSession } from '../../src/vault/credentials.ts';
import { parseDeclarations, type SecretDeclaration } from '../../src/vault/spec.ts';
import type { inputs as declared } from './component.ts';
import {
  createSession,
  type Exposed,
  envScript,
  removeSession,
  type SessionInfo,
  sessionDir,
} from './session.ts';

// `oneex-ci vault login`, the template's before_script: checks every input and declaration, logs in
// with the job's ID token, reads each declared secret, and leaves them in the job's session directory
// for the sourced env.sh. All or nothing: on any failure the directory is removed and the token revoked.

const COMPONENT = 'vault';

const action: Action<typeof declared> = async (inputs, context) => {
  const { config, problems } = resolveVaultConfig(COMPONENT, inputs, context);
  const parsed = parseDeclarations([
    { input: 'secrets', entries: inputs.secrets, delivery: 'env' },
    { input: 'files', entries: inputs.files, delivery: 'file' },
  ]);
  const all: InputProblem[] = [
    ...problems,
    ...parsed.problems.map((p) => ({ ...p, variable: envName(COMPONENT, p.input.replace(/\[\d+\]$/, '')) })),
  ];
  if (all.length > 0 || config === undefined) throw new InputError(COMPONENT, all);
  const declarations = parsed.declarations;
  if (declarations.length === 0 && !inputs.expose_token)
    context.log.warn('No secret declared (inputs secrets and files are empty): logging in only.');

  const session = await openVaultSession(config, context);
  const dir = sessionDir(context);
  let keep = false;
  try {
    const exposed = await expose(declarations, session, context);
    const store = await createSession(context);
    const items: Exposed[] = [];
    for (const { declaration, value } of exposed) {
      if (declaration.delivery === 'file') {
        items.push({
          name: declaration.name,
          kind: 'file',
          path: await store.files.write(declaration.name, value),
        });
      } else {
        const path = await store.values.write(declaration.name, value, { exact: true });
        items.push({ name: declaration.name, kind: 'value', path });
      }
    }
    const info: SessionInfo = {
      address: config.address,
      namespace: config.namespace,
      accessor: session.login.accessor,
      leaseSeconds: session.login.leaseSeconds,
    };
    if (inputs.expose_token) {
      await store.root.write('token', session.env().VAULT_TOKEN ?? '', { exact: true });
      for (const [name, value] of Object.entries(session.env()))
        items.push({ name, kind: 'value', path: await store.values.write(name, value, { exact: true }) });
    }
    await store.root.write('session.json', JSON.stringify(info));
    await store.root.write('env.sh', envScript(store.dir, items), { exact: true });
    keep = inputs.expose_token;

    const envNames = items.filter((i) => i.kind === 'value').map((i) => i.name);
    const fileNames = items.filter((i) => i.kind === 'file').map((i) => i.name);
    const parts = [
      ...(envNames.length > 0 ? [`variables ${envNames.join(', ')}`] : []),
      ...(fileNames.length > 0 ? [`files (0600) ${fileNames.join(', ')}`] : []),
    ];
    context.log.success(
      parts.length > 0
        ? `Vault: the job's script gets ${parts.join(' and ')}.`
        : 'Vault: logged in; nothing to expose.',
    );
    if (inputs.expose_token)
      context.log.info(
        `Vault: VAULT_TOKEN is valid ${formatSeconds(session.login.leaseSeconds)}; a longer job runs \`oneex-ci vault renew\`. after_script revokes it.`,
      );
    return 0;
  } catch (error) {
    await removeSession(dir);
    throw error;
  } finally {
    // Without expose_token nothing uses the token after this: revoke it now rather than in after_script.
    if (!keep) await session.close();
  }
};

export default action;

async function expose(
  declarations: readonly SecretDeclaration[],
  session: VaultSession,
  context: { log: { info(text: string): void } },
): Promise<{ declaration: SecretDeclaration; value: string }[]> {
  const values = await session.readAll(Object.fromEntries(declarations.map((d) => [d.name, d.ref])));
  for (const d of declarations)
    context.log.info(`  ${d.name} <- ${d.ref.text}${d.delivery === 'file' ? ' (file)' : ''}`);
  return declarations.map((declaration) => ({ declaration, value: values[declaration.name] ?? '' }));
}
