/**
 * Test helpers for the shell scanner: fake scanners that record what they are asked to parse,
 * and position formatting.
 */
import type { Document, DocumentOf, EmbedVia, Format, Origin } from '../../../engine/model.js';
import { composeMaps, mapSpan, MappedTextBuilder, type OffsetMap } from '../../../engine/offset-map.js';
import type { Scanner } from '../../../engine/scanner-api.js';
import { rangeOf } from '../../../engine/source.js';
import { type ParsedFiles, parseFiles } from '../../../engine/testing.js';
import { shellScanner } from '../../../scanners/shell/index.js';

export interface Recorded {
  id: string;
  text: string;
  map: OffsetMap;
  origin?: Origin;
}

/** A fake apt.conf scanner: claims paths under etc/apt/apt.conf.d/ and records its input. */
export function fakeApt(records: Recorded[]): Scanner {
  return {
    name: 'fake-apt',
    formats: ['apt-conf'],
    detect: ({ path }) => (path.startsWith('etc/apt/apt.conf.d/') ? 'apt-conf' : undefined),
    parse(input, ctx) {
      const doc: DocumentOf<'apt-conf'> = {
        id: ctx.nextId(),
        format: 'apt-conf',
        file: input.map.file,
        text: input.text,
        map: input.map,
        loc: mapSpan(input.map, 0, input.text.length),
        origin: input.origin,
        model: { items: [] },
      };
      records.push({ id: doc.id, text: input.text, map: input.map, origin: input.origin });
      return [doc];
    },
  };
}

/**
 * A fake YAML-ish parent: files named `*.runcmd` hold shell text indented by `indent` spaces on
 * every line (like a YAML block scalar). The parent strips the indentation, keeping the map, and
 * embeds the result as 'shell' with the given `via`.
 */
export function fakeBlockParent(via: EmbedVia, indent = 4): Scanner {
  return {
    name: 'fake-block',
    formats: ['cloud-config'],
    detect: ({ path }) => (path.endsWith('.runcmd') ? 'cloud-config' : undefined),
    parse(input, ctx) {
      const doc: DocumentOf<'cloud-config'> = {
        id: ctx.nextId(),
        format: 'cloud-config',
        file: input.map.file,
        text: input.text,
        map: input.map,
        loc: mapSpan(input.map, 0, input.text.length),
        model: { index: 0, root: { kind: 'map', loc: mapSpan(input.map, 0, 0), entries: [] } },
      };
      const b = new MappedTextBuilder(input.map.file, [0, input.text.length]);
      let off = 0;
      for (const line of input.text.split('\n')) {
        const strip = Math.min(indent, line.length - line.trimStart().length);
        b.verbatim(line.slice(strip), off + strip);
        b.synthetic('\n');
        off += line.length + 1;
      }
      const built = b.build();
      ctx.embed(doc, {
        text: built.text,
        map: composeMaps(input.map, built.map),
        format: 'shell',
        origin: { via, loc: doc.loc, label: 'runcmd[0]' },
      });
      return [doc];
    },
  };
}

export async function parseShell(files: Record<string, string>, extra: Scanner[] = [], limits = {}): Promise<ParsedFiles> {
  return parseFiles([shellScanner, ...extra], files, limits);
}

export function shellDocs(r: ParsedFiles): DocumentOf<'shell'>[] {
  return r.documents.filter((d): d is DocumentOf<'shell'> => d.format === 'shell');
}

export function docById(r: ParsedFiles, id: string): Document {
  const d = r.documents.find((x) => x.id === id);
  if (!d) throw new Error(`no document ${id}; have ${r.documents.map((x) => x.id).join(', ')}`);
  return d;
}

/** `line:col-line:col` of a root span. */
export function pos(r: ParsedFiles, loc: { file: string; start: number; end: number }): string {
  const f = r.files.get(loc.file);
  if (!f) throw new Error(`no file ${loc.file}`);
  const g = rangeOf(f, loc);
  return `${g.start.line}:${g.start.column}-${g.end.line}:${g.end.column}`;
}

/** Root text at a span. */
export function at(r: ParsedFiles, loc: { file: string; start: number; end: number }): string {
  return r.files.get(loc.file)!.text.slice(loc.start, loc.end);
}

/** Root position of a substring of a document's text (the n-th occurrence). */
export function posIn(r: ParsedFiles, d: { text: string; map: OffsetMap }, needle: string, n = 0): string {
  let i = -1;
  for (let k = 0; k <= n; k++) {
    i = d.text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`${JSON.stringify(needle)} not in ${JSON.stringify(d.text)}`);
  }
  return pos(r, mapSpan(d.map, i, i + needle.length));
}

export function names(d: DocumentOf<'shell'>): (string | undefined)[] {
  return d.model.commands.map((c) => c.name);
}

export function argv(d: DocumentOf<'shell'>, i: number): (string | undefined)[] {
  return d.model.commands[i].argv.map((w) => w.value);
}

export type { Format };
