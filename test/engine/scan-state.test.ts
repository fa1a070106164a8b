/**
 * The scan state (engine/scan-state.ts): unchanged files are taken from their stored entry without
 * being read, a file is trusted only once its stamp is old enough, and a state that is not ours
 * (tampered, planted as a link) is ignored, never trusted. That warm runs report exactly what cold
 * ones do over sequences of commits is the differential oracle's job (differential.test.ts).
 */
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { EngineOutput } from '../../engine/engine.js';
import { ScanState } from '../../engine/scan-state.js';
import { keyHash } from '../../engine/facts/kubernetes-links.js';
import { makeSourceFile } from '../../engine/source.js';
import { decode } from '../../engine/read.js';
import { comparable, scanTree, tempDir, useCacheSecret } from '../helpers/cache.js';

const repo = path.resolve(import.meta.dirname, '..', '..');
const tmp = tempDir('faultline-state-');
useCacheSecret('test-secret-scan-state-0123456789abcdef');

let n = 0;
/** Stamps written now are older than a scan started after this (the racy window set to 0). */
const tick = () => new Promise((r) => setTimeout(r, 5));

/**
 * A copy of the example fleet, and a cache directory for it. Returned a few milliseconds after the
 * copy, so that a scan with the racy window set to 0 trusts every stamp in it (a stamp taken in the
 * millisecond a scan starts is not).
 */
async function fleet(): Promise<{ root: string; cacheDir: string }> {
  const root = path.join(tmp, `fleet-${n++}`);
  cpSync(path.join(repo, 'fixtures', 'example-fleet'), root, { recursive: true });
  await tick();
  return { root, cacheDir: path.join(tmp, `cache-${n++}`) };
}

function scan(root: string, cacheDir?: string, opts: { changed?: string[]; racyWindowMs?: number } = {}): Promise<EngineOutput> {
  return scanTree(root, { cacheDir, ...opts });
}

/** The state file of a cache directory (one bucket per root and parser salt). */
function stateFile(cacheDir: string): string {
  const bucket = readdirSync(cacheDir).find((d) => /^[0-9a-f]{16}-[0-9a-f]{8}$/.test(d))!;
  return path.join(cacheDir, bucket, 'state');
}

const fileCount = (root: string): number =>
  readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
/** The root and every directory under it. */
const dirCount = (root: string): number => 1 + readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isDirectory()).length;

describe('scan state', () => {
  it('a warm run takes every unchanged file from its entry, reads none of them unless a report needs its text, and reports what a cold run does', async () => {
    const { root, cacheDir } = await fleet();
    const cold = await scan(root);
    const first = await scan(root, cacheDir, { racyWindowMs: 0 });
    expect(first.state).toEqual({ fileHits: 0, dirHits: 0, textReads: 0, unread: 0 });
    expect(existsSync(stateFile(cacheDir))).toBe(true);

    const warm = await scan(root, cacheDir, { racyWindowMs: 0 });
    expect(comparable(warm)).toEqual(comparable(cold));
    // every walked file (the README and faultline.yaml too: known as claimed by no scanner, or by one)
    expect(warm.state!.fileHits).toBe(fileCount(root));
    expect(warm.state!.dirHits).toBe(dirCount(root));
    // a whole-tree report has snippets: the files with findings (and only those) were read for them
    const withLocations = new Set(warm.result.findings.flatMap((f) => [f.location.path, ...f.related.map((r) => r.path), ...(f.suppression?.location ? [f.suppression.location.path] : [])]));
    for (const d of [...warm.model.ofFormat('terraform'), ...warm.model.ofFormat('packer')]) {
      withLocations.add(d.file);
      for (const r of d.model.references ?? []) withLocations.add(r.path);
    }
    expect(warm.state!.textReads).toBeGreaterThan(0);
    expect(warm.state!.textReads).toBeLessThanOrEqual(withLocations.size);

    // the pre-commit hook: one file edited, the rest known and, except what the report quotes, never read
    const edited = 'regions/us1/main.tf';
    writeFileSync(path.join(root, edited), `${readFileSync(path.join(root, edited), 'utf8')}\n# edited\n`);
    const hook = await scan(root, cacheDir, { changed: [edited], racyWindowMs: 0 });
    expect(comparable(hook)).toEqual(comparable(await scan(root, undefined, { changed: [edited] })));
    expect(hook.state!.fileHits).toBe(fileCount(root) - 1);
    // read: the files the report quotes, and what linking reads every run (Packer scripts,
    // templatefile() targets, an HCL file's own text where it quotes itself verbatim); the rest
    // of the tree is known and never opened
    const quoted = new Set(hook.result.findings.flatMap((f) => [f.location.path, ...f.related.map((r) => r.path)]));
    for (const d of [...hook.model.ofFormat('terraform'), ...hook.model.ofFormat('packer')]) {
      quoted.add(d.file);
      for (const r of d.model.references ?? []) quoted.add(r.path);
    }
    quoted.delete(edited);
    expect(hook.state!.textReads).toBeGreaterThan(0);
    expect(hook.state!.textReads).toBeLessThanOrEqual(quoted.size);
    expect(hook.state!.textReads).toBeLessThan(fileCount(root) / 2);
  });

  it('does not trust a stamp taken within the racy window: files written just before a scan are read again by the next one', async () => {
    const { root, cacheDir } = await fleet();
    await scan(root, cacheDir);
    const next = await scan(root, cacheDir);
    // the fixture was copied moments ago: every stamp is younger than two seconds
    expect(next.state!.fileHits).toBe(0);
    const trusted = await scan(root, cacheDir, { racyWindowMs: 0 });
    expect(trusted.state!.fileHits).toBe(0); // the state written by a run that trusted nothing
    expect((await scan(root, cacheDir, { racyWindowMs: 0 })).state!.fileHits).toBe(fileCount(root));
  });

  it('lists a directory again only when its stamp changed: added, removed and renamed entries are seen, edits in place need no listing', async () => {
    const { root, cacheDir } = await fleet();
    await scan(root, cacheDir, { racyWindowMs: 0 });
    const dirs = dirCount(root);
    // an edit in place leaves its directory's stamp alone
    const edited = 'regions/us1/main.tf';
    writeFileSync(path.join(root, edited), `${readFileSync(path.join(root, edited), 'utf8')}\n# edited\n`);
    await tick();
    const inPlace = await scan(root, cacheDir, { changed: [edited], racyWindowMs: 0 });
    expect(inPlace.state!.dirHits).toBe(dirs);
    // a new file (with a hazard), a file removed, a directory renamed: three directories changed
    writeFileSync(path.join(root, 'regions/eu1/user-data.yaml'), '#cloud-config\npackage_upgrade: true\n');
    rmSync(path.join(root, 'k8s/usage-estimation/router.yaml'));
    renameSync(path.join(root, 'images/ubuntu-node/scripts'), path.join(root, 'images/ubuntu-node/provision'));
    await tick();
    const after = await scan(root, cacheDir, { racyWindowMs: 0 });
    // regions/eu1, k8s/usage-estimation and images/ubuntu-node were listed again; the renamed
    // directory is new to the state (its stamp is the old one, under another path)
    expect(after.state!.dirHits).toBe(dirs - 4);
    expect(comparable(after)).toEqual(comparable(await scan(root)));
    expect(after.result.findings.some((f) => f.location.path === 'regions/eu1/user-data.yaml')).toBe(true);
    expect((await scan(root, cacheDir, { racyWindowMs: 0 })).state!.dirHits).toBe(dirs);
  });

  it('is rewritten only when a scan recorded a file: a run that read nothing new leaves it as it was', async () => {
    const { root, cacheDir } = await fleet();
    await scan(root, cacheDir, { racyWindowMs: 0 });
    // a rewrite is a new file renamed into place: a new inode
    const written = () => statSync(stateFile(cacheDir)).ino;
    const first = written();
    const unchanged = await scan(root, cacheDir, { racyWindowMs: 0 });
    expect(unchanged.state!.fileHits).toBe(fileCount(root));
    expect(written()).toBe(first);

    // with the default window every stamp here is too fresh: files are read, none recorded, the state kept
    const edited = 'regions/eu1/main.tf';
    writeFileSync(path.join(root, edited), `${readFileSync(path.join(root, edited), 'utf8')}\n# edited\n`);
    const fresh = await scan(root, cacheDir, { changed: [edited] });
    expect(fresh.state!.fileHits).toBe(0);
    expect(written()).toBe(first);
    // trusted at once: the edited file's old entry no longer matches, it is read and recorded, and the state rewritten
    const again = await scan(root, cacheDir, { changed: [edited], racyWindowMs: 0 });
    expect(again.state!.fileHits).toBe(fileCount(root) - 1);
    expect(comparable(again)).toEqual(comparable(await scan(root, undefined, { changed: [edited] })));
    expect(written()).not.toBe(first);
    expect((await scan(root, cacheDir, { racyWindowMs: 0 })).state!.fileHits).toBe(fileCount(root));
  });

  it('ignores a tampered state, and a state planted as a symbolic link is neither read nor written through', async () => {
    const { root, cacheDir } = await fleet();
    const cold = await scan(root);
    await scan(root, cacheDir, { racyWindowMs: 0 });
    const file = stateFile(cacheDir);
    const bytes = readFileSync(file);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(file, bytes);
    const tampered = await scan(root, cacheDir, { racyWindowMs: 0 });
    expect(tampered.state!.fileHits).toBe(0);
    expect(comparable(tampered)).toEqual(comparable(cold));

    // another secret: the state is foreign, so not ours to trust
    process.env.FAULTLINE_CACHE_SECRET = 'another-secret-0123456789abcdef0123456789';
    const foreign = await scan(root, cacheDir, { racyWindowMs: 0 });
    expect(foreign.state!.fileHits).toBe(0);
    process.env.FAULTLINE_CACHE_SECRET = 'test-secret-scan-state-0123456789abcdef';

    const target = path.join(tmp, `outside-${n++}`);
    writeFileSync(target, 'not a state\n');
    rmSync(file);
    symlinkSync(target, file);
    const planted = await scan(root, cacheDir, { racyWindowMs: 0 });
    expect(planted.state!.fileHits).toBe(0);
    expect(comparable(planted)).toEqual(comparable(cold));
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('not a state\n');
  });

  it('a stored file whose text no longer matches when it is read is reported as changed during the scan', () => {
    const dir = mkdtempSync(path.join(tmp, 'unit-'));
    const abs = path.join(dir, 'a.tf');
    writeFileSync(abs, 'resource "x" "y" {}\n');
    const st = statSync(abs);
    const recorder = ScanState.decode(undefined, Date.now() + 10_000);
    recorder.recordFile('a.tf', st, 'hcl', { key: 'ab'.repeat(32), file: makeSourceFile('a.tf', 'resource "x" "y" {}\n', abs), diagnostics: [] });
    const state = ScanState.decode(recorder.encode(), Date.now() + 10_000);
    const entry = state.file('a.tf', st)!;
    expect(entry).toMatchObject({ scanner: 'hcl', key: 'ab'.repeat(32), length: 20, directives: false });
    // a different stamp is not the same file
    expect(ScanState.decode(recorder.encode(), Date.now() + 10_000).file('a.tf', { ...st, size: st.size + 1 } as typeof st)).toBeUndefined();

    const same = state.sourceFile('a.tf', abs, entry);
    expect(same.lineStarts).toEqual(new Uint32Array([0, 20]));
    expect(same.text).toBe('resource "x" "y" {}\n');
    expect(state.changedDuringScan).toEqual([]);

    writeFileSync(abs, 'resource "x" "z" {}\n');
    const changed = state.sourceFile('a.tf', abs, entry);
    expect(changed.text).toBe('resource "x" "z" {}\n');
    expect(state.changedDuringScan).toEqual(['a.tf']);
    expect(state.stats.textReads).toBe(2);
  });

  it('a stored file read after all is decoded as the scan decodes files: a byte-order mark or a bad byte is no change', () => {
    const dir = mkdtempSync(path.join(tmp, 'decode-'));
    const abs = path.join(dir, 'b.yaml');
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a: 1\nb: '), Buffer.from([0xff]), Buffer.from('\n')]);
    writeFileSync(abs, bytes);
    const read = decode('b.yaml', bytes);
    const st = statSync(abs);
    const recorder = ScanState.decode(undefined, Date.now() + 10_000);
    recorder.recordFile('b.yaml', st, 'yaml', { key: 'cd'.repeat(32), file: makeSourceFile('b.yaml', read.text, abs), diagnostics: read.diagnostics });
    const state = ScanState.decode(recorder.encode(), Date.now() + 10_000);
    const entry = state.file('b.yaml', st)!;
    expect(entry.diagnostics).toEqual(read.diagnostics);
    expect(entry.diagnostics![0].code).toBe('invalid-utf8');
    expect(state.sourceFile('b.yaml', abs, entry).text).toBe(read.text);
    expect(state.changedDuringScan).toEqual([]);
  });

  it('a state that does not decode to its shape is an empty state', () => {
    for (const junk of [Buffer.from('junk'), Buffer.alloc(0), Buffer.from([0xff, 0x0f, 0x6f])]) {
      const s = ScanState.decode(junk, Date.now());
      expect(s.file('a', statSync(repo))).toBeUndefined();
    }
  });

  it('a state whose unread-file entries are malformed is an empty state', () => {
    const st = statSync(path.join(repo, 'package.json'));
    const written = ScanState.decode(undefined, Date.now() + 60_000);
    written.recordFile('package.json', st, 'yaml', { key: 'ab'.repeat(32), file: makeSourceFile('package.json', 'x: 1\n', ''), diagnostics: [] });
    written.recordK8s('package.json', { kind: 'k8s', links: { offers: [keyHash('ns:a|workload')], seeks: [], global: false }, documents: 1, embedded: 0 });
    const good = v8.deserialize(written.encode());
    expect(ScanState.decode(v8.serialize(good), Date.now() + 60_000).file('package.json', st)?.unreadable).toEqual({
      kind: 'k8s',
      links: { offers: [keyHash('ns:a|workload')], seeks: [], global: false },
      documents: 1,
      embedded: 0,
    });
    for (const bad of [
      { kind: 'k8s', links: { offers: ['ns:a|workload'], seeks: [], global: false }, documents: 1, embedded: 0 },
      { kind: 'k8s', links: { offers: [1.5], seeks: [], global: false }, documents: 1, embedded: 0 },
      { kind: 'loose', contexts: 'unit:a', documents: 1, embedded: 0 },
      { kind: 'other', documents: 1, embedded: 0 },
      { kind: 'loose', contexts: [], documents: 1.5, embedded: 0 },
    ]) {
      const state = { ...good, files: { ...good.files, unreadable: [[0, bad]] } };
      expect(ScanState.decode(v8.serialize(state), Date.now() + 60_000).file('package.json', st), JSON.stringify(bad)).toBeUndefined();
    }
    expect(ScanState.decode(v8.serialize({ ...good, config: 7 }), Date.now() + 60_000).file('package.json', st)).toBeUndefined();
    // directory listings whose names and types disagree, or with an unknown type
    const dirs = { paths: ['', 'a'], stamps: new Float64Array(8), names: 'a/b/c', types: new Uint8Array([2, 1, 1]), at: new Uint32Array([0, 2, 3]) };
    expect(ScanState.decode(v8.serialize({ ...good, dirs }), Date.now() + 60_000).file('package.json', st)).toBeDefined();
    for (const bad of [
      { ...dirs, names: 'a/b' },
      { ...dirs, types: new Uint8Array([2, 1, 9]) },
      { ...dirs, at: new Uint32Array([0, 3, 2]) },
      { ...dirs, stamps: new Float64Array(4) },
    ])
      expect(ScanState.decode(v8.serialize({ ...good, dirs: bad }), Date.now() + 60_000).file('package.json', st)).toBeUndefined();
  });
});
