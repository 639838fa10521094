import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import component from '../../../components/image/component.ts';
import { planBuild, stagesOf } from '../../../components/image/plan.ts';
import type { Component } from '../../../src/model/component.ts';
import { parseInputs } from '../../../src/model/parse.ts';
import { InputError } from '../../../src/runtime/errors.ts';
import { branchPipeline, sha, tagPipeline, writeFiles } from './fixture.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oneex-plan-'));
  await writeFiles(dir, {
    Containerfile: 'FROM scratch AS build\nFROM --platform=$BUILDPLATFORM base AS Runtime\n',
    'web/Dockerfile': 'FROM scratch\n',
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const inputs = (env: Record<string, string> = {}) =>
  parseInputs(component as unknown as Component, env) as Parameters<typeof planBuild>[0];

const problemsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error.problems.map((p) => `${p.input}: ${p.expected}`);
    throw error;
  }
  return [];
};

describe('planBuild', () => {
  it('defaults the name from HARBOR_HOST and the project path, and the cache beside it', () => {
    const plan = planBuild(
      inputs(),
      { ...branchPipeline(sha(1)), HARBOR_HOST: 'harbor.oneex.fr', CI_PROJECT_PATH: 'Oneex/Back' },
      dir,
    );
    expect(plan.name.full).toBe('harbor.oneex.fr/oneex/back');
    expect(plan.cache?.full).toBe('harbor.oneex.fr/oneex/back/cache');
    expect(plan.file).toBe(join(dir, 'Containerfile'));
    expect(plan.buildTags).toEqual([sha(1), 'main']);
    expect(plan.release).toBeUndefined();
  });

  it('uses harbor.oneex.fr when HARBOR_HOST is not set', () => {
    expect(planBuild(inputs(), branchPipeline(sha(1)), dir).name.full).toBe('harbor.oneex.fr/oneex/back');
  });

  it('sets the OCI labels from the commit only, so every pipeline of a commit gives the same image', () => {
    const plan = planBuild(
      inputs({ ONEEX_IMAGE_LABELS: 'json:["com.oneex.team=id"]' }),
      branchPipeline(sha(1)),
      dir,
    );
    expect(plan.labels).toEqual({
      'org.opencontainers.image.created': '2026-11-30T10:00:00Z',
      'org.opencontainers.image.revision': sha(1),
      'org.opencontainers.image.version': sha(1).slice(0, 8),
      'org.opencontainers.image.source': 'https://gitlab.oneex.fr/oneex/back',
      'org.opencontainers.image.url': 'https://gitlab.oneex.fr/oneex/back',
      'org.opencontainers.image.title': 'Back',
      'com.oneex.team': 'id',
    });
    expect(plan.timestamp).toBe(Date.parse('2026-11-30T10:00:00Z') / 1000);
  });

  it('on a release tag, labels the version and leaves the ref slug out of the tags', () => {
    const plan = planBuild(inputs(), tagPipeline(sha(1), 'v1.2.3'), dir);
    expect(plan.labels['org.opencontainers.image.version']).toBe('1.2.3');
    expect(plan.buildTags).toEqual([sha(1)]);
    expect(plan.release).toMatchObject({ kind: 'semver', tag: '1.2.3' });
  });

  it('finds a Dockerfile in the context, and checks the target against the stages', () => {
    expect(planBuild(inputs({ ONEEX_IMAGE_CONTEXT: 'web' }), branchPipeline(sha(1)), dir).file).toBe(
      join(dir, 'web', 'Dockerfile'),
    );
    expect(planBuild(inputs({ ONEEX_IMAGE_TARGET: 'runtime' }), branchPipeline(sha(1)), dir).target).toBe(
      'runtime',
    );
    expect(
      problemsOf(() => planBuild(inputs({ ONEEX_IMAGE_TARGET: 'test' }), branchPipeline(sha(1)), dir)),
    ).toEqual(['target: a stage of Containerfile: build, runtime']);
  });

  it('reports every bad input at once', () => {
    const problems = problemsOf(() =>
      planBuild(
        inputs({
          ONEEX_IMAGE_NAME: 'harbor.oneex.fr/oneex/Back',
          ONEEX_IMAGE_CONTEXT: '../elsewhere',
          ONEEX_IMAGE_BUILD_ARGS: 'json:["NODE_ENV=production","=x","A B=c"]',
          ONEEX_IMAGE_TAGS: 'json:["ok",".hidden"]',
          ONEEX_IMAGE_LABELS: 'json:["novalue"]',
          ONEEX_IMAGE_VULNERABILITY_GATE: 'high',
          ONEEX_IMAGE_HARBOR_URL: 'http://harbor.oneex.fr',
          ONEEX_IMAGE_CA_FILE: '/nonexistent/ca.pem',
          ONEEX_IMAGE_PUSH_TIMEOUT: '0',
        }),
        branchPipeline(sha(1)),
        dir,
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^name: lower-case path components .*"Back" is not one$/),
      'context: a directory inside the project directory',
      'build_args: NAME=value, NAME of letters, digits and _ not starting with a digit',
      'build_args: NAME=value, NAME of letters, digits and _ not starting with a digit',
      expect.stringMatching(/^tags: an image tag/),
      'labels: key=value, the key without spaces',
      'push_timeout: a number of seconds above 0',
      'ca_file: an existing PEM file',
    ]);
  });

  it('wants HTTPS for Harbor except on loopback', () => {
    const gate = (url: string) =>
      problemsOf(() =>
        planBuild(
          inputs({ ONEEX_IMAGE_VULNERABILITY_GATE: 'high', ONEEX_IMAGE_HARBOR_URL: url }),
          branchPipeline(sha(1)),
          dir,
        ),
      );
    expect(gate('http://harbor.oneex.fr')).toEqual([
      'harbor_url: an https:// URL (the robot account must not travel in clear)',
    ]);
    expect(gate('http://127.0.0.1:8080')).toEqual([]);
    expect(gate('https://harbor.oneex.fr')).toEqual([]);
  });

  it('needs the commit it builds', () => {
    expect(() => planBuild(inputs(), {}, dir)).toThrow(/CI_COMMIT_SHA is not set/);
  });
});

describe('stagesOf', () => {
  it('reads stage names as buildah matches them', () => {
    expect(stagesOf('FROM a AS deps\nRUN x\nfrom --platform=linux/amd64 b as Final\nFROM c\n')).toEqual([
      'deps',
      'final',
    ]);
  });
});
