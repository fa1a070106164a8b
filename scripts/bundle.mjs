// Bundle the compiled command line (dist/cli/entry.js and everything it imports) into one ES
// module, dist/cli/faultline.mjs, which dist/cli/main.js loads while it is current. Run after `tsc`
// (`npm run build` and `prepare` do both).
//
// Why: Node 20 resolves, reads, compiles and links every ES module of a tree on its own, and
// faultline's tree (its ~150 modules plus yaml's and ajv's) took about 0.22 s to start, on every run
// and so on every pre-commit hook; one module starts in about 0.12 s (docs/performance.md).
//
// What stays outside: Node's built-ins, and the packages that must be loaded from where npm put
// them — tinypool (starts workers from file paths), web-tree-sitter and the grammars (load .wasm
// files next to themselves), and the large parsers loaded only when a file needs them (typescript,
// ts-morph, typescript-estree) or a report draws a chart (echarts). The parse worker
// (dist/cli/parse-worker.js) keeps running from the module tree.
//
// `import.meta.url` in each bundled faultline module is rewritten to that module's own URL in
// dist/ (computed from the bundle's at run time), so everything located relative to a module —
// the package root (schemas/, docs/), the parse worker, createRequire'd packages, and the files the
// parse cache's salt hashes — is found exactly where the module tree finds it.
//
// The third-party packages inside the bundle are listed, with their licence texts, in
// dist/cli/third-party-licenses.txt (written here), which the bundle's first line points to.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(repo, 'dist');
const out = path.join(dist, 'cli', 'faultline.mjs');
const licenses = path.join(dist, 'cli', 'third-party-licenses.txt');
// What the bundle was built from, for main.js to check it is current: the faultline modules inside
// it (relative to dist/cli; a `tsc -w` rebuild rewrites only the files that changed, so any of
// them newer than the bundle means it is stale), and the versions of the bundled packages that are
// faultline's own dependencies (`npm install yaml@…` runs no build, and the parse cache's salt
// names the installed version of a parser).
const inputs = path.join(dist, 'cli', 'faultline.inputs.json');

// rolldown is a native package (one prebuilt binary per platform, no install script). Where it has
// no binary, building still succeeds: the command line then runs from the module tree.
let rolldown;
try {
  ({ rolldown } = await import('rolldown'));
} catch (e) {
  for (const f of [out, `${out}.map`, licenses, inputs]) rmSync(f, { force: true });
  console.warn(`faultline: not bundling (rolldown is unavailable here: ${e.message}); the command line runs from the module tree, about 0.1 s slower to start`);
  process.exit(0);
}

/** A path as a module specifier relative to dist/cli (where the bundle is): './x.js', '../engine/y.js'. */
const fromCli = (p) => {
  const rel = path.relative(path.dirname(out), p).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
};

const EXTERNAL = ['tinypool', 'web-tree-sitter', 'typescript', 'ts-morph', '@typescript-eslint/typescript-estree', 'echarts', '@tree-sitter-grammars/tree-sitter-hcl', 'tree-sitter-bash'];
const isExternal = (id) => id.startsWith('node:') || EXTERNAL.some((p) => id === p || id.startsWith(`${p}/`));

/** Replaces `import.meta.url` in faultline's own modules with the module's URL in dist/. */
function ownModuleUrls() {
  return {
    name: 'faultline-own-module-urls',
    transform(code, id) {
      if (!id.startsWith(dist + path.sep) || !code.includes('import.meta.url')) return null;
      const url = `new URL(${JSON.stringify(fromCli(id))}, import.meta.url).href`;
      return { code: code.replace(/\bimport\.meta\.url\b/g, url), map: null };
    },
  };
}

const build = await rolldown({
  input: path.join(dist, 'cli', 'entry.js'),
  platform: 'node',
  external: isExternal,
  plugins: [ownModuleUrls()],
  logLevel: 'warn',
});
// which packages went in decides the banner, so generate first, then write
const { output } = await build.generate({ format: 'esm' });
// the old list goes first: a build interrupted before the new one is written leaves none, and the tree runs
rmSync(inputs, { force: true });
const packages = bundledPackages(output[0].moduleIds);
const own = output[0].moduleIds
  .filter((id) => id.startsWith(dist + path.sep) && id.endsWith('.js'))
  .map(fromCli)
  .sort();
await build.write({
  file: out,
  format: 'esm',
  sourcemap: true,
  comments: { legal: true },
  banner: `/*! faultline command line, bundled by scripts/bundle.mjs. Includes ${packages.map((p) => `${p.name}@${p.version} (${p.license})`).join(', ')}: licence texts in ./third-party-licenses.txt */`,
});
await build.close();
const direct = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).dependencies ?? {};
// each with where its package.json was, relative to dist/cli: main.js reads it there, and resolves
// the package only when this install put it elsewhere (hoisted into a project's node_modules)
const versions = Object.fromEntries(
  packages.filter((p) => p.name in direct).map((p) => [p.name, { version: p.version, at: fromCli(path.join(p.dir, 'package.json')) }]),
);
writeFileSync(inputs, `${JSON.stringify({ modules: own, packages: versions }, null, 2)}\n`);
writeFileSync(
  licenses,
  `Third-party code bundled into faultline.mjs (scripts/bundle.mjs)\n\n${packages.map((p) => `${'='.repeat(78)}\n${p.name}@${p.version} — ${p.license}\n${'='.repeat(78)}\n\n${p.text.trim()}\n`).join('\n')}`,
);

/** The node_modules packages among the bundled modules, with their licence texts. */
function bundledPackages(moduleIds) {
  const roots = new Map();
  const marker = `${path.sep}node_modules${path.sep}`;
  for (const id of moduleIds) {
    const i = id.lastIndexOf(marker);
    if (i < 0) continue;
    const at = i + marker.length;
    const rest = id.slice(at).split(path.sep);
    const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    roots.set(name, id.slice(0, at) + name.split('/').join(path.sep));
  }
  return [...roots]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, dir]) => {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const file = readdirSync(dir).sort().find((f) => /^licen[cs]e/i.test(f));
      if (!file) throw new Error(`bundle: ${name} ships no licence file; add its licence text to scripts/bundle.mjs before bundling it`);
      return { name, dir, version: pkg.version, license: pkg.license ?? 'see text', text: readFileSync(path.join(dir, file), 'utf8') };
    });
}
