/**
 * Dockerfile scanner ('dockerfile'). A hand-written BuildKit-compatible parser (parse.ts) rather
 * than `dockerfile-ast`: embedded shell needs BuildKit's exact joining of continuation lines
 * (escape removed, comment and blank lines inside a continuation dropped) carried through an
 * offset map, and BuildKit's here-document rules; dockerfile-ast 0.7.1 applies one `<<-`
 * tab-stripping flag to every here-document of a line (so `RUN <<-A cat <<B` ends B at a
 * tab-indented `B` and then reads the real terminator as an instruction) and exposes ranges,
 * not the joined text with its mapping.
 */
import type { Document, DocumentOf } from '../../engine/model.js';
import { composeMaps, identityMap } from '../../engine/offset-map.js';
import type { DetectInput, ParseContext, ParseInput, Scanner } from '../../engine/scanner-api.js';
import { newDocument } from '../../engine/scanner-api.js';
import { limitDiagnostics } from '../../engine/scanner-api.js';
import { positionAt } from '../../engine/source.js';
import { dequote, parseDockerfileText } from './parse.js';

export { dequote, KNOWN_INSTRUCTIONS, lexWords, parseDockerfileText, parseHeredocWord, shellScriptIndex } from './parse.js';

/** `Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `*.dockerfile`, `Containerfile`, `Containerfile.*`. */
export function isDockerfilePath(path: string): boolean {
  const parts = path.replace(/\\/g, '/').split('/');
  const base = parts[parts.length - 1] ?? '';
  if (/\.(?:dockerignore|md|markdown|rst|txt)$/i.test(base)) return false;
  return /^(?:Dockerfile|Containerfile)(?:\..+)?$/.test(base) || /.\.(?:Dockerfile|dockerfile)$/.test(base);
}

const INSTRUCTION_LINE = /^\s*(?:ADD|ARG|CMD|COPY|ENTRYPOINT|ENV|EXPOSE|FROM|HEALTHCHECK|LABEL|MAINTAINER|ONBUILD|RUN|SHELL|STOPSIGNAL|USER|VOLUME|WORKDIR)\s+\S/i;

/**
 * Content sniffing for embedded text with no telling path (a Dockerfile in a ConfigMap or a
 * heredoc): the first instruction is `FROM image` or `ARG name`, and another instruction follows.
 */
export function sniffDockerfile(text: string): boolean {
  const lines = text.slice(0, 4096).split(/\r?\n/);
  let seen = 0;
  for (const line of lines) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (seen === 0 && !/^(?:FROM(?:\s+--\S+)*\s+[\w.${}/:@+-]+(?:\s+AS\s+[\w.-]+)?|ARG\s+[A-Za-z_]\w*(?:=\S*)?)$/i.test(t)) return false;
    if (!INSTRUCTION_LINE.test(t)) {
      if (seen === 0) return false;
      continue; // continuation lines and the like
    }
    if (++seen >= 2) return true;
  }
  return false;
}

export const dockerfileScanner: Scanner = {
  name: 'dockerfile',
  formats: ['dockerfile'],

  detect(input: DetectInput) {
    return isDockerfilePath(input.path) ? 'dockerfile' : undefined;
  },

  detectEmbedded(_targetPath: string | undefined, text: string) {
    return sniffDockerfile(text) ? 'dockerfile' : undefined;
  },

  parse(input: ParseInput, ctx: ParseContext): Document[] {
    const parsed = parseDockerfileText(input.text, input.map, limitDiagnostics(ctx));
    const doc = newDocument('dockerfile', input, ctx, parsed.model);
    const lineOf = (start: number): string =>
      input.map.file === ctx.file.path ? ` (line ${positionAt(ctx.file, start).line})` : '';
    for (const plan of parsed.embeds) {
      const instr = parsed.model.instructions[plan.instruction];
      const docs = ctx.embed(doc, {
        text: plan.text,
        map: composeMaps(input.map, plan.map),
        ...(plan.format ? { format: plan.format } : {}),
        origin: {
          via: plan.via,
          loc: plan.loc,
          label: `${plan.label}${lineOf(instr.loc.start)}`,
          ...(plan.targetPath ? { targetPath: plan.targetPath } : {}),
        },
      });
      if (plan.via === 'dockerfile-run' && instr.shellDocId === undefined) {
        const shellDoc = docs.find((d) => d.format === 'shell');
        if (shellDoc) instr.shellDocId = shellDoc.id;
      }
    }
    if (!input.origin) embedBuildContextCopies(doc, ctx);
    return [doc];
  },
};

/**
 * `COPY files/20auto-upgrades /etc/apt/apt.conf.d/` copies a file of the repository into the image:
 * embed that file's content at its destination, so the node-image model sees it. The build context
 * is taken to be the Dockerfile's own directory (the common `docker build .` layout); sources that
 * are not plain relative files there (globs, URLs, `--from` stages, directories) are left alone.
 */
function embedBuildContextCopies(doc: DocumentOf<'dockerfile'>, ctx: ParseContext): void {
  const dir = doc.file.includes('/') ? doc.file.slice(0, doc.file.lastIndexOf('/')) : '';
  for (const instr of doc.model.instructions) {
    if (instr.keyword !== 'COPY' && instr.keyword !== 'ADD') continue;
    const words = (instr.exec ?? instr.args.split(/\s+/).filter(Boolean).map(dequote)).filter((w) => w !== '');
    if (words.some((w) => /^--from(=|$)/.test(w) || w.startsWith('<<'))) continue;
    const parts = words.filter((w) => !w.startsWith('--'));
    if (parts.length < 2) continue;
    const dest = parts[parts.length - 1];
    if (!dest.startsWith('/') || dest.includes('$')) continue;
    const sources = parts.slice(0, -1);
    for (const src of sources) {
      if (/[*?[\]]|^[a-z]+:\/\/|\$/.test(src) || src.startsWith('/') || src.split('/').includes('..')) continue;
      const rel = (dir ? `${dir}/${src}` : src).replace(/\/\.\//g, '/').replace(/^\.\//, '');
      const file = ctx.readRootFile(rel);
      if (!file) continue;
      const base = src.replace(/\/+$/, '').split('/').pop()!;
      const targetPath = dest.endsWith('/') || sources.length > 1 ? `${dest.replace(/\/+$/, '')}/${base}` : dest;
      ctx.embed(doc, {
        text: file.text,
        map: identityMap(file.path, file.text.length),
        origin: { via: 'dockerfile-copy', loc: instr.loc, targetPath, label: `${instr.keyword} ${src} ${dest}` },
      });
    }
  }
}

export default dockerfileScanner;
