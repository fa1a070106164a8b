/**
 * Shell scanner: bash/sh scripts (root files and embedded text: cloud-init runcmd, Packer inline,
 * Dockerfile RUN, preseed late_command, `sh -c` scripts) into a ShellModel, with the content of
 * statically known file writes and nested scripts embedded as documents.
 *
 * Parsing is tree-sitter-bash (WASM). Nothing is executed; expansions stay unknown.
 */
import type { DocumentOf, Format, ShellModel } from '../../engine/model.js';
import { mapSpan } from '../../engine/offset-map.js';
import type { ParseContext, ParseInput, Scanner } from '../../engine/scanner-api.js';
import { newDocument } from '../../engine/scanner-api.js';
import { loadGrammar, parserFor } from '../../engine/tree-sitter.js';
import { analyze, type AnalyzeResult, firstError } from './analyze.js';
import { basename } from './commands.js';
import { flatten, type FlatTree } from './flat-tree.js';
import { toMapped } from './mtext.js';
import { maskTemplates } from './templates.js';
import { hasTemplateMarker } from './words.js';

const SHEBANG_SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'mksh', 'zsh']);

function firstLine(text: string): string {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const nl = s.indexOf('\n');
  return (nl >= 0 ? s.slice(0, nl) : s).replace(/\r$/, '');
}

/** Does the text start with a shell `#!` line or `#cloud-boothook`? */
export function isShellText(text: string): boolean {
  const line = firstLine(text);
  if (line.trim() === '#cloud-boothook') return true;
  const m = /^#!\s*(\S+)(.*)$/.exec(line);
  if (!m) return false;
  let prog = basename(m[1]);
  const rest = m[2].trim().split(/\s+/).filter(Boolean);
  let k = 0;
  if (prog === 'env') {
    while (k < rest.length && (rest[k].startsWith('-') || rest[k].includes('='))) k++;
    if (k >= rest.length) return false;
    prog = basename(rest[k++]);
  }
  if (prog === 'busybox') {
    if (k >= rest.length) return false;
    prog = rest[k];
  }
  return SHEBANG_SHELLS.has(prog);
}

const LATE_COMMANDS = new Set(['preseed-late-command', 'autoinstall-late-commands']);

export const shellScanner: Scanner = {
  name: 'shell',
  formats: ['shell'],

  detect({ path, head }): Format | undefined {
    if (/\.(sh|bash)$/i.test(path)) return 'shell';
    return isShellText(head) ? 'shell' : undefined;
  },

  detectEmbedded(_targetPath, text): Format | undefined {
    return isShellText(text) ? 'shell' : undefined;
  },

  async init(): Promise<void> {
    await loadGrammar('bash');
  },

  parse(input: ParseInput, ctx: ParseContext): DocumentOf<'shell'>[] {
    const { text, map } = input;
    const model: ShellModel = { commands: [], writes: [], comments: [] };
    const doc = newDocument('shell', input, ctx, model);
    const file = map.file;
    const deadline = Date.now() + ctx.limits.fileTimeBudgetMs;
    const budget = () =>
      ctx.diagnostic({
        severity: 'warning',
        code: 'time-budget',
        message: `shell script not fully analysed within ${ctx.limits.fileTimeBudgetMs} ms`,
        file,
        loc: doc.loc,
      });

    // unrendered template tags are blanked out (same length) so they do not derail the parse
    const masked = maskTemplates(text);
    const parser = parserFor('bash');
    let tree;
    try {
      tree = parser.parse(masked?.text ?? text, null, { progressCallback: () => Date.now() > deadline });
    } catch {
      tree = null;
    }
    if (!tree) {
      parser.reset();
      budget();
      return [doc];
    }
    let flat: FlatTree;
    try {
      flat = flatten(tree, ctx.limits.maxDepth, deadline);
    } finally {
      tree.delete();
    }
    if (masked) flat.masks = masked.ranges;

    let result: AnalyzeResult;
    try {
      result = analyze(flat, text, map, model, { stripTarget: LATE_COMMANDS.has(input.origin?.via ?? ''), deadline });
    } catch (e) {
      // keep the document and whatever was extracted; a bug here must not hide the file
      ctx.diagnostic({
        severity: 'error',
        code: 'internal-error',
        message: `shell analysis failed: ${e instanceof Error ? e.message : String(e)}`,
        file,
        loc: doc.loc,
      });
      result = { pending: [], timedOut: false };
    }
    if (flat.timedOut || result.timedOut) budget();

    let err = firstError(flat, text);
    if (!err && result.strayKeyword) {
      const k = result.strayKeyword;
      err = { start: k.start, end: k.end, message: `shell syntax error near unexpected token ${JSON.stringify(k.word)}` };
    }
    if (err) {
      const templated = masked !== undefined || hasTemplateMarker(text);
      ctx.diagnostic({
        severity: 'warning',
        code: templated ? 'template-unrendered' : 'parse-error',
        message: templated ? `${err.message}; the script looks like an unrendered template, results are partial` : `${err.message}; results are partial`,
        file,
        loc: mapSpan(map, err.start, err.end),
      });
    }
    if (flat.truncated) {
      ctx.diagnostic({
        severity: 'warning',
        code: 'nesting-too-deep',
        message: `shell syntax nested deeper than ${ctx.limits.maxDepth} levels; the innermost parts were not analysed`,
        file,
        loc: doc.loc,
      });
    }

    const byStart = (a: { loc: { start: number } }, b: { loc: { start: number } }) => a.loc.start - b.loc.start;
    model.commands.sort(byStart);
    model.writes.sort(byStart);
    model.comments!.sort(byStart);

    // embedded documents, in source order
    result.pending.sort((a, b) => a.at - b.at);
    for (const p of result.pending) {
      const { text: ctext, map: cmap } = toMapped(p.m, map, p.whole);
      const origin: { via: typeof p.via; loc: typeof p.loc; label: string; targetPath?: string } = { via: p.via, loc: p.loc, label: p.label };
      if (p.targetPath !== undefined) origin.targetPath = p.targetPath;
      const docs = ctx.embed(doc, p.format ? { text: ctext, map: cmap, format: p.format, origin } : { text: ctext, map: cmap, origin });
      if (p.write && docs.length > 0) p.write.contentDocId = docs[0].id;
    }
    return [doc];
  },
};

