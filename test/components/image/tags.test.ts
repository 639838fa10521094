import { describe, expect, it } from 'vitest';
import { parseRelease, releaseTags } from '../../../components/image/tags.ts';

const tagsOf = (gitTag: string, existing: string[] = []) => {
  const release = parseRelease(gitTag);
  if (release === undefined) throw new Error(`not a release: ${gitTag}`);
  return releaseTags(release, existing);
};

describe('release tags', () => {
  it('gives a final release its version, major.minor and major, without the v', () => {
    expect(tagsOf('v1.2.3')).toEqual([{ tag: '1.2.3' }, { tag: '1.2' }, { tag: '1' }]);
    expect(tagsOf('4.0.0')).toEqual([{ tag: '4.0.0' }, { tag: '4.0' }, { tag: '4' }]);
  });

  it('gives a pre-release its full version only', () => {
    expect(tagsOf('v2.0.0-rc.1')).toEqual([{ tag: '2.0.0-rc.1' }]);
  });

  it('writes build metadata with _ since + is not allowed in a tag', () => {
    expect(tagsOf('v1.2.3+build.7')[0]).toEqual({ tag: '1.2.3_build.7' });
  });

  it('keeps major and minor on a newer release already in the repository', () => {
    expect(tagsOf('v1.2.5', ['1.4.0', '1.2.4', '1', '1.4', 'main'])).toEqual([
      { tag: '1.2.5' },
      { tag: '1.2' },
      { tag: '1', keptFor: '1.4.0' },
    ]);
    expect(tagsOf('v1.2.5', ['1.2.6'])).toEqual([
      { tag: '1.2.5' },
      { tag: '1.2', keptFor: '1.2.6' },
      { tag: '1', keptFor: '1.2.6' },
    ]);
  });

  it('is not held back by a newer pre-release', () => {
    expect(tagsOf('v1.2.5', ['1.3.0-rc.1'])).toEqual([{ tag: '1.2.5' }, { tag: '1.2' }, { tag: '1' }]);
  });

  it('uses another git tag as it is when it is a valid image tag, and refuses one that is not', () => {
    expect(tagsOf('nightly-2026-12-01')).toEqual([{ tag: 'nightly-2026-12-01' }]);
    expect(parseRelease('release/2026')).toBeUndefined();
  });
});
