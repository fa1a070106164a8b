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
import { tuneHeap } from './heap.js';
import { run } from './run.js';

export { run };

function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  tuneHeap();
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
