import { describe, expect, it } from 'vitest';
import { isValidTag, parseImageName, repositoryPathFromProject } from '../../src/registry/reference.ts';

describe('parseImageName', () => {
  it.each([
    ['harbor.oneex.fr/oneex/back', 'harbor.oneex.fr', 'oneex/back'],
    ['harbor.oneex.fr:8443/oneex/apps/back', 'harbor.oneex.fr:8443', 'oneex/apps/back'],
    ['127.0.0.1:5000/oneex/back-end_v2', '127.0.0.1:5000', 'oneex/back-end_v2'],
    ['localhost/team/app', 'localhost', 'team/app'],
  ])('reads %s', (text, registry, path) => {
    expect(parseImageName(text)).toEqual({ value: { registry, path, full: text } });
  });

  it.each([
    ['harbor.oneex.fr/oneex/back:1.0', 'without a tag or digest'],
    ['harbor.oneex.fr/oneex/back@sha256:abc', 'without a tag or digest'],
    ['oneex/back', 'starts with the registry host'],
    ['harbor.oneex.fr', 'starts with the registry host'],
    ['harbor.oneex.fr/Oneex/back', '"Oneex" is not one'],
    ['harbor.oneex.fr/oneex/back-', '"back-" is not one'],
    ['harbor.oneex.fr/oneex//back', '"" is not one'],
    ['-harbor.oneex.fr/oneex/back', 'starts with the registry host'],
    [`harbor.oneex.fr/${'a'.repeat(250)}`, 'at most 255 characters'],
  ])('refuses %s', (text, problem) => {
    const parsed = parseImageName(text);
    expect('problem' in parsed && parsed.problem).toContain(problem);
  });
});

describe('image tags', () => {
  it.each(['main', '1.2.3', '1.2.3-rc.1', 'feat_x', 'A'.repeat(128), '_x'])('accepts %s', (tag) => {
    expect(isValidTag(tag)).toBe(true);
  });
  it.each(['', '-x', '.x', 'a/b', 'a+b', 'A'.repeat(129), 'a b'])('refuses %j', (tag) => {
    expect(isValidTag(tag)).toBe(false);
  });
});

describe('repositoryPathFromProject', () => {
  it.each([
    ['oneex/back', 'oneex/back'],
    ['Oneex/Scanner', 'oneex/scanner'],
    ['oneex/apps/CSharp.Api', 'oneex/apps/csharp.api'],
    ['oneex/my project!', 'oneex/my-project'],
    ['oneex/-x--y-', 'oneex/x-y'],
  ])('%s -> %s', (project, path) => {
    expect(repositoryPathFromProject(project)).toBe(path);
  });
});
