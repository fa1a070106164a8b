/**
 * Headless Chromium (Debian's `chromium`) through playwright-core, as the HTML report's oracle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export interface Loaded {
  page: Page;
  consoleErrors: string[];
  dialogs: string[];
  /** Every URL the page requested (the report itself included). */
  requests: string[];
  close: () => Promise<void>;
}

export async function openReport(file: string): Promise<Loaded> {
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'faultline-chromium-'));
  const ctx: BrowserContext = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1240, height: 900 },
  });
  const page = await ctx.newPage();
  const consoleErrors: string[] = [];
  const dialogs: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${String(e)}`));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return {
    page,
    consoleErrors,
    dialogs,
    requests,
    close: async () => {
      await ctx.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
