import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeRequestNotes } from '../../doubles/gitlab-api/notes.ts';
import { addIssue, addMergedMergeRequest, issuesOf, releasesOf } from '../../doubles/gitlab-api/releases.ts';
import type { GitLabApiDouble, Role } from '../../doubles/gitlab-api-double.ts';
import { type Canaries, createCanaries } from '../../support/canary.ts';
import {
  type Library,
  type PipelineResult,
  publishLibrary,
  readTree,
  removeAll,
  runPipeline,
} from '../../support/local-pipeline.ts';
import { startVault, type VaultFixture } from '../../support/vault.ts';
import { createReleaseProject, gitlabVariables, startGitLab } from './fixture.ts';

// End to end: consumer pipelines that include the semantic-release component as users do, run by
// gitlab-ci-local, with real semantic-release and git; GitLab's API is the double, the repository a
// bare remote served at the project's https URL.

const PIPELINE = `include:
  - component: $CI_SERVER_FQDN/oneex/ci-components/semantic-release@1
    inputs:
      needs: [test]

test:
  stage: test
  needs: []
  script:
    - echo "the tests pass"

build-image:
  stage: build
  needs: [next-version]
  script:
    - echo "image tag harbor.oneex.fr/$CI_PROJECT_PATH:\${NEXT_VERSION:-$CI_COMMIT_SHORT_SHA}"
`;

const TOKEN = 'glpat-Rel3ase-T0ken-9f8e7d6c5b4a';

let library: Library;
let gitlab: GitLabApiDouble;
const cleanup: string[] = [];

beforeAll(async () => {
  [library, gitlab] = await Promise.all([publishLibrary({ versions: ['1.0.0'] }), startGitLab()]);
  const bot = gitlab.addUser('release-bot');
  gitlab.addToken(TOKEN, bot, ['api', 'write_repository']);
  gitlab.addToken('glpat-reporter-only-000000', gitlab.addUser('viewer'), ['api']);
});

afterAll(async () => {
  await gitlab?.close();
  if (process.env.ONEEX_KEEP !== undefined) return;
  await removeAll(
    ...cleanup,
    ...(library ? [library.bare.replace('file://', '').replace(/\/[^/]+$/, '')] : []),
  );
});

/** Where gitlab-ci-local keeps a job's dotenv report. */
const dotenvReport = async (result: PipelineResult): Promise<string | undefined> =>
  (await result.artifacts('next-version'))['.gitlab-ci-reports/dotenv/next-version.env'];

async function project(
  path: string,
  members: Record<string, Role> = { 'release-bot': 'maintainer' },
  pipeline = PIPELINE,
) {
  const created = await createReleaseProject({
    library,
    gitlab,
    path,
    members,
    files: { '.gitlab-ci.yml': pipeline },
  });
  cleanup.push(created.consumer.dir, created.server);
  return created;
}

// Each test has its own project; they run side by side (the machine waits on processes more than CPU).
describe.concurrent('semantic-release component, default branch', () => {
  it('releases the next version with notes, tags the remote, comments, and feeds the image tag', async () => {
    const app = await project('oneex/api');
    await app.consumer.git(['tag', 'v1.2.0']);
    const fix = await app.consumer.commit({ message: 'fix(api): refuse expired documents' });
    const feat = await app.consumer.commit({ message: 'feat(scan): read the MRZ of passports' });
    await app.consumer.commit({ message: 'chore: tidy the scripts' });
    await app.push();
    addMergedMergeRequest(gitlab, app.project, { iid: 3, title: 'Read MRZ', commits: [feat], closes: [7] });
    addIssue(gitlab, app.project, { iid: 7, title: 'Passports are not read', state: 'closed' });

    const result = await runPipeline(library, app.consumer, {
      variables: { ...gitlabVariables(gitlab, app), GITLAB_TOKEN: TOKEN },
    });

    expect(result.job('next-version').status).toBe('success');
    expect(result.job('next-version').log).toContain('would release 1.3.0 (minor, tag v1.3.0)');
    expect(await dotenvReport(result)).toBe(
      'NEXT_VERSION=1.3.0\nNEXT_VERSION_TAG=v1.3.0\nNEXT_VERSION_TYPE=minor\n',
    );
    expect(result.job('build-image').log).toContain('image tag harbor.oneex.fr/oneex/api:1.3.0');

    const release = result.job('release');
    expect(release.status, release.log).toBe('success');
    expect(release.log).toContain('Released 1.3.0 (tag v1.3.0)');
    const head = await app.consumer.head();
    expect(await app.remoteTags()).toMatchObject({ 'v1.2.0': expect.any(String), 'v1.3.0': head });

    const [created] = releasesOf(gitlab, app.project);
    expect(created?.tag_name).toBe('v1.3.0');
    expect(created?.commit).toBe(head);
    expect(created?.description).toMatch(/### Features[\s\S]*\*\*scan:\*\* read the MRZ of passports/);
    expect(created?.description).toMatch(/### Bug Fixes[\s\S]*\*\*api:\*\* refuse expired documents/);
    expect(created?.description).not.toContain('tidy the scripts');
    expect(created?.description).toContain(`https://gitlab.oneex.test/oneex/api/commit/${fix}`);
    expect(
      mergeRequestNotes(gitlab, app.project.id, 3)
        .map((n) => n.body)
        .join(),
    ).toContain('1.3.0');
    expect(
      issuesOf(gitlab, app.project)[0]
        ?.notes.map((n) => n.body)
        .join(),
    ).toContain('1.3.0');

    // The token reached semantic-release and git by environment only: no log, artifact or file has it.
    expect(result.output).not.toContain(TOKEN);
    for (const job of result.jobs.values()) expect(job.log).not.toContain(TOKEN);
    const tree = await readTree(app.consumer.dir);
    for (const [path, content] of Object.entries(tree)) {
      if (path.endsWith('.gitlab-ci-local-variables.yml')) continue;
      expect(content.includes(TOKEN), path).toBe(false);
    }
  });

  it('releases nothing when no commit calls for it, and says so', async () => {
    const app = await project('oneex/front');
    await app.consumer.git(['tag', 'v2.0.0']);
    await app.consumer.commit({ message: 'docs: explain the setup' });
    await app.push();

    const result = await runPipeline(library, app.consumer, {
      variables: { ...gitlabVariables(gitlab, app), GITLAB_TOKEN: TOKEN },
    });

    expect(result.job('next-version').log).toContain('would release nothing');
    expect(await dotenvReport(result)).toBe('NEXT_VERSION=\nNEXT_VERSION_TAG=\nNEXT_VERSION_TYPE=\n');
    expect(result.job('build-image').log).toMatch(/image tag harbor\.oneex\.fr\/oneex\/front:[0-9a-f]{8}/);
    expect(result.job('release').status).toBe('success');
    expect(result.job('release').log).toContain('No release');
    expect(Object.keys(await app.remoteTags())).toEqual(['v2.0.0']);
    expect(releasesOf(gitlab, app.project)).toEqual([]);
  });

  it('fails before tagging when GitLab refuses the token, and with no token at all', async () => {
    const app = await project('oneex/scanner');
    await app.consumer.commit({ message: 'feat: scan faster' });
    await app.push();

    const [refused, missing] = [
      await runPipeline(library, app.consumer, {
        jobs: ['release'],
        variables: { ...gitlabVariables(gitlab, app), GITLAB_TOKEN: 'glpat-revoked-token-123456' },
      }),
      await runPipeline(library, app.consumer, {
        jobs: ['release'],
        variables: gitlabVariables(gitlab, app),
      }),
    ];

    expect(refused.job('release').status).toBe('failed');
    expect(refused.job('release').log).toContain('EINVALIDGLTOKEN');
    expect(refused.job('release').exitCode).toBe(3);
    expect(refused.job('release').log).not.toContain('glpat-revoked-token-123456');
    expect(missing.job('release').status).toBe('failed');
    expect(missing.job('release').log).toContain('[ENOGLTOKEN]');
    expect(missing.job('release').exitCode).toBe(2);
    expect(await app.remoteTags()).toEqual({});
    expect(releasesOf(gitlab, app.project)).toEqual([]);
  });

  it('refuses a token whose role cannot release (Reporter)', async () => {
    const app = await project('oneex/csharp', { viewer: 'reporter' });
    await app.consumer.commit({ message: 'fix: round amounts' });
    await app.push();

    const result = await runPipeline(library, app.consumer, {
      jobs: ['release'],
      variables: { ...gitlabVariables(gitlab, app), GITLAB_TOKEN: 'glpat-reporter-only-000000' },
    });

    expect(result.job('release').status).toBe('failed');
    expect(result.job('release').log).toContain('EGLNOPUSHPERMISSION');
    expect(await app.remoteTags()).toEqual({});
  });
});

describe('semantic-release component, merge request', () => {
  it('shows what merging would release, without a token', async () => {
    const app = await project('oneex/mr-preview');
    await app.consumer.git(['tag', 'v1.2.0']);
    await app.consumer.commit({ message: 'fix: keep the session' });
    await app.push();
    await app.consumer.git(['checkout', '-q', '-b', 'feature/v2-api']);
    await app.consumer.commit({ message: 'feat(api)!: drop the v1 endpoints' });
    await app.push();
    const base = (await app.consumer.git(['rev-parse', 'main'])).trim();

    const result = await runPipeline(library, app.consumer, {
      jobs: ['next-version'],
      variables: {
        ...gitlabVariables(gitlab, app),
        CI_PIPELINE_SOURCE: 'merge_request_event',
        CI_MERGE_REQUEST_IID: '12',
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/v2-api',
        CI_MERGE_REQUEST_DIFF_BASE_SHA: base,
      },
    });

    const job = result.job('next-version');
    expect(job.status, job.log).toBe('success');
    expect(job.log).toContain('Merging !12 into main would release 2.0.0 (major, tag v2.0.0)');
    expect(job.log).toContain('drop the v1 endpoints');
    expect(await dotenvReport(result)).toContain('NEXT_VERSION=2.0.0\n');
    // A dry run: nothing was pushed, nothing asked of GitLab.
    expect(Object.keys(await app.remoteTags())).toEqual(['v1.2.0']);
    expect(gitlab.requests.filter((r) => r.path.startsWith(`/projects/${app.project.id}`))).toEqual([]);
  });
});

describe('semantic-release component, token from Vault', () => {
  let fx: VaultFixture;
  let canaries: Canaries;
  beforeAll(async () => {
    fx = await startVault();
    canaries = createCanaries(fx.vault);
  });
  afterAll(() => fx?.stop());

  it('logs in with the job ID token, releases with the token it read, and leaks it nowhere', async () => {
    const refs = canaries.seed({ mount: 'kv', path: 'oneex/back/release', fields: ['token'] });
    const token = canaries.valueOf(refs.token ?? '');
    const bot = gitlab.addUser('vault-release-bot');
    gitlab.addToken(token, bot, ['api', 'write_repository']);
    const pipeline = PIPELINE.replace(
      '      needs: [test]\n',
      `      needs: [test]\n      token_vault_path: ${refs.token}\n      vault_role: oneex-back\n`,
    );
    const app = await project('oneex/back', { 'vault-release-bot': 'maintainer' }, pipeline);
    await app.consumer.git(['tag', 'v0.4.1']);
    await app.consumer.commit({ message: 'feat: verify driving licences' });
    await app.push();
    const idToken = canaries.watch('ID token', await fx.issuer.mint({ ref: 'main', refProtected: true }));

    const result = await runPipeline(library, app.consumer, {
      jobs: ['release'],
      variables: {
        ...gitlabVariables(gitlab, app),
        VAULT_ADDR: fx.vault.address,
        ONEEX_VAULT_ID_TOKEN: idToken,
      },
    });

    const release = result.job('release');
    expect(release.status, release.log).toBe('success');
    expect(release.log).toContain('GitLab token: Vault (kv/data/oneex/back/release#token).');
    expect(release.log).toContain('Released 0.5.0 (tag v0.5.0)');
    expect(releasesOf(gitlab, app.project).map((r) => r.author.username)).toEqual(['vault-release-bot']);
    expect(Object.keys(await app.remoteTags())).toEqual(['v0.4.1', 'v0.5.0']);
    await canaries.assertNoLeak(result, app.consumer);
  });

  it('fails before any git command when Vault refuses the job, naming the claim', async () => {
    const refs = canaries.seed({ mount: 'kv', path: 'oneex/back/release2', fields: ['token'] });
    const pipeline = PIPELINE.replace(
      '      needs: [test]\n',
      `      needs: [test]\n      token_vault_path: ${refs.token}\n      vault_role: oneex-back\n`,
    );
    const app = await project('oneex/back', {}, pipeline);
    await app.consumer.commit({ message: 'fix: nothing' });
    await app.push();
    const idToken = canaries.watch('ID token', await fx.issuer.mint({ ref: 'main', refProtected: false }));

    const result = await runPipeline(library, app.consumer, {
      jobs: ['release'],
      variables: {
        ...gitlabVariables(gitlab, app),
        VAULT_ADDR: fx.vault.address,
        ONEEX_VAULT_ID_TOKEN: idToken,
      },
    });

    expect(result.job('release').status).toBe('failed');
    expect(result.job('release').log).toContain('EVAULT_CLAIMS');
    expect(result.job('release').log).not.toContain('semantic-release version');
    expect(await app.remoteTags()).toEqual({});
    await canaries.assertNoLeak(result, app.consumer);
  });
});
