/**
 * The parse cache: per-file parse results (documents and diagnostics), content-addressed, so a
 * changed-files run or a nightly re-scan re-parses only the files that changed while the rules
 * still see the whole repository.
 *
 * What is cached is the output of the parse phase only. The link phase, the rules, suppressions
 * and fingerprints run on every scan, so a change to faultline.yaml, to a waiver or to the rule
 * set never needs the cache to be invalidated, and a cached parse can never hide a finding that a
 * fresh parse would show.
 *
 * An entry's key is SHA-256 over (the parser salt, the file's path, its text). The parser salt is
 * faultline's version, a hash of its own parser code (the engine and scanner modules as
 * installed), the versions of the parser packages it uses (yaml, the tree-sitter grammars,
 * TypeScript...) and the parse limits, so an upgrade, a lockfile change or a local build of
 * different code misses instead of reading stale documents. Files a parse read besides its own (a Dockerfile's COPY
 * sources) are recorded with their content hashes and checked on every hit.
 *
 * Never trusted: every entry carries an HMAC-SHA256 under a secret kept outside the repository
 * (`$XDG_CACHE_HOME/faultline/secret`, created 0600 on first use, or FAULTLINE_CACHE_SECRET), over
 * its key and its bytes. A cache committed to the repository being scanned, copied from another
 * machine, truncated or corrupt fails the check and is treated as a miss; so does an entry whose
 * bytes decode to anything but the expected shape. A cache that cannot be written (read-only
 * checkout, full disk) only turns caching off for the run.
 *
 * The link phase's embeds (a Terraform `user_data` resolved through variables and `file()`, a
 * Packer provisioner script) are cached the same way, keyed by the embed request itself (its text,
 * offset map, origin and the parent's id and id counter): linking runs on every scan, but the
 * documents it embeds are parsed only when that request is new.
 *
 * Layout: `<dir>/<salt16>-<root8>/pack`, an append-only log of records (magic, key, length, MAC,
 * payload), one per root file or link-phase embed; the newest record of a key wins. Beside it,
 * `index` lists where each key's newest record is, up to a point of the pack (see `readIndex`),
 * so a run need not read the headers spread over the whole pack to find its records. One file, not
 * one per entry: creating ten thousand small files cost seconds on the CI machine's disk, and a
 * warm run reads every record through one descriptor and a 1 MiB window. Records are appended in
 * batches of whole records, each batch one `write` to a file opened for appending, so concurrent
 * scans do not interleave records; a torn or foreign tail ends the walk and is dropped before the
 * next append. A whole-tree scan rewrites the pack without the
 * entries it did not use once those (and superseded records) are a quarter of it, and deletes
 * the directories of other parser salts for the same root, so the cache stays near the size of
 * the live tree. `<dir>` gets a `.gitignore` of `*` and a CACHEDIR.TAG so neither git nor backups
 * keep it.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import type { Diagnostic, Document } from './model.js';

export const CACHE_FORMAT = 3;
/**
 * Record: magic (4), key (32, raw SHA-256), payload length (u32 LE), MAC (32), payload. The
 * payload is a summary's length (u32 LE), the summary (`CachedSummary`, v8-serialised) and the
 * body (the `CachedParse`, v8-serialised): a full read skips the summary, a lazy read (`getLazy`)
 * decodes only the summary, and reads the record again (through the same descriptor, with its MAC
 * checked again) when a document is first opened.
 */
const MAGIC = Buffer.from(`FLR${CACHE_FORMAT}`, 'latin1');
const KEY_BYTES = 32;
const MAC_BYTES = 32;
const HEADER_BYTES = MAGIC.length + KEY_BYTES + 4 + MAC_BYTES;
/** The pack's index file: its own magic (see `readIndex`). */
const INDEX_MAGIC = Buffer.from(`FLI${CACHE_FORMAT}`, 'latin1');
/** The index is written again once this many records follow the part of the pack it covers. */
const INDEX_LAG = 64;
/** The scan state file's own magic, and a bound on what is read of it or of the index (see `readSealed`). */
const STATE_MAGIC = Buffer.from(`FLS${CACHE_FORMAT}`, 'latin1');
const MAX_SEALED_BYTES = 256 << 20;
/** Appends are batched to about this many bytes; reads go through a window of this size. */
const WRITE_BATCH = 1 << 20;
const READ_WINDOW = 1 << 20;

export interface CachedParse {
  documents: Document[];
  diagnostics: Diagnostic[];
  /** Other root files the parse read, with the SHA-256 of their text ('' when it was unavailable). */
  deps: [string, string][];
  /** For an embed made while linking: the ids it returned and the id counters it advanced. */
  returned?: string[];
  counters?: [string, number][];
}

/** Document fields a lazy read leaves in the body (everything else is in the summary's headers). */
export const BODY_FIELDS = ['model', 'text', 'map'] as const;
/** A document without its body fields. */
export type DocumentHeader = Omit<Document, (typeof BODY_FIELDS)[number]>;

/** What a lazy read decodes: the documents' headers and facts, and the entry's small parts. */
export interface CachedSummary {
  headers: DocumentHeader[];
  /** Per document (same order), what `facts` returned for it at write time, or null. */
  facts: unknown[];
  diagnostics: Diagnostic[];
  deps: [string, string][];
}

/** A lazily read entry: the summary, and how to read the body (`v8.deserialize` of it gives the CachedParse). */
export interface LazyParse extends CachedSummary {
  /** The body's bytes, read again from the pack and authenticated again; throws if they no longer are. */
  body(): Buffer;
}

export interface CacheStats {
  dir: string;
  hits: number;
  misses: number;
  written: number;
  pruned: number;
  /** Hits read lazily (changed-files mode: headers and facts only), and how many of those something opened after all. */
  lazy: number;
  opened: number;
  /** Why the cache was switched off or an entry rejected (the first reason), for FAULTLINE_TIMING. */
  note?: string;
}

export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Modules under engine/facts whose output the cache or the scan state stores, or that decide before
 * linking what a changed-files scan reads (so they are part of the parser salt): Kubernetes facts,
 * the join keys of files of Kubernetes documents, the groups a loose file is read in, and what a
 * Terraform module block instantiates.
 */
export const STORED_FACTS = ['kubernetes', 'kubernetes-links', 'loose-contexts', 'terraform-modules', 'image-names'];

let codeHashMemo: string | undefined;

/**
 * `parserSourceHash()` as the build computed it when it bundled the command line: scripts/bundle.mjs
 * writes it here, in the bundle only. The bundle runs only while no module it was made from is newer
 * than it (cli/main.ts), so the files are the ones that were hashed, and reading and hashing them
 * again took 5 ms of every run. The module tree computes it.
 */
const BUILT_SOURCE_HASH: string | undefined = undefined;

/**
 * SHA-256 over the code a parse runs: the engine's top-level modules, every scanner module, and the
 * fact extractors whose output is stored with the parse (`STORED_FACTS`), as installed (dist/, or
 * the sources under test). The rest of the engine's `facts/` and `schedule/` folders is rule-side
 * code and left out, so changing a rule does not throw the cache away; a test checks that the
 * import closure of the parse side (parse-session, parse-task, the worker, the scanners) stays
 * inside what is hashed.
 */
export function parserSourceHash(): string {
  const engineDir = path.dirname(fileURLToPath(import.meta.url));
  const h = createHash('sha256');
  const add = (dir: string, recursive: boolean) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (recursive) add(p, true);
      } else if (/\.(js|ts|wasm)$/.test(e.name) && !e.name.endsWith('.d.ts')) h.update(e.name).update(fs.readFileSync(p));
    }
  };
  add(engineDir, false);
  add(path.join(engineDir, '..', 'scanners'), true);
  for (const f of STORED_FACTS) {
    for (const ext of ['.js', '.ts']) {
      const p = path.join(engineDir, 'facts', f + ext);
      if (fs.existsSync(p)) h.update(f + ext).update(fs.readFileSync(p));
    }
  }
  return h.digest('hex');
}

/** The parser's code (`parserSourceHash`) and the versions of the parsers we do not own. */
export function parserCodeHash(): string {
  if (codeHashMemo) return codeHashMemo;
  const h = createHash('sha256').update(BUILT_SOURCE_HASH ?? parserSourceHash());
  // the parsers we do not own: a lockfile update changes what a parse produces as surely as our code
  for (const [dep, version] of Object.entries(parserPackageVersions())) h.update(`${dep}@${version}`);
  codeHashMemo = h.digest('hex');
  return codeHashMemo;
}

const PARSER_PACKAGES = [
  'yaml',
  'web-tree-sitter',
  '@tree-sitter-grammars/tree-sitter-hcl',
  'tree-sitter-bash',
  'typescript',
  '@typescript-eslint/typescript-estree',
  'ts-morph',
];

/** Versions of the installed parser packages that go into the salt. */
export function parserPackageVersions(): Record<string, string> {
  return Object.fromEntries(PARSER_PACKAGES.map((p) => [p, packageVersion(p)]));
}

/** An installed package's version ('?' if it cannot be found), even when its exports hide package.json. */
function packageVersion(name: string): string {
  const req = createRequire(import.meta.url);
  const versionIn = (file: string) => {
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
    return pkg.name === name ? pkg.version : undefined;
  };
  try {
    return versionIn(req.resolve(`${name}/package.json`)) ?? '?';
  } catch {
    /* exports without ./package.json: walk up from the entry point */
  }
  try {
    for (let dir = path.dirname(req.resolve(name)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const v = versionIn(file);
        if (v) return v;
      }
    }
  } catch {
    /* not installed */
  }
  return '?';
}

/** The secret that authenticates entries: from the environment, else a per-user file outside any repository. */
function loadSecret(): Buffer | string {
  const env = process.env.FAULTLINE_CACHE_SECRET;
  if (env) return Buffer.from(env, 'utf8');
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const file = path.join(base, 'faultline', 'secret');
  try {
    const s = fs.readFileSync(file);
    if (s.length >= 32) return s;
  } catch {
    /* create it below */
  }
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const s = randomBytes(32);
    // 'wx': never overwrite a secret another process created meanwhile
    fs.writeFileSync(file, s, { mode: 0o600, flag: 'wx' });
    return s;
  } catch (e) {
    try {
      const s = fs.readFileSync(file);
      if (s.length >= 32) return s;
    } catch {
      /* fall through */
    }
    return `no cache secret (${file}): ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
}

/** Why a cache path is unusable: it exists and is not a plain directory/file (a link, a FIFO...). */
function notPlain(p: string, kind: 'directory' | 'file'): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return undefined; // absent: we create it
  }
  const ok = kind === 'directory' ? st.isDirectory() : st.isFile();
  return ok ? undefined : `cache not used: ${p} is not a plain ${kind}${st.isSymbolicLink() ? ' (a symbolic link)' : ''}`;
}

/** `length` bytes of `fd` at `at` in a buffer of their own, or undefined if the file is shorter. */
function readExactly(fd: number, at: number, length: number): Buffer | undefined {
  const rec = Buffer.allocUnsafe(length);
  return fs.readSync(fd, rec, 0, length, at) === length ? rec : undefined;
}

/** Open the pack without following a link, and only if it is a regular file. */
function openPack(file: string, mode: 'read' | 'append'): number {
  const c = fs.constants;
  const flags = (mode === 'read' ? c.O_RDONLY : c.O_RDWR | c.O_APPEND | c.O_CREAT) | c.O_NOFOLLOW | c.O_NONBLOCK;
  const fd = fs.openSync(file, flags, 0o644);
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw Object.assign(new Error(`${file} is not a regular file`), { code: 'ENOTFILE' });
  }
  return fd;
}

/** Documents (or their headers) with an id, a file and a format, and the deps list, as written. */
function looksLikeParts(docs: unknown, diagnostics: unknown, deps: unknown): boolean {
  return (
    Array.isArray(docs) &&
    Array.isArray(diagnostics) &&
    Array.isArray(deps) &&
    docs.every((d: Partial<Document>) => !!d && typeof d === 'object' && typeof d.id === 'string' && typeof d.file === 'string' && typeof d.format === 'string') &&
    deps.every((d) => Array.isArray(d) && typeof d[0] === 'string' && typeof d[1] === 'string')
  );
}

function looksLikeEntry(x: unknown): x is CachedParse {
  if (!x || typeof x !== 'object') return false;
  const e = x as Partial<CachedParse>;
  return looksLikeParts(e.documents, e.diagnostics, e.deps);
}

function looksLikeSummary(x: unknown): x is CachedSummary {
  if (!x || typeof x !== 'object') return false;
  const e = x as Partial<CachedSummary>;
  return Array.isArray(e.facts) && Array.isArray(e.headers) && e.facts.length === e.headers.length && looksLikeParts(e.headers, e.diagnostics, e.deps);
}

/** The summary of an entry: headers (documents without their body fields), facts, diagnostics, deps. */
export function summaryOf(entry: CachedParse, facts: (doc: Document) => unknown): CachedSummary {
  const headers = entry.documents.map((d) => {
    const h: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(d)) if (!(BODY_FIELDS as readonly string[]).includes(k)) h[k] = v;
    return h as DocumentHeader;
  });
  return { headers, facts: entry.documents.map((d) => facts(d) ?? null), diagnostics: entry.diagnostics, deps: entry.deps };
}

/** A record's payload: summary length, summary, body. */
export function encodePayload(summary: CachedSummary, body: Uint8Array): Buffer {
  const head = v8.serialize(summary);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length, 0);
  return Buffer.concat([len, head, body]);
}

/** The two parts of a payload (`encodePayload`), still serialised, and where the body starts. */
export function payloadParts(payload: Buffer): { summary: Buffer; body: Buffer; bodyAt: number } {
  const bodyAt = 4 + payload.readUInt32LE(0);
  return { summary: payload.subarray(4, bodyAt), body: payload.subarray(bodyAt), bodyAt };
}

/** A record in the pack: where its payload is. */
interface Slot {
  /** Offset of the record (its header). */
  at: number;
  /** Offset and length of the payload. */
  payload: number;
  length: number;
}

/** The index file's contents (see `ParseCache.readIndex`): the keys end to end, 32 bytes each. */
interface PackIndex {
  ino: number;
  dev: number;
  size: number;
  superseded: number;
  keys: Uint8Array;
  at: Float64Array;
  length: Uint32Array;
}

export class ParseCache {
  readonly stats: CacheStats;
  private readonly bucket: string;
  private readonly packFile: string;
  private readonly salt: string;
  private readonly secret: Buffer | undefined;
  private writable = true;
  private readonly used = new Set<string>();
  /** key (hex) → its newest record; read from the pack on first use. */
  private index: Map<string, Slot> | undefined;
  private fd: number | undefined;
  /** Records were handed out by `getLazy`: keep the descriptor they will be read through. */
  private lazyReads = false;
  /** `release()` was called: the scan is over. */
  private released = false;
  /** Bytes of the pack, and bytes of records superseded by a later one with the same key. */
  private size = 0;
  private superseded = 0;
  /** The pack ended in bytes that are not a whole record; they go before the next append. */
  private tornTail = false;
  /**
   * Records of the pack that the index file does not cover (walked at load, or appended since), or
   * -1 when no index file was taken (one is written at close).
   */
  private unindexed = -1;
  /** The index file was removed (it pointed where a record is not): none is written this scan. */
  private indexDropped = false;
  /** Whole records not yet appended (`size` already counts them), and their keys. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingKeys: string[] = [];
  /** The last stretch of the pack read, for the records that follow it. */
  private window = Buffer.alloc(0);
  private windowAt = 0;
  private windowLen = 0;
  /** Where the last read through the window ended (reads that follow on from it fill the window). */
  private lastEnd = 0;

  private constructor(dir: string, bucket: string, salt: string, secret: Buffer | undefined, note?: string) {
    this.bucket = bucket;
    this.packFile = path.join(bucket, 'pack');
    this.salt = salt;
    this.secret = secret;
    this.stats = { dir, hits: 0, misses: 0, written: 0, pruned: 0, lazy: 0, opened: 0, note };
    if (!secret) this.writable = false;
  }

  /**
   * Open (creating if needed) the cache for one scan root. Never throws: a cache that cannot be
   * used is returned switched off, with the reason in `stats.note`.
   */
  static open(dir: string, realRoot: string, saltParts: unknown): ParseCache {
    const salt = createHash('sha256').update(JSON.stringify({ format: CACHE_FORMAT, code: parserCodeHash(), saltParts })).digest('hex');
    const rootTag = createHash('sha256').update(realRoot).digest('hex').slice(0, 8);
    const bucket = path.join(dir, `${salt.slice(0, 16)}-${rootTag}`);
    const secret = loadSecret();
    if (typeof secret === 'string') return new ParseCache(dir, bucket, salt, undefined, secret);
    // The default cache directory is inside the repository being scanned, so the repository
    // controls what is there: a committed symbolic link must not make us write (append records,
    // a CACHEDIR.TAG that backup tools honour) anywhere else, and a FIFO must not hang the scan.
    const refused = notPlain(dir, 'directory') ?? notPlain(bucket, 'directory') ?? notPlain(path.join(bucket, 'pack'), 'file');
    if (refused) return new ParseCache(dir, bucket, salt, undefined, refused);
    try {
      fs.mkdirSync(bucket, { recursive: true });
      // 'wx': created only where nothing (not even a dangling link) is
      for (const [name, text] of [
        ['.gitignore', '# written by faultline: this is a cache\n*\n'],
        ['CACHEDIR.TAG', 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by faultline.\n'],
      ]) {
        try {
          fs.writeFileSync(path.join(dir, name), text, { flag: 'wx' });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      }
    } catch (e) {
      const c = new ParseCache(dir, bucket, salt, Buffer.from(secret), `cache directory not writable: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      c.writable = false;
      return c;
    }
    return new ParseCache(dir, bucket, salt, Buffer.from(secret));
  }

  keyOf(filePath: string, text: string): string {
    return createHash('sha256').update(this.salt).update('\0').update(filePath).update('\0').update(text).digest('hex');
  }

  private mac(key: string, payload: Uint8Array): Buffer {
    return createHmac('sha256', this.secret!).update(key).update(payload).digest();
  }

  private reject(why: string): undefined {
    this.stats.misses++;
    this.stats.note ??= why;
    return undefined;
  }

  /**
   * Read the index of the pack: from the index file (see `readIndex`) as far as it covers the pack,
   * then the record headers after that. A header that does not parse (a torn append, junk) ends the
   * walk: what follows is unreachable and treated as absent.
   */
  private load(): Map<string, Slot> {
    if (this.index) return this.index;
    this.index = new Map();
    let fd: number;
    try {
      fd = openPack(this.packFile, 'read');
    } catch {
      return this.index;
    }
    try {
      const st = fs.fstatSync(fd);
      const total = st.size;
      let at = this.readIndex(st);
      this.unindexed = at < 0 ? -1 : 0;
      if (at < 0) at = 0;
      // headers are read through the window: a hundred reads for a pack of 12,000 records
      while (at + HEADER_BYTES <= total) {
        const head = this.windowed(fd, at, HEADER_BYTES);
        if (!head || !head.subarray(0, MAGIC.length).equals(MAGIC)) break;
        const length = head.readUInt32LE(MAGIC.length + KEY_BYTES);
        const payload = at + HEADER_BYTES;
        if (payload + length > total) break;
        const key = head.subarray(MAGIC.length, MAGIC.length + KEY_BYTES).toString('hex');
        const old = this.index.get(key);
        if (old) this.superseded += HEADER_BYTES + old.length;
        this.index.set(key, { at, payload, length });
        if (this.unindexed >= 0) this.unindexed++;
        at = payload + length;
      }
      this.size = at;
      if (at < total) {
        this.stats.note ??= 'the pack ends in a torn or foreign record; it is ignored from there';
        // appending after junk would make the new records unreachable: start from a clean tail
        this.superseded += total - at;
        this.size = total;
        this.tornTail = true;
      }
    } catch (e) {
      this.stats.note ??= `cache not readable: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
    } finally {
      fs.closeSync(fd);
    }
    return this.index;
  }

  /**
   * The index file, `<bucket>/index`: magic, MAC (over the salt and the bytes, as the state's), then
   * the pack it was made for (inode and device; appends keep them, a rewrite renames a new pack in),
   * how many bytes of it it covers, the bytes of superseded records in them, and each key's newest
   * record there. A changed-files run needs a few dozen records, and finding them by their headers
   * read every byte of a 137 MB pack (the headers are spread over it): 15 ms of a pre-commit hook.
   * Fills `index` and returns the bytes covered, or -1 when there is no index for this pack (absent,
   * foreign, damaged, or not fitting the pack): the headers are then read from the start.
   */
  private readIndex(pack: fs.Stats): number {
    const body = this.readSealed('index', INDEX_MAGIC);
    if (!body) return -1;
    try {
      const x = v8.deserialize(body) as Partial<PackIndex>;
      const n = x.at?.length ?? -1;
      if (
        x.ino !== pack.ino ||
        x.dev !== pack.dev ||
        typeof x.size !== 'number' ||
        x.size > pack.size ||
        typeof x.superseded !== 'number' ||
        !(x.at instanceof Float64Array) ||
        !(x.length instanceof Uint32Array) ||
        x.length.length !== n ||
        !(x.keys instanceof Uint8Array) ||
        x.keys.length !== n * KEY_BYTES
      )
        return -1;
      const hex = Buffer.from(x.keys.buffer, x.keys.byteOffset, x.keys.byteLength).toString('hex');
      for (let i = 0; i < n; i++) {
        const at = x.at[i];
        if (!Number.isInteger(at) || at < 0 || at + HEADER_BYTES + x.length[i] > x.size) {
          this.index!.clear();
          return -1;
        }
        this.index!.set(hex.slice(i * KEY_BYTES * 2, (i + 1) * KEY_BYTES * 2), { at, payload: at + HEADER_BYTES, length: x.length[i] });
      }
      this.superseded = x.superseded;
      return x.size;
    } catch {
      this.index!.clear();
      return -1;
    }
  }

  /** Whether the pack holds, at `slot`, a header for `key` with the slot's length. */
  private headerAt(slot: Slot, key: string): boolean {
    try {
      const head = this.readRange(slot.at, HEADER_BYTES, false);
      return (
        !!head &&
        head.subarray(0, MAGIC.length).equals(MAGIC) &&
        head.subarray(MAGIC.length, MAGIC.length + KEY_BYTES).toString('hex') === key &&
        head.readUInt32LE(MAGIC.length + KEY_BYTES) === slot.length
      );
    } catch {
      return false;
    }
  }

  /** Remove the index file and write none this scan (a record it may have pointed to was not there). */
  private dropIndex(): void {
    this.indexDropped = true;
    try {
      if (!notPlain(path.join(this.bucket, 'index'), 'file')) fs.rmSync(path.join(this.bucket, 'index'), { force: true });
    } catch {
      /* a cache that cannot be written only loses time */
    }
  }

  /**
   * Write the index file when it is missing, not to be trusted, or INDEX_LAG records behind the
   * pack (a temporary file, then a rename). A pack that cannot be indexed only loses the index.
   */
  private writeIndex(): void {
    if (!this.index || !this.storing || this.indexDropped || (this.unindexed >= 0 && this.unindexed < INDEX_LAG)) return;
    let fd: number | undefined;
    try {
      if (this.tornTail) return;
      fd = openPack(this.packFile, 'read');
      const st = fs.fstatSync(fd);
      fs.closeSync(fd);
      fd = undefined;
      // another scan appended meanwhile (our records then sit after its, not where we put them):
      // no index this time, the next scan reads the headers and writes one
      if (st.size !== this.size) return;
      const n = this.index.size;
      const x: PackIndex = { ino: st.ino, dev: st.dev, size: this.size, superseded: this.superseded, keys: new Uint8Array(n * KEY_BYTES), at: new Float64Array(n), length: new Uint32Array(n) };
      const keys = Buffer.from(x.keys.buffer);
      let i = 0;
      for (const [key, slot] of this.index) {
        keys.write(key, i * KEY_BYTES, KEY_BYTES, 'hex');
        x.at[i] = slot.at;
        x.length[i++] = slot.length;
      }
      if (this.writeSealed('index', INDEX_MAGIC, v8.serialize(x))) this.unindexed = 0;
    } catch (e) {
      this.stats.note ??= `cache index not written: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  /**
   * A file of ours beside the pack (the scan state, the index): its magic, a MAC over its name, the
   * salt and its bytes, then the bytes. The bytes, or undefined when it is absent, not a regular
   * file (a link or a FIFO the repository planted is not followed or waited on), over
   * MAX_SEALED_BYTES, foreign or corrupt.
   */
  private readSealed(name: string, magic: Buffer): Buffer | undefined {
    if (!this.secret) return undefined;
    let fd: number | undefined;
    try {
      fd = openPack(path.join(this.bucket, name), 'read');
      const size = fs.fstatSync(fd).size;
      if (size < magic.length + MAC_BYTES || size > MAX_SEALED_BYTES) return undefined;
      const all = readExactly(fd, 0, size);
      if (!all || !all.subarray(0, magic.length).equals(magic)) return undefined;
      const mac = all.subarray(magic.length, magic.length + MAC_BYTES);
      const body = all.subarray(magic.length + MAC_BYTES);
      return timingSafeEqual(mac, this.mac(`${name}\u0000${this.salt}`, body)) ? body : undefined;
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  /**
   * Replace a file `readSealed` reads (a temporary file, then a rename: a reader sees the old one or
   * the new one). False when it is not ours to write (a link or other special file is there, or the
   * bytes are over MAX_SEALED_BYTES); throws when writing fails, after removing the temporary file.
   */
  private writeSealed(name: string, magic: Buffer, body: Uint8Array): boolean {
    const file = path.join(this.bucket, name);
    if (body.length > MAX_SEALED_BYTES || notPlain(file, 'file')) return false;
    const tmp = `${file}.${process.pid}.tmp`;
    let out: number | undefined;
    try {
      out = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
      fs.writeSync(out, Buffer.concat([magic, this.mac(`${name}\u0000${this.salt}`, body), body]));
      fs.closeSync(out);
      out = undefined;
      fs.renameSync(tmp, file);
      return true;
    } catch (e) {
      if (out !== undefined) fs.closeSync(out);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }

  /** The cached parse for a key, if present and authentic; `validDeps` checks the recorded dependencies. */
  get(key: string, validDeps: (deps: [string, string][]) => boolean): CachedParse | undefined {
    return this.decoded(key, validDeps)?.entry;
  }

  /**
   * The cached parse for a key, read lazily when `lazyIf` says so of its documents' headers: then
   * only its summary is decoded, and `body()` reads the record again when a document is first
   * opened. The pack's descriptor then stays open until `release()`, so those reads see the same
   * file even if another scan compacts the pack (which writes a new file and renames it over the
   * old one), and their MAC is checked again. Otherwise the entry is decoded whole, from the bytes
   * just read and authenticated.
   */
  getLazy(
    key: string,
    validDeps: (deps: [string, string][]) => boolean,
    lazyIf: (headers: readonly DocumentHeader[]) => boolean,
  ): { lazy: LazyParse } | { entry: CachedParse } | undefined {
    const hit = this.decoded(key, validDeps, lazyIf);
    if (!hit) return undefined;
    if (hit.entry) return { entry: hit.entry };
    this.lazyReads = true;
    return { lazy: { ...hit.summary!, body: () => this.rereadBody(key, hit.bodyAt) } };
  }

  /**
   * A key's authentic payload, decoded — its summary when `lazyIf` is given, and its body unless
   * `lazyIf` accepts the summary's headers — of the expected shape and with its recorded
   * dependencies unchanged: a hit; anything else is counted as a miss.
   */
  private decoded(
    key: string,
    validDeps: (deps: [string, string][]) => boolean,
    lazyIf?: (headers: readonly DocumentHeader[]) => boolean,
  ): { summary?: CachedSummary; entry?: CachedParse; bodyAt: number } | undefined {
    const payload = this.payloadOf(key);
    if (!payload) return undefined;
    const parts = payloadParts(payload);
    let summary: unknown;
    let entry: unknown;
    try {
      if (lazyIf) {
        summary = v8.deserialize(parts.summary);
        if (!looksLikeSummary(summary)) return this.reject('an entry had an unexpected shape');
      }
      if (!summary || !lazyIf!((summary as CachedSummary).headers)) {
        summary = undefined;
        entry = v8.deserialize(parts.body);
        if (!looksLikeEntry(entry)) return this.reject('an entry had an unexpected shape');
      }
    } catch {
      return this.reject('an entry could not be decoded');
    }
    if (!validDeps(((summary ?? entry) as CachedSummary).deps)) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return { summary: summary as CachedSummary | undefined, entry: entry as CachedParse | undefined, bodyAt: parts.bodyAt };
  }

  /**
   * A lazily read record's body, read once more (one pread, not through the window) and
   * authenticated again. The record is looked up again: this scan's own compaction may have moved it.
   */
  private rereadBody(key: string, bodyAt: number): Buffer {
    const slot = this.load().get(key);
    if (!slot) throw new Error('parse cache: a record read lazily is gone');
    const payload = this.authentic(key, slot, false);
    if (payload === 'unreadable') throw new Error('parse cache: a record read lazily could not be read again');
    if (payload === 'forged') throw new Error('parse cache: a record read lazily failed authentication when read again');
    return payload.subarray(bodyAt);
  }

  /** Count a key as used by this scan without reading its record (a file the scan left unread): `prune` keeps it. */
  keep(key: string): void {
    this.used.add(key);
  }

  /** The authentic payload of a key's newest record (valid until the next read), or undefined (a miss). */
  private payloadOf(key: string): Buffer | undefined {
    this.used.add(key);
    if (!this.secret) return this.reject('cache off');
    const slot = this.load().get(key);
    if (!slot) {
      this.stats.misses++;
      return undefined;
    }
    let payload: Buffer | 'unreadable' | 'forged';
    try {
      payload = this.authentic(key, slot, true);
    } catch {
      payload = 'unreadable';
    }
    // the index file may be what sent us to a record that is not there (the header there is not
    // this key's): then the next scan reads the headers instead
    if ((payload === 'unreadable' || payload === 'forged') && !this.headerAt(slot, key)) this.dropIndex();
    if (payload === 'unreadable') return this.reject('an entry could not be read');
    if (payload === 'forged') return this.reject('an entry failed authentication (foreign or corrupt)');
    if (payload.length < 4 || 4 + payload.readUInt32LE(0) > payload.length) return this.reject('an entry could not be decoded');
    return payload;
  }

  /**
   * A record's payload with its MAC checked, read through the window (valid until the next read)
   * or with a read of its own; 'unreadable' or 'forged' when it cannot be had.
   */
  private authentic(key: string, slot: Slot, throughWindow: boolean): Buffer | 'unreadable' | 'forged' {
    // the MAC sits right before the payload: one read for both
    const rec = this.readRange(slot.payload - MAC_BYTES, MAC_BYTES + slot.length, throughWindow);
    if (!rec) return 'unreadable';
    const payload = rec.subarray(MAC_BYTES);
    return timingSafeEqual(rec.subarray(0, MAC_BYTES), this.mac(key, payload)) ? payload : 'forged';
  }

  /**
   * `length` bytes of the pack from `at`. A warm scan asks for records in about the order they
   * were written, so reads go through a 1 MiB window: a hundred reads instead of one per record;
   * those bytes are only valid until the next call. A lazily read record is re-read out of order,
   * with a read of its own (`throughWindow` false), which leaves the window alone.
   */
  private readRange(at: number, length: number, throughWindow = true): Buffer | undefined {
    this.flush();
    if (this.released) {
      // a lazily read document opened after the scan (a library caller reading the model): a
      // descriptor of its own, closed again, so nothing is left open
      const fd = openPack(this.packFile, 'read');
      try {
        return readExactly(fd, at, length);
      } finally {
        fs.closeSync(fd);
      }
    }
    const fd = (this.fd ??= openPack(this.packFile, this.writable ? 'append' : 'read'));
    return throughWindow ? this.windowed(fd, at, length) : readExactly(fd, at, length);
  }

  /**
   * `length` bytes of the pack at `at` through `fd`, from the window when it holds them. A read
   * that does not follow on from the last one (a changed-files run reads a few records scattered
   * over the pack) reads its record alone: a window of 1 MiB for each of them copied 30 MB to read
   * 33 records.
   */
  private windowed(fd: number, at: number, length: number): Buffer | undefined {
    const follows = at >= this.lastEnd && at < this.lastEnd + READ_WINDOW;
    this.lastEnd = at + length;
    if (at >= this.windowAt && at + length <= this.windowAt + this.windowLen) return this.window.subarray(at - this.windowAt, at - this.windowAt + length);
    if (length > READ_WINDOW || !follows) return readExactly(fd, at, length);
    if (this.window.length < READ_WINDOW) this.window = Buffer.allocUnsafe(READ_WINDOW);
    this.windowAt = at;
    this.windowLen = fs.readSync(fd, this.window, 0, READ_WINDOW, at);
    return this.windowLen >= length ? this.window.subarray(0, length) : undefined;
  }

  /**
   * Store a parse result with its documents' facts (see `summaryOf`). Call before anything (the
   * link phase) mutates the documents.
   */
  put(key: string, entry: CachedParse, facts: (doc: Document) => unknown = () => null): void {
    if (!this.storing) return;
    this.putPayload(key, encodePayload(summaryOf(entry, facts), v8.serialize(entry)));
  }

  /** Whether `put` stores anything (a cache that cannot be written, or has no secret, only reads or is off). */
  get storing(): boolean {
    return this.writable && !!this.secret;
  }

  /** Store an encoded payload (`encodePayload`; what a parse worker returns): one append to the pack. */
  putPayload(key: string, payload: Uint8Array): void {
    if (!this.storing) return;
    if (this.tornTail) {
      // rewrite what is reachable first, so new records follow a clean record boundary
      this.tornTail = false;
      this.compact(new Set(this.load().keys()));
    }
    // (after compacting, which replaces the index)
    const index = this.load();
    const head = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(head, 0);
    head.write(key, MAGIC.length, KEY_BYTES, 'hex');
    head.writeUInt32LE(payload.length, MAGIC.length + KEY_BYTES);
    this.mac(key, payload).copy(head, MAGIC.length + KEY_BYTES + 4);
    const at = this.size;
    const old = index.get(key);
    if (old) this.superseded += HEADER_BYTES + old.length;
    index.set(key, { at, payload: at + HEADER_BYTES, length: payload.length });
    this.size = at + HEADER_BYTES + payload.length;
    this.pending.push(head, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    this.pendingBytes += HEADER_BYTES + payload.length;
    if (this.unindexed >= 0) this.unindexed++;
    this.pendingKeys.push(key);
    if (this.pendingBytes >= WRITE_BATCH) this.flush();
  }

  /**
   * Append the pending records: whole records only, in one `write` of up to about a mebibyte, so
   * O_APPEND keeps concurrent writers' records whole and a first scan of ten thousand files makes a
   * hundred writes, not ten thousand. A failed write switches writing off and forgets the records.
   */
  private flush(): void {
    if (!this.pending.length) return;
    const batch = Buffer.concat(this.pending, this.pendingBytes);
    const keys = this.pendingKeys;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingKeys = [];
    try {
      const fd = (this.fd ??= openPack(this.packFile, 'append'));
      fs.writeSync(fd, batch);
      this.stats.written += keys.length;
    } catch (e) {
      this.writable = false;
      this.stats.note ??= `cache not written: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
      for (const k of keys) this.index?.delete(k);
      this.size -= batch.length;
    }
  }

  /**
   * After a whole-tree scan: drop the directories of other parser salts for the same root, and
   * rewrite the pack without the entries this scan did not use once they (with superseded
   * records) are a quarter of it. Only call when every file under the root was looked up.
   */
  prune(): void {
    this.flush();
    if (!this.writable) return;
    try {
      const dir = path.dirname(this.bucket);
      const mine = path.basename(this.bucket);
      const rootTag = mine.slice(mine.indexOf('-') + 1);
      for (const d of fs.readdirSync(dir)) {
        if (d !== mine && d.endsWith(`-${rootTag}`) && /^[0-9a-f]{16}-[0-9a-f]{8}$/.test(d)) {
          fs.rmSync(path.join(dir, d), { recursive: true, force: true });
        }
      }
      const index = this.load();
      let dead = this.superseded;
      for (const [key, slot] of index) if (!this.used.has(key)) dead += HEADER_BYTES + slot.length;
      if (dead > 0 && dead * 4 >= this.size) this.compact(this.used);
    } catch (e) {
      this.stats.note ??= `cache not pruned: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
    }
  }

  /** Rewrite the pack with only the records of `keep` (temporary file, then rename). */
  private compact(keep: ReadonlySet<string>): void {
    this.flush();
    const index = this.load();
    const tmp = `${this.packFile}.${process.pid}.tmp`;
    let out: number | undefined;
    let src: number | undefined;
    try {
      src = openPack(this.packFile, 'read');
      out = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
      const next = new Map<string, Slot>();
      let at = 0;
      for (const [key, slot] of index) {
        if (!keep.has(key)) {
          this.stats.pruned++;
          continue;
        }
        const rec = Buffer.allocUnsafe(HEADER_BYTES + slot.length);
        if (fs.readSync(src, rec, 0, rec.length, slot.at) !== rec.length) continue;
        fs.writeSync(out, rec);
        next.set(key, { at, payload: at + HEADER_BYTES, length: slot.length });
        at += rec.length;
      }
      fs.closeSync(out);
      out = undefined;
      fs.renameSync(tmp, this.packFile);
      if (this.fd !== undefined) fs.closeSync(this.fd);
      this.fd = undefined;
      this.index = next;
      this.size = at;
      this.superseded = 0;
      this.windowLen = 0;
      this.unindexed = -1;
    } catch (e) {
      this.stats.note ??= `cache not compacted: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
      if (out !== undefined) fs.closeSync(out);
      fs.rmSync(tmp, { force: true });
    } finally {
      if (src !== undefined) fs.closeSync(src);
    }
  }

  /**
   * The scan state (see scan-state.ts): a small file beside the pack, authenticated like its
   * records (magic, MAC over the salt and the bytes, bytes). Undefined when absent, unreadable,
   * foreign or corrupt: a state that is not ours is never trusted, only ignored.
   */
  readState(): Buffer | undefined {
    return this.readSealed('state', STATE_MAGIC);
  }

  /** Replace the scan state (a temporary file, then a rename): a reader sees the old state or the new one. */
  writeState(body: Uint8Array): void {
    if (!this.writable || !this.secret) return;
    try {
      this.writeSealed('state', STATE_MAGIC, body);
    } catch (e) {
      this.stats.note ??= `scan state not written: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
    }
  }

  /** Write what is pending; close the pack unless records read lazily may still be opened (see `release`). */
  close(): void {
    this.flush();
    this.writeIndex();
    if (!this.lazyReads) this.release();
  }

  /** Close the pack for good (the end of the scan); a later lazy read opens and closes its own descriptor. */
  release(): void {
    this.flush();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.released = true;
  }
}
