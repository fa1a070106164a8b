/**
 * JSON syntax (`.tf.json`, `.tfvars.json`, `.pkr.json`, legacy Packer JSON templates) → the same
 * `HclBody` / `Expr` model as native syntax.
 *
 * Terraform / Packer HCL-JSON (HCL's JSON spec as Terraform documents it):
 *  - Top-level keys are block types. `resource`/`data` take two label levels, `provider`,
 *    `variable`, `output`, `module`, `check` one, `locals`/`terraform` none (Packer: `source` and
 *    `data` two, `variable`/`local` one, `build`/`locals`/`packer` none). At any label level or
 *    body level an array means several blocks (`"provider": {"aws": [{...}, {"alias": "x"}]}`).
 *  - Strings are templates (`"${var.x}"`), except where Terraform reads them literally:
 *    `variable` `default`/`type`/`description`, `module` `source`/`version`, and every value of a
 *    `.tfvars.json` file. A `"//"` key in a body is a comment and is skipped; only a
 *    `resource`/`data` block's `"//".metadata.path` (CDKTF synthesized output) is kept, as
 *    `HclBlock.constructPath`.
 *  - NESTED-BLOCK RULE (no provider schema is available): inside a block body, a key becomes a
 *    nested block when (a) it is a labelled nested block type of that context (`provisioner "x"`,
 *    `dynamic "x"` and its `content`, `backend "x"`, Packer `build` → `provisioner`/`source`/
 *    `post-processor`), or (b) its name is in `NESTED_BLOCK_TYPES` (lifecycle, connection,
 *    launch_template, metadata_options, block_device_mappings, ebs_block_device,
 *    tag_specifications, scaling_config, part, ...) AND its value is an object or a non-empty array
 *    of objects. Everything else is an attribute whose value is an object/tuple expression.
 *    Bodies that only hold arguments (`locals`, `module`, `variable`, `required_providers`,
 *    `backend`) never get nested blocks.
 *
 * Legacy Packer JSON templates are mapped onto Packer's HCL structure (what `hcl2_upgrade` does):
 *  `variables` → `variable "<name>" { default = ... }`, each `builders[]` item →
 *  `source "<type>" "<name or type>" {...}`, and `provisioners[]` / `post-processors[]` → one
 *  `build {}` block holding `provisioner "<type>"` / `post-processor "<type>"` blocks. Every other
 *  key is an attribute. Strings are Go templates: `{{user \`x\`}}` → reference `var.x`,
 *  `{{template_dir}}` → `path.root`, any other `{{...}}` → raw (unknown at scan time).
 */
import type { Expr, HclAttribute, HclBlock, HclBody } from '../../engine/model.js';
import type { Loc } from '../../engine/source.js';
import type { JMember, JNode, JObject, JString } from './json.js';
import { parseBareTemplate, type ConvertSink } from './native.js';
import { posTextMap, srcLoc, srcMap, type PosText, type Src } from './text.js';

export type JsonFlavor = 'terraform' | 'tfvars' | 'packer' | 'packer-legacy';
type Mode = 'template' | 'literal' | 'legacy';

interface Schema {
  /** Labelled (or label-less) block types allowed in this body, with their label count and body schema. */
  blocks?: Record<string, [number, Schema]>;
  /** Apply the generic NESTED_BLOCK_TYPES rule. */
  nested?: boolean;
  /** Attributes whose strings are literal, not templates. */
  literal?: readonly string[];
  /** Every attribute literal (tfvars). */
  allLiteral?: boolean;
}

/** Nested block types (no labels) recognised in JSON bodies; see the module comment. */
export const NESTED_BLOCK_TYPES: ReadonlySet<string> = new Set([
  // meta / common
  'lifecycle', 'connection', 'timeouts', 'precondition', 'postcondition',
  // aws
  'launch_template', 'metadata_options', 'block_device_mappings', 'ebs_block_device', 'root_block_device',
  'ephemeral_block_device', 'network_interface', 'network_interfaces', 'tag_specifications', 'ebs', 'iam_instance_profile',
  'instance_market_options', 'spot_options', 'credit_specification', 'capacity_reservation_specification',
  'cpu_options', 'enclave_options', 'hibernation_options', 'maintenance_options', 'private_dns_name_options',
  'placement', 'monitoring', 'instance_requirements', 'mixed_instances_policy', 'instances_distribution',
  'launch_template_specification', 'override', 'tag', 'initial_lifecycle_hook', 'instance_refresh', 'preferences',
  'warm_pool', 'instance_reuse_policy', 'scaling_config', 'update_config', 'remote_access', 'taint', 'vpc_config',
  'kubernetes_network_config', 'encryption_config', 'access_config', 'filter', 'ingress', 'egress',
  // gcp
  'maintenance_policy', 'boot_disk', 'initialize_params', 'attached_disk', 'scheduling', 'service_account',
  'shielded_instance_config', 'node_config', 'node_pool', 'kubelet_config', 'linux_node_config',
  'workload_metadata_config', 'upgrade_settings', 'management', 'autoscaling', 'disk', 'guest_accelerator',
  'release_channel', 'maintenance_window', 'daily_maintenance_window', 'recurring_window',
  // azure
  'os_profile', 'os_profile_linux_config', 'os_disk', 'source_image_reference', 'admin_ssh_key', 'identity',
  'boot_diagnostics', 'extension', 'rolling_upgrade_policy', 'automatic_os_upgrade_policy', 'default_node_pool',
  'upgrade_policy', 'storage_os_disk', 'storage_image_reference', 'ip_configuration', 'features',
  // cloudinit_config
  'part',
  // provider configuration
  'assume_role', 'assume_role_with_web_identity', 'default_tags', 'ignore_tags', 'endpoints',
  // packer
  'launch_block_device_mappings', 'ami_block_device_mappings', 'source_ami_filter', 'assume_role', 'aws_polling',
  'vault_aws_engine', 'fleet_tags', 'run_tag', 'spot_tag', 'required_plugins',
]);

const ATTRS: Schema = {};
const RESOURCE: Schema = { nested: true };
const DYNAMIC: Schema = { blocks: { content: [0, RESOURCE] } };
RESOURCE.blocks = { provisioner: [1, RESOURCE], dynamic: [1, DYNAMIC] };
const VARIABLE: Schema = { literal: ['default', 'type', 'description'], blocks: { validation: [0, ATTRS] } };
const TF_TOP: Schema = {
  blocks: {
    resource: [2, RESOURCE],
    data: [2, RESOURCE],
    ephemeral: [2, RESOURCE],
    provider: [1, RESOURCE],
    variable: [1, VARIABLE],
    output: [1, { blocks: { precondition: [0, ATTRS] } }],
    module: [1, { literal: ['source', 'version'] }],
    locals: [0, ATTRS],
    terraform: [
      0,
      {
        blocks: {
          backend: [1, ATTRS],
          cloud: [0, { blocks: { workspaces: [0, ATTRS] } }],
          required_providers: [0, ATTRS],
          provider_meta: [1, ATTRS],
        },
      },
    ],
    moved: [0, ATTRS],
    import: [0, ATTRS],
    removed: [0, RESOURCE],
    check: [1, { blocks: { data: [2, RESOURCE], assert: [0, ATTRS] } }],
  },
};
const BUILD: Schema = {
  blocks: {
    source: [1, RESOURCE],
    provisioner: [1, RESOURCE],
    'error-cleanup-provisioner': [1, RESOURCE],
    'post-processor': [1, RESOURCE],
    'post-processors': [0, { blocks: { 'post-processor': [1, RESOURCE] } }],
    hcp_packer_registry: [0, RESOURCE],
  },
};
const PACKER_TOP: Schema = {
  blocks: {
    source: [2, RESOURCE],
    data: [2, RESOURCE],
    build: [0, BUILD],
    variable: [1, VARIABLE],
    variables: [0, ATTRS],
    locals: [0, ATTRS],
    local: [1, ATTRS],
    packer: [0, { blocks: { required_plugins: [0, ATTRS] } }],
  },
};

export function convertJson(root: JNode | undefined, src: Src, flavor: JsonFlavor, sink: ConvertSink): HclBody {
  const c = new JsonConverter(src, sink);
  const empty: HclBody = { attributes: [], blocks: [] };
  if (!root) return empty;
  if (root.k !== 'obj') {
    sink.diag({ severity: 'error', code: 'parse-error', message: 'the top level of the file is not a JSON object', loc: c.loc(root.s, root.e) });
    return empty;
  }
  switch (flavor) {
    case 'terraform':
      return c.body(root, TF_TOP, 'template');
    case 'packer':
      return c.body(root, PACKER_TOP, 'template');
    case 'tfvars':
      return c.body(root, { allLiteral: true }, 'literal');
    case 'packer-legacy':
      return c.legacy(root);
  }
}

/** `"//": {"metadata": {"path": "<stack>/<construct>"}}` in a block body (CDKTF synthesized JSON). */
function constructPath(body: JObject): string | undefined {
  const member = (o: JNode, key: string): JNode | undefined => {
    if (o.k !== 'obj') return undefined;
    for (let i = o.members.length - 1; i >= 0; i--) if (o.members[i].key.value === key) return o.members[i].value;
    return undefined;
  };
  const meta = member(body, '//');
  const md = meta && member(meta, 'metadata');
  const path = md && member(md, 'path');
  return path?.k === 'str' && path.value !== '' ? path.value : undefined;
}

class JsonConverter {
  constructor(
    readonly src: Src,
    readonly sink: ConvertSink,
  ) {}

  loc(s: number, e: number): Loc {
    return srcLoc(this.src, s, e);
  }

  private keyLoc(k: JString): Loc {
    return this.loc(k.s, k.e);
  }

  body(obj: JObject, schema: Schema, defaultMode: Mode): HclBody {
    const body: HclBody = { attributes: [], blocks: [] };
    const seen = new Map<string, JMember>();
    for (const m of obj.members) {
      const key = m.key.value;
      if (key === '//') continue;
      const blockDef = schema.blocks?.[key];
      const v = m.value;
      if (blockDef && (v.k === 'obj' || v.k === 'arr')) {
        this.blocks(body, key, m.key, v, blockDef[0], blockDef[1], [], [], m.key.s, defaultMode);
        continue;
      }
      if (
        schema.nested &&
        NESTED_BLOCK_TYPES.has(key) &&
        (v.k === 'obj' || (v.k === 'arr' && v.items.length > 0 && v.items.every((i) => i.k === 'obj')))
      ) {
        this.blocks(body, key, m.key, v, 0, schema, [], [], m.key.s, defaultMode);
        continue;
      }
      const prev = seen.get(key);
      if (prev) {
        this.sink.diag({
          severity: 'warning',
          code: 'parse-error',
          message: `duplicate key ${JSON.stringify(key)} in JSON object (line of the first one is kept too; the last one wins)`,
          loc: this.keyLoc(m.key),
        });
      }
      seen.set(key, m);
      const mode: Mode = schema.allLiteral || schema.literal?.includes(key) ? 'literal' : defaultMode;
      body.attributes.push(this.attribute(m, mode));
    }
    return body;
  }

  private attribute(m: JMember, mode: Mode): HclAttribute {
    return {
      name: m.key.value,
      nameLoc: this.keyLoc(m.key),
      loc: this.loc(m.key.s, m.value.e),
      expr: this.value(m.value, mode),
    };
  }

  private blocks(
    out: HclBody,
    type: string,
    typeKey: JString,
    v: JNode,
    labelsLeft: number,
    schema: Schema,
    labels: string[],
    labelLocs: Loc[],
    start: number,
    mode: Mode,
  ): void {
    if (v.k === 'arr') {
      for (const item of v.items) this.blocks(out, type, typeKey, item, labelsLeft, schema, labels, labelLocs, item.s, mode);
      return;
    }
    if (v.k !== 'obj') {
      this.sink.diag({
        severity: 'warning',
        code: 'parse-error',
        message: `expected an object for block ${JSON.stringify(type)}`,
        loc: this.loc(v.s, v.e),
      });
      return;
    }
    if (labelsLeft > 0) {
      for (const m of v.members) {
        if (m.key.value === '//') continue;
        this.blocks(out, type, typeKey, m.value, labelsLeft - 1, schema, [...labels, m.key.value], [...labelLocs, this.keyLoc(m.key)], m.key.s, mode);
      }
      return;
    }
    const block: HclBlock = {
      type,
      labels,
      labelLocs,
      typeLoc: this.keyLoc(typeKey),
      loc: this.loc(start, v.e),
      body: this.body(v, schema, mode),
    };
    if ((type === 'resource' || type === 'data') && labels.length === 2) {
      const path = constructPath(v);
      if (path !== undefined) block.constructPath = path;
    }
    out.blocks.push(block);
  }

  value(n: JNode, mode: Mode): Expr {
    const loc = this.loc(n.s, n.e);
    switch (n.k) {
      case 'obj':
        return {
          t: 'object',
          entries: n.members.map((m) => ({ key: this.string(m.key, 'literal'), value: this.value(m.value, mode) })),
          loc,
        };
      case 'arr':
        return { t: 'tuple', items: n.items.map((i) => this.value(i, mode)), loc };
      case 'str':
        return this.string(n, mode);
      case 'num':
      case 'bool':
        return { t: 'literal', value: n.value, loc };
      case 'null':
        if (n.truncated) return { t: 'raw', text: '…', loc };
        return { t: 'literal', value: null, loc };
    }
  }

  string(n: JString, mode: Mode): Expr {
    const pt: PosText = { text: n.value, pos: n.pos };
    const map = srcMap(this.src, posTextMap(pt, this.src.map.file, [n.s, n.e]));
    const loc = this.loc(n.s, n.e);
    if (mode === 'literal') return { t: 'literal', value: n.value, loc, map };
    if (mode === 'legacy') return this.goTemplate(n, pt, map, loc);
    if (!/[$%]\{/.test(n.value)) return { t: 'literal', value: n.value, loc, map };
    const e = parseBareTemplate(n.value, map, this.sink);
    if (e) return e;
    this.sink.diag({
      severity: 'warning',
      code: 'parse-error',
      message: 'template string could not be parsed; kept as literal text',
      loc,
    });
    return { t: 'literal', value: n.value, loc, map };
  }

  private posLoc(pt: PosText, a: number, b: number, fallback: Loc): Loc {
    let lo = -1;
    let hi = -1;
    for (let i = a; i < b; i++) {
      const p = pt.pos[i];
      if (p < 0) continue;
      if (lo < 0 || p < lo) lo = p;
      if (p + 1 > hi) hi = p + 1;
    }
    return lo < 0 ? fallback : this.loc(lo, hi);
  }

  /** Legacy Packer strings: Go templates. */
  private goTemplate(n: JString, pt: PosText, map: ReturnType<typeof srcMap>, loc: Loc): Expr {
    const v = n.value;
    if (!v.includes('{{')) return { t: 'literal', value: v, loc, map };
    const parts: Expr[] = [];
    let at = 0;
    const lit = (a: number, b: number) => {
      if (b <= a) return;
      const piece: PosText = { text: v.slice(a, b), pos: pt.pos.slice(a, b) };
      const m = srcMap(this.src, posTextMap(piece, this.src.map.file, [n.s, n.e]));
      parts.push({ t: 'literal', value: piece.text, loc: this.posLoc(pt, a, b, loc), map: m });
    };
    for (;;) {
      const a = v.indexOf('{{', at);
      if (a < 0) break;
      const b = v.indexOf('}}', a + 2);
      if (b < 0) break;
      lit(at, a);
      const text = v.slice(a, b + 2);
      const inner = v
        .slice(a + 2, b)
        .replace(/^-\s*/, '')
        .replace(/\s*-$/, '')
        .trim();
      const aLoc = this.posLoc(pt, a, b + 2, loc);
      const user = /^user\s+[`"]([^`"]+)[`"]$/.exec(inner);
      if (user) parts.push({ t: 'ref', path: ['var', user[1]], loc: aLoc, text });
      else if (inner === 'template_dir') parts.push({ t: 'ref', path: ['path', 'root'], loc: aLoc, text });
      else parts.push({ t: 'raw', text, loc: aLoc });
      at = b + 2;
    }
    lit(at, v.length);
    return { t: 'template', parts, loc };
  }

  legacy(root: JObject): HclBody {
    const body: HclBody = { attributes: [], blocks: [] };
    let build: HclBlock | undefined;
    const getBuild = (m: JMember): HclBlock => {
      if (!build) {
        build = { type: 'build', labels: [], labelLocs: [], typeLoc: this.keyLoc(m.key), loc: this.loc(m.key.s, m.value.e), body: { attributes: [], blocks: [] } };
        body.blocks.push(build);
      } else build.loc = { ...build.loc, start: Math.min(build.loc.start, this.loc(m.key.s, m.key.s).start), end: Math.max(build.loc.end, this.loc(m.value.e, m.value.e).end) };
      return build;
    };
    const strMember = (o: JObject, key: string): JString | undefined => {
      for (let i = o.members.length - 1; i >= 0; i--) if (o.members[i].key.value === key && o.members[i].value.k === 'str') return o.members[i].value as JString;
      return undefined;
    };
    const attrsOf = (o: JObject): HclBody => ({
      attributes: o.members.filter((m) => m.key.value !== '//').map((m) => this.attribute(m, 'legacy')),
      blocks: [],
    });
    const typed = (kind: string, m: JMember, item: JNode, withName: boolean): HclBlock | undefined => {
      if (item.k === 'str') {
        return { type: kind, labels: [item.value], labelLocs: [this.loc(item.s, item.e)], typeLoc: this.keyLoc(m.key), loc: this.loc(item.s, item.e), body: { attributes: [], blocks: [] } };
      }
      if (item.k !== 'obj') return undefined;
      const t = strMember(item, 'type');
      const labels = [t?.value ?? ''];
      const labelLocs = [t ? this.loc(t.s, t.e) : this.loc(item.s, item.s)];
      if (withName) {
        const nm = strMember(item, 'name');
        labels.push(nm?.value ?? labels[0]);
        labelLocs.push(nm ? this.loc(nm.s, nm.e) : labelLocs[0]);
      }
      return { type: kind, labels, labelLocs, typeLoc: this.keyLoc(m.key), loc: this.loc(item.s, item.e), body: attrsOf(item) };
    };
    for (const m of root.members) {
      const key = m.key.value;
      const v = m.value;
      if (key === '//') continue;
      if (key === 'variables' && v.k === 'obj') {
        for (const vm of v.members) {
          body.blocks.push({
            type: 'variable',
            labels: [vm.key.value],
            labelLocs: [this.keyLoc(vm.key)],
            typeLoc: this.keyLoc(m.key),
            loc: this.loc(vm.key.s, vm.value.e),
            body: { attributes: [{ name: 'default', nameLoc: this.keyLoc(vm.key), loc: this.loc(vm.key.s, vm.value.e), expr: this.value(vm.value, 'legacy') }], blocks: [] },
          });
        }
      } else if (key === 'builders' && v.k === 'arr') {
        for (const item of v.items) {
          const b = typed('source', m, item, true);
          if (b) body.blocks.push(b);
        }
      } else if (key === 'provisioners' && v.k === 'arr') {
        const bb = getBuild(m);
        for (const item of v.items) {
          const b = typed('provisioner', m, item, false);
          if (b) bb.body.blocks.push(b);
        }
      } else if (key === 'post-processors' && v.k === 'arr') {
        const bb = getBuild(m);
        const flat = v.items.flatMap((i) => (i.k === 'arr' ? i.items : [i]));
        for (const item of flat) {
          const b = typed('post-processor', m, item, false);
          if (b) bb.body.blocks.push(b);
        }
      } else body.attributes.push(this.attribute(m, 'legacy'));
    }
    return body;
  }
}
