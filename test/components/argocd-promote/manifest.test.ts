import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  editHelmValues,
  editKustomization,
  ManifestError,
} from '../../../components/argocd-promote/manifest.ts';
import { rendersImage } from '../../../components/argocd-promote/render.ts';
import { formatScalar } from '../../../components/argocd-promote/yaml-edit.ts';
import { base, digestOf, overlay, REGISTRY } from './gitops-fixture.ts';

const run = promisify(execFile);
const NEW = { name: `${REGISTRY}/back`, tag: '1.4.0', digest: digestOf('back-1.4.0') };
const FILE = 'apps/back/overlays/test/kustomization.yaml';

/** The lines of `after` that differ from `before`, position by position (both have as many lines). */
function changedLines(before: string, after: string): { before: string; after: string }[] {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b.length).toBe(a.length);
  return a.flatMap((line, i) => (line === b[i] ? [] : [{ before: line, after: b[i] ?? '' }]));
}

describe('kustomization images: entry', () => {
  it('changes only the digest and tag values, in their quoting, keeping every comment and the layout', () => {
    const before = overlay('back', 'test', digestOf('back-initial'));
    const edit = editKustomization(before, NEW, { file: FILE });
    expect(edit.changed).toBe(true);
    expect(edit.layoutKept).toBe(true);
    expect(edit.previous).toEqual({ digest: digestOf('back-initial'), tag: '0.9.0' });
    expect(changedLines(before, edit.text)).toEqual([
      {
        before: '    newTag: "0.9.0"   # informative: the digest decides',
        after: '    newTag: "1.4.0"   # informative: the digest decides',
      },
      { before: `    digest: ${digestOf('back-initial')}`, after: `    digest: ${NEW.digest}` },
    ]);
    expect(edit.location).toBe('images[name=back]');
  });

  it('makes no change when the entry already says it, so the promotion commits nothing', () => {
    const once = editKustomization(overlay('back', 'test', digestOf('x')), NEW, { file: FILE });
    const twice = editKustomization(once.text, NEW, { file: FILE });
    expect(twice.changed).toBe(false);
    expect(twice.text).toBe(once.text);
  });

  it('keeps a comment through many edits in a row', () => {
    let text = overlay('back', 'test', digestOf('start'));
    for (let i = 0; i < 5; i++) {
      text = editKustomization(
        text,
        { ...NEW, tag: `1.${i}.0`, digest: digestOf(`v${i}`) },
        { file: FILE },
      ).text;
    }
    expect(text).toContain('# promoted by CI; edit by hand only to roll back in an emergency');
    expect(text).toContain("- ../../base   # the app's Deployment");
    expect(text).toContain('  - pairs: {environment: test}');
    expect(parse(text).images[0]).toEqual({
      name: 'back',
      newName: NEW.name,
      newTag: '1.4.0',
      digest: digestOf('v4'),
    });
  });

  it('removes a stale newTag when the image has no tag, and keeps the lines around it', () => {
    const before = overlay('back', 'test', digestOf('x'));
    const edit = editKustomization(before, { ...NEW, tag: undefined }, { file: FILE });
    expect(edit.layoutKept).toBe(true);
    expect(edit.text).not.toContain('newTag');
    expect(edit.text.split('\n').length).toBe(before.split('\n').length - 1);
    expect(parse(edit.text).images[0]).toEqual({ name: 'back', newName: NEW.name, digest: NEW.digest });
  });

  it('adds missing keys below their siblings, at their indentation', () => {
    const before =
      'resources:\n    - ../../base\nimages:\n    -   name: back   # base name\n        newName: old/back\n# end\n';
    const edit = editKustomization(before, NEW, { file: FILE });
    expect(edit.layoutKept).toBe(true);
    expect(edit.text).toBe(
      `resources:\n    - ../../base\nimages:\n    -   name: back   # base name\n        newName: ${NEW.name}\n        newTag: 1.4.0\n        digest: ${NEW.digest}\n# end\n`,
    );
  });

  it('appends an entry when none names the image, in the list’s own style', () => {
    const before = 'resources:\n- ../../base\nimages:\n- name: other\n  newTag: v2\n';
    const edit = editKustomization(before, NEW, { file: FILE });
    expect(edit.text).toBe(
      `resources:\n- ../../base\nimages:\n- name: other\n  newTag: v2\n- name: ${NEW.name}\n  newName: ${NEW.name}\n  newTag: 1.4.0\n  digest: ${NEW.digest}\n`,
    );
  });

  it('adds an images: list to a kustomization that has none, keeping a file without a final newline', () => {
    const before = '# overlay\nresources:\n- ../../base';
    const edit = editKustomization(before, NEW, { file: FILE, entryName: 'back' });
    expect(edit.layoutKept).toBe(true);
    expect(edit.text.startsWith('# overlay\nresources:\n- ../../base\nimages:\n- name: back\n')).toBe(true);
    expect(parse(edit.text).images).toEqual([
      { name: 'back', newName: NEW.name, newTag: '1.4.0', digest: NEW.digest },
    ]);
  });

  it('finds the entry by kustomize_image, by newName, or by the last path segment', () => {
    const text = `images:\n- name: api\n  newName: ${NEW.name}\n- name: back\n`;
    expect(editKustomization(text, NEW, { file: FILE }).location).toBe('images[name=api]');
    expect(editKustomization(text, NEW, { file: FILE, entryName: 'back' }).location).toBe(
      'images[name=back]',
    );
    expect(editKustomization('images:\n- name: back\n', NEW, { file: FILE }).location).toBe(
      'images[name=back]',
    );
  });

  it('edits an entry written as a flow map in place', () => {
    const before = `images:\n  - {name: back, newName: ${NEW.name}, newTag: "0.9", digest: ${digestOf('old')}}  # flow\n`;
    const edit = editKustomization(before, NEW, { file: FILE });
    expect(edit.layoutKept).toBe(true);
    expect(edit.text).toBe(
      `images:\n  - {name: back, newName: ${NEW.name}, newTag: "1.4.0", digest: ${NEW.digest}}  # flow\n`,
    );
  });

  it('refuses what is not a kustomization, naming the file', () => {
    expect(() => editKustomization('images: [\n', NEW, { file: FILE })).toThrow(ManifestError);
    expect(() => editKustomization('images: [\n', NEW, { file: FILE })).toThrow(
      /apps\/back\/overlays\/test\/kustomization.yaml is not valid YAML/,
    );
    expect(() => editKustomization('- a\n- b\n', NEW, { file: FILE })).toThrow(/not a kustomization/);
    expect(() => editKustomization('images: back\n', NEW, { file: FILE })).toThrow(/images: is not a list/);
  });
});

describe('Helm values', () => {
  const values = `# values for back in staging
replicaCount: 2

image:
  repository: ${NEW.name}   # Harbor
  tag: "0.9.0"
  digest: ""
  pullPolicy: IfNotPresent

ingress: {enabled: true}
`;

  it('sets repository, tag and digest of the map at the path, nothing else', () => {
    const edit = editHelmValues(values, NEW, { file: 'values.yaml', valuesPath: 'image' });
    expect(edit.layoutKept).toBe(true);
    expect(changedLines(values, edit.text)).toEqual([
      { before: '  tag: "0.9.0"', after: '  tag: "1.4.0"' },
      { before: '  digest: ""', after: `  digest: "${NEW.digest}"` },
    ]);
    expect(editHelmValues(edit.text, NEW, { file: 'values.yaml', valuesPath: 'image' }).changed).toBe(false);
  });

  it('writes the whole reference where the path holds a string', () => {
    const edit = editHelmValues('back:\n  image: old/back:0.9 # pinned\n', NEW, {
      file: 'v.yaml',
      valuesPath: 'back.image',
    });
    expect(edit.text).toBe(`back:\n  image: ${NEW.name}:1.4.0@${NEW.digest} # pinned\n`);
  });

  it('creates the maps a path needs', () => {
    const edit = editHelmValues('replicaCount: 1 # one\n', NEW, { file: 'v.yaml', valuesPath: 'back.image' });
    expect(edit.layoutKept).toBe(true);
    expect(edit.text.startsWith('replicaCount: 1 # one\nback:\n  image:\n')).toBe(true);
    expect(parse(edit.text).back.image).toEqual({ repository: NEW.name, tag: '1.4.0', digest: NEW.digest });
  });

  it('refuses a path through something that is not a map', () => {
    expect(() => editHelmValues('back: 3\n', NEW, { file: 'v.yaml', valuesPath: 'back.image' })).toThrow(
      /back is not a map/,
    );
  });
});

describe('scalars', () => {
  it('stays plain only when YAML 1.1 and 1.2 both read it back as the same string', () => {
    expect(formatScalar('1.4.0', 'PLAIN')).toBe('1.4.0');
    expect(formatScalar('sha256:abc', 'PLAIN')).toBe('sha256:abc');
    expect(formatScalar('1.4', 'PLAIN')).toBe('"1.4"');
    expect(formatScalar('yes', 'PLAIN')).toBe('"yes"');
    expect(formatScalar('0755', 'PLAIN')).toBe('"0755"');
    expect(formatScalar("it's", 'QUOTE_SINGLE')).toBe("'it''s'");
  });
});

describe('rendered by kubectl kustomize', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('renders the edited overlay with the new digest on the container', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oneex-kustomize-'));
    dirs.push(dir);
    const edited = editKustomization(overlay('back', 'test', digestOf('back-initial')), NEW, {
      file: FILE,
    }).text;
    for (const [path, content] of Object.entries({ ...base('back'), [FILE]: edited })) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    const { stdout } = await run('kubectl', ['kustomize', join(dir, 'apps/back/overlays/test')]);
    expect(stdout).toContain(`image: ${NEW.name}:1.4.0@${NEW.digest}`);
    expect(rendersImage(stdout, NEW)).toBe(true);
    expect(rendersImage(stdout, { ...NEW, digest: digestOf('other') })).toBe(false);
  });
});
