import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarborClient, harborArtifact } from '../../src/harbor/client.ts';
import type { Action } from '../../src/model/component.ts';
import { openRegistryAccess } from '../../src/registry/access.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { pinned, tagged } from '../../src/registry/reference.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { writeDotenv } from '../../src/runtime/dotenv.ts';
import { EXIT, InputError, type InputProblem, OneexError } from '../../src/runtime/errors.ts';
import { build } from './buildah.ts';
import type { inputs as declared } from './component.ts';
import { credentialSource, harborCredentials } from './credentials.ts';
import { vulnerabilityGate } from './gate.ts';
import { type BuildPlan, planBuild } from './plan.ts';
import { releaseTags, uniqueTags } from './tags.ts';

// The job, in the order it runs: check every input; get the robot account; find this commit's image
// in the registry or build it and push it by digest; let Harbor judge it (optional); only then write
// the tags, each a copy of the digest; report the digest to later jobs.

const action: Action<typeof declared> = async (inputs, context) => {
  const [plan, source] = checkAll(
    () => planBuild(inputs, context.ci, context.cwd),
    () => credentialSource(inputs, context),
  );
  const credentials = await harborCredentials(source, context);
  const hosts = [...new Set([plan.name.registry, plan.cache?.registry].filter((h) => h !== undefined))];
  await using access = await openRegistryAccess({
    hosts,
    credentials,
    caFile: plan.caFile,
    projectDir: context.cwd,
    redactor: context.redactor,
  });
  const registry = new RegistryClient({ access, timeoutSeconds: inputs.push_timeout }, context);

  const digest =
    (inputs.rebuild ? undefined : await reuse(plan, registry, context)) ??
    (await buildAndPush(plan, registry, { access, storageDriver: inputs.storage_driver }, context));

  if (plan.gate !== undefined) {
    const harbor = new HarborClient(plan.gate.harborUrl, credentials, context.redactor);
    await vulnerabilityGate(harbor, harborArtifact(plan.name.path, digest), plan.gate, context);
  }

  const tags = await context.log.section('image_tags', 'Tagging the image', () =>
    writeTags(plan, digest, registry, context),
  );
  await writeDotenv(plan.reportFile, {
    IMAGE_REF: pinned(plan.name, digest),
    IMAGE_DIGEST: digest,
    IMAGE_NAME: plan.name.full,
    IMAGE_TAGS: tags.join(','),
  });
  context.log.success(`${pinned(plan.name, digest)}`);
  context.log.info(`  tags: ${tags.join(', ')}`);
  return EXIT.ok;
};

export default action;

/** Runs both checks, so that a bad build input and a bad Vault input are reported together. */
function checkAll<A, B>(first: () => A, second: () => B): [A, B] {
  const problems: InputProblem[] = [];
  const attempt = <T>(check: () => T): T | undefined => {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const a = attempt(first);
  const b = attempt(second);
  if (problems.length > 0) throw new InputError('image', problems);
  return [a as A, b as B];
}

/** The digest of the image this commit already has, tagged with its SHA: only complete images are tagged. */
async function reuse(
  plan: BuildPlan,
  registry: RegistryClient,
  context: RunContext,
): Promise<string | undefined> {
  const existing = await registry.inspect(tagged(plan.name, plan.commit));
  if (existing === undefined) return undefined;
  context.log.info(
    `${tagged(plan.name, plan.commit)} already exists (${existing.digest}): reusing it, no build. Set \`rebuild\` to build anyway.`,
  );
  const revision = existing.labels['org.opencontainers.image.revision'];
  if (revision !== undefined && revision !== plan.commit) {
    context.log.warn(`That image's revision label says ${revision}, not ${plan.commit}.`);
  }
  return existing.digest;
}

async function buildAndPush(
  plan: BuildPlan,
  registry: RegistryClient,
  options: { readonly access: Parameters<typeof build>[1]; readonly storageDriver: string },
  context: RunContext,
): Promise<string> {
  const workDir = await mkdtemp(join(tmpdir(), 'oneex-image-'));
  try {
    const image = await build(
      plan,
      options.access,
      { storageDriver: options.storageDriver, workDir },
      context,
    );
    const target = pinned(plan.name, image.digest);
    await context.log.section('image_push', `Pushing ${target}`, () =>
      registry.copy(image.layout, `docker://${target}`, `push ${target}`),
    );
    return image.digest;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function writeTags(
  plan: BuildPlan,
  digest: string,
  registry: RegistryClient,
  context: RunContext,
): Promise<string[]> {
  const tags = [...plan.buildTags];
  if (plan.release !== undefined) {
    const existing = plan.release.kind === 'semver' ? await registry.listTags(plan.name) : [];
    for (const decision of releaseTags(plan.release, existing)) {
      if (decision.keptFor === undefined) tags.push(decision.tag);
      else context.log.info(`Tag ${decision.tag} stays on ${decision.keptFor}, a newer release.`);
    }
  }
  const source = `docker://${pinned(plan.name, digest)}`;
  const wanted = uniqueTags(tags);
  const written: string[] = [];
  const write = async (tag: string) => {
    await registry.copy(source, `docker://${tagged(plan.name, tag)}`, `tag ${tag}`);
    written.push(tag);
    context.log.info(`  ${tag} -> ${digest}`);
  };
  try {
    // All at once: each is one manifest write, and whichever fails, the image is whole already.
    const results = await Promise.allSettled(wanted.map(write));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  } catch (error) {
    if (!(error instanceof OneexError)) throw error;
    // Each tag written points at the whole image; say which are missing, so that a re-run finishes.
    const missing = wanted.filter((tag) => !written.includes(tag));
    throw new OneexError(
      error.code,
      `${error.message}\n  Tagged: ${written.join(', ') || 'none'}; not tagged: ${missing.join(', ')}.`,
      `${error.hint ?? ''} The image ${pinned(plan.name, digest)} is complete: re-run the job to write the missing tags.`.trim(),
      error.exitCode,
    );
  }
  // In the order they were asked for, whatever order they finished in.
  return wanted;
}
