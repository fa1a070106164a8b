/**
 * preseed scanner: debian-installer preseed files and debconf selections ('preseed').
 * Command-valued questions (`preseed/late_command`, `preseed/early_command`,
 * `partman/early_command`, Ubuntu's `ubiquity/success_command`) are embedded as 'shell'.
 */
import type { Document, PreseedModel } from '../../engine/model.js';
import { composeMaps, sliceMap } from '../../engine/offset-map.js';
import type { DetectInput, ParseContext, ParseInput, Scanner } from '../../engine/scanner-api.js';
import { newDocument } from '../../engine/scanner-api.js';
import { limitDiagnostics } from '../../engine/scanner-api.js';
import { parsePreseedText, PRESEED_TYPES } from './parse.js';

export { parsePreseedText, PRESEED_TYPES } from './parse.js';

/** Questions whose value is a shell command run by the installer. */
export const PRESEED_COMMAND_QUESTIONS = ['preseed/late_command', 'preseed/early_command', 'partman/early_command', 'ubiquity/success_command'];

const TYPES = PRESEED_TYPES.join('|');
/** `owner question type [value]`, the question being a debconf name (`owner/name`). */
const PRESEED_LINE = new RegExp(`^[ \\t]*[A-Za-z0-9][\\w.+-]*[ \\t]+[\\w.+-]+/\\S*[ \\t]+(?:${TYPES})(?:[ \\t]|$)`);

/** Logical lines (continuations joined) that are not blank, comments or template directives. */
function significantLines(text: string, max = 200): string[] {
  const out: string[] = [];
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let pending = '';
  for (const raw of t.slice(0, 8192).split(/\r?\n/)) {
    if (raw.endsWith('\\')) {
      pending += `${raw.slice(0, -1).trimEnd()} `;
      continue;
    }
    const joined = pending === '' ? raw : pending + raw.trimStart();
    pending = '';
    const line = joined.trim();
    if (line === '' || line.startsWith('#') || /^(?:\{[%#{]|<%)/.test(line)) continue;
    out.push(joined);
    if (out.length >= max) break;
  }
  return out;
}

/** The first significant line is a preseed line. */
export function sniffPreseed(text: string): boolean {
  const lines = significantLines(text, 1);
  return lines.length === 1 && PRESEED_LINE.test(lines[0]);
}

/** Some line in the head is a preseed line (for generic `*.cfg` names). */
function headHasPreseedLine(head: string): boolean {
  return significantLines(head).some((l) => PRESEED_LINE.test(l));
}

/**
 * 'certain': `preseed*.cfg`, `*.preseed` (parsed whatever they hold, so their errors get
 * reported); 'strong': `*.seed` (empty, or some preseed line in the head); 'weak': other `*.cfg`
 * (some preseed line in the head). Template suffixes `.tmpl`, `.tpl`, `.j2` are looked through.
 */
export function classifyPreseedPath(path: string): 'certain' | 'strong' | 'weak' | undefined {
  const parts = path.replace(/\\/g, '/').split('/');
  const base = (parts[parts.length - 1] ?? '').replace(/\.(?:tmpl|tpl|j2)$/i, '');
  if (/^preseed.*\.cfg$/i.test(base) || /.\.preseed$/i.test(base)) return 'certain';
  if (/.\.seed$/i.test(base)) return 'strong';
  if (/.\.cfg$/i.test(base)) return 'weak';
  return undefined;
}

export const preseedScanner: Scanner = {
  name: 'preseed',
  formats: ['preseed'],

  detect(input: DetectInput) {
    const kind = classifyPreseedPath(input.path);
    if (!kind) return undefined;
    if (kind === 'certain') return 'preseed';
    if (kind === 'weak') return headHasPreseedLine(input.head) ? 'preseed' : undefined;
    return significantLines(input.head, 1).length === 0 || headHasPreseedLine(input.head) ? 'preseed' : undefined;
  },

  detectEmbedded(_targetPath: string | undefined, text: string) {
    return sniffPreseed(text) ? 'preseed' : undefined;
  },

  parse(input: ParseInput, ctx: ParseContext): Document[] {
    const parsed = parsePreseedText(input.text, input.map, limitDiagnostics(ctx));
    const model: PreseedModel = { entries: parsed.lines.map((l) => l.entry), comments: parsed.comments };
    const doc = newDocument('preseed', input, ctx, model);
    for (const l of parsed.lines) {
      const { entry } = l;
      if (!PRESEED_COMMAND_QUESTIONS.includes(entry.question) || entry.type !== 'string' || entry.value.trim() === '') continue;
      // value text → input text (through the joined line) → root
      const toInput = sliceMap(l.line.map, l.valueStart, l.valueEnd);
      ctx.embed(doc, {
        text: entry.value,
        map: composeMaps(input.map, toInput),
        format: 'shell',
        origin: { via: 'preseed-late-command', loc: entry.valueLoc, label: `${entry.owner} ${entry.question}` },
      });
    }
    return [doc];
  },
};

export default preseedScanner;
