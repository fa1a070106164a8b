/**
 * The effective node configuration: what each node image will contain and how the OS will read it.
 *
 * A node image is a Packer build, a Dockerfile, a Terraform resource's `user_data` layered on the
 * image it boots (a "layer"), or — for configuration nobody builds into an image in this scan — a
 * loose root file (an apt.conf fragment, a cloud-config, a script scanned alone).
 *
 * For each image we replay every write attributed to it, in the order the build applies them,
 * into a virtual file system (`files`: node path → content document and the chain of locations
 * that put it there): Packer file provisioners, `mv`/`cp`/`install`, heredocs, `tee`, redirects,
 * simple `sed -i s///`, `rm`, cloud-init `write_files`, Dockerfile `COPY` of recognised files,
 * overlay trees. `systemctl enable|disable|mask|unmask` and package installs/purges update unit and
 * package state. Then we fold it the way the OS does (apt.conf.d in lexical order, last assignment
 * wins; networkd.conf then networkd.conf.d/*.conf), on top of the base OS defaults we know
 * (Ubuntu cloud images ship unattended-upgrades on). The base OS is inferred from the AMI filter,
 * image family, ISO URL or `FROM`; when nothing says, it is `undefined` (unknown), and callers must
 * say "unknown" rather than guess.
 *
 * Pure over the ScanModel; memoised per scan. Must not import rules.
 */
import {
  get,
  isSeq,
  items,
  str,
  stringItems,
  type Document,
  type DocumentOf,
  type Expr,
  type HclBlock,
  type ShellCommand,
  type UnitModel,
  type Value,
} from '../model.js';
import { listFirstPerKey, type RelatedLocation } from '../rule-api.js';
import type { ScanModel } from '../scan-model.js';
import { positionAt, type Loc } from '../source.js';
import { RegionResolver, type RegionAttribution } from './regions.js';
import { kubernetesFacts } from './kubernetes.js';
import { CNI_TF_TYPES } from './terraform-modules.js';
import { attr, attrStr, bootsOn, globToRegExp, ImageNameIndex, imageNameMatches, imageRefsOf, launchesOfDoc, PACKER_IMAGE_NAME_ATTRS, resourceCloud, sourceClouds, type Launch } from './image-names.js';

export { globToRegExp, imageNameMatches, type Launch };

/** A Terraform module directory's root documents, from the scan. */
function terraformDocsOf(scan: ScanModel): (dir: string) => DocumentOf<'terraform'>[] {
  return (dir) => scan.moduleDocs('terraform', dir);
}

/** The image references of a root Terraform document's resources (`launchesOfDoc`, with the scan's module directories). */
export function launchesOf(scan: ScanModel, doc: DocumentOf<'terraform'>): Launch[] {
  return launchesOfDoc(terraformDocsOf(scan), doc);
}

// ---------------------------------------------------------------------------------------------
// Public types

export interface EffectiveTimer {
  unit: string;
  service: string;
  /** After folding drop-ins and empty resets; loc undefined for stock defaults. */
  onCalendar: { expr: string; loc?: Loc }[];
  randomizedDelaySec?: { value: string; loc?: Loc };
  fixedRandomDelay?: { value: string; loc?: Loc };
  accuracySec?: { value: string; loc?: Loc };
  persistent?: { value: string; loc?: Loc };
  action: 'install' | 'reboot' | 'download' | 'other';
  enabled: boolean;
  /** An OS default not written in the repo. */
  stock: boolean;
  /** Where the image's decision lives. */
  evidence: Loc;
}

export interface OsInfo {
  distro: 'ubuntu' | 'debian' | 'amazon-linux' | 'flatcar' | 'fedora-coreos' | 'bottlerocket' | 'rhel' | 'fedora' | string;
  version?: string;
  systemd?: number;
  /** systemd-networkd manages the network (and deletes foreign routes on restart). */
  networkd?: boolean;
  evidence?: Loc;
  /** The text the OS was inferred from ("ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"). */
  from?: string;
}

/** One file of the virtual file system. */
export interface VFile {
  path: string;
  /** Parsed content, when recognised. */
  doc?: Document;
  /** Raw content when known (content document text, stock text, after `sed`). */
  text?: string;
  /** The step that put the content at this path (a write, a `mv`, a `write_files` entry...). */
  loc?: Loc;
  /** Earlier steps of the chain, oldest first (the file provisioner before the `mv`...). */
  chain: Loc[];
  /** OS default, not written in the repo. */
  stock?: boolean;
  /** `sed -i` edits we applied to `text` but could not apply to the parsed `doc`. */
  edits?: Loc[];
  /** Image id of the layer that wrote it. */
  layer: string;
}

export interface UnitAction {
  verb: 'enable' | 'disable' | 'mask' | 'unmask' | 'stop' | 'start' | 'restart' | 'reload';
  now: boolean;
  loc: Loc;
}

export interface PackageState {
  state: 'installed' | 'removed' | 'purged';
  loc?: Loc;
  stock?: boolean;
}

/** An apt assignment with its origin (stock assignments have no loc). */
export interface AptAssign {
  key: string;
  value: string;
  listItem: boolean;
  clear?: boolean;
  /** Node path of the file it is in. */
  file: string;
  loc?: Loc;
}

export interface Setting {
  value: string;
  loc?: Loc;
  stock?: boolean;
}

export interface ChannelVerdict {
  state: 'enabled' | 'disabled' | 'unknown';
  /** Plain words, for messages: why (not) enabled. */
  reason: string;
  /** The location that decides it (the assignment that turns it on, the mask, the purge...). */
  decisive?: Loc;
  /** Supporting evidence (package install, chain of moves...). */
  related: { loc: Loc; message: string }[];
  packagePresent: 'yes' | 'no' | 'unknown';
  unattendedUpgrade?: Setting;
  periodicEnable?: Setting;
}

export interface NetworkdSettings {
  manageForeignRoutes?: Setting;
  manageForeignRoutingPolicyRules?: Setting;
  /** Files of the fold, in order (node paths). */
  files: string[];
}

export type NodeImageKind = 'packer' | 'dockerfile' | 'layer' | 'imagebuilder' | 'file';

export interface NodeImage {
  id: string;
  name: string;
  /** The Packer source/build header, the last `FROM`, a Terraform resource header, a loose file: where image-level fixes belong. */
  loc: Loc;
  /** The whole block/document (for resource-wide suppressions). */
  blockLoc: Loc;
  kind: NodeImageKind;
  /** For layers: the image they boot, when linked. */
  base?: string;
  /** Names this image is known by (ami_name, image family, build name...). */
  names: string[];
  /** undefined = unknown. */
  os?: OsInfo;
  regions: RegionAttribution[];
  /** Fleet-map clusters the image runs in. */
  clusters: string[];
  /** Terraform resources that launch this image. */
  consumers: { resource: string; loc: Loc; regions: RegionAttribution[] }[];
  timers: EffectiveTimer[];
  files: Map<string, VFile>;
  packages: Map<string, PackageState>;
  units: Map<string, UnitAction[]>;
  /** Root files whose content this image contains (for not reporting them twice). */
  claimedFiles: Set<string>;
  /** Documents whose writes were replayed into this image. */
  documents: Document[];
  apt: AptAssign[];
  unattendedUpgrades: ChannelVerdict;
  networkd: NetworkdSettings;
  /** `fleet.images.<name>.cni`: used by `cniFor` when no CNI evidence of the scan is linked to the image. */
  fleetCni?: CniEvidence;
}

// ---------------------------------------------------------------------------------------------
// OS inference

const UBUNTU_CODENAMES: Record<string, string> = { xenial: '16.04', bionic: '18.04', focal: '20.04', jammy: '22.04', noble: '24.04', oracular: '24.10', plucky: '25.04' };
const DEBIAN_CODENAMES: Record<string, string> = { stretch: '9', buster: '10', bullseye: '11', bookworm: '12', trixie: '13' };
const UBUNTU_SYSTEMD: Record<string, number> = { '16.04': 229, '18.04': 237, '20.04': 245, '22.04': 249, '24.04': 255, '24.10': 256, '25.04': 257 };
const DEBIAN_SYSTEMD: Record<string, number> = { '9': 232, '10': 241, '11': 247, '12': 252, '13': 257 };

/** Infer the OS from an image reference (AMI name filter, image family, ISO URL, `FROM`). */
export function osFromText(text: string, evidence?: Loc): OsInfo | undefined {
  const s = text.toLowerCase();
  const mk = (o: Omit<OsInfo, 'evidence' | 'from' | 'networkd'>): OsInfo => ({ ...o, networkd: networkdBased(o), evidence, from: text });
  if (/ubuntu/.test(s)) {
    const v = /(\d{2})[._-]?(04|10)(?!\d)/.exec(s);
    // EC2 Image Builder managed images: `ubuntu-server-22-lts-x86`
    const lts = /ubuntu[a-z-]*-(\d{2})-lts/.exec(s);
    let version = v ? `${v[1]}.${v[2]}` : lts && Number(lts[1]) % 2 === 0 ? `${lts[1]}.04` : undefined;
    if (!version) for (const [c, ver] of Object.entries(UBUNTU_CODENAMES)) if (s.includes(c)) version = ver;
    return mk({ distro: 'ubuntu', version, systemd: version ? UBUNTU_SYSTEMD[version] : undefined });
  }
  for (const [c, ver] of Object.entries(UBUNTU_CODENAMES)) if (new RegExp(`\\b${c}\\b`).test(s)) return mk({ distro: 'ubuntu', version: ver, systemd: UBUNTU_SYSTEMD[ver] });
  if (/debian/.test(s)) {
    const v = /debian[^0-9]{0,3}(\d{1,2})(?!\d)/.exec(s);
    let version = v ? v[1] : undefined;
    if (!version) for (const [c, ver] of Object.entries(DEBIAN_CODENAMES)) if (s.includes(c)) version = ver;
    return mk({ distro: 'debian', version, systemd: version ? DEBIAN_SYSTEMD[version] : undefined });
  }
  for (const [c, ver] of Object.entries(DEBIAN_CODENAMES)) if (new RegExp(`\\b${c}\\b`).test(s)) return mk({ distro: 'debian', version: ver, systemd: DEBIAN_SYSTEMD[ver] });
  if (/al2023|amazon[- ]?linux[- ]?2023/.test(s)) return mk({ distro: 'amazon-linux', version: '2023', systemd: 252 });
  if (/amzn2|amazon[- ]?linux[- ]?2\b|amazon-eks-node-1/.test(s)) return mk({ distro: 'amazon-linux', version: '2', systemd: 219 });
  if (/flatcar/.test(s)) return mk({ distro: 'flatcar' });
  if (/fedora-coreos|fcos/.test(s)) return mk({ distro: 'fedora-coreos' });
  if (/bottlerocket/.test(s)) return mk({ distro: 'bottlerocket' });
  if (/\b(rhel|rocky|almalinux|centos)\b/.test(s)) return mk({ distro: 'rhel' });
  return undefined;
}

/**
 * Whether systemd-networkd manages the network and deletes foreign routes/rules on restart:
 * Ubuntu ≥ 22.04, Debian ≥ 12, AL2023, Flatcar, or any systemd ≥ 246. undefined = unknown.
 */
export function networkdBased(os: { distro: string; version?: string; systemd?: number }): boolean | undefined {
  const v = os.version ? Number.parseFloat(os.version) : undefined;
  switch (os.distro) {
    case 'ubuntu':
      return v === undefined ? undefined : v >= 22.04;
    case 'debian':
      return v === undefined ? undefined : v >= 12;
    case 'amazon-linux':
      return v === undefined ? undefined : v >= 2023;
    case 'flatcar':
      return true;
    case 'fedora-coreos':
    case 'rhel':
    case 'bottlerocket':
      return false;
  }
  return os.systemd === undefined ? undefined : os.systemd >= 246;
}

// ---------------------------------------------------------------------------------------------
// Small pure helpers

function within(inner: Loc, outer: Loc): boolean {
  return inner.file === outer.file && inner.start >= outer.start && inner.end <= outer.end;
}

/** `source "amazon-ebs" "node"`: the block's first line, type through last label. */
function headerLoc(b: HclBlock): Loc {
  const last = b.labelLocs[b.labelLocs.length - 1];
  return { file: b.typeLoc.file, start: b.typeLoc.start, end: last ? last.end : b.typeLoc.end };
}

/** Every string in a value tree. */
function strings(v: Value | undefined, out: { text: string; loc: Loc }[] = []): { text: string; loc: Loc }[] {
  if (!v) return out;
  if (v.kind === 'scalar' && typeof v.value === 'string') out.push({ text: v.value, loc: v.loc });
  else if (v.kind === 'map') for (const e of v.entries) strings(e.value, out);
  else if (v.kind === 'seq') for (const i of v.items) strings(i, out);
  return out;
}

function blockStrings(block: HclBlock, out: { text: string; loc: Loc }[] = []): { text: string; loc: Loc }[] {
  for (const a of block.body.attributes) if (a.value) strings(a.value, out);
  for (const b of block.body.blocks) blockStrings(b, out);
  return out;
}

/** apt's StringToBool, and numbers for intervals ("0" off, any other number on). */
export function aptTruthy(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (/^[+-]?\d+$/.test(v)) return Number.parseInt(v, 10) !== 0;
  if (['no', 'false', 'without', 'off', 'disable', 'never'].includes(v)) return false;
  if (['yes', 'true', 'with', 'on', 'enable', 'always'].includes(v)) return true;
  if (/^\d+[smhdw]$/.test(v)) return Number.parseInt(v, 10) !== 0;
  return undefined;
}

/** Whether apt reads a file of this name from apt.conf.d (no extension or `.conf`; [A-Za-z0-9_:.-]). */
export function aptReadsName(base: string): boolean {
  if (base.startsWith('.')) return false;
  const dot = base.lastIndexOf('.');
  if (dot >= 0 && base.slice(dot + 1) !== 'conf') return false;
  return /^[A-Za-z0-9_:.-]+$/.test(base);
}

/** The last non-empty segment of a path (the path itself when it has none). */
function basename(p: string): string {
  let end = p.length;
  while (end > 0 && p[end - 1] === '/') end--;
  return end > 0 ? p.slice(p.lastIndexOf('/', end - 1) + 1, end) : p;
}

function normUnit(u: string): string {
  return /\.(service|socket|timer|path|mount|automount|target|slice|swap|scope)$/.test(u) ? u : `${u}.service`;
}

/** Network-related CNI check words live in rules; this is what every fold needs. */
export const APT_DAILY_UPGRADE = 'apt-daily-upgrade.timer';
export const APT_DAILY = 'apt-daily.timer';

// ---------------------------------------------------------------------------------------------
// Stock content of the OSes we know

const UBUNTU_20AUTO = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n';
const STOCK_TIMERS: Record<string, { service: string; onCalendar: string[]; randomizedDelaySec: string; persistent: string; action: EffectiveTimer['action'] }> = {
  [APT_DAILY_UPGRADE]: { service: 'apt-daily-upgrade.service', onCalendar: ['*-*-* 6:00'], randomizedDelaySec: '60m', persistent: 'true', action: 'install' },
  [APT_DAILY]: { service: 'apt-daily.service', onCalendar: ['*-*-* 6,18:00'], randomizedDelaySec: '12h', persistent: 'true', action: 'download' },
  'dnf-automatic.timer': { service: 'dnf-automatic.service', onCalendar: ['*-*-* 6:00'], randomizedDelaySec: '60m', persistent: 'true', action: 'download' },
  'dnf-automatic-install.timer': { service: 'dnf-automatic-install.service', onCalendar: ['*-*-* 6:00'], randomizedDelaySec: '60m', persistent: 'true', action: 'install' },
};
const DNF_AUTOMATIC_CONF = '[commands]\nupgrade_type = default\napply_updates = no\n';
/** yum-cron's shipped /etc/yum/yum-cron.conf: downloads updates, does not apply them. */
const YUM_CRON_CONF = '[commands]\nupdate_cmd = default\ndownload_updates = yes\napply_updates = no\n';
/** Stock configuration files that sed edits in image builds start from. */
const STOCK_CONFIGS: Record<string, string> = { '/etc/dnf/automatic.conf': DNF_AUTOMATIC_CONF, '/etc/yum/yum-cron.conf': YUM_CRON_CONF };

// ---------------------------------------------------------------------------------------------
// Building images

const PACKAGE_MANAGERS = new Set(['apt-get', 'apt', 'aptitude', 'dnf', 'yum', 'microdnf', 'zypper', 'apk']);
/** Commands other than package managers whose effect on an image `Builder.command` folds in. */
const COMMANDS_READ = new Set(['systemctl', 'ln', 'rm', 'sed', 'dpkg']);

class Builder {
  readonly files = new Map<string, VFile>();
  readonly packages = new Map<string, PackageState>();
  readonly units = new Map<string, UnitAction[]>();
  readonly claimed = new Set<string>();
  readonly documents: Document[] = [];

  constructor(
    readonly scan: ScanModel,
    readonly layer: string,
  ) {}

  clone(layer: string): Builder {
    const b = new Builder(this.scan, layer);
    for (const [k, v] of this.files) b.files.set(k, { ...v, chain: [...v.chain] });
    for (const [k, v] of this.packages) b.packages.set(k, { ...v });
    for (const [k, v] of this.units) b.units.set(k, [...v]);
    return b;
  }

  write(path: string, f: Omit<VFile, 'path' | 'layer' | 'chain'> & { chain?: Loc[] }): void {
    this.files.set(path, { path, layer: this.layer, chain: f.chain ?? [], ...f });
  }

  claim(doc: Document): void {
    this.claimed.add(doc.file);
    this.documents.push(doc);
  }

  /** Replay a document that is executed or applied on the node (and its children). */
  apply(doc: Document): void {
    this.claim(doc);
    if (doc.format === 'shell') return this.applyShell(doc);
    if (doc.format === 'cloud-config') this.applyCloudConfig(doc);
    const kids = this.scan.children(doc).slice();
    const rank = (d: Document) => (d.origin?.via === 'bootcmd' ? 0 : d.origin?.via === 'write-files' ? 1 : 2);
    kids.sort((a, b) => rank(a) - rank(b) || (a.origin?.loc.start ?? 0) - (b.origin?.loc.start ?? 0));
    for (const k of kids) this.applyChild(k);
  }

  /** A child document: content written to a path, or something executed. */
  applyChild(k: Document): void {
    if (k.origin?.targetPath && k.format !== 'shell') {
      this.claim(k);
      this.write(k.origin.targetPath, { doc: k, text: k.text, loc: k.origin.loc });
      return;
    }
    if (k.origin?.targetPath && k.format === 'shell' && k.origin.via !== 'shell-c' && k.origin.via !== 'packer-script' && k.origin.via !== 'packer-inline') {
      // a script written to a path is a file, not something run now
      this.claim(k);
      this.write(k.origin.targetPath, { doc: k, text: k.text, loc: k.origin.loc });
      return;
    }
    this.apply(k);
  }

  applyCloudConfig(doc: DocumentOf<'cloud-config'>): void {
    for (const p of isSeq(get(doc.model.root, 'packages')) ? (get(doc.model.root, 'packages') as { items: Value[] }).items : []) {
      const name = str(p) ?? (isSeq(p) ? str(p.items[0]) : undefined);
      if (name) this.packages.set(name, { state: 'installed', loc: p.loc });
    }
  }

  applyShell(doc: DocumentOf<'shell'>): void {
    // commands, file writes and nested scripts, replayed in source order (a command before a write
    // at the same offset, a nested script between them); events are plain records, not closures,
    // because every script of the fleet goes through here
    const EV_COMMAND = 0;
    const EV_WRITE = 1;
    const EV_SCRIPT = 2;
    type Ev = { start: number; kind: number; i: number };
    const { commands, writes } = doc.model;
    const kids = this.scan.children(doc);
    const evs: Ev[] = [];
    for (let i = 0; i < commands.length; i++) evs.push({ start: commands[i].loc.start, kind: EV_COMMAND, i });
    for (let i = 0; i < writes.length; i++) evs.push({ start: writes[i].loc.start + 0.5, kind: EV_WRITE, i });
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i];
      if (k.format === 'shell' && !k.origin?.targetPath) evs.push({ start: k.origin!.loc.start + 0.25, kind: EV_SCRIPT, i });
    }
    evs.sort((a, b) => a.start - b.start);
    for (const e of evs) {
      if (e.kind === EV_COMMAND) this.command(commands[e.i]);
      else if (e.kind === EV_SCRIPT) this.apply(kids[e.i]);
      else this.replayWrite(writes[e.i]);
    }
  }

  /** A file write a script makes: copy, move, install, or content written (`>`, `>>`, tee, heredoc). */
  private replayWrite(w: DocumentOf<'shell'>['model']['writes'][number]): void {
    if (w.via === 'copy' || w.via === 'move' || w.via === 'install') {
      const src = w.from && w.from.startsWith('/') ? this.files.get(w.from) : undefined;
      if (src) {
        this.write(w.path, { doc: src.doc, text: src.text, loc: w.loc, chain: [...src.chain, ...(src.loc ? [src.loc] : [])], edits: src.edits });
        if (w.via === 'move') this.files.delete(w.from!);
      } else this.write(w.path, { loc: w.loc });
    } else if (w.via === 'sed') {
      // handled by the `sed` command, which knows the script
    } else {
      const content = w.contentDocId ? this.scan.document(w.contentDocId) : undefined;
      if (content) this.claim(content);
      const prev = this.files.get(w.path);
      if (w.mode === 'append' && prev) {
        this.write(w.path, { ...prev, text: prev.text !== undefined && content ? prev.text + content.text : undefined, edits: [...(prev.edits ?? []), w.loc] });
      } else this.write(w.path, { doc: content, text: content?.text, loc: w.loc });
    }
  }

  command(c: ShellCommand): void {
    const name = c.name;
    if (!name || !(COMMANDS_READ.has(name) || PACKAGE_MANAGERS.has(name))) return;
    const args = c.argv.slice(1).map((w) => w.value);
    if (name === 'systemctl') {
      const words = args.filter((a): a is string => a !== undefined);
      const now = words.includes('--now');
      const rest = words.filter((a) => !a.startsWith('-'));
      const verb = rest[0] as UnitAction['verb'] | undefined;
      if (!verb || !['enable', 'disable', 'mask', 'unmask', 'stop', 'start', 'restart', 'reload'].includes(verb)) return;
      for (const u of rest.slice(1)) {
        const unit = normUnit(u);
        const list = this.units.get(unit) ?? [];
        list.push({ verb, now, loc: c.loc });
        this.units.set(unit, list);
      }
      return;
    }
    if (name === 'ln') {
      const words = args.filter((a): a is string => a !== undefined && !a.startsWith('-'));
      if (words.length === 2 && words[0] === '/dev/null' && /^\/etc\/systemd\/system\/[^/]+$/.test(words[1])) {
        const unit = basename(words[1]);
        const list = this.units.get(unit) ?? [];
        list.push({ verb: 'mask', now: false, loc: c.loc });
        this.units.set(unit, list);
      }
      return;
    }
    if (name === 'rm') {
      for (const a of args) if (a && a.startsWith('/') && !a.includes('*')) this.files.delete(a);
      else if (a && a.startsWith('/') && a.includes('*')) {
        const re = globToRegExp(a);
        for (const k of [...this.files.keys()]) if (re.test(k)) this.files.delete(k);
      }
      return;
    }
    if (name === 'sed') return this.sed(c, args);
    const pm = packageOp(name, args);
    if (pm) for (const p of pm.packages) this.packages.set(p, { state: pm.state, loc: c.loc });
  }

  sed(c: ShellCommand, args: (string | undefined)[]): void {
    if (!args.some((a) => a && /^-[a-zA-Z]*i/.test(a)) && !args.includes('--in-place')) return;
    const scripts: string[] = [];
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === undefined) return; // dynamic: undecidable
      if (a === '-e' || a === '--expression') scripts.push(args[++i] ?? '');
      else if (a.startsWith('-')) continue;
      else if (!scripts.length && !files.length && !args.includes('-e')) scripts.push(a);
      else files.push(a);
    }
    for (const f of files) {
      if (!f.startsWith('/')) continue;
      let cur = this.files.get(f);
      if (!cur && STOCK_CONFIGS[f] !== undefined) cur = { path: f, text: STOCK_CONFIGS[f], chain: [], stock: true, layer: this.layer };
      if (!cur) {
        this.write(f, { loc: c.loc, edits: [c.loc] });
        continue;
      }
      let text = cur.text;
      for (const s of scripts) text = text === undefined ? undefined : applySed(text, s);
      this.files.set(f, { ...cur, text, stock: false, loc: cur.loc ?? c.loc, edits: [...(cur.edits ?? []), c.loc], layer: this.layer });
    }
  }
}

/** Apply a simple `s/re/rep/[g]` sed script; undefined when the script is beyond that. */
export function applySed(text: string, script: string): string | undefined {
  const m = /^s(.)(.*?)\1(.*?)\1([gI]*)$/s.exec(script.trim());
  if (!m) return undefined;
  let re: RegExp;
  try {
    // basic regular expressions: \( \) \{ \} \+ \? \| are the operators; bare ones are literals
    const src = m[2].replace(/\\([(){}+?|])|([(){}+?|])/g, (_x, esc: string | undefined, lit: string | undefined) => (esc ? esc : `\\${lit}`));
    re = new RegExp(src, `m${m[4].includes('g') ? 'g' : ''}${m[4].includes('I') ? 'i' : ''}`);
  } catch {
    return undefined;
  }
  const rep = m[3].replace(/\\(\d)/g, '$$$1').replace(/&/g, '$$&');
  return text.replace(re, rep);
}

/** Package installs/removals by package managers. */
export function packageOp(name: string, args: (string | undefined)[]): { state: PackageState['state']; packages: string[] } | undefined {
  // most commands of a script are neither: answer before building word lists for them
  if (name !== 'dpkg' && !PACKAGE_MANAGERS.has(name)) return undefined;
  const words = args.filter((a): a is string => a !== undefined);
  const nonOpt = words.filter((a) => !a.startsWith('-'));
  const clean = (p: string) => p.replace(/[=:].*$/, '').replace(/\+$/, '');
  if (PACKAGE_MANAGERS.has(name)) {
    const verb = nonOpt[0];
    const pkgs = nonOpt.slice(1).map(clean).filter((p) => /^[a-z0-9][a-z0-9+.-]*$/i.test(p));
    if (['install', 'add', 'in'].includes(verb)) return { state: 'installed', packages: pkgs };
    if (verb === 'purge' || (verb === 'remove' && words.includes('--purge'))) return { state: 'purged', packages: pkgs };
    if (['remove', 'erase', 'autoremove', 'del', 'rm'].includes(verb)) return { state: 'removed', packages: pkgs };
    return undefined;
  }
  if (name === 'dpkg') {
    const i = words.findIndex((w) => ['-P', '--purge', '-r', '--remove'].includes(w));
    if (i < 0) return undefined;
    return { state: words[i] === '-P' || words[i] === '--purge' ? 'purged' : 'removed', packages: words.slice(i + 1).filter((w) => !w.startsWith('-')).map(clean) };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Folds

/** apt's configuration as apt reads it: apt.conf.d/* in lexical order, then apt.conf. */
export function aptAssignments(files: Map<string, VFile>): AptAssign[] {
  const paths = [...files.keys()]
    .filter((p) => p.startsWith('/etc/apt/apt.conf.d/') && p.split('/').length === 5 && aptReadsName(basename(p)))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (files.has('/etc/apt/apt.conf')) paths.push('/etc/apt/apt.conf');
  const out: AptAssign[] = [];
  for (const p of paths) {
    const f = files.get(p)!;
    if (f.doc?.format === 'apt-conf' && !f.edits?.length) {
      for (const it of f.doc.model.items) {
        if (it.t === 'set') out.push({ key: it.key, value: it.value, listItem: it.listItem, file: p, loc: it.loc });
        else if (it.t === 'clear') out.push({ key: it.key, value: '', listItem: false, clear: true, file: p, loc: it.loc });
      }
    } else if (f.text !== undefined && (f.stock || f.edits?.length)) {
      // stock content, or content edited by sed: read `Key "value";` lines
      for (const m of f.text.matchAll(/^\s*([A-Za-z0-9:_-]+)\s+"([^"]*)"\s*;/gm)) out.push({ key: m[1], value: m[2], listItem: false, file: p, loc: f.stock ? undefined : (f.edits?.[f.edits.length - 1] ?? f.loc) });
    }
  }
  return out;
}

export function aptValue(assigns: readonly AptAssign[], key: string): AptAssign | undefined {
  const k = key.toLowerCase();
  let found: AptAssign | undefined;
  for (const a of assigns) {
    const ak = a.key.toLowerCase();
    if (a.clear && (k === ak || k.startsWith(`${ak}::`))) found = undefined;
    else if (!a.clear && !a.listItem && ak === k) found = a;
  }
  return found;
}

export function aptList(assigns: readonly AptAssign[], key: string): AptAssign[] {
  const k = key.toLowerCase();
  let out: AptAssign[] = [];
  for (const a of assigns) {
    const ak = a.key.toLowerCase();
    if (a.clear && (k === ak || k.startsWith(`${ak}::`))) out = [];
    else if (!a.clear && a.listItem && ak === k) out.push(a);
  }
  return out;
}

function unitModelsFor(files: Map<string, VFile>, unit: string): { model: UnitModel; path: string }[] {
  const out: { model: UnitModel; path: string }[] = [];
  const main = files.get(`/etc/systemd/system/${unit}`) ?? files.get(`/lib/systemd/system/${unit}`) ?? files.get(`/usr/lib/systemd/system/${unit}`);
  if (main?.doc && (main.doc.format === 'systemd-unit' || main.doc.format === 'networkd')) out.push({ model: main.doc.model, path: main.path });
  const dropDirs = [`/usr/lib/systemd/system/${unit}.d/`, `/lib/systemd/system/${unit}.d/`, `/etc/systemd/system/${unit}.d/`, `/run/systemd/system/${unit}.d/`];
  const drops = [...files.values()].filter((f) => dropDirs.some((d) => f.path.startsWith(d)) && f.path.endsWith('.conf'));
  drops.sort((a, b) => (basename(a.path) < basename(b.path) ? -1 : 1));
  for (const d of drops) if (d.doc && (d.doc.format === 'systemd-unit' || d.doc.format === 'networkd')) out.push({ model: d.doc.model, path: d.path });
  return out;
}

/** networkd.conf then networkd.conf.d/*.conf (by name), [Network] section, last assignment wins. */
export function networkdSettings(files: Map<string, VFile>): NetworkdSettings {
  const paths: string[] = [];
  for (const base of ['/etc/systemd/networkd.conf', '/usr/lib/systemd/networkd.conf']) if (files.has(base)) paths.push(base);
  const drops = [...files.keys()].filter((p) => /^\/(etc|run|usr\/lib|lib)\/systemd\/networkd\.conf\.d\/[^/]+\.conf$/.test(p));
  drops.sort((a, b) => (basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : 0));
  paths.push(...drops);
  const out: NetworkdSettings = { files: paths };
  for (const p of paths) {
    const f = files.get(p)!;
    if (f.doc && (f.doc.format === 'networkd' || f.doc.format === 'systemd-unit')) {
      for (const s of f.doc.model.sections)
        if (s.name === 'Network')
          for (const e of s.entries) {
            if (e.key === 'ManageForeignRoutes') out.manageForeignRoutes = { value: e.value, loc: e.loc };
            if (e.key === 'ManageForeignRoutingPolicyRules') out.manageForeignRoutingPolicyRules = { value: e.value, loc: e.loc };
          }
    } else if (f.text !== undefined) {
      const loc = f.edits?.[f.edits.length - 1] ?? f.loc;
      for (const m of f.text.matchAll(/^\s*(ManageForeignRoutes|ManageForeignRoutingPolicyRules)\s*=\s*(\S*)/gm)) {
        if (m[1] === 'ManageForeignRoutes') out.manageForeignRoutes = { value: m[2], loc };
        else out.manageForeignRoutingPolicyRules = { value: m[2], loc };
      }
    }
  }
  return out;
}

/** Effective enablement of a unit after systemctl actions (undefined = no action in the repo). */
export function unitState(units: Map<string, UnitAction[]>, unit: string): { state: 'enabled' | 'disabled' | 'masked'; loc: Loc } | undefined {
  let st: { state: 'enabled' | 'disabled' | 'masked'; loc: Loc } | undefined;
  for (const a of units.get(unit) ?? []) {
    if (a.verb === 'enable') st = { state: 'enabled', loc: a.loc };
    else if (a.verb === 'disable') st = { state: 'disabled', loc: a.loc };
    else if (a.verb === 'mask') st = { state: 'masked', loc: a.loc };
    else if (a.verb === 'unmask' && st?.state === 'masked') st = undefined;
  }
  return st;
}

// ---------------------------------------------------------------------------------------------
// Verdicts

function verdictOf(img: { os?: OsInfo; kind: NodeImageKind; loc: Loc }, b: Builder, apt: AptAssign[]): ChannelVerdict {
  const related: ChannelVerdict['related'] = [];
  const pkg = b.packages.get('unattended-upgrades');
  let packagePresent: ChannelVerdict['packagePresent'] = 'unknown';
  if (pkg?.state === 'installed') {
    packagePresent = 'yes';
    if (pkg.loc) related.push({ loc: pkg.loc, message: 'installs unattended-upgrades' });
  } else if (pkg) packagePresent = 'no';
  else if (img.os?.distro === 'ubuntu') packagePresent = 'yes';
  else if (img.os) packagePresent = img.os.distro === 'debian' ? 'unknown' : 'no';

  const uuA = aptValue(apt, 'APT::Periodic::Unattended-Upgrade');
  const enA = aptValue(apt, 'APT::Periodic::Enable');
  const uu: Setting | undefined = uuA ? { value: uuA.value, loc: uuA.loc, stock: !uuA.loc } : undefined;
  const en: Setting | undefined = enA ? { value: enA.value, loc: enA.loc, stock: !enA.loc } : undefined;
  // literals rather than spreading one shared object: every image gets a verdict, and V8 copies a
  // spread source generically each time
  type State = ChannelVerdict['state'];
  const undecided = (state: State, reason: string): ChannelVerdict => ({ related, packagePresent, unattendedUpgrade: uu, periodicEnable: en, state, reason });
  const decided = (state: State, reason: string, decisive: Loc | undefined): ChannelVerdict => ({ related, packagePresent, unattendedUpgrade: uu, periodicEnable: en, state, reason, decisive });

  if (packagePresent === 'no' && pkg) return decided('disabled', `unattended-upgrades is ${pkg.state}`, pkg.loc);
  if (!uu) return undecided(packagePresent === 'no' ? 'disabled' : 'unknown', 'APT::Periodic::Unattended-Upgrade is not set (apt treats it as 0)');
  if (aptTruthy(uu.value) === false) return decided('disabled', `APT::Periodic::Unattended-Upgrade is "${uu.value}"`, uu.loc);
  if (en && aptTruthy(en.value) === false) return decided('disabled', `APT::Periodic::Enable is "${en.value}"`, en.loc);
  for (const u of [APT_DAILY_UPGRADE, 'apt-daily-upgrade.service']) {
    const st = unitState(b.units, u);
    if (st && st.state !== 'enabled') return decided('disabled', `${u} is ${st.state}`, st.loc);
  }
  if (packagePresent === 'no') return undecided('disabled', 'the unattended-upgrades package is not part of this OS');
  if (!uu.loc && packagePresent !== 'yes') return undecided('unknown', 'package presence unknown');
  const why = uu.loc ? `APT::Periodic::Unattended-Upgrade is "${uu.value}"` : `the ${img.os?.distro ?? ''} ${img.os?.version ?? ''} base image ships APT::Periodic::Unattended-Upgrade "1"`.replace(/\s+/g, ' ');
  return decided('enabled', why, uu.loc ?? pkg?.loc);
}

function timerAction(service: string, b: Builder): EffectiveTimer['action'] {
  const svc = unitModelsFor(b.files, service);
  const execs = svc.flatMap((m) => m.model.sections.filter((s) => s.name === 'Service').flatMap((s) => s.entries.filter((e) => e.key === 'ExecStart').map((e) => e.value)));
  const t = execs.join('\n');
  if (/unattended-upgrade|apt\.systemd\.daily\s+install|apt(-get)?\s+(-\S+\s+)*(dist-|full-)?upgrade|dnf(-automatic)?\s.*(upgrade|--installupdates)|yum\s+(-\S+\s+)*update/.test(t)) return 'install';
  if (/\breboot\b|shutdown\s+-r|systemctl\s+(kexec|reboot)/.test(t)) return 'reboot';
  if (/apt\.systemd\.daily\s+update|--downloadupdates|apt(-get)?\s+update/.test(t)) return 'download';
  return 'other';
}

function foldTimer(unit: string, b: Builder, stock: (typeof STOCK_TIMERS)[string] | undefined, action: EffectiveTimer['action'], evidence: Loc): EffectiveTimer | undefined {
  const models = unitModelsFor(b.files, unit);
  if (!stock && !models.length) return undefined;
  let onCalendar: EffectiveTimer['onCalendar'] = stock ? stock.onCalendar.map((expr) => ({ expr })) : [];
  const single: Record<string, { value: string; loc?: Loc } | undefined> = {
    RandomizedDelaySec: stock ? { value: stock.randomizedDelaySec } : undefined,
    FixedRandomDelay: undefined,
    AccuracySec: undefined,
    Persistent: stock ? { value: stock.persistent } : undefined,
  };
  let service = stock?.service ?? unit.replace(/\.timer$/, '.service');
  for (const { model } of models)
    for (const s of model.sections)
      if (s.name === 'Timer')
        for (const e of s.entries) {
          if (e.key === 'OnCalendar') onCalendar = e.value === '' ? [] : [...onCalendar, { expr: e.value, loc: e.loc }];
          else if (e.key in single) single[e.key] = e.value === '' ? undefined : { value: e.value, loc: e.loc };
          else if (e.key === 'Unit' && e.value) service = e.value;
        }
  const st = unitState(b.units, unit);
  const svcSt = unitState(b.units, service);
  const enabled = st ? st.state === 'enabled' && svcSt?.state !== 'masked' : !!stock && svcSt?.state !== 'masked';
  return {
    unit,
    service,
    onCalendar,
    randomizedDelaySec: single.RandomizedDelaySec,
    fixedRandomDelay: single.FixedRandomDelay,
    accuracySec: single.AccuracySec,
    persistent: single.Persistent,
    action: stock ? action : timerAction(service, b),
    enabled,
    stock: !models.length,
    evidence: st?.loc ?? models[models.length - 1]?.model.sections[0]?.loc ?? evidence,
  };
}

/** dnf-automatic: installed, and its effective `apply_updates`. */
/** An update agent's package and its `apply_updates` setting (its shipped config unless the image changes it). */
function updateAgent(img: NodeImage, pkgName: string, confPath: string): { installed: boolean; installLoc?: Loc; applyUpdates?: Setting } {
  const pkg = img.packages.get(pkgName);
  const f = img.files.get(confPath);
  let applyUpdates: Setting | undefined;
  const text = f?.text ?? (pkg?.state === 'installed' ? STOCK_CONFIGS[confPath] : undefined);
  if (text !== undefined) {
    const m = [...text.matchAll(/^\s*apply_updates\s*=\s*(\S+)/gm)].pop();
    if (m) applyUpdates = { value: m[1], loc: f && !f.stock ? (f.edits?.[f.edits.length - 1] ?? f.loc) : undefined, stock: !f || f.stock };
  }
  return { installed: pkg?.state === 'installed', installLoc: pkg?.loc, applyUpdates };
}

export function dnfAutomatic(img: NodeImage): { installed: boolean; installLoc?: Loc; applyUpdates?: Setting } {
  return updateAgent(img, 'dnf-automatic', '/etc/dnf/automatic.conf');
}

/** yum-cron (EL7): runs daily once its service is enabled; applies updates only with `apply_updates = yes`. */
export function yumCron(img: NodeImage): { installed: boolean; installLoc?: Loc; applyUpdates?: Setting } {
  return updateAgent(img, 'yum-cron', '/etc/yum/yum-cron.conf');
}

function timersOf(img: { os?: OsInfo; loc: Loc }, b: Builder, verdict: ChannelVerdict): EffectiveTimer[] {
  const out: EffectiveTimer[] = [];
  const debianFamily = img.os?.distro === 'ubuntu' || img.os?.distro === 'debian' || b.packages.get('unattended-upgrades')?.state === 'installed';
  const ev = verdict.decisive ?? img.loc;
  if (debianFamily || verdict.unattendedUpgrade?.loc) {
    const up = foldTimer(APT_DAILY_UPGRADE, b, STOCK_TIMERS[APT_DAILY_UPGRADE], verdict.state === 'enabled' ? 'install' : 'other', ev);
    if (up) out.push(up);
    const dl = foldTimer(APT_DAILY, b, STOCK_TIMERS[APT_DAILY], 'download', ev);
    if (dl) out.push(dl);
  }
  if (b.packages.get('dnf-automatic')?.state === 'installed') {
    const conf = b.files.get('/etc/dnf/automatic.conf')?.text ?? DNF_AUTOMATIC_CONF;
    const apply = /^\s*apply_updates\s*=\s*(yes|true|1|on)\b/m.test(conf);
    for (const t of ['dnf-automatic.timer', 'dnf-automatic-install.timer']) {
      const timer = foldTimer(t, b, STOCK_TIMERS[t], t === 'dnf-automatic.timer' ? (apply ? 'install' : 'download') : 'install', b.packages.get('dnf-automatic')?.loc ?? img.loc);
      if (timer) out.push({ ...timer, enabled: unitState(b.units, t)?.state === 'enabled' });
    }
  }
  const known = new Set(out.map((t) => t.unit));
  for (const p of b.files.keys()) {
    const m = /^\/(?:etc|lib|usr\/lib)\/systemd\/system\/([^/]+\.timer)$/.exec(p);
    if (m && !known.has(m[1])) {
      known.add(m[1]);
      const t = foldTimer(m[1], b, undefined, 'other', img.loc);
      if (t) out.push(t);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Discovery

interface Proto {
  id: string;
  name: string;
  loc: Loc;
  blockLoc?: Loc;
  kind: NodeImageKind;
  names: string[];
  /**
   * The clouds whose machines can boot the image (`PACKER_BUILDER_CLOUDS`); undefined when that is
   * not known (a builder that writes a disk file, which may be imported anywhere).
   */
  clouds?: ReadonlySet<string>;
  os?: OsInfo;
  base?: string;
  builder: Builder;
  regions: RegionAttribution[];
  clusters: string[];
  consumers: NodeImage['consumers'];
}

const OS_ATTRS = ['source_ami_filter', 'source_ami', 'source_image_family', 'source_image', 'iso_url', 'iso_urls', 'image_offer', 'image_sku', 'image_publisher', 'image', 'source_image_name', 'base_image'];

function packerImages(scan: ScanModel, regions: RegionResolver): Proto[] {
  const out: Proto[] = [];
  for (const doc of scan.ofFormat('packer')) {
    if (doc.origin || doc.model.syntax === 'tfvars') continue;
    const dirSources = scan
      .moduleDocs('packer', doc.model.moduleDir)
      .flatMap((d) => d.model.body.blocks.filter((b) => b.type === 'source'));
    for (const build of doc.model.body.blocks.filter((b) => b.type === 'build')) {
      const srcAttr = attr(build, 'sources');
      const srcRefs = stringItems(srcAttr?.value);
      // a legacy JSON template's `build {}` (its `provisioners`) applies to every builder of the template
      // in the order the build lists them (the first is where image-level findings go), wherever
      // in the template's directory each is written
      const refOf = (s: HclBlock) => `source.${s.labels[0]}.${s.labels[1]}`;
      const sources = srcAttr
        ? dirSources.filter((s) => srcRefs.includes(refOf(s))).sort((a, b) => srcRefs.indexOf(refOf(a)) - srcRefs.indexOf(refOf(b)))
        : doc.model.body.blocks.filter((b) => b.type === 'source');
      const names: string[] = [];
      for (const s of sources) for (const n of PACKER_IMAGE_NAME_ATTRS) { const v = attrStr(s, n); if (v) names.push(v); }
      const bname = attrStr(build, 'name');
      if (bname) names.push(bname);
      let os: OsInfo | undefined;
      for (const s of sources) {
        for (const a of s.body.attributes.filter((x) => OS_ATTRS.includes(x.name))) for (const t of strings(a.value)) os ??= osFromText(t.text, t.loc);
        for (const blk of s.body.blocks.filter((x) => OS_ATTRS.includes(x.type))) for (const t of blockStrings(blk)) os ??= osFromText(t.text, t.loc);
      }
      const primary = sources[0];
      const name = names[0] ?? bname ?? (primary ? primary.labels.join('.') : basename(doc.model.moduleDir));
      os ??= fleetOs(scan, names, name);
      const b = new Builder(scan, `${doc.id}:${build.loc.start}`);
      seedStock(b, os);
      b.claim(doc);
      const regs: RegionAttribution[] = [];
      for (const s of sources) {
        const a = attr(s, 'ami_regions');
        for (const r of stringItems(a?.value)) regs.push({ region: regions.fleetName(r, 'aws'), provider: 'aws', providerRegion: r, how: 'image-regions', loc: a?.value?.loc });
      }
      const head = primary ?? build;
      out.push({
        id: `packer:${doc.file}:${build.labels[0] ?? name}:${build.loc.start}`,
        name,
        loc: headerLoc(head),
        blockLoc: head.loc,
        kind: 'packer',
        names,
        clouds: sourceClouds(sources),
        os,
        builder: b,
        regions: regs,
        clusters: [],
        consumers: [],
      });
      // provisioners in order
      const kids = scan.children(doc).filter((k) => within(k.origin!.loc, build.loc));
      const refs = (doc.model.references ?? []).filter((r) => r.kind === 'packer-file' && within(r.loc, build.loc));
      type Step = { start: number; run: () => void };
      const steps: Step[] = kids.map((k) => ({ start: k.origin!.loc.start, run: () => b.applyChild(k) }));
      for (const r of refs) {
        const hasDoc = kids.some((k) => k.origin?.via === 'packer-file' && k.file === r.path);
        if (hasDoc || !r.destination) continue;
        steps.push({
          start: r.loc.start,
          run: () => {
            const rootDoc = scan.documents.find((d) => !d.origin && d.file === r.path);
            if (rootDoc) {
              b.claim(rootDoc);
              b.write(r.destination!, { doc: rootDoc, text: rootDoc.text, loc: r.loc });
            } else {
              // a directory (overlay tree) or an unrecognised file
              const dir = r.path.replace(/\/+$/, '');
              const under = scan.documents.filter((d) => !d.origin && d.file.startsWith(`${dir}/`));
              for (const d of under) {
                b.claim(d);
                const dest = `${r.destination!.replace(/\/+$/, '')}/${d.file.slice(dir.length + 1)}`;
                b.write(dest, { doc: d, text: d.text, loc: r.loc });
              }
              if (!under.length) b.write(r.destination!, { loc: r.loc });
            }
          },
        });
      }
      steps.sort((x, y) => x.start - y.start);
      for (const s of steps) s.run();
    }
  }
  return out;
}

function dockerImages(scan: ScanModel, regions: RegionResolver): Proto[] {
  return scan
    .ofFormat('dockerfile')
    .filter((d) => !d.origin)
    .map((doc) => {
      const from = doc.model.stages[doc.model.stages.length - 1];
      const b = new Builder(scan, doc.id);
      b.apply(doc);
      return {
        id: `dockerfile:${doc.file}`,
        name: doc.file,
        loc: from?.loc ?? doc.loc,
        kind: 'dockerfile' as const,
        names: [],
        os: (from ? osFromText(from.image, from.loc) : undefined) ?? fleetOs(scan, [], doc.file),
        builder: b,
        regions: regions.regionsOfPath(doc.file),
        clusters: [],
        consumers: [],
      };
    });
}


function terraformConsumersAndLayers(scan: ScanModel, regions: RegionResolver, images: Proto[]): Proto[] {
  const layers: Proto[] = [];
  const byName = new ImageNameIndex(images);
  // A popular family has thousands of images and every module of every region launches it: the
  // images a set of references matches is looked up once per distinct set, and the launching
  // resources are collected per matched set, not pushed onto each of its images (which made this
  // grow with images × launchers). Each image then gets its consumers in launch order, as one array
  // shared with every image matched by the same sets.
  const matched = new Map<string, Proto[]>();
  type Consumer = NodeImage['consumers'][number];
  const launchers = new Map<Proto[], Consumer[]>();
  const order = new Map<Consumer, number>();
  const moduleDocs = terraformDocsOf(scan);
  for (const doc of scan.ofFormat('terraform')) {
    if (doc.origin) continue;
    const kids = scan.children(doc);
    for (const block of doc.model.body.blocks.filter((b) => b.type === 'resource')) {
      const refs = imageRefsOf(moduleDocs, doc, block);
      const resource = block.labels.join('.');
      let bases: Proto[] = [];
      if (refs.length) {
        const names = refs.map((r) => r.ref);
        const cloud = resourceCloud(block.labels[0] ?? '');
        const key = `${cloud ?? ''}\u0000${names.join('\u0000')}`;
        bases = matched.get(key) ?? matched.set(key, byName.match(names).filter((img) => bootsOn(img, cloud))).get(key)!;
      }
      const userData = kids.filter((k) => within(k.origin!.loc, block.loc) && (k.origin!.via === 'terraform-user-data' || k.format === 'cloud-config' || k.format === 'mime-multipart'));
      // most resources neither launch an image nor carry user data: resolve regions only for those that do
      if (!bases.length && !userData.length) continue;
      const regs = regions.regionsOf(doc, block);
      if (bases.length) {
        // one consumer object shared by every image it launches
        const consumer = { resource, loc: block.loc, regions: regs };
        order.set(consumer, order.size);
        (launchers.get(bases) ?? launchers.set(bases, []).get(bases)!).push(consumer);
      }
      if (!userData.length) continue;
      const base = bases[0];
      const b = base ? base.builder.clone(`layer:${resource}`) : new Builder(scan, `layer:${resource}`);
      let os = base?.os;
      if (!os) for (const r of refs) os ??= osFromText(r.ref, r.loc);
      os ??= fleetOs(scan, [], resource);
      if (!base) seedStock(b, os);
      b.claim(doc);
      for (const k of userData) b.apply(k);
      layers.push({ id: `layer:${doc.file}:${resource}`, name: resource, loc: headerLoc(block), blockLoc: block.loc, kind: 'layer', names: [], os, base: base?.id, builder: b, regions: regs, clusters: [], consumers: [] });
    }
  }
  // an image matched by one set shares that set's list; by several, their lists merged in launch order
  const lists = new Map<Proto, Consumer[][]>();
  for (const [bases, consumers] of launchers) for (const img of bases) (lists.get(img) ?? lists.set(img, []).get(img)!).push(consumers);
  for (const [img, ls] of lists) {
    img.consumers = ls.length === 1 ? ls[0] : ls.flat().sort((a, b) => order.get(a)! - order.get(b)!);
  }
  return layers;
}

/** Node path a loose root file stands for. */
function loosePath(doc: Document): string | undefined {
  const i = doc.file.indexOf('/etc/');
  if (i >= 0) return doc.file.slice(i).replace(/\.(j2|tpl|tmpl|jinja2?|erb)$/, '');
  const base = basename(doc.file).replace(/\.(j2|tpl|tmpl|jinja2?|erb)$/, '');
  if (doc.file.startsWith('etc/')) return `/${doc.file}`;
  if (doc.format === 'apt-conf') return base === 'apt.conf' ? '/etc/apt/apt.conf' : `/etc/apt/apt.conf.d/${base}`;
  if (doc.format === 'networkmanager') return doc.model.dropInFor ? `/etc/NetworkManager/conf.d/${base}` : '/etc/NetworkManager/NetworkManager.conf';
  if (doc.format === 'keyvalue') {
    const parts = doc.file.split('/');
    const dir = parts[parts.length - 2] ?? '';
    if (doc.model.dialect === 'sysctl') return base === 'sysctl.conf' ? '/etc/sysctl.conf' : `/etc/sysctl.d/${base}`;
    if (doc.model.dialect === 'env') return `/etc/${dir}/update.conf`;
    return parts[parts.length - 3] === 'zincati' ? `/etc/zincati/config.d/${base}` : undefined;
  }
  if (doc.format === 'networkd' || doc.format === 'systemd-unit') {
    const m = doc.model as UnitModel;
    const dir = doc.format === 'networkd' ? (m.dropInFor === 'networkd.conf' ? '/etc/systemd/networkd.conf.d' : base === 'networkd.conf' ? '/etc/systemd' : '/etc/systemd/network') : '/etc/systemd/system';
    return m.dropInFor && m.dropInFor !== 'networkd.conf' ? `${dir}/${m.dropInFor}.d/${base}` : `${dir}/${base}`;
  }
  return undefined;
}

/** Every reference (`aws_imagebuilder_component.x.arn`) in an expression. */
function exprRefs(e: Expr | undefined, out: string[] = []): string[] {
  if (!e) return out;
  switch (e.t) {
    case 'ref':
      out.push(e.text);
      break;
    case 'template':
      for (const p of e.parts) exprRefs(p, out);
      break;
    case 'call':
      for (const a of e.args) exprRefs(a, out);
      break;
    case 'tuple':
      for (const i of e.items) exprRefs(i, out);
      break;
    case 'object':
      for (const x of e.entries) exprRefs(x.value, out);
      break;
    case 'binary':
      exprRefs(e.left, out);
      exprRefs(e.right, out);
      break;
    case 'unary':
      exprRefs(e.operand, out);
      break;
    case 'conditional':
      exprRefs(e.then, out);
      exprRefs(e.else, out);
      break;
    case 'index':
      exprRefs(e.target, out);
      break;
  }
  return out;
}

/** The Terraform resources the EC2 Image Builder images are linked through: components, then recipes. */
export const IMAGE_BUILDER_TF_TYPES = ['aws_imagebuilder_component', 'aws_imagebuilder_image_recipe'] as const;

/**
 * EC2 Image Builder: each component document (AWSTOE YAML) is an image — its build and validate
 * phases run on the build instance (the `test` phase runs on a separate test instance and is not
 * replayed). The base OS is the `parent_image` of the Terraform `aws_imagebuilder_image_recipe`s
 * that use the component (linked through an `aws_imagebuilder_component` whose `data` reads the
 * file, whose `uri` ends in its name, or whose `name` is the document's `name`; recipes name
 * components by reference or by ARN). Recipes that disagree on the OS, or none: unknown. When the
 * parent image is an image of this scan (a Packer AMI...), the component is a layer on top of it.
 */
function imageBuilderImages(scan: ScanModel, regions: RegionResolver, bases: Proto[]): Proto[] {
  const out: Proto[] = [];
  const byName = new ImageNameIndex(bases);
  const tf = scan
    .ofFormat('terraform')
    .filter((d) => !d.origin)
    .flatMap((doc) => doc.model.body.blocks.filter((b) => b.type === 'resource').map((block) => ({ doc, block })));
  const [componentType, recipeType] = IMAGE_BUILDER_TF_TYPES;
  const components = tf.filter((r) => r.block.labels[0] === componentType);
  const recipes = tf.filter((r) => r.block.labels[0] === recipeType);
  for (const doc of scan.ofFormat('imagebuilder')) {
    if (doc.origin) continue;
    const nameNode = get(doc.model.root, 'name');
    const docName = str(nameNode);
    const linked = components.filter(({ doc: d, block }) => {
      if ((d.model.references ?? []).some((r) => (r.kind === 'file' || r.kind === 'templatefile') && r.path === doc.file && within(r.loc, block.loc))) return true;
      const uri = attrStr(block, 'uri');
      if (uri && uri.endsWith(`/${basename(doc.file)}`)) return true;
      return !!docName && attrStr(block, 'name') === docName;
    });
    const names = [...new Set([docName, ...linked.map((c) => attrStr(c.block, 'name'))].filter((n): n is string => !!n))];
    const addrs = linked.map((c) => `aws_imagebuilder_component.${c.block.labels[1]}.`);
    const usedBy = recipes.filter(({ block }) =>
      block.body.blocks
        .filter((c) => c.type === 'component')
        .some((c) => {
          const a = attr(c, 'component_arn');
          if (!a) return false;
          if (exprRefs(a.expr).some((t) => addrs.some((x) => `${t}.`.startsWith(x)))) return true;
          const arn = /:component\/([^/]+)\//.exec(str(a.value) ?? '');
          return !!arn && names.some((n) => n.toLowerCase() === arn[1].toLowerCase());
        }),
    );
    const regs: RegionAttribution[] = [...regions.regionsOfPath(doc.file)];
    const oses: OsInfo[] = [];
    const baseIds = new Set<string>();
    let base: Proto | undefined;
    const consumers: NodeImage['consumers'] = [];
    for (const { doc: rd, block } of usedBy) {
      const rr = regions.regionsOf(rd, block);
      regs.push(...rr);
      consumers.push({ resource: block.labels.join('.'), loc: block.loc, regions: rr });
      const refs = imageRefsOf(terraformDocsOf(scan), rd, block);
      const bs = byName.match(refs.map((r) => r.ref)).filter((img) => bootsOn(img, 'aws'));
      for (const x of bs) baseIds.add(x.id);
      base ??= bs[0];
      let os = bs[0]?.os;
      if (!os) for (const r of refs) os ??= osFromText(r.ref, r.loc);
      if (os) oses.push(os);
    }
    const distinct = new Set(oses.map((o) => `${o.distro}/${o.version ?? '?'}`));
    const name = names[0] ?? doc.file;
    let os = distinct.size === 1 && oses.length === usedBy.length ? oses[0] : undefined;
    if (!usedBy.length) os = undefined;
    os ??= fleetOs(scan, names, name);
    if (baseIds.size !== 1) base = undefined;
    const b = base ? base.builder.clone(`imagebuilder:${doc.id}`) : new Builder(scan, `imagebuilder:${doc.id}`);
    if (!base) seedStock(b, os);
    b.claim(doc);
    const testPhases = items(get(doc.model.root, 'phases')).filter((ph) => str(get(ph, 'name'))?.toLowerCase() === 'test');
    const kids = scan
      .children(doc)
      .filter((k) => !testPhases.some((ph) => within(k.origin!.loc, ph.loc)))
      .sort((x, y) => x.origin!.loc.start - y.origin!.loc.start);
    for (const k of kids) {
      const target = k.origin?.targetPath;
      const prev = target ? b.files.get(target) : undefined;
      if (target && prev && /\bAppendFile\b/.test(k.origin!.label)) {
        b.claim(k);
        b.write(target, { ...prev, text: prev.text !== undefined ? prev.text + k.text : undefined, edits: [...(prev.edits ?? []), k.origin!.loc] });
      } else b.applyChild(k);
    }
    out.push({
      id: `imagebuilder:${doc.id}`,
      name,
      loc: nameNode?.loc ?? doc.loc,
      blockLoc: doc.loc,
      kind: 'imagebuilder',
      names,
      os,
      base: base?.id,
      builder: b,
      regions: regs,
      clusters: [],
      consumers,
    });
  }
  return out;
}

function looseImages(scan: ScanModel, regions: RegionResolver, claimed: Set<string>): Proto[] {
  const out: Proto[] = [];
  for (const doc of scan.documents) {
    if (doc.origin || claimed.has(doc.file)) continue;
    if (!['apt-conf', 'networkd', 'networkmanager', 'keyvalue', 'systemd-unit', 'shell', 'cloud-config', 'kubernetes', 'autoinstall', 'mime-multipart', 'imagebuilder'].includes(doc.format)) continue;
    const p = loosePath(doc);
    // replaying a document other than a script or a cloud-config only replays its children: with
    // neither a path nor children it contributes nothing (most Kubernetes documents)
    if (!p && doc.format !== 'shell' && doc.format !== 'cloud-config' && !scan.children(doc).length) continue;
    const b = new Builder(scan, `file:${doc.id}`);
    if (p) {
      b.claim(doc);
      b.write(p, { doc, text: doc.text, loc: doc.loc });
    } else b.apply(doc);
    if (!b.files.size && !b.packages.size && !b.units.size) continue;
    out.push({ id: `file:${doc.id}`, name: doc.file, loc: doc.loc, kind: 'file', names: [], builder: b, regions: regions.regionsOfPath(doc.file), clusters: [], consumers: [] });
  }
  return out;
}

const memo = new WeakMap<ScanModel, NodeImage[]>();

/** Every node image of the scan, with its effective configuration. Memoised per scan. */
export function nodeImages(scan: ScanModel): NodeImage[] {
  const hit = memo.get(scan);
  if (hit) return hit;
  const regions = new RegionResolver(scan);
  const packer = packerImages(scan, regions);
  const docker = dockerImages(scan, regions);
  const layers = terraformConsumersAndLayers(scan, regions, [...packer, ...docker]);
  const imagebuilder = imageBuilderImages(scan, regions, [...packer, ...docker]);
  const claimed = new Set<string>();
  for (const p of [...packer, ...docker, ...layers, ...imagebuilder]) for (const f of p.builder.claimed) claimed.add(f);
  const loose = looseImages(scan, regions, claimed);

  const fleetImages = scan.fleet.images ?? {};
  // the regions of a consumer list, each once in first-seen order, per list (images share lists)
  const consumerRegions = new Map<NodeImage['consumers'], RegionAttribution[]>();
  const regionsOfConsumers = (cs: NodeImage['consumers']): RegionAttribution[] => {
    let out = consumerRegions.get(cs);
    if (!out) {
      const seen = new Set<string>();
      out = [];
      for (const c of cs) for (const r of c.regions) if (!seen.has(r.region)) (seen.add(r.region), out.push(r));
      consumerRegions.set(cs, out);
    }
    return out;
  };
  const result: NodeImage[] = [];
  for (const p of [...packer, ...docker, ...layers, ...imagebuilder, ...loose]) {
    const regs = [...p.regions];
    const clusters = [...p.clusters];
    let fleetCni: CniEvidence | undefined;
    for (const [key, spec] of Object.entries(fleetImages)) {
      if (!p.names.some((n) => imageNameMatches(key, n)) && key !== p.name) continue;
      if (spec.cni && !fleetCni) fleetCni = { cni: cniOf(spec.cni) ?? spec.cni, what: `fleet.images.${key}.cni` };
      for (const r of spec.regions ?? []) regs.push({ region: r, how: 'fleet-image', provider: scan.fleet.regions[r]?.provider, providerRegion: scan.fleet.regions[r]?.region });
      clusters.push(...(spec.clusters ?? []));
    }
    regs.push(...regionsOfConsumers(p.consumers));
    const seen = new Set<string>();
    const regions2 = regs.filter((r) => !seen.has(r.region) && (seen.add(r.region), true));
    const apt = aptAssignments(p.builder.files);
    const verdict = verdictOf(p, p.builder, apt);
    const img: NodeImage = {
      id: p.id,
      name: p.name,
      loc: p.loc,
      blockLoc: p.blockLoc ?? p.loc,
      kind: p.kind,
      base: p.base,
      names: p.names,
      os: p.os,
      regions: regions2,
      clusters: [...new Set(clusters)],
      consumers: p.consumers,
      timers: timersOf(p, p.builder, verdict),
      files: p.builder.files,
      packages: p.builder.packages,
      units: p.builder.units,
      claimedFiles: p.builder.claimed,
      documents: p.builder.documents,
      apt,
      unattendedUpgrades: verdict,
      networkd: networkdSettings(p.builder.files),
      ...(fleetCni ? { fleetCni } : {}),
    };
    result.push(img);
  }
  memo.set(scan, result);
  return result;
}

/** `fleet.images.<name>.os` for an image the config names (by image name or Terraform resource / file path). */
function fleetOs(scan: ScanModel, names: readonly string[], name: string): OsInfo | undefined {
  for (const [key, spec] of Object.entries(scan.fleet.images ?? {})) {
    if (!spec.os?.distro || (!names.some((n) => imageNameMatches(key, n)) && key !== name)) continue;
    const distro = spec.os.distro.toLowerCase();
    const version = spec.os.version;
    const systemd = version ? (distro === 'ubuntu' ? UBUNTU_SYSTEMD[version] : distro === 'debian' ? DEBIAN_SYSTEMD[version] : undefined) : undefined;
    const o = { distro, version, systemd };
    return { ...o, networkd: networkdBased(o), from: `fleet.images.${key}.os` };
  }
  return undefined;
}

/** Base-image defaults we know, put in place before the image's own steps (so `rm` can remove them). */
function seedStock(b: Builder, os: OsInfo | undefined): void {
  if (os?.distro !== 'ubuntu') return;
  const p = '/etc/apt/apt.conf.d/20auto-upgrades';
  if (!b.files.has(p)) b.files.set(p, { path: p, text: UBUNTU_20AUTO, stock: true, chain: [], layer: 'stock' });
}

/** The image a layer boots, when linked. */
export function baseOf(scan: ScanModel, img: NodeImage): NodeImage | undefined {
  return img.base ? nodeImages(scan).find((i) => i.id === img.base) : undefined;
}

/** Human label of an image for messages: `ubuntu-k8s-node-jammy (Packer, Ubuntu 22.04)`. */
export function describeImage(img: NodeImage): string {
  const kind = { packer: 'Packer image', dockerfile: 'container image', layer: 'user data of', imagebuilder: 'Image Builder component', file: 'configuration in' }[img.kind];
  return img.kind === 'layer' || img.kind === 'file' ? `${kind} ${img.name}` : `${kind} ${img.name}`;
}

export function describeOs(os: OsInfo | undefined): string {
  if (!os) return 'an unknown OS';
  const d = { ubuntu: 'Ubuntu', debian: 'Debian', 'amazon-linux': 'Amazon Linux', flatcar: 'Flatcar', 'fedora-coreos': 'Fedora CoreOS', bottlerocket: 'Bottlerocket', rhel: 'RHEL-family' }[os.distro] ?? os.distro;
  return `${d}${os.version ? ` ${os.version}` : ''}${os.systemd ? ` with systemd ${os.systemd}` : ''}`;
}

/** Whether a file was a stock default of a base image (not in the repo). */
export function isStock(f: VFile | undefined): boolean {
  return !!f?.stock;
}

// ---------------------------------------------------------------------------------------------
// CNI evidence: which CNIs program their own routes / policy rules on the nodes

export interface CniEvidence {
  /** Display name: Cilium, AWS VPC CNI, Calico... */
  cni: string;
  /** What the evidence is: `DaemonSet kube-system/cilium`, `helm_release.cilium`, `fleet.clusters.prod.cni`. */
  what: string;
  loc?: Loc;
  /** Fleet cluster the evidence belongs to, when known. */
  cluster?: string;
}

/** CNIs that install routes and/or ip rules of their own, which systemd-networkd treats as foreign. */
const CNI_PATTERNS: { cni: string; re: RegExp }[] = [
  { cni: 'Cilium', re: /^cilium(-agent)?$|quay\.io\/cilium\/cilium[:@]|^cilium$/ },
  { cni: 'AWS VPC CNI', re: /^aws-node$|amazon-k8s-cni|^vpc-cni$|^aws-vpc-cni$/ },
  { cni: 'Calico', re: /^calico-node$|calico\/node[:@]|^tigera-operator$|^calico$|^canal$/ },
  { cni: 'Antrea', re: /^antrea-agent$|^antrea$/ },
  { cni: 'kube-router', re: /^kube-router$/ },
  { cni: 'Flannel', re: /^kube-flannel(-ds)?$|^flannel$/ },
  { cni: 'Weave Net', re: /^weave-net$/ },
];

export function cniOf(text: string): string | undefined {
  const s = text.toLowerCase();
  return CNI_PATTERNS.find((p) => p.re.test(s))?.cni;
}

const cniMemo = new WeakMap<ScanModel, CniEvidence[]>();

export function cniEvidence(scan: ScanModel): CniEvidence[] {
  const hit = cniMemo.get(scan);
  if (hit) return hit;
  const out: CniEvidence[] = [];
  for (const doc of scan.ofFormat('kubernetes')) {
    for (const o of kubernetesFacts(doc).objects) {
      if (!['DaemonSet', 'HelmRelease', 'HelmChart', 'Installation'].includes(o.kind)) continue;
      const nameNode = get(o.value, 'metadata', 'name');
      let cni = cniOf(o.name);
      if (!cni && o.kind === 'DaemonSet') {
        for (const c of (get(o.value, 'spec', 'template', 'spec', 'containers') as { kind: string; items?: Value[] } | undefined)?.items ?? []) cni ??= cniOf(str(get(c, 'image')) ?? '');
      }
      if (o.kind === 'HelmRelease' || o.kind === 'HelmChart') cni ??= cniOf(str(get(o.value, 'spec', 'chart', 'spec', 'chart')) ?? str(get(o.value, 'spec', 'chart')) ?? '');
      if (o.kind === 'Installation' && o.apiVersion.startsWith('operator.tigera.io')) cni = 'Calico';
      if (cni) out.push({ cni, what: `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`, loc: nameNode?.loc ?? o.loc });
    }
  }
  for (const doc of scan.ofFormat('terraform')) if (!doc.origin) out.push(...terraformCniEvidence(doc));
  for (const [name, c] of Object.entries(scan.fleet.clusters ?? {})) {
    const cni = c.cni ? (cniOf(c.cni) ?? c.cni) : undefined;
    if (cni) out.push({ cni, what: `fleet.clusters.${name}.cni`, cluster: name });
  }
  cniMemo.set(scan, out);
  return out;
}

/** CNI evidence in one Terraform document: Helm releases and EKS add-ons of a CNI. */
function terraformCniEvidence(doc: DocumentOf<'terraform'>): CniEvidence[] {
  const out: CniEvidence[] = [];
  for (const b of doc.model.body.blocks) {
    if (b.type !== 'resource' || !CNI_TF_TYPES.has(b.labels[0])) continue;
    const [type, name] = b.labels;
    let cni: string | undefined;
    let loc: Loc = b.loc;
    if (type === 'helm_release') {
      const a = attr(b, 'chart');
      cni = cniOf(attrStr(b, 'chart') ?? '');
      if (a) loc = a.loc;
    } else if (type === 'aws_eks_addon') {
      const a = attr(b, 'addon_name');
      cni = cniOf(attrStr(b, 'addon_name') ?? '');
      if (a) loc = a.loc;
    }
    if (cni) out.push({ cni, what: `${type}.${name}`, loc });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reporting helpers

/** `path:line` of a location, for messages. */
export function at(scan: ScanModel, loc: Loc | undefined): string {
  if (!loc) return 'a base-image default';
  const f = scan.files.get(loc.file);
  return f ? `${loc.file}:${positionAt(f, loc.start).line}` : loc.file;
}

function sameLoc(a: Loc | undefined, b: Loc | undefined): boolean {
  return !!a && !!b && a.file === b.file && a.start === b.start && a.end === b.end;
}

/** Images by id, per `nodeImages` result (asked for by every rule that reports on images). */
const imagesById = new WeakMap<readonly NodeImage[], Map<string, NodeImage>>();

/**
 * Images a rule should report on: every image except layers that inherit the same verdict from the
 * image they boot (the finding belongs to that image, once). `key` gives the decisive location of
 * the hazard for an image (undefined = no hazard).
 */
export function reportableImages(scan: ScanModel, key: (img: NodeImage) => Loc | 'stock' | undefined, kinds: readonly NodeImageKind[] = ['packer', 'layer', 'imagebuilder', 'file']): NodeImage[] {
  const all = nodeImages(scan);
  let byId = imagesById.get(all);
  if (!byId) imagesById.set(all, (byId = new Map(all.map((i) => [i.id, i]))));
  return all.filter((img) => {
    if (!kinds.includes(img.kind)) return false;
    const k = key(img);
    if (k === undefined) return false;
    if (img.kind !== 'layer' || !img.base) return true;
    const base = byId.get(img.base);
    if (!base) return true;
    const bk = key(base);
    if (bk === undefined) return true;
    return !(bk === k || (k !== 'stock' && bk !== 'stock' && sameLoc(bk, k)));
  });
}

/** The CNI evidence relevant to an image: its fleet-map clusters' when known, else the whole scan. */
export function cniFor(scan: ScanModel, img: NodeImage): CniEvidence[] {
  const all = cniEvidence(scan);
  const scoped = img.clusters.length ? all.filter((e) => !e.cluster || img.clusters.includes(e.cluster)) : all;
  // the fleet map's `images.<name>.cni` stands in when nothing in the scan links a CNI to the image
  return scoped.length || !img.fleetCni ? scoped : [img.fleetCni];
}

/** How many pieces of evidence of one CNI a finding lists as related locations. */
export const CNI_RELATED_PER_CNI = 3;

/**
 * The CNI evidence of a finding as related locations: the first few of each CNI in scan order, then
 * one more per CNI counting the rest. A fleet with a CNI manifest in every cluster directory would
 * otherwise hang hundreds of locations on every image finding.
 */
export function cniRelated(
  ev: readonly CniEvidence[],
  describe: (e: CniEvidence) => string = (e) => `${e.cni} installs its own routes and policy rules (${e.what})`,
): RelatedLocation[] {
  const out: RelatedLocation[] = [];
  const located = ev.filter((e): e is CniEvidence & { loc: Loc } => !!e.loc);
  const rest = listFirstPerKey(located, (e) => e.cni, CNI_RELATED_PER_CNI, (e) => out.push({ loc: e.loc, message: describe(e) }));
  for (const [cni, r] of rest) {
    out.push({ loc: r.first.loc, message: `${cni}: ${r.count} more ${r.count === 1 ? 'resource deploys' : 'resources deploy'} it, not listed here (this is the first of them)` });
  }
  return out;
}

/** "Cilium (k8s/kube-system/cilium.yaml:12)" — the first evidence of each CNI. */
export function describeCni(scan: ScanModel, ev: readonly CniEvidence[]): string {
  const first = new Map<string, CniEvidence>();
  for (const e of ev) if (!first.has(e.cni)) first.set(e.cni, e);
  return [...first.values()].map((e) => `${e.cni} (${e.loc ? at(scan, e.loc) : e.what})`).join(' and ');
}

/** Region names of an image, for messages: "5 regions (us1, eu1, us3, us4, us5)" / "unknown regions". */
export function describeRegions(img: NodeImage): string {
  const r = img.regions.map((x) => x.region);
  if (!r.length) return 'every region that uses it (regions unknown)';
  return r.length === 1 ? `region ${r[0]}` : `${r.length} regions (${r.join(', ')})`;
}
