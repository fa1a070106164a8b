/**
 * systemd time spans (systemd.time(7) "PARSING TIME SPANS"): `1h 30min`, `12h`, `5m20s`, `90`
 * (seconds when no unit), `infinity`. Returned in seconds (fractional allowed).
 */

const UNITS: [string, number][] = [
  // longest names first so `min` wins over `m` and `ms` over `m`
  ['seconds', 1], ['second', 1], ['minutes', 60], ['minute', 60], ['months', 2629800], ['month', 2629800],
  ['usec', 1e-6], ['msec', 1e-3], ['hours', 3600], ['hour', 3600], ['days', 86400], ['day', 86400],
  ['weeks', 604800], ['week', 604800], ['years', 31557600], ['year', 31557600],
  ['sec', 1], ['min', 60], ['hr', 3600], ['us', 1e-6], ['µs', 1e-6], ['μs', 1e-6], ['ms', 1e-3],
  ['s', 1], ['m', 60], ['h', 3600], ['d', 86400], ['w', 604800], ['M', 2629800], ['y', 31557600],
];

/**
 * Parse a systemd time span. `defaultUnit` is the unit of a bare number (seconds for
 * `RandomizedDelaySec=`). Returns undefined when the text is not a valid span.
 */
export function parseSpan(text: string, defaultUnit = 1): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  if (s === 'infinity') return Infinity;
  let i = 0;
  let total = 0;
  let any = false;
  while (i < s.length) {
    while (s[i] === ' ') i++;
    if (i >= s.length) break;
    const num = /^(\d+)(?:\.(\d*))?|^\.(\d+)/.exec(s.slice(i));
    if (!num) return undefined;
    const n = Number(num[0].startsWith('.') ? '0' + num[0] : num[0].replace(/\.$/, ''));
    i += num[0].length;
    while (s[i] === ' ') i++;
    let unit: number | undefined;
    for (const [name, mult] of UNITS) {
      if (s.startsWith(name, i)) {
        const after = s[i + name.length];
        if (after === undefined || after === ' ' || /[\d.]/.test(after)) {
          unit = mult;
          i += name.length;
          break;
        }
      }
    }
    if (unit === undefined) {
      // a bare number is only allowed as the whole span's last element
      if (i < s.length && !/[\d.]/.test(s[i])) return undefined;
      unit = defaultUnit;
    }
    total += n * unit;
    any = true;
  }
  return any ? total : undefined;
}

/** `5400` → `1h 30min`, in systemd's own formatting style (largest units first). */
export function formatSpan(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'infinity';
  if (seconds === 0) return '0';
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [name, mult] of [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]] as const) {
    if (rest >= mult) {
      parts.push(`${Math.floor(rest / mult)}${name}`);
      rest %= mult;
    }
  }
  return parts.join(' ') || `${seconds}s`;
}
