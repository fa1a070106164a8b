import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapSpan } from '../../../engine/offset-map.js';
import type { Document, DocumentOf, HclBlock, HclBody } from '../../../engine/model.js';
import { parseFiles } from '../../../engine/testing.js';
import type { Finding } from '../../../engine/finding.js';
import { allScanners } from '../../../scanners/index.js';
import { cdktfScanner } from '../../../scanners/cdktf/index.js';
import { hclScanner } from '../../../scanners/hcl/index.js';
import { isCdktfCandidate, scanImports } from '../../../scanners/cdktf/detect.js';
import { classifyConstruct } from '../../../scanners/cdktf/types.js';
import { scanFiles } from '../../helpers/scan.js';

const repo = path.resolve(import.meta.dirname, '../../..');
const FLEET = 'fixtures/example-fleet-cdktf';
const TWIN = 'test/scanners/cdktf/twin';

function readTree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out[prefix + path.relative(dir, p).split(path.sep).join('/')] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const tf = (docs: Document[]) => docs.filter((d): d is DocumentOf<'terraform'> => d.format === 'terraform' && !d.origin);
function block(docs: Document[], file: string, type: string, ...labels: string[]): HclBlock {
  const b = tf(docs)
    .filter((d) => d.file === file)
    .flatMap((d) => d.model.body.blocks)
    .find((x) => x.type === type && labels.every((l, i) => x.labels[i] === l));
  if (!b) throw new Error(`no ${type} ${labels.join('.')} in ${file}`);
  return b;
}
const attr = (b: { body: HclBody }, name: string) => b.body.attributes.find((a) => a.name === name);
const textAt = (files: Record<string, string>, loc: { file: string; start: number; end: number }) => files[loc.file].slice(loc.start, loc.end);

describe('cdktf detection', () => {
  it('claims TypeScript files that import cdktf, nothing else', () => {
    expect(isCdktfCandidate('infra/main.ts', "import { App } from 'cdktf';")).toBe(true);
    expect(isCdktfCandidate('infra/x.ts', 'import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template"')).toBe(true);
    expect(isCdktfCandidate('infra/x.ts', "import { AwsProvider } from './.gen/providers/aws/provider';")).toBe(true);
    expect(isCdktfCandidate('src/app.ts', "import express from 'express';")).toBe(false);
    expect(isCdktfCandidate('node_modules/cdktf/lib/app.ts', "import { x } from 'cdktf'")).toBe(false);
    expect(isCdktfCandidate('infra/.gen/providers/aws/vpc/index.ts', "import * as cdktf from 'cdktf'")).toBe(false);
    expect(isCdktfCandidate('types/cdktf.d.ts', "import { App } from 'cdktf'")).toBe(false);
    expect(isCdktfCandidate('main.tf', "import { App } from 'cdktf'")).toBe(false);
  });

  it('confirms imports with a syntax pass (comments do not count) and finds stack classes', () => {
    expect(scanImports("// import { App } from 'cdktf'\nconst x = 1;", 'a.ts').cdktfImports).toEqual([]);
    const s = scanImports("import { TerraformStack } from 'cdktf';\nclass A extends TerraformStack {}\nnew A(app, 'a');", 'a.ts');
    expect(s.cdktfImports).toEqual(['cdktf']);
    expect(s.stacks.map((x) => x.name)).toEqual(['A']);
    expect(s.topLevelNew).toBe(true);
  });

  it('maps classes to Terraform types from import paths, barrels and class names', () => {
    expect(classifyConstruct('@cdktf/provider-aws/lib/ssm-maintenance-window', 'SsmMaintenanceWindow', [])).toEqual({ block: 'resource', type: 'aws_ssm_maintenance_window' });
    expect(classifyConstruct('@cdktf/provider-aws', '*', ['ssmMaintenanceWindow', 'SsmMaintenanceWindow'])).toEqual({ block: 'resource', type: 'aws_ssm_maintenance_window' });
    expect(classifyConstruct('@cdktf/provider-aws', 'launchTemplate', ['LaunchTemplate'])).toEqual({ block: 'resource', type: 'aws_launch_template' });
    expect(classifyConstruct('@cdktf/provider-aws/lib/data-aws-ami', 'DataAwsAmi', [])).toEqual({ block: 'data', type: 'aws_ami' });
    expect(classifyConstruct('@cdktf/provider-aws/lib/provider', 'AwsProvider', [])).toEqual({ block: 'provider', type: 'aws' });
    expect(classifyConstruct('./.gen/providers/aws/eks-node-group', 'EksNodeGroup', [])).toEqual({ block: 'resource', type: 'aws_eks_node_group' });
    // class-name fallback with the generated exception table
    expect(classifyConstruct('@cdktf/provider-aws', 'S3BucketVersioningA', [])).toEqual({ block: 'resource', type: 'aws_s3_bucket_versioning' });
    expect(classifyConstruct('@cdktf/provider-aws', 'EksNodeGroup', [])).toEqual({ block: 'resource', type: 'aws_eks_node_group' });
    expect(classifyConstruct('cdktf', 'TerraformStack', [])).toBeUndefined();
  });

  it('sits before the HCL scanner, which still parses .tf files', async () => {
    expect(allScanners.indexOf(cdktfScanner)).toBeLessThan(allScanners.indexOf(hclScanner));
    const r = await parseFiles(allScanners, { 'm/main.tf': 'provider "aws" {\n  region = "us-east-1"\n}\n' });
    expect(tf(r.documents)[0].model.body.blocks[0].labels).toEqual(['aws']);
  });
});

describe('cdktf example fleet → terraform documents', async () => {
  const files = readTree(path.join(repo, FLEET), `${FLEET}/`);
  const r = await parseFiles(allScanners, files);
  const us1 = `${FLEET}/regions/us1/stack.ts`;
  const eu1 = `${FLEET}/regions/eu1/stack.ts`;

  it('has no diagnostics', () => {
    expect(r.diagnostics).toEqual([]);
  });

  it('builds provider, data and resource blocks with values and .ts positions', () => {
    const p = block(r.documents, us1, 'provider', 'aws');
    const region = attr(p, 'region')!;
    expect(region.value).toMatchObject({ kind: 'scalar', value: 'us-east-1' });
    expect(textAt(files, region.value!.loc)).toBe("'us-east-1'");
    expect(textAt(files, region.nameLoc)).toBe('region');

    const asg = block(r.documents, us1, 'resource', 'aws_autoscaling_group', 'nodes_asg');
    expect(attr(asg, 'desired_capacity')?.value).toMatchObject({ value: 120 }); // enum from config.ts
    expect(attr(asg, 'desired_capacity')?.value?.loc.file).toBe(`${FLEET}/config.ts`);
    const lt = asg.body.blocks.find((b) => b.type === 'launch_template')!;
    expect(attr(lt, 'version')?.value).toMatchObject({ value: '$Latest' });
    expect(attr(lt, 'id')?.value?.kind).toBe('unknown');

    // construct attributes become Terraform references, as in HCL
    const ltNodes = block(r.documents, us1, 'resource', 'aws_launch_template', 'nodes');
    expect(attr(ltNodes, 'image_id')?.expr).toMatchObject({ t: 'ref', text: 'data.aws_ami.node.id' });
    expect(attr(lt, 'id')?.expr).toMatchObject({ t: 'ref', text: 'aws_launch_template.nodes.id' });
    const ami = block(r.documents, us1, 'data', 'aws_ami', 'node');
    expect(ami.body.blocks.map((b) => b.type)).toEqual(['filter']);

    const w = block(r.documents, us1, 'resource', 'aws_ssm_maintenance_window', 'patch');
    expect(attr(w, 'schedule')?.value).toMatchObject({ value: 'cron(0 3 ? * * *)' }); // template across files
    expect(attr(w, 'schedule_timezone')?.value).toMatchObject({ value: 'UTC' });
  });

  it('resolves provider objects to aws.<alias> and keeps stacks apart', () => {
    const lt = block(r.documents, eu1, 'resource', 'aws_launch_template', 'nodes');
    expect(attr(lt, 'provider')?.value).toMatchObject({ value: 'aws.euw1' });
    expect(textAt(files, attr(lt, 'provider')!.value!.loc)).toBe('euw1');
    const dirs = new Set(tf(r.documents).map((d) => d.model.moduleDir));
    expect(dirs).toContain(`${FLEET}/regions/eu1/stack/Eu1Stack`);
    expect(dirs).toContain(`${FLEET}/regions/us1/stack/Us1Stack`);
  });

  it('embeds user data with exact positions inside the template literal', () => {
    const cc = r.documents.find((d) => d.format === 'cloud-config' && d.origin?.via === 'terraform-user-data' && d.file === us1)!;
    expect(cc).toBeDefined();
    const at = cc.text.indexOf('package_upgrade: true');
    const loc = mapSpan(cc.map, at, at + 'package_upgrade: true'.length);
    expect(textAt(files, loc)).toBe('package_upgrade: true');
    // Fn.file(path.join(__dirname, ...)) → the YAML file itself
    const us2 = r.documents.find((d) => d.format === 'cloud-config' && d.origin?.via === 'terraform-user-data' && d.origin.label.startsWith('aws_launch_template'));
    expect(r.documents.some((d) => d.format === 'cloud-config' && d.file === `${FLEET}/regions/us2/user-data.yaml` && d.origin)).toBe(true);
    expect(us2).toBeDefined();
  });
});

describe('cdktf evaluation', () => {
  const run = (files: Record<string, string>) => parseFiles(allScanners, files);
  const head = "import { Fn, TerraformStack } from 'cdktf';\nimport { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';\n";

  it('decodes escapes and maps template text exactly, across const files and enums', async () => {
    const files = {
      'app/consts.ts': "export const PKG = 'package_upgrade';\nexport enum Hour { A = 1, B, C }\nexport const ON = true;\n",
      'app/main.ts':
        head +
        "import { PKG, Hour, ON } from './consts';\n" +
        'class S extends TerraformStack { constructor(s: any, id: string, props: { x: string }) { super(s, id);\n' +
        "new LaunchTemplate(this, 'lt', { userData: Fn.base64encode(`#cloud-config\\n${PKG}: ${ON}\\r\\nruncmd:\\n  - echo \\u0041 \\`x\\``), namePrefix: 'a' + Hour.C * 2, description: props.x, tags: { Team: 'core' } });\n" +
        '} }\n',
    };
    const r = await run(files);
    const lt = block(r.documents, 'app/main.ts', 'resource', 'aws_launch_template', 'lt');
    expect(attr(lt, 'name_prefix')?.value).toMatchObject({ value: 'a6' });
    // (the HCL link re-derives values from the constant exprs; the CDKTF reason is not kept — see docs/cdktf.md)
    expect(attr(lt, 'description')?.value).toMatchObject({ kind: 'unknown', expr: 'props.x' });
    expect(attr(lt, 'tags')?.value).toMatchObject({ kind: 'map', entries: [{ key: 'Team' }] });
    const ud = attr(lt, 'user_data')!.value!;
    expect(ud).toMatchObject({ kind: 'scalar', value: '#cloud-config\npackage_upgrade: true\r\nruncmd:\n  - echo A `x`', tag: 'base64' });
    const cc = r.documents.find((d) => d.format === 'cloud-config')!;
    const s = cc.text.indexOf('echo');
    expect(textAt(files, mapSpan(cc.map, s, s + 4))).toBe('echo');
    const k = cc.text.indexOf('package_upgrade');
    // a map has one file: text substituted from another file maps to the template that uses it
    expect(mapSpan(cc.map, k, k + 3).file).toBe('app/main.ts');
  });

  it('leaves unknowns unknown and reports configs it cannot read', async () => {
    const files = {
      'app/main.ts':
        head +
        "let mutable = 'x';\nfunction f() { return 'y'; }\n" +
        "class S extends TerraformStack { constructor(s: any, id: string, cfg: any) { super(s, id);\n" +
        "new LaunchTemplate(this, 'a', { namePrefix: mutable, description: f(), userData: Fn.templatefile('x', {}) });\n" +
        "new LaunchTemplate(this, 'b', cfg);\n" +
        '} }\n',
    };
    const r = await run(files);
    const a = block(r.documents, 'app/main.ts', 'resource', 'aws_launch_template', 'a');
    expect(a.body.attributes.map((x) => x.value?.kind)).toEqual(['unknown', 'unknown', 'unknown']);
    expect(block(r.documents, 'app/main.ts', 'resource', 'aws_launch_template', 'b').body.attributes).toEqual([]);
    expect(r.diagnostics.some((d) => d.code === 'unresolved' && /config is not known/.test(d.message))).toBe(true);
  });
});

describe('cdktf fleet vs its HCL twin', async () => {
  const cdk = await scanFiles(readTree(path.join(repo, FLEET)));
  const hcl = await scanFiles(readTree(path.join(repo, TWIN)));
  /**
   * Findings keyed without positions or paths: rule, resource and embedding labels. (Paths differ
   * legitimately: a value from a shared `const` in config.ts is reported where it is written, as
   * HCL reports a `local` at its definition.)
   */
  const keys = (fs: Finding[]) =>
    fs.map((f) => [f.ruleId, f.resource ?? '', ...(f.embedding ?? []).map((e) => e.replace(/\s*\(.*$/, ''))].join(' | ')).sort();

  it('produces the same findings as the HCL twin', () => {
    expect(cdk.result.findings.length).toBeGreaterThan(0);
    expect(keys(cdk.result.findings)).toEqual(keys(hcl.result.findings));
    expect(cdk.result.findings.some((f) => f.ruleId === 'FL104')).toBe(true);
  });

  it('reports them at the .ts lines of the CDKTF source', () => {
    const src = readFileSync(path.join(repo, FLEET, 'regions/us1/stack.ts'), 'utf8').split('\n');
    const fl104 = cdk.result.findings.filter((f) => f.ruleId === 'FL104' && f.location.path === 'regions/us1/stack.ts');
    expect(fl104).toHaveLength(1);
    const { start, end } = fl104[0].location.range;
    expect(src[start.line - 1].slice(start.column - 1, end.column - 1)).toBe('package_upgrade: true');
    for (const f of cdk.result.findings) expect(f.location.path).not.toMatch(/\.tf$/);
  });
});

describe('cdktf example fleet type-checks against @cdktf/provider-aws', () => {
  it('tsc --noEmit -p fixtures/example-fleet-cdktf', () => {
    const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
    expect(() => execFileSync(process.execPath, [tsc, '--noEmit', '-p', FLEET], { cwd: repo, stdio: 'pipe' })).not.toThrow();
  }, 120_000);
});
