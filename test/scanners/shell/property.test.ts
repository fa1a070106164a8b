import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseShell, shellDocs } from './helpers.js';

const TOKENS = [
  'echo', 'sudo', 'tee', 'cat', 'sh -c', 'bash', 'cp', 'sed -i', ' ', ' ', '\n', '\t', ';', '&&', '||', '|', '&',
  '>', '>>', '2>&1', '<<EOF', "<<'EOF'", '<<-EOF', 'EOF', '<<<', '"', "'", '\\', '$', '$(', ')', '(', '`', '{', '}',
  '${', '{{', '}}', '%{', 'if', 'then', 'fi', 'for', 'do', 'done', 'case', 'esac', '#', '/etc/apt/apt.conf.d/x',
  '/tmp/y', 'x', 'é', '😀', '\r\n', '\0',
];

describe('property: any token soup', () => {
  it('never throws, keeps every loc inside the file, at most one parse diagnostic per document', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), async (toks) => {
        const src = toks.join('');
        const r = await parseShell({ 'x.sh': src });
        const len = src.length;
        expect(r.diagnostics.filter((d) => d.code === 'internal-error')).toEqual([]);
        const perDoc = new Map<string, number>();
        for (const d of r.diagnostics) {
          if (d.code !== 'parse-error' && d.code !== 'template-unrendered') continue;
          const k = `${d.loc?.start}`;
          perDoc.set(k, (perDoc.get(k) ?? 0) + 1);
        }
        const docs = shellDocs(r);
        expect(docs.length).toBeGreaterThanOrEqual(1);
        expect(r.diagnostics.filter((d) => d.code === 'parse-error' || d.code === 'template-unrendered').length).toBeLessThanOrEqual(docs.length);
        const inside = (l: { start: number; end: number }) => l.start >= 0 && l.end <= len && l.start <= l.end;
        for (const d of docs) {
          expect(inside(d.loc)).toBe(true);
          for (const c of d.model.commands) {
            expect(inside(c.loc)).toBe(true);
            for (const w of c.argv) expect(inside(w.loc)).toBe(true);
            for (const x of c.redirects) expect(inside(x.loc) && inside(x.target.loc)).toBe(true);
          }
          for (const w of d.model.writes) {
            expect(inside(w.loc)).toBe(true);
            expect(w.path.startsWith('/')).toBe(true);
          }
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('unclosed template openers are cheap', async () => {
    const src = '{{ %{ <% {% '.repeat(20000);
    const t0 = Date.now();
    await parseShell({ 'x.sh': src });
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
