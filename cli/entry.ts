/**
 * What the `faultline` command does once loaded: tune the heap, run the command line, set the exit
 * code. cli/main.ts loads this module from the bundle (dist/cli/faultline.mjs, see
 * scripts/bundle.mjs) when it exists, else from the module tree.
 */
import { tuneHeap } from './heap.js';
import { run } from './run.js';

export async function main(argv: string[]): Promise<void> {
  tuneHeap();
  try {
    process.exitCode = await run(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
  } catch (e) {
    process.stderr.write(`faultline: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  }
}
