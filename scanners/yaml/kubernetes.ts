/**
 * Kubernetes objects and the documents embedded in them.
 *
 * - `kind: List` (and any `*List` kind with `items`, as `kubectl get -o yaml` prints) is expanded
 *   into its items.
 * - Containers whose command line is `sh -c <script>` (bash, ash, dash; `-ec`, `-xc`, ...)
 *   embed the script as shell. Lifecycle hooks and probes stay in the tree.
 * - ConfigMap `data` entries whose key looks like a config file name embed their value with
 *   `targetPath` = the key, so the engine picks the format from the name.
 */
import type { Document, K8sObject, MapValue, Value } from '../../engine/model.js';
import { get, getEntry, isMap, isScalar, isSeq, items, str } from '../../engine/model.js';
import type { ParseContext } from '../../engine/scanner-api.js';
import { embed, scalarText } from './util.js';

function objectOf(v: MapValue, listIndex?: number): K8sObject {
  const o: K8sObject = {
    apiVersion: str(get(v, 'apiVersion')) ?? '',
    kind: str(get(v, 'kind')) ?? '',
    name: str(get(v, 'metadata', 'name')) ?? str(get(v, 'metadata', 'generateName')) ?? '',
    value: v,
    loc: v.loc,
  };
  const ns = str(get(v, 'metadata', 'namespace'));
  if (ns !== undefined && ns !== '') o.namespace = ns;
  if (listIndex !== undefined) o.listIndex = listIndex;
  return o;
}

export function kubernetesObjects(root: MapValue): K8sObject[] {
  const kind = str(get(root, 'kind')) ?? '';
  const list = get(root, 'items');
  if (/List$/.test(kind) && (isSeq(list) || (isScalar(list) && list.value === null))) {
    const out: K8sObject[] = [];
    items(list).forEach((it, i) => {
      if (isMap(it)) out.push(objectOf(it, i));
    });
    return out;
  }
  return [objectOf(root)];
}

/** Pod specs inside an object (Pod, pod templates of workloads, CronJob job templates). */
function podSpecs(obj: K8sObject): { spec: MapValue; path: string }[] {
  const v = obj.value;
  const candidates: [Value | undefined, string][] = [];
  if (obj.kind === 'Pod') candidates.push([get(v, 'spec'), 'spec']);
  candidates.push([get(v, 'template', 'spec'), 'template.spec']);
  candidates.push([get(v, 'spec', 'template', 'spec'), 'spec.template.spec']);
  candidates.push([get(v, 'spec', 'jobTemplate', 'spec', 'template', 'spec'), 'spec.jobTemplate.spec.template.spec']);
  const out: { spec: MapValue; path: string }[] = [];
  for (const [s, path] of candidates) if (isMap(s) && !out.some((o) => o.spec === s)) out.push({ spec: s, path });
  return out;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'ksh', 'zsh', 'mksh']);

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i === -1 ? p : p.slice(i + 1);
}

/** Index of the script argument in `argv` when it is `[sh, ..., -c, <script>, ...]`. */
export function shellScriptIndex(argv: (string | undefined)[]): number | undefined {
  let i = 0;
  const at = (k: number): string | undefined => argv[k];
  const first = at(0);
  if (first === undefined) return undefined;
  if (basename(first) === 'env') {
    i++;
    while (at(i) !== undefined && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(at(i)!) || at(i)!.startsWith('-'))) i++;
  } else if (basename(first) === 'busybox') i++;
  const shell = at(i);
  if (shell === undefined || !SHELLS.has(basename(shell))) return undefined;
  i++;
  let sawC = false;
  while (i < argv.length) {
    const a = at(i);
    if (a === undefined) return undefined;
    if (a === '--' || a === '-') {
      i++;
      break;
    }
    if (/^[-+]o$/.test(a)) {
      i += 2;
      continue;
    }
    if (a.startsWith('--')) {
      i++;
      continue;
    }
    if (/^[-+][A-Za-z]+$/.test(a)) {
      if (a[0] === '-' && a.includes('c')) sawC = true;
      i++;
      continue;
    }
    break;
  }
  if (!sawC || i >= argv.length) return undefined;
  return i;
}

function embedContainerScripts(doc: Document, obj: K8sObject, ctx: ParseContext): void {
  for (const { spec } of podSpecs(obj)) {
    for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
      items(get(spec, field)).forEach((c, ci) => {
        if (!isMap(c)) return;
        const command = getEntry(c, 'command');
        const args = getEntry(c, 'args');
        const words: Value[] = [];
        if (command && isSeq(command.value)) words.push(...command.value.items);
        if (args && isSeq(args.value)) words.push(...args.value.items);
        if (words.length === 0) return;
        const argv = words.map((w) => (isScalar(w) && w.value !== null ? String(w.value) : undefined));
        const idx = shellScriptIndex(argv);
        if (idx === undefined) return;
        const script = words[idx];
        if (!isScalar(script) || typeof script.value !== 'string') return;
        const cname = str(get(c, 'name')) ?? String(ci);
        // `sh -c "$(SCRIPT)"`: the kubelet substitutes the container's env var into the command
        const direct = /^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(script.value.trim());
        if (direct) {
          embedEnvScript(doc, obj, c, direct[1], `${obj.kind}/${obj.name} ${field}[${ci}] (${cname})`, ctx);
          return;
        }
        const t = scalarText(script, ctx);
        embed(doc, ctx, {
          text: t.text,
          map: t.map,
          format: 'shell',
          via: 'kubernetes-command',
          loc: script.loc,
          label: `${obj.kind}/${obj.name} ${field}[${ci}] (${cname}) command`,
        });
        // the script runs `bash -c "${SCRIPT}"` (also through nsenter/chroot): the shell expands the env var
        const seen = new Set<string>();
        for (const m of t.text.matchAll(/(?:^|[\s;&|(])(?:\S*\/)?(?:ba|da|k|z|a)?sh\s+(?:-[A-Za-z]+\s+)*-[A-Za-z]*c[A-Za-z]*\s+(["']?)\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?\1(?=\s|;|$)/g)) {
          if (m[1] === "'" || seen.has(m[2])) continue;
          seen.add(m[2]);
          embedEnvScript(doc, obj, c, m[2], `${obj.kind}/${obj.name} ${field}[${ci}] (${cname})`, ctx);
        }
      });
    }
  }
}

/** Embed the literal `value:` of a container env var as the shell script a `-c` runs, mapped to the value. */
function embedEnvScript(doc: Document, obj: K8sObject, container: MapValue, name: string, label: string, ctx: ParseContext): void {
  const env = items(get(container, 'env')).filter((e) => str(get(e, 'name')) === name).pop();
  const value = env ? get(env, 'value') : undefined;
  if (!isScalar(value) || typeof value.value !== 'string' || value.value.trim() === '') return;
  const t = scalarText(value, ctx);
  embed(doc, ctx, { text: t.text, map: t.map, format: 'shell', via: 'kubernetes-command', loc: value.loc, label: `${label} env ${name}, run by sh -c` });
}

const CONFIG_EXT =
  /\.(conf|cfg|cnf|ini|network|netdev|link|timer|service|socket|mount|automount|path|target|slice|scope|swap|sh|bash|yaml|yml|list|sources|pref|rules|env)$/i;
const CONFIG_NAMES = /^(\d\d[A-Za-z][\w.-]*|sources\.list|preferences|apt\.conf|crontab|sysctl\.conf|hosts|resolv\.conf|Dockerfile|cloud\.cfg|user-data)$/;

export function looksLikeConfigFileName(key: string): boolean {
  if (key.length === 0 || key.length > 255 || /[\s\0]/.test(key)) return false;
  return CONFIG_EXT.test(key) || CONFIG_NAMES.test(key);
}

function embedConfigMapData(doc: Document, obj: K8sObject, ctx: ParseContext): void {
  if (obj.kind !== 'ConfigMap') return;
  const data = get(obj.value, 'data');
  if (!isMap(data)) return;
  for (const e of data.entries) {
    if (!looksLikeConfigFileName(e.key) || !isScalar(e.value) || typeof e.value.value !== 'string') continue;
    const t = scalarText(e.value, ctx);
    embed(doc, ctx, {
      text: t.text,
      map: t.map,
      via: 'kubernetes-configmap',
      loc: e.value.loc,
      targetPath: e.key,
      label: `ConfigMap/${obj.name} data[${e.key}]`,
    });
  }
}

export function embedKubernetes(doc: Document, objects: K8sObject[], ctx: ParseContext): void {
  for (const obj of objects) {
    embedContainerScripts(doc, obj, ctx);
    embedConfigMapData(doc, obj, ctx);
  }
}
