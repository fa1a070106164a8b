/**
 * Stable fingerprints: a finding keeps its fingerprint when unrelated lines move.
 *
 * The hash covers the rule, the file, the resource, the rule's own discriminator key and the
 * whitespace-normalised source text of the primary location — never a line or column number.
 * Identical inputs in one file (the same hazard written twice) are told apart by their order of
 * occurrence, as GitHub does for `primaryLocationLineHash`.
 */
import { createHash } from 'node:crypto';

export interface FingerprintInput {
  ruleId: string;
  path: string;
  resource?: string;
  key?: string;
  /** Source text of the primary location. */
  text: string;
}

export function baseFingerprint(f: FingerprintInput): string {
  const norm = f.text.replace(/\s+/g, ' ').trim();
  return createHash('sha256')
    .update([f.ruleId, f.path, f.resource ?? '', f.key ?? '', norm].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}

/** Assign final fingerprints in order, suffixing repeats (`…:2`, `…:3`). */
export function assignFingerprints(bases: string[]): string[] {
  const seen = new Map<string, number>();
  return bases.map((b) => {
    const n = (seen.get(b) ?? 0) + 1;
    seen.set(b, n);
    return n === 1 ? b : `${b}:${n}`;
  });
}
