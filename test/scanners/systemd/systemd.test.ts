import { describe, expect, it } from 'vitest';
import type { UnitModel } from '../../../engine/model.js';
import { parseFiles } from '../../../engine/testing.js';
import { systemdScanner, unitBoolean, unitEntries, unitValue, unitValues } from '../../../scanners/systemd/index.js';
import { at, diags, docsOf, fakeEmbedder, src } from '../../helpers/embed-harness.js';

const detect = (path: string, head = '[Unit]\nDescription=x\n') => systemdScanner.detect({ path, head });

async function parseOne(path: string, text: string) {
  const r = await parseFiles([systemdScanner], { [path]: text });
  const docs = r.documents.filter((d) => d.format === 'systemd-unit' || d.format === 'networkd');
  expect(docs).toHaveLength(1);
  return { r, doc: docs[0], model: docs[0].model as UnitModel };
}

describe('systemd detection', () => {
  it('recognises units, networkd files, drop-ins and templates by path', () => {
    expect(detect('etc/systemd/system/apt-daily-upgrade.timer')).toBe('systemd-unit');
    expect(detect('units/kubelet.service')).toBe('systemd-unit');
    expect(detect('getty@.service')).toBe('systemd-unit');
    for (const ext of ['socket', 'path', 'mount', 'automount', 'target', 'slice', 'swap']) expect(detect(`x.${ext}`)).toBe('systemd-unit');
    expect(detect('etc/systemd/network/10-eth0.network', '[Match]\nName=eth0\n')).toBe('networkd');
    expect(detect('x/25-bond.netdev', '[NetDev]\nName=bond0\n')).toBe('networkd');
    expect(detect('x/99-default.link', '[Link]\nNamePolicy=kernel\n')).toBe('networkd');
    expect(detect('etc/systemd/networkd.conf', '[Network]\n#ManageForeignRoutes=yes\n')).toBe('networkd');
    expect(detect('etc/systemd/networkd.conf.d/10-cilium.conf', '[Network]\nManageForeignRoutes=no\n')).toBe('networkd');
    expect(detect('etc/systemd/network/10-eth0.network.d/override.conf', '[Network]\nDHCP=yes\n')).toBe('networkd');
    expect(detect('etc/systemd/system/apt-daily-upgrade.timer.d/override.conf', '[Timer]\nOnCalendar=\n')).toBe('systemd-unit');
    expect(detect('etc/systemd/system/service.d/10-all.conf', '[Service]\nTimeoutSec=5\n')).toBe('systemd-unit');
    expect(detect('templates/eks-managed.network.tpl', '[Match]\nName=eth*\n')).toBe('networkd');
    expect(detect('roles/k8s/templates/kubelet.service.j2', '{% if x %}\n[Unit]\n')).toBe('systemd-unit');
    expect(detect('x/kubelet.service.tmpl')).toBe('systemd-unit');
  });

  it('requires an INI head, and a section header for drop-ins', () => {
    expect(detect('etc/foo.conf', '[main]\nx=1\n')).toBeUndefined(); // not a drop-in directory
    expect(detect('etc/foo.d/x.conf', '[Service]\nx=1\n')).toBeUndefined(); // owner is not a unit
    expect(detect('foo.service.d/override.conf', '# just a comment\n')).toBeUndefined();
    expect(detect('foo.service.d/override.conf', 'Restart=always\n')).toBeUndefined();
    expect(detect('foo.service.d/override.conf', '[Service\n')).toBeUndefined();
    expect(detect('foo.service', '[Service\n')).toBe('systemd-unit'); // reported as a bad header
    expect(detect('foo.service', '#!/bin/sh\necho hi\n')).toBeUndefined();
    expect(detect('x/something.link', 'https://example.com\n')).toBeUndefined();
    expect(detect('foo.service', '')).toBe('systemd-unit'); // empty units exist (masking)
    expect(detect('foo.service', '# comment only\n; another\n')).toBe('systemd-unit');
    expect(detect('foo.service.bak')).toBeUndefined();
    expect(detect('foo.service.md')).toBeUndefined();
    expect(detect('readme.tpl')).toBeUndefined();
    expect(detect('foo.network.yaml', '[Match]\n')).toBeUndefined();
  });

  it('sniffs embedded text by its first section', () => {
    expect(systemdScanner.detectEmbedded!(undefined, '# x\n[Unit]\nDescription=a\n')).toBe('systemd-unit');
    expect(systemdScanner.detectEmbedded!(undefined, '[Match]\nName=eth0\n[Network]\nDHCP=yes\n')).toBe('networkd');
    expect(systemdScanner.detectEmbedded!(undefined, '[main]\nplugins=ifupdown\n')).toBeUndefined();
    expect(systemdScanner.detectEmbedded!(undefined, '[Unit]\n')).toBeUndefined(); // no assignment
    expect(systemdScanner.detectEmbedded!(undefined, 'Description=a\n[Unit]\n')).toBeUndefined();
  });
});

describe('systemd parsing (root file)', () => {
  it('parses sections and entries with exact key and value positions', async () => {
    const text = [
      '# apt-daily-upgrade override', //   1
      '[Unit]', //                            2
      'Description=Daily apt upgrade', //     3
      '', //                                  4
      '[Timer]', //                           5
      'OnCalendar=', //                       6
      '  OnCalendar = *-*-* 06:00  ', //      7
      'RandomizedDelaySec=60m', //            8
      'Persistent="true"', //                 9
      '; semicolon comment', //              10
    ].join('\n');
    const { r, doc, model } = await parseOne('etc/systemd/system/apt-daily-upgrade.timer', text);
    expect(doc.format).toBe('systemd-unit');
    expect(model.unitName).toBe('apt-daily-upgrade.timer');
    expect(model.dropInFor).toBeUndefined();
    expect(model.sections.map((s) => s.name)).toEqual(['Unit', 'Timer']);
    const [unit, timer] = model.sections;
    expect(at(r, unit.nameLoc)).toBe('2:2-2:6');
    expect(at(r, unit.loc)).toBe('2:1-3:30');
    expect(at(r, timer.loc)).toBe('5:1-9:18');
    expect(timer.entries.map((e) => [e.key, e.value])).toEqual([
      ['OnCalendar', ''],
      ['OnCalendar', '*-*-* 06:00'],
      ['RandomizedDelaySec', '60m'],
      ['Persistent', '"true"'],
    ]);
    const [empty, cal] = timer.entries;
    expect(at(r, empty.keyLoc)).toBe('6:1-6:11');
    expect(at(r, empty.valueLoc)).toBe('6:12-6:12');
    expect(at(r, cal.keyLoc)).toBe('7:3-7:13');
    expect(at(r, cal.valueLoc)).toBe('7:16-7:27');
    expect(src(r, cal.valueLoc)).toBe('*-*-* 06:00');
    expect(at(r, cal.loc)).toBe('7:3-7:27');
    expect(src(r, timer.entries[3].valueLoc)).toBe('"true"');
    expect(model.comments!.map((c) => [c.text, at(r, c.loc)])).toEqual([
      ['# apt-daily-upgrade override', '1:1-1:29'],
      ['; semicolon comment', '10:1-10:20'],
    ]);
    expect(r.diagnostics).toEqual([]);
  });

  it('keeps # and ; inside values (comments only at line start) and splits at the first =', async () => {
    const { model } = await parseOne('a.service', '[Service]\nExecStart=/bin/echo a=b # not a comment ; nor this\nEnvironment="X=1" Y=2\n');
    expect(model.sections[0].entries.map((e) => [e.key, e.value])).toEqual([
      ['ExecStart', '/bin/echo a=b # not a comment ; nor this'],
      ['Environment', '"X=1" Y=2'],
    ]);
  });

  it('joins continuation lines with a space, skipping comment lines, and maps the value across lines', async () => {
    const text = [
      '[Service]', //                               1
      'ExecStart=/usr/bin/kubelet \\', //           2
      '    --node-ip=10.0.0.1 \\', //               3
      '# a comment inside the continuation', //     4
      '    --v=2', //                               5
      'Restart=always', //                          6
    ].join('\n');
    const { r, model } = await parseOne('kubelet.service', text);
    const [exec, restart] = model.sections[0].entries;
    expect(exec.value).toBe('/usr/bin/kubelet      --node-ip=10.0.0.1      --v=2');
    expect(at(r, exec.valueLoc)).toBe('2:11-5:10');
    expect(at(r, exec.loc)).toBe('2:1-5:10');
    expect(restart.key).toBe('Restart');
    expect(at(r, restart.keyLoc)).toBe('6:1-6:8');
    expect(model.comments!.map((c) => c.text)).toEqual(['# a comment inside the continuation']);
  });

  it('reads the systemd.syntax(7) example as systemd does', async () => {
    const text = [
      '[Section A]',
      'KeyOne=value 1',
      'KeyTwo=value 2',
      '# a comment',
      '[Section B]',
      'Setting="something" "some thing" "..."',
      'KeyTwo=value 2 \\',
      '       value 2 continued',
      '[Section C]',
      'KeyThree=value 3\\',
      '# this line is ignored',
      '; this line is ignored too',
      '       value 3 continued',
    ].join('\n');
    const { r, model } = await parseOne('example.service', text);
    expect(model.sections.map((s) => [s.name, s.entries.map((e) => [e.key, e.value])])).toEqual([
      ['Section A', [['KeyOne', 'value 1'], ['KeyTwo', 'value 2']]],
      ['Section B', [['Setting', '"something" "some thing" "..."'], ['KeyTwo', 'value 2         value 2 continued']]],
      ['Section C', [['KeyThree', 'value 3        value 3 continued']]],
    ]);
    expect(at(r, model.sections[2].entries[0].valueLoc)).toBe('10:10-13:25');
    expect(model.comments!.map((c) => at(r, c.loc))).toEqual(['4:1-4:12', '11:1-11:23', '12:1-12:27']);
  });

  it('does not continue on an escaped backslash, and a blank line ends a continuation', async () => {
    const { model } = await parseOne('a.service', '[Service]\nA=x\\\\\nB=y \\\n\nC=z\n');
    expect(model.sections[0].entries.map((e) => [e.key, e.value])).toEqual([
      ['A', 'x\\\\'],
      ['B', 'y'],
      ['C', 'z'],
    ]);
  });

  it('handles CRLF and CR line ends and a BOM', async () => {
    const { r, model } = await parseOne('a.service', '\uFEFF[Unit]\r\nDescription=a\r\rAfter=network.target\r\n');
    expect(model.sections[0].entries.map((e) => e.key)).toEqual(['Description', 'After']);
    expect(at(r, model.sections[0].entries[1].keyLoc)).toBe('4:1-4:6');
    expect(at(r, model.sections[0].nameLoc)).toBe('1:3-1:7');
  });

  it('records drop-ins and networkd files', async () => {
    const a = await parseOne('etc/systemd/system/apt-daily-upgrade.timer.d/override.conf', '[Timer]\nOnCalendar=\nOnCalendar=Sat 03:00\n');
    expect(a.doc.format).toBe('systemd-unit');
    expect(a.model.unitName).toBe('override.conf');
    expect(a.model.dropInFor).toBe('apt-daily-upgrade.timer');
    const b = await parseOne('etc/systemd/networkd.conf.d/10-keep-routes.conf', '[Network]\nManageForeignRoutes=no\nManageForeignRoutingPolicyRules=no\n');
    expect(b.doc.format).toBe('networkd');
    expect(b.model.dropInFor).toBe('networkd.conf');
    const c = await parseOne('templates/10-eth0.network.j2', '[Match]\nName={{ iface }}\n');
    expect(c.doc.format).toBe('networkd');
    expect(c.model.unitName).toBe('10-eth0.network');
    expect(c.model.sections[0].entries[0].value).toBe('{{ iface }}');
  });
});

describe('systemd malformed input', () => {
  it('reports lines without =, keys without names, bad headers and assignments outside sections, and keeps the rest', async () => {
    const text = [
      '[Unit', //                   1 bad header: systemd rejects the file; following lines ignored quietly
      'Stray=1', //                 2
      '[Unit]', //                  2
      'garbage line', //            3 missing =
      '=value', //                  4 missing key
      'Description=ok', //          5
      '[Service', //                6 bad header
      'ExecStart=/bin/false', //    7 ignored (bad section)
      '[Install]', //               8
      'WantedBy=multi-user.target', // 9
      '{% if x %}', //             10 template line
    ].join('\n');
    const { r, model } = await parseOne('a.service', text);
    expect(model.sections.map((s) => [s.name, s.entries.map((e) => e.key)])).toEqual([
      ['Unit', ['Description']],
      ['Install', ['WantedBy']],
    ]);
    const d = r.diagnostics.map((x) => [x.severity, x.code, at(r, x.loc!)]);
    expect(d).toEqual([
      ['error', 'parse-error', '1:1-1:6'],
      ['warning', 'parse-error', '4:1-4:13'],
      ['warning', 'parse-error', '5:1-5:7'],
      ['error', 'parse-error', '7:1-7:9'],
      ['info', 'template-unrendered', '11:1-11:11'],
    ]);
    expect(r.diagnostics[0].message).toContain("invalid section header '[Unit'");
    expect(r.diagnostics.every((x) => x.file === 'a.service')).toBe(true);
  });

  it('reports assignments outside any section (embedded text with a stated format)', async () => {
    const parent = ['- path: /etc/systemd/system/x.service', '  format: systemd-unit', '  content: |', '    Restart=always', '    [Service]', '    Type=oneshot'].join('\n');
    const r = await parseFiles([fakeEmbedder(), systemdScanner], { 'p.fake.yaml': parent });
    const unit = docsOf(r, 'systemd-unit')[0];
    expect(unit.model.sections[0].entries.map((e) => e.key)).toEqual(['Type']);
    expect(r.diagnostics.map((d) => [d.severity, d.message, at(r, d.loc!)])).toEqual([
      ['warning', 'assignment outside of any section; ignored', '4:5-4:19'],
    ]);
  });

  it('survives binary junk, huge lines and 100k-line files', async () => {
    let junk = '';
    for (let i = 0; i < 5000; i++) junk += String.fromCharCode((i * 7919) % 65536);
    const r1 = await parseFiles([systemdScanner], { 'j.service': `[Unit]\n${junk}\n` });
    expect(r1.documents).toHaveLength(1);
    expect(diags(r1).length).toBeLessThanOrEqual(101);

    const huge = `[Service]\nExecStart=${'a'.repeat(2_000_000)}\n`;
    const r2 = await parseFiles([systemdScanner], { 'h.service': huge });
    expect((r2.documents[0].model as UnitModel).sections[0].entries[0].value).toHaveLength(2_000_000);

    const lines = ['[Service]'];
    for (let i = 0; i < 100_000; i++) lines.push(`Environment=K${i}=v \\`, `  more${i}`);
    const t0 = Date.now();
    const r3 = await parseFiles([systemdScanner], { 'big.service': lines.join('\n') });
    expect(Date.now() - t0).toBeLessThan(5000);
    const entries = (r3.documents[0].model as UnitModel).sections[0].entries;
    expect(entries).toHaveLength(100_000);
    expect(at(r3, entries[99_999].valueLoc)).toBe('200000:13-200001:12');

    const r4 = await parseFiles([systemdScanner], { 'many.service': `[Unit]\n${'x\n'.repeat(10_000)}` });
    expect(r4.diagnostics.length).toBe(101); // capped
  });
});

describe('systemd embedded in another document', () => {
  it('maps keys and values through an indentation-stripping map', async () => {
    const parent = [
      'write_files:', //                                        1
      '  - path: /etc/systemd/network/10-eth0.network.d/keep.conf', // 2
      '    content: |', //                                      3
      '      [Network]', //                                     4
      '      KeepConfiguration=static \\', //                   5
      '        dhcp', //                                        6
      '', //                                                    7
      '      # routes', //                                      8
      '      ManageForeignRoutes = no', //                      9
      '  - path: /etc/systemd/system/kubelet.service', //       10
      '    content: |', //                                      11
      '      [Service]', //                                     12
      '      ExecStart=', //                                    13
    ].join('\n');
    const r = await parseFiles([fakeEmbedder(), systemdScanner], { 'node.fake.yaml': parent });
    const nets = docsOf(r, 'networkd');
    const units = docsOf(r, 'systemd-unit');
    expect(nets).toHaveLength(1);
    expect(units).toHaveLength(1);
    const net = nets[0];
    expect(net.file).toBe('node.fake.yaml');
    expect(net.origin?.targetPath).toBe('/etc/systemd/network/10-eth0.network.d/keep.conf');
    expect(net.model.unitName).toBe('keep.conf');
    expect(net.model.dropInFor).toBe('10-eth0.network');
    const sec = net.model.sections[0];
    expect(at(r, sec.nameLoc)).toBe('4:8-4:15');
    // the blank line inside the block ends the continuation
    expect(sec.entries.map((e) => [e.key, e.value])).toEqual([
      ['KeepConfiguration', 'static    dhcp'],
      ['ManageForeignRoutes', 'no'],
    ]);
    expect(at(r, sec.entries[0].keyLoc)).toBe('5:7-5:24');
    expect(at(r, sec.entries[0].valueLoc)).toBe('5:25-6:13');
    expect(at(r, sec.entries[1].keyLoc)).toBe('9:7-9:26');
    expect(at(r, sec.entries[1].valueLoc)).toBe('9:29-9:31');
    expect(at(r, net.model.comments![0].loc)).toBe('8:7-8:15');
    expect(units[0].model.unitName).toBe('kubelet.service');
    expect(at(r, units[0].model.sections[0].entries[0].valueLoc)).toBe('13:17-13:17');
    expect(at(r, units[0].loc)).toBe('12:7-13:17');
  });

  it('parses embedded text without a target path by sniffing, with an empty unit name', async () => {
    const parent = ['x:', '  content: |', '    [Unit]', '    After=network-online.target'].join('\n');
    const r = await parseFiles([fakeEmbedder(), systemdScanner], { 'p.fake.yaml': parent });
    const units = docsOf(r, 'systemd-unit');
    expect(units).toHaveLength(1);
    expect(units[0].model.unitName).toBe('');
    expect(at(r, units[0].model.sections[0].entries[0].valueLoc)).toBe('4:11-4:32');
  });

  it('reports diagnostics at root positions of the parent file', async () => {
    const parent = ['- path: /etc/systemd/system/a.service', '  content: |', '    [Unit]', '    oops'].join('\n');
    const r = await parseFiles([fakeEmbedder(), systemdScanner], { 'p.fake.yaml': parent });
    expect(r.diagnostics.map((d) => [d.file, at(r, d.loc!)])).toEqual([['p.fake.yaml', '4:5-4:9']]);
  });
});

describe('systemd helpers', () => {
  it('folds list settings with empty-assignment resets across a unit and its drop-ins', async () => {
    const unit = await parseOne('apt-daily-upgrade.timer', '[Timer]\nOnCalendar=*-*-* 6:00\nRandomizedDelaySec=60m\nPersistent=true\n');
    const drop = await parseOne('apt-daily-upgrade.timer.d/o.conf', '[Timer]\nOnCalendar=\nOnCalendar=Sat 03:00\nOnCalendar=Sun 03:00\nRandomizedDelaySec=0\n');
    const both = [unit.model, drop.model];
    expect(unitValues(both, 'Timer', 'OnCalendar').entries.map((e) => e.value)).toEqual(['Sat 03:00', 'Sun 03:00']);
    expect(unitValues(both, 'Timer', 'OnCalendar').reset).toBe(true);
    expect(unitValues(unit.model, 'Timer', 'OnCalendar').entries.map((e) => e.value)).toEqual(['*-*-* 6:00']);
    expect(unitValue(both, 'Timer', 'RandomizedDelaySec')?.value).toBe('0');
    expect(unitValue(both, 'Timer', 'Missing')).toBeUndefined();
    expect(unitEntries(drop.model, 'Timer', 'OnCalendar')).toHaveLength(3);
    expect(unitEntries(drop.model, 'timer', 'OnCalendar')).toHaveLength(0); // case-sensitive
    expect(unitBoolean(unitValue(both, 'Timer', 'Persistent')!.value)).toBe(true);
    expect(unitBoolean('maybe')).toBeUndefined();
  });
});
