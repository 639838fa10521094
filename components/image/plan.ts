import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { envName, type ParsedInputs } from '../../src/model/inputs.ts';
import {
  type ImageName,
  isValidTag,
  parseImageName,
  repositoryPathFromProject,
  TAG_RULE,
} from '../../src/registry/reference.ts';
import type { CiEnv } from '../../src/runtime/context.ts';
import { EXIT, InputError, type InputProblem, OneexError } from '../../src/runtime/errors.ts';
import type { inputs as declared } from './component.ts';
import { parseRelease, type Release } from './tags.ts';

// Everything the job will do, worked out and checked before anything runs: a bad input (a name, a
// path, a build argument, a tag) fails here with every problem at once, before a build starts.

type Inputs = ParsedInputs<typeof declared>;

export const DEFAULT_HARBOR_HOST = 'harbor.oneex.fr';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface BuildPlan {
  readonly name: ImageName;
  readonly cache: ImageName | undefined;
  readonly contextDir: string;
  readonly file: string;
  readonly buildArgs: readonly (readonly [string, string])[];
  readonly target: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  /** Seconds since the epoch: the image's creation time and its files' times. */
  readonly timestamp: number;
  readonly commit: string;
  /** Tags every build gets, in the order they are written: the SHA first. */
  readonly buildTags: readonly string[];
  readonly release: Release | undefined;
  readonly gate:
    | { readonly threshold: Severity; readonly harborUrl: string; readonly timeoutSeconds: number }
    | undefined;
  readonly caFile: string | undefined;
  readonly reportFile: string;
}

const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*=/;
const LABEL = /^[^\s=]+=/;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

export function planBuild(inputs: Inputs, ci: CiEnv, projectDir: string): BuildPlan {
  const problems: InputProblem[] = [];
  const problem = (input: keyof Inputs & string, value: string | undefined, expected: string) =>
    problems.push({ input, variable: envName('image', input), value, expected });

  const commit = ci.CI_COMMIT_SHA;
  if (commit === undefined) {
    throw new OneexError(
      'ENOTCI',
      'CI_COMMIT_SHA is not set: the image job tags images with the commit it builds.',
      'Run it in a GitLab CI/CD job (or set CI_COMMIT_SHA when running it by hand).',
      EXIT.usage,
    );
  }

  const name = imageName(inputs.name, ci, (expected) => problem('name', inputs.name, expected));
  let cache: ImageName | undefined;
  if (inputs.cache && name !== undefined) {
    const text = inputs.cache_repository !== '' ? inputs.cache_repository : `${name.full}/cache`;
    const parsed = parseImageName(text);
    if ('problem' in parsed) problem('cache_repository', inputs.cache_repository, parsed.problem);
    else cache = parsed.value;
  }

  const contextDir = inside(projectDir, inputs.context);
  if (contextDir === undefined)
    problem('context', inputs.context, 'a directory inside the project directory');
  else if (!isDirectory(contextDir)) problem('context', inputs.context, 'an existing directory');

  let file: string | undefined;
  if (inputs.file !== '') {
    file = inside(projectDir, inputs.file);
    if (file === undefined) problem('file', inputs.file, 'a file inside the project directory');
    else if (!existsSync(file) || isDirectory(file)) {
      problem('file', inputs.file, 'an existing Containerfile or Dockerfile');
      file = undefined;
    }
  } else if (contextDir !== undefined && isDirectory(contextDir)) {
    file = ['Containerfile', 'Dockerfile'].map((f) => join(contextDir, f)).find((f) => existsSync(f));
    if (file === undefined) {
      problem(
        'file',
        undefined,
        `a Containerfile or Dockerfile in ${inputs.context} (none there; set \`file\`)`,
      );
    }
  }

  const buildArgs: [string, string][] = [];
  for (const arg of inputs.build_args) {
    if (!BUILD_ARG.test(arg))
      problem('build_args', arg, 'NAME=value, NAME of letters, digits and _ not starting with a digit');
    else buildArgs.push([arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]);
  }

  if (inputs.target !== '' && file !== undefined) {
    const stages = stagesOf(readFileSync(file, 'utf8'));
    if (!stages.includes(inputs.target.toLowerCase())) {
      problem(
        'target',
        inputs.target,
        stages.length === 0
          ? `a stage of ${relative(projectDir, file)}, which names none (FROM … AS <stage>)`
          : `a stage of ${relative(projectDir, file)}: ${stages.join(', ')}`,
      );
    }
  }

  for (const tag of inputs.tags) if (!isValidTag(tag)) problem('tags', tag, `an image tag: ${TAG_RULE}`);

  const extraLabels: Record<string, string> = {};
  for (const label of inputs.labels) {
    if (!LABEL.test(label)) problem('labels', label, 'key=value, the key without spaces');
    else extraLabels[label.slice(0, label.indexOf('='))] = label.slice(label.indexOf('=') + 1);
  }

  let gate: BuildPlan['gate'];
  if (inputs.vulnerability_gate !== 'off' && name !== undefined) {
    const harborUrl = inputs.harbor_url !== '' ? inputs.harbor_url : `https://${name.registry}`;
    const url = safeUrl(harborUrl);
    if (url === undefined) problem('harbor_url', inputs.harbor_url, 'an http(s) URL');
    else if (url.protocol !== 'https:' && !LOOPBACK.test(url.host)) {
      problem(
        'harbor_url',
        inputs.harbor_url,
        'an https:// URL (the robot account must not travel in clear)',
      );
    }
    if (inputs.scan_timeout <= 0)
      problem('scan_timeout', String(inputs.scan_timeout), 'a number of seconds above 0');
    gate = { threshold: inputs.vulnerability_gate, harborUrl, timeoutSeconds: inputs.scan_timeout };
  }
  if (name !== undefined && name.path.split('/').length < 2) {
    problem(
      'name',
      inputs.name || name.full,
      'a name with a Harbor project and a repository: <host>/<project>/<repository>',
    );
  }
  if (inputs.push_timeout <= 0)
    problem('push_timeout', String(inputs.push_timeout), 'a number of seconds above 0');

  let caFile: string | undefined;
  if (inputs.ca_file !== '') {
    caFile = isAbsolute(inputs.ca_file) ? inputs.ca_file : resolve(projectDir, inputs.ca_file);
    if (!existsSync(caFile)) problem('ca_file', inputs.ca_file, 'an existing PEM file');
  }

  const reportFile = inside(projectDir, inputs.report_file);
  if (reportFile === undefined)
    problem('report_file', inputs.report_file, 'a path inside the project directory');

  const gitTag = ci.CI_COMMIT_TAG;
  const release = gitTag !== undefined ? parseRelease(gitTag) : undefined;

  if (problems.length > 0) throw new InputError('image', problems);
  if (gitTag !== undefined && release === undefined) {
    throw new OneexError(
      'ETAG',
      `The git tag "${gitTag}" can be neither a version (v1.2.3) nor an image tag (${TAG_RULE}).`,
      'Tag releases as semantic versions (v1.2.3), or keep this job out of the tag pipeline with `rules`.',
      EXIT.usage,
    );
  }

  const timestamp = commitTime(ci);
  const version = release?.tag ?? ci.CI_COMMIT_SHORT_SHA ?? commit.slice(0, 8);
  // Only what the commit determines: the same commit gives the same labels, whatever the pipeline.
  const labels: Record<string, string> = {
    'org.opencontainers.image.created': new Date(timestamp * 1000).toISOString().replace(/\.000Z$/, 'Z'),
    'org.opencontainers.image.revision': commit,
    'org.opencontainers.image.version': version,
    ...(ci.CI_PROJECT_URL !== undefined
      ? {
          'org.opencontainers.image.source': ci.CI_PROJECT_URL,
          'org.opencontainers.image.url': ci.CI_PROJECT_URL,
        }
      : {}),
    ...((ci.CI_PROJECT_TITLE ?? ci.CI_PROJECT_NAME) !== undefined
      ? { 'org.opencontainers.image.title': (ci.CI_PROJECT_TITLE ?? ci.CI_PROJECT_NAME) as string }
      : {}),
    ...extraLabels,
  };

  // A release pipeline's ref slug (`v1-2-3`) says less than its version tags, so it is left out.
  const slug = release === undefined ? ci.CI_COMMIT_REF_SLUG : undefined;
  const buildTags = [commit, ...(slug !== undefined ? [slug] : []), ...inputs.tags];

  return {
    name: name as ImageName,
    cache,
    contextDir: contextDir as string,
    file: file as string,
    buildArgs,
    target: inputs.target !== '' ? inputs.target : undefined,
    labels,
    timestamp,
    commit,
    buildTags,
    release,
    gate,
    caFile,
    reportFile: reportFile as string,
  };
}

function imageName(input: string, ci: CiEnv, report: (expected: string) => void): ImageName | undefined {
  if (input !== '') {
    const parsed = parseImageName(input);
    if ('problem' in parsed) report(parsed.problem);
    return 'value' in parsed ? parsed.value : undefined;
  }
  const host = ci.HARBOR_HOST ?? DEFAULT_HARBOR_HOST;
  if (ci.CI_PROJECT_PATH === undefined) {
    report('a name: CI_PROJECT_PATH is not set, so there is no default');
    return undefined;
  }
  const parsed = parseImageName(`${host}/${repositoryPathFromProject(ci.CI_PROJECT_PATH)}`);
  if ('problem' in parsed) {
    report(
      `a name; the default from HARBOR_HOST "${host}" and the project path is not valid: ${parsed.problem}`,
    );
    return undefined;
  }
  return parsed.value;
}

/** The absolute path, when it stays inside the project directory. */
function inside(projectDir: string, path: string): string | undefined {
  const absolute = resolve(projectDir, path);
  const rel = relative(resolve(projectDir), absolute);
  return rel.startsWith('..') || isAbsolute(rel) ? undefined : absolute;
}

const isDirectory = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/** The stage names of a Containerfile (`FROM [--platform=…] image AS name`), lower-cased as buildah matches them. */
export function stagesOf(containerfile: string): string[] {
  const stages: string[] = [];
  for (const match of containerfile.matchAll(/^\s*FROM\s+(?:--\S+\s+)*\S+\s+AS\s+(\S+)\s*$/gim)) {
    if (match[1] !== undefined) stages.push(match[1].toLowerCase());
  }
  return stages;
}

function safeUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The commit's time (GitLab gives ISO 8601); now when the job runs outside a pipeline. */
function commitTime(ci: CiEnv): number {
  const parsed = ci.CI_COMMIT_TIMESTAMP !== undefined ? Date.parse(ci.CI_COMMIT_TIMESTAMP) : Number.NaN;
  return Math.floor((Number.isNaN(parsed) ? Date.now() : parsed) / 1000);
}
