/**
 * One string instance per distinct short value.
 *
 * Configuration repeats itself: every Kubernetes manifest has `apiVersion`, `metadata`, `name`,
 * `app`; every script says `curl`, `-y`, `systemctl`. Each parse slices those out of its own file,
 * so without this a 10,000-file fleet keeps half a million copies of a few thousand strings (about
 * 14 MB of a 250 MB heap). Scanners pass map keys, short scalar values and shell words through
 * `intern`, and documents then share one instance of each.
 *
 * Only strings up to `MAX_LENGTH` characters are pooled (long ones rarely repeat and would make the
 * pool itself large). The pool is a plain Map; once it holds `MAX_ENTRIES` strings it starts
 * again, so a long-lived process (a test run, a worker) cannot grow it without bound. Interning
 * never changes a value, only which instance holds it.
 */
const MAX_LENGTH = 64;
const MAX_ENTRIES = 1 << 16;
let pool = new Map<string, string>();

export function intern(s: string): string {
  if (s.length > MAX_LENGTH) return s;
  const seen = pool.get(s);
  if (seen !== undefined) return seen;
  if (pool.size >= MAX_ENTRIES) pool = new Map();
  pool.set(s, s);
  return s;
}
