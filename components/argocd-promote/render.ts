import { join } from 'node:path';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { exec } from '../../src/runtime/exec.ts';
import type { ImageUpdate } from './manifest.ts';

// Before a promotion is pushed, the overlay is rendered as Argo CD will render it (`kubectl kustomize`,
// the Kustomize that kubectl embeds): the edit must leave it valid, and some workload must run the
// new digest. An `images:` entry whose name no manifest uses would otherwise change nothing, silently.

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function rendersImage(rendered: string, image: ImageUpdate): boolean {
  return new RegExp(`${escapeRegExp(image.name)}(?::[\\w][\\w.-]*)?@${escapeRegExp(image.digest)}`).test(
    rendered,
  );
}

export async function checkRender(
  repo: string,
  dir: string,
  image: ImageUpdate,
  context: RunContext,
): Promise<void> {
  let result: Awaited<ReturnType<typeof exec>>;
  try {
    result = await exec('kubectl', ['kustomize', join(repo, dir)], {
      cwd: repo,
      redactor: context.redactor,
      timeoutMs: 120_000,
    });
  } catch (error) {
    throw new OneexError(
      'ERENDER_TOOL',
      `Could not render ${dir}: ${(error as Error).message}`,
      'The library image has kubectl; with another image, install kubectl or set verify_render to false.',
      EXIT.unavailable,
    );
  }
  if (result.exitCode !== 0) {
    throw new OneexError(
      'ERENDER',
      `${dir} does not render after the edit (kubectl kustomize exit ${result.exitCode}):\n${result.stderr.trim()}`,
      'Nothing was pushed. Fix the overlay in the GitOps repository, then run the job again.',
      EXIT.failed,
    );
  }
  if (!rendersImage(result.stdout, image)) {
    throw new OneexError(
      'ERENDER_IMAGE',
      `${dir} renders, but no manifest in it runs ${image.name}@${image.digest}: the images: entry names an image the manifests do not use.`,
      'Set kustomize_image to the image name the base manifests use (`image:` of their containers). Nothing was pushed.',
      EXIT.usage,
    );
  }
}
