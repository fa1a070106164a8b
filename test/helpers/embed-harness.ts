/**
 * Test harness: a fake parent scanner that embeds indented blocks (indentation stripped, so the
 * embedded text has a non-trivial offset map), a fake shell scanner that records what it is
 * given, and position helpers.
 */
import type { Diagnostic, Document, DocumentOf, Format, Origin } from '../../engine/model.js';
import { composeMaps, mapSpan, MappedTextBuilder, type OffsetMap } from '../../engine/offset-map.js';
import type { Scanner } from '../../engine/scanner-api.js';
import { type Loc, rangeOf } from '../../engine/source.js';
import type { ParsedFiles } from '../../engine/testing.js';

export interface Recorded {
  id: string;
  text: string;
  map: OffsetMap;
  origin?: Origin;
}

/**
 * Fake parent (`*.fake.yaml`, format 'cloud-config'):
 *
 *   - path: /etc/x          (optional; becomes targetPath)
 *     format: apt-conf      (optional; becomes the stated format)
 *     content: |
 *       <indented block, embedded with its indentation stripped>
 */
export function fakeEmbedder(): Scanner {
  return {
    name: 'fake-embedder',
    formats: ['cloud-config'],
    detect: ({ path }) => (path.endsWith('.fake.yaml') ? 'cloud-config' : undefined),
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
      const text = input.text;
      const lines: { s: number; e: number; next: number }[] = [];
      for (let p = 0; p <= text.length; ) {
        let nl = text.indexOf('\n', p);
        if (nl < 0) nl = text.length;
        lines.push({ s: p, e: nl, next: nl + 1 });
        p = nl + 1;
      }
      let path: string | undefined;
      let format: Format | undefined;
      for (let i = 0; i < lines.length; i++) {
        const l = text.slice(lines[i].s, lines[i].e);
        const pm = /^\s*-?\s*path:\s*(\S+)/.exec(l);
        if (pm) {
          path = pm[1];
          format = undefined;
          continue;
        }
        const fm = /^\s*format:\s*(\S+)/.exec(l);
        if (fm) {
          format = fm[1] as Format;
          continue;
        }
        const cm = /^(\s*-?\s*)content:\s*\|\s*$/.exec(l);
        if (!cm) continue;
        const outer = cm[1].length;
        let indent = -1;
        let j = i + 1;
        const block: number[] = [];
        for (; j < lines.length; j++) {
          const t = text.slice(lines[j].s, lines[j].e);
          if (t.trim() === '') {
            block.push(j);
            continue;
          }
          const ind = /^ */.exec(t)![0].length;
          if (ind <= outer) break;
          if (indent < 0) indent = ind;
          block.push(j);
        }
        while (block.length && text.slice(lines[block[block.length - 1]].s, lines[block[block.length - 1]].e).trim() === '') block.pop();
        if (!block.length) continue;
        const first = lines[block[0]].s + indent;
        const last = lines[block[block.length - 1]];
        const b = new MappedTextBuilder(input.map.file, [first, last.e]);
        for (const k of block) {
          const { s, e } = lines[k];
          const from = Math.min(e, s + indent);
          b.verbatim(text.slice(from, e), from);
          b.synthetic('\n');
        }
        const built = b.build();
        ctx.embed(doc, {
          text: built.text,
          map: composeMaps(input.map, built.map),
          ...(format ? { format } : {}),
          origin: { via: 'write-files', loc: mapSpan(input.map, first, last.e), label: `content ${path ?? ''}`, ...(path ? { targetPath: path } : {}) },
        });
        i = j - 1;
        path = undefined;
        format = undefined;
      }
      return [doc];
    },
  };
}

/** A fake shell scanner that records its input. */
export function fakeShell(records: Recorded[]): Scanner {
  return {
    name: 'fake-shell',
    formats: ['shell'],
    detect: () => undefined,
    parse(input, ctx) {
      const doc: DocumentOf<'shell'> = {
        id: ctx.nextId(),
        format: 'shell',
        file: input.map.file,
        text: input.text,
        map: input.map,
        loc: mapSpan(input.map, 0, input.text.length),
        ...(input.origin ? { origin: input.origin } : {}),
        model: { commands: [], writes: [] },
      };
      records.push({ id: doc.id, text: input.text, map: input.map, origin: input.origin });
      return [doc];
    },
  };
}

/** `line:col-line:col` (1-based, end exclusive) of a root Loc. */
export function at(r: ParsedFiles, loc: Loc): string {
  const f = r.files.get(loc.file);
  if (!f) throw new Error(`no file ${loc.file}`);
  const { start, end } = rangeOf(f, loc);
  return `${start.line}:${start.column}-${end.line}:${end.column}`;
}

/** The root-file text a Loc covers. */
export function src(r: ParsedFiles, loc: Loc): string {
  const f = r.files.get(loc.file);
  if (!f) throw new Error(`no file ${loc.file}`);
  return f.text.slice(loc.start, loc.end);
}

/** Root Loc of inner span [s, e) of an embedded text's map. */
export function mapped(map: OffsetMap, s: number, e: number): Loc {
  return mapSpan(map, s, e);
}

export function docsOf<F extends Format>(r: ParsedFiles, format: F): DocumentOf<F>[] {
  return r.documents.filter((d: Document) => d.format === format) as DocumentOf<F>[];
}

export function diags(r: ParsedFiles, code?: string): Diagnostic[] {
  return r.diagnostics.filter((d) => code === undefined || d.code === code);
}
