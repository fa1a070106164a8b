import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bool, get, str } from '../../../engine/model.js';
import { positionAt } from '../../../engine/source.js';
import { parseFiles } from '../../../engine/testing.js';
import { yamlScanner } from '../../../scanners/yaml/index.js';
import { childrenOf, docsOf, lc, lcOf, mapsVerbatim, plain, stubScanner } from './helpers.js';

const scanners = [yamlScanner, stubScanner];

/** `line:col` of the first occurrence of `needle` in a root text (the oracle for mapped positions). */
function rootLc(text: string, needle: string, nth = 0): string {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`${needle} not in root`);
  const lines = text.slice(0, i).split(/\r?\n/);
  return `${lines.length}:${lines[lines.length - 1].length + 1}`;
}

const gzNetwork = gzipSync(Buffer.from('[Network]\nManageForeignRoutes=no\n')).toString('base64');

const USER_DATA = [
  '#cloud-config', //                                                       1
  'package_update: true', //                                                2
  'write_files:', //                                                        3
  '  - path: /etc/apt/apt.conf.d/20auto-upgrades', //                       4
  "    permissions: '0644'", //                                             5
  '    content: |', //                                                      6
  '      APT::Periodic::Update-Package-Lists "1";', //                      7
  '      APT::Periodic::Unattended-Upgrade "1";', //                        8
  '  - path: /etc/systemd/system/apt-daily-upgrade.timer', //               9
  '    defer: true', //                                                     10
  '    content: "[Timer]\\nOnCalendar=*-*-* 6:00\\nRandomizedDelaySec=60m\\n"', // 11
  '  - path: /etc/apt/apt.conf.d/51disable', //                             12
  '    encoding: b64', //                                                   13
  '    content: QVBUOjpQZXJpb2RpYzo6VW5hdHRlbmRlZC1VcGdyYWRlICIwIjsK', //   14
  '  - path: /etc/systemd/network/10-eth0.network', //                      15
  '    encoding: gz+b64', //                                                16
  `    content: ${gzNetwork}`, //                                           17
  '  - path: /etc/motd', //                                                 18
  '    append: true', //                                                    19
  '    content: hello', //                                                  20
  'bootcmd:', //                                                            21
  '  - echo booting', //                                                    22
  'runcmd:', //                                                             23
  '  - systemctl restart systemd-networkd', //                              24
  '  - [sh, -c, "echo \'hi there\' > /tmp/x"]', //                          25
  '  - |', //                                                               26
  '    apt-get update', //                                                  27
  '    apt-get -y upgrade', //                                              28
  'apt:', //                                                                29
  '  conf: |', //                                                           30
  '    APT::Get::Assume-Yes "true";', //                                    31
  '',
].join('\n');

describe('cloud-config', () => {
  it('parses a #cloud-config file into one cloud-config document', async () => {
    const r = await parseFiles(scanners, { 'nodes/user-data': USER_DATA });
    const cc = docsOf(r, 'cloud-config');
    expect(cc).toHaveLength(1);
    const root = cc[0].model.root;
    expect(bool(get(root, 'package_update'))).toBe(true);
    expect(str(get(root, 'write_files', 0, 'permissions'))).toBe('0644');
    expect(bool(get(root, 'write_files', 1, 'defer'))).toBe(true);
    expect(bool(get(root, 'write_files', 4, 'append'))).toBe(true);
    expect(cc[0].model.comments?.[0].text).toBe('#cloud-config');
    expect(r.diagnostics).toEqual([]);
  });

  it('embeds write_files content with its target path and exact positions', async () => {
    const r = await parseFiles(scanners, { 'nodes/user-data': USER_DATA });
    const cc = docsOf(r, 'cloud-config')[0];
    const kids = childrenOf(r, cc);
    const apt = kids.find((d) => d.origin?.targetPath === '/etc/apt/apt.conf.d/20auto-upgrades')!;
    expect(apt.format).toBe('apt-conf');
    expect(apt.id).toBe(`${cc.id}/0`);
    expect(apt.origin).toMatchObject({ parentId: cc.id, via: 'write-files', label: 'write_files[0] (/etc/apt/apt.conf.d/20auto-upgrades)' });
    expect(lc(r, apt.origin!.loc)).toBe('4:5');
    expect(apt.text).toBe('APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n');
    expect(lcOf(r, apt, 'APT::Periodic::Unattended-Upgrade')).toBe('8:7');
    expect(lcOf(r, apt, '"1"', 1)).toBe('8:41');
    expect(mapsVerbatim(r, apt, 'APT::Periodic::Unattended-Upgrade "1";')).toBe(true);

    const timer = kids.find((d) => d.origin?.targetPath?.endsWith('.timer'))!;
    expect(timer.format).toBe('systemd-unit');
    expect(timer.text).toBe('[Timer]\nOnCalendar=*-*-* 6:00\nRandomizedDelaySec=60m\n');
    expect(lcOf(r, timer, 'OnCalendar')).toBe(rootLc(USER_DATA, 'OnCalendar'));
    expect(lcOf(r, timer, 'OnCalendar')).toBe('11:24');
    expect(lcOf(r, timer, 'Randomized')).toBe('11:47');

    // /etc/motd has no scanner: nothing is embedded, the entry stays in the tree
    expect(kids.some((d) => d.origin?.targetPath === '/etc/motd')).toBe(false);
  });

  it('decodes b64 and gz+b64 content with an opaque map over the encoded scalar', async () => {
    const r = await parseFiles(scanners, { 'nodes/user-data': USER_DATA });
    const cc = docsOf(r, 'cloud-config')[0];
    const kids = childrenOf(r, cc);
    const b64 = kids.find((d) => d.origin?.targetPath === '/etc/apt/apt.conf.d/51disable')!;
    expect(b64.format).toBe('apt-conf');
    expect(b64.text).toBe('APT::Periodic::Unattended-Upgrade "0";\n');
    expect(b64.map.segs).toEqual([]);
    expect(lcOf(r, b64, 'Unattended')).toBe('14:14'); // falls back to the start of the encoded content
    const net = kids.find((d) => d.origin?.targetPath === '/etc/systemd/network/10-eth0.network')!;
    expect(net.format).toBe('networkd');
    expect(net.text).toBe('[Network]\nManageForeignRoutes=no\n');
    expect(lc(r, net.loc, true)).toBe(`17:14-17:${14 + gzNetwork.length}`);
  });

  it('embeds runcmd and bootcmd items as shell, quoting argv items word by word', async () => {
    const r = await parseFiles(scanners, { 'nodes/user-data': USER_DATA });
    const cc = docsOf(r, 'cloud-config')[0];
    const kids = childrenOf(r, cc);
    const boot = kids.filter((d) => d.origin?.via === 'bootcmd');
    expect(boot.map((d) => d.text)).toEqual(['echo booting']);
    expect(lc(r, boot[0].loc)).toBe('22:5');
    const run = kids.filter((d) => d.origin?.via === 'runcmd');
    expect(run.map((d) => [d.format, d.text, d.origin!.label])).toEqual([
      ['shell', 'systemctl restart systemd-networkd', 'runcmd[0]'],
      ['shell', "sh -c 'echo '\\''hi there'\\'' > /tmp/x'", 'runcmd[1]'],
      ['shell', 'apt-get update\napt-get -y upgrade\n', 'runcmd[2]'],
    ]);
    expect(lcOf(r, run[0], 'systemd-networkd')).toBe('24:23');
    // argv: each word maps into its own scalar
    expect(lcOf(r, run[1], 'sh')).toBe('25:6');
    expect(lcOf(r, run[1], '-c')).toBe('25:10');
    expect(lcOf(r, run[1], 'echo')).toBe('25:15');
    expect(lcOf(r, run[1], 'hi there')).toBe('25:21');
    expect(lcOf(r, run[1], '/tmp/x')).toBe('25:33');
    expect(lcOf(r, run[2], 'apt-get -y')).toBe('28:5');
  });

  it('embeds apt.conf as apt-conf written to 94cloud-init-config', async () => {
    const r = await parseFiles(scanners, { 'nodes/user-data': USER_DATA });
    const conf = r.documents.find((d) => d.origin?.targetPath === '/etc/apt/apt.conf.d/94cloud-init-config')!;
    expect(conf.format).toBe('apt-conf');
    expect(conf.text).toBe('APT::Get::Assume-Yes "true";\n');
    expect(lcOf(r, conf, 'Assume-Yes')).toBe('31:15');
  });

  it('reports undecodable write_files content and bounds decompression', async () => {
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x41)).toString('base64');
    const text = [
      '#cloud-config',
      'write_files:',
      '  - path: /etc/apt/apt.conf.d/10bad',
      '    encoding: base64',
      '    content: "not base64 at all!"',
      '  - path: /etc/apt/apt.conf.d/20bomb',
      '    encoding: gzip+base64',
      `    content: ${bomb}`,
      '  - path: /etc/apt/apt.conf.d/30notgzip',
      '    encoding: gz+b64',
      '    content: aGVsbG8K',
      '',
    ].join('\n');
    const r = await parseFiles(scanners, { 'u.yaml': text }, { maxFileBytes: 1024 * 1024 });
    expect(r.documents.filter((d) => d.origin?.via === 'write-files')).toEqual([]);
    const diags = r.diagnostics.map((d) => [d.code, d.loc && lc(r, d.loc)]);
    expect(diags).toEqual([
      ['parse-error', '5:14'],
      ['file-too-large', '8:14'],
      ['parse-error', '11:14'],
    ]);
  });

  it('decodes !!binary content with encoding gz', async () => {
    const b = gzipSync(Buffer.from('APT::Periodic::Enable "0";\n')).toString('base64');
    const text = `#cloud-config\nwrite_files:\n  - path: /etc/apt/apt.conf.d/02periodic\n    encoding: gz\n    content: !!binary |\n      ${b}\n`;
    const r = await parseFiles(scanners, { 'u.yaml': text });
    const d = r.documents.find((x) => x.origin?.via === 'write-files')!;
    expect(d.text).toBe('APT::Periodic::Enable "0";\n');
    expect(r.diagnostics).toEqual([]);
  });

  it('recognises the header only where cloud-init does', async () => {
    const r = await parseFiles(scanners, {
      'a/user-data': '#cloud-config-archive\n- type: text/x-shellscript\n  content: echo hi\n',
      'b/cloud.yaml': 'write_files:\n  - path: /etc/apt/apt.conf.d/20auto-upgrades\n    content: x\n',
      'c/user-data.tmpl': '## template: jinja\n#cloud-config\nhostname: "{{ v1.local_hostname }}"\nruncmd:\n  - echo {{ v1.region }}\n',
      'd/empty-user-data': '#cloud-config\n',
    });
    expect(r.documents.filter((d) => d.file === 'a/user-data')).toEqual([]);
    expect(r.documents.filter((d) => d.file === 'b/cloud.yaml').map((d) => d.format)).toEqual(['yaml']);
    const c = r.documents.filter((d) => d.file === 'c/user-data.tmpl');
    expect(c.map((d) => d.format)).toEqual(['shell', 'cloud-config']);
    expect(r.diagnostics.filter((d) => d.file === 'c/user-data.tmpl').map((d) => [d.code, d.severity])).toEqual([['template-unrendered', 'info']]);
    const empty = r.documents.filter((d) => d.file === 'd/empty-user-data');
    expect(empty.map((d) => [d.format, plain((d.model as unknown as { root: never }).root)])).toEqual([['cloud-config', null]]);
  });

  it('parses cloud.cfg.d drop-ins written by write_files, and reports their syntax errors at root lines', async () => {
    const text = [
      '#cloud-config', //                                             1
      'write_files:', //                                              2
      '  - path: /etc/cloud/cloud.cfg.d/99-updates.cfg', //          3
      '    content: |', //                                            4
      '      package_upgrade: false', //                              5
      '      runcmd: [echo from-dropin]', //                          6
      '  - path: /etc/kubernetes/manifests/broken.yaml', //           7
      '    content: |', //                                            8
      '      apiVersion: v1', //                                      9
      '      kind: Pod', //                                           10
      '      metadata: {name: [unclosed', //                          11
      '',
    ].join('\n');
    const r = await parseFiles(scanners, { 'user-data': text });
    const dropin = r.documents.find((d) => d.origin?.targetPath === '/etc/cloud/cloud.cfg.d/99-updates.cfg')!;
    expect(dropin.format).toBe('cloud-config');
    expect(bool(get((dropin.model as { root: never }).root, 'package_upgrade'))).toBe(false);
    const run = childrenOf(r, dropin)[0];
    expect(run.text).toBe('echo from-dropin');
    expect(lcOf(r, run, 'from-dropin')).toBe('6:21');
    const errs = r.diagnostics.filter((d) => d.code === 'parse-error');
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0].file).toBe('user-data');
    expect(lc(r, errs[0].loc!).split(':')[0]).toBe('11');
    expect(errs[0].message).toMatch(/^YAML syntax error at line 11:/);
  });

  it('uses the format the embedding states even without the header', async () => {
    // a MIME part typed text/cloud-config need not start with #cloud-config
    const { FileParse } = await import('../../../engine/parse.js');
    const { makeSourceFile } = await import('../../../engine/source.js');
    const { DEFAULT_LIMITS } = await import('../../../engine/scanner-api.js');
    const f = makeSourceFile('x', 'runcmd:\n  - echo hi\n');
    const fp = new FileParse({ scanners: [yamlScanner, stubScanner], limits: DEFAULT_LIMITS, readRootFile: () => undefined }, f);
    fp.parseRoot('cloud-config');
    expect(fp.documents.map((d) => d.format).sort()).toEqual(['cloud-config', 'shell']);
  });
});

const AUTOINSTALL = [
  '#cloud-config', //                                                    1
  'autoinstall:', //                                                     2
  '  version: 1', //                                                     3
  '  identity: {hostname: node, username: ops, password: "$6$x"}', //    4
  '  updates: all', //                                                   5
  '  early-commands:', //                                                6
  '    - echo early', //                                                 7
  '  late-commands:', //                                                 8
  '    - curtin in-target -- apt-get -y purge unattended-upgrades', //   9
  '    - [curtin, in-target, --, systemctl, mask, apt-daily.timer]', //  10
  '  apt:', //                                                           11
  '    conf: |', //                                                      12
  '      Acquire::Retries "3";', //                                      13
  '  user-data:', //                                                     14
  '    write_files:', //                                                 15
  '      - path: /etc/apt/apt.conf.d/20auto-upgrades', //                16
  '        content: |', //                                               17
  '          APT::Periodic::Unattended-Upgrade "1";', //                  18
  '    runcmd:', //                                                      19
  '      - [systemctl, restart, systemd-networkd]', //                   20
  '',
].join('\n');

describe('autoinstall', () => {
  it('classifies a cloud-config with an autoinstall key and embeds its commands', async () => {
    const r = await parseFiles(scanners, { 'iso/user-data': AUTOINSTALL });
    const ai = docsOf(r, 'autoinstall');
    expect(ai).toHaveLength(1);
    expect(str(get(ai[0].model.root, 'updates'))).toBe('all');
    expect(str(get(ai[0].model.root, 'version'))).toBe('1');
    const kids = childrenOf(r, ai[0]);
    const shells = kids.filter((d) => d.origin?.via === 'autoinstall-late-commands');
    expect(shells.map((d) => [d.text, d.origin!.label])).toEqual([
      ['echo early', 'early-commands[0]'],
      ['curtin in-target -- apt-get -y purge unattended-upgrades', 'late-commands[0]'],
      ['curtin in-target -- systemctl mask apt-daily.timer', 'late-commands[1]'],
    ]);
    expect(lcOf(r, shells[1], 'unattended-upgrades')).toBe('9:44');
    expect(lcOf(r, shells[2], 'apt-daily.timer')).toBe('10:48');
    const curtin = kids.find((d) => d.origin?.targetPath === '/etc/apt/apt.conf.d/94curtin-config')!;
    expect(curtin.format).toBe('apt-conf');
    expect(lcOf(r, curtin, 'Retries')).toBe('13:16');
  });

  it('makes autoinstall user-data a cloud-config document with its own embeds', async () => {
    const r = await parseFiles(scanners, { 'iso/user-data': AUTOINSTALL });
    const ai = docsOf(r, 'autoinstall')[0];
    const ud = docsOf(r, 'cloud-config');
    expect(ud).toHaveLength(1);
    expect(ud[0].origin).toMatchObject({ parentId: ai.id, via: 'autoinstall-user-data', label: 'autoinstall user-data' });
    expect(ud[0].id.startsWith(`${ai.id}/`)).toBe(true);
    expect(ud[0].text).toBe(ai.text);
    expect(lc(r, ud[0].loc, true)).toBe('15:5-20:47');
    expect(Object.keys(plain(ud[0].model.root) as object)).toEqual(['write_files', 'runcmd']);
    const kids = childrenOf(r, ud[0]);
    const apt = kids.find((d) => d.format === 'apt-conf')!;
    expect(apt.origin?.targetPath).toBe('/etc/apt/apt.conf.d/20auto-upgrades');
    expect(lcOf(r, apt, 'Unattended-Upgrade')).toBe('18:26');
    const run = kids.find((d) => d.origin?.via === 'runcmd')!;
    expect(run.text).toBe('systemctl restart systemd-networkd');
    expect(lcOf(r, run, 'systemd-networkd')).toBe('20:30');
    // parsed once: no duplicated diagnostics or documents
    expect(r.documents.filter((d) => d.format === 'apt-conf' && d.origin?.targetPath === '/etc/apt/apt.conf.d/20auto-upgrades')).toHaveLength(1);
    expect(r.diagnostics).toEqual([]);
  });

  it('recognises the bare autoinstall schema and rejects look-alikes', async () => {
    const r = await parseFiles(scanners, {
      'bare/autoinstall.yaml': 'version: 1\nidentity:\n  hostname: n\nlate-commands:\n  - echo hi\n',
      'keyed/autoinstall.yaml': 'autoinstall:\n  version: 1\n  storage: {layout: {name: lvm}}\n',
      'cc/user-data': '#cloud-config\nversion: 1\npackages: [jq]\n',
      'net/network-config.yaml': 'version: 1\nconfig:\n  - type: physical\n    name: eth0\n',
    });
    const fmt = (f: string) => r.documents.filter((d) => d.file === f && !d.origin).map((d) => d.format);
    expect(fmt('bare/autoinstall.yaml')).toEqual(['autoinstall']);
    expect(fmt('keyed/autoinstall.yaml')).toEqual(['autoinstall']);
    expect(fmt('cc/user-data')).toEqual(['cloud-config']);
    expect(fmt('net/network-config.yaml')).toEqual(['yaml']);
    const late = r.documents.find((d) => d.file === 'bare/autoinstall.yaml' && d.format === 'shell')!;
    expect(lc(r, late.loc)).toBe('5:5');
  });
});

const COMPONENT = [
  'name: harden-updates', //                                             1
  'description: Disable unattended upgrades', //                         2
  'schemaVersion: 1.0', //                                               3
  'phases:', //                                                          4
  '  - name: build', //                                                  5
  '    steps:', //                                                       6
  '      - name: DisableUpgrades', //                                    7
  '        action: ExecuteBash', //                                      8
  '        inputs:', //                                                  9
  '          commands:', //                                              10
  '            - systemctl disable --now unattended-upgrades', //        11
  '            - |', //                                                  12
  "              cat > /etc/apt/apt.conf.d/20auto-upgrades <<'EOF'", //  13
  '              APT::Periodic::Unattended-Upgrade "0";', //             14
  '              EOF', //                                                15
  '      - name: WriteTimer', //                                         16
  '        action: CreateFile', //                                       17
  '        inputs:', //                                                  18
  '          - path: /etc/systemd/system/apt-daily.timer', //            19
  '            content: |', //                                           20
  '              [Timer]', //                                            21
  '              OnCalendar=daily', //                                   22
  '            overwrite: true', //                                      23
  '      - name: Run', //                                                24
  '        action: ExecuteBinary', //                                    25
  '        inputs:', //                                                  26
  '          path: /usr/bin/true', //                                    27
  '',
].join('\n');

describe('EC2 Image Builder components', () => {
  it('embeds ExecuteBash commands and CreateFile content', async () => {
    const r = await parseFiles(scanners, { 'imagebuilder/harden.yaml': COMPONENT });
    const ib = docsOf(r, 'imagebuilder');
    expect(ib).toHaveLength(1);
    const kids = childrenOf(r, ib[0]);
    expect(kids.map((d) => [d.format, d.origin!.via, d.origin!.label])).toEqual([
      ['shell', 'imagebuilder-step', 'phases[build].steps[DisableUpgrades] ExecuteBash commands[0]'],
      ['shell', 'imagebuilder-step', 'phases[build].steps[DisableUpgrades] ExecuteBash commands[1]'],
      ['systemd-unit', 'imagebuilder-step', 'phases[build].steps[WriteTimer] CreateFile inputs[0] (/etc/systemd/system/apt-daily.timer)'],
    ]);
    expect(lcOf(r, kids[1], 'APT::Periodic')).toBe('14:15');
    expect(kids[2].origin!.targetPath).toBe('/etc/systemd/system/apt-daily.timer');
    expect(lcOf(r, kids[2], 'OnCalendar')).toBe('22:15');
  });

  it('does not take SSM documents for components', async () => {
    const r = await parseFiles(scanners, { 'ssm/doc.yaml': "schemaVersion: '2.2'\nmainSteps:\n  - action: aws:runShellScript\n" });
    expect(r.documents.map((d) => d.format)).toEqual(['yaml']);
  });
});

describe('positions helper sanity', () => {
  it('rootLc agrees with positionAt', () => {
    const text = 'a\nbc\n  d';
    const f = { text, lineStarts: [0, 2, 5] };
    expect(rootLc(text, 'd')).toBe(`${positionAt(f, 7).line}:${positionAt(f, 7).column}`);
  });
});
