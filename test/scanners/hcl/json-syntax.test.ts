import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../engine/model.js';
import { mapSpan } from '../../../engine/offset-map.js';
import { attr, block, docOf, plain, pos, scan } from './helpers.js';

const TF_JSON = `{
  "//": "generated",
  "variable": {
    "region": { "default": "\${not_a_template}", "type": "string" }
  },
  "provider": {
    "aws": [
      { "region": "us-east-1" },
      { "alias": "use2", "region": "\${var.region}" }
    ]
  },
  "locals": { "name": "web-\${var.region}", "lifecycle": { "a": 1 } },
  "resource": {
    "aws_instance": {
      "web": {
        "provider": "aws.use2",
        "user_data": "#!/bin/bash\\necho \\"\${local.name}\\"\\n",
        "tags": { "Name": "x" },
        "lifecycle": { "ignore_changes": ["tags"] },
        "provisioner": [ { "local-exec": { "command": "echo hi" } }, { "remote-exec": { "inline": ["a"] } } ],
        "dynamic": { "ebs_block_device": { "for_each": "\${var.disks}", "content": { "device_name": "x" } } },
        "metadata_options": { "http_tokens": "required" },
        "block_device_mappings": [ { "device_name": "/dev/sda1" }, { "device_name": "/dev/sdb" } ]
      }
    }
  },
  "module": { "vpc": { "source": "./vpc\${x}", "cidr": "10.0.0.0/16" } },
  "terraform": { "backend": { "s3": { "bucket": "b" } }, "required_providers": { "aws": { "source": "hashicorp/aws" } } }
}
`;

describe('Terraform JSON syntax', () => {
  it('maps top-level keys to blocks with the right number of labels', async () => {
    const r = await scan({ 'j/main.tf.json': TF_JSON });
    const d = docOf(r, 'j/main.tf.json');
    expect(d.model.syntax).toBe('json');
    expect(d.model.body.blocks.map((b) => [b.type, ...b.labels].join(' '))).toEqual([
      'variable region',
      'provider aws',
      'provider aws',
      'locals',
      'resource aws_instance web',
      'module vpc',
      'terraform',
    ]);
    expect(d.model.body.attributes).toEqual([]); // "//" is a comment
    const res = block(d.model.body, 'resource', 'aws_instance', 'web');
    expect(pos(r, 'j/main.tf.json', res.labelLocs[1].start)).toEqual({ line: 15, column: 7 });
    expect(pos(r, 'j/main.tf.json', res.typeLoc.start)).toEqual({ line: 13, column: 3 });
  });

  it('applies the nested-block rule', async () => {
    const r = await scan({ 'main.tf.json': TF_JSON });
    const d = docOf(r, 'main.tf.json');
    const res = block(d.model.body, 'resource', 'aws_instance', 'web');
    expect(res.body.blocks.map((b) => [b.type, ...b.labels].join(' '))).toEqual([
      'lifecycle',
      'provisioner local-exec',
      'provisioner remote-exec',
      'dynamic ebs_block_device',
      'metadata_options',
      'block_device_mappings',
      'block_device_mappings',
    ]);
    expect(block(res.body, 'dynamic', 'ebs_block_device').body.blocks.map((b) => b.type)).toEqual(['content']);
    expect(res.body.attributes.map((a) => a.name)).toEqual(['provider', 'user_data', 'tags']);
    // locals never get nested blocks, even for a nested-block name
    const locals = block(d.model.body, 'locals');
    expect(locals.body.attributes.map((a) => a.name)).toEqual(['name', 'lifecycle']);
    expect(locals.body.blocks).toEqual([]);
    // required_providers holds arguments; backend takes a label
    const tf = block(d.model.body, 'terraform');
    expect(tf.body.blocks.map((b) => [b.type, ...b.labels].join(' '))).toEqual(['backend s3', 'required_providers']);
    expect(block(tf.body, 'required_providers').body.attributes[0].name).toBe('aws');
  });

  it('parses strings as templates except where Terraform reads them literally', async () => {
    const r = await scan({ 'main.tf.json': TF_JSON });
    const d = docOf(r, 'main.tf.json');
    const def = attr(block(d.model.body, 'variable', 'region').body, 'default');
    expect(def.expr).toMatchObject({ t: 'literal', value: '${not_a_template}' });
    expect(plain(def.value)).toBe('${not_a_template}');
    expect(attr(block(d.model.body, 'module', 'vpc').body, 'source').expr).toMatchObject({ t: 'literal', value: './vpc${x}' });
    const name = attr(block(d.model.body, 'locals').body, 'name');
    expect(name.expr).toMatchObject({ t: 'template', parts: [{ t: 'literal', value: 'web-' }, { t: 'ref', path: ['var', 'region'] }] });
    expect(plain(name.value)).toBe('web-${not_a_template}');
    const p2 = d.model.body.blocks.filter((b) => b.type === 'provider')[1];
    expect(plain(attr(p2.body, 'alias').value)).toBe('use2');
    expect(plain(attr(p2.body, 'region').value)).toBe('${not_a_template}');
  });

  it('maps template parts inside escaped JSON strings to exact columns', async () => {
    const r = await scan({ 'main.tf.json': TF_JSON });
    const res = block(docOf(r, 'main.tf.json').model.body, 'resource', 'aws_instance', 'web');
    const ud = attr(res.body, 'user_data');
    const e = ud.expr as Extract<Expr, { t: 'template' }>;
    expect(e.t).toBe('template');
    // line 17: `        "user_data": "#!/bin/bash\necho \"${local.name}\"\n",`
    const ref = e.parts.find((p) => p.t === 'ref')!;
    expect(pos(r, 'main.tf.json', ref.loc.start)).toEqual({ line: 17, column: 45 });
    const first = e.parts[0] as Extract<Expr, { t: 'literal' }>;
    expect(first.value).toBe('#!/bin/bash\necho "');
    const at = (i: number) => pos(r, 'main.tf.json', mapSpan(first.map!, i, i + 1).start);
    expect(at(0)).toEqual({ line: 17, column: 23 });
    expect(at(first.value!.toString().indexOf('echo'))).toEqual({ line: 17, column: 36 });
    expect(at(first.value!.toString().indexOf('"'))).toEqual({ line: 17, column: 42 });
    expect(plain(ud.value)).toBe('#!/bin/bash\necho "web-${not_a_template}"\n');
    // ...and the embedded shell document keeps those columns
    const sh = r.received.find((x) => x.format === 'shell')!;
    expect(sh.text).toBe('#!/bin/bash\necho "web-${not_a_template}"\n');
    const posOf = (needle: string) => {
      const l = mapSpan(sh.input.map, sh.text.indexOf(needle), sh.text.indexOf(needle) + 1);
      return pos(r, l.file, l.start);
    };
    expect(posOf('echo')).toEqual({ line: 17, column: 36 });
    expect(posOf('"web')).toEqual({ line: 17, column: 42 }); // the decoded quote maps to the quote after its backslash
  });

  it('reads .tfvars.json literally and applies it to the module', async () => {
    const r = await scan({
      'm/variables.tf.json': '{"variable": {"env": {}, "tpl": {"default": "x"}}}',
      'm/terraform.tfvars.json': '{"env": "prod", "tpl": "${var.env}"}',
      'm/main.tf.json': '{"locals": {"e": "${var.env}-${var.tpl}"}}',
    });
    const tv = docOf(r, 'm/terraform.tfvars.json');
    expect(tv.model.syntax).toBe('tfvars');
    expect(plain(attr(block(docOf(r, 'm/main.tf.json').model.body, 'locals').body, 'e').value)).toBe('prod-${var.env}');
  });
});

describe('Packer JSON syntax', () => {
  it('converts .pkr.json (HCL JSON) with sources, build and provisioners', async () => {
    const r = await scan({
      'p/img.pkr.json': JSON.stringify(
        {
          variable: { region: { default: 'eu-west-1' } },
          source: { 'amazon-ebs': { ubuntu: { region: '${var.region}', launch_block_device_mappings: [{ device_name: '/dev/sda1' }] } } },
          build: { sources: ['source.amazon-ebs.ubuntu'], provisioner: [{ shell: { inline: ['echo ${var.region}'] } }] },
        },
        null,
        2,
      ),
    });
    const d = docOf(r, 'p/img.pkr.json');
    const src = block(d.model.body, 'source', 'amazon-ebs', 'ubuntu');
    expect(plain(attr(src.body, 'region').value)).toBe('eu-west-1');
    expect(src.body.blocks.map((b) => b.type)).toEqual(['launch_block_device_mappings']);
    const prov = block(block(d.model.body, 'build').body, 'provisioner', 'shell');
    expect(plain(attr(prov.body, 'inline').value)).toEqual(['echo eu-west-1']);
  });

  it('maps legacy JSON templates onto source/build/provisioner blocks with {{user}} references', async () => {
    const legacy = `{
  "variables": { "region": "us-west-2", "pkg": "nginx", "tok": "{{env \`TOKEN\`}}" },
  "builders": [
    { "type": "amazon-ebs", "name": "web", "region": "{{user \`region\`}}", "ami_name": "web-{{timestamp}}" },
    { "type": "docker", "image": "ubuntu" }
  ],
  "provisioners": [
    { "type": "shell", "inline": ["apt-get install -y {{ user \`pkg\` }}", "echo {{user \`tok\`}}"] },
    { "type": "shell-local", "command": "echo local" }
  ],
  "post-processors": ["manifest", [{ "type": "shell-local", "inline": ["x"] }]]
}`;
    const r = await scan({ 'legacy/template.json': legacy });
    const d = docOf(r, 'legacy/template.json');
    expect(d.format).toBe('packer');
    expect(d.model.syntax).toBe('json');
    expect(d.model.body.blocks.map((b) => [b.type, ...b.labels].join(' '))).toEqual([
      'variable region',
      'variable pkg',
      'variable tok',
      'source amazon-ebs web',
      'source docker docker',
      'build',
    ]);
    const web = block(d.model.body, 'source', 'amazon-ebs', 'web');
    expect(plain(attr(web.body, 'region').value)).toBe('us-west-2');
    const amiName = attr(web.body, 'ami_name');
    expect(amiName.value).toMatchObject({ kind: 'scalar', value: 'web-{{timestamp}}', tag: 'partial' });
    const build = block(d.model.body, 'build');
    expect(build.body.blocks.map((b) => [b.type, ...b.labels].join(' '))).toEqual([
      'provisioner shell',
      'provisioner shell-local',
      'post-processor manifest',
      'post-processor shell-local',
    ]);
    const inline = attr(block(build.body, 'provisioner', 'shell').body, 'inline');
    expect(plain(inline.value)).toEqual(['apt-get install -y nginx', 'echo {{user `tok`}}']);
    // the {{user `region`}} reference points at its place in the JSON file (line 4)
    const regionExpr = attr(web.body, 'region').expr;
    expect(regionExpr).toMatchObject({ t: 'template', parts: [{ t: 'ref', path: ['var', 'region'], text: '{{user `region`}}' }] });
    if (regionExpr.t === 'template') expect(pos(r, 'legacy/template.json', regionExpr.parts[0].loc.start)).toEqual({ line: 4, column: 55 });
  });
});
