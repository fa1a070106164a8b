/**
 * What a changed-files scan decides about Terraform modules left unread before the link phase
 * (engine/parse-session.ts), from parsed documents alone: the directory a `module` block
 * instantiates, and whether a reported Terraform file holds a fleet-wide fact. Part of the parser
 * salt (`STORED_FACTS` in engine/cache.ts), as the parse side's code is; the verdict on which
 * modules stand alone is engine/facts/loose-files.ts.
 */
import { str, type DocumentOf, type Expr, type HclBlock } from '../model.js';
import { TF_VERSION_ATTRS } from './kubernetes.js';

/** Terraform resources that can install a CNI (the node-image model's CNI evidence). */
export const CNI_TF_TYPES: ReadonlySet<string> = new Set(['helm_release', 'aws_eks_addon']);

/** A directory path in one spelling: no `.` or empty segments, `..` applied (the scan root is ''). */
export function normalizeDir(p: string): string {
  const out: string[] = [];
  for (const s of p.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out.join('/');
}

/** The text of an expression written as a plain string (`"../modules/x"`), else undefined. */
function literalString(e: Expr): string | undefined {
  if (e.t === 'literal') return typeof e.value === 'string' ? e.value : undefined;
  if (e.t !== 'template') return undefined;
  let out = '';
  for (const p of e.parts) {
    const s = literalString(p);
    if (s === undefined) return undefined;
    out += s;
  }
  return out;
}

/**
 * The directory a `module` block of a module in `fromDir` instantiates, normalized; null for a
 * source that is not a local path (a registry or Git module); undefined when the source cannot be
 * read (Terraform requires a literal, so only an invalid configuration gets there). `evaluated`
 * also accepts the link phase's value of the attribute.
 */
export function moduleSourceDir(fromDir: string, block: HclBlock, evaluated = false): string | null | undefined {
  const a = block.body.attributes.find((x) => x.name === 'source');
  if (!a) return undefined;
  const src = literalString(a.expr) ?? (evaluated ? str(a.value) : undefined);
  if (src === undefined) return undefined;
  if (!src.startsWith('./') && !src.startsWith('../') && src !== '.' && src !== '..') return null;
  return normalizeDir(`${fromDir}/${src}`);
}

/**
 * Whether a Terraform document holds a fact that findings on any file may quote: a resource that can
 * install a CNI (quoted by findings on every image) or a cluster version (quoted by findings on every
 * workload). A changed-files scan that reports such a file reads every file it left unread.
 */
export function holdsFleetWideFact(doc: DocumentOf<'terraform'>): boolean {
  return doc.model.body.blocks.some((b) => b.type === 'resource' && (CNI_TF_TYPES.has(b.labels[0] ?? '') || Object.hasOwn(TF_VERSION_ATTRS, b.labels[0] ?? '')));
}
