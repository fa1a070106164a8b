/**
 * `StreamParser` (scanners/yaml/stream.ts) is yaml's `Parser` with its per-token
 * `process.env.LOG_TOKENS` check taken out of `next()`. It must yield exactly the library's tokens,
 * and its `next()` must stay a copy of the installed library's: if an upgrade of `yaml` changes
 * `Parser.prototype.next`, the first test fails and the copy has to be compared again.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Parser } from 'yaml';
import { StreamParser } from '../../../scanners/yaml/stream.js';
import { yamlFiles } from '../../helpers/yaml-files.js';

/** A value as text, without recursion (the CST of a hostile file can be 100,000 levels deep). */
function flat(value: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') {
      out.push(JSON.stringify(v) ?? 'undefined');
      continue;
    }
    const keys = Array.isArray(v) ? v.map((_, i) => String(i)) : Object.keys(v);
    out.push(Array.isArray(v) ? `[${keys.length}` : `{${keys.join(',')}`);
    for (let i = keys.length - 1; i >= 0; i--) stack.push((v as Record<string, unknown>)[keys[i]]);
  }
  return out.join(' ');
}

/** Both parsers' tokens, and the offsets each reported to `onNewLine`, as text. */
function both(text: string): [string, string] {
  const run = (P: typeof Parser) => {
    const lines: number[] = [];
    const tokens = Array.from(new P((o) => lines.push(o)).parse(text));
    return flat({ tokens, lines });
  };
  return [run(StreamParser), run(Parser)];
}

describe('StreamParser', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fl-yaml-parser-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("copies the installed library's next() (yaml 2.9.1)", () => {
    const digest = createHash('sha256').update(Parser.prototype.next.toString()).digest('hex');
    expect(digest, "yaml's Parser.prototype.next changed: compare StreamParser.next with it again, then update this digest").toBe(
      'e51dbd1de31fd039522acaad2ee5b479df780aa0153a945ffb7fea06771795fc',
    );
    expect(Parser.prototype.next.toString()).toContain('LOG_TOKENS');
    expect(StreamParser.prototype.next.toString()).not.toContain('env');
  });

  it("yields the library's tokens on every YAML file of the fixtures, the corpus and a generated fleet", async () => {
    // @ts-expect-error plain ESM module without types
    const { generate } = (await import('../../../bench/generate.mjs')) as { generate: (dir: string, n: number, seed: number) => unknown };
    generate(tmp, 300, 5);
    const files = [...yamlFiles('fixtures'), ...yamlFiles('examples'), ...yamlFiles(path.join('..', 'shared', 'corpus')), ...yamlFiles(tmp)];
    expect(files.length).toBeGreaterThan(150);
    for (const f of files) {
      const [mine, theirs] = both(readFileSync(f, 'utf8'));
      expect(mine, f).toBe(theirs);
    }
  });

  it("yields the library's tokens on malformed and unusual input", () => {
    const cases = [
      '',
      '\ufeffa: 1\n',
      'a: [x, y\n',
      'a: b: c\n',
      '? a\n: 1\n',
      '%YAML 1.1\n---\na: &x 1\nb: *x\n...\n',
      'a:\n\t- b\n',
      'a: "unterminated\n',
      '- - - x\n',
      'a: |+\n  kept\n\n\nb: >-\n  folded\n',
      'a: 1\r\nb:\r\n  - x\r\n',
      '\u0000\u0001\u0002',
      '{a: 1, b: [2, {c: d}], e: }\n}\n]\n',
      '--- |\n  x\n--- >\n  y\n',
    ];
    for (const text of cases) {
      const [mine, theirs] = both(text);
      expect(mine, JSON.stringify(text)).toBe(theirs);
    }
  });

  it("yields the library's tokens on fuzzed YAML", () => {
    const parts = ['a', ': ', '- ', '  ', '\n', '\t', '#', '"', "'", '[', ']', '{', '}', ',', '|', '>', '&x ', '*x', '!t ', '? ', '---', '...', '%', '\r\n', 'é', 'x: 1\n'];
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...parts), fc.string({ maxLength: 4 })), { maxLength: 80 }), (chunks) => {
        const [mine, theirs] = both(chunks.join(''));
        expect(mine).toBe(theirs);
      }),
      { numRuns: 500, seed: 20261121 },
    );
  });
});
