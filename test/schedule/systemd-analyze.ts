/**
 * Runs the real `systemd-analyze calendar` (Debian's systemd) as the oracle for OnCalendar maths,
 * in batches, with TZ=UTC and a fixed --base-time, and parses its output.
 */
import { spawnSync } from 'node:child_process';

export interface OracleResult {
  /** Normalised form, or undefined when systemd rejected the expression. */
  normalized?: string;
  /** Elapse times as printed (`Mon 2024-01-01 06:00:00 UTC`), [] for `never`. */
  elapses: string[];
  /** systemd parsed the expression but gave up computing an elapse ("Resource deadlock avoided"). */
  elapseError?: string;
}

export function systemdAnalyzeAvailable(): boolean {
  const r = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

export function systemdAnalyzeCalendar(expressions: string[], baseTime: string, iterations: number): Map<string, OracleResult> {
  const r = spawnSync('systemd-analyze', ['calendar', `--iterations=${iterations}`, `--base-time=${baseTime}`, ...expressions], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', SYSTEMD_COLORS: '0', SYSTEMD_PAGER: 'cat', LC_ALL: 'C' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  const out = new Map<string, OracleResult>();
  for (const line of r.stderr.split('\n')) {
    const m = /^Failed to parse calendar specification '(.*)': /.exec(line);
    const d = /^Failed to determine next elapse for '(.*)': (.*)$/.exec(line);
    if (m) out.set(m[1], { elapses: [] });
    else if (d) out.set(d[1], { elapses: [], elapseError: d[2] });
    else if (line.trim() && !line.startsWith('Hint: ')) throw new Error(`unexpected systemd-analyze message: ${line}`);
  }
  // One block per accepted expression, in argument order; `Original form:` is omitted when it
  // equals the normalised form.
  const blocks = r.stdout.split(/\n\s*\n/).filter((b) => /Normalized form: /.test(b));
  const accepted = expressions.filter((e) => !out.has(e)); // the whole result of an elapse failure is dropped
  if (blocks.length !== accepted.length) throw new Error(`systemd-analyze printed ${blocks.length} results for ${accepted.length} accepted expressions`);
  blocks.forEach((block, k) => {
    const orig = /^\s*Original form: (.*)$/m.exec(block);
    if (orig && orig[1] !== accepted[k]) throw new Error(`systemd-analyze output out of order: ${orig[1]} vs ${accepted[k]}`);
    const norm = /^\s*Normalized form: (.*)$/m.exec(block);
    const elapses: string[] = [];
    for (const m of block.matchAll(/^\s*(?:Next elapse|Iter\. #\d+): (.*)$/gm)) if (m[1] !== 'never') elapses.push(m[1]);
    out.set(accepted[k], { normalized: norm?.[1], elapses });
  });
  return out;
}
