import { describe, expect, it } from 'vitest';
import type { ScalarValue, Value } from '../../../engine/model.js';
import { attr, block, docOf, plain, pos, scan } from './helpers.js';

describe('robustness', () => {
  it('reports invalid HCL with its line and keeps the well-formed rest', async () => {
    const src = [
      'resource "aws_instance" "ok" {',
      '  ami = "ami-1"',
      '}',
      'resource "aws_instance" "broken" {',
      '  ami = ',
      '  tags = { a = 1 }',
      '}',
      'locals {',
      '  after = "still here"',
      '}',
      'resource "x" "unterminated" {',
      '  a = 1',
      '',
    ].join('\n');
    const r = await scan({ 'bad.tf': src });
    const d = docOf(r, 'bad.tf');
    expect(plain(attr(block(d.model.body, 'resource', 'aws_instance', 'ok').body, 'ami').value)).toBe('ami-1');
    expect(plain(attr(block(d.model.body, 'locals').body, 'after').value)).toBe('still here');
    const errs = r.diagnostics.filter((x) => x.code === 'parse-error');
    expect(errs.length).toBeGreaterThanOrEqual(2);
    expect(errs.every((e) => e.severity === 'error' && e.file === 'bad.tf' && e.loc)).toBe(true);
    expect(errs[0].message).toMatch(/^bad\.tf: syntax error at line 5/);
    expect(pos(r, 'bad.tf', errs[0].loc!.start).line).toBe(5);
    expect(errs.some((e) => /missing "}"/.test(e.message))).toBe(true);
  });

  it('survives garbage and binary-looking input', async () => {
    const junk = '\u0000\u0001}{{ ]] "unterminated\n<<EOF\n${${${\n%{ if }\n' + '\uFFFD'.repeat(50) + '\n= = =\n';
    const r = await scan({ 'junk.tf': junk, 'junk.pkr.hcl': '}}}}}', 'junk.tf.json': '{"resource": [1, 2', 'empty.tf': '' });
    expect(docOf(r, 'junk.tf').model.body).toBeDefined();
    expect(docOf(r, 'empty.tf').model.body).toEqual({ attributes: [], blocks: [] });
    expect(r.diagnostics.some((d) => d.file === 'junk.tf' && d.code === 'parse-error')).toBe(true);
    expect(r.diagnostics.some((d) => d.file === 'junk.tf.json' && d.message.includes('invalid JSON at line 1'))).toBe(true);
    expect(r.diagnostics.filter((d) => d.code === 'internal-error')).toEqual([]);
  });

  it('bounds 10,000-level nesting in HCL objects, parentheses and blocks', async () => {
    const n = 10_000;
    const r = await scan({
      'deep1.tf': 'locals {\n  o = ' + '{ x = '.repeat(n) + '1' + ' }'.repeat(n) + '\n  after = "ok"\n}\n',
      'deep2.tf': 'locals {\n  p = ' + '('.repeat(n) + '1' + ')'.repeat(n) + '\n}\n',
      'deep3.tf': 'a {\n'.repeat(n) + '}\n'.repeat(n),
    });
    expect(plain(attr(block(docOf(r, 'deep1.tf').model.body, 'locals').body, 'after').value)).toBe('ok');
    for (const f of ['deep1.tf', 'deep2.tf', 'deep3.tf']) {
      expect(r.diagnostics.some((d) => d.file === f && d.code === 'nesting-too-deep')).toBe(true);
    }
    expect(r.diagnostics.filter((d) => d.code === 'internal-error')).toEqual([]);
    // the model stays serialisable
    expect(() => JSON.stringify(r.documents.map((d) => d.model))).not.toThrow();
  });

  it('bounds 10,000-level nesting in JSON', async () => {
    const n = 10_000;
    const r = await scan({ 'deep.tf.json': '{"locals": {"a": ' + '['.repeat(n) + ']'.repeat(n) + ', "b": "ok"}}' }, { maxDepth: 64 });
    const d = docOf(r, 'deep.tf.json');
    expect(plain(attr(block(d.model.body, 'locals').body, 'b').value)).toBe('ok');
    const deep = r.diagnostics.find((x) => x.code === 'nesting-too-deep');
    expect(deep?.message).toContain('JSON nested deeper than 64 levels');
  });

  it('survives a long chain of locals and a cycle through many files', async () => {
    const files: Record<string, string> = {};
    const n = 3000;
    let s = 'locals {\n';
    for (let i = 0; i < n; i++) s += `  l${i} = local.l${i + 1}\n`;
    s += `  l${n} = "end"\n  c0 = local.c1\n}\n`;
    files['chain.tf'] = s;
    for (let i = 1; i <= 20; i++) files[`c${i}.tf`] = `locals {\n  c${i} = local.c${(i + 1) % 21}\n}\n`;
    const r = await scan(files);
    const l0 = attr(block(docOf(r, 'chain.tf').model.body, 'locals').body, 'l0').value;
    // either resolved or cut off with a reason; never a crash
    expect(l0?.kind === 'scalar' ? l0.value : l0?.kind).toMatch(/^(end|unknown)$/);
    expect(r.diagnostics.filter((d) => d.message.startsWith('reference cycle'))).toHaveLength(1);
    expect(r.diagnostics.filter((d) => d.code === 'internal-error')).toEqual([]);
  });

  it('parses a huge heredoc quickly and exactly', async () => {
    const line = 'echo "some fairly long line of shell script text here"\n';
    const body = line.repeat(40_000); // ~2.2 MB
    const src = `resource "aws_instance" "big" {\n  user_data = <<-EOT\n${body.replace(/^/gm, '    ').slice(0, -4)}  EOT\n}\n`;
    const t0 = Date.now();
    const r = await scan({ 'big.tf': src.replace('<<-EOT\n', '<<-EOT\n    #!/bin/bash\n') });
    expect(Date.now() - t0).toBeLessThan(20_000);
    const ud = r.received[0];
    expect(ud.text.length).toBe('#!/bin/bash\n'.length + body.length);
    expect(ud.text.endsWith(line)).toBe(true);
  });

  it('refuses templatefile() recursion', async () => {
    const r = await scan({
      'main.tf': 'locals {\n  t = templatefile("a.tpl", {})\n}\n',
      'a.tpl': 'A ${templatefile("b.tpl", {})}\n',
      'b.tpl': 'B ${templatefile("a.tpl", {})}\n',
    });
    const t = attr(block(docOf(r, 'main.tf').model.body, 'locals').body, 't').value as ScalarValue;
    expect(t.value).toBe('A B ${templatefile("a.tpl", {})}\n\n');
    expect(t.tag).toBe('partial');
    expect(r.diagnostics.find((d) => d.code === 'template-unrendered')?.message).toBe('templatefile("a.tpl") calls itself; recursion not followed');
  });

  it('bounds exponential templates and values', async () => {
    let s = 'locals {\n  s0 = "abcdefgh"\n  t0 = ["x"]\n';
    for (let i = 1; i <= 40; i++) s += `  s${i} = "\${local.s${i - 1}}\${local.s${i - 1}}"\n  t${i} = [local.t${i - 1}, local.t${i - 1}]\n`;
    s += '}\n';
    const t0 = Date.now();
    const r = await scan({ 'exp.tf': s }, { maxFileBytes: 1 << 20 });
    expect(Date.now() - t0).toBeLessThan(20_000);
    const l = block(docOf(r, 'exp.tf').model.body, 'locals').body;
    expect(attr(l, 's17').value).toMatchObject({ kind: 'scalar' });
    expect((attr(l, 's17').value as ScalarValue).value).toHaveLength(8 << 17);
    expect(attr(l, 's18').value).toMatchObject({ kind: 'unknown', reason: 'string longer than 1048576 characters' });
    // past the cut-off, the unknown interpolations stay verbatim (and are bounded the same way)
    expect(attr(l, 's19').value).toMatchObject({ kind: 'scalar', value: '${local.s18}${local.s18}', tag: 'partial' });
    const s40 = attr(l, 's40').value!;
    expect(s40.kind === 'unknown' || (s40.kind === 'scalar' && String(s40.value).length <= 1 << 20)).toBe(true);
    expect(attr(l, 't16').value?.kind).toBe('seq');
    expect(attr(l, 't17').value).toMatchObject({ kind: 'unknown', reason: 'value has more than 200000 elements' });
    const size = (v: Value): number => (v.kind === 'seq' ? 1 + v.items.reduce((n, i) => n + size(i), 0) : 1);
    expect(size(attr(l, 't40').value!)).toBeLessThanOrEqual(200_000);
  });

  it('stops nested template loops on the evaluation budget', async () => {
    const r = await scan({
      'loop.tf': `locals {\n  l = split(",", "${'x,'.repeat(300)}x")\n  t = <<EOT\n%{ for a in local.l }%{ for b in local.l }%{ for c in local.l }\${a}%{ endfor }%{ endfor }%{ endfor }\nEOT\n}\n`,
    }, { fileTimeBudgetMs: 2000 });
    const t = attr(block(docOf(r, 'loop.tf').model.body, 'locals').body, 't').value;
    expect(t?.kind === 'unknown' || (t?.kind === 'scalar' && typeof t.value === 'string')).toBe(true);
    expect(r.diagnostics.some((d) => d.code === 'time-budget')).toBe(true);
  });

  it('keeps JSON duplicate keys, warns, and lets the last one win', async () => {
    const r = await scan({ 'dup.tf.json': '{"resource": {"aws_instance": {"a": {"ami": "first", "ami": "second"}}}, "locals": {"x": 1}, "locals": {"y": 2}}' });
    const d = docOf(r, 'dup.tf.json');
    const res = block(d.model.body, 'resource', 'aws_instance', 'a');
    expect(res.body.attributes.map((a) => plain(a.value))).toEqual(['first', 'second']);
    expect(plain(attr(res.body, 'ami').value)).toBe('second');
    expect(d.model.body.blocks.filter((b) => b.type === 'locals')).toHaveLength(2);
    const w = r.diagnostics.find((x) => x.message.startsWith('duplicate key "ami"'));
    expect(w?.severity).toBe('warning');
    expect(pos(r, 'dup.tf.json', w!.loc!.start)).toEqual({ line: 1, column: 54 });
  });

  it('reports invalid JSON with its line and keeps what parsed', async () => {
    const r = await scan({ 'bad.tf.json': '{\n  "locals": {"a": "ok"},\n  "resource": {\n    "x": {"y": {"z": tru}}\n  }\n}\n' });
    const d = docOf(r, 'bad.tf.json');
    expect(plain(attr(block(d.model.body, 'locals').body, 'a').value)).toBe('ok');
    const e = r.diagnostics.find((x) => x.code === 'parse-error')!;
    expect(e.message).toBe('bad.tf.json: invalid JSON at line 4: unexpected character "t"');
    expect(pos(r, 'bad.tf.json', e.loc!.start)).toEqual({ line: 4, column: 22 });
  });

  it('never throws on an unparsable JSON-syntax template string', async () => {
    const r = await scan({ 't.tf.json': '{"locals": {"a": "${unclosed", "b": "%{ if x }no end"}}' });
    const l = block(docOf(r, 't.tf.json').model.body, 'locals').body;
    expect(plain(attr(l, 'a').value)).toBe('${unclosed');
    expect(plain(attr(l, 'b').value)).toBe('%{ if x }no end');
    expect(r.diagnostics.filter((d) => d.message === 'template string could not be parsed; kept as literal text')).toHaveLength(2);
  });
});
