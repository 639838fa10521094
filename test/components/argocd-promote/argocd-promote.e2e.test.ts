import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Canaries, createCanaries } from '../../support/canary.ts';
import {
  type Consumer,
  createConsumer,
  type Library,
  type PipelineResult,
  publishLibrary,
  removeAll,
  runPipeline,
} from '../../support/local-pipeline.ts';
import { startVault, type VaultFixture } from '../../support/vault.ts';
import { digestOf, ENVIRONMENTS, REGISTRY } from './gitops-fixture.ts';
import { type Harness, startHarness } from './harness.ts';

// An app's own pipeline, run by gitlab-ci-local: it includes the component as Oneex repositories do
// (`component: $CI_SERVER_FQDN/oneex/ci-components/argocd-promote@1`), builds its image (a stand-in
// job here that reports IMAGE_REF like the image component), and promotes the digest to test and then
// staging; production waits for someone to start it. The GitOps repository is real git over HTTP with
// Basic auth; Argo CD and Grafana are doubles. Every token comes from the Vault double, through
// group-level variables that hold Vault references, and is a canary: after each run, nothing the run
// left (output, logs, artifacts, files) may hold any of them, in any encoding.

const run = promisify(execFile);
let library: Library;
let h: Harness;
let consumer: Consumer;
let vault: VaultFixture;
let canaries: Canaries;
let variables: Record<string, string>;
const cleanup: string[] = [];

/** What the image component reports, for a digest made from the commit (the stand-in builds nothing). */
const IMAGE_JOB = `image-build:
  stage: build
  needs: []
  script:
    - digest="sha256:$(printf %s "$CI_COMMIT_SHA" | sha256sum | cut -c1-64)"
    - printf 'IMAGE_REF=%s\\nIMAGE_DIGEST=%s\\nIMAGE_NAME=%s\\nIMAGE_TAGS=%s\\n' "${REGISTRY}/back@$digest" "$digest" "${REGISTRY}/back" "1.7.0,1.7,1" > image.env
  artifacts:
    reports:
      dotenv: image.env
`;

const pipeline = (harness: Harness) => `include:
  - component: $CI_SERVER_FQDN/oneex/ci-components/argocd-promote@1
    inputs:
      gitops_repository: ${harness.repositoryUrl}
      argocd_server: ${harness.argocd.url}
      argocd_project: oneex
      grafana_url: ${harness.grafana.url}

${IMAGE_JOB}`;

const overlayOf = async (environment: string) =>
  parse(await h.gitops.show(`apps/back/overlays/${environment}/kustomization.yaml`)).images[0];

async function renderedImage(environment: string): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'oneex-e2e-render-'));
  try {
    await run('sh', ['-c', 'git archive --format=tar main | tar -x -C "$0"', dir], { cwd: h.gitops.bare });
    const { stdout } = await run('kubectl', ['kustomize', join(dir, `apps/back/overlays/${environment}`)]);
    return /image: (\S+)/.exec(stdout)?.[1];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  vault = await startVault();
  canaries = createCanaries(vault.vault);
  const refs = canaries.seed({
    mount: 'kv',
    path: 'oneex/back/deploy',
    fields: ['gitops', 'argocd', 'grafana'],
  });
  const token = (field: string) => canaries.valueOf(refs[field] ?? '');
  [library, h] = await Promise.all([
    publishLibrary(),
    startHarness(['back'], {
      tokens: { git: token('gitops'), argocd: token('argocd'), grafana: token('grafana') },
    }),
  ]);
  await h.addApplications('back');
  variables = {
    // Group-level CI/CD variables: Vault references (paths, not secrets), and where Vault is.
    GITOPS_TOKEN: `vault:${refs.gitops}`,
    ARGOCD_TOKEN: `vault:${refs.argocd}`,
    GRAFANA_TOKEN: `vault:${refs.grafana}`,
    VAULT_ADDR: vault.vault.address,
    VAULT_AUTH_ROLE: 'oneex-back',
    // What GitLab puts in the job for its id_tokens entry (gitlab-ci-local does not mint them).
    ONEEX_VAULT_ID_TOKEN: canaries.watch(
      'ID token',
      await vault.issuer.mint({ ref: 'main', refProtected: true }),
    ),
  };
  cleanup.push(library.bare.replace('file://', ''));
  consumer = await createConsumer({
    project: 'oneex/back',
    // gitlab-ci-local's state and variables file stay out of the commits the test makes.
    files: {
      '.gitlab-ci.yml': pipeline(h),
      '.gitignore': '.gitlab-ci-local/\n.gitlab-ci-local-variables.yml\n',
    },
  });
  cleanup.push(consumer.dir);
});
afterAll(async () => {
  await Promise.all([h?.close(), vault?.stop()]);
  await removeAll(...cleanup);
});

describe('an app pipeline on the default branch', () => {
  let digest: string;
  let first: PipelineResult;

  it('promotes the built digest to test, then staging, and leaves production to a person', async () => {
    const sha = await consumer.head();
    digest = `sha256:${(await run('sh', ['-c', `printf %s ${sha} | sha256sum | cut -c1-64`])).stdout.trim()}`;
    first = await runPipeline(library, consumer, { variables });
    expect(first.job('image-build').status, first.output).toBe('success');
    const test = first.job('promote-test');
    const staging = first.job('promote-staging');
    expect(test.status, test.log).toBe('success');
    expect(staging.status, staging.log).toBe('success');
    expect(first.jobs.has('promote-production')).toBe(false);

    expect(test.log).toContain(`Promote ${REGISTRY}/back@${digest} (1.7.0)`);
    expect(test.log).toContain('gitops_token: from Vault (kv/data/oneex/back/deploy).');
    expect(test.log).toContain('Vault: token revoked.');
    expect(test.log).toContain('back 1.7.0 promoted to test: commit');
    expect(test.log).toContain('Argo CD: back-test is Synced and Healthy at');
    expect(test.log).toContain('Grafana: annotation 1 marks back 1.7.0 in test.');
    expect(staging.log).toContain('back 1.7.0 promoted to staging: commit');

    for (const environment of ['test', 'staging']) {
      expect(await overlayOf(environment)).toMatchObject({
        newName: `${REGISTRY}/back`,
        newTag: '1.7.0',
        digest,
      });
      expect(await renderedImage(environment)).toBe(`${REGISTRY}/back:1.7.0@${digest}`);
      expect(h.argocd.deployed(`back-${environment}`).images).toEqual([`${REGISTRY}/back:1.7.0@${digest}`]);
    }
    expect((await overlayOf('production')).digest).toBe(digestOf('back-initial'));
    expect(h.argocd.deployed('back-production').images).toEqual([
      `${REGISTRY}/back:0.9.0@${digestOf('back-initial')}`,
    ]);

    // Each step is a commit naming where it came from.
    const log = await h.gitops.log();
    expect(log.slice(0, 2).map((c) => c.subject)).toEqual([
      `chore(back): promote staging to 1.7.0 (sha256:${digest.slice(7, 19)})`,
      `chore(back): promote test to 1.7.0 (sha256:${digest.slice(7, 19)})`,
    ]);
    expect(log[0]?.body).toContain(`Source-Commit: ${sha}`);
    expect(log[0]?.body).toContain('Source-Project: oneex/back');
    expect(log[0]?.body).toMatch(
      /Source-Pipeline: https:\/\/gitlab\.oneex\.test\/oneex\/back\/pipelines\/\d+/,
    );
    expect(log[0]?.body).toContain(`Image-Digest: ${digest}`);
    expect(h.grafana.annotations.map((a) => a.tags[2])).toEqual(['environment:test', 'environment:staging']);
    await canaries.assertNoLeak(first, consumer);
  });

  it('the template makes each promotion a GitLab deployment with its tier, URL and resource group', async () => {
    const template = parse(
      (await readFile(join(import.meta.dirname, '../../../templates/argocd-promote.yml'), 'utf8')).split(
        '\n---\n',
      )[1] ?? '',
    );
    for (const environment of ENVIRONMENTS) {
      const job = template[`$[[ inputs.as ]]-${environment}`];
      expect(job.environment).toMatchObject({
        name: environment,
        deployment_tier: { test: 'testing', staging: 'staging', production: 'production' }[environment],
        url: `$[[ inputs.${environment}_url ]]`,
      });
      expect(job.resource_group).toBe(`gitops-${environment}`);
    }
  });

  it('starting production promotes the same digest there; test and staging, run again, commit nothing', async () => {
    const before = (await h.gitops.git(['rev-parse', 'main'])).trim();
    const second = await runPipeline(library, consumer, { variables, manual: ['promote-production'] });
    const production = second.job('promote-production');
    expect(production.status, production.log).toBe('success');
    expect(second.job('promote-test').log).toContain('nothing to commit');
    expect(second.job('promote-staging').log).toContain('nothing to commit');
    expect(production.log).toContain('back 1.7.0 promoted to production: commit');
    expect(production.log).toContain('Argo CD: back-production is Synced and Healthy');

    const added = (await h.gitops.git(['rev-list', `${before}..main`])).trim().split('\n');
    expect(added).toHaveLength(1);
    expect(await overlayOf('production')).toMatchObject({ newTag: '1.7.0', digest });
    expect(await renderedImage('production')).toBe(`${REGISTRY}/back:1.7.0@${digest}`);
    expect(h.argocd.deployed('back-production').images).toEqual([`${REGISTRY}/back:1.7.0@${digest}`]);
    // The comment in the overlay survived every edit.
    for (const environment of ENVIRONMENTS) {
      expect(await h.gitops.show(`apps/back/overlays/${environment}/kustomization.yaml`)).toContain(
        '# promoted by CI; edit by hand only to roll back in an emergency',
      );
    }
    await canaries.assertNoLeak(second, consumer);
  });

  it('a release tag pipeline promotes production at once, and leaves test and staging alone', async () => {
    const sha = await consumer.commit({ message: 'feat: release 1.8.0', files: { VERSION: '1.8.0\n' } });
    const digest = `sha256:${(await run('sh', ['-c', `printf %s ${sha} | sha256sum | cut -c1-64`])).stdout.trim()}`;
    await consumer.git(['tag', 'v1.8.0']);
    const tagged = await runPipeline(library, consumer, {
      variables: {
        ...variables,
        CI_COMMIT_TAG: 'v1.8.0',
        CI_COMMIT_BRANCH: '',
        CI_COMMIT_REF_NAME: 'v1.8.0',
      },
    });
    expect(tagged.job('promote-production').status, tagged.output).toBe('success');
    expect(tagged.jobs.has('promote-test')).toBe(false);
    expect(tagged.jobs.has('promote-staging')).toBe(false);
    expect((await overlayOf('production')).digest).toBe(digest);
    expect((await overlayOf('staging')).digest).not.toBe(digest);
    await canaries.assertNoLeak(tagged, consumer);
  });

  it('rolls production back by re-running the production job of the earlier pipeline', async () => {
    // GitLab's Rollback re-runs an earlier deployment's job with that pipeline's artifacts: here, the
    // pipeline of the first commit again, its production job started by hand.
    const [firstCommit] = (await consumer.git(['rev-list', '--reverse', 'HEAD'])).trim().split('\n');
    await consumer.git(['reset', '-q', '--hard', firstCommit ?? '']);
    const earlier = `sha256:${(await run('sh', ['-c', `printf %s ${firstCommit} | sha256sum | cut -c1-64`])).stdout.trim()}`;
    const rollback = await runPipeline(library, consumer, {
      variables,
      jobs: ['promote-production'],
      manual: ['promote-production'],
    });
    const production = rollback.job('promote-production');
    expect(production.status, production.log).toBe('success');
    expect(production.log).toContain('(a digest that ran here before: roll back)');
    const [latest] = await h.gitops.log('apps/back/overlays/production/kustomization.yaml');
    expect(latest?.subject).toBe(
      `chore(back): roll back production to 1.7.0 (sha256:${earlier.slice(7, 19)})`,
    );
    expect(await renderedImage('production')).toBe(`${REGISTRY}/back:1.7.0@${earlier}`);
    expect(h.argocd.deployed('back-production').images).toEqual([`${REGISTRY}/back:1.7.0@${earlier}`]);
    await canaries.assertNoLeak(rollback, consumer);
  });
});
