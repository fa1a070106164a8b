/**
 * YAML stream → engine `Value` trees with exact root locations.
 *
 * Pipeline: CST (yaml's iterative `Parser`, derived without generators: `yamlTokens`) → prune
 * collections nested deeper than `limits.maxDepth` (the library's composer recurses and must never
 * get near the stack limit) → for plain block and flow YAML, values built straight from the CST
 * (see "CST-direct conversion" below); for everything else, compose (`Composer`, YAML 1.1 schema
 * like PyYAML and go-yaml v2, duplicate keys allowed: last one wins) → convert to `Value`, resolving
 * aliases and merge keys ourselves under a budget. Both paths give identical results
 * (test/scanners/yaml/direct.test.ts).
 */
import { CST, Composer, Document, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Alias, Node as YNode, Pair, Scalar, ScalarTag, YAMLMap, YAMLSeq } from 'yaml';
import type { Loc } from '../../engine/source.js';
import type { DiagnosticCode, DiagnosticSeverity, MapEntry, MapValue, ScalarValue, SeqValue, Value } from '../../engine/model.js';
import { composeMaps, mapSpan, opaqueMap, type OffsetMap } from '../../engine/offset-map.js';
import type { Limits } from '../../engine/scanner-api.js';
import { intern } from '../../engine/intern.js';
import { decodeScalarToken } from './scalar.js';
import { Parser as EagerParser } from './eager-parser.generated.js';

export type DiagSink = (d: { severity: DiagnosticSeverity; code: DiagnosticCode; message: string; loc?: Loc }) => void;

export interface YamlError {
  code: string;
  message: string;
  /** Text offsets. */
  start: number;
  end: number;
}

export interface StreamDoc {
  index: number;
  /** Undefined for empty and comment-only documents. */
  root?: Value;
  /** Text-space span of the document (trailing blanks trimmed). */
  start: number;
  end: number;
  loc: Loc;
  comments: { text: string; loc: Loc }[];
  errors: YamlError[];
}

/** Where a CST token sits: `holder[field]`. */
interface Slot {
  holder: { key?: CST.Token | null; value?: CST.Token };
  field: 'key' | 'value';
  depth: number;
}

function isCollectionToken(t: CST.Token | null | undefined): t is CST.BlockMap | CST.BlockSequence | CST.FlowCollection {
  return !!t && (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection');
}

/**
 * Replace collections deeper than `maxDepth` with empty plain scalars (remembered in
 * `placeholders`). Iterative: the CST of `[[[[...` 100k levels deep is fine.
 * Returns the text offset of the first pruned collection per document index.
 */
function pruneDeep(tokens: CST.Token[], maxDepth: number, placeholders: WeakSet<object>): Map<number, number> {
  const firstPruned = new Map<number, number>();
  let docIndex = -1;
  for (const top of tokens) {
    if (top.type !== 'document') continue;
    docIndex++;
    if (!isCollectionToken(top.value)) continue;
    const stack: Slot[] = [{ holder: top, field: 'value', depth: 1 }];
    while (stack.length) {
      const { holder, field, depth } = stack.pop()!;
      const tok = holder[field];
      if (!isCollectionToken(tok)) continue;
      if (depth > maxDepth) {
        const ph: CST.FlowScalar = { type: 'scalar', offset: tok.offset, indent: tok.indent, source: '', end: [] };
        placeholders.add(ph);
        holder[field] = ph;
        const prev = firstPruned.get(docIndex);
        if (prev === undefined || tok.offset < prev) firstPruned.set(docIndex, tok.offset);
        continue;
      }
      for (const item of tok.items as CST.CollectionItem[]) {
        if (isCollectionToken(item.key)) stack.push({ holder: item, field: 'key', depth: depth + 1 });
        if (isCollectionToken(item.value)) stack.push({ holder: item, field: 'value', depth: depth + 1 });
      }
    }
  }
  return firstPruned;
}

type Comment = { offset: number; source: string };

function pushComments(list: readonly CST.Token[] | undefined, out: Comment[]): void {
  if (!list) return;
  for (const t of list) if (t.type === 'comment') out.push({ offset: t.offset, source: t.source });
}

/** Collect comment tokens anywhere under `root` (iteratively: the CST can be very deep). */
function collectComments(root: CST.Token, out: Comment[]): void {
  const stack: CST.Token[] = [root];
  while (stack.length) {
    const t = stack.pop()!;
    switch (t.type) {
      case 'comment':
        out.push({ offset: t.offset, source: t.source });
        break;
      case 'document':
        pushComments(t.start, out);
        pushComments(t.end, out);
        if (t.value) stack.push(t.value);
        break;
      case 'doc-end':
        pushComments(t.end, out);
        break;
      case 'block-scalar':
        pushComments(t.props, out);
        break;
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'alias':
        pushComments(t.end, out);
        break;
      case 'flow-collection':
      case 'block-map':
      case 'block-seq':
        if (t.type === 'flow-collection') pushComments(t.end, out);
        for (const item of t.items as CST.CollectionItem[]) {
          pushComments(item.start, out);
          pushComments(item.sep, out);
          if (item.key) stack.push(item.key);
          if (item.value) stack.push(item.value);
        }
        break;
      default:
        break;
    }
  }
}

function trimEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start) {
    const c = text.charCodeAt(e - 1);
    if (c === 32 || c === 9 || c === 10 || c === 13) e--;
    else break;
  }
  return e;
}

/** The quote character that opens the unterminated scalar ending at `end`. */
function openingQuote(text: string, quote: string, end: number): number | undefined {
  for (let i = Math.min(end, text.length) - 1, n = 0; i >= 0 && n < 100_000; i--, n++) {
    if (text[i] !== quote) continue;
    const before = i === 0 ? '\n' : text[i - 1];
    if (/[\s:\[{,\-?]/.test(before)) return i;
  }
  return undefined;
}

const SEXAGESIMAL = /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/;

function shortTag(tag: string | undefined): string | undefined {
  if (!tag) return undefined;
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}


// ---------------------------------------------------------------------------------------------
// CST-direct conversion
//
// Most YAML in a fleet is plain: block and flow mappings and sequences of scalars, comments, `---`
// between documents. For that subset faultline builds its values straight from the CST, the way
// the library's composer would, without first building the library's own node tree (the composer
// was 0.7 s of the 3.1 s the yaml library took on 10,000 files, and most of the garbage).
// Everything else — anchors, aliases, merge keys, tags, explicit keys, pairs inside flow
// sequences, directives, `...`, tabs, multi-line keys, anything the parser or the composer would
// report as an error, documents pruned for depth — throws NEEDS_COMPOSER and the whole stream goes
// through the composer as before. The conditions below mirror the composer's checks (yaml 2.x
// compose/resolve-props, resolve-block-map, resolve-block-seq, resolve-flow-collection,
// compose-doc); a differential test (test/scanners/yaml/direct.test.ts) holds the two paths to
// identical output on every YAML file in the fixtures and the corpus, a generated fleet, generated
// block YAML and generated token soup.

class NeedsComposer extends Error {}
const NEEDS_COMPOSER = new NeedsComposer('needs the composer');
function bail(): never {
  throw NEEDS_COMPOSER;
}

/** What a CST-direct conversion yields for a node: its value and the composer's `range[2]`. */
interface Built {
  value: Value;
  /** Where the node ends, trailing comments and line break included (the composer's range[2]). */
  end: number;
}

/** Plain-scalar resolution of the YAML 1.1 schema, exactly as the composer does it. */
let schema11: { tags: ScalarTag[]; options: Document['options'] } | undefined;
function yaml11(): { tags: ScalarTag[]; options: Document['options'] } {
  if (!schema11) {
    const doc = new Document(null, { version: '1.1', keepSourceTokens: true, uniqueKeys: false, strict: false });
    const tags = (doc.schema.tags as ScalarTag[]).filter((t) => t.default === true && t.test instanceof RegExp);
    schema11 = { tags, options: doc.options };
  }
  return schema11;
}

/**
 * First characters a YAML 1.1 null, boolean, number or timestamp can start with (the tags' tests
 * in yaml 2.x's yaml-1.1 schema: `e5` is a float there); a plain scalar starting with anything
 * else is a string. The differential test tries every printable first character.
 */
const MAYBE_TYPED = /^(?:$|[-+.~0-9nNtTfFyYoOeE])/;

function resolvePlain(value: string, atKey: boolean): unknown {
  // `<<` is the merge key (a key-only tag): merges go through the composer
  if (atKey && value === '<<') bail();
  if (!MAYBE_TYPED.test(value)) return value;
  const { tags, options } = yaml11();
  let tag: ScalarTag | undefined;
  for (const t of tags) {
    if (t.test!.test(value)) {
      tag = t;
      break;
    }
  }
  if (!tag) return value;
  let failed = false;
  let res = tag.resolve(value, () => (failed = true), options) as unknown;
  // booleans, nulls and floats come back wrapped in a Scalar that keeps their source format
  if (isScalar(res)) res = res.value;
  if (failed || (res !== null && typeof res === 'object' && !(res instanceof Date))) bail();
  return res;
}

function tokenEnd(tokens: readonly CST.SourceToken[], fallback: number): number {
  const last = tokens[tokens.length - 1];
  return last ? last.offset + last.source.length : fallback;
}

/** The composer's position for an empty node (util-empty-scalar-position in yaml 2.x). */
function emptyScalarPosition(offset: number, before: readonly CST.SourceToken[]): number {
  for (let i = before.length - 1; i >= 0; --i) {
    const st = before[i];
    if (st.type === 'space' || st.type === 'comment' || st.type === 'newline') {
      offset -= st.source.length;
      continue;
    }
    for (let j = i + 1; j < before.length && before[j].type === 'space'; j++) offset += before[j].source.length;
    break;
  }
  return offset;
}

/**
 * Check the tokens before a node (a map item's key, a sequence item, a flow item after its comma,
 * a document) or between a key and its value: only blank space, line breaks, comments and at most
 * one `indicator`. Returns
 * whether a comment or a line break was seen. Mirrors the composer's resolveProps for that subset:
 * a comment needs white space before it, tabs could be indentation (TAB_AS_INDENT), anything else
 * (anchors, tags, other indicators) is not handled here.
 */
function plainProps(
  tokens: readonly CST.SourceToken[],
  indicator: 'map-value-ind' | 'seq-item-ind' | 'doc-start' | 'comma' | null,
  startOnNewline: boolean,
): { found: boolean; comment: boolean; newline: boolean } {
  let found = false;
  let comment = false;
  let newline = false;
  let hasSpace = startOnNewline;
  for (const t of tokens) {
    switch (t.type) {
      case 'space':
        if (t.source.includes('\t')) bail();
        hasSpace = true;
        break;
      case 'newline':
        // a line break before a map's `:` would be a multi-line implicit key
        if (indicator === 'map-value-ind' && !found) bail();
        newline = true;
        hasSpace = true;
        break;
      case 'comment':
        if (!hasSpace || (indicator === 'map-value-ind' && !found)) bail();
        comment = true;
        break;
      default:
        if (t.type !== indicator || found) bail();
        found = true;
        hasSpace = false;
    }
  }
  return { found, comment, newline };
}

function isFlowScalar(t: CST.Token): t is CST.FlowScalar {
  return t.type === 'scalar' || t.type === 'single-quoted-scalar' || t.type === 'double-quoted-scalar';
}

class Converter {
  private readonly anchors = new Map<string, YNode>();
  private readonly expanding = new Set<YNode>();
  private aliasCount = 0;
  private aliasNodes = 0;
  private inAlias = 0;
  private aliasReported = false;
  private depthReported = false;
  private readonly aliasNodeBudget: number;

  constructor(
    private readonly text: string,
    private readonly map: OffsetMap,
    private readonly limits: Limits,
    private readonly placeholders: WeakSet<object>,
    private readonly diag: DiagSink,
    depthAlreadyReported: boolean,
  ) {
    this.depthReported = depthAlreadyReported;
    this.aliasNodeBudget = Math.max(1000, limits.maxAliases * 100);
  }

  loc(start: number, end: number): Loc {
    return mapSpan(this.map, start, Math.max(start, end));
  }

  private rangeOf(node: YNode | null | undefined, fallback: number): [number, number] {
    const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return r ? [r[0], r[1]] : [fallback, fallback];
  }

  value(node: unknown, depth: number, fallbackPos: number): Value {
    if (node === null || node === undefined) {
      return { kind: 'scalar', loc: this.loc(fallbackPos, fallbackPos), value: null };
    }
    if (this.inAlias) this.aliasNodes++;
    const n = node as YNode;
    const anchor = (n as { anchor?: string }).anchor;
    if (anchor && !this.inAlias) this.anchors.set(anchor, n);
    if (isScalar(n)) return this.scalar(n);
    if (isAlias(n)) return this.alias(n, depth);
    if (isMap(n) || isSeq(n)) {
      const [s, e] = this.rangeOf(n, fallbackPos);
      if (depth > this.limits.maxDepth) return this.tooDeep(s, e);
      this.expanding.add(n);
      try {
        return isMap(n) ? this.mapValue(n, depth) : this.seqValue(n as YAMLSeq<unknown>, depth);
      } finally {
        this.expanding.delete(n);
      }
    }
    const [s, e] = this.rangeOf(n, fallbackPos);
    return { kind: 'unknown', loc: this.loc(s, e), reason: 'unsupported YAML node' };
  }

  private tooDeep(s: number, e: number): Value {
    const loc = this.loc(s, e);
    if (!this.depthReported) {
      this.depthReported = true;
      this.diag({
        severity: 'warning',
        code: 'nesting-too-deep',
        message: `YAML nesting deeper than ${this.limits.maxDepth} levels; deeper content is ignored`,
        loc: { file: loc.file, start: loc.start, end: loc.start },
      });
    }
    return { kind: 'unknown', loc, reason: `nested deeper than ${this.limits.maxDepth} levels` };
  }

  private scalar(node: Scalar): Value {
    const tok = node.srcToken as CST.Token | undefined;
    const [s, e0] = this.rangeOf(node, 0);
    if (tok && this.placeholders.has(tok)) return this.tooDeep(s, s);
    return this.scalarOf(tok, s, e0, node.value as unknown, shortTag(node.tag));
  }

  /**
   * A scalar's `Value` from its CST token (absent for an empty node), its span `[s, e0)` and its
   * resolved value: shared by the composed-node and the CST-direct conversions.
   */
  scalarOf(tok: CST.Token | undefined, s: number, e0: number, v: unknown, tag: string | undefined): ScalarValue {
    const e = tok?.type === 'block-scalar' ? Math.max(s + 1, trimEnd(this.text, s, e0)) : e0;
    const loc = this.loc(s, e);
    const withTag = (sv: ScalarValue): ScalarValue => {
      if (tag) sv.tag = tag;
      return sv;
    };
    if (typeof v === 'boolean' || v === null) return withTag({ kind: 'scalar', loc, value: v });
    if (typeof v === 'number') {
      const src = tok && tok.type === 'scalar' ? tok.source : undefined;
      const keepNumber = Number.isFinite(v) && (!Number.isInteger(v) || Number.isSafeInteger(v)) && !(src && SEXAGESIMAL.test(src));
      if (keepNumber) return withTag({ kind: 'scalar', loc, value: v });
    }
    const dec = decodeScalarToken(tok);
    let str: string;
    let segs: number[] | undefined;
    if (typeof v === 'string') {
      str = v;
      if (dec && dec.value === v) segs = dec.segs;
    } else if (dec) {
      str = dec.value;
      segs = dec.segs;
    } else {
      str = this.text.slice(s, e0);
      segs = str.length ? [0, s, str.length] : [];
    }
    str = intern(str);
    if (str.length > 0) {
      const m = segs ? composeMaps(this.map, { file: this.map.file, segs, whole: [s, e0] }) : opaqueMap(loc.file, loc.start, loc.end);
      const verbatimAtStart = m.segs.length === 3 && m.segs[0] === 0 && m.segs[1] === loc.start && m.segs[2] === str.length;
      // one literal per shape: a property added later would cost the object a separate property store
      if (!verbatimAtStart) return withTag({ kind: 'scalar', loc, value: str, map: m });
    }
    return withTag({ kind: 'scalar', loc, value: str });
  }

  private alias(node: Alias, depth: number): Value {
    const [s, e] = this.rangeOf(node, 0);
    const loc = this.loc(s, e);
    const name = node.source;
    const target = this.anchors.get(name);
    if (!target) return { kind: 'unknown', loc, reason: `alias *${name} has no anchor`, expr: `*${name}` };
    if (this.expanding.has(target)) return { kind: 'unknown', loc, reason: `alias *${name} refers to itself`, expr: `*${name}` };
    this.aliasCount++;
    if (this.aliasCount > this.limits.maxAliases || this.aliasNodes > this.aliasNodeBudget) {
      if (!this.aliasReported) {
        this.aliasReported = true;
        this.diag({
          severity: 'warning',
          code: 'alias-limit',
          message: `YAML alias expansion limit reached (${this.limits.maxAliases} aliases); further aliases are not expanded`,
          loc,
        });
      }
      return { kind: 'unknown', loc, reason: 'YAML alias expansion limit reached', expr: `*${name}` };
    }
    this.inAlias++;
    let v: Value;
    try {
      v = this.value(target, depth, s);
    } finally {
      this.inAlias--;
    }
    if (v.kind === 'scalar' && typeof v.value === 'string') {
      const map: OffsetMap = v.map ?? {
        file: v.loc.file,
        segs: v.value.length ? [0, v.loc.start, v.value.length] : [],
        whole: [v.loc.start, v.loc.end],
      };
      return { ...v, loc, map };
    }
    return { ...v, loc };
  }

  /** Key string of a pair's key node. */
  private keyOf(k: unknown, pos: number): { key: string; keyLoc: Loc; merge: boolean } {
    if (k === null || k === undefined) return { key: '', keyLoc: this.loc(pos, pos), merge: false };
    const node = k as YNode;
    const [s, e] = this.rangeOf(node, pos);
    const keyLoc = this.loc(s, e);
    if (isScalar(node)) {
      const v = node.value as unknown;
      if (typeof v === 'symbol') return { key: '<<', keyLoc, merge: true };
      if (typeof v === 'string') return { key: intern(v), keyLoc, merge: false };
      const tok = node.srcToken as CST.Token | undefined;
      if (tok && tok.type === 'scalar') return { key: intern(tok.source), keyLoc, merge: false };
      return { key: v === null ? '' : String(v), keyLoc, merge: false };
    }
    if (isAlias(node)) {
      const t = this.anchors.get(node.source);
      if (t && isScalar(t)) {
        const r = this.keyOf(t, pos);
        return { key: r.key, keyLoc, merge: r.merge };
      }
    }
    return { key: this.text.slice(s, e).replace(/\s+/g, ' ').trim(), keyLoc, merge: false };
  }

  private mapValue(node: YAMLMap<unknown, unknown>, depth: number): MapValue {
    const [s, e] = this.rangeOf(node, 0);
    const loc = this.loc(s, trimEnd(this.text, s, e));
    const pairs = node.items as Pair<unknown, unknown>[];
    const keys = pairs.map((p) => this.keyOf(p.key, this.rangeOf(p.value as YNode, s)[0]));
    const explicit = new Set<string>();
    for (const k of keys) if (!k.merge) explicit.add(k.key);
    const merged = new Set<string>();
    const entries: MapEntry[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i];
      const k = keys[i];
      const valuePos = this.rangeOf(p.key as YNode, s)[1];
      if (k.merge) {
        const sources: unknown[] = isSeq(p.value) ? (p.value as YAMLSeq<unknown>).items : [p.value];
        for (const src of sources) {
          const mv = this.value(src, depth + 1, valuePos);
          if (mv.kind !== 'map') continue;
          for (const ent of mv.entries) {
            if (explicit.has(ent.key) || merged.has(ent.key)) continue;
            merged.add(ent.key);
            entries.push(ent);
          }
        }
        continue;
      }
      entries.push({ key: k.key, keyLoc: k.keyLoc, value: this.value(p.value, depth + 1, valuePos) });
    }
    // an exact-size copy: a pushed-to array keeps room for 17 items, and most maps hold two
    return { kind: 'map', loc, entries: entries.slice() };
  }

  private seqValue(node: YAMLSeq<unknown>, depth: number): SeqValue {
    const [s, e] = this.rangeOf(node, 0);
    const loc = this.loc(s, trimEnd(this.text, s, e));
    const items: Value[] = [];
    for (const it of node.items) {
      if (isPair(it)) {
        const p = it as Pair<unknown, unknown>;
        const k = this.keyOf(p.key, s);
        const kr = this.rangeOf(p.key as YNode, s);
        const vv = this.value(p.value, depth + 2, kr[1]);
        const end = Math.max(kr[1], this.rangeOf(p.value as YNode, kr[1])[1]);
        items.push({ kind: 'map', loc: this.loc(kr[0], end), entries: [{ key: k.key, keyLoc: k.keyLoc, value: vv }] });
      } else items.push(this.value(it, depth + 1, s));
    }
    return { kind: 'seq', loc, items: items.slice() };
  }

  // -- CST-direct (see above) -------------------------------------------------------------------

  cstValue(tok: CST.Token, depth: number): Built {
    switch (tok.type) {
      case 'block-map':
        return this.cstMap(tok, depth);
      case 'block-seq':
        return this.cstSeq(tok, depth);
      case 'flow-collection':
        return this.cstFlow(tok, depth);
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'block-scalar': {
        const r = this.cstScalar(tok, false);
        return { value: this.scalarOf(tok, r.range[0], r.range[1], r.value, undefined), end: r.range[2] };
      }
      default:
        return bail();
    }
  }

  private cstScalar(tok: CST.FlowScalar | CST.BlockScalar, atKey: boolean): { value: unknown; range: [number, number, number] } {
    if (this.placeholders.has(tok)) bail();
    let failed = false;
    const r = CST.resolveAsScalar(tok, false, () => (failed = true));
    if (failed || !r) bail();
    return { value: tok.type === 'scalar' ? resolvePlain(r.value, atKey) : r.value, range: r.range };
  }

  /** A map key (a flow scalar): its string as `keyOf` makes it, its span, and where it ends. */
  private cstKey(key: CST.FlowScalar): { name: string; loc: Loc; end: number } {
    const k = this.cstScalar(key, true);
    const name = typeof k.value === 'string' ? k.value : key.type === 'scalar' ? key.source : String(k.value);
    return { name: intern(name), loc: this.loc(k.range[0], k.range[1]), end: k.range[2] };
  }

  /** An empty node after `before` (a key with no value, a bare `-`), as the composer places it. */
  empty(propsEnd: number, before: readonly CST.SourceToken[], comment: boolean): Built {
    const at = emptyScalarPosition(propsEnd, before);
    return { value: this.scalarOf(undefined, at, at, null, undefined), end: comment ? propsEnd : at };
  }

  private cstMap(bm: CST.BlockMap, depth: number): Built {
    if (depth > this.limits.maxDepth) bail();
    let offset = bm.offset;
    let commentEnd: number | undefined;
    const entries: MapEntry[] = [];
    const items = bm.items;
    for (let i = 0; i < items.length; i++) {
      const { start, key, sep, value } = items[i];
      plainProps(start, null, true);
      if (!key) {
        // comments after the last entry; an item with `:` but no key needs the composer
        if (sep || value || i !== items.length - 1) bail();
        commentEnd = tokenEnd(start, offset);
        continue;
      }
      if (!sep || !isFlowScalar(key) || key.indent !== bm.indent || key.source.includes('\n')) bail();
      if (key.end?.some((t) => t.type === 'newline')) bail();
      const k = this.cstKey(key);
      const props = plainProps(sep, 'map-value-ind', false);
      if (!props.found) bail();
      // "Nested mappings are not allowed in compact mappings"
      if (value?.type === 'block-map' && !props.newline) bail();
      const v = value ? this.cstValue(value, depth + 1) : this.empty(tokenEnd(sep, offset), sep, props.comment);
      offset = v.end;
      entries.push({ key: k.name, keyLoc: k.loc, value: v.value });
    }
    const loc = this.loc(bm.offset, trimEnd(this.text, bm.offset, offset));
    return { value: { kind: 'map', loc, entries: entries.slice() }, end: commentEnd ?? offset };
  }

  /** `[a, b]` and `{a: 1, b: 2}` of scalars and flow collections (resolve-flow-collection in yaml 2.x). */
  private cstFlow(fc: CST.FlowCollection, depth: number): Built {
    if (depth > this.limits.maxDepth) bail();
    const isMap = fc.start.source === '{';
    let offset = fc.offset + fc.start.source.length;
    const entries: MapEntry[] = [];
    const items: Value[] = [];
    for (let i = 0; i < fc.items.length; i++) {
      const { start, key, sep, value } = fc.items[i];
      // before an item: the comma that separates it from the previous one, blanks, comments
      const comma = plainProps(start, 'comma', false).found;
      if (!key && !sep && !value) {
        // nothing after a trailing comma (or only comments): fine at the end, an error elsewhere
        if ((i === 0 && comma) || i < fc.items.length - 1) bail();
        offset = tokenEnd(start, offset);
        continue;
      }
      if (i === 0 ? comma : !comma) bail();
      if (value && (value.type === 'block-map' || value.type === 'block-seq')) bail();
      if (!isMap) {
        // `[a: b]` pairs in a flow sequence are left to the composer
        if (key || sep || !value) bail();
        const v = this.cstValue(value, depth + 1);
        items.push(v.value);
        offset = v.end;
        continue;
      }
      if (!key || !sep || !isFlowScalar(key) || key.source.includes('\n')) bail();
      const k = this.cstKey(key);
      const props = plainProps(sep, 'map-value-ind', false);
      if (!props.found) bail();
      const v = value ? this.cstValue(value, depth + 1) : this.empty(tokenEnd(sep, k.end), sep, props.comment);
      entries.push({ key: k.name, keyLoc: k.loc, value: v.value });
      offset = v.end;
    }
    const [ce, ...rest] = fc.end;
    if (ce?.source !== (isMap ? '}' : ']')) bail();
    const cePos = ce.offset + ce.source.length;
    let end = cePos;
    for (const t of rest) {
      if (t.type !== 'space' && t.type !== 'comment' && t.type !== 'newline') bail();
      end += t.source.length;
    }
    const loc = this.loc(fc.offset, trimEnd(this.text, fc.offset, cePos));
    return isMap ? { value: { kind: 'map', loc, entries: entries.slice() }, end } : { value: { kind: 'seq', loc, items: items.slice() }, end };
  }

  private cstSeq(bs: CST.BlockSequence, depth: number): Built {
    if (depth > this.limits.maxDepth) bail();
    let offset = bs.offset;
    let commentEnd: number | undefined;
    const items: Value[] = [];
    for (let i = 0; i < bs.items.length; i++) {
      const { start, value } = bs.items[i];
      const props = plainProps(start, 'seq-item-ind', true);
      if (!props.found) {
        if (value || i !== bs.items.length - 1) bail();
        commentEnd = tokenEnd(start, offset);
        continue;
      }
      const v = value ? this.cstValue(value, depth + 1) : this.empty(tokenEnd(start, offset), start, props.comment);
      offset = v.end;
      items.push(v.value);
    }
    const loc = this.loc(bs.offset, trimEnd(this.text, bs.offset, offset));
    return { value: { kind: 'seq', loc, items: items.slice() }, end: commentEnd ?? offset };
  }
}

export interface StreamOptions {
  limits: Limits;
  diag: DiagSink;
  /** 'composer': always take the library composer's path (the differential test compares the two). */
  path?: 'auto' | 'composer';
  /** Told which path converted the stream. */
  taken?: (path: 'direct' | 'composer') => void;
}

/** A document of the stream: its span without trailing blanks, its comments in source order. */
function streamDoc(
  text: string,
  map: OffsetMap,
  comments: Comment[] | undefined,
  index: number,
  start: number,
  contentEnd: number,
  root: Value | undefined,
  errors: YamlError[],
): StreamDoc {
  const end = Math.max(start, trimEnd(text, start, contentEnd));
  return {
    index,
    root,
    start,
    end,
    loc: mapSpan(map, start, end),
    comments: (comments ?? []).sort((a, b) => a.offset - b.offset).map((c) => ({ text: c.source, loc: mapSpan(map, c.offset, c.offset + c.source.length) })),
    errors,
  };
}

/** The stream's documents built straight from the CST, or undefined when it needs the composer. */
function composeDirect(
  tokens: readonly CST.Token[],
  text: string,
  map: OffsetMap,
  limits: Limits,
  placeholders: WeakSet<object>,
  diag: DiagSink,
  commentsByDoc: Comment[][],
): StreamDoc[] | undefined {
  const conv = new Converter(text, map, limits, placeholders, diag, false);
  const out: StreamDoc[] = [];
  const finish = (index: number, start: number, contentEnd: number, root: Value | undefined) =>
    out.push(streamDoc(text, map, commentsByDoc[index], index, start, contentEnd, root, []));
  try {
    for (const t of tokens) {
      if (t.type === 'comment' || t.type === 'newline' || t.type === 'space') continue;
      if (t.type !== 'document') return undefined;
      const props = plainProps(t.start, 'doc-start', true);
      // "Block collection cannot start on same line with directives-end marker"
      if (props.found && (t.value?.type === 'block-map' || t.value?.type === 'block-seq') && !props.newline) return undefined;
      const built = t.value ? conv.cstValue(t.value, 1) : conv.empty(tokenEnd(t.start, t.offset), t.start, props.comment);
      // no value, or an empty plain scalar: an empty document
      const empty = !t.value || (t.value.type === 'scalar' && t.value.source === '');
      for (const e of t.end ?? []) if (e.type !== 'space' && e.type !== 'comment' && e.type !== 'newline') return undefined;
      finish(out.length, t.offset, built.end, empty ? undefined : built.value);
    }
  } catch (e) {
    if (e === NEEDS_COMPOSER) return undefined;
    throw e;
  }
  // a stream with no document is one empty document, as the composer makes it
  if (!out.length) finish(0, 0, text.length, undefined);
  return out;
}

/**
 * The CST tokens of a YAML stream (and, through `onNewLine`, the offset after every line break):
 * yaml's own `Parser` and `Lexer`, derived without their generators (eager-parser.generated.ts and
 * scripts/derive-yaml-parser.mjs: same tokens, about three times faster). The derived parser also
 * lacks the library's per-token `process.env.LOG_TOKENS` check (its ESM build has none), which cost
 * 0.3–0.6 s of a 10,000-file scan in reads of the C++ environment.
 */
export function yamlTokens(text: string, onNewLine?: (offset: number) => void): CST.Token[] {
  return new EagerParser(onNewLine).parse(text) as CST.Token[];
}

/** Parse a YAML stream. Never throws for bad input; syntax errors are returned per document. */
export function parseYamlStream(text: string, map: OffsetMap, opts: StreamOptions): StreamDoc[] {
  const { limits, diag } = opts;
  const tokens = yamlTokens(text);
  const placeholders = new WeakSet<object>();
  const firstPruned = pruneDeep(tokens, limits.maxDepth, placeholders);

  // comments per CST document; comments between documents go to the next one
  const commentsByDoc: Comment[][] = [];
  let pending: Comment[] = [];
  for (const t of tokens) {
    if (t.type === 'document') {
      const list = pending;
      pending = [];
      collectComments(t, list);
      commentsByDoc.push(list);
    } else collectComments(t, pending);
  }
  if (pending.length) {
    if (commentsByDoc.length) commentsByDoc[commentsByDoc.length - 1].push(...pending);
    else commentsByDoc.push(pending);
  }

  if (!firstPruned.size && opts.path !== 'composer') {
    const direct = composeDirect(tokens, text, map, limits, placeholders, diag, commentsByDoc);
    if (direct) {
      opts.taken?.('direct');
      return direct;
    }
  }
  opts.taken?.('composer');

  const composer = new Composer({
    version: '1.1',
    keepSourceTokens: true,
    uniqueKeys: false,
    strict: false,
    prettyErrors: false,
  });
  const docs = Array.from(composer.compose(tokens, true, text.length));
  const out: StreamDoc[] = [];
  docs.forEach((doc, index) => {
    const pruneAt = firstPruned.get(index);
    if (pruneAt !== undefined) {
      const l = mapSpan(map, pruneAt, pruneAt);
      diag({
        severity: 'warning',
        code: 'nesting-too-deep',
        message: `YAML nesting deeper than ${limits.maxDepth} levels; deeper content is ignored`,
        loc: l,
      });
    }
    const range = doc.range ?? [0, text.length, text.length];
    const start = range[0];
    const errors: YamlError[] = doc.errors.map((er) => {
      const e: YamlError = { code: String(er.code), message: er.message.split('\n')[0], start: er.pos[0], end: er.pos[1] };
      const q = /Missing closing (["'])quote/.exec(e.message);
      if (q) {
        // the library reports where the scalar ran out; point at the quote that opened it
        const open = openingQuote(text, q[1], e.start);
        if (open !== undefined) e.start = open;
      }
      // errors found when the text ran out point at its last character, not past the final newline
      const lastChar = trimEnd(text, 0, text.length);
      if (e.start >= lastChar && lastChar > 0) {
        e.start = lastChar - 1;
        e.end = lastChar;
      }
      return e;
    });
    const contents = doc.contents as YNode | null;
    let root: Value | undefined;
    const emptyScalar =
      contents && isScalar(contents) && contents.value === null && ((contents.srcToken as CST.FlowScalar | undefined)?.source ?? '') === '';
    if (contents && !emptyScalar) {
      const conv = new Converter(text, map, limits, placeholders, diag, pruneAt !== undefined);
      root = conv.value(contents, 1, start);
    } else if (contents && emptyScalar && placeholders.has(contents.srcToken as object)) {
      root = { kind: 'unknown', loc: mapSpan(map, start, start), reason: 'nested too deep' };
    }
    out.push(streamDoc(text, map, commentsByDoc[index], index, start, range[1], root, errors));
  });
  return out;
}
