/**
 * Parsing one root file into documents, with embedded documents parsed recursively.
 *
 * The dispatcher owns document ids, embedding depth and the guarantee that a scanner failure
 * becomes a diagnostic instead of an exception.
 */
import type { Diagnostic, Document, Format, Origin } from './model.js';
import { identityMap, type OffsetMap } from './offset-map.js';
import type { EmbedRequest, LinkContext, Limits, ParseContext, Scanner } from './scanner-api.js';
import type { SourceFile } from './source.js';
import { positionAt } from './source.js';

export interface ParserRegistry {
  scanners: readonly Scanner[];
  limits: Limits;
  /** Reads a file inside the scan root (repo-relative); undefined if unavailable. */
  readRootFile(relPath: string): SourceFile | undefined;
}

export function scannerFor(registry: ParserRegistry, format: Format): Scanner | undefined {
  return registry.scanners.find((s) => s.formats.includes(format));
}

/** The first scanner that claims a file, and the format it claims it as. */
export function detectScanner(registry: ParserRegistry, path: string, head: string): { scanner: Scanner; format: Format } | undefined {
  for (const s of registry.scanners) {
    try {
      const f = s.detect({ path, head });
      if (f) return { scanner: s, format: f };
    } catch {
      /* detection must not throw; treat as no match */
    }
  }
  return undefined;
}

export function detectFormat(registry: ParserRegistry, path: string, head: string): Format | undefined {
  return detectScanner(registry, path, head)?.format;
}

export function detectEmbeddedFormat(registry: ParserRegistry, targetPath: string | undefined, text: string): Format | undefined {
  // Path-based detection first (a write_files entry to /etc/apt/apt.conf.d/20x is apt-conf whatever it looks like).
  if (targetPath) {
    const byPath = detectFormat(registry, targetPath.replace(/^\/+/, ''), text.slice(0, 4096));
    if (byPath) return byPath;
  }
  for (const s of registry.scanners) {
    try {
      const f = s.detectEmbedded?.(targetPath, text);
      if (f) return f;
    } catch {
      /* ignore */
    }
  }
  return undefined;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Collects documents and diagnostics for one root file (and everything embedded in it). */
export class FileParse {
  readonly documents: Document[] = [];
  readonly diagnostics: Diagnostic[] = [];
  private rootCounter = 0;
  private readonly childCounters = new Map<string, number>();

  /** The id counters of embedded documents' parents (to replay a memoised embed exactly). */
  counters(): Map<string, number> {
    return new Map(this.childCounters);
  }

  setCounters(entries: Iterable<[string, number]>): void {
    for (const [k, v] of entries) this.childCounters.set(k, v);
  }

  /**
   * @param idTag distinguishes ids of documents embedded during the link phase from those
   *   embedded while parsing, so both can hang off the same parent without clashing.
   */
  constructor(
    private readonly registry: ParserRegistry,
    readonly file: SourceFile,
    private readonly idTag = '',
  ) {}

  /**
   * Parse the root file as `format`, with the scanner that claimed it (two scanners may produce the
   * same format: CDKTF sources and `.tf` files both become 'terraform' documents).
   */
  parseRoot(format: Format, claimedBy?: Scanner): Document[] {
    const scanner = claimedBy ?? scannerFor(this.registry, format);
    if (!scanner) return [];
    const map = identityMap(this.file.path, this.file.text.length);
    return this.run(scanner, { format, text: this.file.text, map }, 0, () => `${this.file.path}#${this.rootCounter++}`);
  }

  private run(
    scanner: Scanner,
    input: { format: Format; text: string; map: OffsetMap; origin?: Origin },
    depth: number,
    nextId: () => string,
  ): Document[] {
    const ctx: ParseContext = {
      file: this.file,
      limits: this.registry.limits,
      depth,
      nextId,
      diagnostic: (d) => this.diagnostics.push({ ...d, file: d.file ?? input.map.file }),
      embed: (parent, req) => this.embed(parent, req),
      readRootFile: (p) => this.registry.readRootFile(p),
    };
    try {
      const docs = scanner.parse(input, ctx);
      this.documents.push(...docs);
      return docs;
    } catch (e) {
      const at = input.map.whole[0];
      const pos = input.map.file === this.file.path ? positionAt(this.file, at) : { line: 1 };
      this.diagnostics.push({
        severity: 'error',
        code: 'internal-error',
        message: `${scanner.name} scanner failed at line ${pos.line}: ${describeError(e)}`,
        file: input.map.file,
        loc: { file: input.map.file, start: at, end: at },
      });
      return [];
    }
  }

  embed(parent: Document, req: EmbedRequest): Document[] {
    // depth = embedding steps from the root file: one per '/' after the '#' of the parent id
    // (`path/to/file#0/1/0`), plus one for this document
    const depth = parent.id.slice(parent.id.lastIndexOf('#')).split('/').length;
    if (depth > this.registry.limits.maxEmbedDepth) {
      this.diagnostics.push({
        severity: 'warning',
        code: 'embed-depth',
        message: `embedded documents nested deeper than ${this.registry.limits.maxEmbedDepth} levels; not followed`,
        file: this.file.path,
        loc: req.origin.loc,
      });
      return [];
    }
    const format = req.format ?? detectEmbeddedFormat(this.registry, req.origin.targetPath, req.text);
    if (!format) return [];
    const scanner = scannerFor(this.registry, format);
    if (!scanner) return [];
    const origin: Origin = { ...req.origin, parentId: parent.id };
    return this.run(scanner, { format, text: req.text, map: req.map, origin }, depth, () => {
      const n = this.childCounters.get(parent.id) ?? 0;
      this.childCounters.set(parent.id, n + 1);
      return `${parent.id}/${this.idTag}${n}`;
    });
  }
}

/** What an embed during linking produced, to replay it without parsing. */
export interface MemoisedEmbed {
  documents: Document[];
  diagnostics: Diagnostic[];
  /** Ids of the documents `embed` returned (the rest are embedded in those). */
  returned: string[];
  /** Id counters the embed advanced. */
  counters: [string, number][];
}

/**
 * A memo of link-phase embeds (the parse cache): an embed's output depends only on the request,
 * the parent's id and the parent's id counter, so `key` hashes exactly those.
 */
export interface EmbedMemo {
  lookup(parentId: string, counter: number, req: EmbedRequest): { key: string; hit?: MemoisedEmbed };
  /** Called around a real embed, so the memo can record which files it read. */
  begin(): void;
  end(key: string, entry: MemoisedEmbed): void;
}

/**
 * Build a LinkContext over a set of files. Documents embedded during linking are attributed to
 * the root file of their parent document.
 */
export function makeLinkContext(
  registry: ParserRegistry,
  files: ReadonlyMap<string, SourceFile>,
  sink: { documents: Document[]; diagnostics: Diagnostic[] },
  memo?: EmbedMemo,
): LinkContext {
  const parses = new Map<string, FileParse>();
  const parseFor = (path: string): FileParse | undefined => {
    let p = parses.get(path);
    if (!p) {
      const f = files.get(path);
      if (!f) return undefined;
      p = new FileParse(registry, f, 'L');
      parses.set(path, p);
    }
    return p;
  };
  return {
    limits: registry.limits,
    files,
    readRootFile: (p) => registry.readRootFile(p),
    diagnostic: (d) => sink.diagnostics.push(d),
    embed: (parent, req) => {
      const fp = parseFor(parent.file);
      if (!fp) return [];
      const countersBefore = memo ? fp.counters() : undefined;
      const m = memo?.lookup(parent.id, countersBefore!.get(parent.id) ?? 0, req);
      if (m?.hit) {
        fp.setCounters(m.hit.counters);
        sink.documents.push(...m.hit.documents);
        sink.diagnostics.push(...m.hit.diagnostics);
        const returned = new Set(m.hit.returned);
        return m.hit.documents.filter((d) => returned.has(d.id));
      }
      const before = fp.documents.length;
      const beforeDiag = fp.diagnostics.length;
      memo?.begin();
      const docs = fp.embed(parent, req);
      const documents = fp.documents.slice(before);
      const diagnostics = fp.diagnostics.slice(beforeDiag);
      if (m) {
        const counters = [...fp.counters()].filter(([k, v]) => countersBefore!.get(k) !== v);
        memo!.end(m.key, { documents, diagnostics, returned: docs.map((d) => d.id), counters });
      }
      sink.documents.push(...documents);
      sink.diagnostics.push(...diagnostics);
      return docs;
    },
  };
}
