/**
 * The dependency direction the folder tree promises (docs/decisions.md): the engine knows scanners,
 * rules and reports only through their interfaces, so nothing under engine/ imports them or the CLI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('architecture', () => {
  it('engine/ imports no scanner, rule, report or CLI module', () => {
    const outside = ['scanners', 'rules', 'reports', 'cli'].map((d) => path.join(repo, d) + path.sep);
    const offenders: string[] = [];
    for (const file of tsFiles(path.join(repo, 'engine'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), m[1]);
        if (outside.some((o) => target.startsWith(o))) offenders.push(`${path.relative(repo, file)} → ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
