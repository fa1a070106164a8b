/**
 * apt scanner: apt.conf and apt.conf.d fragments ('apt-conf'), including unattended-upgrades
 * configuration (`20auto-upgrades`, `50unattended-upgrades`) wherever it is kept.
 */
import type { AptItem, AptModel, Document } from '../../engine/model.js';
import { mapSpan } from '../../engine/offset-map.js';
import type { DetectInput, ParseContext, ParseInput, Scanner } from '../../engine/scanner-api.js';
import { newDocument } from '../../engine/scanner-api.js';
import { limitDiagnostics } from '../../engine/scanner-api.js';
import { aptIgnoresName, classifyAptPath, sniffApt, sniffAptTemplate, TEMPLATE_SUFFIX } from './detect.js';
import { parseAptText } from './parse.js';

export { aptIgnoresName, classifyAptPath, sniffApt, sniffAptTemplate } from './detect.js';
export { parseAptText } from './parse.js';
export { aptBoolean, aptFind, aptFindList, type AptSet } from './helpers.js';

export const aptScanner: Scanner = {
  name: 'apt',
  formats: ['apt-conf'],

  detect(input: DetectInput) {
    const kind = classifyAptPath(input.path);
    if (!kind) return undefined;
    if (kind === 'named' && !sniffApt(input.head)) return undefined;
    if (kind === 'template' && !sniffAptTemplate(input.head)) return undefined;
    return 'apt-conf';
  },

  detectEmbedded(_targetPath: string | undefined, text: string) {
    return sniffApt(text) ? 'apt-conf' : undefined;
  },

  parse(input: ParseInput, ctx: ParseContext): Document[] {
    const sink = limitDiagnostics(ctx);
    const docLoc = mapSpan(input.map, 0, input.text.length);
    const parsed = parseAptText(input.text, input.map, sink);
    // A fragment written into apt.conf.d under a name apt skips never takes effect.
    const target = input.origin ? input.origin.targetPath : input.map.file;
    if (target) {
      const parts = target.replace(/\\/g, '/').split('/');
      if (parts.length >= 2 && parts[parts.length - 2] === 'apt.conf.d') {
        const base = input.origin ? parts[parts.length - 1] : parts[parts.length - 1].replace(TEMPLATE_SUFFIX, '');
        const why = aptIgnoresName(base);
        if (why) sink({ severity: 'info', code: 'config', message: `apt ignores '${base}' in apt.conf.d: ${why}`, loc: input.origin?.loc ?? docLoc });
      }
    }
    const model: AptModel = { items: parsed.items as AptItem[], comments: parsed.comments };
    return [newDocument('apt-conf', input, ctx, model, docLoc)];
  },
};

export default aptScanner;
