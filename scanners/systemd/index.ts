/**
 * systemd scanner: unit files and drop-ins ('systemd-unit'), systemd-networkd `.network`,
 * `.netdev`, `.link`, `networkd.conf` and their drop-ins ('networkd'), and NetworkManager.conf with
 * its conf.d drop-ins ('networkmanager': GLib key files, which the same INI parser reads).
 */
import type { Document, UnitModel } from '../../engine/model.js';

import type { DetectInput, ParseContext, ParseInput, Scanner } from '../../engine/scanner-api.js';
import { newDocument } from '../../engine/scanner-api.js';
import { limitDiagnostics } from '../../engine/scanner-api.js';
import { classifySystemdPath, looksLikeIni, sniffSystemd } from './detect.js';
import { parseUnitText } from './parse.js';

export { classifySystemdPath, looksLikeIni, sniffSystemd, UNIT_TYPES } from './detect.js';
export { parseUnitText } from './parse.js';
export { unitBoolean, unitEntries, unitSections, unitValue, unitValues } from './helpers.js';

function basename(p: string): string {
  const parts = p.replace(/\\/g, '/').split('/');
  return parts[parts.length - 1] ?? '';
}

export const systemdScanner: Scanner = {
  name: 'systemd',
  formats: ['systemd-unit', 'networkd', 'networkmanager'],

  detect(input: DetectInput) {
    const info = classifySystemdPath(input.path);
    if (!info) return undefined;
    return looksLikeIni(input.head, info.strong) ? info.format : undefined;
  },

  detectEmbedded(_targetPath: string | undefined, text: string) {
    // A telling target path was already tried through `detect`; here only content decides.
    return sniffSystemd(text);
  },

  parse(input: ParseInput, ctx: ParseContext): Document[] {
    const format = input.format === 'networkd' || input.format === 'networkmanager' ? input.format : 'systemd-unit';
    // Name the unit after the path it is written to (embedded) or the file itself (root).
    const namePath = input.origin ? input.origin.targetPath : input.map.file;
    const info = namePath ? classifySystemdPath(namePath) : undefined;
    const parsed = parseUnitText(input.text, input.map, limitDiagnostics(ctx));
    const model: UnitModel = {
      unitName: info?.unitName ?? (namePath ? basename(namePath) : ''),
      sections: parsed.sections,
      comments: parsed.comments,
    };
    if (info?.dropInFor) model.dropInFor = info.dropInFor;
    return [newDocument(format, input, ctx, model)];
  },
};

export default systemdScanner;
