/**
 * keyvalue scanner ('keyvalue'): `key = value` files that are not INI units.
 *
 * - sysctl: `sysctl.d/*.conf`, `sysctl.conf` (sysctl.d(5): `#`/`;` comments, `-key` ignores errors)
 * - env: `/etc/flatcar/update.conf`, `/etc/coreos/update.conf` (`REBOOT_STRATEGY=etcd-lock`)
 * - toml: Zincati drop-ins (`zincati/config.d/*.toml`) and Bottlerocket user data (TOML whose first
 *   table is `[settings...]`, also embedded in Terraform `user_data`), read with a small subset
 *   parser (see parse.ts).
 */
import type { Document, KeyValueModel } from '../../engine/model.js';

import type { DetectInput, ParseContext, ParseInput, Scanner } from '../../engine/scanner-api.js';
import { newDocument } from '../../engine/scanner-api.js';
import { limitDiagnostics } from '../../engine/scanner-api.js';
import { parseKeyValueText, type Dialect } from './parse.js';

export { parseKeyValueText } from './parse.js';

const TEMPLATE_SUFFIX = /\.(?:tpl|j2|tmpl)$/i;

/** The dialect a path stands for, or undefined. */
export function classifyKeyValuePath(path: string): Dialect | undefined {
  const parts = path.replace(/\\/g, '/').split('/');
  const name = (parts[parts.length - 1] ?? '').replace(TEMPLATE_SUFFIX, '');
  const dir = parts.length >= 2 ? parts[parts.length - 2] : '';
  const up = parts.length >= 3 ? parts[parts.length - 3] : '';
  if (name.startsWith('.')) return undefined;
  if ((dir === 'sysctl.d' && /^[^/]+\.conf$/.test(name)) || name === 'sysctl.conf') return 'sysctl';
  if (name === 'update.conf' && (dir === 'flatcar' || dir === 'coreos')) return 'env';
  if (up === 'zincati' && dir === 'config.d' && name.endsWith('.toml')) return 'toml';
  return undefined;
}

function significant(text: string): string[] {
  return text
    .slice(0, 4096)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';') && !/^(?:\{[%#{]|<%)/.test(l));
}

/** Bottlerocket user data: TOML whose first table header is `[settings]` / `[settings.x]`, followed by `key = value`. */
export function sniffBottlerocket(text: string): boolean {
  const sig = significant(text);
  return sig.length >= 2 && /^\[settings(?:\.[A-Za-z0-9_."-]+)?\]$/.test(sig[0]) && /^[A-Za-z0-9_"-][A-Za-z0-9_."-]*\s*=/.test(sig[1]);
}

function looksLike(dialect: Dialect, head: string): boolean {
  const sig = significant(head);
  if (!sig.length) return true;
  if (dialect === 'toml') return /^\[/.test(sig[0]) || /^[A-Za-z0-9_"-][A-Za-z0-9_."-]*\s*=/.test(sig[0]);
  if (dialect === 'env') return /^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=/.test(sig[0]);
  return /^-?[A-Za-z0-9_*][A-Za-z0-9_.*/:-]*\s*=/.test(sig[0]);
}

export const keyValueScanner: Scanner = {
  name: 'keyvalue',
  formats: ['keyvalue'],

  detect(input: DetectInput) {
    const d = classifyKeyValuePath(input.path);
    if (d) return looksLike(d, input.head) ? 'keyvalue' : undefined;
    if (/\.toml(?:\.(?:tpl|j2|tmpl))?$/i.test(input.path) && sniffBottlerocket(input.head)) return 'keyvalue';
    return undefined;
  },

  detectEmbedded(_targetPath: string | undefined, text: string) {
    return sniffBottlerocket(text) ? 'keyvalue' : undefined;
  },

  parse(input: ParseInput, ctx: ParseContext): Document[] {
    const namePath = input.origin ? input.origin.targetPath : input.map.file;
    const dialect: Dialect = (namePath ? classifyKeyValuePath(namePath) : undefined) ?? 'toml';
    const model: KeyValueModel = parseKeyValueText(input.text, input.map, dialect, limitDiagnostics(ctx));
    return [newDocument('keyvalue', input, ctx, model)];
  },
};

export default keyValueScanner;
