/**
 * Documents embedded in cloud-config and Ubuntu autoinstall configs.
 *
 * cloud-config: `write_files[].content` (→ its `path`), `runcmd`/`bootcmd` items (→ shell),
 * `apt.conf` (→ /etc/apt/apt.conf.d/94cloud-init-config).
 * autoinstall: `early-commands`/`late-commands`/`error-commands` (→ shell), `apt.conf` (curtin
 * writes it to /etc/apt/apt.conf.d/94curtin-config on the target), `user-data` (→ a cloud-config
 * document whose root is that mapping, parsed through `ctx.embed` so it gets a proper child id).
 */
import type { Document, MapValue, ScalarValue, Value } from '../../engine/model.js';
import { get, getEntry, isMap, isScalar, items, str } from '../../engine/model.js';
import { opaqueMap } from '../../engine/offset-map.js';
import type { ParseContext } from '../../engine/scanner-api.js';
import { commandText, decodeBase64, decodeSteps, embed, scalarText, type DecodeStep } from './util.js';

export const CLOUD_INIT_APT_CONF = '/etc/apt/apt.conf.d/94cloud-init-config';
export const CURTIN_APT_CONF = '/etc/apt/apt.conf.d/94curtin-config';

/** cloud-init's `canonicalize_extraction`: write_files `encoding` → decoding steps. */
export function writeFilesSteps(encoding: string | undefined): DecodeStep[] {
  const e = (encoding ?? '').toLowerCase().trim();
  if (e === 'gz' || e === 'gzip') return ['gzip'];
  if (['gz+base64', 'gzip+base64', 'gz+b64', 'gzip+b64'].includes(e)) return ['base64', 'gzip'];
  if (e === 'b64' || e === 'base64') return ['base64'];
  return [];
}

function embedWriteFiles(doc: Document, root: MapValue, ctx: ParseContext): void {
  const wf = getEntry(root, 'write_files');
  if (!wf) return;
  items(wf.value).forEach((item, i) => {
    if (!isMap(item)) return;
    const path = str(get(item, 'path'));
    const content = get(item, 'content');
    if (!path || !isScalar(content) || content.value === null) return;
    const label = `write_files[${i}] (${path})`;
    const steps = writeFilesSteps(str(get(item, 'encoding')));
    const binary = content.tag === '!!binary';
    let text: string;
    let map;
    if (steps.length === 0 && !binary) {
      ({ text, map } = scalarText(content, ctx));
    } else {
      const raw = String(content.value);
      let input: string | Buffer = raw;
      if (binary) {
        const b = decodeBase64(raw);
        if (!b) {
          ctx.diagnostic({ severity: 'warning', code: 'parse-error', message: `${label}: !!binary content is not valid base64`, loc: content.loc });
          return;
        }
        input = b;
      }
      const r = decodeSteps(input, steps, ctx.limits.maxFileBytes);
      if (!r.ok) {
        ctx.diagnostic({
          severity: r.code === 'parse-error' || r.code === 'file-too-large' ? 'warning' : 'info',
          code: r.code,
          message: `${label}: ${r.message}; content not analysed`,
          loc: content.loc,
        });
        return;
      }
      text = r.text;
      map = opaqueMap(content.loc.file, content.loc.start, content.loc.end);
    }
    embed(doc, ctx, { text, map, via: 'write-files', loc: item.loc, targetPath: path, label });
  });
}

function embedCommands(
  doc: Document,
  root: MapValue,
  key: string,
  via: 'runcmd' | 'bootcmd' | 'autoinstall-late-commands',
  ctx: ParseContext,
): void {
  const e = getEntry(root, key);
  if (!e) return;
  items(e.value).forEach((item, i) => {
    const t = commandText(item, ctx);
    if (!t || t.text.trim() === '') return;
    embed(doc, ctx, { text: t.text, map: t.map, format: 'shell', via, loc: item.loc, label: `${key}[${i}]` });
  });
}

function embedAptConf(doc: Document, root: MapValue, ctx: ParseContext, targetPath: string, owner: string): void {
  const conf = get(root, 'apt', 'conf');
  if (!isScalar(conf) || typeof conf.value !== 'string' || conf.value.trim() === '') return;
  const t = scalarText(conf as ScalarValue, ctx);
  embed(doc, ctx, {
    text: t.text,
    map: t.map,
    format: 'apt-conf',
    via: 'write-files',
    loc: conf.loc,
    targetPath,
    label: `${owner} apt.conf (${targetPath})`,
  });
}

export function embedCloudConfig(doc: Document, root: Value, ctx: ParseContext): void {
  if (!isMap(root)) return;
  embedWriteFiles(doc, root, ctx);
  embedCommands(doc, root, 'bootcmd', 'bootcmd', ctx);
  embedCommands(doc, root, 'runcmd', 'runcmd', ctx);
  embedAptConf(doc, root, ctx, CLOUD_INIT_APT_CONF, 'cloud-config');
}

/** Keys only the autoinstall schema has (with `version: 1`, they tell autoinstall from cloud-config). */
const AUTOINSTALL_ONLY_KEYS = [
  'identity',
  'storage',
  'early-commands',
  'late-commands',
  'error-commands',
  'user-data',
  'refresh-installer',
  'interactive-sections',
  'source',
  'kernel',
  'drivers',
  'codecs',
  'oem',
  'debconf-selections',
  'active-directory',
  'ubuntu-pro',
  'updates',
  'shutdown',
];

export function looksLikeAutoinstall(v: Value | undefined): v is MapValue {
  if (!isMap(v)) return false;
  const version = get(v, 'version');
  if (!isScalar(version) || String(version.value) !== '1') return false;
  return AUTOINSTALL_ONLY_KEYS.some((k) => getEntry(v, k) !== undefined);
}

/** The autoinstall section of a document root: `autoinstall:` mapping, or the root itself. */
export function autoinstallSection(root: Value | undefined): MapValue | undefined {
  const ai = getEntry(root, 'autoinstall');
  if (ai && isMap(ai.value)) return ai.value;
  if (looksLikeAutoinstall(root)) return root;
  return undefined;
}

export function embedAutoinstall(doc: Document, section: MapValue, ctx: ParseContext): void {
  for (const key of ['early-commands', 'late-commands', 'error-commands']) {
    embedCommands(doc, section, key, 'autoinstall-late-commands', ctx);
  }
  embedAptConf(doc, section, ctx, CURTIN_APT_CONF, 'autoinstall');
  const ud = getEntry(section, 'user-data');
  if (!ud) return;
  const v = ud.value;
  if (isMap(v)) {
    // Same text and map as this document; the yaml scanner recognises the origin and makes the
    // user-data mapping the root of a cloud-config document.
    embed(doc, ctx, { text: doc.text, map: doc.map, format: 'cloud-config', via: 'autoinstall-user-data', loc: v.loc, label: 'autoinstall user-data' });
  } else if (isScalar(v) && typeof v.value === 'string' && v.value.trim() !== '') {
    const t = scalarText(v, ctx);
    embed(doc, ctx, { text: t.text, map: t.map, format: 'cloud-config', via: 'autoinstall-user-data', loc: v.loc, label: 'autoinstall user-data' });
  }
}
