/**
 * Recognising apt configuration (apt.conf(5)) by path and by content.
 */

/** Template suffixes looked through (`20auto-upgrades.j2`). */
export const TEMPLATE_SUFFIX = /\.(?:j2|jinja2?|tpl|tmpl|erb)$/i;
/** Files in an `apt.conf.d/` folder of a repository that are clearly something else. */
const NOT_APT = /\.(?:md|markdown|rst|txt|adoc|sh|bash|py|rb|ya?ml|json|toml|tf|hcl|html?)$/i;
/** Backup/packaging leftovers apt skips silently. */
const LEFTOVER = /(?:~|\.(?:bak|orig|rej|swp|disabled|dpkg-(?:old|new|dist|bak|tmp)|ucf-(?:old|new|dist)))$/i;

/**
 * 'apt.conf.d': in an apt.conf.d folder; 'apt.conf': the main file; 'named': a name apt fragments
 * use (`20auto-upgrades`) — content must look like apt.conf; 'template': a `*.j2`/`*.tmpl`
 * anywhere — content must start with an apt option assignment (sniffAptTemplate).
 */
export type AptPathKind = 'apt.conf.d' | 'apt.conf' | 'named' | 'template';

function splitPath(path: string): { base: string; dir: string } {
  const parts = path.replace(/\\/g, '/').split('/');
  return { base: parts[parts.length - 1] ?? '', dir: parts.length >= 2 ? parts[parts.length - 2] : '' };
}

export function classifyAptPath(path: string): AptPathKind | undefined {
  const { base, dir } = splitPath(path);
  if (base === '' || base.startsWith('.')) return undefined;
  const name = base.replace(TEMPLATE_SUFFIX, '');
  if (dir === 'apt.conf.d') return NOT_APT.test(name) || LEFTOVER.test(name) ? undefined : 'apt.conf.d';
  if (name === 'apt.conf') return 'apt.conf';
  if (/auto-upgrades|unattended-upgrades|^\d+periodic$/i.test(name) && !NOT_APT.test(name)) return 'named';
  // a configuration-management template outside apt.conf.d (`templates/80securedrop.j2`): the
  // content decides (sniffAptTemplate), so only templates whose name could be an apt.conf.d file
  if (/\.(?:j2|tmpl)$/i.test(base) && aptIgnoresName(name) === undefined && !NOT_APT.test(name)) return 'template';
  return undefined;
}

/**
 * Whether apt itself reads a file of this name from `apt.conf.d` (apt-pkg's
 * GetListOfFilesInDir(dir, "conf", ...)): no extension or `.conf`, and only letters, digits,
 * `_`, `-`, `:` and `.`. Returns the reason when it does not.
 */
export function aptIgnoresName(base: string): string | undefined {
  if (base.startsWith('.')) return 'hidden files are skipped';
  const dot = base.lastIndexOf('.');
  if (dot >= 0 && base.slice(dot + 1) !== 'conf') return `apt only reads files without an extension or with '.conf' (this one has '.${base.slice(dot + 1)}')`;
  if (!/^[A-Za-z0-9_:.-]+$/.test(base)) return 'the name has characters apt does not accept (only letters, digits, _ - : .)';
  return undefined;
}

/** The first statement of apt.conf-like text, after comments and blank lines. */
function firstStatement(text: string): string | undefined {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = Math.min(text.length, 8192);
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) {
      i++;
      continue;
    }
    if (text.startsWith('//', i) || (c === 35 && !/^#(?:clear|include)\b/.test(text.slice(i, i + 8))) || /^\{[%#]/.test(text.slice(i, i + 2))) {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return undefined;
      i = nl + 1;
      continue;
    }
    if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) return undefined;
      i = close + 2;
      continue;
    }
    return text.slice(i, i + 512);
  }
  return undefined;
}

const STATEMENT =
  /^(?:#(?:clear|include)\s|"?(?:APT|Unattended-Upgrade|DPkg|Acquire|Aptitude)(?:::[^\s"{};:]+)*(?:::)?"?\s*(?:\{|"[^"\n]*"\s*[;{]|[^\s"{};]+\s*;))/i;

/** True when the text starts like apt.conf syntax (`APT::...`, `Unattended-Upgrade::...`, `DPkg { ... }`). */
export function sniffApt(text: string): boolean {
  const first = firstStatement(text);
  return first !== undefined && STATEMENT.test(first);
}

/**
 * Stricter sniffing for templates found by extension alone: the first statement must assign an
 * apt option (`APT::…`, `Unattended-Upgrade::…`, `DPkg::…`, `Acquire::…`) — `#include`/`#clear`
 * (which C or other templates also start with) and bare scopes are not enough.
 */
export function sniffAptTemplate(text: string): boolean {
  const first = firstStatement(text);
  return first !== undefined && !first.startsWith('#') && /^"?(?:APT|Unattended-Upgrade|DPkg|Acquire|Aptitude)::[^\s"{};]+"?\s*(?:"[^"\n]*"\s*;|\{)/i.test(first);
}
