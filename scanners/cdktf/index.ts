/**
 * The CDKTF scanner: CDK for Terraform apps in TypeScript become `terraform` documents whose
 * blocks and attributes look exactly like their HCL equivalent, with every `Loc` in the `.ts`
 * sources (see docs/cdktf.md).
 *
 * detect: `.ts` files whose first bytes import `cdktf` / `@cdktf/*` (detect.ts).
 * parse:  a typescript-estree syntax pass confirms the imports and finds the stack classes; one
 *         `terraform` document per stack class (moduleDir `<file without .ts>/<Class>`) and one for
 *         constructs outside stack classes (moduleDir `<file without .ts>`), all with empty bodies.
 * link:   one ts-morph project over the CDKTF files and the local modules they import; construct
 *         instantiations are evaluated and fill the documents' bodies (link.ts). Each attribute
 *         carries both `value` and an equivalent constant `expr`, so the HCL scanner's link (which
 *         runs next) re-derives the same values and embeds user-data exactly as for HCL.
 *
 * The engine dispatches parsing by format, to the first scanner listing it; this scanner therefore
 * sits before the HCL scanner, lists 'terraform', and hands every non-CDKTF input to the HCL scanner.
 */
import { posix } from 'node:path';
import type { Document, HclModel } from '../../engine/model.js';
import type { ParseContext, ParseInput, Scanner } from '../../engine/scanner-api.js';
import { hclScanner } from '../hcl/index.js';
import { isCdktfCandidate, scanImports } from './detect.js';
import { linkCdktf } from './link.js';

export const CDKTF_SOURCE = /\.(?:ts|mts|cts|tsx)$/i;

function parseCdktf(input: ParseInput, ctx: ParseContext): Document[] {
  const file = input.map.file;
  let scan;
  try {
    scan = scanImports(input.text, file);
  } catch (e) {
    ctx.diagnostic({
      severity: 'warning',
      code: 'parse-error',
      message: `${file}: not parsed as CDKTF TypeScript: ${e instanceof Error ? e.message : String(e)}`,
      loc: { file, start: 0, end: 0 },
    });
    return [];
  }
  if (scan.cdktfImports.length === 0) return [];
  const base = file.replace(CDKTF_SOURCE, '');
  const make = (moduleDir: string, start: number, end: number): Document => {
    const model: HclModel = { syntax: 'hcl', body: { attributes: [], blocks: [] }, moduleDir };
    return { id: ctx.nextId(), format: 'terraform', file, text: input.text, map: input.map, loc: { file, start, end }, model };
  };
  const docs: Document[] = [];
  if (scan.topLevelNew || scan.stacks.length === 0) docs.push(make(base, 0, input.text.length));
  for (const s of scan.stacks) docs.push(make(`${base}/${s.name}`, s.start, s.end));
  return docs;
}

/** Whether a `terraform` document was produced by this scanner (its file is a TypeScript source). */
export function isCdktfDocument(d: Document): boolean {
  return d.format === 'terraform' && !d.origin && CDKTF_SOURCE.test(d.file);
}

export const cdktfScanner: Scanner = {
  name: 'cdktf',
  formats: ['terraform'],
  detect: ({ path, head }) => (isCdktfCandidate(path, head) ? 'terraform' : undefined),
  parse(input, ctx) {
    if (input.format === 'terraform' && !input.origin && CDKTF_SOURCE.test(input.map.file) && posix.extname(input.map.file) !== '') return parseCdktf(input, ctx);
    return hclScanner.parse(input, ctx);
  },
  link: linkCdktf,
};

export default cdktfScanner;
