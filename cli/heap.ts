import v8 from 'node:v8';

/**
 * Between full collections, V8 lets the old generation grow by a factor it adapts between 1.1 and 4.
 * A scan's heap is mostly documents that live to the end, plus each file's parse garbage, and V8's
 * choice let the heap reach about 280 MB for 190 MB live at 10,000 files (three full collections in
 * the whole scan). A fixed factor of 2 means a few more full collections, marked concurrently on the
 * second core: peak RSS 370–379 MB instead of 393–408 MB at 10,000 files, 1.61 GB instead of 1.70 GB
 * at 50,000, for about 3 % more time (a factor of 1.5 saved 40 MB for 5–8 %; docs/performance.md).
 * Set by the CLI for its own process (and by bench/scan-child.mjs, which measures what the CLI
 * does): a program that embeds the engine keeps its own GC settings.
 */
export const HEAP_GROWING_PERCENT = 100;

export function tuneHeap(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
