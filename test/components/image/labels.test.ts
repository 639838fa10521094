import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLabels } from '../../../components/image/labels.ts';

const run = promisify(execFile);
let dir: string;

// A real OCI layout, written by skopeo from a tarball layer, then relabelled.
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oneex-labels-'));
  await writeFile(join(dir, 'hello.txt'), 'hello\n');
  await run('tar', ['-C', dir, '-cf', join(dir, 'layer.tar'), 'hello.txt']);
  const layer = (await run('sha256sum', [join(dir, 'layer.tar')])).stdout.split(' ')[0];
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Labels: { keep: 'me' } },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layer}`] },
  });
  await writeFile(join(dir, 'config.json'), config);
  await run('mkdir', ['-p', join(dir, 'layout', 'blobs', 'sha256')]);
  const blob = async (file: string) => {
    const digest = (await run('sha256sum', [file])).stdout.split(' ')[0] as string;
    await run('cp', [file, join(dir, 'layout', 'blobs', 'sha256', digest)]);
    const size = Number((await run('stat', ['-c', '%s', file])).stdout.trim());
    return { digest: `sha256:${digest}`, size };
  };
  const configBlob = await blob(join(dir, 'config.json'));
  const layerBlob = await blob(join(dir, 'layer.tar'));
  await writeFile(
    join(dir, 'manifest.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layerBlob }],
    }),
  );
  const manifest = await blob(join(dir, 'manifest.json'));
  await writeFile(join(dir, 'layout', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'layout', 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': 'image' },
        },
      ],
    }),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('setLabels', () => {
  it('adds labels to the config of an OCI layout, keeping the layers, and returns the new digest', async () => {
    const digest = await setLabels(join(dir, 'layout'), { 'org.opencontainers.image.revision': 'abc' });
    const inspected = JSON.parse(
      (await run('skopeo', ['inspect', `oci:${join(dir, 'layout')}:image`])).stdout,
    ) as {
      Digest: string;
      Labels: Record<string, string>;
      Layers: string[];
    };
    expect(inspected.Digest).toBe(digest);
    expect(inspected.Labels).toEqual({ keep: 'me', 'org.opencontainers.image.revision': 'abc' });
    expect(inspected.Layers).toHaveLength(1);
    // The same labels again: the same bytes, the same digest.
    expect(await setLabels(join(dir, 'layout'), { 'org.opencontainers.image.revision': 'abc' })).toBe(digest);
  });
});
