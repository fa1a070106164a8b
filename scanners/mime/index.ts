/**
 * The MIME multipart scanner: cloud-init multipart user-data (as `cloud-init devel make-mime`,
 * Python's email package and Terraform's `cloudinit_config` write it).
 *
 * One 'mime-multipart' document per message; each leaf part is embedded:
 * text/cloud-config → 'cloud-config'; text/x-shellscript(-per-*) → 'shell' (or 'cloud-config'
 * when its content starts with `#cloud-config`, as cloud-init re-checks); text/cloud-boothook →
 * 'shell'; anything else → no format, so content detection decides. 7bit/8bit bodies map exactly;
 * quoted-printable bodies map every literal character; base64 bodies get an opaque map over the
 * encoded body. Gzip-compressed parts are not analysed.
 */
import type { Document, Format, MimeModel, MimePart } from '../../engine/model.js';
import { composeMaps, mapSpan, opaqueMap, sliceMap, type OffsetMap } from '../../engine/offset-map.js';
import type { DetectInput, ParseContext, ParseInput, Scanner } from '../../engine/scanner-api.js';
import { newDocument } from '../../engine/scanner-api.js';
import { decodeQuotedPrintable, looksLikeMultipart, MIME_LIMITS, parseMultipartMessage, type LeafPart } from './multipart.js';

export { looksLikeMultipart, parseMultipartMessage, decodeQuotedPrintable, parseContentType } from './multipart.js';

const CLOUD_CONFIG_HEAD = /^\uFEFF?#cloud-config(?![\w-])/;

/** Format of a part's content from its media type (undefined: let content detection decide). */
export function partFormat(contentType: string, content: string): Format | undefined {
  if (contentType === 'text/cloud-config') return 'cloud-config';
  if (contentType === 'text/x-shellscript' || contentType.startsWith('text/x-shellscript-per-')) {
    return CLOUD_CONFIG_HEAD.test(content) ? 'cloud-config' : 'shell';
  }
  if (contentType === 'text/cloud-boothook') return 'shell';
  return undefined;
}

function decodeBase64(s: string): Buffer | undefined {
  const compact = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}

function bytesToText(buf: Buffer, charset: string | undefined): string | undefined {
  const cs = (charset ?? 'utf-8').toLowerCase();
  if (['iso-8859-1', 'latin1', 'latin-1', 'windows-1252', 'cp1252'].includes(cs)) return buf.toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return undefined;
  }
}

interface DecodedBody {
  text: string;
  map: OffsetMap;
}

function decodeBody(part: LeafPart, input: ParseInput, ctx: ParseContext, label: string): DecodedBody | undefined {
  const { text, map } = input;
  const body = text.slice(part.bodyStart, part.bodyEnd);
  const bodyLoc = mapSpan(map, part.bodyStart, part.bodyEnd);
  switch (part.transferEncoding) {
    case 'base64': {
      const buf = decodeBase64(body);
      if (!buf) {
        ctx.diagnostic({ severity: 'warning', code: 'parse-error', message: `${label}: body is not valid base64`, loc: bodyLoc });
        return undefined;
      }
      if (buf.length > ctx.limits.maxFileBytes) {
        ctx.diagnostic({ severity: 'warning', code: 'file-too-large', message: `${label}: decoded body exceeds ${ctx.limits.maxFileBytes} bytes`, loc: bodyLoc });
        return undefined;
      }
      if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
        ctx.diagnostic({ severity: 'info', code: 'binary-file', message: `${label}: gzip-compressed part is not analysed`, loc: bodyLoc });
        return undefined;
      }
      if (buf.includes(0)) {
        ctx.diagnostic({ severity: 'info', code: 'binary-file', message: `${label}: binary part is not analysed`, loc: bodyLoc });
        return undefined;
      }
      const t = bytesToText(buf, part.params['charset']);
      if (t === undefined) {
        ctx.diagnostic({ severity: 'info', code: 'invalid-utf8', message: `${label}: decoded body is not valid UTF-8`, loc: bodyLoc });
        return undefined;
      }
      return { text: t, map: opaqueMap(bodyLoc.file, bodyLoc.start, bodyLoc.end) };
    }
    case 'quoted-printable': {
      const qp = decodeQuotedPrintable(body, part.bodyStart);
      if (qp.invalid) {
        ctx.diagnostic({ severity: 'info', code: 'invalid-utf8', message: `${label}: quoted-printable body is not valid UTF-8; decoded as Latin-1`, loc: bodyLoc });
      }
      return { text: qp.text, map: composeMaps(map, { file: map.file, segs: qp.segs, whole: [part.bodyStart, part.bodyEnd] }) };
    }
    default:
      if (!['7bit', '8bit', 'binary'].includes(part.transferEncoding)) {
        ctx.diagnostic({
          severity: 'warning',
          code: 'parse-error',
          message: `${label}: unknown Content-Transfer-Encoding "${part.transferEncoding}"; body read as is`,
          loc: bodyLoc,
        });
      }
      return { text: body, map: sliceMap(map, part.bodyStart, part.bodyEnd) };
  }
}

function parse(input: ParseInput, ctx: ParseContext): Document[] {
  const { text, map } = input;
  const res = parseMultipartMessage(text, MIME_LIMITS);
  for (const p of res.problems) {
    ctx.diagnostic({ severity: p.severity, code: p.code, message: p.message, loc: mapSpan(map, p.start, p.end) });
  }
  if (!res.top) return [];
  const model: MimeModel = { parts: [] };
  const doc = newDocument('mime-multipart', input, ctx, model);
  res.parts.forEach((part, i) => {
    const loc = mapSpan(map, part.start, part.end);
    const entry: MimePart = { contentType: part.contentType, loc };
    if (part.filename !== undefined) entry.filename = part.filename;
    model.parts.push(entry);
    const label = `part[${i}] ${part.contentType}${part.filename ? ` (${part.filename})` : ''}`;
    const body = decodeBody(part, input, ctx, label);
    if (!body || body.text.trim() === '') return;
    const format = partFormat(part.contentType, body.text);
    const docs = ctx.embed(doc, {
      text: body.text,
      map: body.map,
      ...(format ? { format } : {}),
      origin: { via: 'mime-part', loc, label },
    });
    if (docs.length) entry.documentId = docs[0].id;
  });
  return [doc];
}

export const mimeScanner: Scanner = {
  name: 'mime',
  formats: ['mime-multipart'],
  detect({ head }: DetectInput): Format | undefined {
    return looksLikeMultipart(head) ? 'mime-multipart' : undefined;
  },
  detectEmbedded(_targetPath: string | undefined, text: string): Format | undefined {
    return looksLikeMultipart(text.slice(0, 16384)) ? 'mime-multipart' : undefined;
  },
  parse,
};

export default mimeScanner;
