/**
 * Loose files: files that only their own node image reads (a script, unit, apt or network file,
 * cloud-config that no template, Dockerfile or Terraform layer provisions), whose findings no other
 * file's findings quote, and that feed no schedule. A finding on another file cannot depend on
 * one, so a changed-files scan may leave it unread while nothing it is read with has changed
 * (engine/parse-session.ts decides; engine/scan-state.ts keeps the verdict).
 *
 * The verdict is taken from a whole-tree scan's model and kept only while the file is unchanged:
 * what could make such a file matter to another (a template, Dockerfile or Terraform module that
 * starts to provision it, a unit or agent file grouped with it, a Helm release or add-on of a CNI,
 * a changed configuration) is in a file that is read, and what a read file names or groups with
 * is read too.
 */
import type { Document } from '../model.js';
import type { RelatedLocation } from '../rule-api.js';
import type { ScanModel } from '../scan-model.js';
import type { Loc } from '../source.js';
import { groupContexts } from './loose-contexts.js';
import { nodeImages } from './node-image.js';
import { allSchedules } from './schedules.js';

/** Formats whose only readers are the node-image model, the schedule facts and rules on the document itself. */
const LOOSE_FORMATS: ReadonlySet<string> = new Set(['shell', 'systemd-unit', 'networkd', 'networkmanager', 'apt-conf', 'keyvalue', 'cloud-config']);

export interface LooseFile {
  /** Unit and agent groups its documents are read in (`groupContexts`). */
  contexts: string[];
  documents: number;
  embedded: number;
}

/** The loose files of a whole-tree scan, by path; `reports` are every rule report of the scan. */
export function looseFiles(scan: ScanModel, reports: readonly { loc: Loc; related?: readonly RelatedLocation[] }[]): Map<string, LooseFile> {
  const docsOf = new Map<string, Document[]>();
  const notLoose = new Set<string>();
  for (const d of scan.documents) {
    const root = scan.root(d);
    // content read from another file (a provisioned script, a COPY source) is read by that file
    if (d.file !== root.file || !LOOSE_FORMATS.has(root.format)) notLoose.add(d.file);
    const l = docsOf.get(d.file);
    if (l) l.push(d);
    else docsOf.set(d.file, [d]);
  }
  // claimed by an image other than its own loose one
  const claims = new Map<string, number>();
  for (const img of nodeImages(scan)) {
    for (const f of img.claimedFiles) claims.set(f, (claims.get(f) ?? 0) + 1);
    if (img.kind !== 'file' || img.claimedFiles.size !== 1 || !img.claimedFiles.has(img.loc.file)) for (const f of img.claimedFiles) notLoose.add(f);
  }
  for (const [f, n] of claims) if (n > 1) notLoose.add(f);
  // read by a schedule, and everything grouped with such a file
  const scheduled = new Set<string>();
  const add = (l: Loc | undefined) => l && scheduled.add(l.file);
  for (const s of allSchedules(scan)) {
    add(s.loc);
    add(s.resourceLoc);
    if (s.document) for (const d of scan.ancestry(s.document)) scheduled.add(d.file);
    for (const r of s.related) add(r.loc);
    add(s.attribution?.loc);
  }
  const scheduledGroups = new Set<string>();
  for (const f of scheduled) {
    notLoose.add(f);
    for (const d of docsOf.get(f) ?? []) for (const g of groupContexts(d)) scheduledGroups.add(g);
  }
  // quoted by a finding on another file
  for (const r of reports) for (const x of r.related ?? []) if (x.loc.file !== r.loc.file) notLoose.add(x.loc.file);

  const out = new Map<string, LooseFile>();
  for (const [f, docs] of docsOf) {
    if (notLoose.has(f)) continue;
    const contexts = [...new Set(docs.flatMap(groupContexts))];
    if (contexts.some((g) => scheduledGroups.has(g))) continue;
    const embedded = docs.filter((d) => d.origin).length;
    out.set(f, { contexts, documents: docs.length - embedded, embedded });
  }
  return out;
}
