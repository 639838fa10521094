import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containersEnv, pushBaseImage, startRegistry, type TestRegistry } from '../../support/registry.ts';
import { branchPipeline, json, makeProject, runImage, sha, tagPipeline } from './fixture.ts';

// `oneex-ci image build` as a job runs it: the built CLI, real buildah and skopeo, a real registry
// with htpasswd auth and TLS from a test CA.

let registry: TestRegistry;
let storage: Record<string, string>;
let project: string;
const dirs: string[] = [];

const temp = async (prefix: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

/** The job's variables: the pipeline's, the group's Harbor ones, the component's inputs. */
function job(pipeline: Record<string, string>, inputs: Record<string, string> = {}, env = storage) {
  return {
    ...env,
    ...pipeline,
    HARBOR_HOST: registry.host,
    HARBOR_USERNAME: registry.username,
    HARBOR_PASSWORD: registry.password,
    ONEEX_IMAGE_CA_FILE: registry.caFile,
    ONEEX_IMAGE_BUILD_ARGS: json([`BASE=${registry.host}/base/busybox:1`]),
    ...inputs,
  };
}

beforeAll(async () => {
  registry = await startRegistry();
  storage = await containersEnv(await temp('oneex-storage-'));
  await pushBaseImage(registry, storage);
  project = await makeProject();
  dirs.push(project);
});

afterAll(async () => {
  await registry?.stop();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('image build: bad inputs', () => {
  it('reports every bad input at once, before building anything', async () => {
    const result = await runImage(
      project,
      job(branchPipeline(sha(900)), {
        ONEEX_IMAGE_NAME: 'Harbor.oneex.fr/Oneex/Back:1.0',
        ONEEX_IMAGE_BUILD_ARGS: json(['BASE', '1VERSION=2']),
        ONEEX_IMAGE_TAGS: json(['-latest', 'ok']),
        ONEEX_IMAGE_FILE: 'Dockerfile.missing',
      }),
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('[EINPUT]');
    expect(result.stderr).toMatch(
      /name: got "Harbor\.oneex\.fr\/Oneex\/Back:1\.0"; expected a repository name without a tag/,
    );
    expect(result.stderr).toMatch(/build_args: got "BASE"; expected NAME=value/);
    expect(result.stderr).toMatch(/build_args: got "1VERSION=2"; expected NAME=value/);
    expect(result.stderr).toMatch(/tags: got "-latest"; expected an image tag/);
    expect(result.stderr).toMatch(/file: got "Dockerfile\.missing"; expected an existing Containerfile/);
    expect(result.stdout).not.toContain('STEP');
    expect(await registry.tags('oneex/back')).not.toContain(sha(900));
  });

  it('fails on a missing Containerfile, an unknown target and a bad image name before building', async () => {
    const empty = await temp('oneex-empty-');
    const missing = await runImage(empty, job(branchPipeline(sha(901))));
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('file: not set; expected a Containerfile or Dockerfile in .');

    const target = await runImage(
      project,
      job(branchPipeline(sha(901)), {
        ONEEX_IMAGE_TARGET: 'build',
        ONEEX_IMAGE_NAME: `${registry.host}/back`,
      }),
    );
    expect(target.exitCode).toBe(2);
    expect(target.stderr).toContain('target: got "build"; expected a stage of Containerfile: runtime');
    expect(target.stderr).toContain('expected a name with a Harbor project and a repository');
    expect(target.stdout).not.toContain('STEP');
  });

  it('refuses a release tag that cannot be an image tag', async () => {
    const result = await runImage(project, job(tagPipeline(sha(902), 'release/2026-11')));
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('The git tag "release/2026-11" can be neither a version');
    expect(result.stdout).not.toContain('STEP');
  });

  it('fails a build whose step fails, without retrying it, and pushes nothing', async () => {
    const broken = await makeProject({
      Containerfile: `ARG BASE\nFROM \${BASE}\nRUN echo "tests: 503 failures" && exit 3\n`,
    });
    dirs.push(broken);
    const result = await runImage(broken, job(branchPipeline(sha(904), { CI_PROJECT_PATH: 'oneex/broken' })));
    expect(result.exitCode, result.output).toBe(1);
    expect(result.stderr).toContain('build failed: the build failed.');
    expect(result.stderr).toContain('exit status 3');
    expect(result.stderr).toContain('[EBUILD]');
    expect(result.stdout).not.toContain('retrying');
    expect(await registry.tags('oneex/broken')).toEqual([]);
  });

  it('checks the Vault inputs with the others, before anything runs', async () => {
    const result = await runImage(
      project,
      job(branchPipeline(sha(905)), {
        ONEEX_IMAGE_HARBOR_PASSWORD_SECRET: 'kv/data/ci/harbor',
        ONEEX_IMAGE_HARBOR_USERNAME_SECRET: 'kv/data/ci/harbor#username',
        ONEEX_IMAGE_TAGS: json(['bad tag']),
      }),
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('inputs of component "image" are not valid');
    expect(result.stderr).toMatch(/tags: got "bad tag"; expected an image tag/);
    expect(result.stderr).toMatch(/harbor_password_secret: got "kv\/data\/ci\/harbor"; expected .*#/);
    expect(result.stderr).toMatch(/vault_role: .*expected a role name/);
    expect(result.stderr).toMatch(/id_tokens: not set; expected the job's ID token/);
    expect(result.stdout).not.toContain('STEP');
  });

  it('needs the robot account', async () => {
    const variables: Record<string, string> = job(branchPipeline(sha(903)));
    delete variables.HARBOR_PASSWORD;
    const result = await runImage(project, variables);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'No Harbor robot account: HARBOR_PASSWORD is not set. [EHARBOR_CREDENTIALS]',
    );
  });
});

describe('image build: build, push, tag', () => {
  const first = sha(1);
  let digest: string;

  it('builds, pushes by digest, tags the commit SHA and the ref slug, and reports the digest', async () => {
    const result = await runImage(project, job(branchPipeline(first)));
    expect(result.exitCode, result.output).toBe(0);
    digest = result.report.IMAGE_DIGEST as string;
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(result.report).toEqual({
      IMAGE_REF: `${registry.host}/oneex/back@${digest}`,
      IMAGE_DIGEST: digest,
      IMAGE_NAME: `${registry.host}/oneex/back`,
      IMAGE_TAGS: `${first},main`,
    });
    expect(await registry.digestOf(`${registry.host}/oneex/back:${first}`)).toBe(digest);
    expect(await registry.digestOf(`${registry.host}/oneex/back:main`)).toBe(digest);

    const inspected = JSON.parse(
      await registry.skopeo(['inspect', `docker://${registry.host}/oneex/back@${digest}`]),
    ) as {
      Labels: Record<string, string>;
      Created: string;
    };
    expect(inspected.Labels).toMatchObject({
      'org.opencontainers.image.source': 'https://gitlab.oneex.fr/oneex/back',
      'org.opencontainers.image.url': 'https://gitlab.oneex.fr/oneex/back',
      'org.opencontainers.image.revision': first,
      'org.opencontainers.image.created': '2026-11-30T10:00:00Z',
      'org.opencontainers.image.version': first.slice(0, 8),
      'org.opencontainers.image.title': 'Back',
    });
    // Reproducible: the image's time is the commit's.
    expect(inspected.Created).toBe('2026-11-30T10:00:00Z');
    // The layer cache went to the registry.
    expect((await registry.tags('oneex/back/cache')).length).toBeGreaterThan(0);
  });

  it('reuses the image on a re-run of the same commit: no build, same digest', async () => {
    const result = await runImage(project, job(branchPipeline(first)));
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stdout).toContain('already exists');
    expect(result.stdout).not.toContain('STEP 1');
    expect(result.report.IMAGE_DIGEST).toBe(digest);
  });

  it('adds version tags on a release tag pipeline by copying the digest, without a build', async () => {
    const release = await runImage(project, job(tagPipeline(first, 'v1.2.0')));
    expect(release.exitCode, release.output).toBe(0);
    expect(release.stdout).not.toContain('STEP 1');
    expect(release.report.IMAGE_TAGS).toBe(`${first},1.2.0,1.2,1`);
    for (const tag of ['1.2.0', '1.2', '1']) {
      expect(await registry.digestOf(`${registry.host}/oneex/back:${tag}`)).toBe(digest);
    }
  });

  it('moves major and minor tags only forward, and gives a pre-release its version alone', async () => {
    const registryTags = async () => registry.tags('oneex/back');
    const older = await runImage(project, job(tagPipeline(first, 'v1.1.7')));
    expect(older.exitCode, older.output).toBe(0);
    expect(older.report.IMAGE_TAGS).toBe(`${first},1.1.7,1.1`);
    expect(older.stdout).toContain('Tag 1 stays on 1.2.0, a newer release.');

    const rc = await runImage(project, job(tagPipeline(first, 'v2.0.0-rc.1')));
    expect(rc.exitCode, rc.output).toBe(0);
    expect(rc.report.IMAGE_TAGS).toBe(`${first},2.0.0-rc.1`);
    expect(await registryTags()).not.toContain('2');
  });

  it('builds the same bytes again for the same commit, from scratch and without the cache', async () => {
    const fresh = await containersEnv(await temp('oneex-storage-fresh-'));
    const result = await runImage(
      project,
      job(branchPipeline(first), { ONEEX_IMAGE_REBUILD: 'true', ONEEX_IMAGE_CACHE: 'false' }, fresh),
    );
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stdout).toContain('STEP 1');
    expect(result.stdout).not.toContain('Using cache');
    expect(result.report.IMAGE_DIGEST).toBe(digest);
  });

  it('rebuilds only the steps after an application-code change, from the registry cache on a fresh runner', async () => {
    const changed = await makeProject();
    dirs.push(changed);
    await writeFile(join(changed, 'src', 'app.txt'), 'hello from v2\n');
    const fresh = await containersEnv(await temp('oneex-storage-fresh-'));
    const result = await runImage(changed, job(branchPipeline(sha(2)), {}, fresh));
    expect(result.exitCode, result.output).toBe(0);
    const steps = result.stdout.split(/^STEP /m).slice(1);
    const cached = steps.map((step) => step.includes('Using cache'));
    // WORKDIR, COPY deps.txt and the dependency RUN come from the cache; COPY src/ and after do not.
    expect(steps.map((s) => s.split('\n')[0])).toEqual([
      expect.stringMatching(/^1\/6: FROM/),
      expect.stringMatching(/^2\/6: WORKDIR/),
      expect.stringMatching(/^3\/6: COPY deps\.txt/),
      expect.stringMatching(/^4\/6: RUN/),
      expect.stringMatching(/^5\/6: COPY src/),
      expect.stringMatching(/^6\/6: CMD/),
    ]);
    expect(cached).toEqual([false, true, true, true, false, false]);
    expect(result.stdout).toContain('Cache pulled from remote');
    expect(result.report.IMAGE_DIGEST).not.toBe(digest);

    // The dependency layer is the very same blob in both images.
    const layers = async (ref: string) =>
      (JSON.parse(await registry.skopeo(['inspect', `docker://${ref}`])) as { Layers: string[] }).Layers;
    const before = await layers(`${registry.host}/oneex/back@${digest}`);
    const after = await layers(result.report.IMAGE_REF as string);
    expect(after.slice(0, -1)).toEqual(before.slice(0, -1));
    expect(after.at(-1)).not.toBe(before.at(-1));
  });
});
