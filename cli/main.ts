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
 * one script, dist/cli/faultline.cjs: Node 20 loads and links each ES module of a tree separately,
 * and the bundle starts in about 0.12 s where the tree of some 350 modules takes 0.22 s — on every
 * run, so on every pre-commit hook (docs/performance.md). It is loaded through V8's code cache the
 * build wrote beside it (cli/bundle-loader.ts), which saves compiling it again. The bundle runs only
 * while it is current (dist/cli/faultline.inputs.json lists what it was built from): no module it
 * bundles is newer than it (`tsc` rewrites what it emits, so a rebuild without bundling — `tsc`, or
 * `tsc -w` after one edit — makes it stale), and the packages it bundles are installed at the
 * versions it has. Otherwise, or without the bundle or its list, or with FAULTLINE_NO_BUNDLE=1, the
 * same code runs from the module tree.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE, loadBundle } from './bundle-loader.js';
import { tuneHeap } from './heap.js';

interface BundleInputs {
  modules: string[];
  packages: Record<string, { version: string; at: string }>;
}

function bundleIsCurrent(dir: string): boolean {
  try {
    const built = statSync(path.join(dir, BUNDLE)).mtimeMs;
    const inputs = JSON.parse(readFileSync(path.join(dir, 'faultline.inputs.json'), 'utf8')) as BundleInputs;
    if (!inputs.modules.length || inputs.modules.some((m) => statSync(path.join(dir, m)).mtimeMs > built)) return false;
    let req: NodeRequire | undefined;
    const manifest = (name: string, at: string): string => {
      try {
        return readFileSync(path.join(dir, at), 'utf8');
      } catch {
        return readFileSync((req ??= createRequire(path.join(dir, 'main.js'))).resolve(`${name}/package.json`), 'utf8');
      }
    };
    return Object.entries(inputs.packages).every(([name, { version, at }]) => (JSON.parse(manifest(name, at)) as { version?: string }).version === version);
  } catch {
    return false; // no bundle, no list, a listed module gone, a package not found
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));
let main: (argv: string[]) => Promise<void>;
if (!process.env.FAULTLINE_NO_BUNDLE && bundleIsCurrent(here)) {
  tuneHeap(); // before compiling: V8 takes the code cache only under the flags it was made with
  const bundle = loadBundle(here);
  if (process.env.FAULTLINE_TIMING) process.stderr.write(`start-up: bundle loaded in ${bundle.loadMs.toFixed(1)} ms, code cache ${bundle.codeCache}\n`);
  main = bundle.main;
} else {
  ({ main } = (await import('./entry.js')) as typeof import('./entry.js'));
}
await main(process.argv.slice(2));
