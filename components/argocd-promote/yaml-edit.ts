import { isDeepStrictEqual } from 'node:util';
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  type Node,
  parse,
  parseDocument,
  type Scalar,
  stringify,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';

// Edits a YAML file the way a person would: only the values that change are rewritten, in the quoting
// style they had; new keys go below their siblings at the same indentation. Everything else (comments,
// blank lines, key order, indentation, flow style) stays byte for byte. The yaml package's Document API
// finds the nodes and their source ranges; its own serializer would normalise the whole file (spacing
// before comments, flow-map padding, sequence indentation), which is noise in a GitOps diff.
//
// Every edit is also applied to the Document, so the result can be checked: the patched text must parse
// to exactly what the Document holds. If a layout defeats the patcher, the Document's own rendering is
// used instead (comments kept, spacing normalised) and `layoutKept` says so.

export type Path = readonly (string | number)[];

interface TextPatch {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

class CannotPatch extends Error {}

export class YamlFile {
  private readonly patches: TextPatch[] = [];
  private readonly anchors = new Map<YAMLMap, { at: number; indent: number }>();
  private patchable = true;

  private constructor(
    readonly source: string,
    readonly doc: Document,
  ) {}

  /** Parses the text, or returns the parser's first error (line and column included). */
  static parse(source: string): YamlFile | { error: string } {
    const doc = parseDocument(source, { keepSourceTokens: true, uniqueKeys: true });
    const first = doc.errors[0];
    if (first !== undefined) return { error: first.message.split('\n')[0] ?? first.message };
    return new YamlFile(source, doc);
  }

  /** The node at a path, if there is one. */
  node(path: Path): unknown {
    return path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
  }

  /** Sets (a string) or removes (undefined) one key of a map. */
  set(map: YAMLMap, key: string, value: string | undefined): void {
    const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
    if (!map.flow) this.attempt(() => this.anchor(map));
    if (value === undefined) {
      if (pair === undefined) return;
      this.attempt(() => this.removePair(map, pair.key as Scalar, pair.value as Node | null));
      map.delete(key);
      return;
    }
    const current = pair?.value;
    if (isScalar(current) && current.value === value) return;
    if (pair !== undefined && (isScalar(current) || current === null)) {
      this.attempt(() => this.replaceScalar(current, pair.key as Scalar, value));
    } else if (pair === undefined) {
      this.attempt(() => this.insertPair(map, key, value));
    } else {
      this.patchable = false;
    }
    map.set(key, value);
  }

  /** Adds a key holding a new collection (a map or a list) to a map. */
  add(map: YAMLMap, key: string, value: object): void {
    this.attempt(() => this.insertPair(map, key, value));
    map.set(key, this.doc.createNode(value));
  }

  /** Appends a map to a list. */
  append(seq: YAMLSeq, item: Record<string, string>): void {
    this.attempt(() => this.appendItem(seq, item));
    seq.add(this.doc.createNode(item));
  }

  /** The edited text, and whether the file's own layout could be kept. */
  render(): { text: string; layoutKept: boolean } {
    const expected = this.doc.toJS();
    if (this.patchable) {
      const text = applyPatches(this.source, this.patches);
      if (parsesTo(text, expected)) return { text, layoutKept: true };
    }
    return { text: this.doc.toString({ lineWidth: 0 }), layoutKept: false };
  }

  private attempt(patch: () => void): void {
    if (!this.patchable) return;
    try {
      patch();
    } catch (error) {
      if (!(error instanceof CannotPatch)) throw error;
      this.patchable = false;
    }
  }

  private replaceScalar(node: Scalar | null, key: Scalar, value: string): void {
    if (node === null || node.range == null || node.range[0] === node.range[1]) {
      // `key:` with nothing after it: write the value after the colon.
      const colon = this.source.indexOf(':', rangeOf(key)[1]);
      if (colon < 0) throw new CannotPatch();
      this.patches.push({ start: colon + 1, end: colon + 1, text: ` ${formatScalar(value, 'PLAIN')}` });
      return;
    }
    const [start, end] = node.range;
    if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') throw new CannotPatch();
    this.patches.push({ start, end, text: formatScalar(value, node.type ?? 'PLAIN') });
  }

  private insertPair(map: YAMLMap, key: string, value: unknown): void {
    const { at, indent } = this.anchor(map);
    this.patches.push({
      start: at,
      end: at,
      text: indentBlock(renderPair(key, value, this.seqIndent()), indent),
    });
  }

  /**
   * Where new keys of a map go: after the line of its last pair as the file had it, at that pair's
   * indentation. Taken before the map's first edit, so that removing or adding pairs does not move it.
   */
  private anchor(map: YAMLMap): { at: number; indent: number } {
    let anchor = this.anchors.get(map);
    if (anchor === undefined) {
      if (map.flow) throw new CannotPatch();
      const last = map.items.at(-1);
      if (last === undefined || !isScalar(last.key)) throw new CannotPatch();
      anchor = {
        at: this.endOfLine(lastEnd(last.key, last.value as Node | null)),
        indent: this.column(rangeOf(last.key)[0]),
      };
      this.anchors.set(map, anchor);
    }
    return anchor;
  }

  private appendItem(seq: YAMLSeq, item: Record<string, string>): void {
    if (seq.flow) throw new CannotPatch();
    const last = seq.items.findLast((item) => (item as Node).range != null) as Node | undefined;
    if (last === undefined || last.range == null) throw new CannotPatch();
    const dash = this.source.lastIndexOf('-', last.range[0]);
    if (dash < 0) throw new CannotPatch();
    const dashColumn = this.column(dash);
    // Keep the item's own offset after the dash (`- name:` or `-   name:`).
    const offset = Math.max(2, this.column(last.range[0]) - dashColumn);
    const lines = stringify(item, { lineWidth: 0 }).trimEnd().split('\n');
    const text = lines.map((line, i) =>
      i === 0 ? `-${' '.repeat(offset - 1)}${line}` : `${' '.repeat(offset)}${line}`,
    );
    const at = this.endOfLine(last.range[1]);
    this.patches.push({ start: at, end: at, text: indentBlock(`${text.join('\n')}\n`, dashColumn) });
  }

  private removePair(map: YAMLMap, key: Scalar, value: Node | null): void {
    if (map.flow) throw new CannotPatch();
    const start = this.startOfLine(rangeOf(key)[0]);
    if (this.source.slice(start, rangeOf(key)[0]).trim() !== '') throw new CannotPatch();
    this.patches.push({ start, end: this.endOfLine(lastEnd(key, value)), text: '' });
  }

  /** Whether lists under a key are indented (`key:\n  - a`) or not (`key:\n- a`), as the file does it. */
  private seqIndent(): boolean {
    return !/^[A-Za-z_][\w.-]*:[ \t]*(#.*)?\r?\n-\s/m.test(this.source);
  }

  private column(offset: number): number {
    return offset - this.startOfLine(offset);
  }

  private startOfLine(offset: number): number {
    return this.source.lastIndexOf('\n', offset - 1) + 1;
  }

  /**
   * The offset just after the newline that ends the line holding the character before `end` (a node's
   * end is exclusive, and a block collection's may already include its newline). A last line without a
   * newline gets one.
   */
  private endOfLine(end: number): number {
    const newline = this.source.indexOf('\n', Math.max(0, end - 1));
    if (newline >= 0) return newline + 1;
    this.patches.push({ start: this.source.length, end: this.source.length, text: '\n' });
    return this.source.length;
  }
}

function rangeOf(node: Node): readonly [number, number, number] {
  if (node.range == null) throw new CannotPatch();
  return node.range;
}

function lastEnd(key: Node, value: Node | null): number {
  return value !== null && value.range != null && value.range[1] > rangeOf(key)[1]
    ? value.range[1]
    : rangeOf(key)[1];
}

function renderPair(key: string, value: unknown, seqIndent: boolean): string {
  return stringify({ [key]: value }, { lineWidth: 0, indentSeq: seqIndent });
}

const indentBlock = (text: string, columns: number): string =>
  text
    .split('\n')
    .map((line) => (line === '' ? line : `${' '.repeat(columns)}${line}`))
    .join('\n');

function applyPatches(source: string, patches: readonly TextPatch[]): string {
  // From the end backwards, so earlier offsets stay valid; patches at the same offset keep their order.
  const ordered = patches.map((patch, index) => ({ patch, index }));
  ordered.sort((a, b) => b.patch.start - a.patch.start || b.index - a.index);
  let text = source;
  for (const { patch } of ordered) text = text.slice(0, patch.start) + patch.text + text.slice(patch.end);
  return text;
}

function parsesTo(text: string, expected: unknown): boolean {
  const doc = parseDocument(text, { uniqueKeys: true });
  return doc.errors.length === 0 && isDeepStrictEqual(doc.toJS(), expected);
}

/**
 * A string in the quoting style its predecessor had. A plain scalar stays plain only if both YAML 1.2
 * and 1.1 (which Go tools such as kustomize still follow for `yes`, `on`, `0755`…) read it back as the
 * same string; otherwise it is double-quoted.
 */
export function formatScalar(value: string, type: Scalar.Type): string {
  if (type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  if (type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  const plainIsSafe =
    value !== '' &&
    !/[\n\r\t]/.test(value) &&
    ['1.2', '1.1'].every((version) => {
      try {
        return parse(value, { version: version as '1.1' | '1.2' }) === value;
      } catch {
        return false;
      }
    });
  return plainIsSafe ? value : JSON.stringify(value);
}

export const asMap = (node: unknown): YAMLMap | undefined => (isMap(node) ? node : undefined);
export const asSeq = (node: unknown): YAMLSeq | undefined => (isSeq(node) ? node : undefined);
export const scalarText = (node: unknown): string | undefined =>
  isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : undefined;
