import { describe, expect, it } from 'vitest';
import { lostIncludeRace } from './local-pipeline.ts';

// When gitlab-ci-local's parallel fetches of one component collide, nothing ran and the run is
// repeated; any other failure, or one after a job ran, is the pipeline's own and is kept.

const COLLISION = `downloaded oneex/ci-components 1.0.0 templates/terraform in 333 ms
Component include could not be fetched { project: oneex/ci-components, ref: 1.0.0, file: templates/terraform.yml }
cp: cannot create regular file '/tmp/c/.gitlab-ci-local/includes/gitlab.oneex.test/oneex/ci-components/1.0.0/templates/terraform.yml': File exists
`;

describe('lostIncludeRace', () => {
  it('recognises the collision before any job', () => {
    expect(lostIncludeRace(COLLISION)).toBe(true);
  });

  it('leaves other failures alone', () => {
    expect(lostIncludeRace('Component include could not be fetched { project: x }\nfatal: not found\n')).toBe(
      false,
    );
    expect(lostIncludeRace(`${COLLISION}terraform:fmt finished in 1.2 s\n`)).toBe(false);
  });
});
