/**
 * The source-mapped document model: what scanners produce and rules read.
 *
 * A `Document` is one parsed unit of configuration — a Kubernetes object stream, a cloud-config,
 * a systemd unit, an apt.conf fragment, a shell script, a Terraform file... — whether it is a
 * file on disk or a document *embedded* in another one (a heredoc in Terraform `user_data`, a
 * `write_files` entry, a Dockerfile `RUN`). Embedded documents record their `origin` so rules and
 * the node-image model can follow the chain, and every location in every model is a `Loc` in the
 * root file on disk.
 *
 * Everything here is plain data: no classes, no parser objects. Documents can be cached,
 * serialised and handed across worker threads.
 */
import type { Loc } from './source.js';
import type { OffsetMap } from './offset-map.js';

// ---------------------------------------------------------------------------------------------
// Formats

export const FORMATS = [
  'kubernetes',
  'cloud-config',
  'autoinstall',
  'imagebuilder',
  'yaml',
  'mime-multipart',
  'terraform',
  'packer',
  'systemd-unit',
  'networkd',
  'networkmanager',
  'keyvalue',
  'apt-conf',
  'preseed',
  'dockerfile',
  'shell',
] as const;
export type Format = (typeof FORMATS)[number];

// ---------------------------------------------------------------------------------------------
// The value tree: YAML, JSON and evaluated HCL all become this.

export type Value = MapValue | SeqValue | ScalarValue | UnknownValue;

export interface MapEntry {
  key: string;
  keyLoc: Loc;
  value: Value;
}

export interface MapValue {
  kind: 'map';
  loc: Loc;
  entries: MapEntry[];
}

export interface SeqValue {
  kind: 'seq';
  loc: Loc;
  items: Value[];
}

export interface ScalarValue {
  kind: 'scalar';
  loc: Loc;
  value: string | number | boolean | null;
  /**
   * For strings: maps offsets in `value` to root offsets, so a document embedded in this string
   * (a block scalar, a heredoc, an escaped JSON string) keeps exact positions. Absent when the
   * string is a verbatim slice starting at `loc.start`.
   */
  map?: OffsetMap;
  /** YAML tag or HCL/JSON origin hint, e.g. '!!binary', 'heredoc'. */
  tag?: string;
}

/** A value a static analyzer cannot know (an unset variable, a data source, a function we do not evaluate). */
export interface UnknownValue {
  kind: 'unknown';
  loc: Loc;
  /** Plain words: why it is unknown ("var.region has no default"). */
  reason: string;
  /** Source text of the expression, when there is one. */
  expr?: string;
}

// ---------------------------------------------------------------------------------------------
// Provenance of embedded documents

export type EmbedVia =
  | 'terraform-user-data'
  | 'terraform-attribute'
  | 'mime-part'
  | 'write-files'
  | 'runcmd'
  | 'bootcmd'
  | 'packer-inline'
  | 'packer-script'
  | 'packer-file'
  | 'dockerfile-run'
  | 'dockerfile-copy'
  | 'shell-heredoc'
  | 'shell-redirect'
  | 'shell-tee'
  | 'imagebuilder-step'
  | 'autoinstall-late-commands'
  | 'autoinstall-user-data'
  | 'preseed-late-command'
  | 'kubernetes-configmap'
  | 'kubernetes-command'
  | 'shell-c';

export interface Origin {
  /** `id` of the document this one was extracted from. */
  parentId: string;
  via: EmbedVia;
  /** Where the parent holds this document (root-file span). */
  loc: Loc;
  /** Absolute path on the node this content is written to, when the embedding says so. */
  targetPath?: string;
  /** Human words for the evidence chain: "write_files[2] (/etc/apt/apt.conf.d/20auto-upgrades)". */
  label: string;
}

// ---------------------------------------------------------------------------------------------
// Documents

export interface DocumentBase<F extends Format, M> {
  /** Unique within a scan: `<path>#<n>` for root documents, `<parentId>/<n>` for embedded ones. */
  id: string;
  format: F;
  /**
   * Root file on disk (repo-relative POSIX path) whose offsets `map` and `loc` refer to: always
   * `map.file`. Usually the parent's file; for content read from another file (a Packer `script`,
   * a `templatefile()`), that other file.
   */
  file: string;
  /** Text of the document itself (for an embedded document, the decoded content). */
  text: string;
  /** Maps offsets in `text` to root-file offsets. */
  map: OffsetMap;
  /** Root-file span covered by the document. */
  loc: Loc;
  /** Set on embedded documents. */
  origin?: Origin;
  model: M;
}

// -- YAML family ------------------------------------------------------------------------------

export interface YamlModel {
  /** Index of this document in its YAML stream (0-based). */
  index: number;
  root: Value;
  /** Comments with their root spans, for suppressions and for humans. */
  comments?: { text: string; loc: Loc }[];
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** The object (for `List` items, the item), as a value tree. */
  value: MapValue;
  loc: Loc;
  /** Set for items of a `List` (or `kind: *List` dump): their index in `items`. */
  listIndex?: number;
}

export interface KubernetesModel extends YamlModel {
  objects: K8sObject[];
}

export type CloudConfigModel = YamlModel;
export type AutoinstallModel = YamlModel;
export type ImageBuilderModel = YamlModel;

export interface MimePart {
  contentType: string;
  filename?: string;
  /** `id` of the document parsed from this part, if any. */
  documentId?: string;
  loc: Loc;
}

export interface MimeModel {
  parts: MimePart[];
}

// -- HCL family -------------------------------------------------------------------------------

/**
 * HCL expressions, as plain data. Terraform/Packer JSON syntax is converted into the same shapes.
 * Kinds the evaluator does not understand stay as 'raw' and evaluate to unknown.
 */
export type Expr =
  | { t: 'literal'; value: string | number | boolean | null; loc: Loc; map?: OffsetMap }
  | { t: 'template'; parts: Expr[]; loc: Loc; heredoc?: boolean }
  | { t: 'ref'; path: (string | number)[]; loc: Loc; text: string }
  | { t: 'call'; fn: string; args: Expr[]; loc: Loc; expandFinal?: boolean }
  | { t: 'tuple'; items: Expr[]; loc: Loc }
  | { t: 'object'; entries: { key: Expr; value: Expr }[]; loc: Loc }
  | { t: 'binary'; op: string; left: Expr; right: Expr; loc: Loc }
  | { t: 'unary'; op: string; operand: Expr; loc: Loc }
  | { t: 'conditional'; cond: Expr; then: Expr; else: Expr; loc: Loc }
  | { t: 'index'; target: Expr; key: Expr; loc: Loc }
  | { t: 'raw'; text: string; loc: Loc };

export interface HclAttribute {
  name: string;
  nameLoc: Loc;
  loc: Loc;
  expr: Expr;
  /** Filled by the link phase: the attribute evaluated in its module's scope. */
  value?: Value;
}

export interface HclBlock {
  type: string;
  labels: string[];
  labelLocs: Loc[];
  typeLoc: Loc;
  loc: Loc;
  body: HclBody;
  /**
   * Terraform JSON `resource`/`data` blocks only: the CDKTF construct path from the block's
   * `"//": {"metadata": {"path": ...}}` (`<stack id>/<construct id>`, as `cdktf synth` writes it).
   */
  constructPath?: string;
  /**
   * Synthesized blocks only (set by the CDKTF link when the scan also holds the app's TypeScript):
   * the `new Construct(this, "id", ...)` expression this block was synthesized from.
   */
  sourceLoc?: Loc;
}

export interface HclBody {
  attributes: HclAttribute[];
  blocks: HclBlock[];
}

export interface HclReference {
  /** What refers to the file: a Packer provisioner, a `file()`/`templatefile()` call. */
  kind: 'packer-script' | 'packer-file' | 'file' | 'templatefile';
  /** Repo-relative POSIX path of the referenced file (resolved against the module/template dir). */
  path: string;
  /** For Packer file provisioners: the destination on the image. */
  destination?: string;
  /** Where the reference is written. */
  loc: Loc;
}

export interface HclModel {
  /** 'hcl' for native syntax, 'json' for .tf.json / .pkr.json; 'tfvars' for variable value files. */
  syntax: 'hcl' | 'json' | 'tfvars';
  body: HclBody;
  /** Files this one pulls in (filled by the link phase). */
  references?: HclReference[];
  /** Directory (repo-relative) of the module or Packer template this file belongs to. */
  moduleDir: string;
  comments?: { text: string; loc: Loc }[];
}

export type TerraformModel = HclModel;
export type PackerModel = HclModel;

// -- line-oriented formats --------------------------------------------------------------------

export interface UnitEntry {
  key: string;
  /** Value with continuation lines joined (backslash-newline → space), surrounding blanks trimmed. */
  value: string;
  loc: Loc;
  keyLoc: Loc;
  valueLoc: Loc;
}

export interface UnitSection {
  name: string;
  nameLoc: Loc;
  loc: Loc;
  entries: UnitEntry[];
}

export interface UnitModel {
  /** The unit's file name (`apt-daily-upgrade.timer`, `10-eth.network`, `networkd.conf`). */
  unitName: string;
  /** For drop-ins (`foo.service.d/override.conf`): the unit or config they extend. */
  dropInFor?: string;
  sections: UnitSection[];
  comments?: { text: string; loc: Loc }[];
}

/**
 * Line-oriented `key = value` files that are not INI units: sysctl.d (`net.ipv4.conf.all.rp_filter = 1`),
 * env-style files (`/etc/flatcar/update.conf`: `REBOOT_STRATEGY=off`) and the small TOML subset
 * update agents use (Zincati drop-ins, Bottlerocket user data: `[table]`, `[[array.table]]`, one
 * `key = scalar-or-one-line-array` per line).
 */
export interface KeyValueEntry {
  /** Dotted TOML table the entry is in ('' at top level, and always '' for sysctl/env). */
  table: string;
  /** For `[[array.table]]` entries: the index of the table element. */
  tableIndex?: number;
  key: string;
  /** Value with quotes removed (TOML basic/literal strings, env quotes); raw text otherwise. */
  value: string;
  /** For TOML one-line arrays of scalars: the items. */
  list?: string[];
  /** TOML value kind; 'raw' for anything the subset does not read (inline tables, multi-line values). */
  kind?: 'string' | 'number' | 'boolean' | 'array' | 'raw';
  loc: Loc;
  keyLoc: Loc;
  valueLoc: Loc;
}

export interface KeyValueModel {
  dialect: 'sysctl' | 'env' | 'toml';
  /** sysctl: `-key = value` (errors ignored) is recorded with `ignoreErrors`. */
  entries: (KeyValueEntry & { ignoreErrors?: boolean })[];
  /** TOML table headers, in order. */
  tables?: { name: string; array: boolean; loc: Loc }[];
  comments?: { text: string; loc: Loc }[];
}

export type AptItem =
  | { t: 'set'; key: string; value: string; loc: Loc; keyLoc: Loc; valueLoc: Loc; listItem: boolean }
  | { t: 'clear'; key: string; loc: Loc }
  | { t: 'include'; path: string; loc: Loc };

export interface AptModel {
  /** Assignments in file order, with fully qualified keys (`APT::Periodic::Unattended-Upgrade`). */
  items: AptItem[];
  comments?: { text: string; loc: Loc }[];
}

export interface PreseedEntry {
  owner: string;
  question: string;
  type: string;
  value: string;
  loc: Loc;
  valueLoc: Loc;
}

export interface PreseedModel {
  entries: PreseedEntry[];
  comments?: { text: string; loc: Loc }[];
}

export interface DockerInstruction {
  keyword: string;
  /** Arguments text, continuation lines joined. */
  args: string;
  loc: Loc;
  argsLoc: Loc;
  /** For exec form `["a","b"]`: the parsed array. */
  exec?: string[];
  /** `id` of the embedded shell document for RUN. */
  shellDocId?: string;
}

export interface DockerModel {
  instructions: DockerInstruction[];
  /** Every `FROM` with its image reference. */
  stages: { image: string; alias?: string; loc: Loc }[];
  comments?: { text: string; loc: Loc }[];
}

// -- shell ------------------------------------------------------------------------------------

export interface ShellWord {
  /** The word's static value after quote removal; undefined when it depends on expansion. */
  value?: string;
  /** Source text. */
  raw: string;
  loc: Loc;
}

export interface ShellCommand {
  /** Command name after stripping `sudo`, `env X=1`, etc.; undefined when dynamic. */
  name?: string;
  argv: ShellWord[];
  loc: Loc;
  /** Redirections `> file`, `>> file`. */
  redirects: { op: string; target: ShellWord; loc: Loc }[];
}

export interface ShellFileWrite {
  /** Absolute target path on the node (static only). */
  path: string;
  mode: 'write' | 'append';
  via: 'heredoc' | 'redirect' | 'tee' | 'copy' | 'move' | 'install' | 'sed';
  loc: Loc;
  /** For copy/move/install: the source path as written. */
  from?: string;
  /** `id` of the embedded document holding the written content, when it is known. */
  contentDocId?: string;
}

export interface ShellModel {
  commands: ShellCommand[];
  writes: ShellFileWrite[];
  comments?: { text: string; loc: Loc }[];
}

// -- the union --------------------------------------------------------------------------------

export interface ModelByFormat {
  kubernetes: KubernetesModel;
  'cloud-config': CloudConfigModel;
  autoinstall: AutoinstallModel;
  imagebuilder: ImageBuilderModel;
  yaml: YamlModel;
  'mime-multipart': MimeModel;
  terraform: TerraformModel;
  packer: PackerModel;
  'systemd-unit': UnitModel;
  networkd: UnitModel;
  /** NetworkManager.conf and conf.d/*.conf: GLib key files, read with the unit INI parser. */
  networkmanager: UnitModel;
  keyvalue: KeyValueModel;
  'apt-conf': AptModel;
  preseed: PreseedModel;
  dockerfile: DockerModel;
  shell: ShellModel;
}

export type DocumentOf<F extends Format> = DocumentBase<F, ModelByFormat[F]>;
export type Document = { [F in Format]: DocumentOf<F> }[Format];

// ---------------------------------------------------------------------------------------------
// Diagnostics: problems with the input, not hazards in it.

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

export type DiagnosticCode =
  | 'parse-error'
  | 'invalid-utf8'
  | 'binary-file'
  | 'file-too-large'
  | 'unreadable'
  | 'symlink-loop'
  | 'symlink-outside-root'
  | 'nesting-too-deep'
  | 'alias-limit'
  | 'embed-depth'
  | 'time-budget'
  | 'unresolved'
  | 'template-unrendered'
  | 'config'
  | 'suppression'
  | 'changed-during-scan'
  | 'internal-error';

export interface Diagnostic {
  severity: DiagnosticSeverity;
  code: DiagnosticCode;
  message: string;
  /** Repo-relative path; always set. */
  file: string;
  /** Root span, when the problem has a place in the file. */
  loc?: Loc;
}

// ---------------------------------------------------------------------------------------------
// Small helpers every rule needs

export function isMap(v: Value | undefined): v is MapValue {
  return v?.kind === 'map';
}
export function isSeq(v: Value | undefined): v is SeqValue {
  return v?.kind === 'seq';
}
export function isScalar(v: Value | undefined): v is ScalarValue {
  return v?.kind === 'scalar';
}

/** Entry of a map by key (last one wins, as in YAML 1.1 loaders and HCL objects). */
export function getEntry(v: Value | undefined, key: string): MapEntry | undefined {
  if (!isMap(v)) return undefined;
  for (let i = v.entries.length - 1; i >= 0; i--) if (v.entries[i].key === key) return v.entries[i];
  return undefined;
}

export function get(v: Value | undefined, ...path: (string | number)[]): Value | undefined {
  // the hottest function of the rules phase, much of it run before V8 optimises it: an indexed
  // loop, not for-of
  let cur: Value | undefined = v;
  for (let i = 0; i < path.length; i++) {
    // null never occurs in a well-formed tree; answered like undefined
    if (cur === undefined || cur === null) return undefined;
    const p = path[i];
    cur = typeof p === 'number' ? (cur.kind === 'seq' ? cur.items[p] : undefined) : getEntry(cur, p)?.value;
  }
  return cur;
}

/** Scalar value as a string ('' for null), or undefined for non-scalars. */
export function str(v: Value | undefined): string | undefined {
  if (!isScalar(v)) return undefined;
  return v.value === null ? '' : String(v.value);
}

/** YAML/HCL truthiness the way cloud-init and Kubernetes read booleans. */
export function bool(v: Value | undefined): boolean | undefined {
  if (!isScalar(v)) return undefined;
  if (typeof v.value === 'boolean') return v.value;
  if (typeof v.value === 'string') {
    const s = v.value.toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(s)) return true;
    if (['false', 'no', 'off', '0', ''].includes(s)) return false;
  }
  if (typeof v.value === 'number') return v.value !== 0;
  return undefined;
}

export function items(v: Value | undefined): Value[] {
  return isSeq(v) ? v.items : [];
}

/** The string items of a value that is a list of strings (e.g. Packer `ami_regions`). */
export function stringItems(v: Value | undefined): string[] {
  if (!v) return [];
  if (v.kind === 'seq') return v.items.map((i) => str(i)).filter((s): s is string => !!s);
  const s = str(v);
  return s ? [s] : [];
}
