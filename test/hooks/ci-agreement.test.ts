import { execFile } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_DEPENDENCIES } from '../../src/hooks/install.ts';
import { createConsumer, publishLibrary, removeAll, runPipeline } from '../support/local-pipeline.ts';

// One convention, two gates: the configuration `oneex-ci hooks install` writes is the one the
// `commitlint` component applies in CI. A commit made past the hook (`--no-verify`) is refused by the
// merge request pipeline for the same rule.

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => removeAll(...dirs));

describe('the commit convention of an app repository', () => {
  it('is enforced in CI by the commitlint component with the rules the hooks use', async () => {
    const library = await publishLibrary({ versions: ['1.0.0'] });
    dirs.push(dirname(library.gitConfig));
    const app = await createConsumer({
      project: 'oneex/scanner',
      files: {
        '.gitlab-ci.yml': 'include:\n  - component: $CI_SERVER_FQDN/oneex/ci-components/commitlint@1\n',
      },
    });
    dirs.push(app.dir);
    // The dev dependencies as npm install would leave them (committed here, so the job has them too).
    for (const name of Object.keys(DEV_DEPENDENCIES)) {
      await mkdir(dirname(join(app.dir, 'node_modules', name)), { recursive: true });
      await symlink(join(ROOT, 'node_modules', name), join(app.dir, 'node_modules', name));
    }
    await run(process.execPath, [join(ROOT, 'dist', 'oneex-ci.mjs'), 'hooks', 'install', '--no-install'], {
      cwd: app.dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    const base = await app.commit({ message: 'chore: adopt the commit convention' });
    await app.commit({ message: 'feat(Scan): read passports' });
    await app.commit({ message: 'fix(scan): keep the session' });

    const result = await runPipeline(library, app, {
      variables: {
        CI_PIPELINE_SOURCE: 'merge_request_event',
        CI_MERGE_REQUEST_DIFF_BASE_SHA: base,
        CI_MERGE_REQUEST_IID: '2',
      },
    });

    const job = result.job('commitlint');
    expect(job.status, job.log).toBe('failed');
    expect(job.log).toContain('Config: commitlint.config.mjs');
    expect(job.log).toMatch(
      /✖ [0-9a-f]{8} feat\(Scan\): read passports\n\s+error\s+scope must be lower-case \[scope-case\]/,
    );
    expect(job.log).toContain('1 of 2 commits break the commit convention');
  });
});
