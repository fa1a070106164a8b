/**
 * Link phase of the HCL scanner: group documents into Terraform modules (one directory) and Packer
 * templates (one directory for HCL, one file for legacy JSON), build each scope, evaluate every
 * attribute into `attr.value`, record file references, and embed the documents found in
 * user-data, cloud-init parts and Packer provisioners.
 */
import { posix } from 'node:path';
import type { Document, DocumentOf, EmbedVia, Format, HclAttribute, HclBlock, HclBody, HclModel, HclReference, Value } from '../../engine/model.js';
import { identityMap, type OffsetMap } from '../../engine/offset-map.js';
import type { LinkContext } from '../../engine/scanner-api.js';
import type { Loc, SourceFile } from '../../engine/source.js';
import { Evaluator, pickFile, type AttrInfo, type Env, type EvalHost, type ModuleScope, type VarDef } from './eval.js';
import { decodeBase64Text } from './functions.js';
import { classifyHclPath } from './detect.js';
import { concatMapped, type MStr } from './text.js';
import { mstrOf, unknown, valueSize } from './values.js';

type HclDoc = DocumentOf<'terraform'> | DocumentOf<'packer'>;

const MAX_GROUP_VALUE_NODES = 5_000_000;

function isHclDoc(d: Document): d is HclDoc {
  if (d.format !== 'terraform' && d.format !== 'packer') return false;
  const m = d.model as Partial<HclModel> | undefined;
  return !!m && typeof m === 'object' && !!m.body && typeof m.moduleDir === 'string';
}

export function linkHcl(documents: Document[], ctx: LinkContext): void {
  const docs = documents.filter(isHclDoc);
  if (docs.length === 0) return;
  const groups = new Map<string, HclDoc[]>();
  for (const d of docs) {
    const kind = classifyHclPath(d.file);
    const key = d.origin
      ? `doc:${d.id}`
      : kind?.flavor === 'packer-legacy'
        ? `legacy:${d.file}`
        : `${d.format}:${d.model.moduleDir}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(d);
  }

  const refs = new Map<HclDoc, Map<string, HclReference>>();
  const fileCache = new Map<string, SourceFile | null>();
  let dirs: Set<string> | undefined;
  const host: EvalHost = {
    limits: ctx.limits,
    readFile(p) {
      if (fileCache.has(p)) return fileCache.get(p) ?? undefined;
      let f: SourceFile | undefined;
      try {
        f = ctx.readRootFile(p);
      } catch {
        f = undefined;
      }
      fileCache.set(p, f ?? null);
      return f;
    },
    rootText: (file) => ctx.files.get(file)?.text,
    isDirectory(p) {
      if (!dirs) {
        dirs = new Set();
        for (const f of ctx.files.keys()) {
          let d = posix.dirname(f);
          while (d !== '.' && d !== '/' && !dirs.has(d)) {
            dirs.add(d);
            d = posix.dirname(d);
          }
        }
      }
      return dirs.has(p.replace(/\/+$/, ''));
    },
    diag: (d) => ctx.diagnostic(d),
    reference(doc, ref) {
      const d = doc as HclDoc;
      let m = refs.get(d);
      if (!m) refs.set(d, (m = new Map()));
      m.set(`${ref.kind}\0${ref.path}\0${ref.loc.file}\0${ref.loc.start}\0${ref.destination ?? ''}`, ref);
    },
  };
  const ev = new Evaluator(host);

  const scoped: { scope: ModuleScope; docs: HclDoc[] }[] = [];
  for (const g of groups.values()) scoped.push({ scope: buildScope(g, ev), docs: g });

  for (const { docs: g } of scoped) {
    ev.beginGroup();
    let total = 0;
    for (const d of g) {
      walkAttributes(d.model.body, (a) => {
        let v = ev.attrValue(a);
        total += valueSize(v);
        if (total > MAX_GROUP_VALUE_NODES) v = unknown(a.expr.loc, 'the values of this module are too large to keep');
        a.value = v;
      });
    }
  }

  for (const { scope, docs: g } of scoped) {
    for (const d of g) {
      const em = new Embedder(d, scope, ev, host, ctx);
      try {
        if (d.format === 'terraform') em.terraform();
        else em.packer();
      } catch (e) {
        ctx.diagnostic({
          severity: 'error',
          code: 'internal-error',
          message: `hcl: embedded documents of ${d.file} not extracted: ${e instanceof Error ? e.message : String(e)}`,
          file: d.file,
        });
      }
    }
  }

  for (const [d, m] of refs) {
    const list = [...m.values()].sort((a, b) => (a.loc.file === b.loc.file ? a.loc.start - b.loc.start : a.loc.file < b.loc.file ? -1 : 1));
    d.model.references = [...(d.model.references ?? []), ...list];
  }
}

export function walkAttributes(body: HclBody, fn: (a: HclAttribute, path: HclBlock[]) => void, path: HclBlock[] = []): void {
  for (const a of body.attributes) fn(a, path);
  for (const b of body.blocks) walkAttributes(b.body, fn, [...path, b]);
}

// ---------------------------------------------------------------------------------------------
// Scopes

const META_BLOCKS = new Set(['resource', 'data', 'module', 'ephemeral']);

function refTextFor(attr: HclAttribute, path: HclBlock[]): boolean {
  const top = path[0];
  const parent = path[path.length - 1];
  if (attr.name === 'depends_on') return true;
  if (path.length === 1 && top && META_BLOCKS.has(top.type) && attr.name === 'provider') return true;
  if (path.length === 1 && top?.type === 'module' && attr.name === 'providers') return true;
  if (parent?.type === 'lifecycle' && (attr.name === 'ignore_changes' || attr.name === 'replace_triggered_by')) return true;
  if (path.length === 1 && top?.type === 'variable' && attr.name === 'type') return true;
  if (path.length === 1 && (top?.type === 'moved' || top?.type === 'import' || top?.type === 'removed') && (attr.name === 'from' || attr.name === 'to')) return true;
  return false;
}

function attrName(attr: HclAttribute, path: HclBlock[], doc: HclDoc): string {
  const top = path[0];
  if (!top) return doc.model.syntax === 'tfvars' ? `var.${attr.name} (${posix.basename(doc.file)})` : attr.name;
  if (top.type === 'locals') return `local.${attr.name}`;
  if (top.type === 'local') return `local.${top.labels[0] ?? ''}`;
  if (top.type === 'variable' && path.length === 1 && attr.name === 'default') return `var.${top.labels[0] ?? ''}`;
  const head = top.type === 'resource' ? top.labels.join('.') : [top.type, ...top.labels].join('.');
  return [head, ...path.slice(1).map((b) => b.type), attr.name].join('.');
}

function varFileOrder(file: string, format: Format): number | undefined {
  const base = posix.basename(file);
  if (format === 'terraform') {
    if (base === 'terraform.tfvars') return 0;
    if (base === 'terraform.tfvars.json') return 1;
    if (base.endsWith('.auto.tfvars') || base.endsWith('.auto.tfvars.json')) return 2;
    return undefined;
  }
  if (base.endsWith('.auto.pkrvars.hcl') || base.endsWith('.auto.pkrvars.json')) return 2;
  return undefined;
}

function buildScope(group: HclDoc[], ev: Evaluator): ModuleScope {
  const first = group[0];
  const scope: ModuleScope = {
    kind: first.format === 'terraform' ? 'terraform' : 'packer',
    dir: first.model.moduleDir || '.',
    variables: new Map(),
    locals: new Map(),
    resources: new Map(),
  };
  const defVar = (name: string): VarDef => {
    let v = scope.variables.get(name);
    if (!v) scope.variables.set(name, (v = { name }));
    return v;
  };
  const config = group.filter((d) => d.model.syntax !== 'tfvars');
  const varFiles = group
    .filter((d) => d.model.syntax === 'tfvars' && varFileOrder(d.file, d.format) !== undefined)
    .sort((a, b) => varFileOrder(a.file, a.format)! - varFileOrder(b.file, b.format)! || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const d of config) {
    for (const b of d.model.body.blocks) {
      const l0 = b.labels[0];
      switch (b.type) {
        case 'variable':
          if (l0 !== undefined) {
            const v = defVar(l0);
            v.declared = b;
            const def = [...b.body.attributes].reverse().find((a) => a.name === 'default');
            if (def) v.defaultAttr = def;
          }
          break;
        case 'variables':
          for (const a of b.body.attributes) {
            const v = defVar(a.name);
            v.declared = a;
            v.defaultAttr = a;
          }
          break;
        case 'locals':
          for (const a of b.body.attributes) scope.locals.set(a.name, a);
          break;
        case 'local': {
          const a = [...b.body.attributes].reverse().find((x) => x.name === 'expression');
          if (l0 !== undefined && a) scope.locals.set(l0, a);
          break;
        }
        case 'resource':
          if (b.labels.length >= 2) scope.resources.set(`${b.labels[0]}.${b.labels[1]}`, b);
          break;
        case 'data':
          if (b.labels.length >= 2) scope.resources.set(`data.${b.labels[0]}.${b.labels[1]}`, b);
          break;
        default:
          break;
      }
    }
  }
  for (const d of varFiles) {
    for (const a of d.model.body.attributes) {
      const v = scope.variables.get(a.name);
      if (v) v.override = a;
    }
  }
  for (const d of group) {
    walkAttributes(d.model.body, (a, path) => {
      const iterators: string[] = [];
      for (const b of path) {
        if (b.type !== 'dynamic') continue;
        const it = [...b.body.attributes].reverse().find((x) => x.name === 'iterator')?.expr;
        iterators.push(it?.t === 'ref' && it.path.length === 1 ? String(it.path[0]) : it?.t === 'literal' ? String(it.value) : (b.labels[0] ?? ''));
      }
      const info: AttrInfo = { doc: d, scope, refText: refTextFor(a, path), name: attrName(a, path, d) };
      if (iterators.length) info.iterators = iterators;
      ev.info.set(a, info);
    });
  }
  return scope;
}

// ---------------------------------------------------------------------------------------------
// Embedded documents

const USER_DATA_ATTRS = new Set(['user_data', 'user_data_base64', 'custom_data', 'metadata_startup_script']);
const CLOUDINIT_DATA = new Set(['cloudinit_config', 'template_cloudinit_config']);
const CONTENT_TYPE_FORMATS: Record<string, Format> = {
  'text/cloud-config': 'cloud-config',
  'text/x-shellscript': 'shell',
  'text/cloud-boothook': 'shell',
};
const USER_DATA_MARKER = /^(#cloud-config|#!|#cloud-boothook|#include|#part-handler|## template: *jinja|content-type:|mime-version:)/i;

function spanLoc(a: Loc, b: Loc): Loc {
  return a.file === b.file ? { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) } : a;
}

function strOf(v: Value | undefined): string | undefined {
  return v?.kind === 'scalar' && typeof v.value === 'string' && v.tag !== 'partial' ? v.value : undefined;
}

/** How provisioners of each tool are embedded. */
interface ProvisionerStyle {
  tool: 'packer' | 'terraform';
  /** Provisioner type that runs shell commands on the machine. */
  shellType: string;
  inlineVia: EmbedVia;
  scriptVia: EmbedVia;
  fileVia: EmbedVia;
  scriptRef: HclReference['kind'];
  fileRef: HclReference['kind'];
}
const PACKER_STYLE: ProvisionerStyle = {
  tool: 'packer',
  shellType: 'shell',
  inlineVia: 'packer-inline',
  scriptVia: 'packer-script',
  fileVia: 'packer-file',
  scriptRef: 'packer-script',
  fileRef: 'packer-file',
};
/** Terraform `remote-exec` / `file` provisioners run on the created machine (`local-exec` does not). */
const TF_STYLE: ProvisionerStyle = {
  tool: 'terraform',
  shellType: 'remote-exec',
  inlineVia: 'terraform-attribute',
  scriptVia: 'terraform-attribute',
  fileVia: 'terraform-attribute',
  scriptRef: 'file',
  fileRef: 'file',
};

class Embedder {
  private readonly env: Env;
  constructor(
    readonly doc: HclDoc,
    readonly scope: ModuleScope,
    readonly ev: Evaluator,
    readonly host: EvalHost,
    readonly ctx: LinkContext,
  ) {
    this.env = { scope, doc, tplStack: [], refText: false };
  }

  private attr(body: HclBody, name: string): HclAttribute | undefined {
    for (let i = body.attributes.length - 1; i >= 0; i--) if (body.attributes[i].name === name) return body.attributes[i];
    return undefined;
  }

  private info(loc: Loc, message: string): void {
    this.host.diag({ severity: 'info', code: 'unresolved', message, file: loc.file, loc });
  }

  private embed(text: string, map: OffsetMap, via: EmbedVia, loc: Loc, label: string, format?: Format, targetPath?: string): void {
    const origin: { via: EmbedVia; loc: Loc; label: string; targetPath?: string } = { via, loc, label };
    if (targetPath) origin.targetPath = targetPath;
    const req: Parameters<LinkContext['embed']>[1] = { text, map, origin };
    if (format) req.format = format;
    this.ctx.embed(this.doc, req);
  }

  /** Embed a user-data-like value: base64-tagged values embed their inner text, traced base64 literals are decoded. */
  private userData(v: Value | undefined, loc: Loc, label: string, opts: { base64?: boolean; format?: Format; via?: EmbedVia }): void {
    if (!v) return;
    if (v.kind === 'unknown') {
      this.info(loc, `${label} is not known statically: ${v.reason}`);
      return;
    }
    if (v.kind !== 'scalar' || typeof v.value !== 'string') return;
    const m = mstrOf(v);
    let text = m.text;
    let map = m.map;
    if (v.tag !== 'base64' && v.tag !== 'partial') {
      const decoded = decodeBase64Text(text, this.host.limits.maxFileBytes);
      if (decoded !== undefined && (opts.base64 || USER_DATA_MARKER.test(decoded.trimStart()))) {
        text = decoded;
        map = { file: map.file, segs: [], whole: map.whole };
      }
    }
    if (text.trim() === '') return;
    this.embed(text, map, opts.via ?? 'terraform-user-data', loc, label, opts.format);
  }

  // -- Terraform ------------------------------------------------------------------------------

  terraform(): void {
    for (const b of this.doc.model.body.blocks) {
      if (b.type === 'resource' || b.type === 'module' || b.type === 'ephemeral') {
        const name = b.type === 'module' ? `module.${b.labels[0] ?? ''}` : `${b.labels[0] ?? ''}.${b.labels[1] ?? ''}`;
        this.tfUserData(b.body, name, b.type === 'module' ? '' : (b.labels[0] ?? ''), []);
        if (b.type === 'resource') for (const p of b.body.blocks) if (p.type === 'provisioner') this.provisioner(p, TF_STYLE, name);
      } else if (b.type === 'data' && CLOUDINIT_DATA.has(b.labels[0] ?? '')) {
        this.cloudinitParts(b, `data.${b.labels[0]}.${b.labels[1] ?? ''}`);
      }
    }
  }

  private tfUserData(body: HclBody, name: string, rtype: string, path: string[]): void {
    for (const a of body.attributes) {
      const label = `${name} ${[...path, a.name].join('.')}`;
      if (USER_DATA_ATTRS.has(a.name)) {
        const base64 =
          a.name === 'user_data_base64' ||
          (a.name === 'user_data' && (rtype === 'aws_launch_template' || rtype.startsWith('azurerm_'))) ||
          (a.name === 'custom_data' && rtype.startsWith('azurerm_') && path.length === 0);
        this.userData(a.value, a.loc, label, { base64, format: a.name === 'metadata_startup_script' ? 'shell' : undefined });
      } else if (a.name === 'metadata' && a.value?.kind === 'map') {
        for (const en of a.value.entries) {
          if (en.key !== 'user-data' && en.key !== 'startup-script') continue;
          this.userData(en.value, spanLoc(en.keyLoc, en.value.loc), `${name} ${[...path, a.name].join('.')}["${en.key}"]`, {
            format: en.key === 'startup-script' ? 'shell' : undefined,
          });
        }
      }
    }
    for (const b of body.blocks) this.tfUserData(b.body, name, rtype, [...path, b.type]);
  }

  private cloudinitParts(block: HclBlock, name: string): void {
    const parts = block.body.blocks.filter((b) => b.type === 'part');
    parts.forEach((p, i) => {
      const content = this.attr(p.body, 'content');
      if (!content) return;
      const ctAttr = this.attr(p.body, 'content_type');
      const ct = ctAttr ? strOf(ctAttr.value) : 'text/plain';
      const filename = strOf(this.attr(p.body, 'filename')?.value);
      const format = ct ? CONTENT_TYPE_FORMATS[ct.toLowerCase()] : undefined;
      const label = `${name} part[${i}] (${ct ?? 'unknown content type'}${filename ? `, ${filename}` : ''})`;
      this.userData(content.value, content.loc, label, { via: 'mime-part', format });
    });
  }

  // -- Packer ---------------------------------------------------------------------------------

  packer(): void {
    for (const b of this.doc.model.body.blocks) {
      if (b.type === 'source') this.packerSource(b, b.labels.length >= 2 ? `${b.labels[0]}.${b.labels[1]}` : (b.labels[0] ?? ''));
      else if (b.type === 'build') {
        for (const inner of b.body.blocks) {
          if (inner.type === 'source') this.packerSource(inner, inner.labels[0] ?? '');
          else if (inner.type === 'provisioner' || inner.type === 'error-cleanup-provisioner') this.provisioner(inner);
        }
      }
    }
  }

  private packerSource(b: HclBlock, name: string): void {
    const ud = this.attr(b.body, 'user_data');
    if (ud) this.userData(ud.value, ud.loc, `packer source ${name} user_data`, {});
    const udf = this.attr(b.body, 'user_data_file');
    if (udf) {
      const p = strOf(udf.value);
      if (p === undefined) {
        this.info(udf.loc, `packer source ${name} user_data_file is not known statically`);
        return;
      }
      const f = this.readReferenced(p, udf.loc, 'file', `packer source ${name} user_data_file`);
      if (f) this.embed(f.text, identityMap(f.path, f.text.length), 'terraform-user-data', udf.loc, `packer source ${name} user_data_file ${f.path}`);
    }
  }

  private readReferenced(p: string, loc: Loc, kind: HclReference['kind'], what: string): SourceFile | undefined {
    const resolved = this.ev.resolvePath(p, this.env, loc);
    if (!resolved) return undefined;
    this.host.reference(this.doc, { kind, path: resolved, loc });
    if (this.host.isDirectory(resolved)) return undefined;
    return this.readOrSay(resolved, loc, what);
  }

  /** A file a provisioner or builder puts on the image; when there is none to read, an info says so (the image is analysed without it). */
  private readOrSay(resolved: string, loc: Loc, what: string): SourceFile | undefined {
    const f = this.host.readFile(resolved);
    if (!f) {
      const dir = this.doc.format === 'packer' ? 'template' : 'module';
      this.info(loc, `${what} ${resolved}: no readable text file there (relative paths are read against the ${dir}'s directory), so what it puts on the machine is not analysed`);
    }
    return f;
  }

  private provisioner(b: HclBlock, style: ProvisionerStyle = PACKER_STYLE, owner?: string): void {
    const type = b.labels[0] ?? '';
    const what = `${owner ? `${owner} ` : 'packer '}provisioner "${type}"`;
    if (type === style.shellType) {
      const inline = this.attr(b.body, 'inline');
      if (inline) this.inlineShell(inline, what, style);
      const script = this.attr(b.body, 'script');
      if (script) this.script(script.value, script.loc, what, style);
      const scripts = this.attr(b.body, 'scripts');
      if (scripts) {
        if (scripts.value?.kind === 'seq') for (const it of scripts.value.items) this.script(it, it.loc.file === scripts.loc.file ? it.loc : scripts.loc, what, style);
        else this.info(scripts.loc, `${what} scripts is not known statically`);
      }
    } else if (type === 'file') this.fileProvisioner(b, what, style);
  }

  /**
   * `inline` becomes ONE shell document: the commands joined with newlines, as Packer writes them
   * to a single script; every command's characters map to their own string in the template.
   */
  private inlineShell(inline: HclAttribute, what: string, style: ProvisionerStyle): void {
    const v = inline.value;
    if (!v || v.kind !== 'seq') {
      this.info(inline.loc, `${what} inline is not known statically${v?.kind === 'unknown' ? `: ${v.reason}` : ''}`);
      return;
    }
    const pieces: MStr[] = [];
    const nl: MStr = { text: '\n', map: { file: inline.loc.file, segs: [], whole: [inline.loc.start, inline.loc.end] } };
    for (const it of v.items) {
      if (it.kind === 'scalar' && it.value !== null) pieces.push(mstrOf(it));
      else if (it.kind === 'unknown') pieces.push(this.ev.verbatimInterpolation({ t: 'raw', text: it.expr ?? '', loc: it.loc }));
      pieces.push(nl);
    }
    if (pieces.length === 0) return;
    const joined = concatMapped(pieces, pickFile(pieces, inline.loc.file), [inline.loc.start, inline.loc.end]);
    this.embed(joined.text, joined.map, style.inlineVia, inline.loc, `${what} inline`, 'shell');
  }

  private script(v: Value | undefined, loc: Loc, what: string, style: ProvisionerStyle): void {
    const p = strOf(v);
    if (p === undefined) {
      this.info(loc, `${what} script is not known statically${v?.kind === 'unknown' ? `: ${v.reason}` : ''}`);
      return;
    }
    const f = this.readReferenced(p, loc, style.scriptRef, `${what} script`);
    if (f) this.embed(f.text, identityMap(f.path, f.text.length), style.scriptVia, loc, `${what} script ${f.path}`, 'shell');
  }

  private fileProvisioner(b: HclBlock, what: string, style: ProvisionerStyle): void {
    const direction = strOf(this.attr(b.body, 'direction')?.value);
    if (direction === 'download') return;
    const destAttr = this.attr(b.body, 'destination');
    const dest = strOf(destAttr?.value);
    const content = this.attr(b.body, 'content');
    if (content) {
      const v = content.value;
      if (v?.kind === 'scalar' && typeof v.value === 'string' && v.value.trim() !== '') {
        const m = mstrOf(v);
        this.embed(m.text, m.map, style.fileVia, content.loc, `${what} content → ${dest ?? '?'}`, undefined, dest);
      } else if (v?.kind === 'unknown') this.info(content.loc, `${what} content is not known statically: ${v.reason}`);
      return;
    }
    const sources: { p: string; loc: Loc }[] = [];
    const src = this.attr(b.body, 'source');
    if (src) {
      const p = strOf(src.value);
      if (p !== undefined) sources.push({ p, loc: src.loc });
      else this.info(src.loc, `${what} source is not known statically`);
    }
    const srcs = this.attr(b.body, 'sources');
    if (srcs?.value?.kind === 'seq') {
      for (const it of srcs.value.items) {
        const p = strOf(it);
        if (p !== undefined) sources.push({ p, loc: it.loc.file === srcs.loc.file ? it.loc : srcs.loc });
      }
    }
    for (const s of sources) {
      let target = dest;
      // into a directory: the file, or the directory itself, goes inside it, except that a directory
      // given with a trailing slash uploads its contents (Packer's rule for directory uploads)
      if (target !== undefined && !s.p.endsWith('/') && (sources.length > 1 || target.endsWith('/'))) target = posix.join(target, posix.basename(s.p));
      const resolved = this.ev.resolvePath(s.p, this.env, s.loc);
      if (!resolved) continue;
      const isDir = s.p.endsWith('/') || this.host.isDirectory(resolved);
      const ref: HclReference = { kind: style.fileRef, path: resolved, loc: s.loc };
      if (target !== undefined) ref.destination = target;
      this.host.reference(this.doc, ref);
      if (isDir) continue;
      const f = this.readOrSay(resolved, s.loc, `${what} source`);
      if (!f) continue;
      const loc = destAttr ? spanLoc(s.loc, destAttr.loc) : s.loc;
      this.embed(f.text, identityMap(f.path, f.text.length), style.fileVia, loc, `${what} ${f.path} → ${target ?? '?'}`, undefined, target);
    }
  }
}
