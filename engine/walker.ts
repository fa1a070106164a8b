/**
 * Finding the files of a scan.
 *
 * A hand-written walk rather than a glob library: every odd entry (a symlink loop, a link out of
 * the root, an unreadable directory) must become a diagnostic with its path, and `.gitignore`
 * files must be honoured per directory the way git does. Matching uses picomatch (include/exclude
 * globs) and ignore (gitignore semantics).
 *
 * The walk uses synchronous fs calls: on a local disk each call is microseconds, while an awaited
 * promise per directory entry costs a thread-pool round trip (the async walk of a 10,000-file tree
 * was 2 s of mostly idle time; the synchronous one is a tenth of that). A directory's real path is
 * its parent's real path plus its name unless it is a symbolic link, so realpath is called only for
 * links, and `.gitignore` is read only where the listing shows one. A caller may list directories
 * its own way (`listDir`: the scan state gives back the listing of a directory unchanged since the
 * last scan, engine/scan-state.ts); filtering is the same either way.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import type { Diagnostic } from './model.js';

/** Directories never worth scanning: VCS metadata, dependency and tool caches. */
export const DEFAULT_EXCLUDES = ['**/.git/**', '**/node_modules/**', '**/.terraform/**', '**/.faultline-cache/**'];
/** The names of `DEFAULT_EXCLUDES`: an entry of one of these names is not scanned, nor anything under it. */
const DEFAULT_EXCLUDED_NAMES: ReadonlySet<string> = new Set(DEFAULT_EXCLUDES.map((g) => /^\*\*\/([^/*]+)\/\*\*$/.exec(g)![1]));

/** What a directory entry is: `ENTRY_FILE`, `ENTRY_DIR`, `ENTRY_LINK`, or 0 for anything else. */
export const ENTRY_FILE = 1;
export const ENTRY_DIR = 2;
export const ENTRY_LINK = 3;

/**
 * A directory's entries, sorted by name (UTF-16 code units), with what each is: `names[from..to]`
 * and `types[from..to]` (a stored listing is a stretch of the state's columns, not a copy).
 */
export interface DirEntries {
  names: readonly string[];
  types: ArrayLike<number>;
  from: number;
  to: number;
}

/** A directory's entries as `readdir` gives them (throws as it does). */
export function readDir(absDir: string): DirEntries {
  const ents = fs.readdirSync(absDir, { withFileTypes: true });
  ents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const types = new Uint8Array(ents.length);
  ents.forEach((e, i) => (types[i] = e.isSymbolicLink() ? ENTRY_LINK : e.isDirectory() ? ENTRY_DIR : e.isFile() ? ENTRY_FILE : 0));
  return { names: ents.map((e) => e.name), types, from: 0, to: ents.length };
}

export interface WalkOptions {
  /** Absolute scan root; all paths are reported relative to it. */
  root: string;
  /** Absolute files or directories to scan (inside the root). */
  targets: string[];
  include: string[];
  exclude: string[];
  gitignore: boolean;
  /** Lists a directory (`absDir`, `rel` from the root) instead of `readDir`; throws as it does. */
  listDir?: (absDir: string, rel: string) => DirEntries;
}

export interface WalkedFile {
  /** Repo-relative POSIX path. */
  path: string;
  absPath: string;
}

export interface WalkResult {
  files: WalkedFile[];
  diagnostics: Diagnostic[];
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * A directory entry's path: the directory's and the entry's name (which holds no separator), joined
 * without `path.join`'s normalisation, which was a tenth of a 10,000-file walk.
 */
function child(dir: string, name: string): string {
  return dir.endsWith(path.sep) ? dir + name : dir + path.sep + name;
}

export async function walk(opts: WalkOptions): Promise<WalkResult> {
  const files: WalkedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const seenFiles = new Set<string>();
  const realRoot = fs.realpathSync(opts.root);
  const includeMatch = opts.include.length ? picomatch(opts.include, { dot: true }) : () => true;
  const excludeMatch = picomatch([...DEFAULT_EXCLUDES, ...opts.exclude], { dot: true });
  const userExcludeMatch = opts.exclude.length ? picomatch(opts.exclude, { dot: true }) : undefined;
  /**
   * Whether an entry is excluded (`rel`, or `rel/` as a directory). Below a directory that was not
   * excluded, a default exclude (any path through a directory of one of `DEFAULT_EXCLUDED_NAMES`)
   * can only match the entry's own name, so only user globs need picomatch there (its tests were a
   * tenth of a 10,000-file walk).
   */
  const excluded = (rel: string, name: string | undefined): boolean => {
    if (name === undefined) return excludeMatch(rel) || excludeMatch(rel + '/');
    if (DEFAULT_EXCLUDED_NAMES.has(name)) return true;
    return !!userExcludeMatch && (userExcludeMatch(rel) || userExcludeMatch(rel + '/'));
  };
  // gitignore matchers by the directory (repo-relative) that holds the .gitignore
  const gitignores: { dir: string; ig: Ignore }[] = [];

  const ignoredByGit = (rel: string, isDir: boolean): boolean => {
    for (const { dir, ig } of gitignores) {
      if (dir && !(rel === dir || rel.startsWith(dir + '/'))) continue;
      const sub = dir ? rel.slice(dir.length + 1) : rel;
      if (!sub) continue;
      if (ig.ignores(isDir ? sub + '/' : sub)) return true;
    }
    return false;
  };

  const loadGitignore = (absDir: string, rel: string): void => {
    if (!opts.gitignore || gitignores.some((g) => g.dir === rel)) return;
    try {
      const text = fs.readFileSync(path.join(absDir, '.gitignore'), 'utf8');
      gitignores.push({ dir: rel, ig: ignore().add(text) });
    } catch {
      /* no .gitignore here */
    }
  };

  const diag = (code: Diagnostic['code'], file: string, message: string, severity: Diagnostic['severity'] = 'warning') =>
    diagnostics.push({ severity, code, file, message });

  // Walk a directory whose real path is `realDir`; `realAncestors` holds the real paths of the
  // directories on the current path (realDir included), so a symlink back to one of them is
  // reported as a loop instead of followed forever.
  const walkDir = (absDir: string, rel: string, realDir: string, realAncestors: Set<string>): void => {
    let entries: DirEntries;
    try {
      entries = opts.listDir ? opts.listDir(absDir, rel) : readDir(absDir);
    } catch (e) {
      diag('unreadable', rel || '.', `directory cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      return;
    }
    const { names, types, from, to } = entries;
    for (let i = from; i < to; i++) if (names[i] === '.gitignore') loadGitignore(absDir, rel);
    for (let i = from; i < to; i++) {
      const name = names[i];
      const type = types[i];
      // (a real path is only needed of a directory)
      visit(child(absDir, name), rel ? `${rel}/${name}` : name, type === ENTRY_DIR ? child(realDir, name) : '', type === ENTRY_LINK, type === ENTRY_DIR, type === ENTRY_FILE, realAncestors, name);
    }
  };

  /**
   * Walk a directory with its real path among the ancestors', for as long as the walk is below it
   * (the walk is depth first: one set, added to and taken from, not a copy per directory).
   */
  const below = (abs: string, rel: string, real: string, realAncestors: Set<string>): void => {
    const added = !realAncestors.has(real);
    if (added) realAncestors.add(real);
    walkDir(abs, rel, real, realAncestors);
    if (added) realAncestors.delete(real);
  };

  const visit = (
    abs: string,
    rel: string,
    /** The real path of a directory that is not a link (its parent's real path + its name). */
    realIfNotLink: string,
    isLink: boolean,
    isDir: boolean,
    isFile: boolean,
    realAncestors: Set<string>,
    /** The entry's name when it is visited from its directory's listing (its parents were not excluded). */
    name?: string,
  ): void => {
    if (excluded(rel, name)) return;
    if (isLink) {
      let real: string;
      try {
        real = fs.realpathSync(abs);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') diag('symlink-loop', rel, 'symbolic link loop; not followed');
        else diag('unreadable', rel, `broken symbolic link (${code ?? 'error'}); not followed`, 'info');
        return;
      }
      if (!isInside(realRoot, real)) {
        diag('symlink-outside-root', rel, `symbolic link points outside the scan root (${toPosix(path.relative(realRoot, real))}); not followed`);
        return;
      }
      let st: fs.Stats;
      try {
        st = fs.statSync(abs);
      } catch (e) {
        diag('unreadable', rel, `cannot stat: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        return;
      }
      if (st.isDirectory()) {
        if (realAncestors.has(real)) {
          diag('symlink-loop', rel, 'symbolic link to one of its own parent directories; not followed');
          return;
        }
        if (opts.gitignore && ignoredByGit(rel, true)) return;
        below(abs, rel, real, realAncestors);
        return;
      }
      if (st.isFile()) addFile(abs, rel);
      return;
    }
    if (isDir) {
      if (opts.gitignore && ignoredByGit(rel, true)) return;
      below(abs, rel, realIfNotLink, realAncestors);
      return;
    }
    if (isFile) addFile(abs, rel);
  };

  const addFile = (abs: string, rel: string): void => {
    if (!includeMatch(rel)) return;
    if (opts.gitignore && ignoredByGit(rel, false)) return;
    // the same path twice only from two targets that overlap
    if (opts.targets.length > 1) {
      if (seenFiles.has(rel)) return;
      seenFiles.add(rel);
    }
    files.push({ path: rel, absPath: abs });
  };

  for (const target of opts.targets) {
    const rel = toPosix(path.relative(opts.root, target));
    let st: fs.Stats;
    try {
      st = fs.lstatSync(target);
    } catch (e) {
      diag('unreadable', rel || '.', `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'error');
      continue;
    }
    // .gitignore files of the directories above a target still apply to it
    if (opts.gitignore && rel) {
      const parts = rel.split('/');
      for (let i = 0; i < parts.length; i++) {
        const dirRel = parts.slice(0, i).join('/');
        loadGitignore(path.join(opts.root, dirRel), dirRel);
      }
    }
    if (rel === '') walkDir(target, '', realRoot, new Set([realRoot]));
    else {
      let real = target;
      try {
        real = fs.realpathSync(target);
      } catch {
        /* a broken link: visit reports it */
      }
      visit(target, rel, real, st.isSymbolicLink(), st.isDirectory(), st.isFile(), new Set([realRoot]));
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, diagnostics };
}
