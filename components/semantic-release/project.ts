import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';

/**
 * The project's git URL without credentials (`https://gitlab.oneex.fr/oneex/back.git`). The job's own
 * clone URL carries the job token, which cannot push; the release authenticates through a credential
 * helper instead, so this URL is also what the release notes link to.
 */
export function projectGitUrl(context: RunContext): string {
  const url = context.ci.CI_PROJECT_URL;
  if (url === undefined) {
    throw new OneexError(
      'ENOPROJECT',
      'CI_PROJECT_URL is not set: this command runs in a GitLab CI job.',
      'Run it from the component’s job.',
      EXIT.usage,
    );
  }
  return `${url.replace(/\/+$/, '')}.git`;
}
