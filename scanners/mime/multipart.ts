/**
 * A small, strict, bounded MIME multipart parser (RFC 2045/2046) for cloud-init user-data.
 *
 * Works on offsets of the text it is given, so every header and body keeps its place. Accepts
 * CRLF and LF line endings (mixed, as the Terraform cloudinit provider writes them: CRLF headers,
 * LF content). Never throws; problems come back as `problems`.
 */

export interface Header {
  /** Lower-cased name. */
  name: string;
  /** Value with folded continuation lines joined by a space, trimmed. */
  value: string;
  start: number;
  end: number;
}

export interface HeaderBlock {
  headers: Header[];
  /** Offset of the first body character (after the blank line). */
  bodyStart: number;
  /** True when the block ended at a blank line (false: ran into a non-header line or the end). */
  terminated: boolean;
}

export interface Problem {
  severity: 'error' | 'warning' | 'info';
  code: 'parse-error' | 'nesting-too-deep';
  message: string;
  start: number;
  end: number;
}

export interface LeafPart {
  /** Media type, lower-cased, without parameters (`text/x-shellscript`). */
  contentType: string;
  params: Record<string, string>;
  headers: Header[];
  filename?: string;
  transferEncoding: string;
  /** Whole part (headers and body), text offsets. */
  start: number;
  end: number;
  bodyStart: number;
  bodyEnd: number;
  /** Nesting depth of the multipart this part belongs to (0 = top level). */
  depth: number;
}

export interface Limits {
  maxParts: number;
  maxNesting: number;
  maxHeaders: number;
}

export const MIME_LIMITS: Limits = { maxParts: 1000, maxNesting: 4, maxHeaders: 100 };

interface LineInfo {
  start: number;
  /** End of the line's content (before its terminator). */
  end: number;
  /** Start of the next line. */
  next: number;
}

function lineAt(text: string, pos: number, limit: number): LineInfo {
  let e = pos;
  while (e < limit) {
    const c = text.charCodeAt(e);
    if (c === 10) return { start: pos, end: e, next: e + 1 };
    if (c === 13 && text.charCodeAt(e + 1) === 10 && e + 1 < limit) return { start: pos, end: e, next: e + 2 };
    e++;
  }
  return { start: pos, end: limit, next: limit };
}

const HEADER_LINE = /^([!-9;-~]+):[ \t]*(.*)$/;

/** Parse a header block starting at `pos`. */
export function parseHeaderBlock(text: string, pos: number, limit: number, maxHeaders: number): HeaderBlock & { overflow: boolean } {
  const headers: Header[] = [];
  let p = pos;
  let overflow = false;
  while (p < limit) {
    const l = lineAt(text, p, limit);
    const line = text.slice(l.start, l.end);
    if (line === '') return { headers, bodyStart: l.next, terminated: true, overflow };
    if ((line[0] === ' ' || line[0] === '\t') && headers.length > 0) {
      const h = headers[headers.length - 1];
      h.value = `${h.value} ${line.trim()}`.trim();
      h.end = l.end;
      p = l.next;
      continue;
    }
    const m = HEADER_LINE.exec(line);
    if (!m) return { headers, bodyStart: l.start, terminated: false, overflow };
    if (headers.length >= maxHeaders) overflow = true;
    else headers.push({ name: m[1].toLowerCase(), value: m[2].trim(), start: l.start, end: l.end });
    p = l.next;
  }
  return { headers, bodyStart: limit, terminated: false, overflow };
}

/** `type/subtype; a=b; c="d"` → media type and parameters (names lower-cased). */
export function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  let i = value.indexOf(';');
  const type = (i === -1 ? value : value.slice(0, i)).trim().toLowerCase();
  while (i !== -1 && i < value.length) {
    i++;
    while (i < value.length && /[ \t]/.test(value[i])) i++;
    const eq = value.indexOf('=', i);
    if (eq === -1) break;
    const name = value.slice(i, eq).trim().toLowerCase();
    let j = eq + 1;
    while (j < value.length && /[ \t]/.test(value[j])) j++;
    let v = '';
    if (value[j] === '"') {
      j++;
      while (j < value.length && value[j] !== '"') {
        if (value[j] === '\\' && j + 1 < value.length) j++;
        v += value[j];
        j++;
      }
      j++;
      const semi = value.indexOf(';', j);
      i = semi;
    } else {
      const semi = value.indexOf(';', j);
      v = (semi === -1 ? value.slice(j) : value.slice(j, semi)).trim();
      i = semi;
    }
    if (name && !(name in params)) params[name] = v;
  }
  return { type, params };
}

export function headerValue(headers: Header[], name: string): Header | undefined {
  return headers.find((h) => h.name === name);
}

/** `attachment; filename="x.sh"` → x.sh */
export function dispositionFilename(headers: Header[]): string | undefined {
  const h = headerValue(headers, 'content-disposition');
  if (!h) return undefined;
  const { params } = parseContentType(h.value);
  return params['filename'] ?? params['name'];
}

/** Does `text` start with a MIME header block that declares `Content-Type: multipart/...`? */
export function looksLikeMultipart(text: string): boolean {
  let pos = 0;
  if (text.charCodeAt(0) === 0xfeff) pos = 1;
  if (text.startsWith('From ', pos)) pos = lineAt(text, pos, text.length).next;
  const limit = Math.min(text.length, pos + 16384);
  const block = parseHeaderBlock(text, pos, limit, 50);
  if (block.headers.length === 0) return false;
  const ct = headerValue(block.headers, 'content-type');
  return !!ct && /^multipart\//i.test(ct.value.trim()) && /boundary\s*=/i.test(ct.value);
}

export interface MultipartResult {
  parts: LeafPart[];
  problems: Problem[];
  /** The top-level header block (absent when the text is not a multipart message). */
  top?: { headers: Header[]; contentType: string };
}

/**
 * Parse a whole MIME message whose top level must be multipart. Nested multiparts are flattened
 * (their leaf parts are returned with `depth`).
 */
export function parseMultipartMessage(text: string, limits: Limits = MIME_LIMITS): MultipartResult {
  const problems: Problem[] = [];
  const parts: LeafPart[] = [];
  let pos = 0;
  if (text.charCodeAt(0) === 0xfeff) pos = 1;
  if (text.startsWith('From ', pos)) pos = lineAt(text, pos, text.length).next;
  const block = parseHeaderBlock(text, pos, text.length, limits.maxHeaders);
  const ct = headerValue(block.headers, 'content-type');
  if (!ct) {
    problems.push({ severity: 'error', code: 'parse-error', message: 'MIME message has no Content-Type header', start: pos, end: pos });
    return { parts, problems };
  }
  const { type, params } = parseContentType(ct.value);
  const result: MultipartResult = { parts, problems, top: { headers: block.headers, contentType: type } };
  if (!type.startsWith('multipart/')) {
    problems.push({ severity: 'error', code: 'parse-error', message: `MIME message is ${type}, not multipart`, start: ct.start, end: ct.end });
    return result;
  }
  if (!block.terminated) {
    problems.push({ severity: 'warning', code: 'parse-error', message: 'MIME headers are not followed by a blank line', start: block.bodyStart, end: block.bodyStart });
  }
  const state = { count: 0, overflowReported: false };
  parseMultipartBody(text, block.bodyStart, text.length, params['boundary'], ct, 0, limits, parts, problems, state);
  return result;
}

function parseMultipartBody(
  text: string,
  start: number,
  end: number,
  boundary: string | undefined,
  ctHeader: Header,
  depth: number,
  limits: Limits,
  out: LeafPart[],
  problems: Problem[],
  state: { count: number; overflowReported: boolean },
): void {
  if (!boundary || boundary.length > 200) {
    problems.push({
      severity: 'error',
      code: 'parse-error',
      message: boundary ? 'MIME boundary is longer than 200 characters' : 'multipart Content-Type has no boundary parameter',
      start: ctHeader.start,
      end: ctHeader.end,
    });
    return;
  }
  const delim = `--${boundary}`;
  let p = start;
  let partStart = -1;
  let prevEnd = start;
  let closed = false;
  const spans: [number, number][] = [];
  while (p < end) {
    const l = lineAt(text, p, end);
    if (text.startsWith(delim, l.start) && l.end - l.start >= delim.length) {
      const rest = text.slice(l.start + delim.length, l.end);
      const isClose = rest.startsWith('--') && rest.slice(2).trim() === '';
      const isDelim = !isClose && rest.trim() === '';
      if (isClose || isDelim) {
        if (partStart !== -1) spans.push([partStart, Math.max(partStart, prevEnd)]);
        if (isClose) {
          closed = true;
          break;
        }
        partStart = l.next;
        prevEnd = l.next;
        p = l.next;
        continue;
      }
    }
    prevEnd = l.end;
    p = l.next;
  }
  if (!closed) {
    if (partStart !== -1) spans.push([partStart, end]);
    problems.push({
      severity: 'warning',
      code: 'parse-error',
      message: partStart === -1 ? `no MIME part starts with boundary "${boundary}"` : `MIME multipart is missing its closing boundary "${delim}--"`,
      start: partStart === -1 ? start : end,
      end: partStart === -1 ? start : end,
    });
  }
  for (const [s, e] of spans) {
    const hb = parseHeaderBlock(text, s, e, limits.maxHeaders);
    if (hb.overflow) {
      problems.push({ severity: 'warning', code: 'parse-error', message: `MIME part has more than ${limits.maxHeaders} headers`, start: s, end: s });
    }
    // A part that does not start with headers: RFC 2046 says the blank line is required; treat
    // the whole part as a body with default headers.
    const headers = hb.headers.length > 0 ? hb.headers : [];
    const bodyStart = hb.headers.length > 0 || hb.terminated ? hb.bodyStart : s;
    if (hb.headers.length > 0 && !hb.terminated) {
      problems.push({ severity: 'warning', code: 'parse-error', message: 'MIME part headers are not followed by a blank line', start: bodyStart, end: bodyStart });
    }
    const ctH = headerValue(headers, 'content-type');
    const { type, params } = ctH ? parseContentType(ctH.value) : { type: 'text/plain', params: {} as Record<string, string> };
    const cte = (headerValue(headers, 'content-transfer-encoding')?.value ?? '7bit').trim().toLowerCase();
    if (type.startsWith('multipart/') && ctH) {
      if (depth + 1 >= limits.maxNesting) {
        problems.push({ severity: 'warning', code: 'nesting-too-deep', message: `MIME multiparts nested deeper than ${limits.maxNesting} levels; not followed`, start: s, end: s });
        continue;
      }
      if (!['7bit', '8bit', 'binary'].includes(cte)) {
        problems.push({ severity: 'warning', code: 'parse-error', message: `nested multipart with Content-Transfer-Encoding ${cte} is not followed`, start: s, end: s });
        continue;
      }
      parseMultipartBody(text, bodyStart, e, params['boundary'], ctH, depth + 1, limits, out, problems, state);
      continue;
    }
    if (state.count >= limits.maxParts) {
      if (!state.overflowReported) {
        state.overflowReported = true;
        problems.push({ severity: 'warning', code: 'parse-error', message: `more than ${limits.maxParts} MIME parts; the rest are ignored`, start: s, end: s });
      }
      continue;
    }
    state.count++;
    const part: LeafPart = {
      contentType: type,
      params,
      headers,
      transferEncoding: cte,
      start: s,
      end: e,
      bodyStart: Math.min(bodyStart, e),
      bodyEnd: e,
      depth,
    };
    const fn = dispositionFilename(headers);
    if (fn !== undefined) part.filename = fn;
    out.push(part);
  }
}

// ---------------------------------------------------------------------------------------------
// Transfer decodings

/** Quoted-printable → text with `[textStart, srcStart, len]` triples (src = offsets in `src`'s coordinates + base). */
export function decodeQuotedPrintable(src: string, base: number): { text: string; segs: number[]; invalid: boolean } {
  const parts: string[] = [];
  const segs: number[] = [];
  let len = 0;
  let invalid = false;
  const verbatim = (s: string, at: number): void => {
    if (!s) return;
    const n = segs.length;
    if (n >= 3 && segs[n - 3] + segs[n - 1] === len && segs[n - 2] + segs[n - 1] === at) segs[n - 1] += s.length;
    else segs.push(len, at, s.length);
    parts.push(s);
    len += s.length;
  };
  let bytes: number[] = [];
  let bytesAt = 0;
  const flush = (): void => {
    if (!bytes.length) return;
    let s: string;
    try {
      s = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
    } catch {
      invalid = true;
      s = Buffer.from(bytes).toString('latin1');
    }
    if (s.length === 1) {
      segs.push(len, bytesAt, 1);
      parts.push(s);
      len += 1;
    } else {
      parts.push(s);
      len += s.length;
    }
    bytes = [];
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '=') {
      if (src[i + 1] === '\n') {
        i += 2;
        continue;
      }
      if (src[i + 1] === '\r' && src[i + 2] === '\n') {
        i += 3;
        continue;
      }
      const hex = src.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        if (!bytes.length) bytesAt = base + i;
        bytes.push(parseInt(hex, 16));
        i += 3;
        continue;
      }
      // soft break followed by trailing whitespace (=  \n) is allowed by RFC 2045
      const ws = /^=[ \t]+(\r?\n|$)/.exec(src.slice(i, i + 80));
      if (ws) {
        i += ws[0].length;
        continue;
      }
      flush();
      verbatim('=', base + i);
      i++;
      continue;
    }
    flush();
    // a run of literal characters up to '=' or a line end; trailing blanks before a line end are dropped
    let j = i;
    while (j < src.length && src[j] !== '=' && src[j] !== '\n' && src[j] !== '\r') j++;
    let k = j;
    if (j >= src.length || src[j] === '\n' || src[j] === '\r') while (k > i && (src[k - 1] === ' ' || src[k - 1] === '\t')) k--;
    verbatim(src.slice(i, k), base + i);
    if (j < src.length && (src[j] === '\n' || src[j] === '\r')) {
      const nl = src[j] === '\r' && src[j + 1] === '\n' ? 2 : 1;
      verbatim(src.slice(j, j + nl), base + j);
      j += nl;
    }
    i = j;
  }
  flush();
  return { text: parts.join(''), segs, invalid };
}
