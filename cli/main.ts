#!/usr/bin/env node
/**
 * The faultline command line. Wires scanners, rules and reports into the engine.
 *
 * Exit codes (stable, documented in the README):
 *   0  no unsuppressed finding at or above --fail-on
 *   1  at least one unsuppressed finding at or above --fail-on
 *   2  usage or configuration error, or a scan that could not complete
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { run } from './run.js';

export { run };

function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/**
 * Between full collections, V8 lets the old generation grow by a factor it adapts between 1.1 and 4.
 * A scan's heap is mostly documents that live to the end, plus each file's parse garbage, and V8's
 * choice let the heap reach about 280 MB for 190 MB live at 10,000 files (three full collections in
 * the whole scan). A fixed factor of 2 means a few more full collections, marked concurrently on the
 * second core: peak RSS 370–379 MB instead of 393–408 MB at 10,000 files, 1.61 GB instead of 1.70 GB
 * at 50,000, for about 3 % more time (a factor of 1.5 saved 40 MB for 5–8 %; docs/performance.md).
 * Set for the CLI process only: a program that embeds the engine keeps its own GC settings.
 */
const HEAP_GROWING_PERCENT = 100;

if (isMain()) {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`faultline: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
