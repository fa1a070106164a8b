/**
 * In-memory parsing for tests: run detection, parsing and linking over a set of files given as
 * strings, exactly as the engine does for files on disk.
 */
import type { Diagnostic, Document } from './model.js';
import { DEFAULT_LIMITS, type Limits, type Scanner } from './scanner-api.js';
import { detectScanner, FileParse, makeLinkContext, type ParserRegistry } from './parse.js';
import { makeSourceFile, type SourceFile } from './source.js';

export interface ParsedFiles {
  documents: Document[];
  diagnostics: Diagnostic[];
  files: Map<string, SourceFile>;
}

export async function parseFiles(
  scanners: readonly Scanner[],
  files: Record<string, string>,
  limits: Partial<Limits> = {},
): Promise<ParsedFiles> {
  const sources = new Map<string, SourceFile>();
  for (const [p, t] of Object.entries(files)) sources.set(p, makeSourceFile(p, t, ''));
  const registry: ParserRegistry = {
    scanners,
    limits: { ...DEFAULT_LIMITS, ...limits },
    readRootFile: (p) => sources.get(p.replace(/^\.\//, '')),
  };
  for (const s of scanners) await s.init?.();
  const documents: Document[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of sources.values()) {
    const claim = detectScanner(registry, f.path, f.text.slice(0, 4096));
    if (!claim) continue;
    const fp = new FileParse(registry, f);
    fp.parseRoot(claim.format, claim.scanner);
    documents.push(...fp.documents);
    diagnostics.push(...fp.diagnostics);
  }
  const sink = { documents, diagnostics };
  const linkCtx = makeLinkContext(registry, sources, sink);
  for (const s of scanners) {
    if (!s.link) continue;
    try {
      s.link(documents.slice(), linkCtx);
    } catch (e) {
      diagnostics.push({ severity: 'error', code: 'internal-error', file: '', message: `${s.name} link failed: ${String(e)}` });
    }
  }
  return { documents, diagnostics, files: sources };
}
