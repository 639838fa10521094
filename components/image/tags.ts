import semver from 'semver';
import { isValidTag } from '../../src/registry/reference.ts';

// Which tags an image gets, from the pipeline alone (pure functions, so every kind of ref has a test).

export type Release =
  | { readonly kind: 'semver'; readonly version: semver.SemVer; readonly tag: string }
  | { readonly kind: 'plain'; readonly tag: string };

/**
 * A release tag pipeline's version: `v1.2.3` and `1.2.3` are semantic versions; another git tag is
 * used as it is if it is a valid image tag. Undefined when the git tag cannot be an image tag.
 */
export function parseRelease(gitTag: string): Release | undefined {
  const version = semver.parse(gitTag.replace(/^v(?=\d)/, ''));
  if (version !== null) return { kind: 'semver', version, tag: imageTagOf(version) };
  return isValidTag(gitTag) ? { kind: 'plain', tag: gitTag } : undefined;
}

/** `+` (build metadata) is not allowed in an image tag; `_` stands for it, as Helm does. */
const imageTagOf = (version: semver.SemVer): string => version.format() + buildOf(version);
const buildOf = (version: semver.SemVer): string =>
  version.build.length > 0 ? `_${version.build.join('.')}` : '';

export interface AliasDecision {
  readonly tag: string;
  /** Set when the alias stays where it is because a newer release already holds it. */
  readonly keptFor?: string;
}

/**
 * The tags of a release: its full version always; `major.minor` and `major` for a final release,
 * unless the repository already has a newer final release under the same alias (a patch of an old
 * line must not move `1` back from `1.4.0` to `1.2.5`).
 */
export function releaseTags(release: Release, existingTags: readonly string[]): AliasDecision[] {
  if (release.kind === 'plain') return [{ tag: release.tag }];
  const { version } = release;
  const decisions: AliasDecision[] = [{ tag: release.tag }];
  if (version.prerelease.length > 0) return decisions;
  const released = existingTags
    .map((tag) => semver.parse(tag.replace(/_.*$/, '')))
    .filter((v): v is semver.SemVer => v !== null && v.prerelease.length === 0);
  const aliases = [
    {
      tag: `${version.major}.${version.minor}`,
      same: (v: semver.SemVer) => v.major === version.major && v.minor === version.minor,
    },
    { tag: `${version.major}`, same: (v: semver.SemVer) => v.major === version.major },
  ];
  for (const alias of aliases) {
    const newer = released.filter((v) => alias.same(v) && semver.gt(v, version)).sort(semver.rcompare)[0];
    decisions.push(newer === undefined ? { tag: alias.tag } : { tag: alias.tag, keptFor: newer.format() });
  }
  return decisions;
}

/** Tags in the order they are written, without repeats. */
export function uniqueTags(tags: readonly string[]): string[] {
  return [...new Set(tags)];
}
