import { describe, expect, it } from 'vitest';
import type { PreseedModel } from '../../../engine/model.js';
import { mapSpan } from '../../../engine/offset-map.js';
import { parseFiles } from '../../../engine/testing.js';
import { preseedScanner } from '../../../scanners/preseed/index.js';
import { at, docsOf, fakeEmbedder, fakeShell, type Recorded, src } from '../../helpers/embed-harness.js';

const detect = (path: string, head = 'd-i debian-installer/locale string en_US\n') => preseedScanner.detect({ path, head });

describe('preseed detection', () => {
  it('recognises preseed files by name and generic .cfg files by content', () => {
    expect(detect('http/preseed.cfg')).toBe('preseed');
    expect(detect('http/preseed-bookworm.cfg')).toBe('preseed');
    expect(detect('http/preseed.cfg.tmpl')).toBe('preseed');
    expect(detect('ubuntu-server.seed')).toBe('preseed');
    expect(detect('x/node.preseed', '# only comments\n')).toBe('preseed');
    expect(detect('http/debian12.cfg')).toBe('preseed');
    expect(detect('http/ks.cfg', '# comment\n\ntasksel tasksel/first multiselect standard\n')).toBe('preseed');
    expect(detect('http/x.cfg.tmpl', '{{ if .Foo }}\nd-i mirror/country string manual\n')).toBe('preseed');
  });

  it('rejects near misses', () => {
    expect(detect('grub.cfg', 'set default=0\nmenuentry "x" {\n')).toBeUndefined();
    expect(detect('http/ks.cfg', 'lang en_US\nkeyboard us\nrootpw --plaintext x\n')).toBeUndefined(); // kickstart
    expect(detect('x/setup.cfg', '[metadata]\nname = x\n')).toBeUndefined();
    expect(detect('x/foo.cfg', 'd-i foo string x\n')).toBeUndefined(); // question without owner/ part
    expect(detect('x/foo.cfg', 'd-i foo/bar strng x\n')).toBeUndefined(); // unknown type
    expect(detect('data/random.seed', '0x1234abcd\n')).toBeUndefined();
    expect(detect('data/empty.seed', '\n# nothing yet\n')).toBe('preseed');
    expect(detect('http/x.cfg', 'd-i mirror/http/proxy \\\n   string http://p/\n')).toBe('preseed'); // continued line
    expect(detect('preseed.txt')).toBeUndefined();
  });

  it('sniffs embedded text', () => {
    expect(preseedScanner.detectEmbedded!(undefined, '# x\nd-i pkgsel/update-policy select none\n')).toBe('preseed');
    expect(preseedScanner.detectEmbedded!(undefined, 'apt-get install -y x\n')).toBeUndefined();
  });
});

describe('preseed parsing (root file)', () => {
  const TEXT = [
    '#### Contents of the preconfiguration file', //                                       1
    'd-i debian-installer/locale string en_US', //                                         2
    'd-i   netcfg/choose_interface\tselect auto', //                                       3
    'd-i pkgsel/update-policy select unattended-upgrades   ', //                           4
    'd-i passwd/root-password password', //                                                5
    'tasksel tasksel/first multiselect standard, ssh-server', //                           6
    'd-i preseed/late_command string \\', //                                               7
    '    in-target apt-get install -y foo; \\', //                                         8
    '    in-target systemctl disable apt-daily-upgrade.timer', //                          9
    'ubiquity ubiquity/success_command string  echo two-spaces', //                       10
    'd-i foo/bar seen false\r', //                                                        11
    '  # indented comment', //                                                            12
  ].join('\n');

  it('parses owner, question, type and value with exact positions, and embeds commands as shell', async () => {
    const rec: Recorded[] = [];
    const r = await parseFiles([preseedScanner, fakeShell(rec)], { 'http/preseed.cfg': TEXT });
    const [doc] = docsOf(r, 'preseed');
    const m: PreseedModel = doc.model;
    expect(m.entries.map((e) => [e.owner, e.question, e.type, e.value])).toEqual([
      ['d-i', 'debian-installer/locale', 'string', 'en_US'],
      ['d-i', 'netcfg/choose_interface', 'select', 'auto'],
      ['d-i', 'pkgsel/update-policy', 'select', 'unattended-upgrades'],
      ['d-i', 'passwd/root-password', 'password', ''],
      ['tasksel', 'tasksel/first', 'multiselect', 'standard, ssh-server'],
      ['d-i', 'preseed/late_command', 'string', 'in-target apt-get install -y foo; in-target systemctl disable apt-daily-upgrade.timer'],
      ['ubiquity', 'ubiquity/success_command', 'string', ' echo two-spaces'],
      ['d-i', 'foo/bar', 'seen', 'false'],
    ]);
    expect(m.entries.map((e) => [at(r, e.loc), at(r, e.valueLoc)])).toEqual([
      ['2:1-2:41', '2:36-2:41'],
      ['3:1-3:42', '3:38-3:42'],
      ['4:1-4:52', '4:33-4:52'],
      ['5:1-5:34', '5:34-5:34'],
      ['6:1-6:55', '6:35-6:55'],
      ['7:1-9:56', '8:5-9:56'],
      ['10:1-10:58', '10:42-10:58'],
      ['11:1-11:23', '11:18-11:23'],
    ]);
    expect(m.comments!.map((c) => [c.text, at(r, c.loc)])).toEqual([
      ['#### Contents of the preconfiguration file', '1:1-1:43'],
      ['# indented comment', '12:3-12:21'],
    ]);
    expect(r.diagnostics).toEqual([]);

    // late_command and success_command become shell documents mapped to the preseed file
    expect(rec.map((x) => [x.text, x.origin?.via, x.origin?.label])).toEqual([
      ['in-target apt-get install -y foo; in-target systemctl disable apt-daily-upgrade.timer', 'preseed-late-command', 'd-i preseed/late_command'],
      [' echo two-spaces', 'preseed-late-command', 'ubiquity ubiquity/success_command'],
    ]);
    const late = rec[0];
    expect(late.origin?.parentId).toBe(doc.id);
    expect(at(r, late.origin!.loc)).toBe('8:5-9:56');
    const w = (word: string) => {
      const i = late.text.indexOf(word);
      return at(r, mapSpan(late.map, i, i + word.length));
    };
    expect(w('apt-get')).toBe('8:15-8:22');
    expect(w('foo;')).toBe('8:34-8:38');
    expect(w('systemctl')).toBe('9:15-9:24');
    expect(w('apt-daily-upgrade.timer')).toBe('9:33-9:56');
    // the joining space is synthetic: a span across it still maps to both sides
    expect(src(r, mapSpan(late.map, late.text.indexOf('foo;'), late.text.indexOf('in-target systemctl') + 9))).toBe('foo; \\\n    in-target');
  });

  it('joins continuation lines with whitespace condensed, including between question and type', async () => {
    const r = await parseFiles([preseedScanner], { 'p.preseed': 'd-i mirror/http/proxy \\\n      string http://proxy:3128/\n' });
    const e = (r.documents[0].model as PreseedModel).entries[0];
    expect([e.question, e.type, e.value, at(r, e.valueLoc), at(r, e.loc)]).toEqual(['mirror/http/proxy', 'string', 'http://proxy:3128/', '2:14-2:32', '1:1-2:32']);
  });
});

describe('preseed malformed input', () => {
  it('reports short lines and unknown types, skips template lines, and keeps the rest', async () => {
    const text = [
      'd-i onlytwo', //                                         1
      'd-i foo/bar strng value', //                             2
      '{% if proxy %}', //                                      3
      'd-i mirror/http/proxy string {{ proxy }}', //             4
      '{% endif %}', //                                         5
      'd-i preseed/late_command string', //                     6 empty: no shell
      'd-i preseed/late_command string \\', //                  7 trailing backslash at EOF
    ].join('\n');
    const rec: Recorded[] = [];
    const r = await parseFiles([preseedScanner, fakeShell(rec)], { 'preseed.cfg': text });
    const m = r.documents.find((d) => d.format === 'preseed')!.model as PreseedModel;
    expect(m.entries.map((e) => [e.question, e.value])).toEqual([
      ['mirror/http/proxy', '{{ proxy }}'],
      ['preseed/late_command', ''],
      ['preseed/late_command', '\\'],
    ]);
    expect(r.diagnostics.map((d) => [d.severity, d.code, at(r, d.loc!)])).toEqual([
      ['error', 'parse-error', '1:1-1:12'],
      ['warning', 'parse-error', '2:13-2:18'],
      ['info', 'template-unrendered', '3:1-3:15'],
    ]);
    expect(rec.map((x) => x.text)).toEqual(['\\']);
  });

  it('survives binary junk, huge lines and 100k-line files', async () => {
    let junk = '';
    for (let i = 0; i < 20000; i++) junk += String.fromCharCode((i * 7919) % 65536);
    const r1 = await parseFiles([preseedScanner], { 'junk.preseed': junk });
    expect(r1.documents).toHaveLength(1);
    expect(r1.diagnostics.length).toBeLessThanOrEqual(101);
    const r2 = await parseFiles([preseedScanner], { 'preseed.cfg': `d-i a/b string ${'x'.repeat(2_000_000)}\n${'\\\n'.repeat(50_000)}d-i c/d string y\n` });
    expect((r2.documents[0].model as PreseedModel).entries.map((e) => e.question)).toEqual(['a/b', 'c/d']);
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(`d-i q${i}/x string \\`, `  value${i}`);
    const t0 = Date.now();
    const r3 = await parseFiles([preseedScanner], { 'preseed.cfg': lines.join('\n') });
    expect(Date.now() - t0).toBeLessThan(5000);
    const es = (r3.documents[0].model as PreseedModel).entries;
    expect(es).toHaveLength(100_000);
    expect(at(r3, es[99_999].valueLoc)).toBe('200000:3-200000:13');
  });
});

describe('preseed embedded in another document', () => {
  it('maps entries and the late_command shell through two maps (indentation + continuation joins)', async () => {
    const parent = [
      'files:', //                                                       1
      '  - path: /srv/http/preseed.cfg', //                              2
      '    content: |', //                                               3
      '      d-i pkgsel/update-policy select none', //                   4
      '      d-i preseed/late_command string \\', //                     5
      '          in-target sh -c "echo hi > /etc/motd"; \\', //          6
      '          in-target apt-mark hold systemd', //                    7
    ].join('\n');
    const rec: Recorded[] = [];
    const r = await parseFiles([fakeEmbedder(), preseedScanner, fakeShell(rec)], { 'build.fake.yaml': parent });
    const [doc] = docsOf(r, 'preseed');
    expect(doc.origin?.targetPath).toBe('/srv/http/preseed.cfg');
    expect(doc.model.entries.map((e) => [e.question, e.value, at(r, e.valueLoc)])).toEqual([
      ['pkgsel/update-policy', 'none', '4:39-4:43'],
      ['preseed/late_command', 'in-target sh -c "echo hi > /etc/motd"; in-target apt-mark hold systemd', '6:11-7:42'],
    ]);
    expect(rec).toHaveLength(1);
    const sh = rec[0];
    expect(sh.origin?.parentId).toBe(doc.id);
    const i = sh.text.indexOf('apt-mark');
    expect(at(r, mapSpan(sh.map, i, i + 8))).toBe('7:21-7:29');
    const j = sh.text.indexOf('/etc/motd');
    expect(src(r, mapSpan(sh.map, j, j + 9))).toBe('/etc/motd');
    expect(at(r, mapSpan(sh.map, j, j + 9))).toBe('6:38-6:47');
  });
});
