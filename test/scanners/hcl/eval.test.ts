import { describe, expect, it } from 'vitest';
import type { ScalarValue } from '../../../engine/model.js';
import { mapSpan } from '../../../engine/offset-map.js';
import { attr, block, docOf, plain, pos, scan } from './helpers.js';

const locals = (r: Awaited<ReturnType<typeof scan>>, file: string) => block(docOf(r, file).model.body, 'locals').body;
const local = (r: Awaited<ReturnType<typeof scan>>, file: string, name: string) => attr(locals(r, file), name).value;

describe('module scope', () => {
  it('uses variable defaults overridden by terraform.tfvars then *.auto.tfvars, not other tfvars', async () => {
    const r = await scan({
      'm/variables.tf': 'variable "a" { default = "def-a" }\nvariable "b" { default = "def-b" }\nvariable "c" { default = "def-c" }\nvariable "d" {}\nvariable "e" { default = "def-e" }\n',
      'm/terraform.tfvars': 'b = "tfvars-b"\nc = "tfvars-c"\n',
      'm/z.auto.tfvars': 'c = "auto-c"\n',
      'm/prod.tfvars': 'e = "prod-e"\n',
      'm/main.tf': 'locals {\n  all = [var.a, var.b, var.c, var.d, var.e, var.nope]\n}\n',
      'other/main.tf': 'locals {\n  a = var.a\n}\n',
    });
    expect(plain(local(r, 'm/main.tf', 'all'))).toEqual([
      'def-a',
      'tfvars-b',
      'auto-c',
      { unknown: 'var.d has no default and no value in terraform.tfvars or *.auto.tfvars' },
      'def-e',
      { unknown: 'var.nope is not declared in module m' },
    ]);
    // the value keeps the location where it is written
    const all = local(r, 'm/main.tf', 'all');
    if (all?.kind !== 'seq') throw new Error('seq expected');
    expect(all.items[2].loc.file).toBe('m/z.auto.tfvars');
    expect(pos(r, 'm/z.auto.tfvars', all.items[2].loc.start)).toEqual({ line: 1, column: 5 });
    // modules are directories: var.a is not visible from another directory
    expect(plain(local(r, 'other/main.tf', 'a'))).toEqual({ unknown: 'var.a is not declared in module other' });
  });

  it('resolves locals across files in any order and reports cycles', async () => {
    const r = await scan({
      'a.tf': 'locals {\n  x = "${local.y}-x"\n  c1 = local.c2\n}\n',
      'b.tf': 'locals {\n  y = upper(local.z)\n  z = "zed"\n  c2 = local.c3\n  c3 = "${local.c1}!"\n  self = local.self\n}\n',
    });
    expect(plain(local(r, 'a.tf', 'x'))).toBe('ZED-x');
    // every member of a cycle is unknown
    for (const [f, n] of [['a.tf', 'c1'], ['b.tf', 'c2'], ['b.tf', 'c3']]) expect(local(r, f, n)?.kind).toBe('unknown');
    const cycles = r.diagnostics.filter((d) => d.message.startsWith('reference cycle'));
    expect(cycles.map((d) => d.message).sort()).toEqual([
      'reference cycle: local.c1 → local.c2 → local.c3 → local.c1',
      'reference cycle: local.self → local.self',
    ]);
    expect(cycles.every((d) => d.code === 'unresolved' && d.severity === 'warning')).toBe(true);
    expect(plain(local(r, 'b.tf', 'self'))).toEqual({ unknown: 'reference cycle: local.self → local.self' });
  });

  it('evaluates provider references, depends_on and provider blocks', async () => {
    const r = await scan({
      'p.tf': [
        'variable "region" { default = "us-east-2" }',
        'provider "aws" {',
        '  alias  = "use2"',
        '  region = var.region',
        '}',
        'resource "aws_instance" "a" {',
        '  provider   = aws.use2',
        '  depends_on = [aws_vpc.main, module.net]',
        '  lifecycle {',
        '    ignore_changes = [tags, user_data]',
        '  }',
        '}',
        'module "m" {',
        '  source    = "./m"',
        '  providers = { aws = aws.use2 }',
        '}',
        '',
      ].join('\n'),
    });
    const body = docOf(r, 'p.tf').model.body;
    const prov = block(body, 'provider', 'aws');
    expect(plain(attr(prov.body, 'alias').value)).toBe('use2');
    expect(plain(attr(prov.body, 'region').value)).toBe('us-east-2');
    const res = block(body, 'resource', 'aws_instance', 'a');
    const p = attr(res.body, 'provider').value as ScalarValue;
    expect(p.value).toBe('aws.use2');
    expect(pos(r, 'p.tf', p.loc.start)).toEqual({ line: 7, column: 16 });
    expect(plain(attr(res.body, 'depends_on').value)).toEqual(['aws_vpc.main', 'module.net']);
    expect(plain(attr(block(res.body, 'lifecycle').body, 'ignore_changes').value)).toEqual(['tags', 'user_data']);
    expect(plain(attr(block(body, 'module', 'm').body, 'providers').value)).toEqual({ aws: 'aws.use2' });
  });

  it('knows resource configuration attributes but not computed ones or data sources', async () => {
    const r = await scan({
      'r.tf': [
        'resource "aws_launch_template" "lt" {',
        '  name = "lt-${var.env}"',
        '}',
        'variable "env" { default = "prod" }',
        'resource "aws_instance" "n" {',
        '  count = 2',
        '  ami   = "ami-1"',
        '}',
        'locals {',
        '  name  = aws_launch_template.lt.name',
        '  id    = aws_launch_template.lt.id',
        '  ami   = aws_instance.n[0].ami',
        '  data  = data.aws_ami.ubuntu.id',
        '  nope  = aws_instance.zzz.id',
        '  count = count.index',
        '}',
        '',
      ].join('\n'),
    });
    const l = (n: string) => plain(local(r, 'r.tf', n));
    expect(l('name')).toBe('lt-prod');
    expect(l('id')).toEqual({ unknown: 'aws_launch_template.lt.id is only known after apply' });
    expect(l('ami')).toBe('ami-1');
    expect(l('data')).toEqual({ unknown: 'data.aws_ami.ubuntu is not declared in module .' });
    expect(l('nope')).toEqual({ unknown: 'aws_instance.zzz is not declared in module .' });
    expect(l('count')).toEqual({ unknown: 'count.index depends on the resource instance' });
  });
});

describe('dynamic blocks', () => {
  it('explains that iterator references are per-instance', async () => {
    const r = await scan({
      'dyn.tf': [
        'resource "aws_security_group" "sg" {',
        '  dynamic "ingress" {',
        '    for_each = [22, 443]',
        '    content {',
        '      from_port = ingress.value',
        '    }',
        '  }',
        '  dynamic "egress" {',
        '    for_each = [1]',
        '    iterator = rule',
        '    content {',
        '      to_port = rule.value',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    });
    const sg = block(docOf(r, 'dyn.tf').model.body, 'resource', 'aws_security_group', 'sg');
    const ing = block(sg.body, 'dynamic', 'ingress');
    expect(plain(attr(ing.body, 'for_each').value)).toEqual([22, 443]);
    expect(plain(attr(block(ing.body, 'content').body, 'from_port').value)).toEqual({ unknown: 'ingress.value is an iterator of a dynamic block' });
    const eg = block(sg.body, 'dynamic', 'egress');
    expect(plain(attr(block(eg.body, 'content').body, 'to_port').value)).toEqual({ unknown: 'rule.value is an iterator of a dynamic block' });
  });
});

describe('expressions and functions', () => {
  it('evaluates operators, conditionals and collections', async () => {
    const r = await scan({
      'e.tf': [
        'variable "n" { default = 3 }',
        'variable "u" {}',
        'locals {',
        '  arith = [1 + 2 * 3, (1 + 2) * 3, 7 % 4, 10 / 4, -var.n]',
        '  cmp   = [1 < 2, "a" == "a", [1, 2] == [1, 2], 3 >= 4, true && !false, false || var.n > 2]',
        '  cond  = var.n > 2 ? "big" : "small"',
        '  same  = var.u ? "x" : "x"',
        '  undec = var.u ? "a" : "b"',
        '  obj   = { a = 1, "b-c" = [true], (local.k) = "dyn" }',
        '  k     = "key"',
        '  idx   = local.obj["b-c"][0]',
        '  short = false && var.u',
        '}',
        '',
      ].join('\n'),
    });
    const l = (n: string) => plain(local(r, 'e.tf', n));
    expect(l('arith')).toEqual([7, 9, 3, 2.5, -3]);
    expect(l('cmp')).toEqual([true, true, true, false, true, true]);
    expect(l('cond')).toBe('big');
    expect(l('same')).toBe('x');
    expect(l('undec')).toMatchObject({ unknown: expect.stringContaining('condition is not known (var.u has no default') });
    expect(l('obj')).toEqual({ a: 1, 'b-c': [true], key: 'dyn' });
    expect(l('idx')).toBe(true);
    expect(l('short')).toBe(false);
  });

  it('evaluates the supported functions', async () => {
    const r = await scan({
      'f.tf': [
        'locals {',
        '  join     = join(",", ["a", "b"], ["c"])',
        '  concat   = concat([1], [2, 3])',
        '  merge    = merge({ a = 1, b = 2 }, { b = 3 })',
        '  lookup   = [lookup({ a = "x" }, "a"), lookup({ a = "x" }, "b", "dflt")]',
        '  coalesce = coalesce("", null, "first")',
        '  format   = format("%s-%03d-%q-%%", "web", 7, "q")',
        '  case     = [lower("AbC"), upper("AbC"), trimspace("  x \\n"), chomp("line\\n\\n")]',
        '  replace  = [replace("a-b-c", "-", "_"), replace("v1.2.3", "/v(\\\\d+)\\\\..*/", "major $1")]',
        '  element  = [element(["a", "b", "c"], 4), length([1, 2]), length("héllo"), length({ a = 1 })]',
        '  conv     = [tostring(5), tonumber("42"), tobool("true")]',
        '  try      = try(local.missing, var.nope, "fallback")',
        '  json     = jsonencode({ b = [1, "<x>"], a = true })',
        '  yaml     = yamlencode({ packages = ["nginx"], package_upgrade = false })',
        '  b64      = base64encode("hello")',
        '  unb64    = base64decode("aGVsbG8=")',
        '  roundtr  = base64decode(base64encode("again"))',
        '  split    = split(",", "a,b,,c")',
        '  misc     = [keys({ b = 1, a = 2 }), values({ b = 1, a = 2 }), contains(["x"], "x"), compact(["a", "", null]), flatten([[1, [2]], 3])]',
        '  strs     = [trimprefix("prefix-x", "prefix-"), trimsuffix("x.sh", ".sh"), substr("hello", 1, 3), indent(2, "a\\nb"), startswith("abc", "ab")]',
        '  unknownf = timestamp()',
        '  nofn     = frobnicate(1)',
        '  spread   = concat([1], [[2], [3]]...)',
        '}',
        '',
      ].join('\n'),
    });
    const l = (n: string) => plain(local(r, 'f.tf', n));
    expect(l('join')).toBe('a,b,c');
    expect(l('concat')).toEqual([1, 2, 3]);
    expect(l('merge')).toEqual({ a: 1, b: 3 });
    expect(l('lookup')).toEqual(['x', 'dflt']);
    expect(l('coalesce')).toBe('first');
    expect(l('format')).toBe('web-007-"q"-%');
    expect(l('case')).toEqual(['abc', 'ABC', 'x', 'line']);
    expect(l('replace')).toEqual(['a_b_c', 'major 1']);
    expect(l('element')).toEqual(['b', 2, 5, 1]);
    expect(l('conv')).toEqual(['5', 42, true]);
    expect(l('try')).toBe('fallback');
    expect(l('json')).toBe('{"a":true,"b":[1,"\\u003cx\\u003e"]}');
    expect(l('yaml')).toBe('package_upgrade: false\npackages:\n  - nginx\n');
    expect(local(r, 'f.tf', 'b64')).toMatchObject({ value: 'hello', tag: 'base64' });
    expect(l('unb64')).toBe('hello');
    expect(local(r, 'f.tf', 'roundtr')).toMatchObject({ value: 'again' });
    expect((local(r, 'f.tf', 'roundtr') as ScalarValue).tag).toBeUndefined();
    expect(l('split')).toEqual(['a', 'b', '', 'c']);
    expect(l('misc')).toEqual([['a', 'b'], [2, 1], true, ['a'], [1, 2, 3]]);
    expect(l('strs')).toEqual(['x', 'x', 'ell', 'a\n  b', true]);
    expect(l('unknownf')).toEqual({ unknown: 'function timestamp() is only known when Terraform/Packer runs' });
    expect(l('nofn')).toEqual({ unknown: 'function frobnicate() is not evaluated' });
    expect(l('spread')).toEqual([1, 2, 3]);
  });

  it('keeps the source map through string functions', async () => {
    const src = 'locals {\n  t = trimspace("   keep me  ")\n  j = join(" ", ["aa", "bb"])\n}\n';
    const r = await scan({ 's.tf': src });
    const t = local(r, 's.tf', 't') as ScalarValue;
    expect(t.value).toBe('keep me');
    expect(pos(r, 's.tf', mapSpan(t.map!, 0, 1).start)).toEqual({ line: 2, column: 21 });
    const j = local(r, 's.tf', 'j') as ScalarValue;
    expect(j.value).toBe('aa bb');
    expect(pos(r, 's.tf', mapSpan(j.map!, 3, 4).start)).toEqual({ line: 3, column: 25 });
    expect(pos(r, 's.tf', mapSpan(j.map!, 2, 3).start)).toEqual({ line: 3, column: 13 }); // the separator
    expect(pos(r, 's.tf', mapSpan(j.map!, 1, 2).start)).toEqual({ line: 3, column: 20 });
  });
});

describe('templates', () => {
  it('keeps unknown interpolations verbatim, exactly mapped, and tags the string partial', async () => {
    const src = 'variable "x" {}\nlocals {\n  s = "echo ${ var.x } done"\n  whole = "${var.x}"\n}\n';
    const r = await scan({ 't.tf': src });
    const s = local(r, 't.tf', 's') as ScalarValue;
    expect(s).toMatchObject({ value: 'echo ${ var.x } done', tag: 'partial' });
    expect(pos(r, 't.tf', mapSpan(s.map!, 5, 6).start)).toEqual({ line: 3, column: 13 });
    expect(pos(r, 't.tf', mapSpan(s.map!, 16, 17).start)).toEqual({ line: 3, column: 24 });
    // a template that is a single interpolation is the value itself (unknown stays unknown)
    expect(local(r, 't.tf', 'whole')?.kind).toBe('unknown');
  });

  it('renders %{ if } and %{ for } directives, both branches when undecidable', async () => {
    const src = [
      'variable "pkgs" { default = ["nginx", "curl"] }',
      'variable "flag" {}',
      'locals {',
      '  t = <<-EOT',
      '    %{ for i, p in var.pkgs ~}',
      '    install ${i}:${p}',
      '    %{ endfor ~}',
      '    %{ if length(var.pkgs) > 1 }many%{ else }few%{ endif }',
      '    %{ if var.flag }on%{ else }off%{ endif }',
      '    %{ for k, v in { b = 2, a = 1 } }${k}=${v};%{ endfor }',
      '    %{ for x in var.flag }[${x}]%{ endfor }',
      '  EOT',
      '}',
      '',
    ].join('\n');
    const r = await scan({ 'd.tf': src });
    const t = local(r, 'd.tf', 't') as ScalarValue;
    expect(t.value).toBe('install 0:nginx\ninstall 1:curl\nmany\nonoff\na=1;b=2;\n[${x}]\n');
    expect(t.tag).toBe('partial');
    // the rendered loop body still maps to the template line
    const i = (t.value as string).indexOf('install 1');
    expect(pos(r, 'd.tf', mapSpan(t.map!, i, i + 1).start)).toEqual({ line: 6, column: 5 });
  });

  it('renders templatefile() with vars and maps the text into the template file', async () => {
    const r = await scan({
      'mod/main.tf': [
        'variable "pkgs" { default = ["nginx", "jq"] }',
        'locals {',
        '  ud = templatefile("${path.module}/tpl/init.sh.tftpl", { pkgs = var.pkgs, name = "web", unk = var.nope })',
        '  missing = templatefile("nope.tpl", {})',
        '  escape = file("../../etc/passwd")',
        '  abs = file("/etc/passwd")',
        '}',
        '',
      ].join('\n'),
      'mod/tpl/init.sh.tftpl': '#!/bin/bash\n# ${name}\n%{ for p in pkgs ~}\napt-get install -y ${p}\n%{ endfor ~}\necho ${unk} ${HOME}\n',
    });
    const ud = local(r, 'mod/main.tf', 'ud') as ScalarValue;
    expect(ud.value).toBe('#!/bin/bash\n# web\napt-get install -y nginx\napt-get install -y jq\necho ${unk} ${HOME}\n');
    expect(ud.tag).toBe('partial');
    expect(ud.map?.file).toBe('mod/tpl/init.sh.tftpl');
    const text = ud.value as string;
    const at = (needle: string) => {
      const i = text.indexOf(needle);
      const l = mapSpan(ud.map!, i, i + 1);
      return { file: l.file, ...pos(r, l.file, l.start) };
    };
    expect(at('apt-get install -y jq')).toEqual({ file: 'mod/tpl/init.sh.tftpl', line: 4, column: 1 });
    expect(at('${HOME}')).toEqual({ file: 'mod/tpl/init.sh.tftpl', line: 6, column: 13 });
    expect(ud.loc.file).toBe('mod/main.tf');
    const refs = docOf(r, 'mod/main.tf').model.references!;
    expect(refs.map((x) => [x.kind, x.path])).toEqual([
      ['templatefile', 'mod/tpl/init.sh.tftpl'],
      ['templatefile', 'mod/nope.tpl'],
    ]);
    expect(pos(r, 'mod/main.tf', refs[0].loc.start)).toEqual({ line: 3, column: 8 });
    expect(plain(local(r, 'mod/main.tf', 'missing'))).toEqual({ unknown: 'mod/nope.tpl is not readable in the scan' });
    expect(plain(local(r, 'mod/main.tf', 'escape'))).toEqual({ unknown: 'path "../../etc/passwd" is outside the scan root' });
    expect(plain(local(r, 'mod/main.tf', 'abs'))).toEqual({ unknown: 'path "/etc/passwd" is outside the scan root' });
    const refused = r.diagnostics.filter((d) => d.code === 'unresolved' && d.message.includes('not followed'));
    expect(refused.map((d) => d.message)).toEqual([
      'path "../../etc/passwd" escapes the scan root; not followed',
      'path "/etc/passwd" is absolute (outside the scan root); not followed',
    ]);
    expect(pos(r, 'mod/main.tf', refused[0].loc!.start)).toEqual({ line: 5, column: 12 });
  });

  it('renders data "template_file" through .rendered', async () => {
    const r = await scan({
      'main.tf': 'data "template_file" "init" {\n  template = file("init.tpl")\n  vars = { who = "world" }\n}\nlocals {\n  r = data.template_file.init.rendered\n}\n',
      'init.tpl': 'hello ${who}\n',
    });
    const v = local(r, 'main.tf', 'r') as ScalarValue;
    expect(v.value).toBe('hello world\n');
    expect(v.map?.file).toBe('init.tpl');
    expect(docOf(r, 'main.tf').model.references).toMatchObject([{ kind: 'file', path: 'init.tpl' }]);
  });

  it('legacy Packer {{template_dir}} and HCL path.root resolve to the template directory', async () => {
    const r = await scan({
      'img/a.pkr.hcl': 'locals {\n  s = file("${path.root}/x.sh")\n}\n',
      'img/x.sh': 'echo x\n',
    });
    expect(plain(local(r, 'img/a.pkr.hcl', 's'))).toBe('echo x\n');
  });
});
