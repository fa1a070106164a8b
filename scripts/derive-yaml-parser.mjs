/**
 * Derives `scanners/yaml/eager-lexer.generated.ts` and `scanners/yaml/eager-parser.generated.ts`
 * from the installed `yaml` library's lexer and parser (its ESM build, `browser/dist/parse/`).
 *
 * The library's `Lexer.lex()` and `Parser.parse()` are generators built from generators: every
 * lexical token passes through two to four `yield*` levels on its way out, and every CST token
 * through as many more. On the YAML of a 10,000-file fleet that machinery is most of the parse:
 * the same code with each generator turned into a method that appends to an array lexes 3 times
 * and parses 2.5 to 3.5 times faster (docs/performance.md). faultline always takes every token
 * (`Array.from(parser.parse(text))`), so nothing depends on the laziness.
 *
 * The derivation is mechanical, on the syntax tree (TypeScript's parser), and refuses anything it
 * does not expect:
 * - a generator method loses its `*`; `yield* expr` becomes `expr` (a delegated generator's
 *   return value is what the plain method returns);
 * - `yield expr;` (always a statement) becomes `this.output.push(expr);`;
 * - the entry points (`lex`, `parse`) start with `this.output = [];` and end by returning it;
 * - `./cst.js` imports come from `yaml`'s public `CST` namespace; the parser's `./lexer.js` is the
 *   derived lexer.
 *
 * `node scripts/derive-yaml-parser.mjs` writes both files. test/scanners/yaml/eager-parser.test.ts
 * derives them again from the installed library and fails if the committed files differ (an
 * upgrade of `yaml` means running this script again), and holds the derived parser's tokens to the
 * library's on every YAML file of the fixtures, the corpus and a generated fleet, on malformed
 * input and on fuzzed input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where each derived module goes, relative to the repository root. */
export const TARGETS = {
  lexer: 'scanners/yaml/eager-lexer.generated.ts',
  parser: 'scanners/yaml/eager-parser.generated.ts',
};

const ENTRY = { lexer: 'lex', parser: 'parse' };
const OUTPUT = 'output';

function library() {
  const pkgFile = require.resolve('yaml/package.json');
  const dir = path.dirname(pkgFile);
  return {
    version: JSON.parse(readFileSync(pkgFile, 'utf8')).version,
    license: readFileSync(path.join(dir, 'LICENSE'), 'utf8').trim(),
    source: (name) => readFileSync(path.join(dir, 'browser', 'dist', 'parse', `${name}.js`), 'utf8'),
  };
}

function fail(sf, node, message) {
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  throw new Error(`derive-yaml-parser: ${sf.fileName}:${line + 1}: ${message}`);
}

/** Return statements of a function body, not counting nested functions. */
function returnsIn(body) {
  const found = [];
  const visit = (n) => {
    if (ts.isFunctionLike(n)) return;
    if (ts.isReturnStatement(n)) found.push(n);
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}

/** The derived module text for one library module (`lexer` or `parser`: its entry point is `lex` or `parse`). */
export function deriveModule(name, text) {
  const sf = ts.createSourceFile(`yaml/browser/dist/parse/${name}.js`, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  if (text.includes(`this.${OUTPUT}`)) throw new Error(`derive-yaml-parser: ${name}.js already uses this.${OUTPUT}`);
  const edits = [];
  const counts = { generators: 0, delegations: 0, yields: 0 };
  let entryFound = false;

  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const from = node.moduleSpecifier.text;
      const names = node.importClause?.namedBindings;
      if (!names || !ts.isNamedImports(names) || node.importClause.name) fail(sf, node, 'unexpected import form');
      const list = names.elements.map((e) => {
        if (e.propertyName) fail(sf, e, 'renamed import');
        return e.name.text;
      });
      let replacement;
      if (from === './cst.js') replacement = `import { CST } from 'yaml';\n\nconst { ${list.join(', ')} } = CST;`;
      else if (from === './lexer.js' && list.length === 1 && list[0] === 'Lexer') replacement = `import { Lexer } from './${path.basename(TARGETS.lexer, '.ts')}.js';`;
      else fail(sf, node, `unexpected import from ${from}`);
      edits.push({ start: node.getStart(sf), end: node.getEnd(), text: replacement });
      return;
    }
    if ((ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node)) && node.asteriskToken) fail(sf, node, 'generator outside a class method');
    if (ts.isMethodDeclaration(node) && node.asteriskToken) {
      counts.generators++;
      edits.push({ start: node.asteriskToken.getStart(sf), end: node.asteriskToken.getEnd(), text: '' });
      if (ts.isIdentifier(node.name) && node.name.text === ENTRY[name]) {
        entryFound = true;
        if (!node.body) fail(sf, node, 'entry point without a body');
        if (returnsIn(node.body).length) fail(sf, node, 'entry point with a return statement');
        const open = node.body.getStart(sf) + 1;
        const close = node.body.getEnd() - 1;
        edits.push({ start: open, end: open, text: `\n        this.${OUTPUT} = [];` });
        edits.push({ start: close, end: close, text: `    return this.${OUTPUT};\n    ` });
      }
    }
    if (ts.isYieldExpression(node)) {
      if (!node.expression) fail(sf, node, 'yield without a value');
      if (node.asteriskToken) {
        counts.delegations++;
        edits.push({ start: node.getStart(sf), end: node.expression.getStart(sf), text: '' });
      } else {
        counts.yields++;
        if (!ts.isExpressionStatement(node.parent)) fail(sf, node, 'yield used as a value');
        edits.push({ start: node.getStart(sf), end: node.expression.getStart(sf), text: `this.${OUTPUT}.push(` });
        edits.push({ start: node.getEnd(), end: node.getEnd(), text: ')' });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (!entryFound) throw new Error(`derive-yaml-parser: ${name}.js has no generator method ${ENTRY[name]}()`);
  if (!counts.generators || !counts.yields) throw new Error(`derive-yaml-parser: ${name}.js has no generators to derive`);

  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = Infinity;
  for (const e of edits) {
    if (e.end > limit) throw new Error(`derive-yaml-parser: overlapping edits in ${name}.js`);
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
  }
  // the result must still parse (transpileModule reports syntax errors only), and be free of generators
  const syntax = ts.transpileModule(out, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } }).diagnostics ?? [];
  if (syntax.length) throw new Error(`derive-yaml-parser: derived ${name} does not parse: ${ts.flattenDiagnosticMessageText(syntax[0].messageText, '\n')}`);
  const check = ts.createSourceFile('derived.ts', out, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const leftover = (n) => {
    if (ts.isYieldExpression(n) || (ts.isFunctionLike(n) && n.asteriskToken)) fail(check, n, 'generator left after derivation');
    ts.forEachChild(n, leftover);
  };
  leftover(check);
  return { text: out, counts };
}

/** The derived modules' text, keyed like TARGETS. */
export function derive() {
  const lib = library();
  const out = {};
  for (const name of Object.keys(TARGETS)) {
    const { text, counts } = deriveModule(name, lib.source(name));
    const header = [
      '// @ts-nocheck',
      `// GENERATED by scripts/derive-yaml-parser.mjs from yaml ${lib.version}, browser/dist/parse/${name}.js. Do not edit.`,
      '//',
      `// The library's ${name} with its ${counts.generators} generator methods made plain methods that append to`,
      `// \`this.${OUTPUT}\` (${counts.yields} yields, ${counts.delegations} delegations): same tokens, same order, no generator`,
      '// machinery. Why and how: scripts/derive-yaml-parser.mjs. Checked against the installed library by',
      '// test/scanners/yaml/eager-parser.test.ts.',
      '//',
      ...lib.license.split('\n').map((l) => (l ? `// ${l}` : '//')),
      '',
    ].join('\n');
    out[name] = `${header}\n${text.endsWith('\n') ? text : `${text}\n`}`;
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const derived = derive();
  for (const [name, rel] of Object.entries(TARGETS)) {
    writeFileSync(path.join(ROOT, rel), derived[name]);
    console.log(`wrote ${rel}`);
  }
}
