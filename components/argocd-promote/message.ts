import { shortDigest } from './image-ref.ts';

// The commit message of a promotion: a Conventional Commit header a person can scan in `git log`, a
// body saying what changed, and git trailers (`git interpret-trailers --parse`) that tools can query:
// which project, commit and pipeline sent which digest to which environment.

export interface Promotion {
  readonly app: string;
  readonly environment: string;
  /** `name@digest`, as written to the manifest. */
  readonly image: string;
  readonly digest: string;
  readonly tag: string | undefined;
  readonly previous: { readonly digest?: string; readonly tag?: string };
  /** This digest was in the environment before: the promotion takes it back. */
  readonly rollback: boolean;
  readonly file: string;
  readonly source: {
    readonly project: string | undefined;
    readonly commit: string | undefined;
    readonly pipelineUrl: string | undefined;
    readonly jobUrl: string | undefined;
    readonly triggeredBy: string | undefined;
  };
}

export const TRAILERS = {
  project: 'Source-Project',
  commit: 'Source-Commit',
  pipeline: 'Source-Pipeline',
  digest: 'Image-Digest',
  environment: 'Environment',
} as const;

const version = (digest: string, tag: string | undefined): string =>
  tag !== undefined ? `${tag} (${shortDigest(digest)})` : shortDigest(digest);

export function subject(promotion: Promotion): string {
  const scope = promotion.app.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  const verb = promotion.rollback ? 'roll back' : 'promote';
  return `chore(${scope}): ${verb} ${promotion.environment} to ${version(promotion.digest, promotion.tag)}`;
}

export function commitMessage(promotion: Promotion): string {
  const { source } = promotion;
  const body = [
    `Image: ${promotion.image}`,
    `File: ${promotion.file}`,
    promotion.previous.digest !== undefined
      ? `Previous: ${version(promotion.previous.digest, promotion.previous.tag)}`
      : 'Previous: none (first promotion of this image here)',
    ...(promotion.rollback
      ? ['This digest ran here before: the promotion rolls the environment back to it.']
      : []),
    ...(source.jobUrl !== undefined ? [`Job: ${source.jobUrl}`] : []),
    ...(source.triggeredBy !== undefined ? [`Run by: ${source.triggeredBy}`] : []),
  ];
  const trailers = [
    [TRAILERS.project, source.project],
    [TRAILERS.commit, source.commit],
    [TRAILERS.pipeline, source.pipelineUrl],
    [TRAILERS.digest, promotion.digest],
    [TRAILERS.environment, promotion.environment],
  ]
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => `${key}: ${value}`);
  return `${subject(promotion)}\n\n${body.join('\n')}\n\n${trailers.join('\n')}\n`;
}

/** The merge request's description, for production changes that are reviewed before they land. */
export function mergeRequestDescription(promotion: Promotion): string {
  const { source } = promotion;
  const rows: [string, string | undefined][] = [
    ['Environment', promotion.environment],
    ['Image', `\`${promotion.image}\``],
    ['Tag', promotion.tag],
    ['Previous', promotion.previous.digest !== undefined ? `\`${promotion.previous.digest}\`` : 'none'],
    ['File', `\`${promotion.file}\``],
    ['Source project', source.project],
    ['Source commit', source.commit],
    ['Source pipeline', source.pipelineUrl],
    ['Run by', source.triggeredBy],
  ];
  return [
    promotion.rollback
      ? `Rolls **${promotion.environment}** of ${promotion.app} back to a digest it ran before.`
      : `Promotes ${promotion.app} to **${promotion.environment}**.`,
    '',
    '| | |',
    '| --- | --- |',
    ...rows
      .filter(([, value]) => value !== undefined && value !== '')
      .map(([key, value]) => `| ${key} | ${value} |`),
    '',
    'Merging deploys it: Argo CD syncs the environment from the target branch.',
    '',
  ].join('\n');
}
