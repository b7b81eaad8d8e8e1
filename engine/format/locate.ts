// From a path in a test's plain value (`['endpoints', 3, 'url']`) to the range of its YAML node.
// Lookups walk the AST along the path only (no full-tree walks), and positions come from the
// LineCounter's binary search, so locating N errors costs O(N · depth).
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, Scalar } from 'yaml';
import type { Position, Range } from './diagnostic';

export type Path = ReadonlyArray<string | number>;

export class Locator {
  constructor(
    readonly text: string,
    private readonly lines: LineCounter,
    readonly doc: Document.Parsed,
  ) {}

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const { line, col } = this.lines.linePos(clamped);
    return { line: line - 1, character: col - 1 };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(Math.max(start, end)) };
  }

  /** The node at `path` and the pair whose value it is (aliases followed). */
  find(path: Path): { node: Node | null; pair: Pair | null } {
    let node: unknown = this.doc.contents;
    let pair: Pair | null = null;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const hit = node.items.find((p) => keyText(p) === String(seg));
        if (!hit) return { node: null, pair: null };
        pair = hit;
        node = hit.value;
      } else if (isSeq(node)) {
        const index = typeof seg === 'number' ? seg : Number(seg);
        node = node.items[index];
        pair = null;
        if (node === undefined) return { node: null, pair: null };
      } else {
        return { node: null, pair: null };
      }
    }
    if (isAlias(node)) node = node.resolve(this.doc) ?? node;
    return { node: isNodeLike(node) ? node : null, pair };
  }

  /** The range of the key at the end of `path`; for a sequence item, the item. */
  keyRange(path: Path): Range {
    if (path.length === 0) return this.headRange();
    const { pair, node } = this.find(path);
    const key = pair?.key;
    if (key && isNodeLike(key) && key.range) return this.range(key.range[0], key.range[1]);
    if (node?.range) return this.range(node.range[0], node.range[1]);
    return this.keyRange(path.slice(0, -1));
  }

  /** The range of the value at `path`; falls back to its key, then to the parent. */
  valueRange(path: Path): Range {
    if (path.length === 0) {
      const c = this.doc.contents;
      return c?.range ? this.range(c.range[0], c.range[1]) : this.headRange();
    }
    const { node, pair } = this.find(path);
    if (node?.range) return this.range(node.range[0], node.range[1]);
    const key = pair?.key;
    if (key && isNodeLike(key) && key.range) return this.range(key.range[0], key.range[1]);
    return this.valueRange(path.slice(0, -1));
  }

  /**
   * The range of `[start, end)` inside the string value at `path`. Exact for plain scalars and
   * quoted ones without escapes; otherwise the first occurrence of that text in the node's
   * source; otherwise the whole value.
   */
  stringRange(path: Path, start: number, end: number): Range {
    const { node } = this.find(path);
    if (!node || !isScalar(node) || typeof node.value !== 'string' || !node.range) return this.valueRange(path);
    const value = node.value;
    const [s, e] = node.range;
    const source = this.text.slice(s, e);
    const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
    const inner = quoted ? source.slice(1, -1) : source;
    if (inner === value) {
      const base = s + (quoted ? 1 : 0);
      return this.range(base + start, base + end);
    }
    const piece = value.slice(start, end);
    const found = piece ? source.indexOf(piece) : -1;
    if (found >= 0) return this.range(s + found, s + found + piece.length);
    return this.range(s, e);
  }

  /** The first key of the document (where a CodeLens and document-level errors go). */
  headRange(): Range {
    const c = this.doc.contents;
    if (isMap(c) && c.items.length > 0) {
      const k = c.items[0]!.key;
      if (isNodeLike(k) && k.range) return this.range(k.range[0], k.range[1]);
    }
    if (c?.range) {
      const line = this.position(c.range[0]);
      return { start: line, end: this.position(Math.min(c.range[1], lineEnd(this.text, c.range[0]))) };
    }
    const r = this.doc.range;
    return this.range(r[0], r[0]);
  }
}

function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  const end = nl < 0 ? text.length : nl;
  return end > offset && text[end - 1] === '\r' ? end - 1 : end;
}

function keyText(p: Pair): string | null {
  const k = p.key;
  if (isScalar(k)) return String(k.value);
  if (k === null || k === undefined) return null;
  return typeof k === 'string' ? k : null;
}

function isNodeLike(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && (isScalar(x) || isMap(x) || isSeq(x) || isAlias(x));
}
