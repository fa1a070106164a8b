import { describe, expect, it } from 'vitest';
import type { KeyValueModel } from '../../../engine/model.js';
import { parseFiles } from '../../../engine/testing.js';
import { classifyKeyValuePath, keyValueScanner } from '../../../scanners/keyvalue/index.js';
import { systemdScanner } from '../../../scanners/systemd/index.js';
import { aptScanner } from '../../../scanners/apt/index.js';
import { allScanners } from '../../../scanners/index.js';
import { at, src } from '../../helpers/embed-harness.js';

async function parseOne(path: string, text: string) {
  const r = await parseFiles([keyValueScanner], { [path]: text });
  expect(r.documents).toHaveLength(1);
  return { r, model: r.documents[0].model as KeyValueModel };
}

describe('keyvalue detection', () => {
  it('sysctl.d, update.conf and Zincati drop-ins by path; Bottlerocket user data by content', () => {
    expect(classifyKeyValuePath('etc/sysctl.d/99-k8s.conf')).toBe('sysctl');
    expect(classifyKeyValuePath('roles/x/templates/sysctl.d/90.conf.j2')).toBe('sysctl');
    expect(classifyKeyValuePath('etc/sysctl.conf')).toBe('sysctl');
    expect(classifyKeyValuePath('etc/flatcar/update.conf')).toBe('env');
    expect(classifyKeyValuePath('etc/zincati/config.d/55-updates.toml')).toBe('toml');
    expect(classifyKeyValuePath('etc/sysctl.d/README')).toBeUndefined();
    expect(classifyKeyValuePath('update.conf')).toBeUndefined();
    expect(keyValueScanner.detect({ path: 'nodes/user-data.toml', head: '[settings.kubernetes]\ncluster-name = "x"\n' })).toBe('keyvalue');
    expect(keyValueScanner.detect({ path: 'Cargo.toml', head: '[package]\nname = "x"\n' })).toBeUndefined();
    expect(keyValueScanner.detectEmbedded!(undefined, '#!/bin/sh\necho hi\n')).toBeUndefined();
    expect(keyValueScanner.detect({ path: 'etc/sysctl.d/10.conf', head: 'server {\n' })).toBeUndefined();
  });

  it('NetworkManager.conf and conf.d drop-ins are networkmanager documents (INI), other conf.d files are not', () => {
    expect(systemdScanner.detect({ path: 'etc/NetworkManager/NetworkManager.conf', head: '[main]\nplugins=keyfile\n' })).toBe('networkmanager');
    expect(systemdScanner.detect({ path: 'etc/NetworkManager/conf.d/99-cni.conf', head: '[keyfile]\nunmanaged-devices=interface-name:lxc*\n' })).toBe('networkmanager');
    expect(systemdScanner.detect({ path: 'etc/nginx/conf.d/site.conf', head: '[x]\n' })).toBeUndefined();
    expect(systemdScanner.detect({ path: 'etc/NetworkManager/conf.d/notes.txt', head: '[keyfile]\n' })).toBeUndefined();
  });
});

describe('keyvalue parsing', () => {
  it('sysctl: comments, `-` prefix, slash keys, exact locations', async () => {
    const { r, model } = await parseOne('etc/sysctl.d/90.conf', '# c\n; c2\nnet.ipv4.conf.all.rp_filter = 1\n-net/ipv4/ip_forward=1\n');
    expect(model.dialect).toBe('sysctl');
    expect(model.entries.map((e) => [e.key, e.value, at(r, e.loc), src(r, e.valueLoc), !!e.ignoreErrors])).toEqual([
      ['net.ipv4.conf.all.rp_filter', '1', '3:1-3:32', '1', false],
      ['net/ipv4/ip_forward', '1', '4:1-4:23', '1', true],
    ]);
    expect(model.comments).toHaveLength(2);
  });

  it('env: quotes and trailing comments', async () => {
    const { r, model } = await parseOne('etc/flatcar/update.conf', 'GROUP=stable\nREBOOT_STRATEGY="etcd-lock"  # coordinated\n');
    expect(model.entries.map((e) => [e.key, e.value, src(r, e.valueLoc)])).toEqual([
      ['GROUP', 'stable', 'stable'],
      ['REBOOT_STRATEGY', 'etcd-lock', 'etcd-lock'],
    ]);
  });

  it('toml subset: tables, array tables, strings, arrays, dotted keys; the rest kept raw with an info diagnostic', async () => {
    const text = '[updates]\nstrategy = "periodic" # x\n[[updates.periodic.window]]\ndays = [ "Sat", \'Sun\' ]\nstart_time = "23:30"\nlength_minutes = 60\n[[updates.periodic.window]]\nnote = """\nmulti\n"""\nx.y = true\n';
    const { r, model } = await parseOne('etc/zincati/config.d/55.toml', text);
    expect(model.entries.map((e) => [e.table, e.tableIndex, e.key, e.kind, e.value])).toEqual([
      ['updates', undefined, 'strategy', 'string', 'periodic'],
      ['updates.periodic.window', 0, 'days', 'array', 'Sat,Sun'],
      ['updates.periodic.window', 0, 'start_time', 'string', '23:30'],
      ['updates.periodic.window', 0, 'length_minutes', 'number', '60'],
      ['updates.periodic.window', 1, 'note', 'raw', '"""'],
      ['updates.periodic.window', 1, 'x.y', 'boolean', 'true'],
    ]);
    expect(src(r, model.entries[0].valueLoc)).toBe('periodic');
    expect(at(r, model.entries[0].loc)).toBe('2:1-2:22');
    expect(r.diagnostics.map((d) => d.severity)).toEqual(['info']);
  });

  it('is claimed by the full scanner list before YAML/shell catch-alls', async () => {
    const r = await parseFiles(allScanners, { 'etc/sysctl.d/99.conf': 'net.ipv4.ip_forward = 1\n', 'etc/zincati/config.d/1.toml': '[updates]\nenabled = false\n' });
    expect(r.documents.map((d) => d.format)).toEqual(['keyvalue', 'keyvalue']);
  });
});

describe('apt templates outside apt.conf.d', () => {
  it('claims a Jinja template whose content is apt.conf syntax, not other templates', () => {
    const head = '// comment\nUnattended-Upgrade::Automatic-Reboot-Time "{{ t }}:00";\nAPT::Periodic::Enable "1";\n';
    expect(aptScanner.detect({ path: 'roles/common/templates/80securedrop.j2', head })).toBe('apt-conf');
    expect(aptScanner.detect({ path: 'templates/nginx.conf.j2', head: 'server {\n  listen 80;\n}\n' })).toBeUndefined();
    expect(aptScanner.detect({ path: 'templates/main.c.j2', head: '#include <stdio.h>\n' })).toBeUndefined();
    expect(aptScanner.detect({ path: 'templates/config.yaml.j2', head: 'APT::X "1";\n' })).toBeUndefined();
    expect(aptScanner.detect({ path: 'templates/motd.tmpl', head: 'Welcome to {{ host }}\n' })).toBeUndefined();
  });
});
