/**
 * The CST-direct YAML conversion (scanners/yaml/stream.ts) against the library composer's path, as
 * the oracle: for every stream the direct path accepts, documents, values, locations, offset maps,
 * comments, errors and diagnostics must be identical; everything else must be handed to the
 * composer. Inputs: every YAML file in the fixtures and the shared corpus, a generated fleet,
 * hand-picked edge cases (comment ends, empty values, CRLF, block scalars, flow collections), every
 * printable first character of a plain scalar, generated block YAML and generated token soup.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { identityMap } from '../../../engine/offset-map.js';
import { DEFAULT_LIMITS } from '../../../engine/scanner-api.js';
import { parseYamlStream, type StreamDoc } from '../../../scanners/yaml/stream.js';
import { yamlFiles } from '../../helpers/yaml-files.js';

type Diag = Parameters<Parameters<typeof parseYamlStream>[2]['diag']>[0];

function run(text: string, p: 'auto' | 'composer'): { docs: StreamDoc[]; diags: Diag[]; taken?: string } {
  const diags: Diag[] = [];
  let taken: string | undefined;
  const docs = parseYamlStream(text, identityMap('f.yaml', text.length), { limits: DEFAULT_LIMITS, diag: (d) => diags.push(d), path: p, taken: (t) => (taken = t) });
  return { docs, diags, taken };
}

/** Both paths give the same result; returns whether the direct path converted the stream itself. */
function compare(text: string): boolean {
  const { taken, ...direct } = run(text, 'auto');
  const { taken: _composer, ...composed } = run(text, 'composer');
  expect(direct).toEqual(composed);
  // the shapes must match too, not only the values (no stray undefined properties)
  expect(JSON.stringify(direct)).toBe(JSON.stringify(composed));
  if (taken === 'direct') expect(composed.docs.every((d) => d.errors.length === 0) && composed.diags.length === 0).toBe(true);
  return taken === 'direct';
}

describe('CST-direct YAML conversion', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fl-yaml-direct-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('equals the composer on every YAML file in the fixtures and the corpus, and takes most of them', () => {
    const files = [...yamlFiles('fixtures'), ...yamlFiles('examples'), ...yamlFiles(path.join('..', 'shared', 'corpus'))];
    expect(files.length).toBeGreaterThan(40);
    let taken = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      try {
        if (compare(text)) taken++;
      } catch (e) {
        throw new Error(`${f}: ${(e as Error).message}`);
      }
    }
    expect(taken).toBeGreaterThan(files.length / 2);
  });

  it('equals the composer on a generated fleet', async () => {
    // @ts-expect-error plain ESM module without types
    const { generate } = (await import('../../../bench/generate.mjs')) as { generate: (dir: string, n: number, seed: number) => unknown };
    generate(tmp, 400, 7);
    const files = yamlFiles(tmp);
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) compare(readFileSync(f, 'utf8'));
  });

  it('is taken for plain block YAML and handed to the composer for what it does not handle', () => {
    const taken = compare;
    expect(taken('apiVersion: v1\nkind: Pod\nmetadata:\n  name: a # c\nspec:\n  containers:\n  - name: x\n    args:\n    - "-c"\n    - |\n      echo hi\n')).toBe(true);
    expect(taken('a: 1\n---\nb: [1, "2", x]\nc: {}\nd: []\ne: {k: v, "q": [a, b], e: }\nf: [\n  a, # c\n  b,\n]\n')).toBe(true);
    expect(taken('a: [x: 1]\n')).toBe(false); // a pair in a flow sequence
    expect(taken('a: [x, y\n')).toBe(false); // unterminated flow sequence
    expect(taken('? a\n: 1\n')).toBe(false); // explicit key
    expect(taken('a: &x 1\nb: *x\n')).toBe(false); // anchor and alias
    expect(taken('base: &b {x: 1}\nm:\n  <<: *b\n')).toBe(false); // merge key
    expect(taken('a: !!str 1\n')).toBe(false); // tag
    expect(taken('%YAML 1.1\n---\na: 1\n')).toBe(false); // directive
    expect(taken('a: 1\n...\n')).toBe(false); // document end marker
    expect(taken('a:\n\t- b\n')).toBe(false); // tab
    expect(taken('a: b: c\n')).toBe(false); // parse error
    expect(taken('a\nb: 1\n')).toBe(false); // key without value
  });

  it('places ends, empty values and comments exactly where the composer does', () => {
    const cases = [
      'a:\n  b: 1\n  # trailing\n',
      'a:\n  b: 1\n\n  # t\n\n',
      'a:\n  b: 1\n  # trailing\nc: 2\n',
      'k:\n  - 1\n  # t\n',
      '- a: 1\n  # t\n- b\n',
      'a: # c\nb:\n',
      'a:\n\n  # c\n  b: 1\n',
      '# c\n- x\n-\n- # c\n-\n  a: 1\n',
      '--- # c\na: 1\n',
      '---\n---\n',
      '# only a comment\n',
      '',
      '\n\n',
      'a: 1\r\nb:\r\n  - x\r\n',
      'a: |+\n  kept\n\n\nb: >-\n  folded\n  text\n\n',
      'a: plain\n  continued\n  here\nb: "quoted\n  on lines"\n',
      'a  : 1\n"b" : 2\n',
      '- - - x\n',
      'a: [\n  1,\n  2, # c\n]\n',
      'x: {a: 1, b: , c: [ ], d: { }}\n',
      '[1, 2]\n',
      '{a: 1} # c\n',
      'plain scalar document\n',
      '"quoted document"\n---\n|\n  block document\n',
    ];
    let taken = 0;
    for (const text of cases) if (compare(text)) taken++;
    expect(taken).toBe(cases.length);
  });

  it('resolves plain scalars as the YAML 1.1 schema does, whatever they start with', () => {
    const suffixes = ['', '5', '.5', 'e5', '1_0', 'ull', 'rue', 'n', 'es', 'ff', 'x1f', 'b1', '0-01-01', ':30', 'nf', 'aN', 'word'];
    const firsts: string[] = [];
    for (let c = 33; c < 127; c++) if (!'#:-?,[]{}&*!|>\'"%@`'.includes(String.fromCharCode(c))) firsts.push(String.fromCharCode(c));
    firsts.push('é', '-', '-1', '+', '.');
    for (const f of firsts) for (const sfx of suffixes) compare(`a: ${f}${sfx}\n${f}${sfx}: b\n`);
  });

  it('equals the composer on generated block YAML, and takes it', () => {
    const scalar = fc.constantFrom('a', 'x y', '"q: r"', "'s''t'", '1', '0o7', '017', '0x1F', '1_000', '1:30', '190:20:30.15', 'yes', 'Off', 'y', '~', 'null', '', '2001-12-14', '2001-12-14 21:59:43.10 -5', '.5', '1e3', '-.inf', '.NaN', '"é\\n\\t"', '{{ v }}', 'a #b', 'http://x:80/a', '-1', '+0b101', "''", '""', '[]', '{}', '[a, "b", 1]', '{k: v, "n": 2}', '|\n  text\n  more\n', '>-\n  folded\n  text\n', '|+\n  kept\n\n');
    const key = fc.constantFrom('a', 'b', 'key', '"quoted"', "'s'", '1', 'true', 'x y', 'a.b/c', '-x');
    type Node = { s: string } | { m: [string, Node][] } | { q: Node[] };
    const { node } = fc.letrec<{ node: Node }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        scalar.map((s) => ({ s })),
        fc.array(fc.tuple(key, tie('node')), { minLength: 1, maxLength: 4 }).map((m) => ({ m })),
        fc.array(tie('node'), { minLength: 1, maxLength: 4 }).map((q) => ({ q })),
      ),
    }));
    const comment = fc.constantFrom('', '', '', ' # c', '  #c ');
    const render = (n: Node, indent: number, comments: string[]): string => {
      const pad = ' '.repeat(indent);
      const c = () => comments[(indent + comments.length) % comments.length] ?? '';
      if ('s' in n) return n.s.startsWith('|') || n.s.startsWith('>') ? n.s.replace(/\n  /g, `\n${pad}  `) : `${n.s}${n.s.includes('\n') ? '' : c()}\n`;
      if ('m' in n)
        return (
          n.m.map(([k, v], i) => `${i ? pad : ''}${k}:${'s' in v ? ' ' + render(v, indent, comments) : c() + '\n' + pad + '  ' + render(v, indent + 2, comments)}`).join('') +
          (c() ? `${pad}${c().trim()}\n` : '')
        );
      return n.q.map((v, i) => `${i ? pad : ''}-${'s' in v ? ' ' + render(v, indent, comments) : ' ' + render(v, indent + 2, comments)}`).join('');
    };
    let takenCount = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.array(node, { minLength: 1, maxLength: 3 }), fc.array(comment, { minLength: 1, maxLength: 4 }), (docs, comments) => {
        const text = docs.map((d) => ('s' in d ? render(d, 0, comments) : render(d, 0, comments))).join('---\n');
        runs++;
        if (compare(text)) takenCount++;
      }),
      { numRuns: 2000 },
    );
    expect(takenCount).toBeGreaterThan(runs / 2);
  });

  it('equals the composer on generated token soup', () => {
    const tok = fc.constantFrom('a', 'b: ', ': ', '- ', '-', '"q"', "'s'", '"', '|', '|-', '>', '#c', ' #c', '---', '~', '1', '0x1f', '1:30', 'yes', 'on', '2001-12-14', '.inf', '{{ v }}', ' ', '  ', '    ', '\n', '\r\n', 'é', '[', ']', '{', '}', ', ', ',', '&x ', '*x', '<<: ', '? ', '!!str ', '\t', '%x', '@x', '`x', ',x');
    fc.assert(
      fc.property(fc.array(tok, { maxLength: 40 }), (toks) => {
        compare(toks.join(''));
      }),
      { numRuns: 5000 },
    );
  });
});
