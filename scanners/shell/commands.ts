/**
 * Command-line semantics on already-grouped words: wrapper stripping (`sudo`, `env`, ...), GNU
 * option parsing, and the output of `echo`/`printf`.
 */
import { chars, type MText, mtext, push } from './mtext.js';
import { decodeCEscapes, type Word } from './words.js';

export function basename(p: string): string {
  const s = p.replace(/\/+$/, '');
  const i = s.lastIndexOf('/');
  return i >= 0 ? s.slice(i + 1) : s;
}

const ENV_ASSIGN = /^[A-Za-z_][A-Za-z0-9_]*=/;

interface WrapperSpec {
  /** Short options that take an argument (attached or next word). */
  shortArg?: string;
  /** Long options that take the next word as argument (when written without `=`). */
  longArg?: string[];
  /** Non-option arguments consumed before the wrapped command (`chroot NEWROOT`, `timeout DURATION`). */
  positional?: number;
  /** Option values that mean "no wrapped command" (`command -v`): stop, the wrapper is the command. */
  query?: RegExp;
  /** `env`: skip VAR=value words. */
  assignments?: boolean;
  /** Negative-number options such as `nice -10`. */
  numericOpts?: boolean;
}

const WRAPPERS: Record<string, WrapperSpec> = {
  sudo: {
    shortArg: 'ugCDhprtUTR',
    longArg: ['--user', '--group', '--host', '--prompt', '--role', '--type', '--other-user', '--close-from', '--chdir', '--chroot', '--command-timeout'],
    query: /^-(?:l+|v|V|K|-list|-validate|-version|-help|-remove-timestamp)$/,
  },
  doas: { shortArg: 'uC' },
  env: { shortArg: 'uCS', longArg: ['--unset', '--chdir', '--split-string'], assignments: true, query: /^(?:-[a-zA-Z]*S.*|--split-string(=.*)?)$/ },
  nohup: {},
  exec: { shortArg: 'a' },
  command: { query: /^-[a-zA-Z]*[vV][a-zA-Z]*$/ },
  builtin: {},
  time: { shortArg: 'of', longArg: ['--output', '--format'] },
  'in-target': {},
  chroot: { longArg: ['--userspec', '--groups'], positional: 1 },
  nice: { shortArg: 'n', longArg: ['--adjustment'], numericOpts: true },
  ionice: { shortArg: 'cnp', longArg: ['--class', '--classdata', '--pid'], query: /^(?:-[a-zA-Z]*p.*|--pid.*|-P.*|-u.*)$/ },
  timeout: { shortArg: 'sk', longArg: ['--signal', '--kill-after'], positional: 1 },
  setsid: {},
  stdbuf: { shortArg: 'ioe', longArg: ['--input', '--output', '--error'] },
  eatmydata: {},
  unbuffer: {},
};

/**
 * Index of the word that is the command proper, after wrappers. When a wrapper has nothing after
 * it (`exec >/dev/null`, `sudo -i`), the wrapper itself is the command.
 */
export function stripWrappers(words: Word[]): number {
  let i = 0;
  for (let guard = 0; guard < 32 && i < words.length; guard++) {
    const v = words[i].value;
    if (v === undefined) return i;
    const name = basename(v);
    let j = i + 1;
    // curtin in-target [--target=DIR] -- cmd
    if (name === 'curtin' && words[j]?.value === 'in-target') {
      j++;
      while (j < words.length && words[j].value !== undefined && words[j].value!.startsWith('-')) {
        const o = words[j].value!;
        j++;
        if (o === '--') break;
        if (o === '-t' || o === '--target') j++;
      }
      if (j >= words.length) return i;
      i = j;
      continue;
    }
    const spec = WRAPPERS[name];
    if (!spec) return i;
    let stop = false;
    while (j < words.length) {
      const w = words[j].value;
      if (w === undefined) break;
      if (spec.query?.test(w)) {
        stop = true;
        break;
      }
      if (w === '--') {
        j++;
        break;
      }
      if (spec.assignments && ENV_ASSIGN.test(w)) {
        j++;
        continue;
      }
      if (w.startsWith('--') && w.length > 2) {
        j++;
        if (!w.includes('=') && spec.longArg?.includes(w)) j++;
        continue;
      }
      if (w.startsWith('-') && w.length > 1) {
        if (spec.numericOpts && /^-\d+$/.test(w)) {
          j++;
          continue;
        }
        const cluster = w.slice(1);
        let takesNext = false;
        for (let k = 0; k < cluster.length; k++) {
          if (spec.shortArg?.includes(cluster[k])) {
            takesNext = k === cluster.length - 1;
            break;
          }
        }
        j++;
        if (takesNext) j++;
        continue;
      }
      break;
    }
    if (stop) return i;
    j += spec.positional ?? 0;
    if (j >= words.length) return i;
    i = j;
  }
  return i;
}

export interface Opt {
  name: string;
  value?: Word | string;
}

export interface GnuArgs {
  opts: Opt[];
  operands: Word[];
  /** A word in option position whose value is unknown (it may be an option). */
  dynamic: boolean;
}

/**
 * GNU-style argument parsing (options may follow operands; `--` ends options).
 * `shortArg`: short options with a required argument; `shortOptional`: short options whose
 * argument can only be attached (`sed -i.bak`).
 */
export function parseGnu(args: Word[], spec: { shortArg?: string; shortOptional?: string; longArg?: string[] }): GnuArgs {
  const out: GnuArgs = { opts: [], operands: [], dynamic: false };
  for (let k = 0; k < args.length; k++) {
    const w = args[k];
    const v = w.value;
    if (v === undefined) {
      out.dynamic = true;
      out.operands.push(w);
      continue;
    }
    if (v === '--') {
      out.operands.push(...args.slice(k + 1));
      break;
    }
    if (v.startsWith('--') && v.length > 2) {
      const eq = v.indexOf('=');
      if (eq > 0) out.opts.push({ name: v.slice(0, eq), value: v.slice(eq + 1) });
      else if (spec.longArg?.includes(v) && k + 1 < args.length) out.opts.push({ name: v, value: args[++k] });
      else out.opts.push({ name: v });
      continue;
    }
    if (v.startsWith('-') && v.length > 1) {
      const cluster = v.slice(1);
      for (let c = 0; c < cluster.length; c++) {
        const ch = cluster[c];
        if (spec.shortOptional?.includes(ch)) {
          out.opts.push({ name: '-' + ch, value: cluster.slice(c + 1) });
          break;
        }
        if (spec.shortArg?.includes(ch)) {
          const rest = cluster.slice(c + 1);
          if (rest) out.opts.push({ name: '-' + ch, value: rest });
          else if (k + 1 < args.length) out.opts.push({ name: '-' + ch, value: args[++k] });
          else out.opts.push({ name: '-' + ch });
          break;
        }
        out.opts.push({ name: '-' + ch });
      }
      continue;
    }
    out.operands.push(w);
  }
  return out;
}

export function optValue(o: Opt | undefined): string | undefined {
  if (!o || o.value === undefined) return undefined;
  return typeof o.value === 'string' ? o.value : o.value.value;
}

export function joinArgs(args: Word[]): MText | undefined {
  const m = mtext();
  for (let k = 0; k < args.length; k++) {
    const w = args[k];
    if (w.value === undefined || !w.m) return undefined;
    if (k > 0) push(m, ' ', -1);
    for (let p = 0; p < w.m.t.length; p++) push(m, w.m.t[p], w.m.at[p]);
  }
  return m;
}

/** What `echo args...` prints (bash semantics: escapes only with -e), or undefined when dynamic. */
export function echoOutput(args: Word[]): MText | undefined {
  let k = 0;
  let newline = true;
  let escapes = false;
  for (; k < args.length; k++) {
    const v = args[k].value;
    if (v === undefined || !/^-[neE]+$/.test(v)) break;
    for (const c of v.slice(1)) {
      if (c === 'n') newline = false;
      else if (c === 'e') escapes = true;
      else escapes = false;
    }
  }
  const joined = joinArgs(args.slice(k));
  if (!joined) return undefined;
  let out = joined;
  if (escapes) {
    out = mtext();
    if (decodeCEscapes(chars(joined), out, { stopAtC: true, octalNeedsZero: true })) return out;
  }
  if (newline) push(out, '\n', -1);
  return out;
}

/**
 * What `printf FORMAT [args]` prints when FORMAT's only conversions are `%s` (and `%%`): the
 * format is reused until the arguments run out, as printf does. Undefined for other conversions,
 * for `printf -v`, or when the format or an argument is dynamic.
 */
export function printfOutput(args: Word[]): MText | undefined {
  let k = 0;
  if (args[k]?.value === '--') k++;
  const f = args[k];
  if (!f || f.value === undefined || !f.m) return undefined;
  if (f.value.startsWith('-') && f.value.length > 1) return undefined; // -v var, or an unknown option
  const rest = args.slice(k + 1);
  if (rest.some((a) => a.value === undefined || !a.m)) return undefined;
  const c = chars(f.m);
  // split the format into literal runs and %s conversions
  const segs: ({ s: string; at: number[] } | null)[] = [];
  let lit = { s: '', at: [] as number[] };
  let convs = 0;
  for (let i = 0; i < c.s.length; i++) {
    if (c.s[i] !== '%') {
      lit.s += c.s[i];
      lit.at.push(c.at[i]);
      continue;
    }
    const n = c.s[i + 1];
    if (n === '%') {
      lit.s += '%';
      lit.at.push(c.at[i]);
      i++;
      continue;
    }
    if (n !== 's') return undefined;
    segs.push(lit, null);
    lit = { s: '', at: [] };
    convs++;
    i++;
  }
  segs.push(lit);
  const out = mtext();
  let next = 0;
  do {
    for (const seg of segs) {
      if (seg) {
        if (decodeCEscapes(seg, out, { stopAtC: true })) return out;
      } else {
        const a = rest[next++];
        if (a?.m) for (let p = 0; p < a.m.t.length; p++) push(out, a.m.t[p], a.m.at[p]);
      }
    }
  } while (convs > 0 && next < rest.length);
  return out;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash', 'mksh', 'busybox']);

export function isShell(name: string | undefined): boolean {
  return name !== undefined && SHELLS.has(name);
}

/**
 * For `sh [opts] -c SCRIPT ...`: the script word. For a shell reading its script from stdin (no
 * operands, or `-s`): 'stdin'. Otherwise undefined (a script file, or dynamic options).
 */
export function shellScript(argv: Word[]): Word | 'stdin' | undefined {
  let k = 1;
  if (argv[0]?.value !== undefined && basename(argv[0].value) === 'busybox') {
    if (!isShell(argv[1]?.value) || argv[1].value === 'busybox') return undefined;
    k = 2;
  }
  let c = false;
  let s = false;
  for (; k < argv.length; k++) {
    const v = argv[k].value;
    if (v === undefined) return undefined;
    if (v === '--' || v === '-') {
      k++;
      break;
    }
    if (v.startsWith('--')) {
      if (v === '--rcfile' || v === '--init-file') k++;
      continue;
    }
    if ((v.startsWith('-') || v.startsWith('+')) && v.length > 1) {
      const cl = v.slice(1);
      if (v[0] === '-' && cl.includes('c')) c = true;
      if (v[0] === '-' && cl.includes('s')) s = true;
      if (cl.includes('o') || cl.includes('O')) k++;
      continue;
    }
    break;
  }
  if (c) return argv[k];
  if (s || k >= argv.length) return 'stdin';
  return undefined;
}

/** For `su [opts] [user] -c CMD` / `runuser ...`: the command word. */
export function suCommand(argv: Word[]): Word | undefined {
  for (let k = 1; k < argv.length; k++) {
    const v = argv[k].value;
    if (v === undefined) continue;
    if (v === '-c' || v === '--command') return argv[k + 1];
    if (v.startsWith('--command=')) return dropPrefix(argv[k], '--command='.length);
    if (v === '--') return undefined;
    if (['-s', '--shell', '-g', '--group', '-G', '--supp-group', '-w', '--whitelist-environment', '-u', '--user'].includes(v)) k++;
  }
  return undefined;
}

/** The part of a static word after its first `n` value characters (`--command=CMD` → CMD). */
export function dropPrefix(w: Word, n: number): Word | undefined {
  if (w.value === undefined || !w.m) return undefined;
  const c = chars(w.m);
  const m = mtext();
  for (let i = n; i < c.s.length; i++) push(m, c.s[i], c.at[i]);
  const first = c.at.slice(n).find((a) => a >= 0);
  return { start: first ?? w.start, end: w.end, raw: w.raw, value: c.s.slice(n), m, glob: false };
}
