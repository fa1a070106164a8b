/**
 * `faultline audit`: one report over many repositories or directories.
 *
 *   faultline audit --inventory fleet.yaml -f html -o fleet.html [--compare last.json]
 *   faultline audit repos/payments repos/search -f json -o audit.json
 *
 * Each inventory entry is scanned as its own repository (its own root, faultline.yaml and
 * cross-file context); paths in the combined report are prefixed with the entry's name and
 * fingerprints are scoped by it, so identical files in two repositories stay distinct and stable
 * across runs. Team, region and cluster from the inventory label every finding and window.
 *
 * Inventory (YAML or JSON; paths relative to the inventory file):
 *   repositories:
 *     - { name: payments, path: repos/payments, team: payments, region: eu1, cluster: prod-eu }
 *     - { path: repos/search, team: search }            # name defaults to the last path segment
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Finding } from '../engine/finding.js';
import type { ScanResult } from '../engine/result.js';
import { toPosix } from '../engine/walker.js';
import type { Attribution } from '../reports/html.js';
import { checkFormats, fleetAttribution, parseShard, progressBar, shardOf, UsageError, type Io } from './outputs.js';
import { finish, HELP, parseScanArgs, scanRoot, type ScanValues } from './run.js';

export interface InventoryEntry {
  name: string;
  path: string;
  team?: string;
  region?: string;
  cluster?: string;
}

export function loadInventory(file: string): InventoryEntry[] {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--inventory ${file}: ${(e as Error).message}`);
  }
  const list = Array.isArray(data) ? data : (data as { repositories?: unknown })?.repositories;
  if (!Array.isArray(list)) throw new UsageError(`--inventory ${file}: expected a list, or a mapping with 'repositories:' holding a list`);
  const base = path.dirname(file);
  const names = new Set<string>();
  return list.map((raw, i) => {
    const e = (typeof raw === 'string' ? { path: raw } : raw) as Record<string, unknown>;
    if (!e || typeof e.path !== 'string') throw new UsageError(`--inventory ${file}: entry ${i + 1} needs a 'path'`);
    for (const k of Object.keys(e))
      if (!['name', 'path', 'team', 'region', 'cluster'].includes(k)) throw new UsageError(`--inventory ${file}: entry ${i + 1}: unknown key '${k}' (name, path, team, region, cluster)`);
    const abs = path.resolve(base, e.path);
    const name = typeof e.name === 'string' ? e.name : path.basename(abs);
    if (names.has(name)) throw new UsageError(`--inventory ${file}: two entries are named '${name}'; give them distinct 'name's`);
    names.add(name);
    const out: InventoryEntry = { name, path: abs };
    for (const k of ['team', 'region', 'cluster'] as const) if (typeof e[k] === 'string') out[k] = e[k] as string;
    return out;
  });
}

function scopeFingerprint(unit: string, fp: string): string {
  return createHash('sha256').update(`${unit}\0${fp}`).digest('hex').slice(0, Math.max(16, fp.length));
}

function prefixFinding(unit: string, f: Finding): Finding {
  const pre = (p: string) => `${unit}/${p}`;
  return {
    ...f,
    location: { ...f.location, path: pre(f.location.path) },
    related: f.related.map((r) => ({ ...r, path: pre(r.path) })),
    fingerprint: scopeFingerprint(unit, f.fingerprint),
    ...(f.suppression ? { suppression: { ...f.suppression, ...(f.suppression.location ? { location: { ...f.suppression.location, path: pre(f.suppression.location.path) } } : {}) } } : {}),
  };
}

export async function auditCommand(args: string[], io: Io): Promise<number> {
  const { inventory, rest } = takeInventory(args);
  const { values, positionals } = parseScanArgs(rest);
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  checkFormats((values.format ?? ['text']) as string[], (values.output ?? []) as string[]);
  for (const bad of ['changed', 'write-baseline', 'root'] as const) if (values[bad] !== undefined) throw new UsageError(`audit: --${bad} applies to scan, not to audit`);
  const cwd = io.cwd;
  let entries: InventoryEntry[] = [];
  let base = cwd;
  if (inventory) {
    const file = path.resolve(cwd, inventory);
    if (!existsSync(file)) throw new UsageError(`--inventory: no such file: ${inventory}`);
    entries = loadInventory(file);
    base = path.dirname(file);
  }
  for (const p of positionals) {
    const abs = path.resolve(cwd, p);
    const name = toPosix(path.relative(cwd, abs)) || path.basename(abs);
    entries.push({ name, path: abs });
  }
  if (entries.length === 0) throw new UsageError('audit: give --inventory <file> or paths to audit');
  for (const e of entries) if (!existsSync(e.path) || !statSync(e.path).isDirectory()) throw new UsageError(`audit: ${e.name}: no such directory: ${e.path}`);
  if (values.compare && !existsSync(path.resolve(cwd, values.compare))) throw new UsageError(`--compare: no such file: ${values.compare}`);

  // --shard K/N over an audit splits by inventory entry.
  const shard = parseShard(values.shard);
  if (shard) entries = entries.filter((e) => shardOf(e.name, shard.count) === shard.index);
  const perEntry: ScanValues = { ...values, shard: undefined };

  const bar = progressBar(io, !values.quiet, 'auditing');
  const results: { entry: InventoryEntry; result: ScanResult; attribute: (p: string) => Attribution }[] = [];
  for (const [i, entry] of entries.entries()) {
    bar?.(i, entries.length, entry.name);
    const root = entry.path;
    const { result, config } = await scanRoot(perEntry, { ...io, cwd }, root, [entry.path]);
    const fleet = fleetAttribution(config);
    results.push({
      entry,
      result,
      attribute: (p) => ({ ...fleet(p), ...(entry.region ? { region: entry.region } : {}), ...(entry.cluster ? { cluster: entry.cluster } : {}), ...(entry.team ? { team: entry.team } : {}), unit: entry.name }),
    });
  }
  bar?.(entries.length, entries.length, 'done');

  const combined = combine(results, base, values);
  const attrs = new Map(results.map((r) => [r.entry.name, r]));
  const attribute = (p: string): Attribution => {
    const name = [...attrs.keys()].filter((n) => p === n || p.startsWith(`${n}/`)).sort((a, b) => b.length - a.length)[0];
    return name ? attrs.get(name)!.attribute(p.slice(name.length + 1)) : {};
  };
  return finish(combined, values, io, { attribute, title: values.title ?? `faultline fleet audit — ${entries.length} ${entries.length === 1 ? 'repository' : 'repositories'}` });
}

function combine(results: { entry: InventoryEntry; result: ScanResult; attribute: (p: string) => Attribution }[], root: string, values: ScanValues): ScanResult {
  const first = results[0]?.result;
  const rules = new Map<string, ScanResult['rules'][number]>();
  const out: ScanResult = {
    tool: first?.tool ?? { name: 'faultline', version: '0', informationUri: 'https://github.com/faultline-dev/faultline' },
    root,
    startedAt: results.map((r) => r.result.startedAt).sort()[0] ?? new Date().toISOString(),
    finishedAt: results.map((r) => r.result.finishedAt).sort().reverse()[0] ?? new Date().toISOString(),
    findings: [],
    diagnostics: [],
    rules: [],
    stats: { filesSeen: 0, filesScanned: 0, filesSkipped: 0, documents: 0, embeddedDocuments: 0, durationMs: 0, findingsBySeverity: { error: 0, warning: 0, info: 0 }, suppressed: 0 },
    failOn: first?.failOn ?? ((values['fail-on'] as ScanResult['failOn'] | undefined) ?? 'error'),
  };
  let schedules = false;
  for (const { entry, result, attribute } of results) {
    const unit = entry.name;
    out.findings.push(...result.findings.map((f) => prefixFinding(unit, f)));
    out.diagnostics.push(...result.diagnostics.map((d) => ({ ...d, path: d.path ? `${unit}/${d.path}` : unit })));
    for (const r of result.rules) if (!rules.has(r.id)) rules.set(r.id, r);
    for (const k of ['filesSeen', 'filesScanned', 'filesSkipped', 'documents', 'embeddedDocuments', 'durationMs'] as const) out.stats[k] += result.stats[k];
    for (const s of ['error', 'warning', 'info'] as const) out.stats.findingsBySeverity[s] += result.stats.findingsBySeverity[s];
    out.stats.suppressed += result.stats.suppressed;
    if (result.schedules) {
      schedules = true;
      out.schedules = [
        ...(out.schedules ?? []),
        ...result.schedules.map((w) => ({ ...w, path: `${unit}/${w.path}`, region: w.region === 'unknown' ? (attribute(w.path).region ?? 'unknown') : w.region })),
      ];
    }
  }
  if (!schedules) delete out.schedules;
  out.rules = [...rules.values()];
  return out;
}

/** `--inventory` is audit-only; take it out before the shared scan option parser sees the rest. */
function takeInventory(args: string[]): { inventory?: string; rest: string[] } {
  const rest: string[] = [];
  let inventory: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--inventory' || a === '-i') {
      inventory = args[++i];
      if (inventory === undefined) throw new UsageError('--inventory needs a file');
    } else if (a.startsWith('--inventory=')) inventory = a.slice('--inventory='.length);
    else rest.push(a);
  }
  return { inventory, rest };
}
