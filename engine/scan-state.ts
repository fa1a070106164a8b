/**
 * The scan state: what a whole-tree scan with a cache learnt about the tree, kept beside the parse
 * cache so that the next scan need not learn it again (the first step of the incremental design in
 * docs/performance.md).
 *
 * Per file: its stamp (size, mtime, ctime, inode, device, as git's index compares them), the
 * scanner that claimed it, its cache key and text hash, the diagnostics reading it gave, its line
 * table, whether it holds a suppression comment, and, for a file a changed-files scan may leave
 * unread, what that scan needs to decide (see `Unreadable`). A file whose stamp is unchanged is neither
 * read nor hashed: its record is found by the stored key, positions come from the stored line
 * table, and its text is read only if something asks for it (a snippet, a file() call).
 *
 * Per directory: its stamp (mtime, ctime, inode, device) and its listing (`listDir`). Creating,
 * removing or renaming an entry changes the directory's mtime and ctime, so a directory whose
 * stamp is unchanged is not listed again: its stored listing is given to the walk, which filters
 * it as it filters a fresh one (git's untracked cache does the same). A `stat` costs a third of a
 * `readdir` with its entries: on the benchmark fleet, with a directory for about every file, the
 * walk of a changed-files scan went from about 100 ms to about 70 ms. The files themselves are
 * still compared one by one (an edit in place leaves the directory alone).
 *
 * A stamp is only trusted when it is older than the scan that recorded it by more than the racy
 * window (two seconds): a file changed twice within one tick of the file system's clock, once
 * before it was read and once after, keeps its stamp (and a directory an entry was added to right
 * after it was listed). Git calls such entries "racily clean" and
 * reads them again; we do not record them. Everything here is an optimisation: a lost, foreign or
 * unreadable state only costs reading the tree again, and the state is authenticated like the
 * parse cache's records (see `ParseCache.readState`).
 */
import type { Stats } from 'node:fs';
import * as fs from 'node:fs';
import v8 from 'node:v8';
import type { Diagnostic } from './model.js';
import type { SourceFile } from './source.js';
import { textHash } from './cache.js';
import { decode } from './read.js';
import type { LinkKeys } from './facts/kubernetes-links.js';
import type { Launch, StoredImageName } from './facts/image-names.js';
import type { Loc } from './source.js';
import type { RelatedLocation } from './rule-api.js';
import { SCHEDULE_KINDS, type ScheduleWindow } from './result.js';
import { ENTRY_LINK, readDir, type DirEntries } from './walker.js';

const STATE_VERSION = 10;
/** Stamps newer than this before the scan's start are not recorded (see above). */
export const RACY_WINDOW_MS = 2000;

export interface FileEntry {
  /** The scanner that claimed the file, or null: a file no scanner claims is skipped unread. */
  scanner: string | null;
  /** Parse-cache key and SHA-256 of the text, in hex (claimed files only). */
  key?: string;
  hash?: string;
  /** Text length in UTF-16 code units, its line table, and the diagnostics decoding it gave. */
  length?: number;
  lineStarts?: Uint32Array;
  diagnostics?: Diagnostic[];
  /** The text holds `faultline-ignore` (an inline suppression may be there). */
  directives?: boolean;
  /** A file a changed-files scan may leave unread (parsed without diagnostics): see `Unreadable`. */
  unreadable?: Unreadable;
}

/**
 * What a changed-files scan needs of a file it may leave unread, and how many documents the file
 * holds (the scan's counts include them):
 * - `k8s`: a file of Kubernetes documents, with its join keys, hashed (engine/facts/kubernetes-links.ts);
 * - `loose`: a file only its own node image reads (engine/facts/loose-files.ts), with the systemd
 *   unit and agent contexts its documents are grouped in. Set by whole-tree scans only, and kept
 *   while the file is unchanged: a file changed since is read, and what it names is read;
 * - `module`: a file of a Terraform module or Packer template directory that stands alone
 *   (engine/facts/loose-files.ts), with the directory (its files are read together, before the
 *   link phase), what its resources launch by name (images the scan did not build when it was
 *   judged) and the names of its images (launched by nothing then). Set and kept as loose files are.
 * Loose files and module files keep the schedules that read only them (`StoredSchedule`): a scan
 * that leaves them unread gives those to FL201.
 */
export type Unreadable =
  | { kind: 'k8s'; links: LinkKeys; documents: number; embedded: number }
  | { kind: 'loose'; contexts: string[]; schedules?: StoredSchedule[]; documents: number; embedded: number }
  | { kind: 'module'; dir: string; launches?: Launch[]; images?: StoredImageName[]; schedules?: StoredSchedule[]; documents: number; embedded: number };

const strings = (x: unknown): boolean => Array.isArray(x) && x.every((o) => typeof o === 'string');
const keyHashes = (x: unknown): boolean => Array.isArray(x) && x.every((o) => Number.isSafeInteger(o) && o >= 0);

function looksLikeLaunch(x: unknown): x is Launch {
  const l = x as Launch | undefined;
  return !!l && typeof l === 'object' && (l.cloud === undefined || typeof l.cloud === 'string') && strings(l.refs);
}

function looksLikeImageName(x: unknown): x is StoredImageName {
  const i = x as StoredImageName | undefined;
  return !!i && typeof i === 'object' && typeof i.name === 'string' && (i.clouds === undefined || strings(i.clouds));
}

const isLoc = (x: unknown): boolean => {
  const l = x as Loc | undefined;
  return !!l && typeof l === 'object' && typeof l.file === 'string' && Number.isInteger(l.start) && Number.isInteger(l.end);
};

/** A stored schedule as FL201 reads it (a foreign or damaged state is ignored, never trusted). */
function looksLikeSchedule(x: unknown): x is StoredSchedule {
  const f = x as StoredSchedule | undefined;
  return (
    !!f &&
    typeof f === 'object' &&
    SCHEDULE_KINDS.includes(f.kind) &&
    strings([f.label, f.resource, f.expression, f.region]) &&
    (f.timezone === undefined || typeof f.timezone === 'string') &&
    Array.isArray(f.intervals) &&
    f.intervals.every((i) => Array.isArray(i) && i.length === 2 && i.every((n) => typeof n === 'number')) &&
    isLoc(f.loc) &&
    (f.resourceLoc === undefined || isLoc(f.resourceLoc)) &&
    (f.attribution === undefined || (typeof f.attribution.how === 'string' && (f.attribution.loc === undefined || isLoc(f.attribution.loc)))) &&
    Array.isArray(f.related) &&
    f.related.every((r) => isLoc(r?.loc) && typeof r.message === 'string') &&
    Number.isInteger(f.line) &&
    (f.embedding === undefined || strings(f.embedding))
  );
}

const schedulesOk = (x: unknown): boolean => x === undefined || (Array.isArray(x) && x.every(looksLikeSchedule));

function looksLikeUnreadable(x: unknown): x is Unreadable {
  const u = x as Unreadable | undefined;
  if (!u || typeof u !== 'object' || !Number.isInteger(u.documents) || !Number.isInteger(u.embedded)) return false;
  if (u.kind === 'loose') return strings(u.contexts) && schedulesOk(u.schedules);
  if (u.kind === 'module')
    return (
      typeof u.dir === 'string' &&
      (u.launches === undefined || (Array.isArray(u.launches) && u.launches.every(looksLikeLaunch))) &&
      (u.images === undefined || (Array.isArray(u.images) && u.images.every(looksLikeImageName))) &&
      schedulesOk(u.schedules)
    );
  return u.kind === 'k8s' && !!u.links && keyHashes(u.links.offers) && keyHashes(u.links.seeks) && typeof u.links.global === 'boolean';
}

/**
 * A schedule of a loose file (or a module's), as the whole-tree scan that judged the file computed
 * it (engine/facts/schedules.ts `storeSchedule`): what FL201 compares across regions, lists and
 * publishes when a changed-files scan leaves the file unread. Plain data.
 */
export interface StoredSchedule {
  kind: ScheduleWindow['kind'];
  label: string;
  resource: string;
  expression: string;
  region: string;
  timezone?: string;
  /** UTC week intervals, in minutes. */
  intervals: [number, number][];
  loc: Loc;
  resourceLoc?: Loc;
  attribution?: { how: string; loc?: Loc };
  /** The first related locations (FL201 lists two per schedule). */
  related: RelatedLocation[];
  /** The 1-based line of `loc`, for the published window. */
  line: number;
  /** Origin labels of the document `loc` is in, outermost first, when it is embedded. */
  embedding?: string[];
}

/** A stamp: size, mtime, ctime, inode and device, as `Stats` gives them. */
const STAMP = 5;

function stampOf(st: Stats): number[] {
  return [st.size, st.mtimeMs, st.ctimeMs, st.ino, st.dev];
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

function sameStamp(from: Float64Array, i: number, st: Stats): boolean {
  const o = i * STAMP;
  return from[o] === st.size && from[o + 1] === st.mtimeMs && from[o + 2] === st.ctimeMs && from[o + 3] === st.ino && from[o + 4] === st.dev;
}

/** A directory's stamp: mtime, ctime, inode and device (its size means nothing on most file systems). */
const DIR_STAMP = 4;

function sameDirStamp(from: Float64Array, i: number, st: Stats): boolean {
  const o = i * DIR_STAMP;
  return from[o] === st.mtimeMs && from[o + 1] === st.ctimeMs && from[o + 2] === st.ino && from[o + 3] === st.dev;
}

/**
 * The state as stored: columns rather than an object per file, so that reading it back is a few
 * large arrays (ten thousand entries decode in milliseconds) and a hit costs no more than a lookup.
 */
interface Encoded {
  v: number;
  files: {
    paths: string[];
    stamps: Float64Array;
    /** Index into `scanners`, or -1 for a file no scanner claims. */
    scanner: Int16Array;
    scanners: string[];
    /** 32 bytes per file: the cache key, then the text hash. */
    keys: Uint8Array;
    hashes: Uint8Array;
    lengths: Uint32Array;
    /** Every file's line table, end to end; file i's is `lines[lineAt[i]..lineAt[i + 1]]`. */
    lineAt: Uint32Array;
    lines: Uint32Array;
    directives: Uint8Array;
    /** The few files whose reading gave diagnostics (invalid UTF-8): [index, diagnostics]. */
    diagnostics: [number, Diagnostic[]][];
    /**
     * Files a changed-files scan may leave unread: [index, what it needs of them]. Stored as JSON
     * text (see `encode`), parsed when the state is decoded.
     */
    unreadable: [number, Unreadable][];
  };
  /** Directories listed by the walk: directory i's entries are `names`' (joined by '/') and `types`' `at[i]..at[i + 1]`. */
  dirs: {
    paths: string[];
    stamps: Float64Array;
    names: string;
    types: Uint8Array;
    at: Uint32Array;
  };
  /** A hash of the configuration the loose files were judged under (see `Unreadable`). */
  config: string;
}

export interface StateStats {
  /** Files taken from their stored entry. */
  fileHits: number;
  /** Directories whose stored listing the walk took. */
  dirHits: number;
  /** Stored files whose text was read after all (a snippet, a file() call). */
  textReads: number;
  /** Changed-files mode: files left unread (no reported finding can depend on them; see `Unreadable`). */
  unread: number;
  /** Changed-files mode: the scan was tried again, reading every Terraform module and Packer template directory (see engine.ts). */
  retried?: boolean;
}

function looksLikeDirs(d: Encoded['dirs'] | undefined): boolean {
  if (!d || !Array.isArray(d.paths) || typeof d.names !== 'string' || !(d.types instanceof Uint8Array) || !(d.at instanceof Uint32Array)) return false;
  const m = d.paths.length;
  let names = d.names.length ? 1 : 0;
  for (let i = d.names.indexOf('/'); i >= 0; i = d.names.indexOf('/', i + 1)) names++;
  return (
    d.stamps instanceof Float64Array &&
    d.stamps.length === m * DIR_STAMP &&
    d.at.length === m + 1 &&
    d.at[0] === 0 &&
    d.at[m] === d.types.length &&
    names === d.types.length &&
    d.at.every((v, i) => i === 0 || v >= d.at[i - 1]) &&
    d.types.every((t) => t <= ENTRY_LINK)
  );
}

function looksLikeState(x: unknown): x is Encoded {
  if (!x || typeof x !== 'object') return false;
  const e = x as Partial<Encoded>;
  const f = e.files;
  if (e.v !== STATE_VERSION || !f || !Array.isArray(f.paths) || !looksLikeDirs(e.dirs)) return false;
  const n = f.paths.length;
  return (
    f.stamps instanceof Float64Array &&
    f.stamps.length === n * STAMP &&
    f.scanner instanceof Int16Array &&
    f.scanner.length === n &&
    Array.isArray(f.scanners) &&
    f.scanner.every((k) => k >= -1 && k < f.scanners.length) &&
    f.keys instanceof Uint8Array &&
    f.keys.length === n * 32 &&
    f.hashes instanceof Uint8Array &&
    f.hashes.length === n * 32 &&
    f.lengths instanceof Uint32Array &&
    f.lengths.length === n &&
    f.lineAt instanceof Uint32Array &&
    f.lineAt.length === n + 1 &&
    f.lines instanceof Uint32Array &&
    f.lineAt[n] === f.lines.length &&
    f.lineAt.every((v, i) => i === 0 || v >= f.lineAt[i - 1]) &&
    f.directives instanceof Uint8Array &&
    f.directives.length === n &&
    Array.isArray(f.diagnostics) &&
    Array.isArray(f.unreadable) &&
    f.unreadable.every((u) => Array.isArray(u) && Number.isInteger(u[0]) && u[0] >= 0 && u[0] < n && looksLikeUnreadable(u[1])) &&
    typeof e.config === 'string'
  );
}

/**
 * A file known by its stored entry: positions from the stored line table, the text read from disk
 * only when asked for. A text that no longer matches the stored hash (the file changed during the
 * scan) is still returned, and `onRead` is told so, so the scan can say its positions may be off.
 */
class StoredSourceFile implements SourceFile {
  private body: string | undefined;
  constructor(
    readonly path: string,
    readonly absPath: string,
    private readonly entry: FileEntry,
    private readonly onRead: (path: string, changed: boolean) => void,
  ) {}
  get length(): number {
    return this.body?.length ?? this.entry.length!;
  }
  get directiveFree(): boolean {
    return !this.entry.directives;
  }
  get lineStarts(): Uint32Array {
    return this.entry.lineStarts!;
  }
  get text(): string {
    if (this.body === undefined) {
      let text = '';
      try {
        // decoded as the scan decodes every file (a byte-order mark kept, bad bytes as U+FFFD)
        text = decode(this.path, fs.readFileSync(this.absPath)).text;
      } catch {
        /* gone since the walk: an empty text, and the change is reported */
      }
      this.body = text;
      this.onRead(this.path, text.length !== this.entry.length || textHash(text) !== this.entry.hash);
    }
    return this.body;
  }
}

export class ScanState {
  readonly stats: StateStats = { fileHits: 0, dirHits: 0, textReads: 0, unread: 0 };
  /** Files whose text changed after their stamp was taken, this scan. */
  readonly changedDuringScan: string[] = [];
  private readonly fileIndex = new Map<string, number>();
  private prevDiagnostics: Map<number, Diagnostic[]>;
  private prevUnreadable: Map<number, Unreadable>;
  /** The configuration hash to store (see `Encoded.config`). */
  config = '';
  /** What this scan learnt, for `encode`: the stamp it was taken with, and the entry. */
  private readonly nextFiles = new Map<string, { stamp: ArrayLike<number>; entry: FileEntry }>();
  /** Stored files taken from their entry this scan, by stored index (their stamp is the stored one). */
  private readonly carriedFiles: (FileEntry | undefined)[] = [];
  /** Files recorded this scan (read, and old enough to trust): without any, the stored state is still right. */
  private recorded = 0;
  /**
   * The stored keys and text hashes in hex, end to end, made on first use: a file's are slices of
   * them (V8 makes a slice without copying), not a conversion per file.
   */
  private keysHex: string | undefined;
  private hashesHex: string | undefined;
  private readonly dirIndex = new Map<string, number>();
  /** The stored listings' names, split on first use. */
  private dirNames: string[] | undefined;
  /** Directories listed this scan, for `encode`. */
  private readonly nextDirs = new Map<string, { stamp: number[]; entries: DirEntries }>();
  /** Stored directories whose listing the walk took, by stored index. */
  private carriedDirs: Uint8Array | undefined;

  private constructor(
    private prev: Encoded | undefined,
    /** Stamps at or after this instant (ms since the epoch) are not recorded. */
    private readonly trustBefore: number,
  ) {
    prev?.files.paths.forEach((p, i) => this.fileIndex.set(p, i));
    prev?.dirs.paths.forEach((p, i) => this.dirIndex.set(p, i));
    this.prevDiagnostics = new Map(prev?.files.diagnostics ?? []);
    this.prevUnreadable = new Map(prev?.files.unreadable ?? []);
  }

  /** The state from `bytes` (authenticated by the caller), or an empty one. */
  static decode(bytes: Buffer | undefined, startedMs: number, racyWindowMs = RACY_WINDOW_MS): ScanState {
    let prev: Encoded | undefined;
    if (bytes) {
      try {
        const x = v8.deserialize(bytes) as { files?: { unreadable?: unknown } } | undefined;
        // the unread-file entries are JSON text (see `encode`)
        if (x && typeof x === 'object' && x.files && typeof x.files === 'object' && typeof x.files.unreadable === 'string') x.files.unreadable = JSON.parse(x.files.unreadable);
        if (looksLikeState(x)) prev = x;
      } catch {
        /* ignored: an empty state */
      }
    }
    return new ScanState(prev, startedMs - racyWindowMs);
  }

  /**
   * Whether the stored state should be replaced: only when this scan recorded a file. A scan that
   * read nothing new (a pre-commit run whose changed files are too fresh to trust) leaves entries
   * of changed or deleted files in it, which never match a stamp again and go with the next write.
   */
  get learnt(): boolean {
    return this.recorded > 0;
  }

  /** What the next state holds: the stored files taken this scan, and those recorded. */
  private *nextEntries(): Generator<[string, { stamp: ArrayLike<number>; entry: FileEntry }]> {
    const f = this.prev?.files;
    if (f)
      for (let i = 0; i < this.carriedFiles.length; i++) {
        const entry = this.carriedFiles[i];
        if (entry) yield [f.paths[i], { stamp: f.stamps.subarray(i * STAMP, (i + 1) * STAMP), entry }];
      }
    yield* this.nextFiles;
  }

  encode(): Buffer {
    const files = [...this.nextEntries()];
    const n = files.length;
    const scanners: string[] = [];
    const lineAt = new Uint32Array(n + 1);
    files.forEach(([, { entry }], i) => (lineAt[i + 1] = lineAt[i] + (entry.lineStarts?.length ?? 0)));
    const out: Encoded['files'] = {
      paths: files.map(([p]) => p),
      stamps: new Float64Array(n * STAMP),
      scanner: new Int16Array(n),
      scanners,
      keys: new Uint8Array(n * 32),
      hashes: new Uint8Array(n * 32),
      lengths: new Uint32Array(n),
      lineAt,
      lines: new Uint32Array(lineAt[n]),
      directives: new Uint8Array(n),
      diagnostics: [],
      unreadable: [],
    };
    const keys = Buffer.from(out.keys.buffer, out.keys.byteOffset, out.keys.byteLength);
    const hashes = Buffer.from(out.hashes.buffer, out.hashes.byteOffset, out.hashes.byteLength);
    files.forEach(([, { stamp, entry }], i) => {
      out.stamps.set(stamp, i * STAMP);
      if (entry.scanner === null) {
        out.scanner[i] = -1;
        return;
      }
      let k = scanners.indexOf(entry.scanner);
      if (k < 0) k = scanners.push(entry.scanner) - 1;
      out.scanner[i] = k;
      keys.write(entry.key!, i * 32, 32, 'hex');
      hashes.write(entry.hash!, i * 32, 32, 'hex');
      out.lengths[i] = entry.length!;
      out.lines.set(entry.lineStarts!, lineAt[i]);
      out.directives[i] = entry.directives ? 1 : 0;
      if (entry.diagnostics?.length) out.diagnostics.push([i, entry.diagnostics]);
      if (entry.unreadable) out.unreadable.push([i, entry.unreadable]);
    });
    const dirList: [string, { stamp: ArrayLike<number>; entries: DirEntries }][] = [];
    const d = this.prev?.dirs;
    if (d && this.carriedDirs) {
      const stored = (this.dirNames ??= d.names.split('/'));
      this.carriedDirs.forEach((carried, i) => {
        if (carried) dirList.push([d.paths[i], { stamp: d.stamps.subarray(i * DIR_STAMP, (i + 1) * DIR_STAMP), entries: { names: stored, types: d.types, from: d.at[i], to: d.at[i + 1] } }]);
      });
    }
    dirList.push(...this.nextDirs);
    const dirs: Encoded['dirs'] = { paths: dirList.map(([p]) => p), stamps: new Float64Array(dirList.length * DIR_STAMP), names: '', types: new Uint8Array(0), at: new Uint32Array(dirList.length + 1) };
    const names: string[] = [];
    const types: number[] = [];
    dirList.forEach(([, { stamp, entries }], i) => {
      dirs.stamps.set(stamp, i * DIR_STAMP);
      for (let k = entries.from; k < entries.to; k++) {
        names.push(entries.names[k]);
        types.push(entries.types[k]);
      }
      dirs.at[i + 1] = names.length;
    });
    dirs.names = names.join('/');
    dirs.types = Uint8Array.from(types);
    // The unread-file entries, ten thousand small objects on the benchmark fleet, go in as JSON text:
    // V8 parses JSON about twice as fast as it deserialises the same objects (25 → 13 ms there),
    // and every changed-files run decodes them all.
    const stored = { ...out, unreadable: JSON.stringify(out.unreadable) };
    return v8.serialize({ v: STATE_VERSION, files: stored, dirs, config: this.config });
  }

  /**
   * Once the state is written: drop what only reading it back and writing it needed. The files
   * taken from it keep their line tables (views of the stored table) for positions.
   */
  release(): void {
    this.prev = undefined;
    this.fileIndex.clear();
    this.prevDiagnostics = new Map();
    this.prevUnreadable = new Map();
    this.nextFiles.clear();
    this.carriedFiles.length = 0;
    this.carriedDirs = undefined;
    this.dirIndex.clear();
    this.dirNames = undefined;
    this.keysHex = undefined;
    this.hashesHex = undefined;
    this.nextDirs.clear();
  }

  private trusted(st: Stats): boolean {
    return st.mtimeMs < this.trustBefore && st.ctimeMs < this.trustBefore;
  }

  /**
   * A directory's entries for the walk (`WalkOptions.listDir`): the stored listing when its stamp is
   * unchanged (and was old enough to trust when it was recorded), else `readDir`'s. Throws as
   * `readdir` does.
   */
  listDir(absDir: string, rel: string): DirEntries {
    const st = fs.statSync(absDir);
    const d = this.prev?.dirs;
    const i = this.dirIndex.get(rel);
    if (d && i !== undefined && this.trusted(st) && sameDirStamp(d.stamps, i, st)) {
      this.stats.dirHits++;
      (this.carriedDirs ??= new Uint8Array(d.paths.length))[i] = 1;
      return { names: (this.dirNames ??= d.names.split('/')), types: d.types, from: d.at[i], to: d.at[i + 1] };
    }
    const entries = readDir(absDir);
    if (this.trusted(st)) {
      this.recorded++;
      this.nextDirs.set(rel, { stamp: [st.mtimeMs, st.ctimeMs, st.ino, st.dev], entries });
    }
    return entries;
  }

  /**
   * The stored entry of a file whose stamp is unchanged (carried into the next state), or
   * undefined: the file must be read.
   */
  file(rel: string, st: Stats): FileEntry | undefined {
    const i = this.fileIndex.get(rel);
    const f = this.prev?.files;
    if (i === undefined || !f || !sameStamp(f.stamps, i, st) || !this.trusted(st)) return undefined;
    const k = f.scanner[i];
    const entry: FileEntry =
      k < 0
        ? { scanner: null }
        : {
            scanner: f.scanners[k],
            key: (this.keysHex ??= hex(f.keys)).slice(i * 64, i * 64 + 64),
            hash: (this.hashesHex ??= hex(f.hashes)).slice(i * 64, i * 64 + 64),
            length: f.lengths[i],
            lineStarts: f.lines.subarray(f.lineAt[i], f.lineAt[i + 1]),
            diagnostics: this.prevDiagnostics.get(i) ?? [],
            directives: f.directives[i] === 1,
            unreadable: this.prevUnreadable.get(i),
          };
    if (k >= 0 && entry.lineStarts!.length === 0) return undefined;
    this.carriedFiles[i] = entry;
    this.stats.fileHits++;
    return entry;
  }

  /** A file read this scan (`st` taken before reading it): recorded unless its stamp is too recent to trust. */
  recordFile(rel: string, st: Stats, scanner: string | null, read?: { key: string; file: SourceFile; diagnostics: Diagnostic[] }): void {
    // taken from its entry first, then read after all (its record was gone): the new entry replaces it
    const i = this.fileIndex.get(rel);
    if (i !== undefined) this.carriedFiles[i] = undefined;
    if (!this.trusted(st)) return;
    if (scanner === null) {
      this.nextFiles.set(rel, { stamp: stampOf(st), entry: { scanner } });
      this.recorded++;
      return;
    }
    if (!read) return;
    this.recorded++;
    const text = read.file.text;
    this.nextFiles.set(rel, {
      stamp: stampOf(st),
      entry: {
        scanner,
        key: read.key,
        hash: textHash(text),
        length: text.length,
        lineStarts: read.file.lineStarts,
        diagnostics: read.diagnostics,
        directives: text.includes('faultline-ignore'),
      },
    });
  }

  /**
   * Attach what a later scan needs to leave a file of Kubernetes documents unread, to the entry of
   * a file read (and recorded) this scan.
   */
  recordK8s(rel: string, k8s: Extract<Unreadable, { kind: 'k8s' }>): void {
    const e = this.nextFiles.get(rel);
    if (e && !e.entry.unreadable && e.entry.key) e.entry.unreadable = k8s;
  }

  /** The configuration hash the stored loose files were judged under ('' when none). */
  get storedConfig(): string {
    return this.prev?.config ?? '';
  }

  /**
   * A whole-tree scan's verdict on loose files (see `Unreadable`), replacing the stored one: files
   * in `loose` (recorded or known, without diagnostics and not Kubernetes files) are marked, every
   * other file's mark is dropped. Files in `withDiagnostics` (a parse, link or rule reported on
   * them) lose any mark: a changed-files scan reports internal errors wherever they are, so it
   * must read them.
   */
  setLoose(
    loose: ReadonlyMap<string, { contexts: string[]; module?: string; launches?: Launch[]; images?: StoredImageName[]; schedules?: StoredSchedule[]; documents: number; embedded: number }>,
    withDiagnostics: ReadonlySet<string>,
  ): void {
    for (const [rel, { entry }] of this.nextEntries()) {
      if ((entry.unreadable && entry.unreadable.kind !== 'k8s') || withDiagnostics.has(rel)) entry.unreadable = undefined;
      if (withDiagnostics.has(rel)) continue;
      const l = loose.get(rel);
      if (!l || !entry.key || entry.unreadable || entry.diagnostics?.length) continue;
      const { contexts, module, launches, images, schedules, documents, embedded } = l;
      const kept = schedules ? { schedules } : {};
      // a module file left without a mark is read, and its module with it (engine/parse-session.ts)
      entry.unreadable =
        module !== undefined
          ? { kind: 'module', dir: module, ...(launches ? { launches } : {}), ...(images ? { images } : {}), ...kept, documents, embedded }
          : { kind: 'loose', contexts, ...kept, documents, embedded };
    }
  }

  /** A source file for a stored entry (see `StoredSourceFile`). */
  sourceFile(rel: string, absPath: string, entry: FileEntry): SourceFile {
    return new StoredSourceFile(rel, absPath, entry, this.noteRead);
  }

  /** A stored file's text was read (one function for all of them, not a closure per file). */
  private readonly noteRead = (rel: string, changed: boolean): void => {
    this.stats.textReads++;
    if (changed) this.changedDuringScan.push(rel);
  };
}
