/**
 * Recognising CDKTF sources cheaply.
 *
 * 1. `detect` (path + first 4 KiB, no parse): a TypeScript source outside `node_modules`,
 *    `cdktf.out` and generated bindings whose head mentions an import of `cdktf`, `@cdktf/*` or
 *    `cdktf get` bindings. Unrelated `.ts` files stop here: they are never read in full.
 * 2. `scanImports` (typescript-estree syntax pass over the candidate's full text, no type
 *    information): confirms a real import (not a comment or a string) and finds the stack classes.
 *    typescript-estree itself is loaded on the first candidate only.
 * The ts-morph project is built in the link phase, over confirmed files only.
 */
import { createRequire } from 'node:module';
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { GENERATED_BINDINGS } from './types.js';

const require = createRequire(import.meta.url);

const TS_PATH = /\.(?:ts|mts|cts|tsx)$/i;
const SKIP_PATH = /(?:^|\/)(?:node_modules|cdktf\.out|\.gen|imports\/providers|dist)\/|\.d\.[mc]?ts$/i;
const HEAD_IMPORT = /(?:from|import|require\()\s*['"](?:cdktf|@cdktf\/[^'"]+|[^'"]*(?:\.gen\/providers|imports)\/[^'"]+)['"]/;

export function isCdktfCandidate(path: string, head: string): boolean {
  return TS_PATH.test(path) && !SKIP_PATH.test(path) && HEAD_IMPORT.test(head);
}

export function isCdktfModule(spec: string): boolean {
  return spec === 'cdktf' || spec.startsWith('@cdktf/') || GENERATED_BINDINGS.test(spec);
}

export interface SyntaxScan {
  /** Module specifiers that make this a CDKTF file. */
  cdktfImports: string[];
  /** Classes extending a `…Stack` class, with their ranges. */
  stacks: { name: string; start: number; end: number }[];
  /** Whether a `new` expression sits outside every stack class. */
  topLevelNew: boolean;
}

type Estree = typeof import('@typescript-eslint/typescript-estree');
let estree: Estree | undefined;

/** Parse `text` with typescript-estree (syntax only). Throws on syntax errors. */
export function scanImports(text: string, path: string): SyntaxScan {
  estree ??= require('@typescript-eslint/typescript-estree') as Estree;
  const ast = estree.parse(text, { range: true, jsx: /x$/i.test(path), comment: false, loc: false });
  const out: SyntaxScan = { cdktfImports: [], stacks: [], topLevelNew: false };
  const news: number[] = [];
  estree.simpleTraverse(ast, {
    enter(node: TSESTree.Node) {
      switch (node.type) {
        case 'ImportDeclaration':
        case 'ExportAllDeclaration':
        case 'ExportNamedDeclaration':
          if (node.source && isCdktfModule(node.source.value)) out.cdktfImports.push(node.source.value);
          break;
        case 'CallExpression': {
          const a = node.arguments[0];
          if (node.callee.type === 'Identifier' && node.callee.name === 'require' && a?.type === 'Literal' && typeof a.value === 'string' && isCdktfModule(a.value))
            out.cdktfImports.push(a.value);
          break;
        }
        case 'ImportExpression':
          if (node.source.type === 'Literal' && typeof node.source.value === 'string' && isCdktfModule(node.source.value)) out.cdktfImports.push(node.source.value);
          break;
        case 'ClassDeclaration':
        case 'ClassExpression':
          if (node.id && node.superClass?.type === 'Identifier' && /Stack$/.test(node.superClass.name))
            out.stacks.push({ name: node.id.name, start: node.range[0], end: node.range[1] });
          break;
        case 'NewExpression':
          news.push(node.range[0]);
          break;
        default:
          break;
      }
    },
  });
  out.topLevelNew = news.some((at) => !out.stacks.some((s) => at >= s.start && at < s.end));
  return out;
}
