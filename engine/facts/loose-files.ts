/**
 * Loose files: files that only their own node image reads (a script, unit, apt or network file,
 * cloud-config that no template, Dockerfile or Terraform layer provisions; a Dockerfile that copies
 * in no other file; a preseed), whose findings no other file's findings quote, and whose schedules
 * read no other file. A finding on another file can depend on one only through its schedules,
 * which FL201 compares across the fleet: those are kept with the verdict (`StoredSchedule`), so a
 * changed-files scan may leave the file unread while nothing it is read with has changed
 * (engine/parse-session.ts decides; engine/scan-state.ts keeps the verdict and the schedules).
 * A unit or agent file with a schedule is not loose (it is read in a group), nor is any file a
 * schedule reads together with another.
 *
 * A Packer template directory is loose as a whole when nothing launches or builds on its images
 * and it provisions no other file; the names of its images are kept with the verdict.
 *
 * The files of a Terraform module directory are loose together when the module stands alone: it
 * launches no image of the scan (it may name images the scan does not build: their names are kept
 * with the verdict), instantiates no module and no module instantiates it, reads no other file,
 * holds no resource a fact reads across modules (`FLEET_WIDE_TF_TYPES`), and only its own
 * user-data layers (`aws_launch_template.user_data` with no image of the scan under it) claim it.
 *
 * The verdict is taken from a whole-tree scan's model and kept only while the file is unchanged:
 * what could make such a file matter to another (a template, Dockerfile or Terraform module that
 * starts to provision it, a unit or agent file grouped with it, a Helm release or add-on of a CNI,
 * a changed configuration) is in a file that is read, and what a read file names or groups with
 * is read too.
 */
import type { Document, DocumentOf, HclBody } from '../model.js';
import type { RelatedLocation } from '../rule-api.js';
import type { ScanModel } from '../scan-model.js';
import type { Loc } from '../source.js';
import { TF_VERSION_ATTRS } from './kubernetes.js';
import { groupContexts } from './loose-contexts.js';
import { IMAGE_BUILDER_TF_TYPES, launchesOf, nodeImages, type Launch } from './node-image.js';
import { packerImageNames, type StoredImageName } from './image-names.js';
import { allSchedules, storeSchedule, TERRAFORM_SCHEDULE_TYPES, type StoredSchedule } from './schedules.js';
import { CNI_TF_TYPES, moduleSourceDir, normalizeDir } from './terraform-modules.js';

/**
 * Formats whose only readers are the node-image model, the schedule facts and rules on the document
 * itself. A Dockerfile is an image of its own (loose when it copies no other file in); a preseed is
 * read by no other file's model.
 */
const LOOSE_FORMATS: ReadonlySet<string> = new Set(['shell', 'systemd-unit', 'networkd', 'networkmanager', 'apt-conf', 'keyvalue', 'cloud-config', 'dockerfile', 'preseed']);

/** Images that may be a loose file's own: a loose root file, a Dockerfile (each when it claims only its own file). */
const OWN_IMAGE_KINDS: ReadonlySet<string> = new Set(['file', 'dockerfile']);

/**
 * Terraform resource types a fact reads across modules: schedules (compared fleet-wide), cluster
 * versions (the lowest one gates Kubernetes advice everywhere), a CNI's Helm release or add-on
 * (quoted by findings on every image), EC2 Image Builder components and recipes (the images they
 * build). A module with one of them is not loose. A new reader of Terraform across modules must add
 * its types here.
 */
const FLEET_WIDE_TF_TYPES: ReadonlySet<string> = new Set([...TERRAFORM_SCHEDULE_TYPES, ...Object.keys(TF_VERSION_ATTRS), ...CNI_TF_TYPES, ...IMAGE_BUILDER_TF_TYPES]);

export interface LooseFile {
  /** Unit and agent groups its documents are read in (`groupContexts`). */
  contexts: string[];
  /** For a file of a loose Terraform module: the module's directory (read whole or not at all). */
  module?: string;
  /**
   * For a file of a loose Terraform module: what its resources launch by name (matching no image
   * of the scan when judged; a changed-files run reads the module when a Packer document read
   * comes to name one, see engine/parse-session.ts).
   */
  launches?: Launch[];
  /**
   * For a file of a loose Packer template directory: the names its images are known by, and the
   * clouds that boot them (launched by no module when judged; a changed-files run reads the
   * directory when a Terraform document read comes to launch one).
   */
  images?: StoredImageName[];
  /** The schedules whose every location is in this file (or its module), as FL201 reads them. */
  schedules?: StoredSchedule[];
  documents: number;
  embedded: number;
}

/** The names of a Terraform module directory's files, as the HCL scanner claims them (CDKTF programs are not). */
const MODULE_FILE = /\.(tf|tofu|tfvars)(\.json)?$/i;
/** The names of a Packer template directory's files (a legacy JSON template is never left unread). */
const PACKER_FILE = /\.pkr(vars)?\.(hcl|json)$/i;

/** Whether a root document is a file of a Terraform module or Packer template directory (evaluated and linked per directory). */
function isModuleFile(doc: Document): doc is DocumentOf<'terraform'> | DocumentOf<'packer'> {
  if (doc.origin) return false;
  return (doc.format === 'terraform' && MODULE_FILE.test(doc.file)) || (doc.format === 'packer' && PACKER_FILE.test(doc.file));
}

/** Whether a module file instantiates a module or holds a resource a fact reads across modules. */
function readAcrossModules(body: HclBody): boolean {
  return body.blocks.some((b) => b.type === 'module' || ((b.type === 'resource' || b.type === 'data') && FLEET_WIDE_TF_TYPES.has(b.labels[0] ?? '')));
}

/** The loose files of a whole-tree scan, by path; `reports` are every rule report of the scan. */
export function looseFiles(scan: ScanModel, reports: readonly { loc: Loc; related?: readonly RelatedLocation[] }[]): Map<string, LooseFile> {
  const docsOf = new Map<string, Document[]>();
  const notLoose = new Set<string>();
  // Terraform modules: a directory's `.tf` files, loose together or not at all. A loose module
  // launches no image of the scan (a launcher is an image's consumer, below), instantiates no module
  // and is instantiated by none, reads no other file, holds nothing a fact reads across modules, and
  // only its own user-data layers claim it.
  const moduleOf = new Map<string, string>();
  const notLooseModules = new Set<string>();
  let unknownModuleSource = false;
  for (const d of scan.documents) if (isModuleFile(d)) moduleOf.set(d.file, normalizeDir(d.model.moduleDir));
  for (const d of scan.documents) {
    if (d.origin) continue;
    if (d.format === 'terraform') {
      for (const b of d.model.body.blocks) {
        if (b.type !== 'module') continue;
        const target = moduleSourceDir(normalizeDir(d.model.moduleDir), b, true);
        if (target === undefined) unknownModuleSource = true;
        else if (target !== null) notLooseModules.add(target);
      }
    }
    // a directory that reads other files (provisioned scripts and files, file(), templatefile())
    if (isModuleFile(d) && ((d.model.references ?? []).length || (d.format === 'terraform' && readAcrossModules(d.model.body)))) notLooseModules.add(moduleOf.get(d.file)!);
  }
  for (const d of scan.documents) {
    const root = scan.root(d);
    const module = moduleOf.get(root.file);
    if (module !== undefined && isModuleFile(root)) {
      // a module reads only its own text: a file() or provisioner target is read by the module
      if (d.file !== root.file) {
        notLoose.add(d.file);
        notLooseModules.add(module);
      }
    } else if (d.file !== root.file || !LOOSE_FORMATS.has(root.format)) {
      // content read from another file (a provisioned script, a COPY source) is read by that file
      notLoose.add(d.file);
    }
    const l = docsOf.get(d.file);
    if (l) l.push(d);
    else docsOf.set(d.file, [d]);
  }
  // claimed by an image other than its own loose one: for a module file, a user-data layer of its
  // module that launches no image of the scan
  const claims = new Map<string, number>();
  for (const img of nodeImages(scan)) {
    for (const c of img.consumers) notLoose.add(c.loc.file);
    // a user-data layer on no image of the scan, a template's image that nothing launches or builds on
    const own = (img.kind === 'layer' && !img.base) || (img.kind === 'packer' && !img.consumers.length);
    const module = own ? moduleOf.get(img.loc.file) : undefined;
    if (module !== undefined && [...img.claimedFiles].every((f) => moduleOf.get(f) === module)) continue;
    for (const f of img.claimedFiles) claims.set(f, (claims.get(f) ?? 0) + 1);
    if (!OWN_IMAGE_KINDS.has(img.kind) || img.claimedFiles.size !== 1 || !img.claimedFiles.has(img.loc.file)) for (const f of img.claimedFiles) notLoose.add(f);
  }
  for (const [f, n] of claims) if (n > 1) notLoose.add(f);
  // Schedules: one that reads only its own file (or its own module's files) is stored with that
  // file's verdict, for FL201 to compare with the rest when the file is left unread; one that reads
  // several, or a unit or agent file (read in groups), makes each file it reads not loose, and
  // everything grouped with such a file.
  const scheduled = new Set<string>();
  const stored = new Map<string, StoredSchedule[]>();
  const ownUnit = (files: ReadonlySet<string>): boolean => {
    const [first] = files;
    const m = moduleOf.get(first);
    if (m !== undefined) return [...files].every((f) => moduleOf.get(f) === m);
    if (files.size !== 1) return false;
    const root = docsOf.get(first)?.find((d) => !d.origin);
    return !!root && LOOSE_FORMATS.has(root.format) && !groupContexts(root).length;
  };
  for (const s of allSchedules(scan)) {
    const files = new Set<string>();
    const add = (l: Loc | undefined) => l && files.add(l.file);
    add(s.loc);
    add(s.resourceLoc);
    if (s.document) for (const d of scan.ancestry(s.document)) files.add(d.file);
    for (const r of s.related) add(r.loc);
    add(s.attribution?.loc);
    if (ownUnit(files)) {
      const l = stored.get(s.loc.file);
      if (l) l.push(storeSchedule(s, scan));
      else stored.set(s.loc.file, [storeSchedule(s, scan)]);
    } else for (const f of files) scheduled.add(f);
  }
  const scheduledGroups = new Set<string>();
  for (const f of scheduled) {
    notLoose.add(f);
    for (const d of docsOf.get(f) ?? []) for (const g of groupContexts(d)) scheduledGroups.add(g);
  }
  // quoted by a finding on another file (another module, for a module file)
  for (const r of reports) {
    for (const x of r.related ?? []) {
      const m = moduleOf.get(x.loc.file);
      if (x.loc.file !== r.loc.file && (m === undefined || m !== moduleOf.get(r.loc.file))) notLoose.add(x.loc.file);
    }
  }

  for (const f of notLoose) {
    const m = moduleOf.get(f);
    if (m !== undefined) notLooseModules.add(m);
  }

  // the names of a Packer directory's images, kept with each of its files
  const filesOfModule = new Map<string, string[]>();
  for (const [f, m] of moduleOf) {
    const l = filesOfModule.get(m);
    if (l) l.push(f);
    else filesOfModule.set(m, [f]);
  }
  const unitImages = new Map<string, StoredImageName[]>();
  const imagesOf = (module: string): StoredImageName[] => {
    let names = unitImages.get(module);
    if (!names) unitImages.set(module, (names = packerImageNames((filesOfModule.get(module) ?? []).flatMap((f) => docsOf.get(f) ?? []))));
    return names;
  };
  const schedulesOf = (f: string): { schedules?: StoredSchedule[] } => {
    const l = stored.get(f);
    return l ? { schedules: l } : {};
  };
  const out = new Map<string, LooseFile>();
  for (const [f, docs] of docsOf) {
    const module = moduleOf.get(f);
    if (module !== undefined) {
      if (unknownModuleSource || notLooseModules.has(module)) continue;
      const embedded = docs.filter((d) => d.origin).length;
      const launches = docs.flatMap((d) => (d.origin || d.format !== 'terraform' ? [] : launchesOf(scan, d)));
      const images = imagesOf(module);
      out.set(f, {
        contexts: [],
        module,
        documents: docs.length - embedded,
        embedded,
        ...(launches.length ? { launches } : {}),
        ...(images.length ? { images } : {}),
        ...schedulesOf(f),
      });
      continue;
    }
    if (notLoose.has(f)) continue;
    const contexts = [...new Set(docs.flatMap(groupContexts))];
    if (contexts.some((g) => scheduledGroups.has(g))) continue;
    const embedded = docs.filter((d) => d.origin).length;
    out.set(f, { contexts, documents: docs.length - embedded, embedded, ...schedulesOf(f) });
  }
  return out;
}
