import type { YAMLMap } from 'yaml';
import { asMap, asSeq, scalarText, YamlFile } from './yaml-edit.ts';

// The one change a promotion makes to the GitOps repository: the image of an app in one environment,
// written where Kustomize or Helm reads it. Pure functions of the file's text, so each layout has a test.

export interface ImageUpdate {
  /** Registry and repository: `harbor.oneex.fr/oneex/back`. */
  readonly name: string;
  /** Shown beside the digest for people; the digest alone decides what runs. */
  readonly tag: string | undefined;
  readonly digest: string;
}

export interface Edit {
  readonly text: string;
  /** False when the file already said all of this: no commit. */
  readonly changed: boolean;
  /** False when the file's own layout could not be kept (comments are kept either way). */
  readonly layoutKept: boolean;
  /** What the file named before, for the log and the commit message. */
  readonly previous: { readonly digest?: string; readonly tag?: string };
  /** Where in the file the image is, for the log: `images[name=back]`, `image`. */
  readonly location: string;
}

export class ManifestError extends Error {}

function parse(text: string, file: string): YamlFile {
  const parsed = YamlFile.parse(text);
  if ('error' in parsed) throw new ManifestError(`${file} is not valid YAML: ${parsed.error}`);
  return parsed;
}

function finish(file: YamlFile, previous: Edit['previous'], location: string): Edit {
  const { text, layoutKept } = file.render();
  return { text, changed: text !== file.source, layoutKept, previous, location };
}

/**
 * Sets the `images:` entry of a kustomization: `newName`, `newTag` (removed when there is no tag, so a
 * stale one is never rendered beside the new digest) and `digest`. The entry is the one whose `name` is
 * `entryName`; without one, the entry whose `name` or `newName` is the image's name, or whose `name` is
 * its last path segment. No entry: one is added, named `entryName` or the image's name.
 */
export function editKustomization(
  text: string,
  image: ImageUpdate,
  options: { readonly file: string; readonly entryName?: string | undefined },
): Edit {
  const file = parse(text, options.file);
  const root = asMap(file.node([]));
  if (root === undefined) throw new ManifestError(`${options.file} is not a kustomization (not a YAML map)`);
  const fields = { newName: image.name, newTag: image.tag, digest: image.digest };
  const images = file.node(['images']);
  const entries = asSeq(images);
  if (images !== undefined && images !== null && entries === undefined) {
    throw new ManifestError(`${options.file}: images: is not a list`);
  }
  const entry = entries === undefined ? undefined : findEntry(entries.items, image.name, options.entryName);
  const name = options.entryName ?? image.name;
  if (entry === undefined) {
    const added = { name, ...definedOnly(fields) };
    if (entries === undefined) file.add(root, 'images', [added]);
    else file.append(entries, added);
    return finish(file, {}, `images[name=${name}]`);
  }
  const previous = definedOnly({
    digest: scalarText(entry.get('digest', true)),
    tag: scalarText(entry.get('newTag', true)),
  });
  for (const [key, value] of Object.entries(fields)) file.set(entry, key, value);
  return finish(file, previous, `images[name=${scalarText(entry.get('name', true)) ?? name}]`);
}

function findEntry(
  items: readonly unknown[],
  imageName: string,
  entryName: string | undefined,
): YAMLMap | undefined {
  const maps = items.map(asMap).filter((map): map is YAMLMap => map !== undefined);
  const field = (map: YAMLMap, key: string) => scalarText(map.get(key, true));
  if (entryName !== undefined) return maps.find((map) => field(map, 'name') === entryName);
  const lastSegment = imageName.slice(imageName.lastIndexOf('/') + 1);
  return (
    maps.find((map) => field(map, 'name') === imageName) ??
    maps.find((map) => field(map, 'newName') === imageName) ??
    maps.find((map) => field(map, 'name') === lastSegment)
  );
}

/**
 * Sets the image at a dotted path of Helm values. A map there gets `repository`, `tag` (removed when
 * there is no tag) and `digest`, the keys most charts read; a string there becomes the whole reference
 * (`name:tag@digest`). Missing maps on the path are created.
 */
export function editHelmValues(
  text: string,
  image: ImageUpdate,
  options: { readonly file: string; readonly valuesPath: string },
): Edit {
  const file = parse(text, options.file);
  const path = options.valuesPath.split('.');
  const location = options.valuesPath;
  const node = file.node(path);
  const fields = { repository: image.name, tag: image.tag, digest: image.digest };
  const current = asMap(node);
  if (current !== undefined) {
    const previous = definedOnly({
      digest: scalarText(current.get('digest', true)),
      tag: scalarText(current.get('tag', true)),
    });
    for (const [key, value] of Object.entries(fields)) file.set(current, key, value);
    return finish(file, previous, location);
  }
  const reference = `${image.name}${image.tag !== undefined ? `:${image.tag}` : ''}@${image.digest}`;
  const parentPath = path.slice(0, -1);
  const leaf = path.at(-1) ?? '';
  if (node !== undefined && node !== null) {
    const previousText = scalarText(node);
    if (previousText === undefined) {
      throw new ManifestError(`${options.file}: ${location} is neither a map nor a string`);
    }
    const parent = asMap(file.node(parentPath));
    if (parent === undefined)
      throw new ManifestError(`${options.file}: the parent of ${location} is not a map`);
    file.set(parent, leaf, reference);
    const digest = previousText.includes('@') ? previousText.slice(previousText.indexOf('@') + 1) : undefined;
    return finish(file, definedOnly({ digest }), location);
  }
  // Nothing at the path yet: create what is missing below the deepest map that exists.
  let depth = parentPath.length;
  while (depth > 0 && asMap(file.node(path.slice(0, depth))) === undefined) depth--;
  const base = asMap(file.node(path.slice(0, depth)));
  if (base === undefined) throw new ManifestError(`${options.file} is not a map of Helm values`);
  if (depth < parentPath.length && file.node(path.slice(0, depth + 1)) != null) {
    throw new ManifestError(`${options.file}: ${path.slice(0, depth + 1).join('.')} is not a map`);
  }
  let value: Record<string, unknown> = definedOnly(fields);
  for (const key of path.slice(depth + 1).reverse()) value = { [key]: value };
  const [first] = path.slice(depth);
  file.add(base, first ?? leaf, value);
  return finish(file, {}, location);
}

function definedOnly<T extends Record<string, string | undefined>>(record: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: string;
  };
}
