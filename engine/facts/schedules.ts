/**
 * Schedule facts: every schedule the scan can see that installs packages, reboots nodes, opens a
 * provider maintenance window or runs a job — turned into UTC week intervals (engine/schedule/)
 * and attributed to regions (RegionResolver), with the source location of every piece.
 *
 * Sources:
 *   - systemd timers (files on disk and units embedded anywhere: cloud-init `write_files`,
 *     Packer files, shell heredocs), after folding drop-ins (`OnCalendar=` with empty resets,
 *     last-wins for the other keys), followed to their service (`Unit=` or the same name) and its
 *     `ExecStart=` commands to tell install / reboot / download / other;
 *   - timers baked into node images (engine/facts/node-image.ts): `timerSchedules()` takes the
 *     same EffectiveTimer shape, so image timers count in every region that runs the image;
 *   - Terraform: aws_ssm_maintenance_window, aws_scheduler_schedule, aws_cloudwatch_event_rule,
 *     google_container_cluster maintenance_policy, azurerm_kubernetes_cluster maintenance windows;
 *   - Kubernetes: CronJob (`timeZone`, else unknown), kured DaemonSets.
 *
 * A schedule attributed to several regions yields one fact per region; one with no attribution
 * yields a fact for region 'unknown' (never a guess).
 */
import { groupContexts } from './loose-contexts.js';
import {
  get,
  getEntry,
  isMap,
  isSeq,
  str,
  type Document,
  type DocumentOf,
  type HclBlock,
  type K8sObject,
  type MapValue,
  type UnitModel,
  type Value,
} from '../model.js';
import type { RelatedLocation } from '../rule-api.js';
import type { ScheduleWindow } from '../result.js';
import type { ScanModel } from '../scan-model.js';
import type { StoredSchedule } from '../scan-state.js';
import { positionAt, type Loc } from '../source.js';
import { RegionResolver, type RegionAttribution } from './regions.js';
import { nodeImages } from './node-image.js';
import { moduleSourceDir, normalizeDir } from './terraform-modules.js';
import { kubernetesFacts } from './kubernetes.js';
import { CalendarError, isValidTimezone, parseCalendar, wallToEpoch as wallFromZone, type CalendarSpec } from '../schedule/calendar.js';
import { CronError, parseAwsSchedule, parseCron } from '../schedule/cron.js';
import { parseSpan } from '../schedule/span.js';
import { locksmithSchedule, zincatiSchedule, type AgentSchedule } from '../schedule/agent-windows.js';
import { calendarSource, cronSource, everySource, rruleSource, weekWindows, type Interval, type Occurrences } from '../schedule/week.js';

export type ScheduleKind = ScheduleWindow['kind'];
export type TimerAction = 'install' | 'reboot' | 'download' | 'other';
export type ScheduleSource =
  | 'systemd-timer'
  | 'image-timer'
  | 'ssm-maintenance-window'
  | 'eventbridge-schedule'
  | 'gke-maintenance-window'
  | 'aks-maintenance-window'
  | 'cronjob'
  | 'kured'
  | 'zincati'
  | 'locksmith';

/** A one-off GKE maintenance exclusion: recorded with its cluster's windows, never folded into them. */
export interface MaintenanceExclusion {
  name?: string;
  /** RFC 3339 as written. */
  start: string;
  end: string;
  /** `NO_UPGRADES` (default), `NO_MINOR_UPGRADES`, `NO_MINOR_OR_NODE_UPGRADES`. */
  scope: string;
  loc: Loc;
}

/** A value with where it is written; the EffectiveTimer shape of engine/facts/node-image.ts. */
export interface Located<T> {
  value: T;
  loc?: Loc;
}

/**
 * A systemd timer after drop-in folding: the input of `timerSchedules`. Structurally the
 * `EffectiveTimer` of engine/facts/node-image.ts (its optional keys may be plain values too).
 */
export interface TimerInput {
  unit: string;
  service?: string;
  onCalendar: { expr: string; loc?: Loc }[];
  randomizedDelaySec?: Located<string | number> | string | number;
  fixedRandomDelay?: Located<string | boolean> | string | boolean;
  accuracySec?: Located<string | number> | string | number;
  persistent?: Located<string | boolean> | string | boolean;
  action: TimerAction;
  enabled?: boolean;
  stock?: boolean;
  evidence: Loc;
}

/** Normalised timer settings (seconds, booleans) with their locations. */
export interface TimerSettings {
  unit: string;
  service?: string;
  action: TimerAction;
  randomizedDelaySec: number;
  randomizedDelayLoc?: Loc;
  accuracySec: number;
  accuracyLoc?: Loc;
  fixedRandomDelay: boolean;
  fixedRandomDelayLoc?: Loc;
  persistent: boolean;
  persistentLoc?: Loc;
  stock: boolean;
  evidence: Loc;
}

export type ScheduleProblem =
  | { kind: 'timezone-unknown'; message: string; loc: Loc }
  | { kind: 'timezone-invalid'; message: string; loc: Loc }
  | { kind: 'phase-unknown'; message: string; loc: Loc }
  | { kind: 'unparsable'; message: string; loc: Loc };

export interface ScheduleFact {
  source: ScheduleSource;
  kind: ScheduleKind;
  /** Plain words: `apt-daily-upgrade.timer (install)`, `aws_ssm_maintenance_window.patch`. */
  label: string;
  resource: string;
  /** As written (several OnCalendar= joined with `; `). */
  expression: string;
  /** Fleet region name, or 'unknown'. */
  region: string;
  attribution?: RegionAttribution;
  /** IANA zone the expression is read in; undefined when unknown. */
  timezone?: string;
  /** 'invariant': the schedule touches the same hours of the UTC week in every zone (e.g. every 10 minutes). */
  timezoneFrom: 'expression' | 'attribute' | 'fleet' | 'platform-default' | 'invariant' | 'unknown';
  /** UTC week intervals; [] when they cannot be computed (see `problem`). */
  intervals: Interval[];
  /** Minutes one firing can keep the fleet busy (duration, accuracy + randomised delay). */
  windowMinutes: number;
  /**
   * Minutes after the start during which new work may still begin, when the platform says so
   * (SSM: `duration − cutoff` hours). `intervals` keep the whole `windowMinutes`: work started
   * before the cutoff keeps running.
   */
  startWindowMinutes?: number;
  /** GKE: one-off maintenance exclusions of the cluster (not folded into `intervals`). */
  exclusions?: MaintenanceExclusion[];
  problem?: ScheduleProblem;
  /** The expression's location (where a fix belongs). */
  loc: Loc;
  resourceLoc?: Loc;
  document?: Document;
  /** Supporting evidence: the service's ExecStart, the drop-in that changed the schedule... */
  related: RelatedLocation[];
  timer?: TimerSettings;
}

export type { StoredSchedule };

/** How many related locations of a schedule are stored, and listed by FL201. */
export const STORED_RELATED = 2;

/** A fact as stored for its file (`StoredSchedule`). */
export function storeSchedule(f: ScheduleFact, scan: ScanModel): StoredSchedule {
  const embedding = f.document?.origin ? scan.ancestry(f.document).filter((d) => d.origin).map((d) => d.origin!.label) : undefined;
  return {
    kind: f.kind,
    label: f.label,
    resource: f.resource,
    expression: f.expression,
    region: f.region,
    ...(f.timezone !== undefined ? { timezone: f.timezone } : {}),
    intervals: f.intervals.map(([a, b]) => [a, b] as Interval),
    loc: { file: f.loc.file, start: f.loc.start, end: f.loc.end },
    ...(f.resourceLoc ? { resourceLoc: { file: f.resourceLoc.file, start: f.resourceLoc.start, end: f.resourceLoc.end } } : {}),
    // FL201 lists an attribution's location unless it is the schedule's own (the same object)
    ...(f.attribution ? { attribution: { how: f.attribution.how, ...(f.attribution.loc && f.attribution.loc !== f.loc ? { loc: { ...f.attribution.loc } } : {}) } } : {}),
    related: f.related.slice(0, STORED_RELATED).map((r) => ({ loc: { file: r.loc.file, start: r.loc.start, end: r.loc.end }, message: r.message })),
    line: lineOf(f, scan),
    ...(embedding?.length ? { embedding } : {}),
  };
}

/**
 * The order FL201 takes schedules in (its first schedule is the finding's location, and it lists
 * the first few of each region): by location, then region and what the schedule is. A scan that
 * leaves files unread merges their stored schedules with the ones it computes, so the order must
 * follow from the schedules alone.
 */
export function compareSchedules(a: Pick<ScheduleFact, 'loc' | 'region' | 'resource' | 'label' | 'expression'>, b: typeof a): number {
  const k = (x: typeof a): (string | number)[] => [x.loc.file, x.loc.start, x.loc.end, x.region, x.resource, x.label, x.expression];
  const ka = k(a);
  const kb = k(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Classification of commands

const INSTALL_RE =
  /\b(apt-get|apt|aptitude)\b[^;&|\n]*\b(upgrade|dist-upgrade|full-upgrade|install)\b|\bunattended-upgrade(s)?\b|apt\.systemd\.daily\s+install|apt\.systemd\.daily\s*$|\bdnf-automatic\b(?![^\n]*(download|notifyonly))|\b(dnf|yum)\b[^;&|\n]*\b(upgrade|update|distro-sync)\b|\byum-cron\b|\bzypper\b[^;&|\n]*\b(up|update|patch|dup)\b|\brpm-ostree\s+upgrade\b|\bsnap\s+refresh\b|\btdnf\b[^;&|\n]*\b(update|upgrade)\b/;
const REBOOT_RE = /\breboot\b|\bshutdown\s+(-r|--reboot)\b|\bsystemctl\s+(reboot|kexec)\b|\bkured\b|\bneeds-restarting\s+-r\b[^\n]*&&[^\n]*reboot/;
const DOWNLOAD_RE = /apt\.systemd\.daily\s+update|\b(apt-get|apt)\s+(-\S+\s+)*update\b|\bdnf\b[^;&|\n]*\bmakecache\b|\bdnf-automatic\b[^\n]*download/;

/** What a command line does to a node. */
export function classifyCommand(cmd: string): TimerAction {
  if (REBOOT_RE.test(cmd)) return 'reboot';
  if (INSTALL_RE.test(cmd)) return 'install';
  if (DOWNLOAD_RE.test(cmd)) return 'download';
  return 'other';
}

/** Stock units whose services are known when the scan does not contain them. */
const STOCK_ACTIONS: Record<string, TimerAction> = {
  'apt-daily-upgrade': 'install',
  'apt-daily': 'download',
  'dnf-automatic': 'install',
  'dnf-automatic-install': 'install',
  'dnf-automatic-download': 'download',
  'dnf-automatic-notifyonly': 'other',
  'yum-cron': 'install',
  'unattended-upgrades': 'install',
  'packagekit-offline-update': 'install',
};

const RANK: Record<TimerAction, number> = { reboot: 3, install: 2, download: 1, other: 0 };

// ---------------------------------------------------------------------------------------------
// Timer → facts (shared with node images)

function located<T>(x: Located<T> | T | undefined): { value: T; loc?: Loc } | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x === 'object' && 'value' in (x as object)) return x as Located<T>;
  return { value: x as T };
}

function truthy(v: string | boolean | undefined): boolean {
  if (typeof v === 'boolean') return v;
  return v !== undefined && ['1', 'yes', 'true', 'on'].includes(v.trim().toLowerCase());
}

function seconds(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'number' ? v : parseSpan(v);
}

export function timerSettings(t: TimerInput): TimerSettings {
  const rd = located(t.randomizedDelaySec);
  const acc = located(t.accuracySec);
  const frd = located(t.fixedRandomDelay);
  const per = located(t.persistent);
  return {
    unit: t.unit,
    service: t.service,
    action: t.action,
    randomizedDelaySec: seconds(rd?.value) ?? 0,
    randomizedDelayLoc: rd?.loc,
    accuracySec: seconds(acc?.value) ?? 60,
    accuracyLoc: acc?.loc,
    fixedRandomDelay: truthy(frd?.value),
    fixedRandomDelayLoc: frd?.loc,
    persistent: truthy(per?.value),
    persistentLoc: per?.loc,
    stock: !!t.stock,
    evidence: t.evidence,
  };
}

export interface TimerContext {
  source: 'systemd-timer' | 'image-timer';
  regions: RegionAttribution[];
  fleet: ScanModel['fleet'];
  /** Label prefix, e.g. the image name. */
  where?: string;
  document?: Document;
  related?: RelatedLocation[];
}

const CLOUD_PROVIDERS = new Set(['aws', 'gcp', 'azure']);

/** Zone a node in `region` runs in: the fleet map's timezone, else UTC for cloud images. */
function nodeZone(region: string, attribution: RegionAttribution | undefined, fleet: ScanModel['fleet']): { zone?: string; from: ScheduleFact['timezoneFrom'] } {
  const spec = fleet.regions[region];
  if (spec?.timezone) return { zone: spec.timezone, from: 'fleet' };
  const provider = spec?.provider ?? attribution?.provider;
  if (!provider || CLOUD_PROVIDERS.has(provider)) return { zone: 'UTC', from: 'platform-default' };
  return { from: 'unknown' };
}

/**
 * The schedule facts of one timer, one per region (or one for 'unknown'). Only timers that
 * install or reboot become facts; disabled timers none.
 */
export function timerSchedules(t: TimerInput, ctx: TimerContext): ScheduleFact[] {
  if (t.enabled === false || !t.onCalendar.length) return [];
  if (t.action !== 'install' && t.action !== 'reboot') return [];
  const settings = timerSettings(t);
  const loc = t.onCalendar[0].loc ?? t.evidence;
  const expression = t.onCalendar.map((c) => `OnCalendar=${c.expr}`).join('; ');
  const label = `${ctx.where ? ctx.where + ': ' : ''}${t.unit} (${t.action}${t.service ? ` via ${t.service}` : ''})`;
  const base = {
    source: ctx.source,
    kind: t.action as ScheduleKind,
    label,
    resource: t.unit,
    expression,
    loc,
    document: ctx.document,
    related: ctx.related ?? [],
    timer: settings,
  };
  let specs: CalendarSpec[];
  try {
    specs = t.onCalendar.map((c) => parseCalendar(c.expr));
  } catch (e) {
    const msg = e instanceof CalendarError ? e.message : String(e);
    return regionsOrUnknown(ctx.regions).map((a) => ({
      ...base,
      ...regionFields(a),
      timezoneFrom: 'unknown' as const,
      intervals: [],
      windowMinutes: 0,
      problem: { kind: 'unparsable' as const, message: msg, loc },
    }));
  }
  const lengthMs = (settings.accuracySec + settings.randomizedDelaySec) * 1000;
  const windowMinutes = Math.max(1, Math.ceil(lengthMs / 60_000));
  const explicit = specs.every((s) => s.utc || s.timezone);
  return regionsOrUnknown(ctx.regions).map((a) => {
    const region = regionFields(a);
    let node = explicit ? { zone: 'UTC', from: 'expression' as ScheduleFact['timezoneFrom'] } : nodeZone(region.region, a, ctx.fleet);
    // hourly timers and the like touch the same UTC hours whatever the node's zone
    if (!node.zone && zoneInvariant((z) => calendarSource(specs, z))) node = { zone: 'UTC', from: 'invariant' };
    if (!node.zone) {
      return {
        ...base,
        ...region,
        timezoneFrom: 'unknown' as const,
        intervals: [],
        windowMinutes,
        problem: { kind: 'timezone-unknown' as const, message: `the node's timezone in region ${region.region} is unknown (set fleet.regions.${region.region}.timezone)`, loc },
      };
    }
    const { intervals } = weekWindows(calendarSource(specs, node.zone), lengthMs);
    return { ...base, ...region, timezone: explicit ? (specs[0].timezone ?? 'UTC') : node.zone, timezoneFrom: node.from, intervals, windowMinutes };
  });
}

function regionsOrUnknown(rs: RegionAttribution[]): (RegionAttribution | undefined)[] {
  const seen = new Set<string>();
  const out = rs.filter((r) => !seen.has(r.region) && seen.add(r.region));
  return out.length ? out : [undefined];
}

function regionFields(a: RegionAttribution | undefined): { region: string; attribution?: RegionAttribution } {
  return a ? { region: a.region, attribution: a } : { region: 'unknown' };
}

// ---------------------------------------------------------------------------------------------
// systemd units in the scan

interface UnitGroup {
  name: string;
  base?: DocumentOf<'systemd-unit'>;
  dropIns: DocumentOf<'systemd-unit'>[];
}

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/**
 * Where a unit lives: embedded units share their root file; files on disk their directory (the
 * grouping a changed-files scan also uses to decide what it may leave unread, see `groupContexts`).
 */
function unitContext(scan: ScanModel, doc: DocumentOf<'systemd-unit'>): string {
  if (doc.origin) return 'root:' + scan.root(doc).id;
  return groupContexts(doc)[0];
}

function groupUnits(scan: ScanModel): Map<string, Map<string, UnitGroup>> {
  const byCtx = new Map<string, Map<string, UnitGroup>>();
  for (const doc of scan.ofFormat('systemd-unit')) {
    const ctx = unitContext(scan, doc);
    const name = doc.model.dropInFor ?? doc.model.unitName;
    if (!name) continue;
    let units = byCtx.get(ctx);
    if (!units) byCtx.set(ctx, (units = new Map()));
    let g = units.get(name);
    if (!g) units.set(name, (g = { name, dropIns: [] }));
    if (doc.model.dropInFor) g.dropIns.push(doc);
    else g.base = doc;
  }
  for (const units of byCtx.values()) for (const g of units.values()) g.dropIns.sort((a, b) => (a.model.unitName < b.model.unitName ? -1 : 1));
  return byCtx;
}

interface FoldedEntry {
  value: string;
  loc: Loc;
  valueLoc: Loc;
  doc: DocumentOf<'systemd-unit'>;
}

/** Fold a unit and its drop-ins: list keys accumulate with empty resets, others last-wins. */
function fold(g: UnitGroup, section: string, key: string, list: boolean): FoldedEntry[] {
  let out: FoldedEntry[] = [];
  for (const doc of [...(g.base ? [g.base] : []), ...g.dropIns]) {
    for (const s of (doc.model as UnitModel).sections) {
      if (s.name !== section) continue;
      for (const e of s.entries) {
        if (e.key !== key) continue;
        if (e.value === '') out = [];
        else if (list) out.push({ value: e.value, loc: e.loc, valueLoc: e.valueLoc, doc });
        else out = [{ value: e.value, loc: e.loc, valueLoc: e.valueLoc, doc }];
      }
    }
  }
  return out;
}

function stockName(unit: string): string {
  return unit.replace(/\.(timer|service)$/, '');
}

function scanTimers(scan: ScanModel, resolver: RegionResolver): ScheduleFact[] {
  const out: ScheduleFact[] = [];
  for (const units of groupUnits(scan).values()) {
    for (const g of units.values()) {
      if (!g.name.endsWith('.timer')) continue;
      const onCal = fold(g, 'Timer', 'OnCalendar', true);
      if (!onCal.length) continue;
      const unitKey = fold(g, 'Timer', 'Unit', false)[0];
      const serviceName = unitKey?.value ?? g.name.replace(/\.timer$/, '.service');
      const svc = units.get(serviceName);
      let action: TimerAction = 'other';
      const related: RelatedLocation[] = [];
      if (svc) {
        for (const key of ['ExecStartPre', 'ExecStart', 'ExecStartPost']) {
          for (const e of fold(svc, 'Service', key, true)) {
            const a = classifyCommand(e.value);
            if (RANK[a] > RANK[action]) action = a;
            if (a !== 'other') related.push({ loc: e.valueLoc, message: `${serviceName} ${key}=${e.value} (${a})` });
          }
        }
      } else action = STOCK_ACTIONS[stockName(serviceName)] ?? 'other';
      const anchor = g.base ?? g.dropIns[0];
      const pick = (key: string) => {
        const e = fold(g, 'Timer', key, false)[0];
        return e ? { value: e.value, loc: e.valueLoc } : undefined;
      };
      for (const c of onCal) if (c.doc !== anchor) related.push({ loc: c.loc, message: `drop-in ${c.doc.model.unitName} sets ${c.value ? 'OnCalendar=' + c.value : 'the schedule'}` });
      const input: TimerInput = {
        unit: g.name,
        service: serviceName,
        onCalendar: onCal.map((c) => ({ expr: c.value, loc: c.valueLoc })),
        randomizedDelaySec: pick('RandomizedDelaySec'),
        fixedRandomDelay: pick('FixedRandomDelay'),
        accuracySec: pick('AccuracySec'),
        persistent: pick('Persistent'),
        action,
        stock: false,
        evidence: anchor.loc,
      };
      out.push(...timerSchedules(input, { source: 'systemd-timer', regions: regionsOfDoc(scan, resolver, anchor), fleet: scan.fleet, document: anchor, related }));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Region attribution of any document (embedded ones through their Terraform resource)

/** The top-level Terraform block of a root document containing `offset`. */
function enclosingBlock(doc: DocumentOf<'terraform'>, offset: number): HclBlock | undefined {
  return doc.model.body.blocks.find((b) => b.loc.start <= offset && offset < b.loc.end);
}

export function regionsOfDoc(scan: ScanModel, resolver: RegionResolver, doc: Document): RegionAttribution[] {
  const chain = scan.ancestry(doc);
  const root = chain[0];
  if (root.format === 'terraform') {
    const at = chain[1]?.origin?.loc.start ?? doc.loc.start;
    const block = enclosingBlock(root, at);
    const r = resolver.regionsOf(root, block);
    if (r.length) return r;
    return moduleInstanceRegions(scan, resolver, root.model.moduleDir);
  }
  return resolver.regionsOf(doc);
}

/** A stand-in for a block that uses the provider configuration `ref` (`aws`, `aws.eu`), for the region resolver. */
function usingProvider(b: HclBlock, ref: string, label: string): HclBlock {
  return { ...b, labels: [label], body: { attributes: [{ name: 'provider', nameLoc: b.loc, loc: b.loc, expr: { t: 'raw', text: ref, loc: b.loc }, value: { kind: 'scalar', value: ref, loc: b.loc } }], blocks: [] } };
}

/**
 * Regions of the module blocks that instantiate `moduleDir` (`module "eu" { source = "../m", providers = { aws = aws.eu } }`).
 * Without a `providers` map a module inherits its caller's default configuration of each provider:
 * `provider` names the one its resource uses (`aws` for `aws_ssm_maintenance_window`).
 */
function moduleInstanceRegions(scan: ScanModel, resolver: RegionResolver, moduleDir: string, provider?: string): RegionAttribution[] {
  const out: RegionAttribution[] = [];
  for (const d of scan.ofFormat('terraform')) {
    if (d.origin) continue;
    for (const b of d.model.body.blocks) {
      if (b.type !== 'module') continue;
      // the same reading of `source` as the verdict on loose modules (engine/facts/loose-files.ts)
      if (moduleSourceDir(normalizeDir(d.model.moduleDir), b, true) !== normalizeDir(moduleDir)) continue;
      const providers = b.body.attributes.find((a) => a.name === 'providers')?.value;
      let found: RegionAttribution[] = [];
      if (isMap(providers)) {
        for (const e of providers.entries) {
          const ref = str(e.value) ?? (e.value.kind === 'unknown' ? e.value.expr : undefined);
          if (!ref) continue;
          found = resolver.regionsOf(d, usingProvider(b, ref, `${e.key}_module`));
          if (found.length) break;
        }
      }
      if (!found.length && provider) found = resolver.regionsOf(d, usingProvider(b, provider, `${provider}_module`));
      if (!found.length) found = resolver.regionsOf(d, b);
      out.push(...found.map((r) => ({ ...r, loc: r.loc ?? b.labelLocs[0] })));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Terraform resources

function attr(b: HclBlock, name: string) {
  return b.body.attributes.find((a) => a.name === name);
}
function attrStr(b: HclBlock, name: string): string | undefined {
  return str(attr(b, name)?.value);
}
function attrNum(b: HclBlock, name: string): number | undefined {
  const s = attrStr(b, name);
  const n = s === undefined || s === '' ? NaN : Number(s);
  return Number.isFinite(n) ? n : undefined;
}
function attrLoc(b: HclBlock, name: string): Loc | undefined {
  const a = attr(b, name);
  return a ? (a.value?.loc ?? a.loc) : undefined;
}
function blocks(b: HclBlock, type: string): HclBlock[] {
  return b.body.blocks.filter((x) => x.type === type);
}

interface TfCtx {
  scan: ScanModel;
  resolver: RegionResolver;
  doc: DocumentOf<'terraform'>;
  block: HclBlock;
  resource: string;
}

function tfBase(c: TfCtx) {
  const regions = c.resolver.regionsOf(c.doc, c.block);
  const attributed = regions.length ? regions : moduleInstanceRegions(c.scan, c.resolver, c.doc.model.moduleDir, (c.block.labels[0] ?? '').split('_')[0]);
  return { regions: regionsOrUnknown(attributed), resource: c.resource, resourceLoc: c.block.loc, document: c.doc as Document };
}

/** One fact per region a Terraform block runs in, from the fields that vary between schedules. */
function tfFacts(
  c: TfCtx,
  fields: Pick<ScheduleFact, 'source' | 'kind' | 'expression' | 'loc' | 'timezoneFrom' | 'intervals' | 'windowMinutes' | 'related'> &
    Partial<Pick<ScheduleFact, 'timezone' | 'problem'>>,
): ScheduleFact[] {
  const b = tfBase(c);
  return b.regions.map((a) => ({
    label: c.resource,
    resource: c.resource,
    ...fields,
    ...regionFields(a),
    resourceLoc: b.resourceLoc,
    document: b.document,
  }));
}

function problemFact(
  c: TfCtx,
  source: ScheduleSource,
  kind: ScheduleKind,
  expression: string,
  loc: Loc,
  problem: ScheduleProblem,
): ScheduleFact[] {
  return tfFacts(c, { source, kind, expression, loc, problem, timezoneFrom: 'unknown', intervals: [], windowMinutes: 0, related: [] });
}

function windowFacts(
  c: TfCtx,
  source: ScheduleSource,
  kind: ScheduleKind,
  expression: string,
  loc: Loc,
  occ: Occurrences,
  lengthMs: number,
  zone: string,
  timezoneFrom: ScheduleFact['timezoneFrom'],
  related: RelatedLocation[] = [],
): ScheduleFact[] {
  const { intervals } = weekWindows(occ, lengthMs);
  return tfFacts(c, { source, kind, expression, loc, timezone: zone, timezoneFrom, intervals, windowMinutes: Math.max(1, Math.ceil(lengthMs / 60_000)), related });
}

/** An AWS schedule expression (`cron(...)`, `rate(...)`) with an optional zone attribute. */
function awsScheduleFacts(c: TfCtx, source: ScheduleSource, kind: ScheduleKind, exprAttr: string, tzAttr: string, lengthMs: number, offsetDays = 0): ScheduleFact[] {
  const expression = attrStr(c.block, exprAttr);
  const loc = attrLoc(c.block, exprAttr) ?? c.block.loc;
  if (!expression) return [];
  const tzRaw = attrStr(c.block, tzAttr);
  const tzLoc = attrLoc(c.block, tzAttr) ?? loc;
  if (tzRaw !== undefined && tzRaw !== '' && !isValidTimezone(tzRaw) && tzRaw !== 'UTC') {
    return problemFact(c, source, kind, expression, tzLoc, { kind: 'timezone-invalid', message: `${tzAttr} = "${tzRaw}" is not an IANA timezone`, loc: tzLoc });
  }
  if (tzRaw === undefined && attr(c.block, tzAttr)) {
    return problemFact(c, source, kind, expression, tzLoc, { kind: 'timezone-unknown', message: `${tzAttr} cannot be evaluated statically`, loc: tzLoc });
  }
  // documented defaults: SSM maintenance windows and EventBridge schedules run in UTC
  const zone = tzRaw || 'UTC';
  const from = tzRaw ? 'attribute' : 'platform-default';
  let parsed;
  try {
    parsed = parseAwsSchedule(expression);
  } catch (e) {
    const msg = e instanceof CronError ? e.message : String(e);
    return problemFact(c, source, kind, expression, loc, { kind: 'unparsable', message: msg, loc });
  }
  if (parsed.kind === 'rate') {
    if (parsed.minutes * 60_000 <= lengthMs) {
      return windowFacts(c, source, kind, expression, loc, everySource(parsed.minutes * 60_000, 0), lengthMs, zone, from);
    }
    return problemFact(c, source, kind, expression, loc, {
      kind: 'phase-unknown',
      message: `${expression} fires relative to when the schedule was created, which configuration does not say`,
      loc,
    });
  }
  if (parsed.kind === 'at') {
    return []; // one-off
  }
  const spec = parsed.spec;
  const offsetMs = offsetDays * 86_400_000;
  const occ: Occurrences = function* (from, to) {
    for (const t of cronSource(spec, zone)(from - offsetMs, to - offsetMs)) yield t + offsetMs;
  };
  return windowFacts(c, source, kind, expression, loc, occ, lengthMs, zone, from);
}

/**
 * SSM maintenance window: `duration` hours from each start; Systems Manager stops *starting* new
 * tasks `cutoff` hours before the end, but tasks already running continue. The busy interval is
 * therefore the whole duration (what overlaps other regions), and `startWindowMinutes` is
 * `duration − cutoff` (when a new task, e.g. a patch run on a fresh batch, can still begin).
 */
function ssmWindow(c: TfCtx): ScheduleFact[] {
  const hours = attrNum(c.block, 'duration') ?? 1;
  const cutoff = attrNum(c.block, 'cutoff') ?? 0;
  if (str(attr(c.block, 'enabled')?.value) === 'false') return [];
  const facts = awsScheduleFacts(c, 'ssm-maintenance-window', 'maintenance', 'schedule', 'schedule_timezone', hours * 3_600_000, attrNum(c.block, 'schedule_offset') ?? 0);
  const startWindowMinutes = Math.max(0, hours - cutoff) * 60;
  return facts.map((f) => ({ ...f, expression: `${f.expression} duration ${hours}h cutoff ${cutoff}h`, startWindowMinutes }));
}

const MAINTENANCE_TARGET = /:ssm:|AWS-RunPatchBaseline|AWS-PatchInstanceWithRollback|startInstanceRefresh|ecs:updateService|eks:updateNodegroup/i;

function schedulerSchedule(c: TfCtx): ScheduleFact[] {
  const ftw = blocks(c.block, 'flexible_time_window')[0];
  const flexMin = ftw && attrStr(ftw, 'mode') === 'FLEXIBLE' ? (attrNum(ftw, 'maximum_window_in_minutes') ?? 0) : 0;
  const target = blocks(c.block, 'target')[0];
  const arn = target ? (attrStr(target, 'arn') ?? '') : '';
  const kind: ScheduleKind = MAINTENANCE_TARGET.test(arn) ? 'maintenance' : 'job';
  if (attrStr(c.block, 'state') === 'DISABLED') return [];
  return awsScheduleFacts(c, 'eventbridge-schedule', kind, 'schedule_expression', 'schedule_expression_timezone', (flexMin + 1) * 60_000);
}

function eventRule(c: TfCtx): ScheduleFact[] {
  if (!attr(c.block, 'schedule_expression')) return [];
  return awsScheduleFacts(c, 'eventbridge-schedule', 'job', 'schedule_expression', '__none__', 60_000);
}

/** `maintenance_exclusion` blocks of a GKE maintenance policy. */
function gkeExclusions(mp: HclBlock): MaintenanceExclusion[] {
  const out: MaintenanceExclusion[] = [];
  for (const x of blocks(mp, 'maintenance_exclusion')) {
    const start = attrStr(x, 'start_time');
    const end = attrStr(x, 'end_time');
    if (!start || !end) continue;
    const opts = blocks(x, 'exclusion_options')[0];
    out.push({ name: attrStr(x, 'exclusion_name'), start, end, scope: (opts && attrStr(opts, 'scope')) || 'NO_UPGRADES', loc: x.loc });
  }
  return out;
}

function gkeCluster(c: TfCtx): ScheduleFact[] {
  const out: ScheduleFact[] = [];
  for (const mp of blocks(c.block, 'maintenance_policy')) {
    const exclusions = gkeExclusions(mp);
    const before = out.length;
    addWindows(mp);
    // one-off date ranges: reported with every window of the cluster, not subtracted from the
    // folded week (an exclusion in one week must not hide the window in every week)
    if (exclusions.length) for (let i = before; i < out.length; i++) out[i] = { ...out[i], exclusions };
  }
  return out;

  function addWindows(mp: HclBlock): void {
    for (const d of blocks(mp, 'daily_maintenance_window')) {
      const st = attrStr(d, 'start_time');
      const loc = attrLoc(d, 'start_time') ?? d.loc;
      const m = st ? /^(\d{1,2}):(\d{2})$/.exec(st) : null;
      if (!m) continue;
      const minute = Number(m[1]) * 60 + Number(m[2]);
      // GKE: a daily window starting at start_time (GMT), four hours long
      out.push(...windowFacts(c, 'gke-maintenance-window', 'maintenance', `daily_maintenance_window.start_time = "${st}"`, loc, everySource(86_400_000, minute * 60_000), 4 * 3_600_000, 'UTC', 'platform-default'));
    }
    for (const r of blocks(mp, 'recurring_window')) {
      const st = attrStr(r, 'start_time');
      const en = attrStr(r, 'end_time');
      const rec = attrStr(r, 'recurrence');
      const loc = attrLoc(r, 'recurrence') ?? r.loc;
      if (!st || !en || !rec) continue;
      const s = Date.parse(st);
      const e = Date.parse(en);
      if (!Number.isFinite(s) || !Number.isFinite(e) || e <= s) {
        out.push(...problemFact(c, 'gke-maintenance-window', 'maintenance', rec, loc, { kind: 'unparsable', message: `start_time/end_time "${st}"/"${en}" are not RFC 3339 times`, loc }));
        continue;
      }
      try {
        out.push(...windowFacts(c, 'gke-maintenance-window', 'maintenance', `recurring_window ${rec} from ${st} to ${en}`, loc, rruleSource(rec, s), e - s, 'UTC', 'attribute'));
      } catch (err) {
        out.push(...problemFact(c, 'gke-maintenance-window', 'maintenance', rec, loc, { kind: 'unparsable', message: `recurrence "${rec}": ${String(err)}`, loc }));
      }
    }
  }
}

const AKS_DAYS: Record<string, number> = { monday: 0, tuesday: 1, wednesday: 2, thursday: 3, friday: 4, saturday: 5, sunday: 6 };
const WEEK_INDEX: Record<string, number> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };

function parseUtcOffset(s: string | undefined): number | undefined {
  if (!s) return 0; // AKS default: +00:00
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(s);
  if (!m) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

function aksCluster(c: TfCtx): ScheduleFact[] {
  const out: ScheduleFact[] = [];
  for (const mw of blocks(c.block, 'maintenance_window')) {
    // legacy planned maintenance: allowed { day, hours = [..] } in UTC
    for (const al of blocks(mw, 'allowed')) {
      const day = AKS_DAYS[(attrStr(al, 'day') ?? '').toLowerCase()];
      const hv = attr(al, 'hours')?.value;
      const hours = isSeq(hv) ? hv.items.map((i) => Number(str(i))).filter((n) => Number.isInteger(n)) : [];
      if (day === undefined || !hours.length) continue;
      const occ: Occurrences = function* (from, to) {
        for (let w = from; w < to; w += 7 * 86_400_000) for (const h of hours) yield w + day * 86_400_000 + h * 3_600_000;
      };
      out.push(...windowFacts(c, 'aks-maintenance-window', 'maintenance', `maintenance_window.allowed ${attrStr(al, 'day')} hours [${hours.join(', ')}]`, attrLoc(al, 'day') ?? al.loc, occ, 3_600_000, 'UTC', 'platform-default'));
    }
  }
  for (const type of ['maintenance_window_auto_upgrade', 'maintenance_window_node_os']) {
    for (const w of blocks(c.block, type)) {
      const freq = attrStr(w, 'frequency') ?? '';
      const interval = attrNum(w, 'interval') ?? 1;
      const hours = attrNum(w, 'duration') ?? 4;
      const start = attrStr(w, 'start_time') ?? '00:00';
      const offsetText = attrStr(w, 'utc_offset');
      const offset = parseUtcOffset(offsetText);
      const loc = attrLoc(w, 'start_time') ?? attrLoc(w, 'frequency') ?? w.loc;
      const sm = /^(\d{1,2}):(\d{2})$/.exec(start);
      const expression = `${type} ${freq} every ${interval} at ${start} ${offsetText ?? '+00:00'} for ${hours}h`;
      if (offset === undefined || !sm) {
        out.push(...problemFact(c, 'aks-maintenance-window', 'maintenance', expression, loc, { kind: 'unparsable', message: `utc_offset/start_time "${offsetText}"/"${start}" not understood`, loc }));
        continue;
      }
      const startMin = Number(sm[1]) * 60 + Number(sm[2]) - offset;
      const dow = AKS_DAYS[(attrStr(w, 'day_of_week') ?? '').toLowerCase()];
      const dom = attrNum(w, 'day_of_month');
      const weekIndex = WEEK_INDEX[(attrStr(w, 'week_index') ?? '').toLowerCase()];
      const occ: Occurrences = function* (from, to) {
        // the window's start as a local date + offset; interval > 1 has a phase set at creation: every period counts
        for (let day = from - 86_400_000; day < to; day += 86_400_000) {
          const d = new Date(day);
          const wd = (d.getUTCDay() + 6) % 7;
          const dim = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
          const md = d.getUTCDate();
          let ok = false;
          if (freq === 'Daily') ok = true;
          else if (freq === 'Weekly') ok = wd === dow;
          else if (freq === 'AbsoluteMonthly') ok = md === dom;
          else if (freq === 'RelativeMonthly') ok = wd === dow && (weekIndex === -1 ? md + 7 > dim : Math.ceil(md / 7) === weekIndex);
          const t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), md) + startMin * 60_000;
          if (ok && t >= from && t < to) yield t;
        }
      };
      out.push(...windowFacts(c, 'aks-maintenance-window', 'maintenance', expression, loc, occ, hours * 3_600_000, offsetText ? `UTC${offsetText}` : 'UTC', offsetText ? 'attribute' : 'platform-default'));
    }
  }
  return out;
}

const TF_HANDLERS: Readonly<Record<string, (c: TfCtx) => ScheduleFact[]>> = {
  aws_ssm_maintenance_window: ssmWindow,
  aws_scheduler_schedule: schedulerSchedule,
  aws_cloudwatch_event_rule: eventRule,
  google_container_cluster: gkeCluster,
  azurerm_kubernetes_cluster: aksCluster,
};

/** Terraform resource types that hold schedules. */
export const TERRAFORM_SCHEDULE_TYPES: ReadonlySet<string> = new Set(Object.keys(TF_HANDLERS));

function terraformSchedules(scan: ScanModel, resolver: RegionResolver): ScheduleFact[] {
  const out: ScheduleFact[] = [];
  for (const doc of scan.ofFormat('terraform')) {
    for (const block of doc.model.body.blocks) {
      if (block.type !== 'resource') continue;
      const h = TF_HANDLERS[block.labels[0]];
      if (h) out.push(...h({ scan, resolver, doc, block, resource: `${block.labels[0]}.${block.labels[1]}` }));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

function strings(v: Value | undefined): { text: string; loc: Loc }[] {
  if (!isSeq(v)) return [];
  return v.items.map((i) => ({ text: str(i) ?? '', loc: i.loc }));
}

function podSpec(o: K8sObject): MapValue | undefined {
  const kind = o.kind;
  const v = o.value;
  const p = kind === 'CronJob' ? get(v, 'spec', 'jobTemplate', 'spec', 'template', 'spec') : get(v, 'spec', 'template', 'spec');
  return isMap(p) ? p : undefined;
}

function containerCommands(o: K8sObject): { text: string; loc: Loc }[] {
  const p = podSpec(o);
  const out: { text: string; loc: Loc }[] = [];
  for (const key of ['containers', 'initContainers']) {
    const cs = get(p, key);
    if (!isSeq(cs)) continue;
    for (const c of cs.items) {
      const parts = [...strings(get(c, 'command')), ...strings(get(c, 'args'))];
      if (parts.length) out.push({ text: parts.map((x) => x.text).join(' '), loc: parts[0].loc });
      const img = str(get(c, 'image'));
      if (img) out.push({ text: `image:${img}`, loc: get(c, 'image')!.loc });
    }
  }
  return out;
}

function k8sFacts(scan: ScanModel, resolver: RegionResolver): ScheduleFact[] {
  const out: ScheduleFact[] = [];
  for (const doc of scan.ofFormat('kubernetes')) {
    // regions only for the documents that hold a CronJob or a DaemonSet (few of them)
    let regions: (RegionAttribution | undefined)[] | undefined;
    for (const o of kubernetesFacts(doc).objects) {
      if (o.kind !== 'CronJob' && o.kind !== 'DaemonSet') continue;
      regions ??= regionsOrUnknown(regionsOfDoc(scan, resolver, doc));
      const resource = `${o.kind}/${o.namespace ? o.namespace + '/' : ''}${o.name}`;
      if (o.kind === 'CronJob') out.push(...cronJob(o, doc, regions, resource));
      else out.push(...kured(o, doc, regions, resource));
    }
  }
  return out;
}

/**
 * Zones with unusual offsets (half and quarter hours, DST on either side, the date line) used to
 * probe whether a schedule's timezone matters.
 */
const PROBE_ZONES = ['Asia/Kathmandu', 'America/St_Johns', 'Australia/Lord_Howe', 'Pacific/Kiritimati', 'America/Los_Angeles'];

/** The hours of the UTC week (0..167) a schedule touches. */
function hoursOfWeek(intervals: readonly Interval[]): string {
  const hours = new Set<number>();
  for (const [a, b] of intervals) for (let h = Math.floor(a / 60); h < Math.ceil(b / 60); h++) hours.add(h);
  return [...hours].sort((x, y) => x - y).join(',');
}

/**
 * True when the timezone cannot change which hours of the UTC week a schedule fires in: a job
 * that runs every ten minutes, or every hour, covers every hour whatever the zone, so an unknown
 * zone hides nothing from the blast-radius check. (The exact minutes do move in quarter-hour zones.)
 */
export function zoneInvariant(occFor: (zone: string) => Occurrences): boolean {
  const key = (zone: string) => hoursOfWeek(weekWindows(occFor(zone), 60_000).intervals);
  const utc = key('UTC');
  return PROBE_ZONES.every((z) => key(z) === utc);
}

function cronJob(o: K8sObject, doc: Document, regions: (RegionAttribution | undefined)[], resource: string): ScheduleFact[] {
  const se = getEntry(get(o.value, 'spec'), 'schedule');
  const schedule = str(se?.value);
  if (!se || !schedule) return [];
  if (str(get(o.value, 'spec', 'suspend')) === 'true') return [];
  const loc = se.value.loc;
  const tzEntry = getEntry(get(o.value, 'spec'), 'timeZone');
  const tz = str(tzEntry?.value);
  let kind: ScheduleKind = 'job';
  const related: RelatedLocation[] = [];
  for (const c of containerCommands(o)) {
    const a = c.text.startsWith('image:') ? 'other' : classifyCommand(c.text);
    if (a === 'install' || a === 'reboot') {
      kind = a;
      related.push({ loc: c.loc, message: `the job runs ${c.text.slice(0, 80)} (${a})` });
    }
  }
  const base = { source: 'cronjob' as const, kind, label: resource, resource, expression: `schedule: "${schedule}"`, loc, resourceLoc: o.loc, document: doc, related };
  const fail = (problem: ScheduleProblem, windowMinutes = 1) =>
    regions.map((a) => ({ ...base, ...regionFields(a), timezoneFrom: 'unknown' as const, intervals: [], windowMinutes, problem }));
  let spec;
  try {
    // Kubernetes accepts `TZ=Zone` / `CRON_TZ=Zone` prefixes too (deprecated)
    const m = /^(?:CRON_)?TZ=(\S+)\s+(.*)$/.exec(schedule);
    spec = parseCron(m ? m[2] : schedule);
    if (m && !tz) return windowOf(m[1], 'expression');
  } catch (e) {
    return fail({ kind: 'unparsable', message: e instanceof Error ? e.message : String(e), loc });
  }
  if (tz === undefined) {
    // A schedule that touches the same hours of the UTC week in every zone (`*/10 * * * *`,
    // hourly) does not depend on the controller's timezone for blast-radius purposes.
    if (zoneInvariant((zone) => cronSource(spec, zone))) return windowOf('UTC', 'invariant');
    return fail({ kind: 'timezone-unknown', message: 'a CronJob without spec.timeZone runs in the kube-controller-manager\'s timezone, which the configuration does not say', loc });
  }
  return windowOf(tz, 'attribute');

  function windowOf(zone: string, from: ScheduleFact['timezoneFrom']): ScheduleFact[] {
    if (zone !== 'UTC' && !isValidTimezone(zone)) {
      return fail({ kind: 'timezone-invalid', message: `timeZone "${zone}" is not an IANA timezone`, loc: tzEntry?.value.loc ?? loc });
    }
    const s = parseCron(schedule!.replace(/^(?:CRON_)?TZ=\S+\s+/, ''));
    const { intervals } = weekWindows(cronSource(s, zone), 60_000);
    return regions.map((a) => ({ ...base, ...regionFields(a), timezone: zone, timezoneFrom: from, intervals, windowMinutes: 1 }));
  }
}

const KURED_DAYS: Record<string, number> = { mo: 0, tu: 1, we: 2, th: 3, fr: 4, sa: 5, su: 6 };

/** kured's --start-time/--end-time: `3am`, `15:04`, `3:04pm`, `23:59:59`. */
function kuredTime(s: string): number | undefined {
  const m = /^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(am|pm)?$/i.exec(s.trim());
  if (!m) return undefined;
  let h = Number(m[1]) % (m[4] ? 12 : 24);
  if (m[4]?.toLowerCase() === 'pm') h += 12;
  return h * 60 + Number(m[2] ?? 0) + (m[3] ? Number(m[3]) / 60 : 0);
}

function kured(o: K8sObject, doc: Document, regions: (RegionAttribution | undefined)[], resource: string): ScheduleFact[] {
  const p = podSpec(o);
  const cs = get(p, 'containers');
  if (!isSeq(cs)) return [];
  for (const c of cs.items) {
    const image = str(get(c, 'image')) ?? '';
    const words = [...strings(get(c, 'command')), ...strings(get(c, 'args'))];
    if (!/kured/.test(image) && !words.some((w) => /kured/.test(w.text))) continue;
    const flags = new Map<string, { text: string; loc: Loc }>();
    for (let i = 0; i < words.length; i++) {
      const m = /^--?([\w-]+)(?:=(.*))?$/.exec(words[i].text);
      if (!m) continue;
      if (m[2] !== undefined) flags.set(m[1], { text: m[2], loc: words[i].loc });
      else if (words[i + 1] && !words[i + 1].text.startsWith('-')) flags.set(m[1], { text: words[++i].text, loc: words[i].loc });
    }
    const startF = flags.get('start-time');
    const endF = flags.get('end-time');
    const tzF = flags.get('time-zone');
    const daysF = flags.get('reboot-days');
    const start = kuredTime(startF?.text ?? '0:00');
    const endRaw = kuredTime(endF?.text ?? '23:59:59');
    const loc = startF?.loc ?? daysF?.loc ?? endF?.loc ?? get(c, 'image')?.loc ?? o.loc;
    const zone = tzF?.text ?? 'UTC'; // kured's documented default
    const expression = `kured --reboot-days=${daysF?.text ?? 'every day'} --start-time=${startF?.text ?? '0:00'} --end-time=${endF?.text ?? '23:59:59'} --time-zone=${zone}`;
    const base = { source: 'kured' as const, kind: 'reboot' as const, label: resource, resource, expression, loc, resourceLoc: o.loc, document: doc, related: [] };
    if (start === undefined || endRaw === undefined) {
      return regions.map((a) => ({ ...base, ...regionFields(a), timezoneFrom: 'unknown' as const, intervals: [], windowMinutes: 0, problem: { kind: 'unparsable' as const, message: 'kured --start-time/--end-time not understood', loc } }));
    }
    if (zone !== 'UTC' && zone !== 'Local' && !isValidTimezone(zone)) {
      return regions.map((a) => ({ ...base, ...regionFields(a), timezoneFrom: 'unknown' as const, intervals: [], windowMinutes: 0, problem: { kind: 'timezone-invalid' as const, message: `--time-zone=${zone} is not an IANA timezone`, loc: tzF!.loc } }));
    }
    if (zone === 'Local') {
      return regions.map((a) => ({ ...base, ...regionFields(a), timezoneFrom: 'unknown' as const, intervals: [], windowMinutes: 0, problem: { kind: 'timezone-unknown' as const, message: "--time-zone=Local uses the node's timezone", loc: tzF!.loc } }));
    }
    const days = daysF ? daysF.text.split(',').map((d) => KURED_DAYS[d.trim().toLowerCase().slice(0, 2)]).filter((d) => d !== undefined) : [0, 1, 2, 3, 4, 5, 6];
    const end = endRaw <= start ? endRaw + 1440 : endRaw;
    const lengthMs = Math.ceil(end - start) * 60_000;
    const occ: Occurrences = function* (from, to) {
      for (let day = from - 86_400_000; day < to; day += 86_400_000) {
        const d = new Date(day);
        const wd = (d.getUTCDay() + 6) % 7;
        if (!days.includes(wd)) continue;
        const wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) + Math.floor(start) * 60_000;
        const t = zone === 'UTC' ? wall : wallFromZone(wall, zone);
        if (t >= from && t < to) yield t;
      }
    };
    const { intervals } = weekWindows(occ, lengthMs);
    return regions.map((a) => ({ ...base, ...regionFields(a), timezone: zone, timezoneFrom: tzF ? ('attribute' as const) : ('platform-default' as const), intervals, windowMinutes: Math.ceil(lengthMs / 60_000) }));
  }
  return [];
}


// ---------------------------------------------------------------------------------------------
// Update agents of container-optimised OSes: Zincati periodic windows, locksmith reboot windows

const ZINCATI_PATH = /(^|\/)zincati\/config\.d\/[^/]+\.toml$/;
const LOCKSMITH_PATH = /(^|\/)(flatcar|coreos)\/update\.conf$/;

interface AgentDoc {
  doc: DocumentOf<'keyvalue'>;
  /** Node path (or repo path for files on disk). */
  path: string;
}

function basenameOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Schedule facts of the Zincati / locksmith configuration of one node (or one group of files). */
function agentFacts(docs: readonly AgentDoc[], regions: RegionAttribution[], fleet: ScanModel['fleet'], extra: { where?: string; related?: RelatedLocation[] } = {}): ScheduleFact[] {
  const out: ScheduleFact[] = [];
  const zincati = docs.filter((d) => ZINCATI_PATH.test(d.path)).sort((a, b) => (basenameOf(a.path) < basenameOf(b.path) ? -1 : 1));
  const schedules: { s: AgentSchedule; doc: Document }[] = [];
  const z = zincati.length ? zincatiSchedule(zincati.map((d) => d.doc.model.entries)) : undefined;
  if (z) schedules.push({ s: z, doc: zincati.find((d) => within(z.strategyLoc, d.doc))?.doc ?? zincati[0].doc });
  for (const d of docs.filter((x) => LOCKSMITH_PATH.test(x.path))) {
    const l = locksmithSchedule(d.doc.model.entries);
    if (l) schedules.push({ s: l, doc: d.doc });
  }
  for (const { s, doc } of schedules) {
    const source = s.agent;
    const unit = s.agent === 'zincati' ? 'zincati (periodic strategy)' : 'locksmith (update.conf)';
    const label = `${extra.where ? extra.where + ': ' : ''}${unit}`;
    for (const p of s.problems) {
      for (const a of regionsOrUnknown(regions)) {
        out.push({ source, kind: 'reboot', label, resource: unit, expression: '', ...regionFields(a), timezoneFrom: 'unknown', intervals: [], windowMinutes: 0, problem: { kind: 'unparsable', message: p.message, loc: p.loc }, loc: p.loc, document: doc, related: extra.related ?? [] });
      }
    }
    for (const w of s.windows) {
      const base = { source, kind: 'reboot' as const, label, resource: unit, expression: w.text, loc: w.loc, document: doc, related: extra.related ?? [], windowMinutes: w.lengthMinutes };
      for (const a of regionsOrUnknown(regions)) {
        const region = regionFields(a);
        const explicit = s.zone !== 'localtime';
        const node = explicit ? { zone: s.zone, from: 'attribute' as const } : nodeZone(region.region, a, fleet);
        const from = explicit && !s.zoneLoc ? ('platform-default' as const) : node.from;
        if (!node.zone) {
          out.push({ ...base, ...region, timezoneFrom: 'unknown', intervals: [], problem: { kind: 'timezone-unknown', message: `${unit} reads the window in the node's local time; the timezone of region ${region.region} is unknown (set fleet.regions.${region.region}.timezone)`, loc: w.loc } });
          continue;
        }
        if (node.zone !== 'UTC' && !isValidTimezone(node.zone)) {
          const loc = s.zoneLoc ?? w.loc;
          out.push({ ...base, ...region, timezoneFrom: 'unknown', intervals: [], problem: { kind: 'timezone-invalid', message: `time_zone "${node.zone}" is not an IANA timezone`, loc } });
          continue;
        }
        const zone = node.zone;
        const occ: Occurrences = function* (fromMs, toMs) {
          for (let day = fromMs - 2 * 86_400_000; day < toMs + 86_400_000; day += 86_400_000) {
            const d = new Date(day);
            if (!w.days.includes((d.getUTCDay() + 6) % 7)) continue;
            const wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) + w.startMinute * 60_000;
            const t = zone === 'UTC' ? wall : wallFromZone(wall, zone);
            if (t >= fromMs && t < toMs) yield t;
          }
        };
        const { intervals } = weekWindows(occ, w.lengthMinutes * 60_000);
        out.push({ ...base, ...region, timezone: zone, timezoneFrom: from, intervals });
      }
    }
  }
  return out;
}

function within(loc: Loc | undefined, doc: Document): boolean {
  return !!loc && loc.file === doc.loc.file && loc.start >= doc.loc.start && loc.end <= doc.loc.end;
}

function agentPath(doc: DocumentOf<'keyvalue'>): string {
  return doc.origin?.targetPath ?? doc.file;
}

/** Agent configuration files of the scan, grouped like units (one root file, or one directory). */
function scanAgentFacts(scan: ScanModel, resolver: RegionResolver): ScheduleFact[] {
  const groups = new Map<string, AgentDoc[]>();
  for (const doc of scan.ofFormat('keyvalue')) {
    const path = agentPath(doc);
    if (!ZINCATI_PATH.test(path) && !LOCKSMITH_PATH.test(path)) continue;
    const key = doc.origin ? `root:${scan.root(doc).id}` : groupContexts(doc)[0];
    groups.set(key, [...(groups.get(key) ?? []), { doc, path }]);
  }
  const out: ScheduleFact[] = [];
  for (const docs of groups.values()) out.push(...agentFacts(docs, regionsOfDoc(scan, resolver, docs[0].doc), scan.fleet));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Node images (engine/facts/node-image.ts, written by a sibling issue): optional, guarded.

/** The shape of `nodeImages()` this module consumes. */
export interface NodeImageLike {
  id: string;
  name: string;
  loc: Loc;
  regions: RegionAttribution[];
  timers: TimerInput[];
  /** 'file' images are loose root files: their agent configuration is read from the scan, grouped. */
  kind?: string;
  /** The image's virtual file system (node path → parsed content). */
  files?: ReadonlyMap<string, { doc?: Document }>;
}

/** Schedule facts of timers baked into images: each counts in every region running the image. */
export function imageSchedules(images: readonly NodeImageLike[], scan: ScanModel): ScheduleFact[] {
  const out: ScheduleFact[] = [];
  for (const img of images) {
    for (const t of img.timers ?? []) {
      out.push(
        ...timerSchedules(t, {
          source: 'image-timer',
          regions: img.regions ?? [],
          fleet: scan.fleet,
          where: `image ${img.name}`,
          related: [{ loc: img.loc, message: `image ${img.name} ships ${t.unit}${t.stock ? ' (stock, enabled)' : ''}` }],
        }),
      );
    }
    const agentDocs: AgentDoc[] = [];
    for (const [path, f] of img.kind === 'file' ? [] : (img.files ?? [])) {
      if (f.doc?.format === 'keyvalue' && (ZINCATI_PATH.test(path) || LOCKSMITH_PATH.test(path))) agentDocs.push({ doc: f.doc as DocumentOf<'keyvalue'>, path });
    }
    if (agentDocs.length) {
      out.push(...agentFacts(agentDocs, img.regions ?? [], scan.fleet, { where: `image ${img.name}`, related: [{ loc: img.loc, message: `image ${img.name} ships this update agent configuration` }] }));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Entry points

const cache = new WeakMap<ScanModel, ScheduleFact[]>();

export interface ScheduleOptions {
  /** Images with their timers (from engine/facts/node-image.ts), when available. */
  images?: readonly NodeImageLike[];
}

/** Every schedule of the scan; with `images`, timers baked into those images too. */
export function schedules(scan: ScanModel, opts: ScheduleOptions = {}): ScheduleFact[] {
  const resolver = new RegionResolver(scan);
  const own = [...scanTimers(scan, resolver), ...scanAgentFacts(scan, resolver), ...terraformSchedules(scan, resolver), ...k8sFacts(scan, resolver)];
  const fromImages = opts.images ? imageSchedules(opts.images, scan) : [];
  // a unit written into an image is found twice (as a document and as an image timer): the
  // image's copy carries the image's regions, so it wins when it knows any
  const imageKeys = new Set(fromImages.filter((f) => f.region !== 'unknown').map((f) => `${f.resource}|${f.loc.file}|${f.loc.start}`));
  const seen = new Set<string>();
  const imageOwned = new Set<ScheduleSource>(['systemd-timer', 'zincati', 'locksmith']);
  return [...fromImages, ...own.filter((f) => !imageOwned.has(f.source) || !imageKeys.has(`${f.resource}|${f.loc.file}|${f.loc.start}`))].filter((f) => {
    const k = `${f.region}|${f.resource}|${f.loc.file}|${f.loc.start}|${f.expression}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Every schedule including node-image timers (engine/facts/node-image.ts), cached per scan. The
 * image model is optional: when it throws or finds nothing, the scan's own schedules stand. A
 * throw is not hidden by this: `nodeImages` memoises only a model it finished, so every node-image
 * rule calls it again, fails the same way and is reported as an internal error (which changed-files
 * runs report too, and which fails the scan's exit code).
 */
export function allSchedules(scan: ScanModel): ScheduleFact[] {
  const hit = cache.get(scan);
  if (hit) return hit;
  let images: NodeImageLike[] = [];
  try {
    images = (nodeImages(scan) ?? []) as NodeImageLike[];
  } catch {
    images = [];
  }
  const out = schedules(scan, { images });
  cache.set(scan, out);
  return out;
}

/** Whether a schedule is one stored for a file the scan left unread. */
export function isStoredSchedule(f: ScheduleFact | StoredSchedule): f is StoredSchedule {
  return 'line' in f;
}

/** The 1-based line a schedule's expression starts on (stored with a stored schedule). */
function lineOf(f: ScheduleFact | StoredSchedule, scan: ScanModel): number {
  if (isStoredSchedule(f)) return f.line;
  const file = scan.files.get(f.loc.file);
  return file ? positionAt(file, f.loc.start).line : 1;
}

/** A fact, computed or stored, as report data (the fleet timeline). */
export function toScheduleWindow(f: ScheduleFact | StoredSchedule, scan: ScanModel): ScheduleWindow {
  return {
    region: f.region,
    kind: f.kind,
    label: f.label,
    expression: f.expression,
    timezone: f.timezone ?? 'unknown',
    intervals: f.intervals.map(([a, b]) => [a, b] as [number, number]),
    path: f.loc.file,
    line: lineOf(f, scan),
  };
}
