import type { Action } from '../../src/model/component.ts';
import { EXIT } from '../../src/runtime/errors.ts';
import type { inputs as declared } from './component.ts';
import { defaultConfig } from './config.ts';
import { credentialHelper, gitConfigEnv, TOKEN_VARIABLE } from './git-env.ts';
import { projectGitUrl } from './project.ts';
import { jobEnv, repositoryConfig, runSemanticRelease } from './run-semantic-release.ts';
import { gitlabToken } from './token.ts';

// `oneex-ci semantic-release release`: the release itself, on a release branch. semantic-release
// checks the token and its rights before it changes anything, and publishes nothing when the branch
// moved on since the pipeline started.

const action: Action<typeof declared> = async (inputs, context) => {
  // Everything that can be checked first is: no token or no project fails before any git command.
  const projectUrl = projectGitUrl(context);
  const token = await gitlabToken(inputs, context);
  const config = await repositoryConfig(context.cwd);
  context.log.info(`GitLab token: ${token.source}.`);
  context.log.info(
    `Config: ${config ?? 'the library default (Conventional Commits, the default and maintenance branches)'}`,
  );

  const outcome = await context.log.section('semantic_release', 'semantic-release', () =>
    runSemanticRelease(
      {
        ...(config === undefined ? defaultConfig(inputs, context.ci) : {}),
        repositoryUrl: projectUrl,
      },
      {
        ...jobEnv(context),
        [TOKEN_VARIABLE]: token.value,
        ...gitConfigEnv(credentialHelper(projectUrl)),
      },
      context,
    ),
  );

  context.log.line();
  if (outcome.next === undefined)
    context.log.info('No release: no commit since the last release calls for one.');
  else context.log.success(`Released ${outcome.next.version} (tag ${outcome.next.gitTag}).`);
  return EXIT.ok;
};

export default action;
