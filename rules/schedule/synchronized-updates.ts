/**
 * FL201 synchronized-updates-across-regions: update, reboot and maintenance windows of more
 * regions than the blast-radius budget allows overlap (or come closer than the health gap).
 */
import { allSchedules, compareSchedules, isStoredSchedule, STORED_RELATED, toScheduleWindow, type ScheduleFact, type StoredSchedule } from '../../engine/facts/schedules.js';
import { SCHEDULE_KINDS } from '../../engine/result.js';
import { defineRule, listFirstPerKey, type RelatedLocation } from '../../engine/rule-api.js';
import { describeIntervals, mergeIntervals, widenIntervals, WEEK_MINUTES, type Interval } from '../../engine/schedule/week.js';

type Kind = ScheduleFact['kind'];
/** A schedule of the scan, or one stored for a file a changed-files scan left unread. */
type Fact = ScheduleFact | StoredSchedule;

interface Options extends Record<string, unknown> {
  maxConcurrentRegions: number;
  healthGapMinutes: number;
  kinds: Kind[];
  maxRelatedPerRegion: number;
}

/** Segments of the week where more than `max` regions are active. */
export function conflicts(byRegion: Map<string, Interval[]>, max: number): { window: Interval; regions: string[] }[] {
  const events: { at: number; d: number; region: string }[] = [];
  for (const [region, xs] of byRegion) for (const [a, b] of xs) events.push({ at: a, d: 1, region }, { at: b, d: -1, region });
  events.sort((p, q) => p.at - q.at || p.d - q.d);
  const active = new Map<string, number>();
  const segs: { window: Interval; regions: Set<string> }[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    active.set(e.region, (active.get(e.region) ?? 0) + e.d);
    if (!active.get(e.region)) active.delete(e.region);
    const next = events[i + 1]?.at ?? WEEK_MINUTES;
    if (active.size > max && next > e.at) {
      const last = segs[segs.length - 1];
      if (last && last.window[1] === e.at) {
        last.window[1] = next;
        for (const r of active.keys()) last.regions.add(r);
      } else segs.push({ window: [e.at, next], regions: new Set(active.keys()) });
    }
  }
  // a conflict running through Sunday 24:00 is one window
  if (segs.length > 1 && segs[0].window[0] === 0 && segs[segs.length - 1].window[1] === WEEK_MINUTES) {
    const last = segs.pop()!;
    for (const r of last.regions) segs[0].regions.add(r);
    segs.push({ window: last.window, regions: segs[0].regions });
  }
  return segs.map((s) => ({ window: s.window, regions: [...s.regions].sort() }));
}

export default defineRule<Options>({
  meta: {
    id: 'FL201',
    name: 'synchronized-updates-across-regions',
    title: 'Update or maintenance windows of several regions fire at the same time',
    family: 'schedule',
    severity: 'error',
    description:
      'Turns every schedule that installs packages, reboots nodes or opens a provider maintenance window (systemd timers and the stock timers of node images, SSM maintenance windows, EventBridge schedules, GKE and AKS maintenance windows, kured, CronJobs that patch) into UTC intervals over a week — timezone suffixes, DST, randomised delays and durations included — attributes them to regions, and reports when more regions than the budget allow are in a window at the same time or within the health-gate gap of each other.',
    rationale:
      'On 2023-03-08 a security update to systemd was applied automatically to tens of thousands of nodes in five regions on three cloud providers at once, because every node\'s apt timer fired in the same 06:00–07:00 UTC window: regions with no network path between them failed together, and there was no healthy region left to learn from. A routine change must reach one region, pass a health gate, and only then the next.',
    remediation:
      'Give each region its own window, far enough apart that a bad update is detected before the next region starts (stagger the `OnCalendar=` hour per region, or write the schedule in each region\'s local night with a timezone), or better, disable in-place updates and roll new images out region by region.',
    formats: ['systemd-unit', 'terraform', 'kubernetes', 'packer', 'cloud-config', 'shell', 'dockerfile'],
    scope: 'scan',
    messages: {
      overlap:
        '{kinds} windows of {count} regions ({regions}) overlap or come within {gap} min of each other: {window}; the blast-radius budget allows {max} region(s) at a time. A bad update would reach all of them before any health gate could stop it.',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxConcurrentRegions: { type: 'integer', minimum: 1, default: 1, description: 'How many regions may be in an update window at the same time.' },
        healthGapMinutes: { type: 'integer', minimum: 0, maximum: 1440, default: 30, description: "Minimum time between one region's window end and the next region's start." },
        kinds: {
          type: 'array',
          items: { enum: [...SCHEDULE_KINDS] },
          uniqueItems: true,
          default: ['install', 'reboot', 'maintenance'],
          description: 'Which schedules count: package installs, reboots, provider maintenance windows, other jobs.',
        },
        maxRelatedPerRegion: {
          type: 'integer',
          minimum: 1,
          default: 5,
          description:
            "How many of a region's schedules in the window a finding lists as related locations; the rest are counted in one more related location (every schedule is in the JSON and HTML reports' schedules).",
        },
      },
    },
    defaultOptions: { maxConcurrentRegions: 1, healthGapMinutes: 30, kinds: ['install', 'reboot', 'maintenance'], maxRelatedPerRegion: 5 },
    tags: ['blast-radius', 'schedule'],
    docs: 'docs/rules/synchronized-updates-across-regions.md',
  },
  checkScan(ctx) {
    // the scan's schedules and the stored ones of files left unread, in an order that follows from
    // the schedules alone (so a changed-files scan lists and picks what a whole-tree scan does)
    const facts: Fact[] = [...allSchedules(ctx.scan), ...ctx.scan.storedSchedules].sort(compareSchedules);
    ctx.publishSchedules(facts.map((f) => toScheduleWindow(f, ctx.scan)));
    const { maxConcurrentRegions: max, healthGapMinutes: gap, kinds, maxRelatedPerRegion } = ctx.options;
    const relevant = facts.filter((f) => kinds.includes(f.kind) && f.intervals.length && f.region !== 'unknown');
    const byRegion = new Map<string, Fact[]>();
    for (const f of relevant) {
      let list = byRegion.get(f.region);
      if (!list) byRegion.set(f.region, (list = []));
      list.push(f);
    }
    if (byRegion.size <= max) return;
    const widened = new Map<string, Interval[]>();
    for (const [r, fs] of byRegion) widened.set(r, widenIntervals(mergeIntervals(fs.flatMap((f) => f.intervals)), 0, gap));
    // group conflict windows by the set of regions involved (a daily overlap is one finding)
    const groups = new Map<string, { regions: string[]; windows: Interval[] }>();
    for (const c of conflicts(widened, max)) {
      const key = c.regions.join(',');
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { regions: c.regions, windows: [] }));
      // undo the gap widening at the end: the span from the first start to the last real end
      const len = c.window[1] - c.window[0] - gap;
      if (len > 0) g.windows.push([c.window[0], c.window[0] + len]);
      else g.windows.push([c.window[0], c.window[0] + 1]);
    }
    for (const g of groups.values()) {
      const windows = mergeIntervals(g.windows.flatMap(([a, b]) => (b <= WEEK_MINUTES ? [[a, b] as Interval] : [[a, WEEK_MINUTES] as Interval, [0, b - WEEK_MINUTES] as Interval])));
      const touching = (f: Fact) => widenIntervals(f.intervals, 0, gap).some(([a, b]) => windows.some(([c, d]) => a < d + gap && c < b));
      const involved = g.regions.flatMap((r) => byRegion.get(r)!.filter(touching));
      if (!involved.length) continue;
      const primary = involved[0];
      const related: RelatedLocation[] = [];
      const seen = new Set<string>();
      // A fleet that shares one stock timer has thousands of schedules in the window: list the first
      // few of each region and count the rest (code scanning shows 100 locations of an alert, and
      // one finding should not be most of a report); every schedule is in the reports' schedules.
      const distinct = involved.filter((f) => {
        const k = `${f.region}|${f.loc.file}|${f.loc.start}`;
        return !seen.has(k) && (seen.add(k), true);
      });
      const unlisted = listFirstPerKey(distinct, (f) => f.region, maxRelatedPerRegion, (f) => {
        related.push({ loc: f.loc, message: `${f.region}: ${f.label} — ${f.expression}${f.timezone && f.timezone !== 'UTC' ? ` (${f.timezone})` : ''} → ${describeIntervals(f.intervals)}` });
        if (f.attribution?.loc && f.attribution.loc !== f.loc) related.push({ loc: f.attribution.loc, message: `${f.region}: region attribution (${f.attribution.how})` });
        for (const r of f.related.slice(0, STORED_RELATED)) related.push(r);
      });
      for (const region of g.regions) {
        const u = unlisted.get(region);
        if (!u) continue;
        const what = u.count === 1 ? 'schedule' : 'schedules';
        related.push({
          loc: u.first.loc,
          message: `${region}: ${u.count} more ${what} in this window, not listed here (this is the first of them; the JSON and HTML reports list every schedule)`,
        });
      }
      ctx.report({
        messageId: 'overlap',
        data: {
          kinds: [...new Set(involved.map((f) => f.kind))].sort().join('/'),
          count: g.regions.length,
          regions: g.regions.join(', '),
          gap,
          window: describeIntervals(windows),
          max,
        },
        loc: primary.loc,
        resource: primary.resource,
        resourceLoc: primary.resourceLoc,
        ...(isStoredSchedule(primary) ? { embedding: primary.embedding } : { document: primary.document }),
        related,
        key: g.regions.join(','),
      });
    }
  },
});
