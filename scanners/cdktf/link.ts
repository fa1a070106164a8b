/**
 * Link phase of the CDKTF scanner: one ts-morph project (in-memory file system, no lib, no
 * node_modules) over the CDKTF sources of the scan and the local modules they import; every
 * construct instantiation of a provider class becomes a `resource` / `data` / `provider` block in
 * the document of its stack class, with its config evaluated (evaluate.ts).
 */
import { createRequire } from 'node:module';
import { posix } from 'node:path';
import type { ts as TS } from 'ts-morph';
import type { Document, DocumentOf, Expr, HclAttribute, HclBlock, HclBody, Value } from '../../engine/model.js';
import type { LinkContext } from '../../engine/scanner-api.js';
import type { Loc } from '../../engine/source.js';
import { CdkEvaluator, type ProjectHost } from './evaluate.js';
import { relateSynthesized, type SourceConstruct } from './synth.js';
import { isMapAttribute, snakeCase, type ConstructKind } from './types.js';

const require = createRequire(import.meta.url);
type TsMorph = typeof import('ts-morph');
let tsMorph: TsMorph | undefined;

type TfDoc = DocumentOf<'terraform'>;

const SOURCE = /\.(?:ts|mts|cts|tsx)$/i;
const MAX_PROJECT_FILES = 2000;

function isCdktfDoc(d: Document): d is TfDoc {
  return d.format === 'terraform' && !d.origin && SOURCE.test(d.file) && d.model.body.blocks.length === 0;
}

export function linkCdktf(documents: Document[], ctx: LinkContext): void {
  const docs = documents.filter(isCdktfDoc);
  if (docs.length === 0) return;
  tsMorph ??= require('ts-morph') as TsMorph;
  const { Project, ts } = tsMorph;
  const project = new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      noLib: true,
      types: [],
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      jsx: ts.JsxEmit.Preserve,
    },
  });

  // -- the project: CDKTF files, then the local modules they import (transitively)
  const fs = project.getFileSystem();
  const added = new Set<string>();
  const queue: string[] = [];
  const add = (rel: string, text: string) => {
    if (added.has(rel) || added.size >= MAX_PROJECT_FILES) return;
    added.add(rel);
    fs.writeFileSync(`/${rel}`, text);
    queue.push(rel);
  };
  const byFile = new Map<string, TfDoc[]>();
  for (const d of docs) {
    const text = ctx.files.get(d.file)?.text ?? d.text;
    add(d.file, text);
    let l = byFile.get(d.file);
    if (!l) byFile.set(d.file, (l = []));
    l.push(d);
  }
  const tryRead = (rel: string): boolean => {
    if (added.has(rel)) return true;
    const f = ctx.readRootFile(rel);
    if (!f) return false;
    add(rel, f.text);
    return true;
  };
  while (queue.length) {
    const rel = queue.shift()!;
    const text = fs.readFileSync(`/${rel}`);
    const info = ts.preProcessFile(text, true, true);
    for (const imp of info.importedFiles) {
      const spec = imp.fileName;
      if (!spec.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(rel), spec));
      if (target.startsWith('..')) continue;
      const stem = target.replace(/\.(?:[mc]?js|jsx)$/, '');
      for (const c of [`${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}/index.ts`, target]) if (SOURCE.test(c) && tryRead(c)) break;
    }
  }
  for (const rel of added) project.addSourceFileAtPath(`/${rel}`);
  const program = project.getProgram().compilerObject;
  const checker = program.getTypeChecker();

  const host: ProjectHost = {
    ts,
    checker,
    readRootFile: (p) => ctx.readRootFile(p),
    diag: (d) => ctx.diagnostic(d),
  };
  const ev = new CdkEvaluator(host);
  const stackModules = new Set(docs.map((d) => d.model.moduleDir));
  const constructs: SourceConstruct[] = [];
  /** stack id → moduleDirs of the stack classes instantiated with that id (for synthesized JSON). */
  const stacks = new Map<string, Set<string>>();
  const stackInstance = (n: TS.NewExpression) => {
    const moduleDir = stackClassModule(ts, checker, n.expression);
    const idNode = n.arguments?.[1];
    if (!moduleDir || !stackModules.has(moduleDir) || !idNode) return;
    const id = ev.evaluate(idNode);
    if (id.kind !== 'scalar' || typeof id.value !== 'string') return;
    let l = stacks.get(id.value);
    if (!l) stacks.set(id.value, (l = new Set()));
    l.add(moduleDir);
  };

  for (const [file, fileDocs] of byFile) {
    const sf = program.getSourceFile(`/${file}`);
    if (!sf) continue;
    const visit = (n: TS.Node): void => {
      if (ts.isNewExpression(n)) construct(n);
      ts.forEachChild(n, visit);
    };
    const construct = (n: TS.NewExpression) => {
      const kind = ev.constructKind(n);
      if (!kind) return stackInstance(n);
      const doc = docFor(ts, n, fileDocs);
      const block = buildBlock(ev, n, kind);
      if (doc && block) {
        doc.model.body.blocks.push(block);
        constructs.push({ moduleDir: doc.model.moduleDir, block });
      }
    };
    visit(sf);
  }
  relateSynthesized(documents, constructs, stacks);
}

/** `<file without .ts>/<Class>` of the class `new <expr>(...)` instantiates, if it is declared in the project. */
function stackClassModule(ts: TsMorph['ts'], checker: TS.TypeChecker, expr: TS.Expression): string | undefined {
  let sym = checker.getSymbolAtLocation(expr);
  if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
  for (const d of sym?.declarations ?? []) {
    if (!ts.isClassDeclaration(d) || !d.name) continue;
    const file = d.getSourceFile().fileName.replace(/^\//, '');
    return `${file.replace(SOURCE, '')}/${d.name.text}`;
  }
  return undefined;
}

/** The document of the stack class that contains `n` (else the file's own document). */
function docFor(ts: TsMorph['ts'], n: TS.Node, docs: TfDoc[]): TfDoc | undefined {
  for (let p: TS.Node | undefined = n.parent; p; p = p.parent) {
    if ((ts.isClassDeclaration(p) || ts.isClassExpression(p)) && p.name) {
      const name = p.name.text;
      const d = docs.find((x) => x.model.moduleDir.endsWith(`/${name}`));
      if (d) return d;
    }
  }
  const base = docs[0].file.replace(SOURCE, '');
  return docs.find((d) => d.model.moduleDir === base) ?? docs[0];
}

function span(a: Loc, b: Loc): Loc {
  return a.file === b.file && b.end >= a.start ? { file: a.file, start: a.start, end: Math.max(a.end, b.end) } : a;
}

function buildBlock(ev: CdkEvaluator, n: TS.NewExpression, kind: ConstructKind): HclBlock | undefined {
  const loc = ev.loc(n);
  const typeLoc = ev.loc(n.expression);
  const args = n.arguments ?? [];
  const labels: string[] = [kind.type];
  const labelLocs: Loc[] = [typeLoc];
  if (kind.block !== 'provider') {
    const idNode = args[1];
    if (!idNode) return undefined;
    const id = ev.evaluate(idNode);
    labels.push(id.kind === 'scalar' && id.value !== null ? String(id.value) : ev.text(idNode));
    labelLocs.push(ev.loc(idNode));
  }
  const body: HclBody = { attributes: [], blocks: [] };
  const cfgNode = args[2];
  if (cfgNode) {
    const cfg = ev.evaluate(cfgNode);
    if (cfg.kind === 'map') fillBody(ev, body, cfg, kind.type);
    else
      ev.host.diag({
        severity: 'info',
        code: 'unresolved',
        message: `${labels.join('.')}: the construct's config is not known statically${cfg.kind === 'unknown' ? `: ${cfg.reason}` : ''}`,
        file: loc.file,
        loc: ev.loc(cfgNode),
      });
  }
  return { type: kind.block, labels, labelLocs, typeLoc, loc, body };
}

function fillBody(ev: CdkEvaluator, body: HclBody, cfg: Extract<Value, { kind: 'map' }>, tfType: string): void {
  for (const e of cfg.entries) {
    const name = snakeCase(e.key);
    const v = e.value;
    const where = ev.entryLoc(e) ?? span(e.keyLoc, v.loc);
    const blockLike = (x: Value): x is Extract<Value, { kind: 'map' }> => x.kind === 'map' && !isMapAttribute(e.key, tfType);
    if (blockLike(v)) {
      const b: HclBlock = { type: name, labels: [], labelLocs: [], typeLoc: e.keyLoc, loc: where, body: { attributes: [], blocks: [] } };
      fillBody(ev, b.body, v, tfType);
      body.blocks.push(b);
      continue;
    }
    if (v.kind === 'seq' && v.items.length > 0 && v.items.every(blockLike)) {
      for (const it of v.items as Extract<Value, { kind: 'map' }>[]) {
        const b: HclBlock = { type: name, labels: [], labelLocs: [], typeLoc: e.keyLoc, loc: it.loc, body: { attributes: [], blocks: [] } };
        fillBody(ev, b.body, it, tfType);
        body.blocks.push(b);
      }
      continue;
    }
    const attr: HclAttribute = { name, nameLoc: e.keyLoc, loc: where, expr: toExpr(v, (x) => ev.tfRef(x)), value: v };
    body.attributes.push(attr);
  }
}

/**
 * A constant expression that the HCL evaluator turns back into `v`; values that stand for a
 * Terraform reference become `ref` expressions, as in HCL.
 */
export function toExpr(v: Value, refOf: (v: Value) => (string | number)[] | undefined = () => undefined): Expr {
  const rec = (x: Value) => toExpr(x, refOf);
  switch (v.kind) {
    case 'scalar': {
      const lit: Expr =
        typeof v.value === 'string'
          ? { t: 'literal', value: v.value, loc: v.loc, map: v.map ?? { file: v.loc.file, segs: [], whole: [v.loc.start, v.loc.end] } }
          : { t: 'literal', value: v.value, loc: v.loc };
      return v.tag === 'base64' ? { t: 'call', fn: 'base64encode', args: [lit], loc: v.loc } : lit;
    }
    case 'seq':
      return { t: 'tuple', items: v.items.map(rec), loc: v.loc };
    case 'map':
      return { t: 'object', entries: v.entries.map((e) => ({ key: { t: 'literal', value: e.key, loc: e.keyLoc }, value: rec(e.value) })), loc: v.loc };
    case 'unknown': {
      const path = refOf(v);
      if (path) return { t: 'ref', path, loc: v.loc, text: path.join('.') };
      return { t: 'raw', text: v.expr ?? v.reason, loc: v.loc };
    }
  }
}
