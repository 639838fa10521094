import { defineComponent, jobInputs } from '../../src/model/component.ts';
import type { InputSpecs } from '../../src/model/inputs.ts';
import { rulesInput } from '../../src/model/rules.ts';
import { vaultIdTokens, vaultInputs } from '../../src/vault/inputs.ts';

const RELATIVE_PATH = '^$|^[^/\\\\].*$';

export const inputs = {
  ...jobInputs({ as: 'image-build', stage: 'build' }),
  rules: rulesInput(
    'GitLab `rules:` of the job. The default runs in merge request pipelines, branch pipelines of branches without an open merge request, and tag pipelines.',
    [{ if: '$CI_COMMIT_TAG' }],
  ),
  name: {
    default: '',
    description:
      'Image repository, registry host included (`harbor.oneex.fr/oneex/back`). Empty: `$HARBOR_HOST/<project path>`, the project path lower-cased; `HARBOR_HOST` defaults to `harbor.oneex.fr`.',
  },
  context: {
    default: '.',
    description: 'Build context directory, relative to the project directory.',
    regex: RELATIVE_PATH,
  },
  file: {
    default: '',
    description:
      'Containerfile or Dockerfile, relative to the project directory. Empty: `Containerfile`, else `Dockerfile`, in the context directory.',
    regex: RELATIVE_PATH,
  },
  build_args: {
    type: 'array',
    default: [],
    description:
      'Build arguments, each `NAME=value` (`["NODE_ENV=production", "VERSION=$CI_COMMIT_TAG"]`). They are recorded in the image: never put a secret here.',
  },
  target: {
    default: '',
    description: 'Stage of a multi-stage Containerfile to build. Empty: the last stage.',
    regex: '^$|^[A-Za-z0-9][A-Za-z0-9_.-]*$',
  },
  tags: {
    type: 'array',
    default: [],
    description:
      'Tags to add on every build, besides the commit SHA and the ref slug (branch pipelines) or the version tags (release tag pipelines).',
  },
  labels: {
    type: 'array',
    default: [],
    description:
      'Image labels to add, each `key=value`, besides the `org.opencontainers.image.*` labels set from the pipeline.',
  },
  cache: {
    type: 'boolean',
    default: true,
    description:
      'Keep a layer cache in the registry, so a build rebuilds only the steps after the first one whose inputs changed.',
  },
  cache_repository: {
    default: '',
    description: 'Repository of the layer cache. Empty: `<name>/cache`.',
  },
  rebuild: {
    type: 'boolean',
    default: false,
    description:
      'Build even when the registry already holds an image tagged with this commit’s SHA. By default such an image is reused, so re-runs and tag pipelines promote the same digest without building.',
  },
  vulnerability_gate: {
    default: 'off',
    options: ['off', 'critical', 'high', 'medium', 'low'],
    description:
      'Have Harbor scan the pushed digest and fail the job, before any tag is written, when it finds a vulnerability of this severity or worse.',
  },
  scan_timeout: {
    type: 'number',
    default: 600,
    description: 'Seconds to wait for Harbor’s scan before failing the job.',
  },
  harbor_url: {
    default: '',
    description:
      'Harbor’s base URL, for the vulnerability gate. Empty: `https://<registry host of name>`. Only HTTPS, except on loopback.',
    regex: '^$|^https?://[^\\s/]+(/.*)?$',
  },
  ca_file: {
    default: '',
    description:
      'PEM bundle of the CA that signed the registry certificate, when it is not publicly trusted (a CI/CD variable of type File: `$HARBOR_CA_FILE`). For the vulnerability gate’s calls to Harbor’s API, set `NODE_EXTRA_CA_CERTS` to the same file.',
  },
  storage_driver: {
    default: 'vfs',
    options: ['vfs', 'overlay'],
    description:
      'buildah storage driver. `vfs` runs anywhere, unprivileged, but copies every layer; `overlay` does not, where the runner allows overlay mounts (native or fuse-overlayfs).',
  },
  push_timeout: {
    type: 'number',
    default: 600,
    description:
      'Seconds one attempt to push or tag may take; a registry that stops answering is retried after that.',
  },
  harbor_password_secret: {
    default: '',
    description:
      'Vault reference of the robot account’s secret, e.g. `kv/data/ci/harbor#password`. Empty: the CI/CD variable HARBOR_PASSWORD.',
  },
  harbor_username_secret: {
    default: '',
    description:
      'Vault reference of the robot account’s name, e.g. `kv/data/ci/harbor#username`. Empty: the CI/CD variable HARBOR_USERNAME.',
  },
  ...vaultInputs(),
  report_file: {
    default: 'image.env',
    description:
      'Path of the dotenv report (`IMAGE_REF`, `IMAGE_DIGEST`, `IMAGE_NAME`, `IMAGE_TAGS`), relative to the project directory.',
    regex: '^[^/\\\\].*$',
  },
} as const satisfies InputSpecs;

export default defineComponent({
  name: 'image',
  summary:
    'Builds a container image with buildah and pushes it to Harbor by digest, cached and reproducible.',
  description: `
Builds the project's Containerfile (or Dockerfile) with [buildah](https://buildah.io): no Docker
daemon, no privileged runner, so it runs on GitLab's Kubernetes executor. The image is pushed to
Harbor **by digest first**; tags are written only once the whole image is there, so no tag ever
points at a partial image.

- **Tags.** The image is tagged with the commit SHA (\`CI_COMMIT_SHA\`, immutable) and, in branch
  and merge request pipelines, the ref slug (\`CI_COMMIT_REF_SLUG\`). A release tag pipeline (\`v1.2.3\` or \`1.2.3\`) adds \`1.2.3\`,
  \`1.2\` and \`1\` (pre-releases get only their full version; \`1.2\` and \`1\` move only forward),
  by copying the image the commit already has in the registry by digest: no rebuild.
- **Reproducible.** Files and metadata carry the commit time (\`CI_COMMIT_TIMESTAMP\`), so the same
  commit builds the same image (when its steps are deterministic); a re-run of a commit whose image exists reuses it (input \`rebuild\`).
- **Labels.** \`org.opencontainers.image.source\`, \`revision\`, \`created\`, \`version\`, \`title\` and
  \`url\`, from the pipeline.
- **Layer cache** in the registry (\`<name>/cache\`), so a change to application code rebuilds only
  the steps after the one it touches, even on a fresh runner.
- **Vulnerability gate** (optional): Harbor scans the pushed digest; above the threshold the job fails
  with counts per severity and the top findings, and writes no tag.
- **Reliable.** Pushes and tags retry with backoff on 5xx answers, timeouts and reset connections.

Credentials: a Harbor robot account, from Vault when \`harbor_password_secret\` names it (the job
logs in with its GitLab ID token, reads the secret, and revokes its Vault token at once), else from
the CI/CD variables \`HARBOR_USERNAME\` and \`HARBOR_PASSWORD\` (mark them masked and protected; turn
off *Expand variable reference*, robot names hold a \`$\`). They reach buildah and skopeo through an
auth file that is private (0600), outside the project directory, and removed when the job ends; they
never reach the log or an artifact.

Harbor setup: a robot account per project (or group) with *push* and *pull* on repositories, and,
for the vulnerability gate, *read* on artifacts and *create* on scans, with a scanner (Trivy) set for
the project. Harbor's tag immutability rules suit the commit-SHA tags: the component never moves one
to another digest (with \`rebuild\` set it would try, and such a rule refuses it, clearly).

The job's dotenv report gives later jobs \`IMAGE_REF\` (\`name@sha256:…\`: deploy this),
\`IMAGE_DIGEST\`, \`IMAGE_NAME\` and \`IMAGE_TAGS\` (comma-separated). To build after another job
(that makes \`dist/\`, say), set \`needs:\` on the job in your \`.gitlab-ci.yml\`.
`,
  inputs,
  usage: { build_args: ['NODE_ENV=production'] },
  actions: {
    build: () => import('./build.ts'),
  },
  jobs: (inputs) => ({
    [inputs.as]: {
      stage: inputs.stage,
      image: inputs.image,
      needs: [],
      rules: inputs.rules,
      id_tokens: vaultIdTokens(inputs),
      run: 'build',
      interruptible: true,
      artifacts: {
        reports: { dotenv: inputs.report_file },
      },
    },
  }),
});
