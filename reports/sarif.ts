/**
 * SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer).
 *
 * Shaped by GitHub's "SARIF support for code scanning" page and by the SARIF Multitool's
 * validation rules run with `--rule-kind "Gh;Sarif"`; the tests run the Multitool and require
 * zero errors and zero warnings. Notable decisions:
 *
 * - `$schema` is the schemastore URL GitHub documents (SARIF1011/SARIF2008).
 * - Every reportingDescriptor (rules and diagnostic notification descriptors) has
 *   `shortDescription`, `fullDescription` and `help.text` (GH2012); texts are capped at GitHub's
 *   1024 characters; `name` is PascalCase (SARIF2012), `helpUri` absolute (SARIF1005).
 * - `driver` has `informationUri`, `version` and `semanticVersion` (SARIF2005).
 * - Result locations are repo-relative, percent-encoded URIs with `uriBaseId: %SRCROOT%`
 *   (GH1005/GH1006/SARIF1004, SARIF2016); `originalUriBaseIds` describes `%SRCROOT%` without an
 *   absolute `uri` (no machine path in the log; the spec allows the uri to be absent).
 * - Regions always carry startLine/startColumn/endLine/endColumn (GH1003, SARIF1007) in UTF-16 code
 *   units (`columnKind`); `snippet` only when the exact region text is known, plus a whole-line
 *   `contextRegion` when it is a proper superset (SARIF1008, SARIF2010/2011).
 * - Related locations always carry a message (GH1007) and an id; they are not linked from the
 *   message text (no Multitool rule asks for it).
 * - `partialFingerprints["faultline/v1"]` is the finding's line-independent fingerprint; GitHub's
 *   upload action adds `primaryLocationLineHash` itself.
 * - `automationDetails.id` is `<category>/` (GitHub: the category is everything before the last
 *   `/`; without a slash the whole id would be a run id and the category empty).
 */
import type { Finding, FindingLocation, Suppression } from '../engine/finding.js';
import type { DiagnosticCode } from '../engine/model.js';
import type { ReportedDiagnostic, RenderOptions, ScanResult } from '../engine/result.js';
import type { RuleMeta, Severity } from '../engine/rule-api.js';
import {
  docsUrl,
  normalizeRange,
  pascalCase,
  rangeText,
  relativePath,
  securitySeverity,
  snippetLines,
  sortedDiagnostics,
  sortedFindings,
  sortedRules,
} from './common.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SARIF_VERSION = '2.1.0';
export const SRCROOT = '%SRCROOT%';
/** Key of our own stable fingerprint in `partialFingerprints`. */
export const FINGERPRINT_KEY = 'faultline/v1';

/** Semantic Versioning 2.0.0 (semver.org's regular expression). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** GitHub displays at most this many characters of descriptions. */
const GITHUB_TEXT_LIMIT = 1024;
/** GitHub keeps at most 10 tags per rule (20 are accepted). */
const GITHUB_TAG_LIMIT = 10;

export type SarifLevel = 'error' | 'warning' | 'note';

export function sarifLevel(severity: Severity): SarifLevel {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

/** GitHub's `problem.severity` vocabulary. */
function problemSeverity(severity: Severity): 'error' | 'warning' | 'recommendation' {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'recommendation';
}

function cap(text: string, limit = GITHUB_TEXT_LIMIT): string {
  const t = text.trim();
  return t.length <= limit ? t : t.slice(0, limit - 1).trimEnd() + '…';
}

/** Percent-encode a repo-relative POSIX path as a relative URI reference. */
export function pathToUri(path: string): string {
  return path
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

// ---------------------------------------------------------------------------------------------
// SARIF object shapes (the subset we emit)

interface SarifMessage {
  text: string;
  markdown?: string;
}
interface SarifRegion {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
  snippet?: { text: string };
}
interface SarifPhysicalLocation {
  artifactLocation: { uri: string; uriBaseId: string };
  region?: SarifRegion;
  contextRegion?: SarifRegion;
}
interface SarifLocation {
  id?: number;
  physicalLocation: SarifPhysicalLocation;
  logicalLocations?: { fullyQualifiedName: string; kind: string }[];
  message?: SarifMessage;
}
interface SarifReportingDescriptor {
  id: string;
  name?: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: SarifMessage;
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties?: Record<string, unknown>;
}
interface SarifSuppression {
  kind: 'inSource' | 'external';
  status: 'accepted';
  justification: string;
  location?: SarifLocation;
  properties: Record<string, unknown>;
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  relatedLocations?: SarifLocation[];
  partialFingerprints: Record<string, string>;
  suppressions?: SarifSuppression[];
  properties?: Record<string, unknown>;
}
interface SarifNotification {
  level: SarifLevel;
  message: SarifMessage;
  locations?: SarifLocation[];
  descriptor: { id: string; index: number };
}
export interface SarifLog {
  $schema: string;
  version: typeof SARIF_VERSION;
  runs: [
    {
      tool: {
        driver: {
          name: 'faultline';
          semanticVersion?: string;
          version: string;
          informationUri: string;
          rules: SarifReportingDescriptor[];
          notifications?: SarifReportingDescriptor[];
        };
      };
      invocations: {
        executionSuccessful: boolean;
        startTimeUtc?: string;
        endTimeUtc?: string;
        toolExecutionNotifications?: SarifNotification[];
      }[];
      originalUriBaseIds: Record<string, { description: SarifMessage }>;
      automationDetails?: { id: string };
      columnKind: 'utf16CodeUnits';
      results: SarifResult[];
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Locations

function region(loc: FindingLocation): SarifRegion {
  const r = normalizeRange(loc.range);
  const out: SarifRegion = {
    startLine: r.start.line,
    startColumn: r.start.column,
    endLine: r.end.line,
    endColumn: r.end.column,
  };
  let text = rangeText(loc);
  // A range that ends at column 1 of the next line (whole lines with their terminator): end it
  // at the end of the previous line instead, so the region does not name a line it has no
  // character of (GitHub shows an alert in a pull request only when all its lines are in the diff).
  if (text !== undefined && r.end.column === 1 && r.end.line > r.start.line && text.endsWith('\n')) {
    const lines = snippetLines(loc)?.lines ?? [];
    const last = lines[r.end.line - 1 - r.start.line];
    if (last !== undefined) {
      out.endLine = r.end.line - 1;
      out.endColumn = last.length + 1;
      text = text.slice(0, -1);
    }
  }
  if (text !== undefined && text !== '') out.snippet = { text };
  return out;
}

/** Whole lines around the region, when the snippet holds them and they say more than the region. */
function contextRegion(loc: FindingLocation, reg: SarifRegion): SarifRegion | undefined {
  if (reg.snippet === undefined) return undefined; // the snippet's shape is not trusted
  const s = snippetLines(loc);
  if (!s) return undefined;
  const last = s.lines[s.lines.length - 1];
  const ctx: SarifRegion = {
    startLine: s.firstLine,
    startColumn: 1,
    endLine: s.firstLine + s.lines.length - 1,
    endColumn: last.length + 1,
    snippet: { text: s.lines.join('\n') },
  };
  const contains =
    ctx.startLine <= reg.startLine &&
    (ctx.startLine < reg.startLine || ctx.startColumn <= reg.startColumn) &&
    (ctx.endLine > reg.endLine || (ctx.endLine === reg.endLine && ctx.endColumn >= reg.endColumn));
  const same =
    ctx.startLine === reg.startLine &&
    ctx.startColumn === reg.startColumn &&
    ctx.endLine === reg.endLine &&
    ctx.endColumn === reg.endColumn;
  return contains && !same ? ctx : undefined;
}

function physicalLocation(root: string, loc: FindingLocation): SarifPhysicalLocation {
  const reg = region(loc);
  const out: SarifPhysicalLocation = {
    artifactLocation: { uri: pathToUri(relativePath(root, loc.path)), uriBaseId: SRCROOT },
    region: reg,
  };
  const ctx = contextRegion(loc, reg);
  if (ctx) out.contextRegion = ctx;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rules

function helpText(rule: RuleMeta, uri: string | undefined): string {
  const parts = [
    `${rule.id} ${rule.name}: ${rule.title}`,
    rule.description.trim(),
    `Why it matters: ${rule.rationale.trim()}`,
    `How to fix: ${rule.remediation.trim()}`,
  ];
  if (uri) parts.push(`Documentation: ${uri}`);
  return parts.join('\n\n');
}

function helpMarkdown(rule: RuleMeta, uri: string | undefined): string {
  const parts = [
    `# ${rule.title}`,
    `\`${rule.id}\` · \`${rule.name}\` · family \`${rule.family}\` · default severity \`${rule.severity}\``,
    rule.description.trim(),
    `## Why it matters\n\n${rule.rationale.trim()}`,
    `## How to fix\n\n${rule.remediation.trim()}`,
  ];
  if (uri) parts.push(`[Documentation for ${rule.id} ${rule.name}](${uri})`);
  return parts.join('\n\n');
}

/**
 * `name` as a PascalCase identifier (SARIF2012), left out when it would equal the id ignoring
 * case (SARIF1001: id and name must differ).
 */
function friendlyName(id: string, name: string): { name?: string } {
  const n = pascalCase(name);
  return n.toLowerCase() === id.toLowerCase() ? {} : { name: n };
}

function tags(rule: RuleMeta): string[] {
  const out: string[] = [];
  for (const t of [...(rule.tags ?? []), rule.family]) {
    if (t && !out.includes(t)) out.push(t);
  }
  return out.slice(0, GITHUB_TAG_LIMIT);
}

function ruleDescriptor(tool: ScanResult['tool'], rule: RuleMeta): SarifReportingDescriptor {
  const uri = docsUrl(tool, rule.docs);
  const out: SarifReportingDescriptor = {
    id: rule.id,
    ...friendlyName(rule.id, rule.name),
    shortDescription: { text: cap(rule.title) },
    fullDescription: { text: cap(rule.description) },
    help: { text: helpText(rule, uri), markdown: helpMarkdown(rule, uri) },
  } as SarifReportingDescriptor;
  if (uri) out.helpUri = uri;
  out.defaultConfiguration = { level: sarifLevel(rule.severity) };
  out.properties = {
    tags: tags(rule),
    precision: 'high',
    'problem.severity': problemSeverity(rule.severity),
    'security-severity': securitySeverity(rule),
  };
  return out;
}

/** Metadata for a rule that reported findings but is missing from `result.rules`. */
function placeholderRule(f: Finding): RuleMeta {
  return {
    id: f.ruleId,
    name: f.ruleName || f.ruleId.toLowerCase(),
    title: `Rule ${f.ruleId} (${f.ruleName})`,
    family: 'engine',
    severity: f.severity,
    description: `Findings of rule ${f.ruleId} (${f.ruleName}); its metadata was not part of the scan result.`,
    rationale: 'See the rule documentation.',
    remediation: 'See the rule documentation.',
    formats: [],
    scope: 'document',
    messages: {},
    optionsSchema: {},
    defaultOptions: {},
    docs: '',
  };
}

// ---------------------------------------------------------------------------------------------
// Diagnostics → tool execution notifications

const DIAGNOSTICS: Partial<Record<DiagnosticCode, { title: string; description: string }>> = {
  'parse-error': {
    title: 'A file could not be parsed',
    description: 'The file (or an embedded document) is not valid in its format; rules did not see the unparsable part.',
  },
  'invalid-utf8': {
    title: 'A file is not valid UTF-8',
    description: 'The file contains bytes that are not valid UTF-8; it was skipped or read with replacement characters.',
  },
  'binary-file': { title: 'A binary file was skipped', description: 'The file looks binary and was not scanned.' },
  'file-too-large': {
    title: 'A file exceeded the size limit',
    description: 'The file is larger than the configured limit and was not scanned.',
  },
  unreadable: { title: 'A file could not be read', description: 'Reading the file failed (permissions or I/O error).' },
  'symlink-loop': { title: 'A symbolic link loop was found', description: 'A symbolic link points back into its own ancestry; it was not followed.' },
  'symlink-outside-root': {
    title: 'A symbolic link leaves the scan root',
    description: 'A symbolic link resolves outside the scan root; it was not followed.',
  },
  'nesting-too-deep': {
    title: 'A document is nested too deeply',
    description: 'The document nests deeper than the configured limit; the deeper part was not analysed.',
  },
  'alias-limit': {
    title: 'A YAML alias limit was reached',
    description: 'The document expands too many YAML aliases (a possible alias bomb); expansion stopped at the limit.',
  },
  'embed-depth': {
    title: 'Embedded documents are nested too deeply',
    description: 'Documents embedded in documents exceed the configured depth; the innermost ones were not analysed.',
  },
  'time-budget': {
    title: 'A time budget was exhausted',
    description: 'Analysis of a file or rule ran out of its time budget; its results may be incomplete.',
  },
  unresolved: {
    title: 'A reference could not be resolved',
    description: 'A file, variable or resource referenced by the configuration could not be resolved.',
  },
  'template-unrendered': {
    title: 'A template was not rendered',
    description: 'The file contains template syntax that faultline does not render; the templated parts were not analysed.',
  },
  config: { title: 'Configuration problem', description: 'The faultline configuration contains an invalid or unknown setting.' },
  suppression: {
    title: 'Suppression problem',
    description: 'A suppression is malformed, expired, or matches no finding.',
  },
  'changed-during-scan': {
    title: 'A file changed during the scan',
    description: 'The file changed between the moment its stamp was checked and the moment its text was read; its findings and positions may be off. Scan again.',
  },
  'internal-error': {
    title: 'Internal error',
    description: 'faultline failed internally while scanning; results may be incomplete. Please report it.',
  },
};

function notificationDescriptor(code: string): SarifReportingDescriptor {
  const d = DIAGNOSTICS[code as DiagnosticCode] ?? {
    title: `Diagnostic ${code}`,
    description: `faultline reported a '${code}' problem with the input.`,
  };
  return {
    id: code,
    ...friendlyName(code, `${code}-diagnostic`),
    shortDescription: { text: d.title },
    fullDescription: { text: d.description },
    help: {
      text: `${d.title}.\n\n${d.description}\n\nDiagnostics are problems with the input, not hazards in it: they never fail a scan by themselves.`,
    },
    defaultConfiguration: { level: 'warning' },
  };
}

function notification(root: string, d: ReportedDiagnostic, index: number): SarifNotification {
  const out = { level: sarifLevel(d.severity), message: { text: d.message || d.code } } as SarifNotification;
  if (d.path) {
    const physical: SarifPhysicalLocation = {
      artifactLocation: { uri: pathToUri(relativePath(root, d.path)), uriBaseId: SRCROOT },
    };
    if (d.range) physical.region = region({ path: d.path, range: d.range });
    out.locations = [{ physicalLocation: physical }];
  }
  out.descriptor = { id: d.code, index };
  return out;
}

function utc(iso: string): string | undefined {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/** GitHub reads `automationDetails.id` as `<category>/<run id>`: end the category with `/`. */
export function automationId(category: string): string {
  const c = category.trim();
  return c.endsWith('/') ? c : `${c}/`;
}

// ---------------------------------------------------------------------------------------------

function suppressionOf(root: string, s: Suppression): SarifSuppression {
  const out = {
    kind: s.kind === 'inline' || s.kind === 'annotation' ? 'inSource' : 'external',
    status: 'accepted',
    justification: s.until ? `${s.reason} (until ${s.until})` : s.reason,
  } as SarifSuppression;
  if (s.location) out.location = { physicalLocation: physicalLocation(root, s.location) };
  const props: Record<string, unknown> = { kind: s.kind };
  if (s.until) props.until = s.until;
  out.properties = props;
  return out;
}

function resultOf(root: string, f: Finding, rule: RuleMeta, ruleIndex: number): SarifResult {
  const primary: SarifLocation = { physicalLocation: physicalLocation(root, f.location) };
  if (f.resource) primary.logicalLocations = [{ fullyQualifiedName: f.resource, kind: 'resource' }];
  const out = {
    ruleId: f.ruleId,
    ruleIndex,
    level: sarifLevel(f.severity),
    // GitHub requires a non-empty message text.
    message: { text: f.message.trim() !== '' ? f.message : rule.title },
    locations: [primary],
  } as SarifResult;
  if (f.related.length > 0) {
    out.relatedLocations = f.related.map((rel, i) => ({
      id: i + 1,
      physicalLocation: physicalLocation(root, rel),
      message: { text: rel.message },
    }));
  }
  out.partialFingerprints = { [FINGERPRINT_KEY]: f.fingerprint };
  if (f.suppression) out.suppressions = [suppressionOf(root, f.suppression)];
  if (f.embedding && f.embedding.length > 0) out.properties = { embedding: [...f.embedding] };
  return out;
}

export function buildSarif(result: ScanResult, options: RenderOptions): SarifLog {
  const root = result.root;
  const findings = sortedFindings(result).filter((f) => options.includeSuppressed === true || !f.suppression);

  const rules = sortedRules(result);
  const known = new Set(rules.map((r) => r.id));
  for (const f of findings) {
    if (!known.has(f.ruleId)) {
      known.add(f.ruleId);
      rules.push(placeholderRule(f));
    }
  }
  rules.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));

  const diagnostics = sortedDiagnostics(result);
  const codes = [...new Set(diagnostics.map((d) => d.code))].sort();
  const codeIndex = new Map(codes.map((c, i) => [c, i]));

  const driver: SarifLog['runs'][0]['tool']['driver'] = {
    name: 'faultline',
    ...(SEMVER.test(result.tool.version) ? { semanticVersion: result.tool.version } : {}),
    version: result.tool.version,
    informationUri: result.tool.informationUri,
    rules: rules.map((r) => ruleDescriptor(result.tool, r)),
  };
  if (codes.length > 0) driver.notifications = codes.map(notificationDescriptor);

  const invocation: SarifLog['runs'][0]['invocations'][0] = {
    executionSuccessful: !diagnostics.some((d) => d.code === 'internal-error'),
  };
  const start = utc(result.startedAt);
  const end = utc(result.finishedAt);
  if (start) invocation.startTimeUtc = start;
  if (end && (!start || end >= start)) invocation.endTimeUtc = end;
  if (diagnostics.length > 0) {
    invocation.toolExecutionNotifications = diagnostics.map((d) => notification(root, d, codeIndex.get(d.code) ?? 0));
  }

  const category = options.category?.trim();
  const run: SarifLog['runs'][0] = {
    tool: { driver },
    invocations: [invocation],
    originalUriBaseIds: {
      [SRCROOT]: { description: { text: 'The root of the scanned repository; every artifact URI is relative to it.' } },
    },
    ...(category ? { automationDetails: { id: automationId(category) } } : {}),
    columnKind: 'utf16CodeUnits',
    results: findings.map((f) => {
      const i = ruleIndex.get(f.ruleId) ?? 0;
      return resultOf(root, f, rules[i], i);
    }),
  };

  return { $schema: SARIF_SCHEMA_URI, version: SARIF_VERSION, runs: [run] };
}

export function renderSarif(result: ScanResult, options: RenderOptions): string {
  return JSON.stringify(buildSarif(result, options), null, 2) + '\n';
}

export default renderSarif;
