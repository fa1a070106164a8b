import { mapSpan } from '../../../engine/offset-map.js';
import type { Document, Format, HclAttribute, HclBlock, HclBody, Value } from '../../../engine/model.js';
import type { ParseInput, Scanner } from '../../../engine/scanner-api.js';
import { parseFiles, type ParsedFiles } from '../../../engine/testing.js';
import { positionAt } from '../../../engine/source.js';
import { hclScanner } from '../../../scanners/hcl/index.js';

/** What a fake scanner was given. */
export interface Received {
  format: Format;
  text: string;
  input: ParseInput;
}

/**
 * A tiny fake scanner for the formats other helpers own: it records the text and map it is given
 * and produces a document with an empty model. `detectEmbedded` recognises `#cloud-config`, `#!`
 * and MIME, and files everything else under 'apt-conf' so tests see every embedding.
 */
export function fakeScanner(received: Received[]): Scanner {
  return {
    name: 'fake',
    formats: ['cloud-config', 'shell', 'mime-multipart', 'apt-conf', 'systemd-unit'],
    detect: () => undefined,
    detectEmbedded: (_target, text) => {
      if (text.startsWith('#cloud-config')) return 'cloud-config';
      if (text.startsWith('#!')) return 'shell';
      if (/^Content-Type: multipart/i.test(text)) return 'mime-multipart';
      // catch-all so tests see every embedding the HCL scanner asks for
      return 'apt-conf';
    },
    parse(input, ctx) {
      received.push({ format: input.format, text: input.text, input });
      const doc = {
        id: ctx.nextId(),
        format: input.format,
        file: input.map.file,
        text: input.text,
        map: input.map,
        loc: mapSpan(input.map, 0, input.text.length),
        origin: input.origin,
        model: { commands: [], writes: [] },
      } as unknown as Document;
      return [doc];
    },
  };
}

export async function scan(files: Record<string, string>, limits = {}): Promise<ParsedFiles & { received: Received[] }> {
  const received: Received[] = [];
  const r = await parseFiles([hclScanner, fakeScanner(received)], files, limits);
  return { ...r, received };
}

export function docOf(r: ParsedFiles, file: string): Document & { format: 'terraform' | 'packer' } {
  const d = r.documents.find((x) => x.file === file && (x.format === 'terraform' || x.format === 'packer') && !x.origin);
  if (!d) throw new Error(`no HCL document for ${file}`);
  return d as Document & { format: 'terraform' | 'packer' };
}

export function block(body: HclBody, type: string, ...labels: string[]): HclBlock {
  const b = body.blocks.find((x) => x.type === type && labels.every((l, i) => x.labels[i] === l));
  if (!b) throw new Error(`no block ${type} ${labels.join(' ')}`);
  return b;
}

export function attr(body: HclBody, name: string): HclAttribute {
  const a = [...body.attributes].reverse().find((x) => x.name === name);
  if (!a) throw new Error(`no attribute ${name}`);
  return a;
}

/** Line/column (1-based) in `file` of a root offset. */
export function pos(r: ParsedFiles, file: string, offset: number): { line: number; column: number } {
  const f = r.files.get(file);
  if (!f) throw new Error(`no file ${file}`);
  return positionAt(f, offset);
}

/** Where character `i` of an embedded text lands in its root file. */
export function posIn(r: ParsedFiles, input: { map: ParseInput['map'] }, i: number): { file: string; line: number; column: number } {
  const l = mapSpan(input.map, i, i + 1);
  return { file: l.file, ...pos(r, l.file, l.start) };
}

/** Plain JS view of a value (unknowns as `{unknown: reason}`). */
export function plain(v: Value | undefined): unknown {
  if (!v) return undefined;
  switch (v.kind) {
    case 'scalar':
      return v.value;
    case 'unknown':
      return { unknown: v.reason };
    case 'seq':
      return v.items.map(plain);
    case 'map':
      return Object.fromEntries(v.entries.map((e) => [e.key, plain(e.value)]));
  }
}
