import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// What the image tests share: a tiny application to build (a dependency step, then application code,
// so the layer cache has something to skip), and a runner of the built CLI as a job runs it.

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'oneex-ci.mjs');

export const APP_CONTAINERFILE = `ARG BASE
FROM \${BASE} AS runtime
WORKDIR /app
COPY deps.txt ./
RUN mkdir deps && while read -r name size; do head -c "$size" /dev/zero | tr '\\0' x > "deps/$name"; done < deps.txt && sha256sum deps/* > deps.sum
COPY src/ ./src/
CMD ["cat", "/app/src/app.txt"]
`;

export async function writeFiles(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

export const APP_FILES: Readonly<Record<string, string>> = {
  Containerfile: APP_CONTAINERFILE,
  'deps.txt': 'left-pad 2048\nlodash 4096\n',
  'src/app.txt': 'hello from v1\n',
};

export async function makeProject(files: Readonly<Record<string, string>> = APP_FILES): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'oneex-image-project-'));
  await writeFiles(dir, files);
  return dir;
}

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly output: string;
  /** The dotenv report, parsed; empty when there is none. */
  readonly report: Record<string, string>;
}

/** GitLab's predefined variables of a branch pipeline on `main` for one commit. */
export function branchPipeline(sha: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CI: 'true',
    GITLAB_CI: 'true',
    CI_COMMIT_SHA: sha,
    CI_COMMIT_SHORT_SHA: sha.slice(0, 8),
    CI_COMMIT_REF_NAME: 'main',
    CI_COMMIT_REF_SLUG: 'main',
    CI_COMMIT_BRANCH: 'main',
    CI_COMMIT_TIMESTAMP: '2026-11-30T10:00:00+00:00',
    CI_PROJECT_PATH: 'oneex/back',
    CI_PROJECT_NAME: 'back',
    CI_PROJECT_TITLE: 'Back',
    CI_PROJECT_URL: 'https://gitlab.oneex.fr/oneex/back',
    ...overrides,
  };
}

/** A release tag pipeline for a commit. */
export function tagPipeline(sha: string, tag: string): Record<string, string> {
  const variables = branchPipeline(sha, {
    CI_COMMIT_TAG: tag,
    CI_COMMIT_REF_NAME: tag,
    CI_COMMIT_REF_SLUG: tag.replace(/[^a-z0-9]/g, '-'),
  });
  delete variables.CI_COMMIT_BRANCH;
  return variables;
}

export const sha = (n: number): string => n.toString(16).padStart(40, 'a');

/** Runs `oneex-ci image build` from the bundle, in `cwd`, with exactly these variables (plus PATH). */
export async function runImage(cwd: string, variables: Readonly<Record<string, string>>): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    NO_COLOR: '1',
    ...variables,
  };
  const reportPath = join(cwd, variables.ONEEX_IMAGE_REPORT_FILE ?? 'image.env');
  await rm(reportPath, { force: true });
  const child = spawn(process.execPath, [CLI, 'image', 'build'], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    output += chunk.toString();
  });
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 128)));
  const report: Record<string, string> = {};
  const text = await readFile(reportPath, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) report[line.slice(0, at)] = line.slice(at + 1);
  }
  return { exitCode, stdout, stderr, output, report };
}

/** Array inputs travel as the template renders them. */
export const json = (values: readonly string[]): string => `json:${JSON.stringify(values)}`;
