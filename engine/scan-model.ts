/**
 * The whole scan as rules see it: every document (root and embedded), indexed by format and by
 * parent, plus the user's fleet configuration. Cross-file rules (regions, CNI evidence, Services
 * selecting pods) build on this.
 */
import type { Document, DocumentOf, Format } from './model.js';
import type { SourceFile } from './source.js';
import type { FleetConfig } from './config.js';
import type { StoredSchedule } from './scan-state.js';

export class ScanModel {
  readonly documents: readonly Document[];
  /**
   * Changed-files scans: the schedules of the files left unread, as the whole-tree scan that judged
   * them computed them (engine/facts/loose-files.ts). FL201 compares them with the scan's own.
   */
  storedSchedules: readonly StoredSchedule[] = [];
  private readonly byId = new Map<string, Document>();
  private readonly byFormatIdx = new Map<Format, Document[]>();
  /** Children by parent object: ids are long strings, and a parent's id and its children's `parentId` are often different string objects (decoded separately), which a string-keyed lookup compares character by character. */
  private readonly childrenIdx = new Map<Document, Document[]>();

  constructor(
    documents: Document[],
    readonly files: ReadonlyMap<string, SourceFile>,
    readonly fleet: FleetConfig,
  ) {
    this.documents = documents;
    for (const d of documents) {
      this.byId.set(d.id, d);
      let list = this.byFormatIdx.get(d.format);
      if (!list) this.byFormatIdx.set(d.format, (list = []));
      list.push(d);
    }
    for (const d of documents) {
      const parent = d.origin && this.byId.get(d.origin.parentId);
      if (!parent) continue;
      let kids = this.childrenIdx.get(parent);
      if (!kids) this.childrenIdx.set(parent, (kids = []));
      kids.push(d);
    }
  }

  ofFormat<F extends Format>(format: F): DocumentOf<F>[] {
    return (this.byFormatIdx.get(format) ?? []) as DocumentOf<F>[];
  }

  document(id: string): Document | undefined {
    return this.byId.get(id);
  }

  children(doc: Document): Document[] {
    return this.childrenIdx.get(doc) ?? [];
  }

  /** The chain of documents from the root file down to `doc` (inclusive). */
  ancestry(doc: Document): Document[] {
    const chain: Document[] = [doc];
    let cur: Document | undefined = doc;
    while (cur?.origin) {
      cur = this.byId.get(cur.origin.parentId);
      if (cur) chain.unshift(cur);
    }
    return chain;
  }

  private readonly moduleIdx = new Map<'terraform' | 'packer', Map<string, Document[]>>();

  /** The on-disk Terraform or Packer documents of one module directory (indexed on first use). */
  moduleDocs<F extends 'terraform' | 'packer'>(format: F, moduleDir: string): DocumentOf<F>[] {
    let idx = this.moduleIdx.get(format);
    if (!idx) {
      this.moduleIdx.set(format, (idx = new Map()));
      for (const d of this.ofFormat(format) as (DocumentOf<'terraform'> | DocumentOf<'packer'>)[]) {
        if (d.origin) continue;
        let list = idx.get(d.model.moduleDir);
        if (!list) idx.set(d.model.moduleDir, (list = []));
        list.push(d);
      }
    }
    return (idx.get(moduleDir) ?? []) as DocumentOf<F>[];
  }

  /** The root (on-disk) document of an embedded document. */
  root(doc: Document): Document {
    return this.ancestry(doc)[0];
  }
}
