import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeLineStarts, lineText, makeSourceFile, offsetAt, positionAt } from '../../engine/source.js';

/** Reference: a line starts after every \r\n, lone \r or \n (the terminators SARIF and editors count). */
function referenceStarts(text: string): number[] {
  const starts = [0];
  for (const m of text.matchAll(/\r\n|\r|\n/g)) starts.push(m.index + m[0].length);
  return starts;
}

describe('source positions', () => {
  it('line starts agree with a regular-expression reference on any mix of terminators', () => {
    const piece = fc.constantFrom('a', 'é', '😀', ' ', '\n', '\r', '\r\n', '\n\r', '\r\r\n');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        const starts = computeLineStarts(text);
        expect(starts).toBeInstanceOf(Uint32Array);
        expect([...starts]).toEqual(referenceStarts(text));
      }),
      { numRuns: 500 },
    );
  });

  it('positions and offsets round-trip through the line table', () => {
    const f = makeSourceFile('a.txt', 'one\r\ntwo\rthree\n\nfour');
    expect(positionAt(f, f.text.indexOf('two'))).toEqual({ line: 2, column: 1 });
    expect(positionAt(f, f.text.indexOf('three') + 2)).toEqual({ line: 3, column: 3 });
    expect(positionAt(f, f.text.indexOf('four'))).toEqual({ line: 5, column: 1 });
    expect(lineText(f, 3)).toBe('three');
    expect(lineText(f, 4)).toBe('');
    expect(lineText(f, 6)).toBe('');
    for (let o = 0; o <= f.text.length; o++) {
      const p = positionAt(f, o);
      expect(offsetAt(f, p)).toBe(o);
    }
  });
});
