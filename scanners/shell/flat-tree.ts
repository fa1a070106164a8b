/**
 * A tree-sitter syntax tree copied into plain typed arrays, so the analysis never holds WASM
 * objects (the tree is deleted right after the copy) and never recurses on hostile depth.
 *
 * Offsets are UTF-16 code units: web-tree-sitter 0.27 parses JS strings as UTF-16 and reports
 * `startIndex`/`endIndex` in code units (checked by the non-ASCII tests).
 *
 * Two things differ from the raw tree:
 * - Left-nested `list` nodes (`a && b || c` is list(list(a, b), c)) are flattened into their
 *   parent list, so a 20 000-long `&&` chain does not count as 20 000 levels of nesting.
 * - Nodes deeper than `maxDepth` are dropped (their parent gets the TRUNCATED flag).
 */
import type { Tree, TreeCursor } from 'web-tree-sitter';

export const NAMED = 1;
export const MISSING = 2;
export const ERROR = 4;
export const TRUNCATED = 8;

export interface FlatTree {
  count: number;
  /** Index into `names`. */
  type: Uint16Array;
  /** Index into `fieldNames` (0 = none). */
  field: Uint16Array;
  flags: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  first: Int32Array;
  next: Int32Array;
  names: string[];
  fieldNames: string[];
  /** Set when a subtree was dropped for depth. */
  truncated: boolean;
  /** Set when the copy stopped early (time budget). */
  timedOut: boolean;
  /** Template tags masked before parsing (see templates.ts): words overlapping them are dynamic. */
  masks?: number[];
}

export function typeOf(t: FlatTree, i: number): string {
  return t.names[t.type[i]];
}

export function fieldOf(t: FlatTree, i: number): string {
  return t.fieldNames[t.field[i]];
}

export function isNamed(t: FlatTree, i: number): boolean {
  return (t.flags[i] & NAMED) !== 0;
}

export function children(t: FlatTree, i: number): number[] {
  const out: number[] = [];
  for (let c = t.first[i]; c !== -1; c = t.next[c]) out.push(c);
  return out;
}

export function namedChildren(t: FlatTree, i: number): number[] {
  const out: number[] = [];
  for (let c = t.first[i]; c !== -1; c = t.next[c]) if (t.flags[c] & NAMED) out.push(c);
  return out;
}

export function childByField(t: FlatTree, i: number, field: string): number {
  for (let c = t.first[i]; c !== -1; c = t.next[c]) if (t.fieldNames[t.field[c]] === field) return c;
  return -1;
}

export function childOfType(t: FlatTree, i: number, type: string): number {
  for (let c = t.first[i]; c !== -1; c = t.next[c]) if (t.names[t.type[c]] === type) return c;
  return -1;
}

/** Copy `tree` into a FlatTree. Never recurses; stops descending below `maxDepth`. */
export function flatten(tree: Tree, maxDepth: number, deadline: number): FlatTree {
  let cap = 1024;
  let type = new Uint16Array(cap);
  let field = new Uint16Array(cap);
  let flags = new Uint8Array(cap);
  let start = new Int32Array(cap);
  let end = new Int32Array(cap);
  let first = new Int32Array(cap);
  let next = new Int32Array(cap);
  let last = new Int32Array(cap); // last child, for appending
  const names: string[] = [];
  const namedType: boolean[] = []; // by local index
  const nameIdx = new Map<number, number>(); // ts type id → local index
  const fieldNames: string[] = [''];
  const fieldIdx = new Map<number, number>();
  const language = tree.language;
  let count = 0;
  let truncated = false;
  let timedOut = false;

  const grow = () => {
    cap *= 2;
    const g16 = (a: Uint16Array) => {
      const b = new Uint16Array(cap);
      b.set(a);
      return b;
    };
    const g32 = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    type = g16(type);
    field = g16(field);
    const f = new Uint8Array(cap);
    f.set(flags);
    flags = f;
    start = g32(start);
    end = g32(end);
    first = g32(first);
    next = g32(next);
    last = g32(last);
  };

  // each cursor getter is a WASM call: type name and namedness are read once per type id
  const typeIndex = (c: TreeCursor): number => {
    const id = c.nodeTypeId;
    let k = nameIdx.get(id);
    if (k === undefined) {
      k = names.length;
      names.push(c.nodeType);
      namedType.push(c.nodeIsNamed);
      nameIdx.set(id, k);
    }
    return k;
  };
  const fieldIndex = (c: TreeCursor): number => {
    const id = c.currentFieldId;
    if (!id) return 0;
    let k = fieldIdx.get(id);
    if (k === undefined) {
      k = fieldNames.length;
      fieldNames.push(language.fields[id] ?? c.currentFieldName ?? '');
      fieldIdx.set(id, k);
    }
    return k;
  };

  const cursor = tree.walk();
  // Per cursor depth: the flat id the node at that depth was given (or its parent's, when spliced)
  // and the effective depth.
  const levelFlat: number[] = [];
  const levelDepth: number[] = [];
  let d = 0;
  let listType = -1;
  try {
    for (let steps = 0; ; steps++) {
      if ((steps & 4095) === 4095 && Date.now() > deadline) {
        timedOut = true;
        break;
      }
      const parent = d > 0 ? levelFlat[d - 1] : -1;
      const parentDepth = d > 0 ? levelDepth[d - 1] : -1;
      const ti = typeIndex(cursor);
      if (listType < 0 && names[ti] === 'list' && namedType[ti]) listType = ti;
      let descend = true;
      if (parent >= 0 && ti === listType && type[parent] === listType) {
        // splice a nested list into its parent list
        levelFlat[d] = parent;
        levelDepth[d] = parentDepth;
      } else {
        if (count === cap) grow();
        const i = count++;
        type[i] = ti;
        field[i] = fieldIndex(cursor);
        let fl = namedType[ti] ? NAMED : 0;
        const s = cursor.startIndex;
        const e = cursor.endIndex;
        if (s === e && cursor.nodeIsMissing) fl |= MISSING; // MISSING nodes are zero-width
        if (names[ti] === 'ERROR') fl |= ERROR;
        flags[i] = fl;
        start[i] = s;
        end[i] = e;
        first[i] = -1;
        next[i] = -1;
        last[i] = -1;
        if (parent >= 0) {
          if (last[parent] === -1) first[parent] = i;
          else next[last[parent]] = i;
          last[parent] = i;
        }
        levelFlat[d] = i;
        levelDepth[d] = parentDepth + 1;
        if (parentDepth + 1 >= maxDepth) {
          descend = false;
          if (cursor.gotoFirstChild()) {
            cursor.gotoParent();
            flags[i] |= TRUNCATED;
            truncated = true;
          }
        }
      }
      if (descend && cursor.gotoFirstChild()) {
        d++;
        continue;
      }
      let done = false;
      while (!cursor.gotoNextSibling()) {
        if (d === 0 || !cursor.gotoParent()) {
          done = true;
          break;
        }
        d--;
      }
      if (done) break;
    }
  } finally {
    cursor.delete();
  }
  return {
    count,
    type: type.subarray(0, count),
    field: field.subarray(0, count),
    flags: flags.subarray(0, count),
    start: start.subarray(0, count),
    end: end.subarray(0, count),
    first: first.subarray(0, count),
    next: next.subarray(0, count),
    names,
    fieldNames,
    truncated,
    timedOut,
  };
}
