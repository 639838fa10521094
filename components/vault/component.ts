import { CLI_COMMAND, defineComponent, jobInputs } from '../../src/model/component.ts';
import type { InputSpecs } from '../../src/model/inputs.ts';
import { vaultIdTokens, vaultInputs } from '../../src/vault/inputs.ts';
import { SOURCE_ENV_SCRIPT } from './paths.ts';

export const inputs = {
  ...jobInputs({ as: '.vault', stage: 'test' }),
  ...vaultInputs(),
  secrets: {
    type: 'array',
    default: [],
    description:
      'Secrets the job’s script gets as environment variables, one `NAME=PATH#FIELD` each: `DB_PASSWORD=kv/data/oneex/back#password` (KV v2: the path holds /data/), `TOKEN=secret/oneex/legacy#token` (KV v1), `kv/data/oneex/back?version=3#password` (a pinned version), `kv1:legacy/data/x#f` (KV v1 whose path holds a data segment).',
    example: '["DB_PASSWORD=kv/data/oneex/back#password"]',
  },
  files: {
    type: 'array',
    default: [],
    description:
      'Secrets the job’s script gets as files (mode 0600, outside the project directory, removed when the job ends), one `NAME=PATH#FIELD` each; the variable NAME holds the file’s path. For SSH keys, certificates, kubeconfigs.',
    example: '["DEPLOY_KEY=kv/data/oneex/deploy#ssh_private_key"]',
  },
  expose_token: {
    type: 'boolean',
    default: false,
    description:
      'Also give the script VAULT_ADDR, VAULT_TOKEN (and VAULT_NAMESPACE) for tools that talk to Vault themselves; after_script revokes the token. Otherwise the token is revoked as soon as the secrets are read.',
  },
} as const satisfies InputSpecs;

export default defineComponent({
  name: 'vault',
  summary: 'Gives a job of your own the Vault secrets it declares, logged in with the job’s GitLab ID token.',
  description: `
A hidden job to \`extends:\`. It carries the job's \`id_tokens\` entry (audience \`vault_audience\`),
logs in to Vault's JWT auth method with it in \`before_script\`, reads the declared secrets, and hands
them to your \`script\`: as environment variables (\`secrets\`), or as files of mode 0600 whose path
is in the variable (\`files\`). \`after_script\` removes the files (and revokes the token if
\`expose_token\` kept it). No value is ever printed: the job log shows names and paths only.

\`\`\`yaml
include:
  - component: $CI_SERVER_FQDN/oneex/ci-components/vault@1
    inputs:
      vault_role: oneex-back
      secrets:
        - DB_PASSWORD=kv/data/oneex/back#db_password
        - SENTRY_TOKEN=kv/data/oneex/back?version=3#sentry_token
      files:
        - DEPLOY_KEY=kv/data/oneex/deploy#ssh_private_key

migrate:
  extends: .vault
  stage: deploy
  script:
    - PGPASSWORD="$DB_PASSWORD" psql -h db.oneex.fr -U back -c 'select 1'   # by environment, not argv
    - ssh -i "$DEPLOY_KEY" deploy@app.oneex.fr ./migrate
\`\`\`

**Your own \`before_script\` or \`after_script\` replaces the template's** (GitLab does not merge
script lists). Keep the template's steps with \`!reference\`, the template's first:

\`\`\`yaml
migrate:
  extends: .vault
  before_script:
    - !reference [.vault, before_script]
    - npm ci
  script:
    - npm run migrate
  after_script:
    - !reference [.vault, after_script]
\`\`\`

\`before_script\` and \`script\` share one shell, so the variables reach \`script\`; \`after_script\`
is a shell of its own and does not see them. Without the template's \`before_script\` the variables
are not set, and \`after_script\` says so in the log.

**Defaults for the whole organisation** come from group-level CI/CD variables: \`VAULT_ADDR\`
(else https://vault.oneex.fr), \`VAULT_NAMESPACE\`, \`VAULT_AUTH_PATH\` (else \`jwt\`),
\`VAULT_AUTH_ROLE\`: the names GitLab's own \`secrets:vault\` reads. An app repository then writes only
its \`secrets\`.

**When Vault says no**, the job log says why and what to fix: a role that does not exist; a role
whose bound claims the job does not meet, with the ID token's claims (project_path, ref, ref_type,
ref_protected, environment) and the mismatched one marked, e.g. a role bound to protected refs used
from an unprotected branch; an audience the role does not accept; an expired ID token; a sealed or
unreachable Vault (retried with backoff first); a path with no secret; a field the secret does not
have (naming the fields it has). Every input and declaration is checked before any request.

The job runs in the library image (\`image\`), which holds \`oneex-ci\`; a job that sets its own
\`image:\` needs \`oneex-ci\` on its PATH. A long job that uses \`VAULT_TOKEN\` itself
(\`expose_token: true\`) runs \`oneex-ci vault renew\` to extend the token up to the role's max TTL.
`,
  inputs,
  usage: {
    vault_role: 'oneex-back',
    secrets: ['DB_PASSWORD=kv/data/oneex/back#db_password'],
  },
  actions: {
    login: () => import('./login.ts'),
    revoke: () => import('./revoke.ts'),
    renew: () => import('./renew.ts'),
  },
  jobs: (input) => ({
    [input.as]: {
      stage: input.stage,
      image: input.image,
      id_tokens: vaultIdTokens(input),
      before_script: [`${CLI_COMMAND} vault login`, SOURCE_ENV_SCRIPT],
      after_script: [`${CLI_COMMAND} vault revoke`],
    },
  }),
});
