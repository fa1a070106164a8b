/**
 * Shared loading of tree-sitter grammars through web-tree-sitter (WASM; no native build, no
 * download at run time: the grammar packages ship their `.wasm`). Loaded lazily, once per process,
 * only when a file needs them.
 */
import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';

const require = createRequire(import.meta.url);

export type Grammar = 'terraform' | 'hcl' | 'bash';

const WASM: Record<Grammar, string> = {
  terraform: '@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-terraform.wasm',
  hcl: '@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm',
  bash: 'tree-sitter-bash/tree-sitter-bash.wasm',
};

let initPromise: Promise<void> | undefined;
const languages = new Map<Grammar, Promise<Language>>();
const parsers = new Map<Grammar, Parser>();

export async function loadGrammar(grammar: Grammar): Promise<void> {
  initPromise ??= Parser.init();
  await initPromise;
  let lang = languages.get(grammar);
  if (!lang) {
    lang = Language.load(require.resolve(WASM[grammar]));
    languages.set(grammar, lang);
  }
  const language = await lang;
  if (!parsers.has(grammar)) {
    const p = new Parser();
    p.setLanguage(language);
    parsers.set(grammar, p);
  }
}

/** A ready parser; `loadGrammar` must have completed first (scanners call it from `init`). */
export function parserFor(grammar: Grammar): Parser {
  const p = parsers.get(grammar);
  if (!p) throw new Error(`tree-sitter grammar '${grammar}' used before it was loaded`);
  return p;
}
