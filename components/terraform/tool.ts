import { mkdir } from 'node:fs/promises';
import type { RunContext } from '../../src/runtime/context.ts';
import type { OneexError } from '../../src/runtime/errors.ts';
import { type ExecResult, exec } from '../../src/runtime/exec.ts';
import { backendConfigArgs, backendEnv } from './backend.ts';
import { stateAuth, stateLocked, toolFailed, toolMissing } from './errors.ts';
import type { Settings } from './settings.ts';

// The one way the component runs tofu/terraform: in the root module, non-interactive, with the plugin
// cache, the backend credentials and the provider credentials in its environment (never its argv),
// and what it prints streamed to the job log through the redactor.

export interface ToolRun extends ExecResult {
  readonly command: string;
}

export class Tool {
  constructor(
    private readonly settings: Settings,
    private readonly context: RunContext,
    /** Provider credentials, already registered with the redactor. */
    private readonly credentials: Readonly<Record<string, string>>,
  ) {}

  get name(): string {
    return this.settings.tool;
  }

  private env(): Record<string, string> {
    return {
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      TF_PLUGIN_CACHE_DIR: this.settings.pluginCacheDir,
      ...(this.settings.state !== undefined ? backendEnv(this.settings.state.backend) : {}),
      ...this.credentials,
    };
  }

  /** Runs the tool; `quiet` keeps its stdout out of the log (JSON that may hold values). */
  async run(args: readonly string[], options: { readonly quiet?: boolean } = {}): Promise<ToolRun> {
    await mkdir(this.settings.pluginCacheDir, { recursive: true });
    const command = args[0] ?? '';
    if (options.quiet !== true)
      this.context.log.info(this.context.log.style(`$ ${this.name} ${args.join(' ')}`, 'dim'));
    try {
      const result = await exec(this.name, args, {
        cwd: this.settings.rootDir,
        env: this.env(),
        redactor: this.context.redactor,
        ...(options.quiet === true ? {} : { echo: (line: string) => this.context.log.line(line) }),
      });
      return { ...result, command };
    } catch (error) {
      if (/not installed or not on PATH/.test((error as Error).message)) throw toolMissing(this.name);
      throw error;
    }
  }

  /** Throws the error the tool's output explains best, when it failed. */
  check(run: ToolRun, ok: readonly number[] = [0]): ToolRun {
    if (ok.includes(run.exitCode)) return run;
    throw this.explain(run);
  }

  explain(run: ToolRun): OneexError {
    const output = `${run.stdout}\n${run.stderr}`;
    const state = this.settings.state?.name ?? '';
    if (output.includes('Error acquiring the state lock')) {
      const info = /Lock Info:\n((?:\s+\S.*\n?)+)/.exec(output)?.[1]?.trimEnd() ?? '';
      return stateLocked(this.name, state, this.settings.lockTimeout, info);
    }
    if (/HTTP remote state endpoint (requires auth|invalid auth)/.test(output))
      return stateAuth(
        state,
        /HTTP remote state endpoint (requires auth|invalid auth)/.exec(output)?.[0] ?? '',
      );
    return toolFailed(this.name, run.command, run.exitCode);
  }

  /** `version -json`: proves the tool is there before anything else runs, and names its version. */
  async version(): Promise<string> {
    const run = this.check(await this.run(['version', '-json'], { quiet: true }));
    try {
      return String(
        (JSON.parse(run.stdout) as { terraform_version?: unknown }).terraform_version ?? 'unknown',
      );
    } catch {
      return 'unknown';
    }
  }

  /** `init` against GitLab-managed state (or without a backend, for validate). */
  async init(withBackend: boolean): Promise<void> {
    const state = this.settings.state;
    const args = ['init', '-input=false', '-no-color'];
    if (withBackend && state !== undefined) args.push('-reconfigure', ...backendConfigArgs(state.backend));
    else args.push('-backend=false');
    await this.context.log.section(
      `${this.name}_init`,
      `${this.name} init`,
      async () => {
        this.check(await this.run(args));
      },
      true,
    );
  }
}
