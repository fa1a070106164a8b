/**
 * The YAML scanner's parser (scanners/yaml/eager-*.generated.ts) is yaml's own `Lexer` and `Parser`
 * with their generators made plain methods, derived by scripts/derive-yaml-parser.mjs. The
 * committed files must be exactly what the script derives from the installed library (an upgrade
 * of `yaml` fails the first test until the script is run again), and must give exactly the
 * library's tokens.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Lexer, Parser } from 'yaml';
import { Lexer as EagerLexer } from '../../../scanners/yaml/eager-lexer.generated.js';
import { yamlTokens } from '../../../scanners/yaml/stream.js';
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

/**
 * The derived and the library's lexical tokens, CST tokens and offsets reported to `onNewLine`, as
 * text: [derived, library].
 */
function both(text: string): [string, string] {
  const mineLines: number[] = [];
  const mine = flat({ lexemes: new EagerLexer().lex(text), tokens: yamlTokens(text, (o) => mineLines.push(o)), lines: mineLines });
  const theirLines: number[] = [];
  const theirs = flat({ lexemes: Array.from(new Lexer().lex(text)), tokens: Array.from(new Parser((o) => theirLines.push(o)).parse(text)), lines: theirLines });
  return [mine, theirs];
}

describe('the derived YAML parser', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fl-yaml-parser-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('is what scripts/derive-yaml-parser.mjs derives from the installed yaml library', async () => {
    // @ts-expect-error plain ESM module without types
    const { derive, TARGETS } = (await import('../../../scripts/derive-yaml-parser.mjs')) as {
      derive: () => Record<string, string>;
      TARGETS: Record<string, string>;
    };
    const derived = derive();
    expect(Object.keys(derived).sort()).toEqual(['lexer', 'parser']);
    for (const [name, rel] of Object.entries(TARGETS)) {
      expect(readFileSync(rel, 'utf8') === derived[name], `${rel} is not the derivation of the installed yaml: run node scripts/derive-yaml-parser.mjs`).toBe(true);
      // derive() itself refuses to leave a generator; the library's per-token debugging hook is not there either
      expect(derived[name]).not.toMatch(/LOG_TOKENS|process\.env/);
    }
  });

  it('derives plain methods that give what the generators gave, and refuses shapes it does not expect', async () => {
    // @ts-expect-error plain ESM module without types
    const { deriveModule } = (await import('../../../scripts/derive-yaml-parser.mjs')) as {
      deriveModule: (name: string, text: string) => { text: string; counts: Record<string, number> };
    };
    const source = `class Lexer {
    *lex(s) {
        this.n = 0;
        for (const c of s) yield* this.one(c);
        yield 'end';
    }
    *one(c) {
        if (c === ' ') return 0;
        yield c;
        const k = (yield* this.twice(c)) + 1;
        this.n += k;
        return k;
    }
    *twice(c) {
        yield c + c;
        return 2;
    }
}
`;
    const { text, counts } = deriveModule('lexer', source);
    expect(counts).toMatchObject({ generators: 3, delegations: 2, yields: 3 });
    const load = (code: string) => new Function(`${code}\nreturn Lexer;`)() as new () => { lex(s: string): Iterable<string>; n: number };
    const Gen = load(source);
    const Eager = load(text);
    for (const input of ['', 'a', 'a b', ' xy z ']) {
      const g = new Gen();
      const e = new Eager();
      expect(Array.from(e.lex(input)), input).toEqual(Array.from(g.lex(input)));
      expect(e.n, input).toBe(g.n);
    }
    // a yield whose value is used, a generator outside a class, a return in the entry point
    expect(() => deriveModule('lexer', 'class Lexer {\n    *lex() {\n        const x = yield 1;\n    }\n}\n')).toThrow(/yield used as a value/);
    expect(() => deriveModule('lexer', 'function* f() { yield 1; }\nclass Lexer {\n    *lex() {\n        yield 1;\n    }\n}\n')).toThrow(/generator outside a class method/);
    expect(() => deriveModule('lexer', 'class Lexer {\n    *lex(s) {\n        if (!s) return;\n        yield s;\n    }\n}\n')).toThrow(/entry point with a return/);
    expect(() => deriveModule('lexer', "import x from './other.js';\nclass Lexer {\n    *lex() {\n        yield 1;\n    }\n}\n")).toThrow(/unexpected import/);
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
