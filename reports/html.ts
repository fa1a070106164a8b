/**
 * Self-contained HTML fleet report: one file, no script, no external request, opens offline.
 *
 *   - summary and severity counts, trend against a previous run (new / fixed / unchanged);
 *   - hazards by region and by team (ECharts, server-side rendered to SVG);
 *   - the fleet timeline: every region's update windows over the UTC week and the UTC day, with the
 *     stretches where several regions update at once highlighted (ECharts custom series, SVG);
 *   - every finding with its evidence chain (embedding, related locations, suppression) and a code
 *     excerpt.
 *
 * Every scanned string goes through `esc()` (or ECharts' own SVG text escaping); the page carries a
 * Content-Security-Policy that allows no script at all, no connections and no external resources.
 */
import { createRequire } from 'node:module';
import type * as Echarts from 'echarts';
import type { Finding } from '../engine/finding.js';
import type { RenderOptions, ScanResult, ScheduleWindow } from '../engine/result.js';
import type { Severity } from '../engine/rule-api.js';
import { failsThreshold } from '../engine/finding.js';
import { compareStrings, countFindings, normalizeRange, relativePath, snippetLines, sortedFindings } from './common.js';

/** Who owns a path: filled by `faultline audit` from the inventory, or from the fleet map. */
export interface Attribution {
  unit?: string;
  team?: string;
  region?: string;
  cluster?: string;
}

/** A previous finding that no longer appears (from the previous run's JSON). */
export interface FixedFinding {
  ruleId: string;
  ruleName: string;
  severity: Severity;
  message: string;
  path: string;
  line: number;
  fingerprint: string;
}

export interface Trend {
  previous: string;
  newFingerprints: Set<string>;
  unchanged: number;
  fixed: FixedFinding[];
}

export interface HtmlOptions extends RenderOptions {
  title?: string;
  attribute?: (path: string) => Attribution;
  trend?: Trend;
}

export const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const SEV_COLOR: Record<Severity, string> = { error: '#c62828', warning: '#ef6c00', info: '#1565c0' };
const KIND_COLOR: Record<ScheduleWindow['kind'], string> = { install: '#3f6fb5', reboot: '#7b4fb0', maintenance: '#2e8b57', job: '#777' };
const WEEK = 7 * 1440;
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

// ECharts is loaded when a chart is drawn, not when the CLI starts: importing its ES module tree
// costs half a second, which every scan (and every pre-commit run) would otherwise pay.
let echartsLib: typeof Echarts | undefined;
const loadEcharts = (): typeof Echarts => (echartsLib ??= createRequire(import.meta.url)('echarts') as typeof Echarts);

function svgChart(width: number, height: number, option: Echarts.EChartsCoreOption): string {
  const chart = loadEcharts().init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

/** Merge overlapping [start, end) intervals. */
function union(iv: [number, number][]): [number, number][] {
  const s = iv.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export interface Overlap {
  start: number;
  end: number;
  regions: string[];
}

/** Stretches of time in which at least two regions have a window open (sweep over region unions). */
export function overlaps(byRegion: Map<string, [number, number][]>): Overlap[] {
  const events: { t: number; d: number; r: string }[] = [];
  for (const [r, iv] of byRegion) for (const [a, b] of union(iv)) events.push({ t: a, d: 1, r }, { t: b, d: -1, r });
  events.sort((x, y) => x.t - y.t || x.d - y.d);
  const open = new Set<string>();
  const out: Overlap[] = [];
  for (let i = 0; i < events.length; ) {
    const t = events[i].t;
    for (; i < events.length && events[i].t === t; i++) (events[i].d > 0 ? open.add(events[i].r) : open.delete(events[i].r));
    const next = events[i]?.t;
    if (next !== undefined && next > t && open.size >= 2) {
      const regions = [...open].sort(compareStrings);
      const last = out[out.length - 1];
      if (last && last.end === t && last.regions.join() === regions.join()) last.end = next;
      else out.push({ start: t, end: next, regions });
    }
  }
  return out;
}

export function fmtMinute(m: number, withDay = true): string {
  const d = Math.floor(m / 1440) % 7;
  const mm = ((m % 1440) + 1440) % 1440;
  const hh = String(Math.floor(mm / 60)).padStart(2, '0');
  const mi = String(mm % 60).padStart(2, '0');
  return withDay ? `${DAYS[d]} ${hh}:${mi}` : `${hh}:${mi}`;
}

function timelineChart(schedules: ScheduleWindow[], span: number, fold: boolean, title: string): { svg: string; overlaps: Overlap[] } {
  const regions = [...new Set(schedules.map((s) => s.region))].sort(compareStrings);
  const byRegion = new Map<string, [number, number][]>();
  const bars: { value: [number, number, number]; kind: ScheduleWindow['kind']; label: string }[] = [];
  for (const s of schedules) {
    for (const [a, b] of s.intervals) {
      const pieces: [number, number][] = [];
      if (!fold) pieces.push([a, b]);
      else {
        // Fold the week onto one day: the same UTC time of day, whatever the weekday.
        for (let x = a; x < b; ) {
          const dayEnd = (Math.floor(x / 1440) + 1) * 1440;
          const y = Math.min(b, dayEnd);
          pieces.push([x % 1440, y - dayEnd + 1440 === 1440 ? 1440 : y % 1440]);
          x = y;
        }
      }
      for (const p of pieces) {
        byRegion.set(s.region, [...(byRegion.get(s.region) ?? []), p]);
        bars.push({ value: [regions.indexOf(s.region), p[0], p[1]], kind: s.kind, label: s.label });
      }
    }
  }
  const ov = overlaps(byRegion);
  const maxRegions = Math.max(0, ...ov.map((o) => o.regions.length));
  const height = 90 + regions.length * 34;
  const svg = svgChart(1100, height, {
    title: { text: title, left: 8, top: 4, textStyle: { fontSize: 14 } },
    grid: { left: 90, right: 20, top: 44, bottom: 36 },
    xAxis: {
      type: 'value',
      min: 0,
      max: span,
      interval: fold ? 120 : 720,
      axisLabel: { formatter: (v: number) => (fold ? (v === 1440 ? '24:00' : fmtMinute(v, false)) : v % 1440 === 0 ? `${DAYS[(v / 1440) % 7] ?? ''} 00:00` : '12:00') },
      splitLine: { lineStyle: { color: '#e3e3e3' } },
    },
    yAxis: { type: 'category', data: regions, inverse: true, axisTick: { show: false } },
    series: [
      {
        type: 'custom',
        name: 'overlap',
        silent: true,
        renderItem: (_p: unknown, api: { value: (i: number) => number; coord: (v: number[]) => number[]; size: (v: number[]) => number[] }) => {
          const s = api.coord([api.value(0), 0]);
          const e = api.coord([api.value(1), 0]);
          const top = 44;
          const w = Math.max(2, e[0] - s[0]);
          return {
            type: 'group',
            children: [
              { type: 'rect', shape: { x: s[0], y: top, width: w, height: height - top - 36 }, style: { fill: 'rgba(211,47,47,0.22)', stroke: '#d32f2f', lineWidth: 1 } },
              { type: 'text', style: { text: `${api.value(2)} regions`, x: s[0] + w / 2, y: top - 4, fill: '#b71c1c', fontSize: 11, fontWeight: 'bold', align: 'center', verticalAlign: 'bottom' } },
            ],
          };
        },
        data: ov.map((o) => [o.start, o.end, o.regions.length]),
        z: 1,
      },
      {
        type: 'custom',
        name: 'windows',
        renderItem: (_p: unknown, api: { value: (i: number) => number; coord: (v: number[]) => number[]; size: (v: number[]) => number[]}) => {
          const s = api.coord([api.value(1), api.value(0)]);
          const e = api.coord([api.value(2), api.value(0)]);
          const h = api.size([0, 1])[1] * 0.5;
          return { type: 'rect', shape: { x: s[0], y: s[1] - h / 2, width: Math.max(2, e[0] - s[0]), height: h }, style: { fill: Object.values(KIND_COLOR)[api.value(3)] ?? '#777' } };
        },
        encode: { x: [1, 2], y: 0 },
        data: bars.map((b) => [...b.value, Object.keys(KIND_COLOR).indexOf(b.kind)]),
        z: 2,
      },
    ],
  });
  return { svg: svg.replace('<svg ', `<svg role="img" aria-label="${esc(`${title}; largest overlap: ${maxRegions} regions`)}" `), overlaps: ov };
}

function countsChart(title: string, groups: Map<string, Record<Severity, number>>): string {
  const names = [...groups.keys()].sort(compareStrings);
  return svgChart(520, 70 + Math.max(1, names.length) * 28, {
    title: { text: title, left: 8, top: 4, textStyle: { fontSize: 14 } },
    legend: { top: 4, right: 10, data: ['error', 'warning', 'info'] },
    grid: { left: 120, right: 20, top: 36, bottom: 24 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: names, inverse: true },
    series: (['error', 'warning', 'info'] as Severity[]).map((s) => ({
      name: s,
      type: 'bar',
      stack: 'all',
      itemStyle: { color: SEV_COLOR[s] },
      data: names.map((n) => groups.get(n)![s]),
    })),
  });
}

function excerpt(f: Finding): string {
  const s = snippetLines(f.location);
  if (!s) return '';
  const r = normalizeRange(f.location.range);
  const rows = s.lines
    .slice(0, 12)
    .map((l, i) => {
      const n = s.firstLine + i;
      const mark = n >= r.start.line && n <= r.end.line ? ' class="hit"' : '';
      return `<tr${mark}><td class="ln">${n}</td><td><code>${esc(l)}</code></td></tr>`;
    })
    .join('');
  return `<table class="code">${rows}</table>`;
}

function tags(a: Attribution): string {
  return (['region', 'team', 'cluster', 'unit'] as const)
    .filter((k) => a[k])
    .map((k) => `<span class="tag ${k}">${k} ${esc(a[k]!)}</span>`)
    .join(' ');
}

export function renderHtml(result: ScanResult, options: HtmlOptions): string {
  const root = result.root;
  const all = sortedFindings(result);
  const counts = countFindings(all);
  const attribute: (p: string) => Attribution = options.attribute ?? (() => ({}));
  const shown = all.filter((f) => !f.suppression || options.includeSuppressed !== false);
  const title = options.title ?? `faultline report${options.category ? ` — ${options.category}` : ''}`;

  const byRegion = new Map<string, Record<Severity, number>>();
  const byTeam = new Map<string, Record<Severity, number>>();
  for (const f of all) {
    if (f.suppression) continue;
    const a = attribute(relativePath(root, f.location.path));
    for (const [map, key] of [
      [byRegion, a.region ?? 'unattributed'],
      [byTeam, a.team ?? 'unowned'],
    ] as const) {
      const rec = map.get(key) ?? { error: 0, warning: 0, info: 0 };
      rec[f.severity]++;
      map.set(key, rec);
    }
  }

  const parts: string[] = [];
  const failed = failsThreshold(all, result.failOn);
  parts.push(`<header><h1>${esc(title)}</h1><p class="meta">faultline ${esc(result.tool.version)} · ${esc(result.startedAt)} · ${result.stats.filesScanned} files scanned · fail-on ${esc(result.failOn)}</p></header>`);
  parts.push('<section id="summary"><h2>Summary</h2><div class="cards">');
  parts.push(`<div class="card ${failed ? 'bad' : 'ok'}"><b>${failed ? 'FAILED' : 'PASSED'}</b><span>threshold ${esc(result.failOn)}</span></div>`);
  for (const s of ['error', 'warning', 'info'] as Severity[]) parts.push(`<div class="card sev-${s}"><b data-count="${s}">${counts.bySeverity[s]}</b><span>${s}</span></div>`);
  parts.push(`<div class="card"><b data-count="suppressed">${counts.suppressed}</b><span>suppressed</span></div>`);
  parts.push(`<div class="card"><b>${result.diagnostics.length}</b><span>diagnostics</span></div></div>`);
  if (options.trend) {
    const t = options.trend;
    const nNew = all.filter((f) => !f.suppression && t.newFingerprints.has(f.fingerprint)).length;
    parts.push(`<div id="trend" class="cards"><div class="card bad"><b data-trend="new">${nNew}</b><span>new</span></div><div class="card ok"><b data-trend="fixed">${t.fixed.length}</b><span>fixed</span></div><div class="card"><b data-trend="unchanged">${t.unchanged}</b><span>unchanged</span></div><p class="meta">compared with ${esc(t.previous)}</p></div>`);
    if (t.fixed.length) {
      parts.push('<details><summary>Fixed since the previous run</summary><ul>');
      for (const f of t.fixed) parts.push(`<li><span class="sev sev-${esc(f.severity)}">${esc(f.severity)}</span> ${esc(f.ruleId)} ${esc(f.path)}:${f.line} — ${esc(f.message)}</li>`);
      parts.push('</ul></details>');
    }
  }
  parts.push('</section>');

  parts.push('<section id="timeline"><h2>Update windows by region (UTC)</h2>');
  const schedules = result.schedules ?? [];
  if (schedules.length) {
    const week = timelineChart(schedules, WEEK, false, 'UTC week — red: regions updating at the same time');
    const day = timelineChart(schedules, 1440, true, 'UTC day (all weekdays folded) — red: same time of day');
    parts.push(`<figure class="chart" id="timeline-week">${week.svg}</figure>`);
    parts.push(`<figure class="chart" id="timeline-day">${day.svg}</figure>`);
    const worst = week.overlaps.slice().sort((a, b) => b.regions.length - a.regions.length || a.start - b.start);
    if (worst.length) {
      parts.push('<table class="overlaps"><thead><tr><th>from (UTC)</th><th>to</th><th>regions at once</th><th>regions</th></tr></thead><tbody>');
      for (const o of worst.slice(0, 50))
        parts.push(`<tr class="overlap" data-regions="${o.regions.length}"><td>${fmtMinute(o.start)}</td><td>${fmtMinute(o.end)}</td><td>${o.regions.length}</td><td>${esc(o.regions.join(', '))}</td></tr>`);
      parts.push('</tbody></table>');
    } else parts.push('<p>No two regions update at the same time.</p>');
    parts.push('<details><summary>Every window</summary><table class="windows"><thead><tr><th>region</th><th>kind</th><th>what</th><th>schedule</th><th>where</th></tr></thead><tbody>');
    for (const s of schedules.slice().sort((a, b) => compareStrings(a.region, b.region) || compareStrings(a.path, b.path) || a.line - b.line))
      parts.push(`<tr><td>${esc(s.region)}</td><td>${esc(s.kind)}</td><td>${esc(s.label)}</td><td><code>${esc(s.expression)}</code> (${esc(s.timezone)})</td><td>${esc(relativePath(root, s.path))}:${s.line}</td></tr>`);
    parts.push('</tbody></table></details>');
  } else parts.push('<p>No update schedules were found (or schedule analysis did not run).</p>');
  parts.push('</section>');

  if (byRegion.size) {
    parts.push('<section id="hazards"><h2>Hazards by region and team</h2><div class="row">');
    parts.push(`<figure class="chart">${countsChart('By region', byRegion)}</figure><figure class="chart">${countsChart('By team', byTeam)}</figure>`);
    parts.push('</div></section>');
  }

  parts.push(`<section id="findings"><h2>Findings (${shown.length})</h2>`);
  for (const f of shown) {
    const p = relativePath(root, f.location.path);
    const r = normalizeRange(f.location.range);
    const isNew = options.trend?.newFingerprints.has(f.fingerprint);
    parts.push(`<article class="finding sev-${f.severity}${f.suppression ? ' suppressed' : ''}" data-fingerprint="${esc(f.fingerprint)}">`);
    parts.push(`<h3><span class="sev sev-${f.severity}">${f.severity}</span> ${esc(f.ruleId)} ${esc(f.ruleName)}${isNew ? ' <span class="tag new">new</span>' : ''}</h3>`);
    parts.push(`<p class="msg">${esc(f.message)}</p>`);
    parts.push(`<p class="where"><code>${esc(p)}:${r.start.line}:${r.start.column}</code>${f.resource ? ` · ${esc(f.resource)}` : ''} ${tags(attribute(p))}</p>`);
    const chain: string[] = [];
    if (f.embedding?.length) chain.push(`<li>embedded in <code>${esc(p)}</code>: ${f.embedding.map(esc).join(' → ')}</li>`);
    for (const rel of f.related) chain.push(`<li><code>${esc(relativePath(root, rel.path))}:${normalizeRange(rel.range).start.line}</code> — ${esc(rel.message)}</li>`);
    if (f.suppression) chain.push(`<li>suppressed (${esc(f.suppression.kind)}): ${esc(f.suppression.reason)}${f.suppression.until ? ` until ${esc(f.suppression.until)}` : ''}</li>`);
    if (chain.length) parts.push(`<ol class="evidence">${chain.join('')}</ol>`);
    parts.push(excerpt(f));
    parts.push(`<p class="fp">fingerprint ${esc(f.fingerprint)}</p></article>`);
  }
  if (!shown.length) parts.push('<p>No findings.</p>');
  parts.push('</section>');
  if (result.diagnostics.length) {
    parts.push('<section id="diagnostics"><h2>Diagnostics</h2><ul>');
    for (const d of result.diagnostics) parts.push(`<li>${esc(d.severity)} ${esc(d.code)} <code>${esc(relativePath(root, d.path))}${d.range ? `:${d.range.start.line}` : ''}</code> ${esc(d.message)}</li>`);
    parts.push('</ul></section>');
  }

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1180px;padding:16px 24px;color:#222;background:#fafafa}
h1{margin:0 0 4px;font-size:22px}h2{margin-top:28px;border-bottom:1px solid #ddd}.meta{color:#666;margin:0}
.cards{display:flex;gap:10px;flex-wrap:wrap;align-items:center}.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:90px}
.card b{display:block;font-size:22px}.card span{color:#666}.card.bad b{color:#c62828}.card.ok b{color:#2e7d32}
.sev-error b,.sev.sev-error{color:#c62828}.sev-warning b,.sev.sev-warning{color:#ef6c00}.sev-info b,.sev.sev-info{color:#1565c0}
.sev{font-weight:bold;text-transform:uppercase;font-size:11px}.chart{background:#fff;border:1px solid #ddd;border-radius:6px;margin:10px 0;padding:4px;overflow-x:auto}
.row{display:flex;gap:12px;flex-wrap:wrap}table{border-collapse:collapse;background:#fff}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
tr.overlap td{background:#fdecea}.finding{background:#fff;border:1px solid #ddd;border-left:4px solid #999;border-radius:4px;margin:10px 0;padding:6px 12px}
.finding.sev-error{border-left-color:#c62828}.finding.sev-warning{border-left-color:#ef6c00}.finding.sev-info{border-left-color:#1565c0}.finding.suppressed{opacity:.6}
.finding h3{margin:4px 0;font-size:15px}.msg{margin:4px 0}.where{margin:2px 0;color:#444}.fp{color:#999;font-size:11px;margin:4px 0}
.tag{display:inline-block;background:#eef;border-radius:3px;padding:0 5px;font-size:11px;color:#335}.tag.new{background:#fdecea;color:#b71c1c}
table.code{font:12px/1.4 ui-monospace,monospace;width:100%;border:0}table.code td{border:0;padding:0 6px;white-space:pre}td.ln{color:#999;text-align:right;width:3em}
tr.hit td{background:#fff4d6}ol.evidence{margin:4px 0;padding-left:22px;color:#333}
</style>
</head>
<body>
${parts.join('\n')}
</body>
</html>
`;
}
