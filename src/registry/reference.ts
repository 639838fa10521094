// Image references as the distribution registry parses them (github.com/distribution/reference):
// a registry host, a lower-case path, then a tag or a digest. Checked here, before any tool runs, so a
// bad name fails with a sentence rather than with buildah's "invalid reference format".

/** `[domain[:port]]`: dot-separated labels, or `localhost`, with an optional port. */
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** The registry's limit on a repository name (host included). */
const MAX_NAME_LENGTH = 255;

export interface ImageName {
  /** `harbor.oneex.fr` or `127.0.0.1:5000`. */
  readonly registry: string;
  /** `oneex/back`: the repository path inside the registry. */
  readonly path: string;
  /** `harbor.oneex.fr/oneex/back`. */
  readonly full: string;
}

export type Parsed<T> = { readonly value: T } | { readonly problem: string };

/**
 * A repository name with its registry host and no tag or digest. The host must be explicit: a name
 * without one would go to docker.io, which is never what a job building for Harbor means.
 */
export function parseImageName(text: string): Parsed<ImageName> {
  const [registry, ...components] = text.split('/');
  if (text.includes('@') || components.some((component) => component.includes(':'))) {
    return { problem: 'a repository name without a tag or digest (tags have their own inputs)' };
  }
  if (registry === undefined || components.length === 0 || !isRegistryHost(registry)) {
    return { problem: 'a name that starts with the registry host, such as harbor.oneex.fr/<project>/<app>' };
  }
  const bad = components.find((component) => !PATH_COMPONENT.test(component));
  if (bad !== undefined) {
    return {
      problem: `lower-case path components of letters, digits and single separators (. _ __ -); "${bad}" is not one`,
    };
  }
  if (text.length > MAX_NAME_LENGTH) return { problem: `a name of at most ${MAX_NAME_LENGTH} characters` };
  return { value: { registry, path: components.join('/'), full: text } };
}

/** Docker's rule: the first component is a host when it has a dot or a port, or is `localhost`. */
function isRegistryHost(component: string): boolean {
  if (!DOMAIN.test(component)) return false;
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

export const isValidTag = (tag: string): boolean => TAG.test(tag);
export const isDigest = (text: string): boolean => DIGEST.test(text);

export const TAG_RULE =
  'letters, digits, `_`, `.` and `-`, not starting with `.` or `-`, at most 128 characters';

/**
 * A GitLab project path as a repository path: GitLab allows upper case and characters the registry
 * does not, so the path is lower-cased and each component reduced to the registry's alphabet.
 */
export function repositoryPathFromProject(projectPath: string): string {
  return projectPath
    .toLowerCase()
    .split('/')
    .map((component) =>
      component
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/[._-]{2,}/g, (run) => (run === '__' ? run : (run[0] ?? '-')))
        .replace(/^[._-]+|[._-]+$/g, ''),
    )
    .filter((component) => component !== '')
    .join('/');
}

/** `name:tag` or `name@digest`, the forms the tools take. */
export const tagged = (name: ImageName, tag: string): string => `${name.full}:${tag}`;
export const pinned = (name: ImageName, digest: string): string => `${name.full}@${digest}`;
