import { describe, expect, it } from 'vitest';
import type { AptItem, AptModel } from '../../../engine/model.js';
import { parseFiles } from '../../../engine/testing.js';
import { aptBoolean, aptFind, aptFindList, aptScanner } from '../../../scanners/apt/index.js';
import { at, docsOf, fakeEmbedder, src } from '../../helpers/embed-harness.js';

const detect = (path: string, head = 'APT::Periodic::Update-Package-Lists "1";\n') => aptScanner.detect({ path, head });

async function parseOne(text: string, path = 'etc/apt/apt.conf.d/50unattended-upgrades') {
  const r = await parseFiles([aptScanner], { [path]: text });
  expect(r.documents).toHaveLength(1);
  return { r, model: r.documents[0].model as AptModel };
}

type Row = [string, string, string, boolean | null, string, string | null, string | null];
function rows(r: Awaited<ReturnType<typeof parseOne>>['r'], items: AptItem[]): Row[] {
  return items.map((it) =>
    it.t === 'set'
      ? ['set', it.key, it.value, it.listItem, at(r, it.loc), at(r, it.keyLoc), at(r, it.valueLoc)]
      : it.t === 'clear'
        ? ['clear', it.key, '', null, at(r, it.loc), null, null]
        : ['include', it.path, '', null, at(r, it.loc), null, null],
  );
}

describe('apt detection', () => {
  it('recognises apt.conf, apt.conf.d fragments of any name, and unattended-upgrades files by content', () => {
    expect(detect('etc/apt/apt.conf')).toBe('apt-conf');
    expect(detect('etc/apt/apt.conf.d/20auto-upgrades')).toBe('apt-conf');
    expect(detect('roles/uu/files/apt.conf.d/99-no-uu', '// anything\n')).toBe('apt-conf');
    expect(detect('roles/uu/templates/apt.conf.d/50unattended-upgrades.j2', '{% if x %}\n')).toBe('apt-conf');
    expect(detect('apt.conf.d/local.conf', '')).toBe('apt-conf');
    expect(detect('roles/uu/templates/20auto-upgrades.j2')).toBe('apt-conf');
    expect(detect('files/50unattended-upgrades', '// c\n/* c */ Unattended-Upgrade::Allowed-Origins {\n')).toBe('apt-conf');
    expect(detect('x/10periodic', 'APT::Periodic::Enable "1";')).toBe('apt-conf');
    expect(detect('x/my-auto-upgrades.conf', 'DPkg { Options { "--force-confold"; }; };')).toBe('apt-conf');
    expect(detect('x/unattended-upgrades.tmpl', '#clear Unattended-Upgrade::Origins-Pattern;\n')).toBe('apt-conf');
  });

  it('rejects near misses', () => {
    expect(detect('x/50unattended-upgrades', '#!/bin/sh\necho \'APT::Periodic::Enable "1";\'\n')).toBeUndefined();
    expect(detect('x/unattended-upgrades.yml', '---\nenabled: true\n')).toBeUndefined();
    expect(detect('x/unattended-upgrades.sh')).toBeUndefined();
    expect(detect('x/20auto-upgrades', 'Foo::Bar "1";\n')).toBeUndefined(); // not an apt scope
    expect(detect('x/20auto-upgrades', 'APT::Periodic::Enable\n')).toBeUndefined(); // no value or terminator
    expect(detect('etc/apt/apt.conf.d/README.md')).toBeUndefined();
    expect(detect('etc/apt/apt.conf.d/50unattended-upgrades.dpkg-old')).toBeUndefined();
    expect(detect('etc/apt/apt.conf.d/.keep')).toBeUndefined();
    expect(detect('etc/apt/sources.list')).toBeUndefined();
    expect(detect('etc/apt.conf.bak')).toBeUndefined();
  });

  it('sniffs embedded text', () => {
    expect(aptScanner.detectEmbedded!(undefined, 'APT::Periodic::Unattended-Upgrade "0";\n')).toBe('apt-conf');
    expect(aptScanner.detectEmbedded!(undefined, '  // x\n  Unattended-Upgrade::Automatic-Reboot "true";')).toBe('apt-conf');
    expect(aptScanner.detectEmbedded!(undefined, 'Acquire { http { Proxy "x"; }; };')).toBe('apt-conf');
    expect(aptScanner.detectEmbedded!(undefined, 'echo APT::Periodic::Unattended-Upgrade "0";\n')).toBeUndefined();
    expect(aptScanner.detectEmbedded!(undefined, '[Unit]\nDescription=x')).toBeUndefined();
    expect(aptScanner.detectEmbedded!(undefined, '::::::::::::::::::::::::::::::::::::::::::::::x')).toBeUndefined();
  });
});

describe('apt.conf parsing (root file)', () => {
  const TEXT = [
    '// Automatically generated', //                                                  1
    'APT::Periodic::Update-Package-Lists "1";', //                                    2
    'APT::Periodic::Unattended-Upgrade "1"; APT::Periodic::AutocleanInterval "7";', // 3
    'Unattended-Upgrade::Allowed-Origins {', //                                       4
    '        "${distro_id}:${distro_codename}";', //                                  5
    '        "${distro_id}:${distro_codename}-security"; // security', //             6
    '};', //                                                                          7
    'Unattended-Upgrade::Package-Blacklist {', //                                     8
    '};', //                                                                          9
    '/* block', //                                                                   10
    '   comment */ Unattended-Upgrade::Automatic-Reboot "false";', //                11
    'Dpkg {', //                                                                     12
    '  Options { "--force-confdef"; "--force-confold"; };', //                       13
    '};', //                                                                         14
    '#clear Unattended-Upgrade::Origins-Pattern;', //                                15
    '# hash comment', //                                                             16
    '#include "/etc/apt/other.conf";', //                                            17
    'Acquire::http::Proxy', //                                                       18
    '    "http://proxy:3128";', //                                                   19
    'APT::Update::Post-Invoke-Success:: "touch /var/lib/x";', //                     20
    'aPt::periodic::download-upgradeable-packages true;', //                         21
    'Unattended-Upgrade::Mail "{{ admin_email }}"; Foo {{ bar }};', //               22
    'Scope "val" { Inner "x" };', //                                                 23
    '"APT::Get::Assume-Yes" "%74rue"; Quoted::Word "a" "b";', //                     24
    'Url "http://x//y#z"; # trailing hash comment', //                               25
    'Pct %74rue;', //                                                                26
  ].join('\n');

  it('produces fully qualified keys, list items, directives and exact positions', async () => {
    const { r, model } = await parseOne(TEXT);
    expect(rows(r, model.items)).toEqual([
      ['set', 'APT::Periodic::Update-Package-Lists', '1', false, '2:1-2:41', '2:1-2:36', '2:37-2:40'],
      ['set', 'APT::Periodic::Unattended-Upgrade', '1', false, '3:1-3:39', '3:1-3:34', '3:35-3:38'],
      ['set', 'APT::Periodic::AutocleanInterval', '7', false, '3:40-3:77', '3:40-3:72', '3:73-3:76'],
      ['set', 'Unattended-Upgrade::Allowed-Origins', '${distro_id}:${distro_codename}', true, '5:9-5:43', '5:9-5:42', '5:9-5:42'],
      ['set', 'Unattended-Upgrade::Allowed-Origins', '${distro_id}:${distro_codename}-security', true, '6:9-6:52', '6:9-6:51', '6:9-6:51'],
      ['set', 'Unattended-Upgrade::Automatic-Reboot', 'false', false, '11:15-11:60', '11:15-11:51', '11:52-11:59'],
      ['set', 'Dpkg::Options', '--force-confdef', true, '13:13-13:31', '13:13-13:30', '13:13-13:30'],
      ['set', 'Dpkg::Options', '--force-confold', true, '13:32-13:50', '13:32-13:49', '13:32-13:49'],
      ['clear', 'Unattended-Upgrade::Origins-Pattern', '', null, '15:1-15:44', null, null],
      ['include', '/etc/apt/other.conf', '', null, '17:1-17:32', null, null],
      ['set', 'Acquire::http::Proxy', 'http://proxy:3128', false, '18:1-19:25', '18:1-18:21', '19:5-19:24'],
      ['set', 'APT::Update::Post-Invoke-Success', 'touch /var/lib/x', true, '20:1-20:55', '20:1-20:35', '20:36-20:54'],
      ['set', 'aPt::periodic::download-upgradeable-packages', 'true', false, '21:1-21:51', '21:1-21:45', '21:46-21:50'],
      ['set', 'Unattended-Upgrade::Mail', '{{ admin_email }}', false, '22:1-22:46', '22:1-22:25', '22:26-22:45'],
      ['set', 'Foo', '{{ bar }}', false, '22:47-22:61', '22:47-22:50', '22:51-22:60'],
      ['set', 'Scope', 'val', false, '23:1-23:14', '23:1-23:6', '23:7-23:12'],
      ['set', 'Scope::Inner', 'x', false, '23:15-23:26', '23:15-23:20', '23:21-23:24'],
      ['set', 'APT::Get::Assume-Yes', '%74rue', false, '24:1-24:33', '24:1-24:23', '24:24-24:32'], // ParseCWord: no %xx decoding
      ['set', 'Quoted::Word', 'a b', false, '24:34-24:55', '24:34-24:46', '24:47-24:54'],
      ['set', 'Url', 'http://x//y#z', false, '25:1-25:21', '25:1-25:4', '25:5-25:20'],
      ['set', 'Pct', 'true', false, '26:1-26:12', '26:1-26:4', '26:5-26:11'], // ParseQuoteWord decodes %xx
    ]);
    expect(model.comments!.map((c) => [c.text, at(r, c.loc)])).toEqual([
      ['// Automatically generated', '1:1-1:27'],
      ['// security', '6:53-6:64'],
      ['/* block\n   comment */', '10:1-11:14'],
      ['# hash comment', '16:1-16:15'],
      ['# trailing hash comment', '25:22-25:45'],
    ]);
    expect(r.diagnostics).toEqual([]);
    const mail = model.items[13];
    expect(mail.t === 'set' && src(r, mail.valueLoc)).toBe('"{{ admin_email }}"');
  });

  it('follows apt quirks: per-line quote parity for comments, // inside quotes, #clear anywhere on a line', async () => {
    const { r, model } = await parseOne(['A "x//y"; B "1"; // c', 'C "#not" ; #clear D;', 'E /* x */ "2";'].join('\n'));
    expect(rows(r, model.items).map((x) => x.slice(0, 3))).toEqual([
      ['set', 'A', 'x//y'],
      ['set', 'B', '1'],
      ['set', 'C', '#not'],
      ['clear', 'D', ''],
      ['set', 'E', '2'],
    ]);
    expect(at(r, (model.items[4] as Extract<AptItem, { t: 'set' }>).valueLoc)).toBe('3:11-3:14');
  });

  it('handles CRLF and a BOM', async () => {
    const { r, model } = await parseOne('\uFEFFAPT::Periodic::Enable "1";\r\nAPT {\r\n  X "2";\r\n};\r\n');
    expect(rows(r, model.items)).toEqual([
      ['set', 'APT::Periodic::Enable', '1', false, '1:2-1:28', '1:2-1:23', '1:24-1:27'],
      ['set', 'APT::X', '2', false, '3:3-3:9', '3:3-3:4', '3:5-3:8'],
    ]);
  });
});

describe('apt.conf malformed input', () => {
  it('reports what makes apt refuse the file, with locations, and keeps the rest', async () => {
    const text = [
      'A "1"', //                                  1 missing ;
      'B "2";', //                                 2 → junk after value (A "1" B "2")
      'C "3";', //                                 3 ok
      '{ "x"; };', //                              4 block with no name
      'Foo { #clear Bar; };', //                   5 directive inside a scope
      '#includex "a";', //                         6 unsupported directive
      '#clear;', //                                7 clear without argument
      'D "unterminated;', //                       8 unterminated string
      'E "5";', //                                 9
      '};', //                                    10 unmatched }
      'Open {', //                                11 never closed
      '  F "6";', //                              12
      '/* never closed', //                       13
    ].join('\n');
    const { r, model } = await parseOne(text);
    expect(rows(r, model.items).map((x) => x.slice(0, 3))).toEqual([
      ['set', 'C', '3'],
      ['set', '', 'x', ], // an unnamed value inside the nameless block
      ['set', 'Open::F', '6'],
    ].map((x) => x.slice(0, 3)));
    expect(r.diagnostics.map((d) => [d.severity, at(r, d.loc!), d.message.replace(/ \(.*\)$/, '')])).toEqual([
      ['error', '2:1-2:6', "syntax error: extra junk after value: 'B \"2\"'"],
      ['error', '4:1-4:2', 'syntax error: block starts with no name'],
      ['warning', '4:3-4:7', "value 'x' has no option name"],
      ['error', '5:7-5:18', "syntax error: directive '#clear' is only allowed at the top level"],
      ['error', '6:1-6:15', "syntax error: unsupported directive '#includex'"],
      ['error', '7:1-7:8', 'syntax error: #clear requires an option tree as argument'],
      ['warning', '8:3-8:17', 'unterminated quoted string: apt does not continue a quoted value on the next line'],
      // apt's own reading: the quote closes on the next line, so `D` gets a mangled value
      ['error', '8:3-9:6', "syntax error: extra junk after value: '\"unterminated; E \"5\"'"],
      ['warning', '10:1-10:2', "'}' without a matching '{'"],
      ['warning', '13:1-13:3', "unterminated '/*' comment"],
      ['warning', '11:1-11:7', "scope opened here is never closed with '}'"],
    ]);
  });

  it('reports a statement left without ; at the end of the file', async () => {
    const { r, model } = await parseOne('APT::Periodic::Unattended-Upgrade "1";\nAPT::Periodic::Update-Package-Lists "1"\n');
    expect(model.items).toHaveLength(1);
    expect(r.diagnostics.map((d) => [d.severity, at(r, d.loc!)])).toEqual([['error', '2:1-2:40']]);
    expect(r.diagnostics[0].message).toContain("not terminated by ';'");
  });

  it('survives binary junk, huge lines and 100k-line files', async () => {
    let junk = '';
    for (let i = 0; i < 20000; i++) junk += String.fromCharCode((i * 7919) % 65536);
    const r1 = await parseFiles([aptScanner], { 'etc/apt/apt.conf.d/junk': junk });
    expect(r1.documents).toHaveLength(1);
    expect(r1.diagnostics.length).toBeLessThanOrEqual(101);

    const r2 = await parseFiles([aptScanner], { 'etc/apt/apt.conf.d/huge': `A "${'"//'.repeat(300_000)}";\n` });
    expect(r2.documents).toHaveLength(1);

    // pathological inputs that would be quadratic with naive searching
    const t1 = Date.now();
    const r4 = await parseFiles([aptScanner], {
      'etc/apt/apt.conf.d/open-comment': `/* never closed\n${'x;\n'.repeat(200_000)}`,
      'etc/apt/apt.conf.d/braces': `A ${'{{'.repeat(200_000)};\n`,
    });
    expect(Date.now() - t1).toBeLessThan(5000);
    expect(r4.documents).toHaveLength(2);

    const big: string[] = [];
    for (let i = 0; i < 100_000; i++) big.push(`Unattended-Upgrade::Package-Blacklist { "pkg${i}"; };`);
    const t0 = Date.now();
    const r3 = await parseFiles([aptScanner], { 'etc/apt/apt.conf.d/big': big.join('\n') });
    expect(Date.now() - t0).toBeLessThan(5000);
    const items = (r3.documents[0].model as AptModel).items;
    expect(items).toHaveLength(100_000);
    expect(at(r3, (items[99_999] as Extract<AptItem, { t: 'set' }>).valueLoc)).toBe('100000:41-100000:51');
  });
});

describe('apt.conf embedded in another document', () => {
  it('maps items through an indentation-stripping map, with the target path from the parent', async () => {
    const parent = [
      'write_files:', //                                          1
      '  - path: /etc/apt/apt.conf.d/20auto-upgrades', //         2
      '    content: |', //                                        3
      '      APT::Periodic::Update-Package-Lists "1";', //        4
      '      APT::Periodic::Unattended-Upgrade', //               5
      '        "1";', //                                          6
      '      Unattended-Upgrade::Origins-Pattern {', //           7
      '        "origin=Debian,codename=${distro_codename}";', //  8
      '      };', //                                              9
    ].join('\n');
    const r = await parseFiles([fakeEmbedder(), aptScanner], { 'cloud.fake.yaml': parent });
    const docs = docsOf(r, 'apt-conf');
    expect(docs).toHaveLength(1);
    expect(docs[0].origin?.targetPath).toBe('/etc/apt/apt.conf.d/20auto-upgrades');
    expect(docs[0].file).toBe('cloud.fake.yaml');
    expect(rows(r, docs[0].model.items)).toEqual([
      ['set', 'APT::Periodic::Update-Package-Lists', '1', false, '4:7-4:47', '4:7-4:42', '4:43-4:46'],
      ['set', 'APT::Periodic::Unattended-Upgrade', '1', false, '5:7-6:13', '5:7-5:40', '6:9-6:12'],
      ['set', 'Unattended-Upgrade::Origins-Pattern', 'origin=Debian,codename=${distro_codename}', true, '8:9-8:53', '8:9-8:52', '8:9-8:52'],
    ]);
    expect(r.diagnostics).toEqual([]);
  });

  it('sniffs embedded text without a path and notes names apt ignores', async () => {
    const parent = [
      '- path: /etc/apt/apt.conf.d/20auto-upgrades.disabled', // 1 (not an apt path: sniffed)
      '  content: |', //                                        2
      '    APT::Periodic::Unattended-Upgrade "1";', //           3
      '- content: |', //                                        4
      '    Acquire::Retries "3";', //                            5
    ].join('\n');
    const r = await parseFiles([fakeEmbedder(), aptScanner], { 'c.fake.yaml': parent });
    const docs = docsOf(r, 'apt-conf');
    expect(docs.map((d) => d.model.items.map((i) => (i.t === 'set' ? i.key : '')))).toEqual([
      ['APT::Periodic::Unattended-Upgrade'],
      ['Acquire::Retries'],
    ]);
    expect(r.diagnostics.map((d) => [d.severity, d.code, at(r, d.loc!)])).toEqual([['info', 'config', '3:5-3:43']]);
    expect(r.diagnostics[0].message).toContain("apt ignores '20auto-upgrades.disabled'");
  });
});

describe('apt helpers', () => {
  it('folds values case-insensitively with #clear and list semantics', async () => {
    const a = await parseOne('APT::Periodic::Unattended-Upgrade "1";\nUnattended-Upgrade::Allowed-Origins { "a"; "b"; };\n', 'etc/apt/apt.conf.d/20auto-upgrades');
    const b = await parseOne('apt::periodic::unattended-upgrade "0";\n#clear Unattended-Upgrade::Allowed-Origins;\nUnattended-Upgrade::Allowed-Origins:: "c";\n', 'etc/apt/apt.conf.d/99local');
    expect(aptFind([a.model, b.model], 'APT::Periodic::Unattended-Upgrade')?.value).toBe('0');
    expect(aptFind(a.model, 'apt::PERIODIC::unattended-upgrade')?.value).toBe('1');
    expect(aptFindList([a.model], 'Unattended-Upgrade::Allowed-Origins').map((i) => i.value)).toEqual(['a', 'b']);
    expect(aptFindList([a.model, b.model], 'Unattended-Upgrade::Allowed-Origins').map((i) => i.value)).toEqual(['c']);
    expect(aptFind([a.model, b.model], 'Missing')).toBeUndefined();
    expect(['1', '0', 'true', 'False', 'on', 'disable', '2', 'maybe'].map(aptBoolean)).toEqual([true, false, true, false, true, false, undefined, undefined]);
  });
});
