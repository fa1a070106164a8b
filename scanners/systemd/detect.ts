/**
 * Recognising systemd units, unit drop-ins and systemd-networkd files by path and content.
 */
import type { Format } from '../../engine/model.js';
import { isTemplateLine } from './parse.js';

export const UNIT_TYPES = ['service', 'socket', 'timer', 'path', 'mount', 'automount', 'target', 'slice', 'swap'] as const;

const UNIT_NAME = new RegExp(`^[^/]+\\.(?:${UNIT_TYPES.join('|')})$`);
const NETWORKD_NAME = /^[^/]+\.(?:network|netdev|link)$/;
/** Template suffixes we look through (`eks.network.j2`, `kubelet.service.tpl`). */
const TEMPLATE_SUFFIX = /\.(?:tpl|j2|tmpl)$/;

export interface SystemdPathInfo {
  format: 'systemd-unit' | 'networkd' | 'networkmanager';
  /** File name, template suffix removed (`apt-daily-upgrade.timer`, `override.conf`). */
  unitName: string;
  /** For drop-ins: the unit or configuration file the drop-in extends. */
  dropInFor?: string;
  /**
   * True when the name alone is strong evidence (`*.service`, `*.network`, `networkd.conf`):
   * such files may be empty or comment-only. Drop-in `*.conf` files are weak evidence and must
   * start with a section header.
   */
  strong: boolean;
}

export function classifySystemdPath(path: string): SystemdPathInfo | undefined {
  const parts = path.replace(/\\/g, '/').split('/');
  const base = parts[parts.length - 1] ?? '';
  const dir = parts.length >= 2 ? parts[parts.length - 2] : '';
  const name = base.replace(TEMPLATE_SUFFIX, '');
  if (UNIT_NAME.test(name)) return { format: 'systemd-unit', unitName: name, strong: true };
  // NetworkManager(8) reads NetworkManager.conf, then conf.d/*.conf (GLib key files: the same INI syntax)
  if (name === 'NetworkManager.conf') return { format: 'networkmanager', unitName: name, strong: true };
  if (name.endsWith('.conf') && name.length > 5 && dir === 'conf.d' && parts[parts.length - 3] === 'NetworkManager') {
    return { format: 'networkmanager', unitName: name, dropInFor: 'NetworkManager.conf', strong: false };
  }
  if (NETWORKD_NAME.test(name)) return { format: 'networkd', unitName: name, strong: true };
  if (name === 'networkd.conf') return { format: 'networkd', unitName: name, strong: true };
  if (name.endsWith('.conf') && name.length > 5 && dir.endsWith('.d') && dir.length > 2) {
    const owner = dir.slice(0, -2);
    if (owner === 'networkd.conf' || NETWORKD_NAME.test(owner)) {
      return { format: 'networkd', unitName: name, dropInFor: owner, strong: false };
    }
    // `foo.service.d`, `foo@.service.d`, `foo-.service.d` (prefix drop-ins) and `service.d` (all services)
    if (UNIT_NAME.test(owner) || (UNIT_TYPES as readonly string[]).includes(owner)) {
      return { format: 'systemd-unit', unitName: name, dropInFor: owner, strong: false };
    }
  }
  return undefined;
}

/** First line that is not blank, a comment or a template directive (trimmed), or undefined. */
function firstSignificantLine(text: string): string | undefined {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (const raw of t.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || isTemplateLine(line)) continue;
    return line;
  }
  return undefined;
}

/**
 * True when the head of a file starts like systemd INI syntax (`[Section]` before anything else).
 * With `strong` (the name is evidence enough), an empty or comment-only head passes, and so does
 * a malformed first header (`[Unit`) so that its error gets reported.
 */
export function looksLikeIni(head: string, strong: boolean): boolean {
  const first = firstSignificantLine(head);
  if (first === undefined) return strong;
  if (strong) return first.startsWith('[');
  return first.length >= 2 && first.startsWith('[') && first.endsWith(']');
}

const UNIT_SECTIONS = new Set(['Unit', 'Install', 'Service', 'Socket', 'Timer', 'Path', 'Mount', 'Automount', 'Swap', 'Slice', 'Scope']);
const NETWORKD_SECTIONS = new Set(['Match', 'Network', 'NetDev', 'Link', 'Address', 'Route', 'DHCPv4', 'DHCPv6', 'DHCPServer']);

/**
 * Content sniffing for embedded text with no telling path: the first section must be a known
 * systemd section and an assignment must follow.
 */
export function sniffSystemd(text: string): Format | undefined {
  const head = text.slice(0, 4096);
  const first = firstSignificantLine(head);
  if (!first || !first.startsWith('[') || !first.endsWith(']')) return undefined;
  const name = first.slice(1, -1);
  if (!/^\s*[A-Za-z][A-Za-z0-9-]*\s*=/m.test(head)) return undefined;
  if (UNIT_SECTIONS.has(name)) return 'systemd-unit';
  if (NETWORKD_SECTIONS.has(name)) return 'networkd';
  return undefined;
}
