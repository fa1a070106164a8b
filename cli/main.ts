#!/usr/bin/env node
/**
 * The faultline command line. Wires scanners, rules and reports into the engine.
 *
 * Exit codes (stable, documented in the README):
 *   0  no unsuppressed finding at or above --fail-on
 *   1  at least one unsuppressed finding at or above --fail-on
 *   2  usage or configuration error, or a scan that could not complete
 *
 * This file only chooses what to load. The build (`npm run build`) bundles the command line into
 * one module, dist/cli/faultline.mjs: Node 20 loads and links each ES module of a tree separately,
 * and the bundle starts in about 0.12 s where the tree of some 350 modules takes 0.22 s — on every
 * run, so on every pre-commit hook (docs/performance.md). Without the bundle, with a bundle older
 * than the module tree (`tsc` rewrites every file it emits, so a `tsc`-only rebuild makes the bundle
 * stale), or with FAULTLINE_NO_BUNDLE=1, the same code runs from the module tree.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('./faultline.mjs', import.meta.url);
const mtime = (u: URL) => statSync(fileURLToPath(u), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const useBundle = !process.env.FAULTLINE_NO_BUNDLE && mtime(bundle) >= mtime(new URL('./entry.js', import.meta.url));
const { main } = (await import(useBundle ? bundle.href : './entry.js')) as typeof import('./entry.js');
await main(process.argv.slice(2));
