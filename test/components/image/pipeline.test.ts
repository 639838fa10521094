import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Canaries, createCanaries } from '../../support/canary.ts';
import {
  type Consumer,
  createConsumer,
  type Library,
  publishLibrary,
  readTree,
  removeAll,
  runPipeline,
} from '../../support/local-pipeline.ts';
import { containersEnv, pushBaseImage, startRegistry, type TestRegistry } from '../../support/registry.ts';
import { startVault, type VaultFixture } from '../../support/vault.ts';

// The image component end to end: the example consumer repository (examples/image) includes it by
// `component:` reference, gitlab-ci-local runs its pipeline on this machine (real buildah and skopeo,
// a real registry with auth and TLS standing in for Harbor), and a downstream job deploys by digest.
// The robot account comes from CI/CD variables, then from the Vault double; after each run the
// canary scan looks for its secret everywhere the run left files.

const EXAMPLE = join(import.meta.dirname, '..', '..', '..', 'examples', 'image');

let library: Library;
let registry: TestRegistry;
let repo: Consumer;
let variables: Record<string, string>;
let fx: VaultFixture;
let canaries: Canaries;
const cleanup: string[] = [];

async function exampleFiles(): Promise<Record<string, string>> {
  const files = await readTree(EXAMPLE);
  // The example's dependency step is sized for the benchmark; the test needs only its shape.
  files['deps.lock'] = 'react 2000\nrouter 1000\n';
  // The downstream job also proves the reference resolves in the registry, by digest.
  files['.gitlab-ci.yml'] =
    `${files['.gitlab-ci.yml']}` +
    `    - certs=$(mktemp -d) && cp "$TEST_CA_FILE" "$certs/ca.crt"\n` +
    `    - skopeo inspect --cert-dir "$certs" --format 'resolved {{.Digest}}' "docker://$IMAGE_REF"\n`;
  return files;
}

beforeAll(async () => {
  library = await publishLibrary({ versions: ['1.0.0', '1.1.0'] });
  cleanup.push(library.bare.replace('file://', ''));
  registry = await startRegistry();
  fx = await startVault();
  canaries = createCanaries(fx.vault);
  canaries.watch('Harbor robot secret', registry.password);
  const storageDir = await mkdtemp(join(tmpdir(), 'oneex-storage-'));
  cleanup.push(storageDir);
  const storage = await containersEnv(storageDir);
  const base = await pushBaseImage(registry, storage);
  repo = await createConsumer({ project: 'oneex/front', files: await exampleFiles() });
  cleanup.push(repo.dir);
  variables = {
    // Group-level CI/CD variables, as Oneex sets them.
    HARBOR_HOST: registry.host,
    // A robot name holds a `$`: GitLab would expand it unless the variable's expansion is off or it is
    // written `$$`, as here.
    HARBOR_USERNAME: registry.username.replace('$', '$$$$'),
    HARBOR_PASSWORD: registry.password,
    BASE_IMAGE: base,
    // Where this machine differs from a runner: the test CA, and an isolated containers storage.
    ONEEX_IMAGE_CA_FILE: registry.caFile,
    TEST_CA_FILE: registry.caFile,
    REGISTRY_AUTH_FILE: registry.authFile,
    ...storage,
  };
});

afterAll(async () => {
  await registry?.stop();
  await fx?.stop();
  await removeAll(...cleanup);
});

describe('image component in a pipeline', () => {
  let digest: string;

  it('builds and pushes on a branch pipeline; the deploy job gets IMAGE_REF by digest', async () => {
    const sha = await repo.head();
    const result = await runPipeline(library, repo, { variables, timeoutMs: 240_000 });
    const build = result.job('image-build');
    expect(build.status, build.log).toBe('success');
    expect(build.log).toContain(`Harbor robot account: ${registry.username} (from CI/CD variables)`);
    expect(build.log).toContain('STEP 1/7: FROM');
    expect(build.log).toMatch(/✔ 127\.0\.0\.1:\d+\/oneex\/front@sha256:[a-f0-9]{64}/);

    const artifacts = await result.artifacts('image-build');
    // The dotenv report is the job's only artifact.
    expect(Object.keys(artifacts)).toEqual(['.gitlab-ci-reports/dotenv/image.env']);
    const report = artifacts['.gitlab-ci-reports/dotenv/image.env'] ?? '';
    const match = /^IMAGE_DIGEST=(sha256:[a-f0-9]{64})$/m.exec(report);
    expect(match, report).not.toBeNull();
    digest = match?.[1] as string;
    expect(report).toContain(`IMAGE_REF=${registry.host}/oneex/front@${digest}\n`);
    expect(report).toContain(`IMAGE_TAGS=${sha},main\n`);

    const deploy = result.job('deploy');
    expect(deploy.status, deploy.log).toBe('success');
    expect(deploy.log).toContain(`Deploying ${registry.host}/oneex/front@${digest}`);
    expect(deploy.log).toContain(`resolved ${digest}`);
    expect(await registry.digestOf(`${registry.host}/oneex/front:${sha}`)).toBe(digest);
    await canaries.assertNoLeak(result, repo);
  });

  it('adds version tags on a release tag pipeline, pointing at the same digest, without a build', async () => {
    const result = await runPipeline(library, repo, {
      variables: {
        ...variables,
        CI_COMMIT_TAG: 'v1.4.0',
        CI_COMMIT_REF_NAME: 'v1.4.0',
        CI_COMMIT_REF_SLUG: 'v1-4-0',
        CI_COMMIT_BRANCH: '',
      },
      timeoutMs: 240_000,
    });
    const build = result.job('image-build');
    expect(build.status, build.log).toBe('success');
    expect(build.log).toContain('already exists');
    expect(build.log).not.toContain('STEP 1/');
    for (const tag of ['1.4.0', '1.4', '1']) {
      expect(await registry.digestOf(`${registry.host}/oneex/front:${tag}`)).toBe(digest);
    }
    expect(result.job('deploy').log).toContain(`Deploying ${registry.host}/oneex/front@${digest}`);
    await canaries.assertNoLeak(result, repo);
  });
});

describe('image component with the robot account in Vault', () => {
  it('logs in to Vault with the job ID token, pushes with the secret it read, and leaks it nowhere', async () => {
    fx.vault.putSecret('kv', 'oneex/back/harbor', {
      username: registry.username,
      password: registry.password,
    });
    const files = await exampleFiles();
    files['.gitlab-ci.yml'] = (files['.gitlab-ci.yml'] ?? '').replace(
      '      build_args: ["BASE=$BASE_IMAGE"]\n',
      [
        '      build_args: ["BASE=$BASE_IMAGE"]',
        '      vault_role: oneex-back',
        '      harbor_username_secret: kv/data/oneex/back/harbor#username',
        '      harbor_password_secret: kv/data/oneex/back/harbor#password',
        '',
      ].join('\n'),
    );
    const back = await createConsumer({ project: 'oneex/back', files });
    cleanup.push(back.dir);
    const idToken = canaries.watch('ID token', await fx.issuer.mint({ ref: 'main', refProtected: true }));
    const { HARBOR_USERNAME: _name, HARBOR_PASSWORD: _secret, ...group } = variables;
    const result = await runPipeline(library, back, {
      variables: { ...group, ONEEX_VAULT_ID_TOKEN: idToken, VAULT_ADDR: fx.vault.address },
      jobs: ['image-build'],
      timeoutMs: 240_000,
    });
    const build = result.job('image-build');
    expect(build.status, build.log).toBe('success');
    expect(build.log).toMatch(
      /Vault: logging in to http:\/\/127\.0\.0\.1:\d+, auth\/jwt\/ role "oneex-back"\./,
    );
    expect(build.log).toContain('Vault: token revoked.');
    expect(build.log).toContain(
      'Harbor robot account from Vault: kv/data/oneex/back/harbor#username, kv/data/oneex/back/harbor#password',
    );
    expect(build.log).toMatch(/✔ 127\.0\.0\.1:\d+\/oneex\/back@sha256:[a-f0-9]{64}/);
    expect(await registry.digestOf(`${registry.host}/oneex/back:${await back.head()}`)).toMatch(/^sha256:/);
    await canaries.assertNoLeak(result, back);
  });
});
