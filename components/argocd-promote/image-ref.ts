// An image reference as the OCI distribution spec writes it (github.com/distribution/reference):
// `[domain[:port]/]path[:tag]@algorithm:hex`. Promotions go by digest only: a tag can be moved, a digest
// names the exact bytes that were tested in the environment before.

export interface ImageRef {
  /** Registry and repository, without tag or digest: `harbor.oneex.fr/oneex/back`. */
  readonly name: string;
  /** A tag written in the reference itself (`name:tag@digest`), if any. */
  readonly tag: string | undefined;
  /** `sha256:<64 hex>` (or sha512). */
  readonly digest: string;
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const NAME = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
export const TAG = /^[\w][\w.-]{0,127}$/;
const DIGESTS: Readonly<Record<string, RegExp>> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};

export const DIGEST_REF_EXPECTED =
  'a digest reference such as harbor.oneex.fr/oneex/back@sha256:<64 hex digits> (the IMAGE_REF the image component reports)';

/** The reference, or why it is not a digest reference (for the input error). */
export function parseImageRef(text: string): { ref: ImageRef } | { problem: string } {
  const value = text.trim();
  const at = value.indexOf('@');
  if (at < 0) {
    return { problem: `${DIGEST_REF_EXPECTED}; a tag can be moved, so promotions go by digest` };
  }
  const [nameAndTag, digest] = [value.slice(0, at), value.slice(at + 1)];
  const [algorithm, hex] = digest.split(':', 2);
  const hexPattern = algorithm === undefined ? undefined : DIGESTS[algorithm];
  if (hexPattern === undefined || hex === undefined || !hexPattern.test(hex)) {
    return { problem: `${DIGEST_REF_EXPECTED}; "${digest}" is not a sha256 or sha512 digest` };
  }
  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.indexOf(':', lastSlash + 1);
  const name = colon < 0 ? nameAndTag : nameAndTag.slice(0, colon);
  const tag = colon < 0 ? undefined : nameAndTag.slice(colon + 1);
  if (!NAME.test(name)) return { problem: `${DIGEST_REF_EXPECTED}; "${name}" is not a valid image name` };
  if (tag !== undefined && !TAG.test(tag)) {
    return { problem: `${DIGEST_REF_EXPECTED}; "${tag}" is not a valid tag` };
  }
  return { ref: { name, tag, digest } };
}

/**
 * The tag to record beside the digest (kustomize's newTag, a chart's image.tag), for people reading
 * the overlay: the reference's own tag, else the most specific version among the image's tags (the
 * one with the most dots: `1.4.2` over `1.4` over `latest`), else none.
 */
export function displayTag(ref: ImageRef, tags: readonly string[]): string | undefined {
  if (ref.tag !== undefined) return ref.tag;
  const valid = tags.filter((tag) => TAG.test(tag));
  const dots = (tag: string) => tag.split('.').length;
  return [...valid].sort((a, b) => dots(b) - dots(a))[0];
}

/** IMAGE_TAGS as the image component writes it: tags separated by commas or spaces; tags with a repository are cut to the tag. */
export function parseTags(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((tag) => tag.slice(tag.lastIndexOf(':') + 1))
    .filter((tag) => tag !== '');
}

export const shortDigest = (digest: string): string => {
  const [algorithm, hex = ''] = digest.split(':');
  return `${algorithm}:${hex.slice(0, 12)}`;
};

export const formatRef = (ref: ImageRef): string => `${ref.name}@${ref.digest}`;
