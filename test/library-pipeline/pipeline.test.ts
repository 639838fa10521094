import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import semanticRelease from '../../components/semantic-release/component.ts';
import { parseTemplate } from '../../src/generate/files.ts';
import { CLI_IMAGE_REPOSITORY, inputVariables } from '../../src/generate/template.ts';
import type { Component } from '../../src/model/component.ts';
import {
  type Consumer,
  createConsumer,
  type Library,
  publishLibrary,
  removeAll,
  runPipeline,
} from '../support/local-pipeline.ts';

// The library's own .gitlab-ci.yml: GitLab's CI schema, the jobs each kind of pipeline gets (rules
// evaluated by gitlab-ci-local over a copy of this repository, whose `origin` is the library project
// so that `component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/<name>@$CI_COMMIT_SHA` resolves to its own
// templates), and the tag pipeline's catalog release run for real.

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const PIPELINE_FILE = join(ROOT, '.gitlab-ci.yml');
const require = createRequire(import.meta.url);

type Job = Record<string, unknown> & {
  rules?: { if?: string; when?: string }[];
  release?: Record<string, unknown>;
  needs?: unknown[];
};
type Pipeline = Record<string, Job> & { include: { component: string; inputs?: Record<string, unknown> }[] };

let pipeline: Pipeline;
let library: Library;
let repo: Consumer;
const copies: string[] = [];

/** This repository's files as git has them (tracked, and new files not ignored), without node_modules. */
async function repositoryFiles(): Promise<Record<string, string>> {
  const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const paths = stdout.split('\0').filter((path) => path !== '' && !path.startsWith('node_modules/'));
  const files: Record<string, string> = {};
  for (const path of paths) files[path] = await readFile(join(ROOT, path), 'utf8').catch(() => '');
  return files;
}

beforeAll(async () => {
  pipeline = parse(await readFile(PIPELINE_FILE, 'utf8')) as Pipeline;
  // The pipeline includes its components from this very repository: no published library to serve,
  // only the CLI on the jobs' PATH. (The library's git config would rewrite this project's own URL.)
  const published = await publishLibrary();
  const gitConfig = join(dirname(published.gitConfig), 'gitconfig-own');
  await writeFile(gitConfig, '[user]\n  name = Oneex CI\n  email = ci@oneex.test\n');
  library = { ...published, gitConfig };
  repo = await createConsumer({
    project: 'oneex/ci-components',
    files: await repositoryFiles(),
    firstMessage: 'feat: the first components',
  });
  await repo.git(['tag', '1.3.0']);
  await repo.commit({ message: 'feat(semantic-release): catalog releases', files: { 'NOTES.txt': 'x\n' } });
  await repo.commit({ message: 'fix(image): keep the digest', files: { 'NOTES.txt': 'y\n' } });
  await repo.git(['tag', '1.4.0']);
  await repo.git(['update-ref', 'refs/remotes/origin/main', 'HEAD']);
});

afterAll(() => removeAll(repo?.dir ?? '', dirname(library?.gitConfig ?? ''), ...copies));

/** The jobs gitlab-ci-local puts in a pipeline with these predefined variables, in a copy of the repo. */
async function jobsOf(variables: Record<string, string>): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'oneex-library-copy-'));
  copies.push(dir);
  await cp(repo.dir, dir, { recursive: true });
  await writeFile(
    join(dir, '.gitlab-ci-local-variables.yml'),
    `${Object.entries(variables)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join('\n')}\n`,
  );
  const { stdout } = await run(join(ROOT, 'node_modules', '.bin', 'gitlab-ci-local'), ['--list-json'], {
    cwd: dir,
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: library.gitConfig,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      GCL_IGNORE_PREDEFINED_VARS: Object.keys(variables).join(','),
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  const listed = JSON.parse(stdout) as { name: string; when: string }[];
  return listed
    .filter((job) => job.when !== 'never')
    .map((job) => job.name)
    .sort();
}

describe("the library's .gitlab-ci.yml", () => {
  it("passes GitLab's CI schema, and the check catches a broken release job", () => {
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(require('../../src/vendor/gitlab/ci.json'));
    expect(validate(pipeline), JSON.stringify(validate.errors)).toBe(true);
    const broken = structuredClone(pipeline);
    (broken['catalog-release'] as Job).release = { description: 'no tag name' };
    expect(validate(broken)).toBe(false);
  });

  it('publishes to the catalog with the release: keyword, on semantic-version tags only', () => {
    const job = pipeline['catalog-release'] as Job;
    expect(job.release).toEqual({
      tag_name: '$CI_COMMIT_TAG',
      name: '$CI_COMMIT_TAG',
      description: './release-notes.md',
    });
    expect(job.extends).toBe('.on-release-tags');
    expect(job.needs).toEqual(['release-notes', 'image-build', 'npm-publish']);
    const rule = (pipeline['.on-release-tags'] as Job).rules?.[0]?.if ?? '';
    const regex = new RegExp(/=~ \/(.*)\/$/.exec(rule)?.[1] ?? '^$');
    expect(['1.4.0', '2.0.0-beta.1'].every((tag) => regex.test(tag))).toBe(true);
    expect(['v1.4.0', '1.4', 'nightly'].some((tag) => regex.test(tag))).toBe(false);
  });

  it("tags releases as the templates' default image expects, with the library's own components", () => {
    const byName = (name: string) =>
      pipeline.include.find(
        (entry) => entry.component === `$CI_SERVER_FQDN/$CI_PROJECT_PATH/${name}@$CI_COMMIT_SHA`,
      );
    // Plain semantic versions: the tag is the component version, which names the image.
    expect(byName('semantic-release')?.inputs).toMatchObject({ tag_prefix: '', gitlab_release: false });
    expect(byName('image')?.inputs).toMatchObject({
      name: CLI_IMAGE_REPOSITORY,
      file: 'images/oneex-ci/Containerfile',
    });
    expect(byName('commitlint')).toBeDefined();
    expect(inputVariables(semanticRelease as unknown as Component).ONEEX_CI_IMAGE).toBe(
      `${CLI_IMAGE_REPOSITORY}:$[[ component.version ]]`,
    );
  });

  it('passes only inputs the included components declare, as GitLab requires', async () => {
    for (const entry of pipeline.include) {
      const name = /\/([a-z0-9-]+)@\$CI_COMMIT_SHA$/.exec(entry.component)?.[1] ?? '';
      const { header } = parseTemplate(await readFile(join(ROOT, 'templates', `${name}.yml`), 'utf8'));
      const declared = Object.keys((header as { spec: { inputs: object } }).spec.inputs);
      expect(declared, name).toEqual(expect.arrayContaining(Object.keys(entry.inputs ?? {})));
    }
  });

  it('gives each kind of pipeline its jobs: checks, then the release on main, the catalog release on tags', async () => {
    const checks = [
      'commitlint',
      'conformance',
      'e2e',
      'image-build',
      'lint',
      'next-version',
      'templates',
      'test',
    ];
    const [mergeRequest, main, maintenance, feature, tag, otherTag] = await Promise.all([
      jobsOf({ CI_PIPELINE_SOURCE: 'merge_request_event', CI_MERGE_REQUEST_IID: '8', CI_COMMIT_BRANCH: '' }),
      jobsOf({ CI_PIPELINE_SOURCE: 'push' }),
      jobsOf({ CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: '1.x', CI_COMMIT_REF_NAME: '1.x' }),
      jobsOf({ CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'feat/x', CI_COMMIT_REF_NAME: 'feat/x' }),
      jobsOf({ CI_COMMIT_TAG: '1.4.0', CI_COMMIT_BRANCH: '', CI_COMMIT_REF_NAME: '1.4.0' }),
      jobsOf({ CI_COMMIT_TAG: 'nightly', CI_COMMIT_BRANCH: '', CI_COMMIT_REF_NAME: 'nightly' }),
    ]);

    expect(mergeRequest).toEqual(checks);
    expect(main).toEqual([...checks, 'release'].sort());
    expect(maintenance).toEqual([...checks, 'release'].sort());
    expect(feature).toEqual(checks);
    expect(tag).toEqual(['catalog-release', 'image-build', 'npm-publish', 'release-notes']);
    expect(otherTag).toEqual(['image-build']);
  });

  it('writes the notes of the tag for the catalog release job', async () => {
    const result = await runPipeline(library, repo, {
      jobs: ['release-notes'],
      variables: { CI_COMMIT_TAG: '1.4.0', CI_COMMIT_BRANCH: '', CI_COMMIT_REF_NAME: '1.4.0' },
    });

    const notes = result.job('release-notes');
    expect(notes.status, notes.log).toBe('success');
    const artifacts = await result.artifacts('release-notes');
    expect(artifacts['release-notes.md']).toMatch(
      /^## \[1\.4\.0\]\(https:\/\/gitlab\.oneex\.test\/oneex\/ci-components\/compare\/1\.3\.0\.\.\.1\.4\.0\)/,
    );
    expect(artifacts['release-notes.md']).toMatch(
      /### Features[\s\S]*\*\*semantic-release:\*\* catalog releases/,
    );
    expect(artifacts['release-notes.md']).toMatch(/### Bug Fixes[\s\S]*\*\*image:\*\* keep the digest/);
  });
});

describe('the package the job image installs', () => {
  it('holds the CLI, the templates and the shared convention, and depends on what runs beside the CLI', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
    const files = (pack?.files ?? []).map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/oneex-ci.cjs',
        'templates/semantic-release.yml',
        'conventions/commitlint.mjs',
        'package.json',
      ]),
    );
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('node_modules/'))).toBe(false);
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // Loaded by name at run time, so installed, not bundled (scripts/bundle.ts keeps them external).
    for (const name of [
      'semantic-release',
      '@semantic-release/gitlab',
      '@semantic-release/changelog',
      '@semantic-release/git',
      '@semantic-release/release-notes-generator',
      'conventional-changelog-conventionalcommits',
    ])
      expect(manifest.dependencies[name], name).toBeDefined();
    const containerfile = await readFile(join(ROOT, 'images', 'oneex-ci', 'Containerfile'), 'utf8');
    expect(containerfile).toMatch(/npm install --global .*\/tmp\/oneex-ci\/\*\.tgz/);
  });
});
