import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { composeMaps, identityMap, mapOffset, mapSpan, MappedTextBuilder, opaqueMap, sliceMap } from '../../engine/offset-map.js';
import { makeSourceFile, positionAt } from '../../engine/source.js';

describe('offset maps', () => {
  it('maps an un-indented block back to its indented source, line and column', () => {
    const root = 'key: |\n    alpha\n    beta\n';
    const file = makeSourceFile('a.yaml', root);
    const b = new MappedTextBuilder('a.yaml', [7, root.length]);
    b.verbatim('alpha\n', root.indexOf('alpha'));
    b.verbatim('beta\n', root.indexOf('beta'));
    const { text, map } = b.build();
    expect(text).toBe('alpha\nbeta\n');
    const at = text.indexOf('eta');
    const l = mapSpan(map, at, at + 3);
    expect(positionAt(file, l.start)).toEqual({ line: 3, column: 6 });
    expect(positionAt(file, l.end)).toEqual({ line: 3, column: 9 });
  });

  it('composes maps through two levels of embedding', () => {
    // root: a heredoc whose content is indented; inside it, a sub-document starting at "x=1"
    const root = 'outer {\n  <<EOF\n  a\n  x=1\nEOF\n}';
    const b = new MappedTextBuilder('r', [0, root.length]);
    b.verbatim('a\n', root.indexOf('a\n'));
    b.verbatim('x=1\n', root.indexOf('x=1'));
    const parent = b.build();
    const childStart = parent.text.indexOf('x=1');
    const child = sliceMap(parent.map, childStart, parent.text.length);
    expect(mapOffset(child, 0)).toBe(root.indexOf('x=1'));
    expect(mapOffset(child, 2)).toBe(root.indexOf('x=1') + 2);
  });

  it('rounds unmapped (synthetic) characters to the nearest source character', () => {
    const b = new MappedTextBuilder('f', [10, 30]);
    b.verbatim('ab', 10);
    b.synthetic('\n');
    b.verbatim('cd', 20);
    const { map } = b.build();
    expect(mapOffset(map, 2, 'start')).toBe(20);
    expect(mapOffset(map, 3, 'end')).toBe(12);
  });

  it('maps everything in an opaque document to its whole span', () => {
    const m = opaqueMap('f', 5, 50);
    expect(mapSpan(m, 3, 9)).toEqual({ file: 'f', start: 5, end: 50 });
  });

  it('property: composing with an identity slice never maps outside the parent span', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 1000 }), fc.nat(), fc.nat(), (len, base, a, b) => {
        const parent = identityMap('f', len, base);
        const s = a % len;
        const e = s + (b % (len - s + 1));
        const child = composeMaps(parent, identityMap('f', e - s, s));
        for (let i = 0; i <= e - s; i++) {
          const o = mapOffset(child, i);
          expect(o).toBeGreaterThanOrEqual(base);
          expect(o).toBeLessThanOrEqual(base + len);
          if (i < e - s) expect(o).toBe(base + s + i);
        }
      }),
    );
  });
});
