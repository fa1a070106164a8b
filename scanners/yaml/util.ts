/**
 * Helpers shared by the YAML-family embedders: the text + map of a scalar, argv → command line,
 * bounded decoding of base64/gzip content.
 */
import { gunzipSync } from 'node:zlib';
import type { Document, EmbedVia, Format, ScalarValue, Value } from '../../engine/model.js';
import { isScalar, isSeq } from '../../engine/model.js';
import { MappedTextBuilder, opaqueMap, type OffsetMap } from '../../engine/offset-map.js';
import type { ParseContext } from '../../engine/scanner-api.js';
import type { Loc } from '../../engine/source.js';

export interface MappedText {
  text: string;
  map: OffsetMap;
}

/** Text of a scalar as cloud-init/kubelet would read it, with a root map. */
export function scalarText(v: ScalarValue, ctx: ParseContext): MappedText {
  const { loc } = v;
  if (typeof v.value === 'string') {
    if (v.map) return { text: v.value, map: v.map };
    return { text: v.value, map: { file: loc.file, segs: v.value.length ? [0, loc.start, v.value.length] : [], whole: [loc.start, loc.end] } };
  }
  const text = v.value === null ? '' : String(v.value);
  const root = loc.file === ctx.file.path ? ctx.file.text : undefined;
  if (root !== undefined && text.length > 0 && root.slice(loc.start, loc.end) === text) {
    return { text, map: { file: loc.file, segs: [0, loc.start, text.length], whole: [loc.start, loc.end] } };
  }
  return { text, map: opaqueMap(loc.file, loc.start, loc.end) };
}

/** Append mapped text to a builder that works in root offsets. */
export function appendMapped(b: MappedTextBuilder, t: MappedText): void {
  const { text, map } = t;
  let cursor = 0;
  for (let k = 0; k < map.segs.length; k += 3) {
    const inner = map.segs[k];
    const outer = map.segs[k + 1];
    const len = map.segs[k + 2];
    if (inner > cursor) b.synthetic(text.slice(cursor, inner));
    b.verbatim(text.slice(inner, inner + len), outer);
    cursor = inner + len;
  }
  if (cursor < text.length) b.synthetic(text.slice(cursor));
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * An argv list (`[sh, -c, "echo hi"]`) as one POSIX command line, each word quoted as needed and
 * mapped to its source scalar. Returns undefined when an item is not a scalar.
 */
export function argvToCommand(items: Value[], whole: Loc, ctx: ParseContext): MappedText | undefined {
  const b = new MappedTextBuilder(whole.file, [whole.start, whole.end]);
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (!isScalar(it)) return undefined;
    if (i > 0) b.synthetic(' ');
    const w = scalarText(it, ctx);
    if (w.text.length > 0 && SAFE_WORD.test(w.text)) {
      appendMapped(b, w);
      continue;
    }
    // single-quote the word; embedded ' becomes '\''
    b.synthetic("'");
    let from = 0;
    while (true) {
      const q = w.text.indexOf("'", from);
      const end = q === -1 ? w.text.length : q;
      appendMapped(b, sliceMapped(w, from, end));
      if (q === -1) break;
      b.synthetic("'\\''");
      from = q + 1;
    }
    b.synthetic("'");
  }
  return b.build();
}

/** The sub-text `[start, end)` of a mapped text. */
export function sliceMapped(t: MappedText, start: number, end: number): MappedText {
  const segs: number[] = [];
  for (let k = 0; k < t.map.segs.length; k += 3) {
    const s = t.map.segs[k];
    const o = t.map.segs[k + 1];
    const l = t.map.segs[k + 2];
    const a = Math.max(s, start);
    const z = Math.min(s + l, end);
    if (a < z) segs.push(a - start, o + (a - s), z - a);
  }
  return { text: t.text.slice(start, end), map: { file: t.map.file, segs, whole: t.map.whole } };
}

/** A command item of runcmd/bootcmd/late-commands: a string, or an argv list. */
export function commandText(item: Value, ctx: ParseContext): MappedText | undefined {
  if (isScalar(item)) {
    if (item.value === null) return undefined;
    return scalarText(item, ctx);
  }
  if (isSeq(item)) return argvToCommand(item.items, item.loc, ctx);
  return undefined;
}

export interface EmbedSpec {
  text: string;
  map: OffsetMap;
  format?: Format;
  via: EmbedVia;
  loc: Loc;
  targetPath?: string;
  label: string;
}

export function embed(parent: Document, ctx: ParseContext, e: EmbedSpec): Document[] {
  const origin: { via: EmbedVia; loc: Loc; label: string; targetPath?: string } = { via: e.via, loc: e.loc, label: e.label };
  if (e.targetPath !== undefined) origin.targetPath = e.targetPath;
  return ctx.embed(parent, { text: e.text, map: e.map, ...(e.format ? { format: e.format } : {}), origin });
}

// ---------------------------------------------------------------------------------------------
// Bounded decoding

export type DecodeStep = 'base64' | 'gzip';

export type DecodeResult = { ok: true; text: string } | { ok: false; code: 'parse-error' | 'file-too-large' | 'invalid-utf8' | 'binary-file'; message: string };

const B64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function decodeBase64(s: string): Buffer | undefined {
  const compact = s.replace(/[\s]+/g, '');
  if (!B64.test(compact)) return undefined;
  return Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
}

/** Apply decoding steps to `input` (a string), never producing more than `maxBytes`. */
export function decodeSteps(input: string | Buffer, steps: DecodeStep[], maxBytes: number): DecodeResult {
  let buf: Buffer = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  for (const step of steps) {
    if (step === 'base64') {
      const d = decodeBase64(buf.toString('latin1'));
      if (!d) return { ok: false, code: 'parse-error', message: 'content is not valid base64' };
      buf = d;
    } else {
      if (buf.length < 2 || buf[0] !== 0x1f || buf[1] !== 0x8b) return { ok: false, code: 'parse-error', message: 'content is not gzip data' };
      try {
        buf = gunzipSync(buf, { maxOutputLength: maxBytes });
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
          return { ok: false, code: 'file-too-large', message: `decompressed content exceeds ${maxBytes} bytes` };
        }
        return { ok: false, code: 'parse-error', message: `content is not valid gzip data (${(e as Error).message})` };
      }
    }
    if (buf.length > maxBytes) return { ok: false, code: 'file-too-large', message: `decoded content exceeds ${maxBytes} bytes` };
  }
  return bytesToText(buf);
}

export function bytesToText(buf: Buffer): DecodeResult {
  if (buf.includes(0)) return { ok: false, code: 'binary-file', message: 'decoded content is binary' };
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
    return { ok: true, text };
  } catch {
    return { ok: false, code: 'invalid-utf8', message: 'decoded content is not valid UTF-8' };
  }
}

/** The `#cloud-config` header (optionally after a BOM and a `## template: jinja` line). */
export function hasCloudConfigHeader(text: string): boolean {
  return /^\uFEFF?(?:##[ \t]*template:[ \t]*jinja[ \t]*\r?\n)?#cloud-config(?![\w-])/.test(text);
}
