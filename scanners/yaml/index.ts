/**
 * The YAML-family scanner: Kubernetes manifests, cloud-config, Ubuntu autoinstall, EC2 Image
 * Builder components and plain YAML.
 *
 * One engine Document per YAML document of the stream (empty and comment-only documents produce
 * nothing, except an empty `#cloud-config`). Every document of a stream shares the stream's text
 * and map; its model root is a `Value` tree with root locations for every node.
 */
import type { CloudConfigModel, Document, Format, KubernetesModel, MapValue, Value, YamlModel } from '../../engine/model.js';
import { getEntry, isMap, str, get } from '../../engine/model.js';
import { mapSpan, type OffsetMap } from '../../engine/offset-map.js';
import type { DetectInput, ParseContext, ParseInput, Scanner } from '../../engine/scanner-api.js';
import { newDocument } from '../../engine/scanner-api.js';
import type { Loc } from '../../engine/source.js';
import { positionAt } from '../../engine/source.js';
import { autoinstallSection, embedAutoinstall, embedCloudConfig } from './cloud-config.js';
import { embedImageBuilder, looksLikeImageBuilder } from './imagebuilder.js';
import { embedKubernetes, kubernetesObjects } from './kubernetes.js';
import { parseYamlStream, type StreamDoc, type YamlError } from './stream.js';
import { hasCloudConfigHeader } from './util.js';

export { parseYamlStream } from './stream.js';
export { hasCloudConfigHeader } from './util.js';

const YAML_PATH = /\.ya?ml(\.(tmpl|tpl|template|j2|jinja|jinja2|gotmpl|injected|in|example|sample|dist|golden))?$/i;
/** cloud-init's own configuration: cloud-config without the header. */
const CLOUD_CFG_PATH = /(^|\/)cloud\.cfg$|(^|\/)cloud\.cfg\.d\/[^/]+\.cfg$/;
const TEMPLATE_PATH = /(^|\/)templates\/|\.(tmpl|tpl|template|j2|jinja|jinja2|gotmpl|tftpl)$/i;
const JINJA_HEADER = /^\uFEFF?##[ \t]*template:[ \t]*jinja/;
const MAX_ERRORS_PER_DOC = 10;

type YamlFormat = 'kubernetes' | 'cloud-config' | 'autoinstall' | 'imagebuilder' | 'yaml';

function looksKubernetes(text: string): boolean {
  return /^apiVersion:[ \t]*\S/m.test(text) && /^kind:[ \t]*\S/m.test(text);
}

/** A format from the first bytes; `parse` classifies each document of the stream on its own. */
function coarseFormat(head: string): YamlFormat {
  if (hasCloudConfigHeader(head)) return 'cloud-config';
  if (/^autoinstall:[ \t]*(#.*)?$/m.test(head)) return 'autoinstall';
  if (/^schemaVersion:/m.test(head) && /^phases:/m.test(head)) return 'imagebuilder';
  if (looksKubernetes(head)) return 'kubernetes';
  return 'yaml';
}

function classify(root: Value, forcedCloud: boolean): { format: YamlFormat; root: Value } | undefined {
  if (forcedCloud) {
    const ai = autoinstallSection(root);
    if (ai) return { format: 'autoinstall', root: ai };
    return { format: 'cloud-config', root };
  }
  if (root.kind === 'scalar' && root.value === null) return undefined;
  if (isMap(root)) {
    const ai = autoinstallSection(root);
    if (ai) return { format: 'autoinstall', root: ai };
    if (looksLikeImageBuilder(root)) return { format: 'imagebuilder', root };
    if (str(get(root, 'apiVersion')) && str(get(root, 'kind'))) return { format: 'kubernetes', root };
  }
  return { format: 'yaml', root };
}

function within(inner: Loc, outer: Loc): boolean {
  return inner.file === outer.file && inner.start >= outer.start && inner.end <= outer.end;
}

interface TemplateInfo {
  markers: boolean;
  templatePath: boolean;
  jinjaHeader: boolean;
}

function templateInfo(text: string, path: string | undefined): TemplateInfo {
  const go = text.includes('{{') && text.includes('}}');
  const jinja = text.includes('{%') && text.includes('%}');
  return { markers: go || jinja, templatePath: path !== undefined && TEMPLATE_PATH.test(path), jinjaHeader: JINJA_HEADER.test(text) };
}

function lineAround(text: string, offset: number): string {
  const o = Math.max(0, Math.min(offset, text.length));
  let s = text.lastIndexOf('\n', o - 1);
  // include the previous line too: an error is often reported where the damage shows
  s = s <= 0 ? 0 : text.lastIndexOf('\n', s - 1) + 1;
  let e = text.indexOf('\n', o);
  e = e === -1 ? text.length : e;
  return text.slice(s, e);
}

function errorLooksTemplated(text: string, e: YamlError): boolean {
  const l = lineAround(text, e.start);
  return l.includes('{{') || l.includes('{%');
}

function reportErrors(docs: StreamDoc[], input: ParseInput, ctx: ParseContext, tpl: TemplateInfo): void {
  const { text, map } = input;
  for (const d of docs) {
    if (d.errors.length === 0) continue;
    const first = d.errors[0];
    const loc0 = mapLoc(map, first.start, first.end);
    const templated = tpl.markers && (tpl.templatePath || tpl.jinjaHeader || d.errors.some((e) => errorLooksTemplated(text, e)));
    if (templated) {
      ctx.diagnostic({
        severity: 'info',
        code: 'template-unrendered',
        message: `YAML document ${d.index + 1} is an unrendered template (line ${lineOf(ctx, loc0)}); only the parts that are valid YAML are analysed`,
        loc: loc0,
      });
      continue;
    }
    for (const e of d.errors.slice(0, MAX_ERRORS_PER_DOC)) {
      const loc = mapLoc(map, e.start, e.end);
      ctx.diagnostic({ severity: 'error', code: 'parse-error', message: `YAML syntax error at line ${lineOf(ctx, loc)}: ${e.message}`, loc });
    }
    if (d.errors.length > MAX_ERRORS_PER_DOC) {
      ctx.diagnostic({
        severity: 'error',
        code: 'parse-error',
        message: `${d.errors.length - MAX_ERRORS_PER_DOC} more YAML syntax errors in document ${d.index + 1}`,
        loc: d.loc,
      });
    }
  }
}

function mapLoc(map: OffsetMap, start: number, end: number): Loc {
  return mapSpan(map, start, Math.max(start, end));
}

function lineOf(ctx: ParseContext, loc: Loc): number {
  return loc.file === ctx.file.path ? positionAt(ctx.file, loc.start).line : 0;
}

function yamlModel(d: StreamDoc, root: Value, comments = d.comments): YamlModel {
  const m: YamlModel = { index: d.index, root };
  if (comments.length) m.comments = comments;
  return m;
}

/** `autoinstall-user-data` embedding: the user-data mapping of an autoinstall document. */
function parseUserData(input: ParseInput, ctx: ParseContext): Document[] | undefined {
  const origin = input.origin!;
  const docs = parseYamlStream(input.text, input.map, { limits: ctx.limits, diag: () => {} });
  for (const d of docs) {
    const section = autoinstallSection(d.root);
    const ud = section ? getEntry(section, 'user-data') : undefined;
    if (!ud || !isMap(ud.value)) continue;
    const v: MapValue = ud.value;
    if (v.loc.file !== origin.loc.file || v.loc.start !== origin.loc.start || v.loc.end !== origin.loc.end) continue;
    const comments = d.comments.filter((c) => within(c.loc, v.loc));
    const doc = newDocument('cloud-config', input, ctx, yamlModel(d, v, comments) as CloudConfigModel, v.loc);
    embedCloudConfig(doc, v, ctx);
    return [doc];
  }
  return undefined;
}

function parse(input: ParseInput, ctx: ParseContext): Document[] {
  if (input.origin?.via === 'autoinstall-user-data') {
    const r = parseUserData(input, ctx);
    if (r) return r;
  }
  const { text, map } = input;
  const diag = (d: Parameters<ParseContext['diagnostic']>[0]): void => ctx.diagnostic(d);
  const docs = parseYamlStream(text, map, { limits: ctx.limits, diag });
  const path = input.origin ? input.origin.targetPath : input.map.file;
  const tpl = templateInfo(text, path);
  reportErrors(docs, input, ctx, tpl);
  if (tpl.jinjaHeader && tpl.markers && !docs.some((d) => d.errors.length)) {
    ctx.diagnostic({
      severity: 'info',
      code: 'template-unrendered',
      message: 'cloud-init jinja template: values computed by {{ }} / {% %} are not known until the instance renders it',
      loc: mapLoc(map, 0, Math.min(text.length, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'))),
    });
  }
  const forcedCloud = hasCloudConfigHeader(text) || input.format === 'cloud-config' || input.format === 'autoinstall';
  const out: Document[] = [];
  for (const d of docs) {
    if (d.root === undefined) {
      if (forcedCloud && d.index === 0) {
        const root: Value = { kind: 'scalar', loc: d.loc, value: null };
        out.push(newDocument('cloud-config', input, ctx, yamlModel(d, root), d.loc));
      }
      continue;
    }
    const cls = classify(d.root, forcedCloud);
    if (!cls) continue;
    switch (cls.format) {
      case 'kubernetes': {
        const objects = kubernetesObjects(cls.root as MapValue);
        const model: KubernetesModel = { ...yamlModel(d, cls.root), objects };
        const doc = newDocument('kubernetes', input, ctx, model, d.loc);
        out.push(doc);
        embedKubernetes(doc, objects, ctx);
        break;
      }
      case 'cloud-config': {
        const doc = newDocument('cloud-config', input, ctx, yamlModel(d, cls.root), d.loc);
        out.push(doc);
        embedCloudConfig(doc, cls.root, ctx);
        break;
      }
      case 'autoinstall': {
        const doc = newDocument('autoinstall', input, ctx, yamlModel(d, cls.root), d.loc);
        out.push(doc);
        embedAutoinstall(doc, cls.root as MapValue, ctx);
        break;
      }
      case 'imagebuilder': {
        const doc = newDocument('imagebuilder', input, ctx, yamlModel(d, cls.root), d.loc);
        out.push(doc);
        embedImageBuilder(doc, cls.root as MapValue, ctx);
        break;
      }
      default:
        out.push(newDocument('yaml', input, ctx, yamlModel(d, cls.root), d.loc));
    }
  }
  return out;
}

export const yamlScanner: Scanner = {
  name: 'yaml',
  formats: ['kubernetes', 'cloud-config', 'autoinstall', 'imagebuilder', 'yaml'],
  detect({ path, head }: DetectInput): Format | undefined {
    if (hasCloudConfigHeader(head) || CLOUD_CFG_PATH.test(path)) return 'cloud-config';
    if (YAML_PATH.test(path)) return coarseFormat(head);
    return undefined;
  },
  detectEmbedded(targetPath: string | undefined, text: string): Format | undefined {
    if (hasCloudConfigHeader(text)) return 'cloud-config';
    if (targetPath !== undefined && !YAML_PATH.test(targetPath)) return undefined;
    const head = text.slice(0, 8192);
    if (looksKubernetes(head)) return 'kubernetes';
    if (targetPath !== undefined) return coarseFormat(head);
    return undefined;
  },
  parse,
};

export default yamlScanner;
