/**
 * Folds of node configuration beyond apt and networkd, over a node image's virtual file system:
 * sysctl.d, NetworkManager.conf + conf.d, Zincati config.d, Flatcar update.conf, and the package
 * hold-backs of auto-update channels. Each fold reads files the way the owning program does
 * (directory precedence, lexical order, last assignment wins) and keeps the location of every
 * decisive line. Pure; must not import rules.
 */
import type { DocumentOf, KeyValueEntry, UnitEntry } from '../model.js';
import type { Loc } from '../source.js';
import { aptList, globToRegExp, type NodeImage, type VFile } from './node-image.js';

function basename(p: string): string {
  return p.split('/').filter(Boolean).pop() ?? p;
}

/**
 * Drop-in directories folded the systemd way: files from every directory sorted by basename, a
 * basename in an earlier directory of `dirs` (higher precedence) hiding the same name in later ones.
 */
export function dropIns(files: Map<string, VFile>, dirs: readonly string[], suffix: string): VFile[] {
  const byName = new Map<string, VFile>();
  for (const dir of [...dirs].reverse()) {
    for (const [p, f] of files) {
      if (!p.startsWith(dir) || p.slice(dir.length).includes('/') || !p.endsWith(suffix)) continue;
      byName.set(basename(p), f);
    }
  }
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f);
}

function kvDoc(f: VFile | undefined, dialect: 'sysctl' | 'env' | 'toml'): DocumentOf<'keyvalue'> | undefined {
  return f?.doc?.format === 'keyvalue' && f.doc.model.dialect === dialect && !f.edits?.length ? f.doc : undefined;
}

// ---------------------------------------------------------------------------------------------
// CNI interfaces

/** Sample interfaces each CNI creates, with their link type (for NetworkManager `type:` specs). */
export const CNI_INTERFACES: Record<string, { name: string; type: string }[]> = {
  Cilium: [
    { name: 'lxc1a2b3c4d5e6', type: 'veth' },
    { name: 'lxc_health', type: 'veth' },
    { name: 'cilium_host', type: 'veth' },
    { name: 'cilium_net', type: 'veth' },
    { name: 'cilium_vxlan', type: 'vxlan' },
  ],
  Calico: [
    { name: 'cali1a2b3c4d5e6', type: 'veth' },
    { name: 'tunl0', type: 'ipip' },
    { name: 'vxlan.calico', type: 'vxlan' },
  ],
  'AWS VPC CNI': [
    { name: 'eni1a2b3c4d5e6', type: 'veth' },
    { name: 'vlan.eth.1', type: 'vlan' },
  ],
  Flannel: [
    { name: 'flannel.1', type: 'vxlan' },
    { name: 'cni0', type: 'bridge' },
    { name: 'veth1a2b3c4', type: 'veth' },
  ],
  Antrea: [
    { name: 'antrea-gw0', type: 'openvswitch' },
    { name: 'veth1a2b3c4', type: 'veth' },
  ],
  'kube-router': [
    { name: 'kube-bridge', type: 'bridge' },
    { name: 'veth1a2b3c4', type: 'veth' },
  ],
  'Weave Net': [
    { name: 'weave', type: 'bridge' },
    { name: 'vethwe-bridge', type: 'veth' },
  ],
};

export function cniInterfaces(cni: string): { name: string; type: string }[] {
  return CNI_INTERFACES[cni] ?? [{ name: 'veth1a2b3c4', type: 'veth' }];
}

// ---------------------------------------------------------------------------------------------
// sysctl

export interface SysctlSetting {
  /** Key with `/` separators turned into `.` (sysctl.d(5)). */
  key: string;
  value: string;
  entry: KeyValueEntry;
  /** Node path of the file. */
  file: string;
}

/** Dot form of a sysctl key: `net/ipv4/conf/all/rp_filter` → `net.ipv4.conf.all.rp_filter`. */
export function sysctlKey(key: string): string {
  const k = key.trim();
  const firstSep = /[./]/.exec(k)?.[0];
  return firstSep === '/' ? k.replace(/\./g, '\u0000').replace(/\//g, '.').replace(/\u0000/g, '/') : k;
}

const SYSCTL_DIRS = ['/etc/sysctl.d/', '/run/sysctl.d/', '/usr/local/lib/sysctl.d/', '/usr/lib/sysctl.d/', '/lib/sysctl.d/'];

/** Every sysctl assignment in the order systemd-sysctl applies them (sysctl.d by name, then /etc/sysctl.conf). */
export function sysctlAssignments(files: Map<string, VFile>): SysctlSetting[] {
  const out: SysctlSetting[] = [];
  const ordered = dropIns(files, SYSCTL_DIRS, '.conf');
  const main = files.get('/etc/sysctl.conf');
  if (main) ordered.push(main);
  for (const f of ordered) {
    const doc = kvDoc(f, 'sysctl');
    if (!doc) continue;
    for (const e of doc.model.entries) out.push({ key: sysctlKey(e.key), value: e.value, entry: e, file: f.path });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// NetworkManager

export interface NmUnmanaged {
  /** Device specs that leave devices unmanaged (from unmanaged-devices and [device*] managed=0). */
  specs: { spec: string; loc: Loc }[];
  /** The last `unmanaged-devices=` assignment, if any. */
  assignment?: UnitEntry;
  /** NetworkManager configuration files of the image, in read order. */
  files: VFile[];
}

const NM_DIRS = ['/etc/NetworkManager/conf.d/', '/run/NetworkManager/conf.d/', '/usr/lib/NetworkManager/conf.d/'];

/** NetworkManager.conf(5): NetworkManager.conf, then conf.d files by name; `key+=`/`key-=` edit lists. */
export function networkManagerUnmanaged(files: Map<string, VFile>): NmUnmanaged {
  const ordered: VFile[] = [];
  const main = files.get('/etc/NetworkManager/NetworkManager.conf');
  if (main) ordered.push(main);
  ordered.push(...dropIns(files, NM_DIRS, '.conf'));
  let specs: { spec: string; loc: Loc }[] = [];
  let assignment: UnitEntry | undefined;
  const deviceSpecs: { spec: string; loc: Loc }[] = [];
  const split = (v: string, loc: Loc) =>
    v
      .split(/[;,]/)
      .map((s) => s.trim())
      .filter(Boolean)
      .map((spec) => ({ spec, loc }));
  for (const f of ordered) {
    if (f.doc?.format !== 'networkmanager') continue;
    for (const s of f.doc.model.sections) {
      if (s.name === 'keyfile') {
        for (const e of s.entries) {
          const k = e.key.replace(/\s+/g, '');
          if (k === 'unmanaged-devices') {
            specs = split(e.value, e.loc);
            assignment = e;
          } else if (k === 'unmanaged-devices+') {
            specs.push(...split(e.value, e.loc));
            assignment = e;
          } else if (k === 'unmanaged-devices-') {
            const drop = new Set(split(e.value, e.loc).map((x) => x.spec));
            specs = specs.filter((x) => !drop.has(x.spec));
          }
        }
      } else if (/^device(?:-|$)/.test(s.name)) {
        const match = [...s.entries].reverse().find((e) => e.key === 'match-device');
        const managed = [...s.entries].reverse().find((e) => e.key === 'managed');
        if (match && managed && ['0', 'false', 'no', 'off'].includes(managed.value.toLowerCase())) deviceSpecs.push(...split(match.value, match.loc));
      }
    }
  }
  return { specs: [...specs, ...deviceSpecs], assignment, files: ordered.filter((f) => f.doc?.format === 'networkmanager') };
}

/** Whether NetworkManager device specs (`interface-name:lxc*`, `type:veth`, `*`) cover an interface. */
export function nmSpecCovers(specs: readonly string[], iface: { name: string; type: string }): boolean {
  if (specs.some((s) => s.startsWith('except:'))) {
    // "except:" inverts a match; we do not guess at combined specs
    return specs.filter((s) => !s.startsWith('except:')).some((s) => nmSpecCovers([s], iface));
  }
  for (const raw of specs) {
    const s = raw.trim();
    if (s === '*') return true;
    const m = /^(interface-name|type|driver|mac|s390-subchannels|cidr|dhcp-plugin):(.*)$/.exec(s);
    if (!m) {
      // a bare spec is an interface name (legacy) or a MAC address
      if (globToRegExp(s).test(iface.name)) return true;
      continue;
    }
    const val = m[2].replace(/^[=~]/, '');
    if (m[1] === 'interface-name') {
      const re = m[2].startsWith('~') ? new RegExp(globToRegExp(val).source, 'i') : m[2].startsWith('=') ? new RegExp(`^${val.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : globToRegExp(val);
      if (re.test(iface.name)) return true;
    } else if (m[1] === 'type' && globToRegExp(val).test(iface.type)) return true;
  }
  return false;
}

/** Evidence that NetworkManager runs on the image's nodes. */
export function networkManagerEvidence(img: NodeImage): { loc?: Loc; why: string } | undefined {
  const nm = networkManagerUnmanaged(img.files);
  const conf = nm.files.find((f) => f.doc);
  if (conf?.doc?.format === 'networkmanager') return { loc: conf.doc.model.sections[0]?.nameLoc ?? conf.doc.loc, why: `${conf.path} configures it` };
  for (const p of ['NetworkManager', 'network-manager']) {
    const st = img.packages.get(p);
    if (st?.state === 'installed') return { loc: st.loc, why: `the image installs ${p}` };
    if (st) return undefined;
  }
  const u = img.units.get('NetworkManager.service')?.at(-1);
  if (u && (u.verb === 'enable' || u.verb === 'start' || u.verb === 'restart')) return { loc: u.loc, why: 'the image enables NetworkManager.service' };
  if (img.os && ['rhel', 'fedora'].includes(img.os.distro)) return { loc: img.os.evidence, why: `the ${img.os.distro === 'rhel' ? 'RHEL-family' : 'Fedora'} base image runs it by default` };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Zincati and Flatcar

export interface TomlSetting {
  value: string;
  entry: KeyValueEntry;
  file: string;
}

const ZINCATI_DIRS = ['/etc/zincati/config.d/', '/run/zincati/config.d/', '/usr/lib/zincati/config.d/'];

/** Zincati's `[updates]` settings after folding config.d drop-ins (by name, /etc over /usr/lib). */
export function zincatiUpdates(files: Map<string, VFile>): { strategy?: TomlSetting; enabled?: TomlSetting; windows: TomlSetting[]; baseUrl?: TomlSetting; files: VFile[] } {
  const ordered = dropIns(files, ZINCATI_DIRS, '.toml');
  const out: ReturnType<typeof zincatiUpdates> = { windows: [], files: ordered };
  for (const f of ordered) {
    const doc = kvDoc(f, 'toml');
    if (!doc) continue;
    for (const e of doc.model.entries) {
      const full = e.table ? `${e.table}.${e.key}` : e.key;
      const s = { value: e.value, entry: e, file: f.path };
      if (full === 'updates.strategy') out.strategy = s;
      else if (full === 'updates.enabled') out.enabled = s;
      else if (full === 'updates.fleet_lock.base_url') out.baseUrl = s;
      else if (full.startsWith('updates.periodic.window.')) out.windows.push(s);
    }
  }
  return out;
}

const FLATCAR_UPDATE_CONF = ['/usr/share/flatcar/update.conf', '/etc/coreos/update.conf', '/etc/flatcar/update.conf'];

/** `REBOOT_STRATEGY` (and reboot window) from update.conf, /etc over /usr/share, last assignment wins. */
export function flatcarRebootStrategy(files: Map<string, VFile>): { strategy?: TomlSetting; window?: TomlSetting; files: VFile[] } {
  const out: ReturnType<typeof flatcarRebootStrategy> = { files: [] };
  for (const p of FLATCAR_UPDATE_CONF) {
    const f = files.get(p);
    const doc = kvDoc(f, 'env');
    if (!f || !doc) continue;
    out.files.push(f);
    for (const e of doc.model.entries) {
      if (e.key === 'REBOOT_STRATEGY') out.strategy = { value: e.value, entry: e, file: p };
      if (e.key === 'LOCKSMITHD_REBOOT_WINDOW_START') out.window = { value: e.value, entry: e, file: p };
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Package hold-backs

/** How a package is kept out of automatic updates on an image, or undefined. */
export function heldBack(img: NodeImage, pkg: string): { how: string; loc?: Loc } | undefined {
  for (const a of aptList(img.apt, 'Unattended-Upgrade::Package-Blacklist')) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${a.value})`);
    } catch {
      re = new RegExp(`^${a.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    }
    if (re.test(pkg)) return { how: `Unattended-Upgrade::Package-Blacklist "${a.value}"`, loc: a.loc };
  }
  for (const d of img.documents) {
    if (d.format !== 'shell') continue;
    for (const c of d.model.commands) {
      const words = c.argv.slice(1).map((w) => w.value ?? '');
      if (c.name === 'apt-mark' && words[0] === 'hold' && words.slice(1).includes(pkg)) return { how: `apt-mark hold ${pkg}`, loc: c.loc };
      if ((c.name === 'dnf' || c.name === 'yum') && words.includes('versionlock') && words.some((w) => w === pkg || w.startsWith(`${pkg}-`))) return { how: `${c.name} versionlock ${pkg}`, loc: c.loc };
    }
  }
  for (const p of ['/etc/dnf/dnf.conf', '/etc/yum.conf', '/etc/dnf/automatic.conf']) {
    const f = img.files.get(p);
    const m = f?.text ? [...f.text.matchAll(/^\s*(exclude|excludepkgs)\s*=\s*(.*)$/gm)].pop() : undefined;
    if (m && m[2].split(/[\s,]+/).some((g) => g && globToRegExp(g).test(pkg))) return { how: `${m[1]}= in ${p}`, loc: f?.stock ? undefined : (f?.edits?.at(-1) ?? f?.loc) };
  }
  return undefined;
}
