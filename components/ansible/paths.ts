// Fixed paths the template and the actions share, relative to the repository root.

/** Where Galaxy requirements are installed; the GitLab cache keeps it between pipelines. */
export const GALAXY_CACHE_DIR = '.ansible-galaxy';
/** The lint job's Code Quality report (docs.gitlab.com/ci/testing/code_quality). */
export const LINT_REPORT_FILE = 'ansible-lint-codequality.json';
