/**
 * Test helpers: stand-in scanners for the formats YAML/MIME documents embed (shell, apt-conf,
 * systemd), so these tests exercise embedding and offset maps without depending on other scanners.
 */
import type { Document, Format, Value } from '../../../engine/model.js';
import { mapOffset, mapSpan } from '../../../engine/offset-map.js';
import type { ParsedFiles } from '../../../engine/testing.js';
import type { Scanner } from '../../../engine/scanner-api.js';
import { positionAt, rangeOf, type Loc } from '../../../engine/source.js';

function stubDoc(format: Format, input: { text: string; map: Document['map']; origin?: Document['origin'] }, id: string): Document {
  const base = { id, file: input.map.file, text: input.text, map: input.map, loc: mapSpan(input.map, 0, input.text.length) };
  const origin = input.origin ? { origin: input.origin } : {};
  switch (format) {
    case 'shell':
      return { ...base, ...origin, format, model: { commands: [], writes: [] } };
    case 'apt-conf':
      return { ...base, ...origin, format, model: { items: [] } };
    case 'networkd':
    case 'systemd-unit':
      return { ...base, ...origin, format, model: { unitName: '', sections: [] } };
    default:
      throw new Error(`stub cannot make ${format}`);
  }
}

/** Stand-in for the shell, apt and systemd scanners: records text and map, nothing else. */
export const stubScanner: Scanner = {
  name: 'stub',
  formats: ['shell', 'apt-conf', 'systemd-unit', 'networkd'],
  detect({ path }) {
    if (/(^|\/)apt\.conf\.d\/|(^|\/)\d\d[a-z-]*upgrades$/.test(path)) return 'apt-conf';
    if (/\.(service|timer|socket|mount|path)$/.test(path)) return 'systemd-unit';
    if (/\.(network|netdev|link)$/.test(path)) return 'networkd';
    if (/\.sh$/.test(path)) return 'shell';
    return undefined;
  },
  detectEmbedded(_p, text) {
    return text.startsWith('#!') ? 'shell' : undefined;
  },
  parse(input, ctx) {
    return [stubDoc(input.format, input, ctx.nextId())];
  },
};

/** `line:col` of a root span's start (or `start-end` when `withEnd`). */
export function lc(r: ParsedFiles, loc: Loc, withEnd = false): string {
  const f = r.files.get(loc.file)!;
  const rg = rangeOf(f, loc);
  const s = `${rg.start.line}:${rg.start.column}`;
  return withEnd ? `${s}-${rg.end.line}:${rg.end.column}` : s;
}

/** `line:col` in the root file of offset `inner` of a document's text. */
export function lcInner(r: ParsedFiles, doc: { map: Document['map'] }, inner: number): string {
  const f = r.files.get(doc.map.file)!;
  const p = positionAt(f, mapOffset(doc.map, inner));
  return `${p.line}:${p.column}`;
}

/** `line:col` in the root file of the first occurrence of `needle` in a document's text. */
export function lcOf(r: ParsedFiles, doc: { text: string; map: Document['map'] }, needle: string, nth = 0): string {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = doc.text.indexOf(needle, i + 1);
    if (i === -1) throw new Error(`${JSON.stringify(needle)} not in document text ${JSON.stringify(doc.text.slice(0, 200))}`);
  }
  return lcInner(r, doc, i);
}

/** Every character of `needle` in the document text maps onto the same character in the root file. */
export function mapsVerbatim(r: ParsedFiles, doc: { text: string; map: Document['map'] }, needle: string): boolean {
  const i = doc.text.indexOf(needle);
  if (i === -1) return false;
  const root = r.files.get(doc.map.file)!.text;
  for (let k = 0; k < needle.length; k++) {
    if (root[mapOffset(doc.map, i + k)] !== needle[k]) return false;
  }
  return true;
}

/** A plain JS view of a Value tree (for compact assertions). */
export function plain(v: Value | undefined): unknown {
  if (!v) return undefined;
  switch (v.kind) {
    case 'map':
      return Object.fromEntries(v.entries.map((e) => [e.key, plain(e.value)]));
    case 'seq':
      return v.items.map(plain);
    case 'scalar':
      return v.value;
    default:
      return { unknown: v.reason };
  }
}

export function docsOf<F extends Format>(r: ParsedFiles, format: F): Extract<Document, { format: F }>[] {
  return r.documents.filter((d) => d.format === format) as Extract<Document, { format: F }>[];
}

export function childrenOf(r: ParsedFiles, parent: Document): Document[] {
  return r.documents.filter((d) => d.origin?.parentId === parent.id);
}
