/**
 * Shared loading of tree-sitter grammars through web-tree-sitter (WASM; no native build, no
 * download at run time: the grammar packages ship their `.wasm`). Loaded lazily, once per process,
 * only when a file needs them.
 */
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import { Language, Parser } from 'web-tree-sitter';

const require = createRequire(import.meta.url);

/**
 * Grammars run on V8's baseline WebAssembly compiler (Liftoff) only. By default V8 also recompiles
 * hot functions with TurboFan on a background thread, and a process cannot exit until that
 * compile has finished: on the example fleet that held every run ~0.4 s after its output was
 * written (0.95 s → 0.5 s end to end without it), which is most of a pre-commit hook's time in a
 * small repository. Measured on the 10,000-file fleet, Liftoff-only parsing is no slower end to
 * end (5.8–6.5 s either way) and peaks 10–30 MB lower. V8 reads the flag when a module is
 * compiled, so it is set right before the first grammar is compiled (the flag is process-wide,
 * worker threads included; a process that never parses HCL or shell is left alone).
 */
function baselineWasmOnly(): void {
  v8.setFlagsFromString('--liftoff-only');
}

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
  if (!initPromise) {
    baselineWasmOnly();
    initPromise = Parser.init();
  }
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
