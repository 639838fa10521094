import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RegistryAccess } from '../../src/registry/access.ts';
import { runRegistryTool } from '../../src/registry/tool.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT } from '../../src/runtime/errors.ts';
import { setLabels } from './labels.ts';
import type { BuildPlan } from './plan.ts';

// The build, with buildah: no daemon, no privileges (`chroot` isolation), layers cached in the
// registry. The image then goes to an OCI layout on local disk, compressed once, where it gets its
// labels; that gives the digest it will have in the registry before anything is pushed.

export interface BuildOptions {
  readonly storageDriver: string;
  /** A private temporary directory for the image ID, digest and OCI layout. */
  readonly workDir: string;
}

export interface BuiltImage {
  /** `oci:<dir>:image`, what skopeo pushes from. */
  readonly layout: string;
  /** The manifest digest the registry will know the image by. */
  readonly digest: string;
}

export function budArgs(plan: BuildPlan, access: RegistryAccess, options: BuildOptions): string[] {
  return [
    '--storage-driver',
    options.storageDriver,
    'bud',
    '--isolation',
    'chroot',
    '--layers',
    // Same commit, same bytes: file times and metadata from the commit, no buildah version label.
    '--timestamp',
    String(plan.timestamp),
    '--identity-label=false',
    '--authfile',
    access.authFile,
    ...(access.certDir !== undefined ? ['--cert-dir', access.certDir] : []),
    '--file',
    plan.file,
    ...(plan.target !== undefined ? ['--target', plan.target] : []),
    ...plan.buildArgs.flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]),
    ...(plan.cache !== undefined ? ['--cache-from', plan.cache.full, '--cache-to', plan.cache.full] : []),
    '--iidfile',
    join(options.workDir, 'image-id'),
    plan.contextDir,
  ];
}

export async function build(
  plan: BuildPlan,
  access: RegistryAccess,
  options: BuildOptions,
  context: RunContext,
): Promise<BuiltImage> {
  await context.log.section('image_build', `Building ${plan.name.full} from ${plan.file}`, () =>
    runRegistryTool(
      {
        what: 'build',
        command: 'buildah',
        args: budArgs(plan, access, options),
        echo: true,
        finalErrorOnly: true,
        otherwise: {
          code: 'EBUILD',
          exitCode: EXIT.failed,
          reason: 'the build failed',
          hint: 'A Containerfile step failed, or the Containerfile is not valid: its output is above.',
        },
      },
      context,
    ),
  );
  const imageId = (await readFile(join(options.workDir, 'image-id'), 'utf8')).trim();
  const layoutDir = join(options.workDir, 'layout');
  await runRegistryTool(
    {
      what: 'write the image to a local OCI layout',
      command: 'buildah',
      args: ['--storage-driver', options.storageDriver, 'push', '--quiet', imageId, `oci:${layoutDir}:image`],
    },
    context,
  );
  const digest = await setLabels(layoutDir, plan.labels);
  return { layout: `oci:${layoutDir}:image`, digest };
}
