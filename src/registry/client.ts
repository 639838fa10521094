import type { RunContext } from '../runtime/context.ts';
import { exec } from '../runtime/exec.ts';
import type { RegistryAccess } from './access.ts';
import type { ImageName } from './reference.ts';
import { runRegistryTool } from './tool.ts';

// What jobs ask of an OCI registry, through skopeo: does an image exist (and what is its digest), which
// tags a repository has, and copying an image by digest to a tag, which moves no layer. Every call
// retries what is transient; a missing image is an answer, not a failure.

export interface ImageInfo {
  readonly digest: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface RegistryClientOptions {
  readonly access: RegistryAccess;
  /** Per attempt; a registry that stops answering ends the attempt (then it is retried). */
  readonly timeoutSeconds: number;
}

type Context = Pick<RunContext, 'cwd' | 'log' | 'redactor'>;

export class RegistryClient {
  constructor(
    private readonly options: RegistryClientOptions,
    private readonly context: Context,
  ) {}

  private global(): string[] {
    return ['--command-timeout', `${this.options.timeoutSeconds}s`];
  }

  private auth(): string[] {
    const { access } = this.options;
    return [
      '--authfile',
      access.authFile,
      ...(access.certDir !== undefined ? ['--cert-dir', access.certDir] : []),
    ];
  }

  /** The image a reference names, or undefined when the registry has no such manifest. */
  async inspect(reference: string): Promise<ImageInfo | undefined> {
    const args = [...this.global(), 'inspect', ...this.auth(), '--no-tags', `docker://${reference}`];
    // One probe first: "not there" is the common answer and must not wait through retries.
    const probe = await exec('skopeo', args, { cwd: this.context.cwd, redactor: this.context.redactor });
    if (probe.exitCode !== 0 && isMissing(probe.stderr)) return undefined;
    // Anything else goes through the runner: transient failures are retried, the rest worded.
    const stdout =
      probe.exitCode === 0
        ? probe.stdout
        : (await runRegistryTool({ what: `inspect ${reference}`, command: 'skopeo', args }, this.context))
            .stdout;
    const parsed = JSON.parse(stdout) as { Digest: string; Labels?: Record<string, string> | null };
    return { digest: parsed.Digest, labels: parsed.Labels ?? {} };
  }

  /** Every tag of a repository; none when the repository does not exist yet. */
  async listTags(name: ImageName): Promise<string[]> {
    const args = [...this.global(), 'list-tags', ...this.auth(), `docker://${name.full}`];
    const probe = await exec('skopeo', args, { cwd: this.context.cwd, redactor: this.context.redactor });
    if (probe.exitCode !== 0 && isMissing(probe.stderr)) return [];
    const result =
      probe.exitCode === 0
        ? probe
        : await runRegistryTool(
            { what: `list the tags of ${name.full}`, command: 'skopeo', args },
            this.context,
          );
    return (JSON.parse(result.stdout) as { Tags?: string[] | null }).Tags ?? [];
  }

  /**
   * Copies an image byte for byte (`--preserve-digests`: the manifest is never rewritten, so the
   * destination has the source's digest, or the copy fails). Between two names of one registry
   * repository this uploads no layer: it only writes the manifest under the new tag.
   */
  async copy(source: string, destination: string, what: string): Promise<void> {
    const { access } = this.options;
    const certs =
      access.certDir !== undefined
        ? ['--src-cert-dir', access.certDir, '--dest-cert-dir', access.certDir]
        : [];
    await runRegistryTool(
      {
        what,
        command: 'skopeo',
        args: [
          ...this.global(),
          'copy',
          '--quiet',
          '--preserve-digests',
          '--authfile',
          access.authFile,
          ...certs,
          source,
          destination,
        ],
      },
      this.context,
    );
  }
}

// The registry's "no such manifest or repository" (distribution: MANIFEST_UNKNOWN, NAME_UNKNOWN; Harbor: NOT_FOUND).
const isMissing = (output: string): boolean =>
  /manifest unknown|name unknown|repository name not known|not found|\b404\b/i.test(output) &&
  !/denied|unauthorized|authentication required/i.test(output);
