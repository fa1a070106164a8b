/**
 * Property-based fuzzing of every scanner and of embedded-document extraction: on arbitrary input
 * near each format's grammar, parsing never throws out of the engine (no internal-error
 * diagnostic), finishes in bounded time, every location of every document, value and diagnostic
 * lies inside its file, and parsing the same text twice gives the same documents and stored facts
 * (parse workers and the cache rely on that).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectScanner, type ParserRegistry } from '../../engine/parse.js';
import { parseRecorded, storedFactsOf } from '../../engine/parse-task.js';
import { DEFAULT_LIMITS } from '../../engine/scanner-api.js';
import { makeSourceFile } from '../../engine/source.js';
import { parseFiles } from '../../engine/testing.js';
import type { Document, Value } from '../../engine/model.js';
import type { Loc } from '../../engine/source.js';
import { allScanners } from '../../scanners/index.js';

/** Fragments that exercise each grammar; the fuzzer glues them together with random noise. */
const TOKENS: Record<string, string[]> = {
  'user-data': ['#cloud-config\n', 'write_files:\n', '  - path: /etc/apt/apt.conf.d/20x\n', '    content: |\n', '      APT::Periodic::Unattended-Upgrade "1";\n', 'runcmd:\n', '  - echo hi > /etc/x\n', "  - [ sh, -c, 'cat <<E > /etc/y\n'", 'E\n', '&a [*a]\n', '{{ .Values.x }}\n', ': "\\u00e9\\t"\n', '|-\n', '>\n', '- ', '  ', '\n'],
  'main.tf': ['resource "aws_instance" "x" {\n', '}\n', '  user_data = <<-EOT\n', '    #cloud-config\n', '    package_upgrade: true\n', '  EOT\n', '  x = "${var.a}"\n', 'locals { a = local.a }\n', 'templatefile("t.tpl", {})', 'base64encode(', ')', '[', ']', '{', '"', '\\', '\n'],
  'a.timer': ['[Timer]\n', 'OnCalendar=*-*-* 06:00\n', 'RandomizedDelaySec=1h\n', 'X=a \\\n', '# c\n', '[Unit\n', '=\n', '\n'],
  'etc/apt/apt.conf.d/20x': ['APT::Periodic {\n', 'Unattended-Upgrade "1";\n', '};\n', '#clear APT;\n', '/* ', ' */', '// c\n', '"', ';', '{', '}', '\n'],
  'preseed.cfg': ['d-i pkgsel/update-policy select unattended-upgrades\n', 'd-i preseed/late_command string ', "in-target sh -c 'echo 1 > /etc/x'", ' \\\n', '#\n', '\n'],
  Dockerfile: ['FROM ubuntu:22.04\n', 'RUN <<EOF\n', 'cat > /etc/x <<E2\n', 'E2\n', 'EOF\n', 'RUN a \\\n', '# escape=`\n', 'COPY <<F /etc/y\n', 'F\n', '["/bin/sh","-c","echo"]\n', '\n'],
  'setup.sh': ['#!/bin/sh\n', 'cat <<EOF > /etc/apt/apt.conf.d/20x\n', 'EOF\n', 'echo "a" | tee -a /etc/b\n', "sh -c 'echo $(date)'\n", 'if true; then\n', 'fi\n', '$(', ')', '"', "'", '`', '\n'],
  'k8s/web.yaml': ['apiVersion: apps/v1\n', 'kind: Deployment\n', 'metadata:\n', '  name: web\n', 'spec:\n', '  template:\n', '    spec:\n', '      containers:\n', '      - name: c\n', '        command: [sh, -c, "apt-get -y upgrade"]\n', '        lifecycle: { preStop: { exec: { command: [sleep, "5"] } } }\n', '        resources: { limits: { cpu: 100m } }\n', '---\n', 'kind: List\nitems:\n', '&a ', '*a', '{{ .Values.x }}', '- ', '  ', '\n'],
  'user-data.mime': ['Content-Type: multipart/mixed; boundary="B"\n', 'MIME-Version: 1.0\n', '\n', '--B\n', 'Content-Type: text/cloud-config\n', 'Content-Transfer-Encoding: base64\n', 'I2Nsb3VkLWNvbmZpZwo=\n', '#cloud-config\npackage_upgrade: true\n', '--B--\n', '\n'],
};

/**
 * Formats recognised by their first bytes, not their path: half the inputs start with such a head
 * (so they reach the parser), the other half are noise all the way (detection must cope too).
 */
const HEADS: Record<string, string> = {
  'user-data': '#cloud-config\n',
  'user-data.mime': 'Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n--B\n',
  'k8s/web.yaml': 'apiVersion: v1\nkind: ConfigMap\n',
};

function textFor(name: string) {
  const tokens = TOKENS[name];
  const text = fc.array(fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 6 }), fc.constantFrom('\r\n', '\t', '😀', '\u0000x')), { maxLength: 60 }).map((parts) => parts.join(''));
  const head = HEADS[name];
  return head === undefined ? text : fc.tuple(fc.boolean(), text).map(([withHead, t]) => (withHead ? head + t : t));
}

function inside(l: Loc, sizes: Map<string, number>): boolean {
  const n = sizes.get(l.file);
  return n !== undefined && l.start >= 0 && l.end >= l.start && l.end <= n;
}

function valueLocs(v: Value | undefined, out: Loc[], depth = 0): void {
  if (!v || depth > 300) return;
  out.push(v.loc);
  if (v.kind === 'map') for (const e of v.entries) (out.push(e.keyLoc), valueLocs(e.value, out, depth + 1));
  if (v.kind === 'seq') for (const i of v.items) valueLocs(i, out, depth + 1);
}

function docLocs(d: Document): Loc[] {
  const out: Loc[] = [d.loc];
  const m = d.model as unknown as Record<string, unknown>;
  if ('root' in m) valueLocs(m.root as Value, out);
  if (d.format === 'systemd-unit' || d.format === 'networkd') for (const s of d.model.sections) for (const e of s.entries) out.push(e.loc, e.keyLoc, e.valueLoc);
  if (d.format === 'apt-conf') for (const i of d.model.items) out.push(i.loc);
  if (d.format === 'preseed') for (const e of d.model.entries) out.push(e.loc, e.valueLoc);
  if (d.format === 'shell') for (const c of d.model.commands) (out.push(c.loc), c.argv.forEach((w) => out.push(w.loc)));
  if (d.format === 'dockerfile') for (const i of d.model.instructions) out.push(i.loc, i.argsLoc);
  if (d.origin) out.push(d.origin.loc);
  return out;
}

/** Parse one root file as the engine does before linking (what a worker returns, what the cache stores). */
function parseOnce(path: string, text: string, others: Record<string, string>): { entry: unknown; facts: unknown[] } | undefined {
  const sources = new Map(Object.entries({ [path]: text, ...others }).map(([p, t]) => [p, makeSourceFile(p, t, '')]));
  const registry: ParserRegistry = { scanners: allScanners, limits: DEFAULT_LIMITS, readRootFile: (p) => sources.get(p.replace(/^\.\//, '')) };
  const file = sources.get(path)!;
  const claim = detectScanner(registry, path, text.slice(0, 4096));
  if (!claim) return undefined;
  const { entry } = parseRecorded(file, claim.format, claim.scanner, registry);
  return { entry, facts: entry.documents.map(storedFactsOf) };
}

describe('fuzzing every scanner', () => {
  for (const name of Object.keys(TOKENS)) {
    it(`${name}: no crash, bounded time, positions inside the file`, async () => {
      await fc.assert(
        fc.asyncProperty(textFor(name), async (text) => {
          const path = name.endsWith('.mime') ? 'user-data' : name;
          const started = Date.now();
          const r = await parseFiles(allScanners, { [path]: text, 't.tpl': '#cloud-config\n' });
          expect(Date.now() - started).toBeLessThan(5000);
          expect(r.diagnostics.filter((d) => d.code === 'internal-error')).toEqual([]);
          const sizes = new Map([...r.files.values()].map((f) => [f.path, f.text.length]));
          for (const d of r.documents) for (const l of docLocs(d)) expect(inside(l, sizes), `${d.id} ${JSON.stringify(l)}`).toBe(true);
          for (const d of r.diagnostics) if (d.loc) expect(inside(d.loc, sizes)).toBe(true);
        }),
        { numRuns: 150, seed: 20261121 },
      );
    });
  }

  // A file's documents may be parsed again instead of kept (a parse worker returns facts-complete
  // files as facts only; the main thread parses one again if a reader needs its body), and the
  // cache replays a parse: both rely on parsing being a function of the text.
  for (const name of Object.keys(TOKENS)) {
    it(`${name}: parsing the same text twice gives the same documents and facts`, async () => {
      for (const s of allScanners) await s.init?.();
      let withDocuments = 0;
      fc.assert(
        fc.property(textFor(name), (text) => {
          const path = name.endsWith('.mime') ? 'user-data' : name;
          const a = parseOnce(path, text, { 't.tpl': '#cloud-config\n' });
          const b = parseOnce(path, text, { 't.tpl': '#cloud-config\n' });
          expect(b).toEqual(a);
          // strictly equal too: no property present in one and undefined or absent in the other, no
          // class changed. Not byte-equal serialisations: V8 writes an array packed or holey as its
          // elements kind happens to be, and `Array.prototype.map` returns either, depending on
          // whether the caller runs optimised (seen once in a loaded full run: `facts` `[null]`
          // written dense by one parse, sparse by the next)
          expect(b).toStrictEqual(a);
          if ((a?.entry as { documents: unknown[] } | undefined)?.documents.length) withDocuments++;
        }),
        { numRuns: 100, seed: 20261122 },
      );
      // the inputs reach the parser (not only detection's refusals)
      expect(withDocuments).toBeGreaterThan(20);
    });
  }
});
