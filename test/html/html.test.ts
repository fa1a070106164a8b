/**
 * The HTML report in a real browser: headless Chromium loads it from disk; no console errors, no
 * request other than the file itself, scanned `<script>` stays text, the timeline highlights the
 * five-region overlap, every finding is rendered; a screenshot is taken.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScheduleWindow } from '../../engine/result.js';
import { CSP, overlaps, renderHtml } from '../../reports/html.js';
import { findingsResult } from '../reports/fixture.js';
import { cli } from '../cli/io.js';
import { openReport } from './browser.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'faultline-html-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DAY = 1440;
function daily(region: string, startMin: number, len: number, label: string, kind: ScheduleWindow['kind'] = 'install'): ScheduleWindow {
  return {
    region,
    kind,
    label,
    expression: `OnCalendar=*-*-* ${String(Math.floor(startMin / 60)).padStart(2, '0')}:${String(startMin % 60).padStart(2, '0')}`,
    timezone: 'UTC',
    intervals: Array.from({ length: 7 }, (_, d) => [d * DAY + startMin, d * DAY + startMin + len] as [number, number]),
    path: `regions/${region}/node.timer`,
    line: 3,
  };
}

/** Five regions on the stock apt-daily-upgrade timer (06:00 + 60 min), one staggered region, a hostile label. */
function fleetResult() {
  const r = findingsResult();
  r.schedules = [
    ...['eu1', 'us1', 'us3', 'us4', 'us5'].map((reg) => daily(reg, 360, 61, 'apt-daily-upgrade.timer (unattended-upgrades)')),
    daily('ap1', 900, 30, '<script>window.__xss = 1; alert(1)</script>', 'reboot'),
    { ...daily('eu1', 0, 0, 'aws_ssm_maintenance_window.patch', 'maintenance'), intervals: [[6 * DAY + 120, 6 * DAY + 240]] as [number, number][] },
  ];
  r.findings[0].message = `<img src=x onerror="window.__xss=2"> ${r.findings[0].message}`;
  return r;
}

describe('overlap detection', () => {
  it('finds the stretches where several regions are open at once', () => {
    const ov = overlaps(new Map([['a', [[0, 60]]], ['b', [[30, 90]]], ['c', [[45, 50]]]] as [string, [number, number][]][]));
    expect(ov).toEqual([
      { start: 30, end: 45, regions: ['a', 'b'] },
      { start: 45, end: 50, regions: ['a', 'b', 'c'] },
      { start: 50, end: 60, regions: ['a', 'b'] },
    ]);
  });
});

describe('HTML report in headless Chromium', () => {
  it('renders timeline, findings and counts with no console error and no external request', async () => {
    const result = fleetResult();
    const html = renderHtml(result, { includeSuppressed: true, attribute: (p) => ({ region: /prod-(\w+)/.exec(p)?.[1] ?? 'shared', team: p.startsWith('k8s/') ? 'shop' : 'platform' }) });
    expect(html).toContain(`content="${CSP}"`);
    expect(html).not.toMatch(/<script/i); // scanned <script> is escaped everywhere, and the report has none of its own
    const file = path.join(tmp, 'report.html');
    writeFileSync(file, html);
    const b = await openReport(file);
    try {
      const { page } = b;
      expect(b.consoleErrors).toEqual([]);
      expect(b.dialogs).toEqual([]);
      expect(b.requests).toEqual([`file://${file}`]);
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      // timeline: both charts are SVG with one row per region and the five-region overlap highlighted
      expect(await page.locator('#timeline-week svg').count()).toBe(1);
      expect(await page.locator('#timeline-day svg').count()).toBe(1);
      const weekText = await page.locator('#timeline-week svg').textContent();
      for (const reg of ['eu1', 'us1', 'us3', 'us4', 'us5', 'ap1']) expect(weekText).toContain(reg);
      expect(weekText).toContain('5 regions');
      expect(await page.locator('tr.overlap[data-regions="5"]').count()).toBe(7); // every day 06:00–07:01
      expect(await page.locator('tr.overlap').first().textContent()).toMatch(/Mon 06:00.*Mon 07:01.*5.*eu1, us1, us3, us4, us5/);
      const box = await page.locator('#timeline-week svg').boundingBox();
      expect(box!.width).toBeGreaterThan(800);
      // the hostile label is visible as text in the window table
      await page.locator('#timeline details summary').click();
      expect(await page.locator('table.windows').textContent()).toContain('<script>window.__xss = 1; alert(1)</script>');
      // findings: every one, with evidence chain and excerpt
      expect(await page.locator('article.finding').count()).toBe(result.findings.length);
      expect(await page.locator('article.finding').first().textContent()).toContain('<img src=x onerror=');
      expect(await page.locator('article.finding ol.evidence li').count()).toBeGreaterThan(3);
      expect(await page.locator('article.finding table.code tr.hit').count()).toBeGreaterThan(3);
      expect(await page.locator('[data-count="error"]').textContent()).toBe('2');
      expect(await page.locator('#hazards svg').count()).toBe(2);
      const shot = path.join(tmp, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);
    } finally {
      await b.close();
    }
  });

  it('the audit of the bundled example fleet shows its five-region overlap', async () => {
    const out = path.join(tmp, 'fleet.html');
    const r = await cli(['audit', 'fixtures/example-fleet', '-f', 'html', '-o', out, '-q'], path.resolve('.'));
    expect(r.code).toBe(1);
    const b = await openReport(out);
    try {
      expect(b.consoleErrors).toEqual([]);
      expect(b.requests).toHaveLength(1);
      expect(await b.page.locator('tr.overlap[data-regions="5"]').count()).toBeGreaterThan(0);
      expect(await b.page.locator('article.finding').count()).toBeGreaterThan(5);
      expect(await b.page.locator('.tag.unit').first().textContent()).toBe('unit fixtures/example-fleet');
      await b.page.locator('#timeline').screenshot({ path: path.join(tmp, 'fleet-timeline.png') });
    } finally {
      await b.close();
    }
    expect(readFileSync(out, 'utf8')).toContain('regions/us1/main.tf');
  });
});
