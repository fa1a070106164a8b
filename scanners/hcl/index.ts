/**
 * The HCL scanner: Terraform (`.tf`, `.tf.json`, `.tfvars`, `.tfvars.json`) and Packer
 * (`.pkr.hcl`, `.pkr.json`, `.pkrvars.hcl`, legacy `*.json` templates with `builders`).
 *
 * parse: tree-sitter (native syntax) or a position-keeping JSON parser (JSON syntax) → `HclModel`
 *        with plain-data `Expr` trees; every `Loc` is in the root file.
 * link:  per Terraform module / Packer template directory, evaluate every attribute into
 *        `attr.value`, record `model.references`, and embed user-data, cloud-init parts and Packer
 *        provisioner scripts/files as documents (see link.ts).
 */
import { posix } from 'node:path';
import type { Document, HclModel } from '../../engine/model.js';
import type { ParseContext, ParseInput, Scanner } from '../../engine/scanner-api.js';
import { loadGrammar } from '../../engine/tree-sitter.js';
import { classifyHclPath, detectHcl, type HclFileKind } from './detect.js';
import { parseJson } from './json.js';
import { convertJson } from './json-syntax.js';
import { linkHcl } from './link.js';
import { parseNative, type ConvertSink } from './native.js';
import { makeSrc, srcLoc } from './text.js';

export { classifyHclPath, detectHcl, hasTopLevelKey, type HclFileKind } from './detect.js';
export { NESTED_BLOCK_TYPES } from './json-syntax.js';
export { walkAttributes } from './link.js';
export { decodeBase64Text, KNOWN_FUNCTIONS } from './functions.js';

function kindFor(input: ParseInput): HclFileKind {
  const byTarget = input.origin?.targetPath ? classifyHclPath(input.origin.targetPath, input.text.slice(0, 4096)) : undefined;
  const byFile = byTarget ?? (input.origin ? undefined : classifyHclPath(input.map.file, input.text.slice(0, 4096)));
  if (byFile && byFile.format === input.format) return byFile;
  // embedded or unusual name: sniff JSON vs native
  // HCL native syntax never starts with '{'; JSON syntax always does
  const json = /^\uFEFF?\s*\{/.test(input.text);
  if (input.format === 'terraform')
    return { format: 'terraform', syntax: json ? 'json' : 'hcl', flavor: json ? 'terraform' : 'native', grammar: 'terraform' };
  return { format: 'packer', syntax: json ? 'json' : 'hcl', flavor: json ? 'packer' : 'native', grammar: 'hcl' };
}

function parseHcl(input: ParseInput, ctx: ParseContext): Document[] {
  if (input.format !== 'terraform' && input.format !== 'packer') return [];
  const file = input.map.file;
  const kind = kindFor(input);
  const sink: ConvertSink = {
    maxDepth: ctx.limits.maxDepth,
    diag: (d) => ctx.diagnostic({ ...d, file: d.loc?.file ?? file }),
  };
  const src = makeSrc(input.text, input.map);
  let model: HclModel;
  if (kind.flavor === 'native') {
    const { body, comments } = parseNative(input.text, input.map, kind.grammar, sink, file);
    model = { syntax: kind.syntax, body, moduleDir: posix.dirname(file) };
    if (comments.length) model.comments = comments;
  } else {
    const r = parseJson(input.text, ctx.limits.maxDepth);
    if (r.error) {
      const loc = srcLoc(src, r.error.at, Math.min(input.text.length, r.error.at + 1));
      const line = input.text.slice(0, r.error.at).split('\n').length;
      sink.diag({ severity: 'error', code: 'parse-error', message: `${file}: invalid JSON at line ${line}: ${r.error.message}`, loc });
    }
    if (r.tooDeepAt !== undefined) {
      sink.diag({
        severity: 'warning',
        code: 'nesting-too-deep',
        message: `${file}: JSON nested deeper than ${ctx.limits.maxDepth} levels; the deeper part is skipped`,
        loc: srcLoc(src, r.tooDeepAt, r.tooDeepAt + 1),
      });
    }
    const body = convertJson(r.root, src, kind.flavor, sink);
    model = { syntax: kind.syntax, body, moduleDir: posix.dirname(file) };
  }
  const doc = {
    id: ctx.nextId(),
    format: input.format,
    file,
    text: input.text,
    map: input.map,
    loc: srcLoc(src, 0, input.text.length),
    model,
  } as Document;
  if (input.origin) doc.origin = input.origin;
  return [doc];
}

export const hclScanner: Scanner = {
  name: 'hcl',
  formats: ['terraform', 'packer'],
  detect: (input) => {
    try {
      return detectHcl(input);
    } catch {
      return undefined;
    }
  },
  async init() {
    await loadGrammar('terraform');
    await loadGrammar('hcl');
  },
  parse: parseHcl,
  link: linkHcl,
};

export default hclScanner;
