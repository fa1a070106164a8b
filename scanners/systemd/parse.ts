/**
 * systemd unit / networkd configuration syntax (systemd.syntax(7)), parsed the way
 * `config_parse()` in systemd's src/shared/conf-parser.c reads it:
 *
 * - lines end at `\n`, `\r\n` or `\r`; a UTF-8 BOM at the start is skipped;
 * - a line whose first non-blank character is `#` or `;` is a comment — also inside a
 *   continuation, where it is skipped without ending the continuation;
 * - a line ending in an unescaped backslash continues on the next line; the backslash becomes a
 *   space and the next line is appended verbatim (leading blanks included);
 *   a blank line ends a continuation;
 * - the joined line is stripped; `[Name]` (last character `]`) opens a section, anything else
 *   must be `Key=Value` split at the first `=`, both sides stripped. Values stay raw (quotes,
 *   escapes and specifiers are interpreted per setting, by rules). Empty assignments are kept:
 *   they reset list settings, and folding them is the rules' business.
 *
 * Everything that is neither is reported (systemd logs and ignores such lines) and skipped.
 */
import type { Diagnostic, UnitEntry, UnitSection } from '../../engine/model.js';
import { MappedTextBuilder, mapOffset, mapSpan, type OffsetMap, mapSpanVia } from '../../engine/offset-map.js';
import type { Loc } from '../../engine/source.js';

export type { DiagnosticSink } from '../../engine/scanner-api.js';
import type { DiagnosticSink } from '../../engine/scanner-api.js';

export interface ParsedUnit {
  sections: UnitSection[];
  comments: { text: string; loc: Loc }[];
}

/** systemd's WHITESPACE: " \t\n\r". */
function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** A template control line (`{% if %}`, `{# #}`, `{{ var }}` alone, ERB `<% %>`): not unit syntax. */
export function isTemplateLine(line: string): boolean {
  return /^\s*(?:\{[%#{]|<%)/.test(line);
}

/** Root span of `[s, e)` of a text built with `inner` (offsets → input text) over `outer` (input text → root). */

export function parseUnitText(text: string, map: OffsetMap, diag: DiagnosticSink): ParsedUnit {
  const sections: UnitSection[] = [];
  const comments: { text: string; loc: Loc }[] = [];
  let current: UnitSection | undefined;
  /** After an invalid section header systemd rejects the file; we skip its entries quietly. */
  let inBadSection = false;
  let templateReported = false;
  let cont: MappedTextBuilder | undefined;

  const parseLogical = (built: { text: string; map: OffsetMap }): void => {
    const L = built.text;
    const span = (s: number, e: number) => mapSpanVia(built.map, map, s, e);
    let i0 = 0;
    let i1 = L.length;
    while (i0 < i1 && isWs(L.charCodeAt(i0))) i0++;
    while (i1 > i0 && isWs(L.charCodeAt(i1 - 1))) i1--;
    if (i0 >= i1) return;

    if (isTemplateLine(L.slice(i0, Math.min(i1, i0 + 3)))) {
      if (!templateReported) {
        templateReported = true;
        diag({
          severity: 'info',
          code: 'template-unrendered',
          message: 'template directive line in a unit file; template lines are skipped, values are read as written',
          loc: span(i0, i1),
        });
      }
      return;
    }

    if (L.charCodeAt(i0) === 91 /* [ */) {
      if (L.charCodeAt(i1 - 1) === 93 /* ] */ && i1 - i0 >= 2) {
        current = { name: L.slice(i0 + 1, i1 - 1), nameLoc: span(i0 + 1, i1 - 1), loc: span(i0, i1), entries: [] };
        sections.push(current);
        inBadSection = false;
        return;
      }
      diag({
        severity: 'error',
        code: 'parse-error',
        message: `invalid section header '${clip(L.slice(i0, i1))}': systemd rejects this file; entries up to the next section are ignored`,
        loc: span(i0, i1),
      });
      current = undefined;
      inBadSection = true;
      return;
    }

    const eq = L.indexOf('=', i0);
    if (eq < 0 || eq >= i1) {
      diag({ severity: 'warning', code: 'parse-error', message: `missing '=' in '${clip(L.slice(i0, i1))}'; line ignored`, loc: span(i0, i1) });
      return;
    }
    if (eq === i0) {
      diag({ severity: 'warning', code: 'parse-error', message: "missing key name before '='; line ignored", loc: span(i0, i1) });
      return;
    }
    if (!current) {
      if (!inBadSection) {
        diag({ severity: 'warning', code: 'parse-error', message: 'assignment outside of any section; ignored', loc: span(i0, i1) });
      }
      return;
    }
    let k1 = eq;
    while (k1 > i0 && isWs(L.charCodeAt(k1 - 1))) k1--;
    let v0 = eq + 1;
    while (v0 < i1 && isWs(L.charCodeAt(v0))) v0++;
    const entry: UnitEntry = {
      key: L.slice(i0, k1),
      value: L.slice(v0, i1),
      loc: span(i0, i1),
      keyLoc: span(i0, k1),
      valueLoc: v0 < i1 ? span(v0, i1) : span(eq + 1, eq + 1),
    };
    current.entries.push(entry);
    if (entry.loc.end > current.loc.end) current.loc = { ...current.loc, end: entry.loc.end };
  };

  const len = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (pos <= len) {
    let e = pos;
    while (e < len) {
      const c = text.charCodeAt(e);
      if (c === 10 || c === 13) break;
      e++;
    }
    const next = e >= len ? len + 1 : text.charCodeAt(e) === 13 && text.charCodeAt(e + 1) === 10 ? e + 2 : e + 1;
    const s = pos;
    pos = next;

    let a = s;
    while (a < e && isWs(text.charCodeAt(a))) a++;
    if (a < e && (text.charCodeAt(a) === 35 /* # */ || text.charCodeAt(a) === 59) /* ; */) {
      let ce = e;
      while (ce > a && isWs(text.charCodeAt(ce - 1))) ce--;
      comments.push({ text: text.slice(a, ce), loc: mapSpan(map, a, ce) });
      continue; // comments are skipped, even inside a continuation
    }
    if (!cont && a === e) continue; // blank line

    // does the line end in an unescaped backslash?
    let escaped = false;
    for (let i = s; i < e; i++) {
      if (escaped) escaped = false;
      else if (text.charCodeAt(i) === 92 /* \ */) escaped = true;
    }
    const b = cont ?? new MappedTextBuilder(map.file, [s, e]);
    if (escaped && e < len) {
      b.verbatim(text.slice(s, e - 1), s).synthetic(' ');
      cont = b;
      continue;
    }
    // a trailing backslash on the last line of the file: systemd still replaces it with a space
    if (escaped) b.verbatim(text.slice(s, e - 1), s).synthetic(' ');
    else b.verbatim(text.slice(s, e), s);
    cont = undefined;
    parseLogical(b.build());
  }
  if (cont) parseLogical(cont.build());
  return { sections, comments };
}

function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
