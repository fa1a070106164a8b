#!/usr/bin/env node
/**
 * `npm run docs:screenshot`: audit the bundled example fleet into a self-contained HTML report and
 * screenshot it in headless Chromium (Debian's `chromium`, through playwright-core) into docs/.
 *
 *   docs/screenshots/example-fleet-audit.html   the report itself
 *   docs/screenshots/example-fleet-timeline.png the update-window timeline (five-region overlap)
 *   docs/screenshots/example-fleet-report.png   the top of the report (summary, timeline)
 *
 * Needs `npx tsc -p .` first (uses dist/). Fails if the page logs a console error or if the
 * timeline shows no overlap of five regions.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(repo, 'docs', 'screenshots');
mkdirSync(outDir, { recursive: true });
const html = path.join(outDir, 'example-fleet-audit.html');
try {
  execFileSync(process.execPath, [path.join(repo, 'dist/cli/main.js'), 'audit', 'fixtures/example-fleet', '--format', 'html', '--output', html, '--title', 'faultline fleet audit — example fleet', '--quiet'], { cwd: repo, stdio: 'inherit' });
} catch (e) {
  if (e.status !== 1) throw e; // 1 = findings, expected for the example fleet
}
const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'faultline-chromium-'));
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1240, height: 900 },
  deviceScaleFactor: 1,
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  if (errors.length) throw new Error(`console errors:\n${errors.join('\n')}`);
  const five = await page.locator('tr.overlap[data-regions="5"]').count();
  if (!five) throw new Error('the timeline shows no five-region overlap (has the schedule rule landed?)');
  await page.locator('#timeline').screenshot({ path: path.join(outDir, 'example-fleet-timeline.png') });
  await page.screenshot({ path: path.join(outDir, 'example-fleet-report.png') });
  console.log(`wrote ${path.relative(repo, outDir)}/example-fleet-{timeline,report}.png (${five} five-region overlap rows)`);
} finally {
  await browser.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
