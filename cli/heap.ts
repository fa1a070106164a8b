import v8 from 'node:v8';

/**
 * Between full collections, V8 lets the old generation grow by a factor it adapts between 1.1 and 4.
 * A scan's heap is mostly documents that live to the end, plus each file's parse garbage, and V8's
 * choice let the heap reach about 280 MB for 190 MB live at 10,000 files (three full collections in
 * the whole scan). A fixed factor of 2 means a few more full collections, marked concurrently on the
 * second core: peak RSS 370–379 MB instead of 393–408 MB at 10,000 files, 1.61 GB instead of 1.70 GB
 * at 50,000, for about 3 % more time (a factor of 1.5 saved 40 MB for 5–8 %; docs/performance.md).
 */
export const HEAP_GROWING_PERCENT = 100;

/**
 * The V8 flags the command line runs with, set by `tuneHeap`:
 * - the heap growing factor above;
 * - `--liftoff-only`, which engine/tree-sitter.ts sets anyway before it compiles a grammar (see
 *   there). The command line sets it at start-up, with the other, because V8 accepts a code cache
 *   only under the flags it was made with (cli/bundle-loader.ts): set at start-up, every run has
 *   the same flags when the bundle is compiled as the build's warm-up had when it wrote the cache.
 * Set by the CLI for its own process (and by bench/scan-child.mjs, which measures what the CLI
 * does): a program that embeds the engine keeps its own settings.
 */
export const CLI_V8_FLAGS = [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`, '--liftoff-only'];

export function tuneHeap(): void {
  for (const flag of CLI_V8_FLAGS) v8.setFlagsFromString(flag);
}
