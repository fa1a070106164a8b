import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../engine/model.js';
import { mapSpan } from '../../../engine/offset-map.js';
import { attr, block, docOf, pos, scan } from './helpers.js';

const MAIN = [
  /* 1 */ 'resource "aws_instance" "web" {',
  /* 2 */ '  ami      = var.ami_id # the AMI',
  /* 3 */ '  count    = 2 + 3 * 4',
  /* 4 */ '  tags     = { Name = "web-${var.env}", "team" : "sre", (local.k) = true }',
  /* 5 */ '  vpc      = aws_vpc.main.id',
  /* 6 */ '  subnet   = element(var.subnets, 0)',
  /* 7 */ '  list     = [1, "two", null, false]',
  /* 8 */ '  cond     = var.x == "a" ? "yes" : "no"',
  /* 9 */ '  idx      = var.m["k"][0].z',
  /* 10 */ '  splat    = aws_instance.x[*].id',
  /* 11 */ '  fore     = [for s in var.l : upper(s)]',
  /* 12 */ '  neg      = -var.n',
  /* 13 */ '  esc      = "a\\tb\\"c\\\\d\\u00e9$${literal}%%{also}"',
  /* 14 */ '  expand   = concat(var.a, var.b...)',
  /* 15 */ '  lifecycle {',
  /* 16 */ '    ignore_changes = [tags]',
  /* 17 */ '  }',
  /* 18 */ '}',
  /* 19 */ '/* block comment */',
  /* 20 */ 'provider "aws" {',
  /* 21 */ '  alias  = "use1"',
  /* 22 */ '  region = "us-east-1"',
  /* 23 */ '}',
  '',
].join('\n');

describe('native HCL parsing', () => {
  it('builds blocks, labels and attributes with exact locations', async () => {
    const r = await scan({ 'infra/main.tf': MAIN });
    const d = docOf(r, 'infra/main.tf');
    expect(d.model.syntax).toBe('hcl');
    expect(d.model.moduleDir).toBe('infra');
    const res = block(d.model.body, 'resource', 'aws_instance', 'web');
    expect(pos(r, 'infra/main.tf', res.typeLoc.start)).toEqual({ line: 1, column: 1 });
    expect(pos(r, 'infra/main.tf', res.labelLocs[1].start)).toEqual({ line: 1, column: 25 });
    expect(pos(r, 'infra/main.tf', res.loc.end)).toEqual({ line: 18, column: 2 });
    const ami = attr(res.body, 'ami');
    expect(pos(r, 'infra/main.tf', ami.nameLoc.start)).toEqual({ line: 2, column: 3 });
    expect(ami.expr).toMatchObject({ t: 'ref', path: ['var', 'ami_id'], text: 'var.ami_id' });
    expect(pos(r, 'infra/main.tf', ami.expr.loc.start)).toEqual({ line: 2, column: 14 });
    expect(pos(r, 'infra/main.tf', ami.expr.loc.end)).toEqual({ line: 2, column: 24 });
    expect(block(res.body, 'lifecycle').body.attributes[0].name).toBe('ignore_changes');
    expect(d.model.comments?.map((c) => c.text)).toEqual(['# the AMI', '/* block comment */']);
    expect(r.diagnostics).toEqual([]);
  });

  it('produces plain, JSON-serialisable models (after linking too)', async () => {
    const r = await scan({ 'infra/main.tf': MAIN, 'p.tf.json': '{"locals": {"a": "${upper(\\"x\\")}"}}' });
    for (const d of r.documents) {
      const copy = JSON.parse(JSON.stringify(d.model));
      expect(copy).toEqual(d.model);
      expect(JSON.parse(JSON.stringify(d.map))).toEqual(d.map);
    }
  });

  it('converts every expression kind', async () => {
    const r = await scan({ 'main.tf': MAIN });
    const res = block(docOf(r, 'main.tf').model.body, 'resource', 'aws_instance', 'web');
    const e = (n: string): Expr => attr(res.body, n).expr;
    expect(e('count')).toMatchObject({ t: 'binary', op: '+', left: { t: 'literal', value: 2 }, right: { t: 'binary', op: '*' } });
    const tags = e('tags');
    expect(tags.t).toBe('object');
    if (tags.t !== 'object') return;
    expect(tags.entries.map((x) => x.key.t)).toEqual(['literal', 'literal', 'ref']);
    expect(tags.entries[0].value).toMatchObject({ t: 'template', parts: [{ t: 'literal', value: 'web-' }, { t: 'ref', path: ['var', 'env'] }] });
    expect(e('vpc')).toMatchObject({ t: 'ref', path: ['aws_vpc', 'main', 'id'] });
    expect(e('subnet')).toMatchObject({ t: 'call', fn: 'element', args: [{ t: 'ref' }, { t: 'literal', value: 0 }] });
    expect(e('list')).toMatchObject({ t: 'tuple', items: [{ value: 1 }, { value: 'two' }, { value: null }, { value: false }] });
    expect(e('cond')).toMatchObject({ t: 'conditional', cond: { t: 'binary', op: '==' }, then: { value: 'yes' }, else: { value: 'no' } });
    expect(e('idx')).toMatchObject({ t: 'ref', path: ['var', 'm', 'k', 0, 'z'], text: 'var.m["k"][0].z' });
    expect(e('splat')).toMatchObject({ t: 'raw', text: 'aws_instance.x[*].id' });
    expect(e('fore')).toMatchObject({ t: 'raw', text: '[for s in var.l : upper(s)]' });
    expect(e('neg')).toMatchObject({ t: 'unary', op: '-', operand: { t: 'ref', path: ['var', 'n'] } });
    expect(e('expand')).toMatchObject({ t: 'call', fn: 'concat', expandFinal: true });
  });

  it('decodes string escapes and keeps a map to the source characters', async () => {
    const r = await scan({ 'main.tf': MAIN });
    const res = block(docOf(r, 'main.tf').model.body, 'resource', 'aws_instance', 'web');
    const esc = attr(res.body, 'esc').expr;
    expect(esc.t).toBe('literal');
    if (esc.t !== 'literal') return;
    expect(esc.value).toBe('a\tb"c\\dé${literal}%{also}');
    const text = esc.value as string;
    const at = (i: number) => pos(r, 'main.tf', mapSpan(esc.map!, i, i + 1).start);
    // line 13: `  esc      = "a\tb\"c\\d\u00e9$${literal}%%{also}"`, the quote is at column 14
    expect(at(0)).toEqual({ line: 13, column: 15 }); // a
    expect(at(text.indexOf('b'))).toEqual({ line: 13, column: 18 });
    expect(at(text.indexOf('"'))).toEqual({ line: 13, column: 20 }); // the escaped quote maps to the quote itself
    expect(at(text.indexOf('é'))).toEqual({ line: 13, column: 32 }); // a decoded \u escape rounds forward to the next verbatim character
    expect(at(text.indexOf('${'))).toEqual({ line: 13, column: 32 }); // `$${` → the second `$`
    expect(at(text.indexOf('literal'))).toEqual({ line: 13, column: 34 });
    expect(at(text.indexOf('%{'))).toEqual({ line: 13, column: 43 });
  });

  it('parses heredocs: <<EOF verbatim, <<-EOF with HCL indentation stripping, exact columns', async () => {
    const src = [
      'locals {',
      '  plain = <<EOT',
      '    keep indent',
      '  EOT',
      '  flush = <<-EOT',
      '      line one',
      '        line two ${var.x}',
      '',
      '      line three',
      '    EOT',
      '  interp_first = <<-EOT',
      '${var.y} at start',
      '      more',
      '  EOT',
      '  nobs = <<EOT',
      'back\\slash \\n stays $${x}',
      'EOT',
      '}',
      '',
    ].join('\n');
    const r = await scan({ 'h.tf': src });
    const locals = block(docOf(r, 'h.tf').model.body, 'locals');
    const plain = attr(locals.body, 'plain').expr;
    expect(plain).toMatchObject({ t: 'template', heredoc: true, parts: [{ t: 'literal', value: '    keep indent\n' }] });
    const flush = attr(locals.body, 'flush').expr;
    if (flush.t !== 'template') throw new Error('template expected');
    const lits = flush.parts.filter((p) => p.t === 'literal').map((p) => (p as { value: string }).value);
    expect(lits.join('|')).toBe('line one\n  line two |\n\nline three\n');
    const first = flush.parts[0] as Extract<Expr, { t: 'literal' }>;
    expect(pos(r, 'h.tf', mapSpan(first.map!, 0, 1).start)).toEqual({ line: 6, column: 7 });
    const two = first.value as string;
    expect(pos(r, 'h.tf', mapSpan(first.map!, two.indexOf('line two'), two.indexOf('line two') + 1).start)).toEqual({ line: 7, column: 9 });
    expect(flush.parts[1]).toMatchObject({ t: 'ref', path: ['var', 'x'] });
    expect(pos(r, 'h.tf', flush.parts[1].loc.start)).toEqual({ line: 7, column: 20 });
    // a line that starts with an interpolation counts as zero indentation: nothing is stripped
    const interpFirst = attr(locals.body, 'interp_first').expr;
    if (interpFirst.t !== 'template') throw new Error('template expected');
    expect(interpFirst.parts.map((p) => (p.t === 'literal' ? p.value : '<i>')).join('')).toBe('<i> at start\n      more\n');
    const nobs = attr(locals.body, 'nobs').expr;
    expect(nobs).toMatchObject({ parts: [{ t: 'literal', value: 'back\\slash \\n stays ${x}\n' }] });
  });

  it('handles strip markers and template directives', async () => {
    const src = [
      'locals {',
      '  t = <<-EOT',
      '    %{ for p in var.pkgs ~}',
      '    apt-get install ${p}',
      '    %{ endfor ~}',
      '    %{~ if var.upgrade }apt-get upgrade%{ else }true%{ endif }',
      '  EOT',
      '  s = "a ${~ var.b ~} c"',
      '}',
    ].join('\n');
    const r = await scan({ 'd.tf': src });
    const locals = block(docOf(r, 'd.tf').model.body, 'locals');
    const s = attr(locals.body, 's').expr;
    expect(s).toMatchObject({ t: 'template', parts: [{ t: 'literal', value: 'a' }, { t: 'ref' }, { t: 'literal', value: 'c' }] });
    const t = attr(locals.body, 't').expr;
    if (t.t !== 'template') throw new Error('template expected');
    expect(t.parts[0]).toMatchObject({
      t: 'call',
      fn: '%for',
      args: [{ t: 'literal', value: null }, { t: 'literal', value: 'p' }, { t: 'ref', path: ['var', 'pkgs'] }, { t: 'template' }],
    });
    const cond = t.parts.find((p) => p.t === 'conditional');
    expect(cond).toMatchObject({
      cond: { t: 'ref', path: ['var', 'upgrade'] },
      then: { t: 'template', parts: [{ value: 'apt-get upgrade' }] },
      else: { t: 'template', parts: [{ value: 'true' }] },
    });
  });

  it('nests chained conditionals to the right as HCL does', async () => {
    const r = await scan({ 'c.tf': 'locals {\n  x = var.a ? "1" : var.b ? "2" : "3"\n}\n' });
    const x = attr(block(docOf(r, 'c.tf').model.body, 'locals').body, 'x').expr;
    expect(x).toMatchObject({
      t: 'conditional',
      cond: { t: 'ref', path: ['var', 'a'] },
      then: { value: '1' },
      else: { t: 'conditional', cond: { t: 'ref', path: ['var', 'b'] }, then: { value: '2' }, else: { value: '3' } },
    });
  });

  it('parses tfvars and Packer HCL', async () => {
    const r = await scan({
      'env/terraform.tfvars': 'region = "eu-west-1"\nsizes = [1, 2]\n',
      'img/u.pkr.hcl': 'source "amazon-ebs" "ubuntu" {\n  region = var.region\n}\nbuild {\n  sources = ["source.amazon-ebs.ubuntu"]\n  provisioner "shell" {\n    inline = ["echo hi"]\n  }\n}\n',
    });
    const tv = docOf(r, 'env/terraform.tfvars');
    expect(tv.format).toBe('terraform');
    expect(tv.model.syntax).toBe('tfvars');
    expect(tv.model.body.attributes.map((a) => a.name)).toEqual(['region', 'sizes']);
    const pk = docOf(r, 'img/u.pkr.hcl');
    expect(pk.format).toBe('packer');
    expect(pk.model.moduleDir).toBe('img');
    expect(block(block(pk.model.body, 'build').body, 'provisioner', 'shell').body.attributes[0].name).toBe('inline');
  });

  it('maps positions with CRLF line endings and non-ASCII text', async () => {
    const src = 'locals {\r\n  a = "é😀${var.x}z"\r\n  h = <<-EOT\r\n    héllo\r\n  EOT\r\n}\r\n';
    const r = await scan({ 'u.tf': src });
    const locals = block(docOf(r, 'u.tf').model.body, 'locals');
    const a = attr(locals.body, 'a').expr;
    if (a.t !== 'template') throw new Error('template expected');
    expect(pos(r, 'u.tf', a.parts[1].loc.start)).toEqual({ line: 2, column: 13 }); // 😀 is two UTF-16 code units
    expect(a.parts[2]).toMatchObject({ value: 'z' });
    expect(pos(r, 'u.tf', a.parts[2].loc.start)).toEqual({ line: 2, column: 19 });
    const h = attr(locals.body, 'h').expr;
    expect(h).toMatchObject({ parts: [{ value: 'héllo\r\n' }] });
    if (h.t !== 'template' || h.parts[0].t !== 'literal') return;
    expect(pos(r, 'u.tf', mapSpan(h.parts[0].map!, 1, 2).start)).toEqual({ line: 4, column: 6 });
  });
});
