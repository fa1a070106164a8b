import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Document, DocumentOf, HclBlock } from '../../../engine/model.js';
import { parseFiles } from '../../../engine/testing.js';
import { positionAt } from '../../../engine/source.js';
import { allScanners } from '../../../scanners/index.js';
import { synthesizedBlockAt } from '../../../scanners/cdktf/synth.js';
import { scanFiles } from '../../helpers/scan.js';

const repo = path.resolve(import.meta.dirname, '../../..');
const FLEET = 'fixtures/example-fleet-cdktf';
const SYNTH = 'cdktf.out/stacks/us1/cdk.tf.json';

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p).split(path.sep).join('/')] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const USER_DATA = `#cloud-config
package_update: true
package_upgrade: true
package_reboot_if_required: true
write_files:
  - path: /etc/apt/apt.conf.d/99periodic
    content: |
      APT::Periodic::Enable "1";
runcmd:
  - [ systemctl, restart, kubelet ]
`;

/**
 * What `cdktf synth` (0.21) writes for fixtures/example-fleet-cdktf's Us1Stack: `JSON.stringify(
 * ..., null, 2)`, a `"//"` metadata object per resource/data source (`path` = `<stack id>/<id>`,
 * `uniqueId` = the logical id, `stackTrace` only when stack traces are enabled), and
 * `Fn.base64encode("...")` as a Terraform template string.
 */
const meta = (id: string, trace = false) => ({
  '//': {
    metadata: {
      path: `us1/${id}`,
      uniqueId: id,
      ...(trace ? { stackTrace: ['new LaunchTemplate (/app/regions/us1/stack.ts:24:19)', 'new Us1Stack (/app/regions/us1/stack.ts:24:19)'] } : {}),
    },
  },
});
const cdkTfJson = JSON.stringify(
  {
    '//': { metadata: { backend: 'local', stackName: 'us1', version: '0.21.0' }, outputs: {} },
    data: {
      aws_ami: {
        node: { ...meta('node'), filter: [{ name: 'name', values: ['ubuntu-k8s-node-jammy'] }], most_recent: true, owners: ['self'] },
      },
    },
    provider: { aws: [{ region: 'us-east-1' }] },
    resource: {
      aws_autoscaling_group: {
        nodes_asg: {
          ...meta('nodes_asg'),
          desired_capacity: 3,
          launch_template: { id: '${aws_launch_template.nodes.id}', version: '$Latest' },
          max_size: 6,
          min_size: 3,
          name: 'us1-prod-nodes',
        },
      },
      aws_launch_template: {
        nodes: {
          ...meta('nodes', true),
          image_id: '${data.aws_ami.node.id}',
          instance_type: 'm6i.2xlarge',
          name_prefix: 'us1-prod-nodes-',
          user_data: `\${base64encode(${JSON.stringify(USER_DATA)})}`,
        },
      },
    },
    terraform: {
      backend: { local: { path: '/app/terraform.us1.tfstate' } },
      required_providers: { aws: { source: 'aws', version: '21.22.1' } },
    },
  },
  null,
  2,
);

const synthBlock = (docs: Document[], type: string, ...labels: string[]): HclBlock => {
  const b = docs
    .filter((d): d is DocumentOf<'terraform'> => d.format === 'terraform' && !d.origin && d.file === SYNTH)
    .flatMap((d) => d.model.body.blocks)
    .find((x) => x.type === type && labels.every((l, i) => x.labels[i] === l));
  if (!b) throw new Error(`no ${type} ${labels.join('.')} in ${SYNTH}`);
  return b;
};
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('cdktf synthesized output scanned alone', async () => {
  const files = { [SYNTH]: cdkTfJson };
  const scan = await scanFiles(files);
  const parsed = await parseFiles(allScanners, files);

  it('reports FL104 at the JSON line', () => {
    const fl104 = scan.result.findings.filter((f) => f.ruleId === 'FL104');
    expect(fl104).toHaveLength(1);
    expect(fl104[0].location.path).toBe(SYNTH);
    const { start, end } = fl104[0].location.range;
    expect(start.line).toBe(lineOf(cdkTfJson, '"user_data"'));
    expect(cdkTfJson.split('\n')[start.line - 1].slice(start.column - 1, end.column - 1)).toBe('package_upgrade: true');
  });

  it('keeps the construct path of resource and data blocks, nothing else changes', () => {
    const lt = synthBlock(parsed.documents, 'resource', 'aws_launch_template', 'nodes');
    expect(lt.constructPath).toBe('us1/nodes');
    expect(lt.sourceLoc).toBeUndefined();
    expect(lt.body.attributes.map((a) => a.name)).toEqual(['image_id', 'instance_type', 'name_prefix', 'user_data']);
    expect(synthBlock(parsed.documents, 'data', 'aws_ami', 'node').constructPath).toBe('us1/node');
    expect(synthBlock(parsed.documents, 'resource', 'aws_autoscaling_group', 'nodes_asg').constructPath).toBe('us1/nodes_asg');
    expect(synthBlock(parsed.documents, 'provider', 'aws').constructPath).toBeUndefined();
  });

  it('finds the synthesized block a finding is about', () => {
    const f = scan.result.findings.find((x) => x.ruleId === 'FL104')!;
    const text = cdkTfJson;
    const lineStart = text.split('\n').slice(0, f.location.range.start.line - 1).join('\n').length + 1;
    const at = lineStart + f.location.range.start.column - 1;
    expect(synthesizedBlockAt(parsed.documents, { file: SYNTH, start: at, end: at + 'package_upgrade: true'.length })?.constructPath).toBe('us1/nodes');
    expect(synthesizedBlockAt(parsed.documents, { file: SYNTH, start: 0, end: 1 })).toBeUndefined();
  });
});

describe('cdktf synthesized output scanned with the app sources', async () => {
  const app = readTree(path.join(repo, FLEET));
  const files = { ...app, [SYNTH]: cdkTfJson };
  const parsed = await parseFiles(allScanners, files);
  const src = app['regions/us1/stack.ts'];

  it('points each synthesized block at its construct in the stack class instantiated with that id', () => {
    const lt = synthBlock(parsed.documents, 'resource', 'aws_launch_template', 'nodes');
    expect(lt.sourceLoc?.file).toBe('regions/us1/stack.ts');
    expect(src.slice(lt.sourceLoc!.start, lt.sourceLoc!.end)).toMatch(/^new LaunchTemplate\(this, 'nodes', \{/);
    expect(positionAt(parsed.files.get('regions/us1/stack.ts')!, lt.sourceLoc!.start).line).toBe(lineOf(src, "new LaunchTemplate(this, 'nodes'"));
    const ami = synthBlock(parsed.documents, 'data', 'aws_ami', 'node');
    expect(ami.sourceLoc?.file).toBe('regions/us1/stack.ts');
    expect(src.slice(ami.sourceLoc!.start, ami.sourceLoc!.end)).toMatch(/^new DataAwsAmi\(this, 'node',/);
    const asg = synthBlock(parsed.documents, 'resource', 'aws_autoscaling_group', 'nodes_asg');
    expect(src.slice(asg.sourceLoc!.start, asg.sourceLoc!.end)).toMatch(/^new AutoscalingGroup\(this, 'nodes_asg',/);
  });

  it('does not guess when the stack instantiation is missing and the construct id is ambiguous', async () => {
    const { 'main.ts': _main, ...noMain } = files;
    const r = await parseFiles(allScanners, noMain);
    // every region's stack has a `nodes` launch template: without main.ts, 'us1' names no class
    expect(synthBlock(r.documents, 'resource', 'aws_launch_template', 'nodes').sourceLoc).toBeUndefined();
    expect(synthBlock(r.documents, 'resource', 'aws_launch_template', 'nodes').constructPath).toBe('us1/nodes');
  });

  it('a hazard in both the sources and the synthesized JSON is reported once, on the .ts construct', async () => {
    const scan = await scanFiles(files);
    const fl104 = scan.result.findings.filter((f) => f.ruleId === 'FL104');
    const paths = fl104.map((f) => f.location.path);
    expect(paths).toContain('regions/us1/stack.ts');
    expect(paths).not.toContain(SYNTH);
  });

  it('a finding in the synthesized JSON alone names its construct as a related location', async () => {
    const { 'regions/us1/stack.ts': _us1, ...withoutUs1 } = files;
    const scan = await scanFiles(withoutUs1);
    const f = scan.result.findings.find((x) => x.ruleId === 'FL104' && x.location.path === SYNTH)!;
    expect(f).toBeDefined();
    expect(f.related.map((r) => r.message)).toContainEqual(expect.stringMatching(/^synthesized from construct us1\/nodes/));
  });
});
