import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Action } from '../../src/model/component.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { exec } from '../../src/runtime/exec.ts';
import type { inputs as declared } from './component.ts';
import { CONVENTIONAL } from './config.ts';
import { projectGitUrl } from './project.ts';

// `oneex-ci semantic-release notes`: in a tag pipeline, writes the release notes of the tag (its
// commits since the previous release tag, as semantic-release's notes generator writes them) for a job
// with the `release:` keyword. A CI/CD catalog project needs that: its releases must be created by
// such a job, not through the API.

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

async function git(context: RunContext, args: string[]): Promise<string> {
  const result = await exec('git', args, { cwd: context.cwd, redactor: context.redactor });
  if (result.exitCode !== 0) {
    throw new OneexError(
      'EGIT',
      `git ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim()}`,
      'The job needs the history and the tags: keep GIT_DEPTH at 0.',
      EXIT.unavailable,
    );
  }
  return result.stdout;
}

/** The release versions among `tags` (with `prefix`), newest first. */
export function releaseTags(tags: readonly string[], prefix: string): { tag: string; version: string }[] {
  const found = tags
    .filter((tag) => tag.startsWith(prefix) && SEMVER.test(tag.slice(prefix.length)))
    .map((tag) => ({ tag, version: tag.slice(prefix.length) }));
  const key = (v: string) => v.split(/[-+]/)[0]?.split('.').map(Number) ?? [];
  return found.sort((a, b) => {
    const [x, y] = [key(a.version), key(b.version)];
    for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
    // A release sorts above its pre-releases.
    return Number(a.version.includes('-')) - Number(b.version.includes('-'));
  });
}

const action: Action<typeof declared> = async (inputs, context) => {
  const tag = context.ci.CI_COMMIT_TAG;
  if (tag === undefined) {
    throw new OneexError(
      'ENOTAG',
      'CI_COMMIT_TAG is not set: the release notes are written in a tag pipeline.',
      'Give the job `rules: [{if: $CI_COMMIT_TAG}]`.',
      EXIT.usage,
    );
  }
  if (!tag.startsWith(inputs.tag_prefix) || !SEMVER.test(tag.slice(inputs.tag_prefix.length))) {
    throw new OneexError(
      'ENOTAG',
      `The tag ${tag} is not a release tag (${inputs.tag_prefix}<semantic version>).`,
      'Set tag_prefix to the text before the version in your tags.',
      EXIT.usage,
    );
  }
  const version = tag.slice(inputs.tag_prefix.length);
  const earlier = (await git(context, ['tag', '--merged', `${tag}^`, '--list'])).split('\n').filter(Boolean);
  // A release's notes cover its pre-releases too, as semantic-release's do.
  const previous = releaseTags(earlier, inputs.tag_prefix).find(
    (t) => t.tag !== tag && (version.includes('-') || !t.version.includes('-')),
  );
  const range = previous === undefined ? tag : `${previous.tag}..${tag}`;
  const log = await git(context, ['log', '--no-merges', '--format=%H%x1f%cI%x1f%B%x1e', range]);
  const commits = log
    .split('\x1e')
    .map((entry) => entry.replace(/^\n/, ''))
    .filter((entry) => entry.trim() !== '')
    .map((entry) => {
      const [hash = '', date = '', message = ''] = entry.split('\x1f');
      return { hash, message, committerDate: date, commit: { short: hash.slice(0, 7) } };
    });

  // Not bundled, like semantic-release: its preset is loaded by name at run time.
  const { generateNotes } = await import('@semantic-release/release-notes-generator');
  const notes = await generateNotes(CONVENTIONAL, {
    commits,
    lastRelease: previous === undefined ? {} : { gitTag: previous.tag, version: previous.version },
    nextRelease: { gitTag: tag, version },
    options: { repositoryUrl: projectGitUrl(context) },
    cwd: context.cwd,
    env: {},
    logger: { log: () => undefined, error: (text: string) => context.log.warn(text) },
  });
  const path = join(context.cwd, inputs.notes_file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, notes);
  context.log.info(
    `Release notes of ${tag} (${commits.length} commit${commits.length === 1 ? '' : 's'} since ${previous?.tag ?? 'the start'}):`,
  );
  for (const line of notes.trim().split('\n')) context.log.info(`  ${line}`);
  context.log.success(`Wrote ${inputs.notes_file}.`);
  return EXIT.ok;
};

export default action;
