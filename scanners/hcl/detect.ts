/**
 * File recognition for the HCL scanner.
 */
import { posix } from 'node:path';
import type { Format } from '../../engine/model.js';
import type { JsonFlavor } from './json-syntax.js';

export interface HclFileKind {
  format: 'terraform' | 'packer';
  syntax: 'hcl' | 'json' | 'tfvars';
  /** 'native' for HCL syntax; otherwise the JSON flavour. */
  flavor: 'native' | JsonFlavor;
  grammar: 'terraform' | 'hcl';
}

/** Classify a path (and, for plain `.json`, its first bytes). */
export function classifyHclPath(path: string, head?: string): HclFileKind | undefined {
  const base = posix.basename(path).toLowerCase();
  const tf = (syntax: HclFileKind['syntax'], flavor: HclFileKind['flavor']): HclFileKind => ({ format: 'terraform', syntax, flavor, grammar: 'terraform' });
  const pk = (syntax: HclFileKind['syntax'], flavor: HclFileKind['flavor']): HclFileKind => ({ format: 'packer', syntax, flavor, grammar: 'hcl' });
  if (base.endsWith('.tf') || base.endsWith('.tofu')) return tf('hcl', 'native');
  if (base.endsWith('.tf.json') || base.endsWith('.tofu.json')) return tf('json', 'terraform');
  if (base.endsWith('.tfvars')) return tf('tfvars', 'native');
  if (base.endsWith('.tfvars.json')) return tf('tfvars', 'tfvars');
  if (base.endsWith('.pkr.hcl')) return pk('hcl', 'native');
  if (base.endsWith('.pkr.json')) return pk('json', 'packer');
  if (base.endsWith('.pkrvars.hcl')) return pk('tfvars', 'native');
  if (base.endsWith('.pkrvars.json')) return pk('tfvars', 'tfvars');
  if (base.endsWith('.json') && (head === undefined || hasTopLevelKey(head, 'builders'))) return pk('json', 'packer-legacy');
  return undefined;
}

export function detectHcl(input: { path: string; head: string }): Format | undefined {
  const base = posix.basename(input.path).toLowerCase();
  if (base.endsWith('.json') && !/\.(tf|tofu|tfvars|pkr|pkrvars)\.json$/.test(base)) {
    return hasTopLevelKey(input.head, 'builders') ? 'packer' : undefined;
  }
  return classifyHclPath(input.path, input.head)?.format;
}

/**
 * Whether a JSON text (possibly truncated) has `key` among the keys of its top-level object.
 * A tiny tokenizer: strings, braces and brackets; never throws.
 */
export function hasTopLevelKey(head: string, key: string): boolean {
  let i = 0;
  const t = head;
  if (t.charCodeAt(0) === 0xfeff) i = 1;
  while (i < t.length && /\s/.test(t[i])) i++;
  if (t[i] !== '{') return false;
  let depth = 0;
  let expectKey = false;
  while (i < t.length) {
    const c = t[i];
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < t.length && t[j] !== '"') {
        if (t[j] === '\\') {
          s += t[j + 1] ?? '';
          j += 2;
        } else s += t[j++];
      }
      if (j >= t.length) return false;
      if (depth === 1 && expectKey) {
        let k = j + 1;
        while (k < t.length && /\s/.test(t[k])) k++;
        if (t[k] === ':' && s === key) return true;
      }
      expectKey = false;
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth <= 0) return false;
    } else if (c === ',' && depth === 1) expectKey = true;
    i++;
  }
  return false;
}
