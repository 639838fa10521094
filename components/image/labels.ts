import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// Labels are written into the built image's config in its OCI layout, not passed to `buildah bud
// --label`: buildah turns each `--label` into a build step of its own, each one a layer commit and a
// cache entry that changes with every commit (the revision label does). Here they cost no build step,
// no layer, and leave the layer cache keyed on the Containerfile and its inputs alone.

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const blobPath = (layout: string, digest: string): string => join(layout, 'blobs', ...digest.split(':'));

async function writeBlob(layout: string, content: Buffer): Promise<{ digest: string; size: number }> {
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  await writeFile(blobPath(layout, digest), content);
  return { digest, size: content.length };
}

/**
 * Sets labels on the image of an OCI layout holding one image, and returns the new manifest digest.
 * The same labels on the same image always give the same digest.
 */
export async function setLabels(layout: string, labels: Readonly<Record<string, string>>): Promise<string> {
  const indexPath = join(layout, 'index.json');
  const index = JSON.parse(await readFile(indexPath, 'utf8')) as { manifests: Descriptor[] };
  const [entry, ...others] = index.manifests;
  if (entry === undefined || others.length > 0) {
    throw new Error(`expected one image in ${layout}, found ${index.manifests.length}`);
  }
  const manifest = JSON.parse(await readFile(blobPath(layout, entry.digest), 'utf8')) as {
    config: Descriptor;
  };
  const config = JSON.parse(await readFile(blobPath(layout, manifest.config.digest), 'utf8')) as {
    config?: { Labels?: Record<string, string> | null };
  };
  config.config = { ...config.config, Labels: { ...config.config?.Labels, ...labels } };
  const configBlob = await writeBlob(layout, Buffer.from(JSON.stringify(config)));
  manifest.config = { ...manifest.config, ...configBlob };
  const manifestBlob = await writeBlob(layout, Buffer.from(JSON.stringify(manifest)));
  index.manifests = [{ ...entry, ...manifestBlob }];
  await writeFile(indexPath, JSON.stringify(index));
  return manifestBlob.digest;
}
