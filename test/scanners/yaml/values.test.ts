import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse as yamlParse, stringify as yamlStringify } from 'yaml';
import { get, getEntry, isScalar, type ScalarValue, type Value } from '../../../engine/model.js';
import { mapOffset } from '../../../engine/offset-map.js';
import { positionAt } from '../../../engine/source.js';
import { parseFiles } from '../../../engine/testing.js';
import { yamlScanner } from '../../../scanners/yaml/index.js';
import { docsOf, lc, plain } from './helpers.js';

const scanners = [yamlScanner];

function rootDoc(r: Awaited<ReturnType<typeof parseFiles>>, i = 0) {
  const d = r.documents[i];
  if (!d || !('root' in d.model)) throw new Error('no yaml document');
  return d as typeof d & { model: { root: Value } };
}

/** Root `line:col` of offset `k` of a scalar's string value. */
function charAt(r: Awaited<ReturnType<typeof parseFiles>>, v: ScalarValue, k: number): string {
  const f = r.files.get(v.loc.file)!;
  const off = v.map ? mapOffset(v.map, k) : v.loc.start + k;
  const p = positionAt(f, off);
  return `${p.line}:${p.column}`;
}

/** The scalar at `v` (typed as string-valued for `indexOf` in assertions; `toBe` still checks the real value). */
function scalar(v: Value | undefined): ScalarValue & { value: string } {
  if (!isScalar(v)) throw new Error(`not a scalar: ${JSON.stringify(v)}`);
  return v as ScalarValue & { value: string };
}

describe('value tree locations', () => {
  it('gives maps, keys, sequences and scalars exact root spans', async () => {
    const text = ['name: web', 'spec:', '  ports:', '    - 80', '    - "443"', '  labels: {app: web, tier: "front"}', ''].join('\n');
    const r = await parseFiles(scanners, { 'a.yaml': text });
    const root = rootDoc(r).model.root;
    expect(plain(root)).toEqual({ name: 'web', spec: { ports: [80, '443'], labels: { app: 'web', tier: 'front' } } });
    expect(lc(r, root.loc, true)).toBe('1:1-6:36');
    const spec = getEntry(root, 'spec')!;
    expect(lc(r, spec.keyLoc, true)).toBe('2:1-2:5');
    const ports = get(root, 'spec', 'ports')!;
    expect(lc(r, ports.loc, true)).toBe('4:5-5:12');
    expect(lc(r, get(ports, 0)!.loc, true)).toBe('4:7-4:9');
    const q = scalar(get(ports, 1));
    expect(lc(r, q.loc, true)).toBe('5:7-5:12'); // the quotes belong to the scalar
    expect(charAt(r, q, 0)).toBe('5:8'); // but its value starts inside them
    const labels = get(root, 'spec', 'labels')!;
    expect(lc(r, labels.loc, true)).toBe('6:11-6:36');
    expect(lc(r, getEntry(labels, 'tier')!.keyLoc)).toBe('6:22');
    expect(charAt(r, scalar(get(labels, 'tier')), 0)).toBe('6:29');
  });

  it('maps each line of an indented block literal to its root position', async () => {
    const text = ['a:', '  b:', '    script: |', '      #!/bin/sh', '      echo one', '', '        indented two', 'c: 1', ''].join('\n');
    const r = await parseFiles(scanners, { 'b.yaml': text });
    const s = scalar(get(rootDoc(r).model.root, 'a', 'b', 'script'));
    expect(s.value).toBe('#!/bin/sh\necho one\n\n  indented two\n');
    expect(s.map).toBeDefined();
    expect(charAt(r, s, s.value.indexOf('#!'))).toBe('4:7');
    expect(charAt(r, s, s.value.indexOf('echo'))).toBe('5:7');
    expect(charAt(r, s, s.value.indexOf('one'))).toBe('5:12');
    // kept indentation beyond the block indent maps to the spaces themselves
    expect(charAt(r, s, s.value.indexOf('  indented'))).toBe('7:7');
    expect(charAt(r, s, s.value.indexOf('two'))).toBe('7:18');
    expect(lc(r, s.loc, true)).toBe('3:13-7:21');
  });

  it('handles indentation indicators and chomping', async () => {
    const text = [
      'keep: |+',
      '  x',
      '',
      'strip: |-',
      '  y',
      '',
      'ind: |2',
      '     five',
      '   three',
      'folded: >',
      '  one',
      '  two',
      '',
      '  three',
      '    more',
      'foldstrip: >-',
      '  a b',
      '  c',
      '',
    ].join('\n');
    const r = await parseFiles(scanners, { 'c.yaml': text });
    const root = rootDoc(r).model.root;
    const expected = yamlParse(text) as Record<string, string>;
    for (const k of ['keep', 'strip', 'ind', 'folded', 'foldstrip']) expect(scalar(get(root, k)).value).toBe(expected[k]);
    expect(expected.ind).toBe('   five\n three\n');
    const ind = scalar(get(root, 'ind'));
    expect(charAt(r, ind, 0)).toBe('8:3'); // indicator 2: the three extra spaces are content
    expect(charAt(r, ind, ind.value.indexOf('five'))).toBe('8:6');
    expect(charAt(r, ind, ind.value.indexOf('three'))).toBe('9:4');
    const folded = scalar(get(root, 'folded'));
    expect(folded.value).toBe('one two\nthree\n  more\n');
    expect(charAt(r, folded, folded.value.indexOf('two'))).toBe('12:3');
    expect(charAt(r, folded, folded.value.indexOf('three'))).toBe('14:3');
    expect(charAt(r, folded, folded.value.indexOf('more'))).toBe('15:5');
    const fs = scalar(get(root, 'foldstrip'));
    expect(fs.value).toBe('a b c');
    expect(charAt(r, fs, 4)).toBe('18:3');
  });

  it('maps double-quoted escapes and folds back to their source', async () => {
    const text = 'cmd: "printf \\"%s\\\\n\\" \\u00e9t\\u00e9\n  next line \\\n  glued end"\n';
    const r = await parseFiles(scanners, { 'd.yaml': text });
    const s = scalar(get(rootDoc(r).model.root, 'cmd'));
    expect(s.value).toBe(yamlParse(text).cmd);
    expect(s.value).toBe('printf "%s\\n" été next line glued end');
    expect(charAt(r, s, 0)).toBe('1:7');
    expect(charAt(r, s, s.value.indexOf('"'))).toBe('1:14'); // the escaped quote maps to its backslash
    expect(charAt(r, s, s.value.indexOf('é'))).toBe('1:24');
    expect(charAt(r, s, s.value.indexOf('next'))).toBe('2:3');
    expect(charAt(r, s, s.value.indexOf('glued'))).toBe('3:3');
    expect(charAt(r, s, s.value.indexOf('end'))).toBe('3:9');
  });

  it("maps single-quoted '' and multi-line plain scalars", async () => {
    const text = "a: 'it''s\n  folded'\nb: plain\n  continued\n\n  para\n";
    const r = await parseFiles(scanners, { 'e.yaml': text });
    const root = rootDoc(r).model.root;
    const a = scalar(get(root, 'a'));
    expect(a.value).toBe("it's folded");
    expect(charAt(r, a, 2)).toBe('1:7'); // the quote of the '' pair
    expect(charAt(r, a, 3)).toBe('1:9'); // after the '' pair
    expect(charAt(r, a, a.value.indexOf('folded'))).toBe('2:3');
    const b = scalar(get(root, 'b'));
    expect(b.value).toBe('plain continued\npara');
    expect(charAt(r, b, b.value.indexOf('continued'))).toBe('4:3');
    expect(charAt(r, b, b.value.indexOf('para'))).toBe('6:3');
  });

  it('keeps positions exact with CRLF line endings', async () => {
    const text = 'x:\r\n  s: |\r\n    one\r\n    two\r\n  t: 2\r\n';
    const r = await parseFiles(scanners, { 'crlf.yaml': text });
    const root = rootDoc(r).model.root;
    const s = scalar(get(root, 'x', 's'));
    expect(s.value).toBe('one\ntwo\n');
    expect(charAt(r, s, 4)).toBe('4:5');
    expect(lc(r, get(root, 'x', 't')!.loc)).toBe('5:6');
  });

  it('leaves map off when a scalar is a verbatim slice at loc.start', async () => {
    const r = await parseFiles(scanners, { 'f.yaml': 'a: hello world\nb: "x\\ty"\n' });
    const root = rootDoc(r).model.root;
    expect(scalar(get(root, 'a')).map).toBeUndefined();
    expect(scalar(get(root, 'b')).map).toBeDefined();
  });

  it('decodes every scalar style exactly as the yaml library, with verbatim characters mapped onto themselves', async () => {
    const styles = ['PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'] as const;
    const str = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '\t', '"', "'", '\\', '#', ':', 'é', '-', '😀'), maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(str, fc.constantFrom(...styles), fc.integer({ min: 0, max: 6 }), async (s, style, indent) => {
        const body = yamlStringify({ k: { v: s } }, { defaultStringType: style, defaultKeyType: 'PLAIN', lineWidth: 20, minContentWidth: 5 });
        const text = `${' '.repeat(0)}top:\n${body
          .split('\n')
          .map((l) => (l ? ' '.repeat(indent + 1) + l : l))
          .join('\n')}`;
        const r = await parseFiles(scanners, { 'p.yaml': text });
        const v = scalar(get(rootDoc(r).model.root, 'top', 'k', 'v'));
        const expected = (yamlParse(text, { version: '1.1' }) as { top: { k: { v: unknown } } }).top.k.v;
        if (typeof expected !== 'string') return; // e.g. plain 'yes' → boolean
        expect(v.value).toBe(expected);
        const m = v.map;
        if (!m) {
          expect(text.slice(v.loc.start, v.loc.start + expected.length)).toBe(expected);
          return;
        }
        for (let k = 0; k < m.segs.length; k += 3) {
          const inner = m.segs[k];
          const outer = m.segs[k + 1];
          for (let i = 0; i < m.segs[k + 2]; i++) {
            // mapped characters copy the source, except decoded escapes, which map to their backslash
            const src = text[outer + i];
            if (src !== expected[inner + i]) expect(src).toBe('\\');
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('YAML 1.1 semantics as PyYAML and go-yaml read them', () => {
  it('reads booleans, octal modes and timestamps like cloud-init does', async () => {
    const text = 'on: yes\nmode: 0644\nports: 22:22\nwhen: 2024-01-02\nbig: 123456789012345678901234\ninf: .inf\nnothing: ~\n';
    const r = await parseFiles(scanners, { 'g.yaml': text });
    const root = rootDoc(r).model.root;
    expect(getEntry(root, 'on')).toBeDefined();
    expect(scalar(get(root, 'on')).value).toBe(true);
    expect(scalar(get(root, 'mode')).value).toBe(0o644);
    expect(scalar(get(root, 'ports')).value).toBe('22:22');
    expect(scalar(get(root, 'when')).value).toBe('2024-01-02');
    expect(scalar(get(root, 'big')).value).toBe('123456789012345678901234');
    expect(scalar(get(root, 'inf')).value).toBe('.inf');
    expect(scalar(get(root, 'nothing')).value).toBeNull();
    // JSON-serialisable
    expect(JSON.parse(JSON.stringify(r.documents))).toEqual(r.documents);
  });

  it('keeps duplicate keys (the last one wins) without a parse error', async () => {
    const r = await parseFiles(scanners, { 'dup.yaml': 'a: 1\na: 2\n' });
    expect(r.diagnostics).toEqual([]);
    expect(scalar(get(rootDoc(r).model.root, 'a')).value).toBe(2);
  });
});

describe('aliases', () => {
  it('resolves aliases and merge keys, pointing the alias at its use and its content at the anchor', async () => {
    const text = ['base: &b', '  image: nginx', '  cmd: "run"', 'copy: *b', 'merged:', '  <<: *b', '  image: override', ''].join('\n');
    const r = await parseFiles(scanners, { 'h.yaml': text });
    const root = rootDoc(r).model.root;
    expect(plain(root)).toEqual({
      base: { image: 'nginx', cmd: 'run' },
      copy: { image: 'nginx', cmd: 'run' },
      merged: { cmd: 'run', image: 'override' },
    });
    expect(lc(r, get(root, 'copy')!.loc, true)).toBe('4:7-4:9');
    expect(lc(r, get(root, 'copy', 'image')!.loc)).toBe('2:10');
    const cmd = scalar(get(root, 'merged', 'cmd'));
    expect(charAt(r, cmd, 0)).toBe('3:9');
    expect(lc(r, get(root, 'merged', 'image')!.loc)).toBe('7:10');
  });

  it('maps an aliased scalar to the anchor text', async () => {
    const r = await parseFiles(scanners, { 'i.yaml': 'a: &s hello\nb: *s\n' });
    const b = scalar(get(rootDoc(r).model.root, 'b'));
    expect(b.value).toBe('hello');
    expect(lc(r, b.loc)).toBe('2:4');
    expect(charAt(r, b, 0)).toBe('1:7');
  });

  it('bounds alias bombs with an alias-limit diagnostic', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const t0 = Date.now();
    const r = await parseFiles(scanners, { 'bomb.yaml': lines.join('\n') + '\n' }, { maxAliases: 100 });
    expect(Date.now() - t0).toBeLessThan(5000);
    const diag = r.diagnostics.filter((d) => d.code === 'alias-limit');
    expect(diag).toHaveLength(1);
    expect(diag[0].loc).toBeDefined();
    expect(JSON.stringify(r.documents).length).toBeLessThan(2_000_000);
  });

  it('does not loop on self-referencing or undefined aliases', async () => {
    const r = await parseFiles(scanners, { 'rec.yaml': 'a: &a [1, *a]\nb: *nope\n' });
    const root = rootDoc(r).model.root;
    expect(get(root, 'a', 1)?.kind).toBe('unknown');
    expect(get(root, 'b')?.kind).toBe('unknown');
  });
});

describe('hostile and malformed input', () => {
  it('survives 10,000-level flow nesting', async () => {
    const n = 10_000;
    const r = await parseFiles(scanners, { 'deep.yaml': '['.repeat(n) + ']'.repeat(n) + '\n' });
    const d = r.diagnostics.filter((x) => x.code === 'nesting-too-deep');
    expect(d).toHaveLength(1);
    expect(lc(r, d[0].loc!)).toBe('1:257');
    let v: Value | undefined = rootDoc(r).model.root;
    let depth = 0;
    while (v && v.kind === 'seq') {
      depth++;
      v = v.items[0];
    }
    expect(depth).toBe(256);
    expect(v?.kind).toBe('unknown');
  });

  it('survives 10,000-level block nesting and deep indentation', async () => {
    const seq = '- '.repeat(10_000) + 'x\n';
    let map = '';
    for (let i = 0; i < 400; i++) map += `${' '.repeat(i)}k${i}:\n`;
    map += `${' '.repeat(400)}leaf\n`;
    const r = await parseFiles(scanners, { 'seq.yaml': seq, 'map.yaml': map }, { maxDepth: 64 });
    expect(r.diagnostics.filter((x) => x.code === 'nesting-too-deep').map((x) => x.file).sort()).toEqual(['map.yaml', 'seq.yaml']);
    expect(r.diagnostics.filter((x) => x.code === 'internal-error')).toEqual([]);
    const m = r.documents.find((d) => d.file === 'map.yaml')!;
    expect(get((m.model as { root: Value }).root, 'k0', 'k1', 'k2')?.kind).toBe('map');
  });

  it('reports syntax errors with their line and keeps the documents that parsed', async () => {
    const text = ['kind: A', '---', 'kind: B', '  bad: indent', '---', 'kind: C', 'x: "unterminated', ''].join('\n');
    const r = await parseFiles(scanners, { 'bad.yaml': text });
    const errs = r.diagnostics.filter((d) => d.code === 'parse-error');
    expect(errs.length).toBeGreaterThanOrEqual(2);
    expect(errs.every((e) => e.severity === 'error' && e.loc)).toBe(true);
    // the library flags the mapping whose value runs into a nested mapping
    expect(errs[0].message).toMatch(/^YAML syntax error at line 3: Nested mappings/);
    expect(lc(r, errs[0].loc!).startsWith('3:')).toBe(true);
    expect(errs.some((e) => /line 7/.test(e.message))).toBe(true);
    expect(r.documents.map((d) => plain((d.model as { root: Value }).root)).at(0)).toEqual({ kind: 'A' });
  });

  it('treats invalid YAML in Helm templates as an unrendered template, not a parse error', async () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ include "app.fullname" . }}',
      '  labels:',
      '    {{- include "app.labels" . | nindent 4 }}',
      'spec:',
      '  replicas: {{ .Values.replicas }}',
      '',
    ].join('\n');
    const r = await parseFiles(scanners, { 'chart/templates/deployment.yaml': text, 'plain.yaml': 'a: [1, 2\nb: 1\n' });
    const tpl = r.diagnostics.filter((d) => d.file === 'chart/templates/deployment.yaml');
    expect(tpl.map((d) => [d.code, d.severity])).toEqual([['template-unrendered', 'info']]);
    const plainDiags = r.diagnostics.filter((d) => d.file === 'plain.yaml');
    expect(plainDiags.length).toBeGreaterThan(0);
    expect(plainDiags.every((d) => d.code === 'parse-error')).toBe(true);
  });

  it('does not call ordinary errors template problems just because {{ appears elsewhere', async () => {
    const text = 'msg: "hello {{ name }}"\nlist: [a, b\nother: 1\n';
    const r = await parseFiles(scanners, { 'conf.yaml': text });
    expect(r.diagnostics.some((d) => d.code === 'parse-error')).toBe(true);
    expect(r.diagnostics.some((d) => d.code === 'template-unrendered')).toBe(false);
  });

  it('never throws and keeps every location inside the file (fuzz)', async () => {
    const tok = fc.constantFrom('a', ': ', '- ', '[', ']', '{', '}', ', ', '"', "'", '\\', '|', '>-', '&x ', '*x', '<<: ', '? ', '#c', '---', '{{ v }}', '  ', '\t', '\n', '\r\n', '!!binary ', 'é');
    await fc.assert(
      fc.asyncProperty(fc.array(tok, { maxLength: 60 }), async (toks) => {
        const text = toks.join('');
        const r = await parseFiles(scanners, { 'fuzz.yaml': text });
        expect(r.diagnostics.filter((d) => d.code === 'internal-error')).toEqual([]);
        const check = (v: Value): void => {
          expect(v.loc.start >= 0 && v.loc.start <= v.loc.end && v.loc.end <= text.length).toBe(true);
          if (v.kind === 'map') for (const e of v.entries) check(e.value);
          if (v.kind === 'seq') v.items.forEach(check);
        };
        for (const d of r.documents) check((d.model as { root: Value }).root);
        JSON.stringify(r.documents);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on junk', async () => {
    const junk = ['\u0000\u0001: [', '? ? ? :', '- !!binary ][', '{a: *b, &c}', '"\\', 'a: |9\n x', '%YAML 9.9\n--- x', '\t- tab'];
    const files = Object.fromEntries(junk.map((j, i) => [`j${i}.yaml`, j]));
    const r = await parseFiles(scanners, files);
    expect(r.diagnostics.filter((d) => d.code === 'internal-error')).toEqual([]);
  });
});

describe('streams, comments, detection', () => {
  it('produces nothing for empty and comment-only documents', async () => {
    const r = await parseFiles(scanners, { 's.yaml': '# only a comment\n---\n---\n# another\n---\na: 1\n' });
    expect(r.documents).toHaveLength(1);
    expect(docsOf(r, 'yaml')[0].model.index).toBe(2); // the leading comment is not a document
  });

  it('collects comments with their spans', async () => {
    const text = '# head\na: 1 # trailing\nb: |  # header comment\n  # not a comment\n';
    const r = await parseFiles(scanners, { 'c.yaml': text });
    const comments = docsOf(r, 'yaml')[0].model.comments!;
    expect(comments.map((c) => c.text)).toEqual(['# head', '# trailing', '# header comment']);
    expect(comments.map((c) => lc(r, c.loc, true))).toEqual(['1:1-1:7', '2:6-2:16', '3:7-3:23']);
  });

  it('detects YAML paths and #cloud-config heads', () => {
    const d = (path: string, head = 'a: 1\n') => yamlScanner.detect({ path, head });
    expect(d('k8s/deploy.yaml', 'apiVersion: v1\nkind: Pod\n')).toBe('kubernetes');
    expect(d('x.yml')).toBe('yaml');
    expect(d('istio/sidecar.yaml.injected')).toBe('yaml');
    expect(d('testdata/out.golden.yml')).toBe('yaml');
    expect(d('tpl/values.yaml.tmpl')).toBe('yaml');
    expect(d('comp.yaml', 'name: x\nschemaVersion: 1.0\nphases:\n  - name: build\n')).toBe('imagebuilder');
    expect(d('user-data', '#cloud-config\npackages: [jq]\n')).toBe('cloud-config');
    expect(d('user-data.tmpl', '## template: jinja\n#cloud-config\n')).toBe('cloud-config');
    expect(d('cloud-init.cfg', '#cloud-config\n')).toBe('cloud-config');
    expect(d('autoinstall.yaml', 'autoinstall:\n  version: 1\n')).toBe('autoinstall');
    // cloud-init's own config files are cloud-config without a header
    expect(d('image/files/etc/cloud/cloud.cfg.d/99-no-upgrades.cfg', 'package_upgrade: false\n')).toBe('cloud-config');
    expect(d('etc/cloud/cloud.cfg', 'users: [default]\n')).toBe('cloud-config');
    expect(d('etc/cloud/cloud.cfg.d/README', 'text\n')).toBeUndefined();
    // near misses
    expect(d('user-data', '#cloud-config-archive\n- type: text/x-shellscript\n')).toBeUndefined();
    expect(d('user-data', '#!/bin/bash\necho hi\n')).toBeUndefined();
    expect(d('notes.txt', 'apiVersion: v1\nkind: Pod\n')).toBeUndefined();
    expect(d('config.yamlx')).toBeUndefined();
    expect(d('main.tf', 'resource "x" "y" {}\n')).toBeUndefined();
  });

  it('detects embedded YAML from content and target path', () => {
    const de = yamlScanner.detectEmbedded!;
    expect(de(undefined, '#cloud-config\n')).toBe('cloud-config');
    expect(de('/etc/kubernetes/manifests/etcd.yaml', 'apiVersion: v1\nkind: Pod\n')).toBe('kubernetes');
    expect(de(undefined, 'apiVersion: v1\nkind: Pod\n')).toBe('kubernetes');
    expect(de('/etc/netplan/50-cloud-init.yaml', 'network:\n  version: 2\n')).toBe('yaml');
    expect(de('/etc/motd', 'apiVersion: v1\nkind: Pod\n')).toBeUndefined();
    expect(de(undefined, 'just text\n')).toBeUndefined();
  });
});
