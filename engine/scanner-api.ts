/**
 * The contract between the engine and scanners.
 *
 * A scanner turns a file (or an embedded piece of text) into documents. It never sees rules or
 * reports. It reports problems with its input as diagnostics and never throws for bad input; the
 * engine still catches anything a scanner throws and turns it into an `internal-error` diagnostic
 * so one file can never hide another file's findings.
 */
import type { Diagnostic, Document, DocumentOf, Format, Origin } from './model.js';
import { mapSpan } from './offset-map.js';
import type { OffsetMap } from './offset-map.js';
import type { SourceFile } from './source.js';

export interface Limits {
  /** Files larger than this are skipped with a diagnostic. */
  maxFileBytes: number;
  /** Maximum nesting depth of YAML/JSON/HCL values before the scanner stops descending. */
  maxDepth: number;
  /** Maximum YAML alias expansions per document (alias bombs). */
  maxAliases: number;
  /** Maximum depth of embedded documents (Terraform → MIME → cloud-init → shell → heredoc ...). */
  maxEmbedDepth: number;
  /** Per-file time budget in milliseconds. */
  fileTimeBudgetMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxFileBytes: 5 * 1024 * 1024,
  maxDepth: 256,
  maxAliases: 1000,
  maxEmbedDepth: 8,
  fileTimeBudgetMs: 10_000,
};

/** What the engine knows about a file before parsing it. */
export interface DetectInput {
  /** Repo-relative POSIX path. */
  path: string;
  /** The first few KiB of the file, decoded. */
  head: string;
}

export interface EmbedRequest {
  /** Decoded text of the embedded document. */
  text: string;
  /** Maps `text` offsets to root offsets (compose with the parent's map before calling). */
  map: OffsetMap;
  /** Format when the embedding says it (write_files to apt.conf.d → 'apt-conf'); otherwise detected from `targetPath` and content. */
  format?: Format;
  origin: Omit<Origin, 'parentId'>;
}

export interface ParseContext {
  /** Root file on disk this parse belongs to. */
  readonly file: SourceFile;
  readonly limits: Limits;
  /** Embedding depth of the document being parsed (0 for a root file). */
  readonly depth: number;
  /** `id` to give the next document this scanner produces. */
  nextId(): string;
  diagnostic(d: Omit<Diagnostic, 'file'> & { file?: string }): void;
  /**
   * Parse an embedded document with whatever scanner fits, returning its documents (and theirs,
   * recursively). Unknown formats return []. Depth is bounded by `limits.maxEmbedDepth`.
   */
  embed(parent: Document, req: EmbedRequest): Document[];
  /**
   * Read another file inside the scan root (for `file()`, `templatefile()`, Packer `script`/`source`).
   * `relPath` is relative to the scan root; returns undefined when missing, outside the root,
   * binary or too large (a diagnostic is recorded).
   */
  readRootFile(relPath: string): SourceFile | undefined;
}

export interface Scanner {
  /** Short stable name, e.g. 'yaml', 'hcl', 'systemd'. */
  readonly name: string;
  readonly formats: readonly Format[];
  /**
   * Cheap recognition of a root file from its path and first bytes. Return the format, or
   * undefined if this scanner does not handle the file. Must not throw.
   */
  detect(input: DetectInput): Format | undefined;
  /**
   * Recognition of embedded text, from the path it is written to on the node (may be undefined)
   * and its content. Used when an embedding does not state the format.
   */
  detectEmbedded?(targetPath: string | undefined, text: string): Format | undefined;
  /** Parsers that need async setup (tree-sitter WASM) do it here; called once, only if needed. */
  init?(): Promise<void>;
  /**
   * Parse text (a whole root file, or an embedded document) into documents. The text's offsets
   * map to the root file through `map`; `origin` is set for embedded documents.
   */
  parse(input: ParseInput, ctx: ParseContext): Document[];
  /**
   * Cross-file phase, after every file is parsed: e.g. evaluate a Terraform module's locals and
   * variables across its files, then extract `user_data` documents. May add documents via `ctx.embed`.
   */
  link?(documents: Document[], ctx: LinkContext): void;
}

export interface ParseInput {
  format: Format;
  text: string;
  map: OffsetMap;
  origin?: Origin;
}

export interface LinkContext {
  readonly limits: Limits;
  /** Like ParseContext.embed, for documents found during linking. */
  embed(parent: Document, req: EmbedRequest): Document[];
  readRootFile(relPath: string): SourceFile | undefined;
  diagnostic(d: Diagnostic): void;
  /** All source files read in this scan, by repo-relative path. */
  files: ReadonlyMap<string, SourceFile>;
}

/** Where a parser reports problems; the engine fills in the file. */
export type DiagnosticSink = (d: Omit<Diagnostic, 'file'>) => void;

/**
 * A sink that passes at most `max` diagnostics of one document to the context, then one line saying
 * the rest were dropped: a file with ten thousand broken lines stays readable.
 */
export function limitDiagnostics(ctx: Pick<ParseContext, 'diagnostic'>, max = 100): DiagnosticSink {
  let n = 0;
  return (d) => {
    n++;
    if (n <= max) ctx.diagnostic(d);
    else if (n === max + 1) {
      ctx.diagnostic({ severity: 'info', code: 'parse-error', message: `more than ${max} problems in this document; the rest are not reported`, loc: d.loc });
    }
  };
}

/**
 * A new document for what a scanner parsed from `input`: its id, its root file (`map.file`), its
 * text and map, its origin when embedded. `loc` defaults to the span of the whole input.
 */
export function newDocument<F extends Format>(
  format: F,
  input: ParseInput,
  ctx: Pick<ParseContext, 'nextId'>,
  model: DocumentOf<F>['model'],
  loc: Document['loc'] = mapSpan(input.map, 0, input.text.length),
): DocumentOf<F> {
  const doc = { id: ctx.nextId(), format, file: input.map.file, text: input.text, map: input.map, loc, model } as DocumentOf<F>;
  if (input.origin) doc.origin = input.origin;
  return doc;
}
