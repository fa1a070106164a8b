import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import picomatch from 'picomatch';
import { DEFAULT_EXCLUDES, walk } from '../../engine/walker.js';
import { readSource } from '../../engine/read.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'faultline-walk-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmp, 'r-'));
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), t);
  }
  return root;
}

const base = { include: [], exclude: [], gitignore: true };

describe('walker', () => {
  it('lists files sorted, skipping .git, node_modules and .terraform', async () => {
    const root = tree({ 'b.tf': '', 'a/c.yaml': '', '.git/config': '', 'node_modules/x/y.yaml': '', 'm/.terraform/z.tf': '' });
    const r = await walk({ ...base, root, targets: [root] });
    expect(r.files.map((f) => f.path)).toEqual(['a/c.yaml', 'b.tf']);
  });

  it('excludes what the default and user globs match, at any depth, as files or directories, as testing every path with the globs does', async () => {
    const paths = [
      'a/b/.git/HEAD', 'a/.git', 'x/node_modules', 'x/y/node_modules/p/q.yaml', 'deep/er/.terraform/t.tf', 'c/.faultline-cache/pack',
      'build/out.tf', 'src/build/gen/g.tf', 'docs/a.md', 'docs/sub/b.md', 'tmp', 'tmp2/t.tf', 'keep/.gitignored.tf', 'keep/node_modules.tf', 'k.tf',
    ];
    const root = tree(Object.fromEntries(paths.map((p) => [p, ''])));
    const exclude = ['**/build/**', 'docs/*.md', 'tmp', 'tmp2/'];
    // the reference: an entry goes when a glob matches it, or it with a trailing slash, or a directory above it
    const globs = picomatch([...DEFAULT_EXCLUDES, ...exclude], { dot: true });
    const gone = (rel: string) => rel.split('/').some((_, i, parts) => {
      const p = parts.slice(0, i + 1).join('/');
      return globs(p) || globs(`${p}/`);
    });
    const r = await walk({ ...base, root, targets: [root], exclude, gitignore: false });
    expect(r.files.map((f) => f.path)).toEqual(paths.filter((p) => !gone(p)).sort());
    expect(r.files.map((f) => f.path)).toEqual(['docs/sub/b.md', 'k.tf', 'keep/.gitignored.tf', 'keep/node_modules.tf']);
    // a target inside an excluded directory stays excluded
    const t = await walk({ ...base, root, targets: [path.join(root, 'x/y/node_modules/p/q.yaml')], exclude, gitignore: false });
    expect(t.files).toEqual([]);
  });

  it('honours nested .gitignore files and include/exclude globs', async () => {
    const root = tree({ '.gitignore': 'build/\n*.log\n', 'build/x.tf': '', 'sub/.gitignore': 'secret.yaml\n', 'sub/secret.yaml': '', 'sub/ok.yaml': '', 'x.log': '', 'vendor/v.tf': '', 'k.tf': '' });
    const r = await walk({ ...base, root, targets: [root], exclude: ['vendor/**'] });
    expect(r.files.map((f) => f.path)).toEqual(['.gitignore', 'k.tf', 'sub/.gitignore', 'sub/ok.yaml']);
    const inc = await walk({ ...base, root, targets: [root], include: ['**/*.tf'], gitignore: false });
    expect(inc.files.map((f) => f.path)).toEqual(['build/x.tf', 'k.tf', 'vendor/v.tf']);
  });

  it('reports symlink loops and links out of the root instead of following them', async () => {
    const root = tree({ 'd/a.yaml': 'x: 1' });
    symlinkSync('..', path.join(root, 'd', 'up'));
    symlinkSync(os.tmpdir(), path.join(root, 'out'));
    symlinkSync('self', path.join(root, 'self'));
    const r = await walk({ ...base, root, targets: [root] });
    expect(r.files.map((f) => f.path)).toEqual(['d/a.yaml']);
    const codes = r.diagnostics.map((d) => `${d.code}:${d.file}`).sort();
    expect(codes).toEqual(['symlink-loop:d/up', 'symlink-loop:self', 'symlink-outside-root:out']);
  });

  it('follows symlinks that stay inside the root, once per path', async () => {
    const root = tree({ 'real/a.yaml': 'x: 1' });
    symlinkSync('real', path.join(root, 'alias'));
    const r = await walk({ ...base, root, targets: [root] });
    expect(r.files.map((f) => f.path)).toEqual(['alias/a.yaml', 'real/a.yaml']);
    // a directory walked before is no ancestor of a link to it found later, nor is a parent's sibling
    const later = tree({ 'a/f.yaml': 'x: 1', 'b/c/g.yaml': 'x: 1' });
    symlinkSync('../a', path.join(later, 'b', 'to-a'));
    symlinkSync('../../a', path.join(later, 'b', 'c', 'to-a'));
    const l = await walk({ ...base, root: later, targets: [later] });
    expect(l.diagnostics).toEqual([]);
    expect(l.files.map((f) => f.path)).toEqual(['a/f.yaml', 'b/c/g.yaml', 'b/c/to-a/f.yaml', 'b/to-a/f.yaml']);
  });

  it('skips FIFOs and other special files without blocking', async () => {
    const root = tree({ 'a.yaml': 'x: 1' });
    try {
      execFileSync('mkfifo', [path.join(root, 'pipe.yaml')]);
    } catch {
      return; // no mkfifo: nothing to test here
    }
    const r = await walk({ ...base, root, targets: [root] });
    expect(r.files.map((f) => f.path)).toEqual(['a.yaml']);
  });
});

describe('reading files', () => {
  it('skips huge files, binary files, and files that vanish, with diagnostics', async () => {
    const root = tree({ 'big.yaml': 'x'.repeat(2000), 'bin.yaml': 'a\u0000b', 'ok.yaml': 'a: 1' });
    const big = await readSource('big.yaml', path.join(root, 'big.yaml'), 1000);
    expect(big).toMatchObject({ ok: false, reason: 'too-large' });
    expect(big.diagnostics[0].code).toBe('file-too-large');
    const bin = await readSource('bin.yaml', path.join(root, 'bin.yaml'), 1000);
    expect(bin).toMatchObject({ ok: false, reason: 'binary' });
    const gone = await readSource('gone.yaml', path.join(root, 'gone.yaml'), 1000);
    expect(gone).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(gone.diagnostics[0].message).toMatch(/ENOENT/);
  });

  it('decodes invalid UTF-8 with a diagnostic naming the line', async () => {
    const root = tree({});
    writeFileSync(path.join(root, 'bad.yaml'), Buffer.concat([Buffer.from('a: 1\nb: '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
    const r = await readSource('bad.yaml', path.join(root, 'bad.yaml'), 1000);
    expect(r.ok).toBe(true);
    expect(r.diagnostics[0]).toMatchObject({ code: 'invalid-utf8' });
    expect(r.diagnostics[0].message).toMatch(/line 2/);
  });
});
