/**
 * A small JSON parser that keeps positions: every node knows its span in the parsed text and
 * every string knows, character by character, where its decoded text came from. Used for
 * `.tf.json`, `.tfvars.json`, `.pkr.json` and legacy Packer JSON templates.
 *
 * It never throws: syntax errors stop the parse and are returned with their offset, together
 * with everything parsed up to that point (containers are attached to their parent before they
 * are filled). Nesting deeper than `maxDepth` is skipped without recursion.
 */

export type JNode = JObject | JArray | JString | JNumber | JBool | JNull;

export interface JObject {
  k: 'obj';
  s: number;
  e: number;
  members: JMember[];
}
export interface JArray {
  k: 'arr';
  s: number;
  e: number;
  items: JNode[];
}
export interface JString {
  k: 'str';
  s: number;
  e: number;
  value: string;
  /** Offsets (in the parsed text) of each decoded character, -1 for characters produced by an escape with no verbatim source. */
  pos: Int32Array;
}
export interface JNumber {
  k: 'num';
  s: number;
  e: number;
  value: number;
}
export interface JBool {
  k: 'bool';
  s: number;
  e: number;
  value: boolean;
}
export interface JNull {
  k: 'null';
  s: number;
  e: number;
  /** Set when the value was skipped because it nests too deeply. */
  truncated?: boolean;
}

export interface JMember {
  key: JString;
  value: JNode;
}

export interface JsonParseResult {
  root?: JNode;
  error?: { message: string; at: number };
  /** Offset of the first value skipped for nesting deeper than maxDepth. */
  tooDeepAt?: number;
}

class JsonError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

export function parseJson(text: string, maxDepth: number): JsonParseResult {
  const p = new JsonParser(text, maxDepth);
  const result: JsonParseResult = {};
  try {
    p.ws();
    p.value(0, (n) => (result.root = n));
    p.ws();
    if (p.i < text.length) throw new JsonError('unexpected text after the JSON value', p.i);
  } catch (e) {
    if (e instanceof JsonError) result.error = { message: e.message, at: e.at };
    else throw e;
  }
  if (p.tooDeepAt !== undefined) result.tooDeepAt = p.tooDeepAt;
  return result;
}

class JsonParser {
  i = 0;
  tooDeepAt?: number;
  constructor(
    readonly text: string,
    readonly maxDepth: number,
  ) {
    if (text.charCodeAt(0) === 0xfeff) this.i = 1;
  }

  ws(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  value(depth: number, attach: (n: JNode) => void): void {
    const t = this.text;
    if (this.i >= t.length) throw new JsonError('unexpected end of JSON', this.i);
    const c = t[this.i];
    if ((c === '{' || c === '[') && depth >= this.maxDepth) {
      const s = this.i;
      this.tooDeepAt ??= s;
      this.skipNested();
      attach({ k: 'null', s, e: this.i, truncated: true });
      return;
    }
    if (c === '{') return this.object(depth, attach);
    if (c === '[') return this.array(depth, attach);
    if (c === '"') return attach(this.string());
    if (c === '-' || (c >= '0' && c <= '9')) return attach(this.number());
    for (const [word, node] of [
      ['true', { k: 'bool', value: true }],
      ['false', { k: 'bool', value: false }],
      ['null', { k: 'null' }],
    ] as const) {
      if (t.startsWith(word, this.i)) {
        const s = this.i;
        this.i += word.length;
        attach({ ...node, s, e: this.i } as JNode);
        return;
      }
    }
    throw new JsonError(`unexpected character ${JSON.stringify(c)}`, this.i);
  }

  object(depth: number, attach: (n: JNode) => void): void {
    const node: JObject = { k: 'obj', s: this.i, e: this.i + 1, members: [] };
    attach(node);
    this.i++;
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      node.e = this.i;
      return;
    }
    for (;;) {
      this.ws();
      if (this.text[this.i] !== '"') throw new JsonError('expected a string key', this.i);
      const key = this.string();
      this.ws();
      if (this.text[this.i] !== ':') throw new JsonError("expected ':' after key", this.i);
      this.i++;
      this.ws();
      this.value(depth + 1, (v) => node.members.push({ key, value: v }));
      node.e = this.i;
      this.ws();
      const c = this.text[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === '}') {
        this.i++;
        node.e = this.i;
        return;
      }
      throw new JsonError("expected ',' or '}' in object", this.i);
    }
  }

  array(depth: number, attach: (n: JNode) => void): void {
    const node: JArray = { k: 'arr', s: this.i, e: this.i + 1, items: [] };
    attach(node);
    this.i++;
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      node.e = this.i;
      return;
    }
    for (;;) {
      this.ws();
      this.value(depth + 1, (v) => node.items.push(v));
      node.e = this.i;
      this.ws();
      const c = this.text[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === ']') {
        this.i++;
        node.e = this.i;
        return;
      }
      throw new JsonError("expected ',' or ']' in array", this.i);
    }
  }

  string(): JString {
    const t = this.text;
    const s = this.i;
    this.i++;
    // first pass: find the end to size the position array
    let j = this.i;
    while (j < t.length && t[j] !== '"') {
      if (t[j] === '\\') j++;
      else if (t.charCodeAt(j) < 0x20) throw new JsonError('control character in string', j);
      j++;
    }
    if (j >= t.length) throw new JsonError('unterminated string', s);
    const pos = new Int32Array(j - this.i);
    let out = '';
    let n = 0;
    let runStart = this.i;
    while (this.i < j) {
      const c = t[this.i];
      if (c !== '\\') {
        pos[n++] = this.i;
        this.i++;
        continue;
      }
      out += t.slice(runStart, this.i);
      const e = t[this.i + 1];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          pos[n++] = this.i + 1; // the escaped character itself appears verbatim
          this.i += 2;
          break;
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          out += { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }[e];
          pos[n++] = -1;
          this.i += 2;
          break;
        case 'u': {
          const hex = t.slice(this.i + 2, this.i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new JsonError('invalid \\u escape', this.i);
          out += String.fromCharCode(parseInt(hex, 16));
          pos[n++] = -1;
          this.i += 6;
          break;
        }
        default:
          throw new JsonError('invalid escape', this.i);
      }
      runStart = this.i;
    }
    out += t.slice(runStart, this.i);
    this.i = j + 1;
    return { k: 'str', s, e: this.i, value: out, pos: pos.subarray(0, n) };
  }

  number(): JNumber {
    const m = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.text);
    if (!r || r[0] === '-' || r[0].length === 0) throw new JsonError('invalid number', this.i);
    const s = this.i;
    this.i += r[0].length;
    return { k: 'num', s, e: this.i, value: Number(r[0]) };
  }

  /** Skip a nested value without recursion (strings respected). Throws on EOF. */
  skipNested(): void {
    const t = this.text;
    let depth = 0;
    while (this.i < t.length) {
      const c = t[this.i];
      if (c === '"') {
        this.string();
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          this.i++;
          return;
        }
      }
      this.i++;
    }
    throw new JsonError('unexpected end of JSON', this.i);
  }
}
