/**
 * Declarative policies: teams add their own checks in faultline.yaml without writing TypeScript.
 * A policy is validated with ajv against schemas/faultline-policy.schema.json and compiled into an
 * ordinary `Rule`, so it gets positions, fingerprints, suppressions and every output for free.
 *
 *   policies:
 *     - id: ACME-1
 *       name: no-latest-image-tag
 *       title: Images must be pinned
 *       severity: warning
 *       formats: [kubernetes]
 *       kinds: [Deployment, DaemonSet]
 *       select: spec.template.spec.containers[*].image
 *       when: { matches: ':latest$' }
 *       message: 'image {value} is not pinned'
 *
 * `select` walks the value tree (YAML formats), Terraform/Packer blocks (`resource.aws_instance.*.user_data`),
 * systemd sections (`Timer.OnCalendar`), apt keys (`APT::Periodic::Unattended-Upgrade`) or preseed
 * questions (`pkgsel/update-policy`).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './config-load.js';
import type { Document, Format, HclBlock, HclBody, Value } from './model.js';
import { packageFile } from './package-root.js';
import { validatorFor, type ValidateFunction } from './schema.js';
import type { Rule, RuleMeta, Severity } from './rule-api.js';
import type { Loc } from './source.js';

export interface PolicyCondition {
  equals?: string | number | boolean;
  notEquals?: string | number | boolean;
  oneOf?: (string | number | boolean)[];
  matches?: string;
  present?: boolean;
  absent?: boolean;
}

export interface Policy {
  id: string;
  name: string;
  title: string;
  severity: Severity;
  description?: string;
  rationale?: string;
  remediation?: string;
  formats: Format[];
  kinds?: string[];
  select: string;
  when: PolicyCondition;
  message: string;
}

let validate: ValidateFunction | undefined;

export function policySchema(): object {
  return JSON.parse(readFileSync(packageFile('schemas', 'faultline-policy.schema.json'), 'utf8')) as object;
}

interface Hit {
  value?: string | number | boolean | null;
  loc: Loc;
  present: boolean;
}

/** Path segments: `a.b[*].c` → ['a','b','*','c']; `a.b[0]` → ['a','b',0]. Apt keys keep their `::`. */
export function parseSelect(select: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of select.split(/\.(?![^[]*\])/)) {
    const m = /^([^[]*)((?:\[[^\]]*\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2].match(/\[[^\]]*\]/g) ?? []) {
      const inner = idx.slice(1, -1);
      out.push(/^\d+$/.test(inner) ? Number(inner) : '*');
    }
  }
  return out;
}

function selectValues(v: Value | undefined, path: (string | number)[], parentLoc: Loc): Hit[] {
  if (path.length === 0) {
    if (!v) return [{ loc: parentLoc, present: false }];
    if (v.kind === 'scalar') return [{ value: v.value, loc: v.loc, present: true }];
    return [{ loc: v.loc, present: true }];
  }
  if (!v) return [{ loc: parentLoc, present: false }];
  const [head, ...rest] = path;
  if (head === '*') {
    if (v.kind === 'seq') return v.items.flatMap((it) => selectValues(it, rest, it.loc));
    if (v.kind === 'map') return v.entries.flatMap((e) => selectValues(e.value, rest, e.keyLoc));
    return [];
  }
  if (typeof head === 'number') return v.kind === 'seq' ? selectValues(v.items[head], rest, v.loc) : [];
  if (v.kind !== 'map') return [];
  const entry = [...v.entries].reverse().find((e) => e.key === head);
  return selectValues(entry?.value, rest, entry?.keyLoc ?? parentLoc);
}

function selectHcl(body: HclBody, path: (string | number)[], parentLoc: Loc): Hit[] {
  if (path.length === 0) return [];
  const [head, ...rest] = path.map(String);
  if (rest.length === 0) {
    const attr = body.attributes.find((a) => a.name === head);
    if (!attr) return [{ loc: parentLoc, present: false }];
    const v = attr.value;
    if (v?.kind === 'scalar') return [{ value: v.value, loc: v.loc, present: true }];
    return [{ loc: attr.loc, present: true }];
  }
  const blocks = body.blocks.filter((b) => b.type === head);
  const hits: Hit[] = [];
  for (const b of blocks) {
    // consume the block's labels from the path (`*` matches any label)
    let i = 0;
    let ok = true;
    for (; i < b.labels.length && i < rest.length - 1; i++) {
      if (rest[i] !== '*' && rest[i] !== b.labels[i]) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    hits.push(...selectHcl(b.body, rest.slice(i), (b as HclBlock).typeLoc));
  }
  return hits;
}

function select(doc: Document, p: Policy, path: (string | number)[]): { hits: Hit[]; resource?: string; resourceLoc?: Loc }[] {
  switch (doc.format) {
    case 'kubernetes':
      return doc.model.objects
        .filter((o) => !p.kinds?.length || p.kinds.includes(o.kind))
        .map((o) => ({
          hits: selectValues(o.value, path, o.loc),
          resource: `${o.kind}/${o.namespace ? o.namespace + '/' : ''}${o.name}`,
          resourceLoc: o.loc,
        }));
    case 'cloud-config':
    case 'autoinstall':
    case 'imagebuilder':
    case 'yaml':
      return [{ hits: selectValues(doc.model.root, path, doc.loc) }];
    case 'terraform':
    case 'packer':
      return [{ hits: selectHcl(doc.model.body, path, doc.loc) }];
    case 'systemd-unit':
    case 'networkd': {
      const [section, key] = [String(path[0]), path.slice(1).join('.')];
      const entries = doc.model.sections.filter((s) => s.name === section).flatMap((s) => s.entries.filter((e) => e.key === key));
      return [{ hits: entries.length ? entries.map((e) => ({ value: e.value, loc: e.valueLoc, present: true })) : [{ loc: doc.loc, present: false }] }];
    }
    case 'apt-conf': {
      const key = p.select.toLowerCase();
      const sets = doc.model.items.filter((i) => i.t === 'set' && i.key.toLowerCase() === key);
      return [{ hits: sets.length ? sets.map((s) => ({ value: s.t === 'set' ? s.value : '', loc: s.t === 'set' ? s.valueLoc : s.loc, present: true })) : [{ loc: doc.loc, present: false }] }];
    }
    case 'preseed': {
      const es = doc.model.entries.filter((e) => e.question === p.select);
      return [{ hits: es.length ? es.map((e) => ({ value: e.value, loc: e.valueLoc, present: true })) : [{ loc: doc.loc, present: false }] }];
    }
    default:
      return [];
  }
}

function holds(c: PolicyCondition, h: Hit, re: RegExp | undefined): boolean {
  if (c.absent) return !h.present;
  if (c.present) return h.present;
  if (!h.present) return false;
  const s = h.value === null || h.value === undefined ? '' : String(h.value);
  if (c.equals !== undefined) return s === String(c.equals);
  if (c.notEquals !== undefined) return s !== String(c.notEquals);
  if (c.oneOf) return c.oneOf.map(String).includes(s);
  if (re) return re.test(s);
  return false;
}

export function compilePolicies(policies: unknown[], source?: string): Rule<Record<string, unknown>>[] {
  if (!policies.length) return [];
  validate ??= validatorFor(policySchema());
  return policies.map((raw, i) => {
    if (!validate!(raw)) {
      const e = validate!.errors?.[0];
      throw new ConfigError(`policies[${i}]${e?.instancePath ?? ''}: ${e?.message ?? 'invalid'}`, source);
    }
    const p = raw as Policy;
    let re: RegExp | undefined;
    if (p.when.matches !== undefined) {
      try {
        re = new RegExp(p.when.matches);
      } catch (e) {
        throw new ConfigError(`policies[${i}] (${p.id}): invalid regular expression: ${(e as Error).message}`, source);
      }
    }
    const path = parseSelect(p.select);
    const meta: RuleMeta = {
      id: p.id,
      name: p.name,
      title: p.title,
      family: 'policy',
      severity: p.severity,
      description: p.description ?? p.title,
      rationale: p.rationale ?? 'Organisation policy declared in faultline.yaml.',
      remediation: p.remediation ?? 'See your organisation’s policy documentation.',
      formats: p.formats,
      scope: 'document',
      messages: { policy: p.message },
      optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
      defaultOptions: {},
      docs: 'docs/policies.md',
      tags: ['policy'],
    };
    return {
      meta,
      checkDocument(doc, ctx) {
        for (const group of select(doc, p, path)) {
          for (const h of group.hits) {
            if (!holds(p.when, h, re)) continue;
            ctx.report({
              messageId: 'policy',
              data: { value: h.value === undefined || h.value === null ? '' : String(h.value), resource: group.resource ?? '' },
              loc: h.loc,
              resource: group.resource,
              resourceLoc: group.resourceLoc,
              document: doc,
            });
          }
        }
      },
    } satisfies Rule<Record<string, unknown>>;
  });
}
