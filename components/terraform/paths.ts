import { join } from 'node:path';

// Where the jobs keep what passes between them, relative to the root module (so two root modules in
// one repository never share a file). The template's artifact and cache paths are built from these.

/** Per environment: `<root_dir>/.oneex-ci/terraform/<environment>/`. */
export const WORK_DIR = '.oneex-ci/terraform';
/** The saved plan. Plans hold the values of input variables and of data sources: a sensitive artifact. */
export const PLAN_FILE = 'plan.tfplan';
/** What the plan was made from (commit, pipeline, state, digest), checked by the apply job. */
export const PLAN_META_FILE = 'plan.meta.json';
/** `{"create","update","delete"}` for GitLab's merge request widget (artifacts:reports:terraform). */
export const REPORT_FILE = 'report.json';
/** Non-sensitive outputs after an apply, for the next step of the pipeline (Ansible). */
export const OUTPUTS_FILE = 'outputs.json';
/** Provider plugin cache shared by all jobs through `cache:`, relative to the project directory. */
export const PLUGIN_CACHE_DIR = '.oneex-ci/terraform-plugins';

export const workDir = (rootDir: string, environment: string): string => join(rootDir, WORK_DIR, environment);
