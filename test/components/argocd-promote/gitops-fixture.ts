import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

// A GitOps repository as Oneex keeps one: per app a Kustomize base (a Deployment whose container image
// is the bare app name) and an overlay per environment with an `images:` entry, written by hand with
// comments and a layout of its own. It lives as a real bare repository under `root`, at
// `oneex/gitops.git`, for the git HTTP server or a file:// URL.

const run = promisify(execFile);
export const ENVIRONMENTS = ['test', 'staging', 'production'] as const;
export const REGISTRY = 'harbor.oneex.test/oneex';
export const GITOPS_PROJECT = 'oneex/gitops';

const PROTECT_MAIN = `#!/bin/sh
while read -r old new ref; do
  if [ "$ref" = refs/heads/main ] && [ "$old" != 0000000000000000000000000000000000000000 ] && ! git merge-base --is-ancestor "$old" "$new"; then
    echo "GitLab: You are not allowed to force push code to a protected branch on this project." >&2
    exit 1
  fi
done
`;

export const digestOf = (seed: string): string => `sha256:${createHash('sha256').update(seed).digest('hex')}`;

export const imageRef = (app: string, seed: string): string => `${REGISTRY}/${app}@${digestOf(seed)}`;

export function overlay(app: string, environment: string, digest: string): string {
  return `# ${app} in ${environment}: the image below is written by the argocd-promote component.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

namespace: ${app}-${environment}
resources:
- ../../base   # the app's Deployment

images:
  # promoted by CI; edit by hand only to roll back in an emergency
  - name: ${app}
    newName: ${REGISTRY}/${app}
    newTag: "0.9.0"   # informative: the digest decides
    digest: ${digest}

labels:
  - pairs: {environment: ${environment}}
`;
}

export function base(app: string): Record<string, string> {
  return {
    [`apps/${app}/base/kustomization.yaml`]: 'resources:\n  - deployment.yaml\n',
    [`apps/${app}/base/deployment.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${app}}
  template:
    metadata:
      labels: {app: ${app}}
    spec:
      containers:
        - name: ${app}
          image: ${app}
`,
  };
}

export interface GitOpsFixture {
  readonly root: string;
  /** The bare repository. */
  readonly bare: string;
  git(args: readonly string[]): Promise<string>;
  /** The file at the branch's head (what Argo CD would deploy). */
  show(path: string, ref?: string): Promise<string>;
  /** Commit subjects and trailers, newest first. */
  log(path?: string): Promise<{ sha: string; subject: string; body: string }[]>;
}

const AUTHOR = {
  GIT_AUTHOR_NAME: 'Platform',
  GIT_AUTHOR_EMAIL: 'platform@oneex.test',
  GIT_COMMITTER_NAME: 'Platform',
  GIT_COMMITTER_EMAIL: 'platform@oneex.test',
};

export async function createGitOpsRepository(
  apps: readonly string[],
  extra: Readonly<Record<string, string>> = {},
): Promise<GitOpsFixture> {
  const root = await mkdtemp(join(tmpdir(), 'oneex-gitops-server-'));
  const work = join(root, 'seed');
  const files: Record<string, string> = { 'README.md': '# Oneex GitOps\n', ...extra };
  for (const app of apps) {
    Object.assign(files, base(app));
    for (const environment of ENVIRONMENTS) {
      files[`apps/${app}/overlays/${environment}/kustomization.yaml`] = overlay(
        app,
        environment,
        digestOf(`${app}-initial`),
      );
    }
  }
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(work, path)), { recursive: true });
    await writeFile(join(work, path), content);
  }
  const env = { ...process.env, ...AUTHOR };
  await run('git', ['init', '-q', '-b', 'main'], { cwd: work, env });
  await run('git', ['add', '-A'], { cwd: work, env });
  await run('git', ['commit', '-q', '-m', 'chore: initial layout'], { cwd: work, env });
  const bare = join(root, `${GITOPS_PROJECT}.git`);
  await mkdir(dirname(bare), { recursive: true });
  await run('git', ['clone', '-q', '--bare', work, bare], { env });
  // GitLab refuses force pushes to a protected branch (main) and allows them elsewhere; so does this
  // repository, by a pre-receive hook with GitLab's message.
  await writeFile(join(bare, 'hooks', 'pre-receive'), PROTECT_MAIN);
  await chmod(join(bare, 'hooks', 'pre-receive'), 0o755);
  const git = async (args: readonly string[]) =>
    (await run('git', [...args], { cwd: bare, env, maxBuffer: 16 * 1024 * 1024 })).stdout;
  return {
    root,
    bare,
    git,
    show: (path, ref = 'main') => git(['show', `${ref}:${path}`]),
    async log(path) {
      const out = await git([
        'log',
        '--format=%H%x1f%s%x1f%B%x1e',
        'main',
        ...(path !== undefined ? ['--', path] : []),
      ]);
      return out
        .split('\x1e')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '')
        .map((entry) => {
          const [sha = '', subject = '', body = ''] = entry.split('\x1f');
          return { sha, subject, body };
        });
    },
  };
}
