import { describe, expect, it } from 'vitest';
import { get, str } from '../../../engine/model.js';
import { parseFiles } from '../../../engine/testing.js';
import { shellScriptIndex, looksLikeConfigFileName } from '../../../scanners/yaml/kubernetes.js';
import { yamlScanner } from '../../../scanners/yaml/index.js';
import { childrenOf, docsOf, lc, lcOf, mapsVerbatim, stubScanner } from './helpers.js';

const scanners = [yamlScanner, stubScanner];

const MANIFESTS = [
  '# cilium agent', //                                                    1
  'apiVersion: apps/v1', //                                               2
  'kind: DaemonSet', //                                                   3
  'metadata:', //                                                         4
  '  name: cilium', //                                                    5
  '  namespace: kube-system', //                                          6
  'spec:', //                                                             7
  '  template:', //                                                       8
  '    spec:', //                                                         9
  '      initContainers:', //                                             10
  '        - name: mount-bpf', //                                         11
  '          command: ["/bin/sh", "-ec"]', //                             12
  '          args:', //                                                   13
  '            - |', //                                                   14
  '              mount bpffs /sys/fs/bpf -t bpf', //                      15
  '              echo done', //                                           16
  '      containers:', //                                                 17
  '        - name: agent', //                                             18
  '          command: [cilium-agent]', //                                 19
  '          args: ["--config-dir=/tmp"]', //                             20
  '          lifecycle:', //                                              21
  '            postStart:', //                                            22
  '              exec:', //                                               23
  '                command: [sh, -c, "ip route flush table 200"]', //    24
  '        - name: runner', //                                            25
  '          command: [bash, script.sh]', //                              26
  '        - name: py', //                                                27
  '          command: [python3, -c, "print(1)"]', //                      28
  '---', //                                                               29
  '# comment-only document', //                                           30
  '---', //                                                               31
  'apiVersion: batch/v1', //                                              32
  'kind: CronJob', //                                                     33
  'metadata: {name: apt-sweep}', //                                       34
  'spec:', //                                                             35
  '  jobTemplate:', //                                                    36
  '    spec:', //                                                         37
  '      template:', //                                                   38
  '        spec:', //                                                     39
  '          containers:', //                                             40
  '            - name: sweep', //                                         41
  '              command:', //                                            42
  '                - /usr/bin/env', //                                    43
  '                - bash', //                                            44
  '                - -o', //                                              45
  '                - pipefail', //                                        46
  '                - -xc', //                                             47
  "                - 'apt-get -y upgrade && systemctl restart systemd-networkd'", // 48
  '---', //                                                               49
  'apiVersion: v1', //                                                    50
  'kind: ConfigMap', //                                                   51
  'metadata:', //                                                         52
  '  name: node-config', //                                               53
  'data:', //                                                             54
  '  20auto-upgrades: |', //                                              55
  '    APT::Periodic::Unattended-Upgrade "1";', //                        56
  '  10-cilium.network: |', //                                            57
  '    [Match]', //                                                       58
  '    Name=cilium_host', //                                              59
  '  app.properties: "a=b"', //                                           60
  '  README: read me', //                                                 61
  '',
].join('\n');

describe('kubernetes manifests', () => {
  it('makes one document per YAML document, skipping comment-only ones', async () => {
    const r = await parseFiles(scanners, { 'k8s/cilium.yaml': MANIFESTS });
    const k = docsOf(r, 'kubernetes');
    expect(k.map((d) => [d.model.index, d.model.objects.map((o) => `${o.kind}/${o.name}`)])).toEqual([
      [0, ['DaemonSet/cilium']],
      [2, ['CronJob/apt-sweep']],
      [3, ['ConfigMap/node-config']],
    ]);
    const ds = k[0].model.objects[0];
    expect(ds).toMatchObject({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'cilium', namespace: 'kube-system' });
    expect(ds.listIndex).toBeUndefined();
    expect(lc(r, ds.loc)).toBe('2:1');
    expect(lc(r, k[1].loc)).toBe('31:1');
    expect(k[0].model.comments?.map((c) => c.text)).toEqual(['# cilium agent']);
    expect(r.diagnostics).toEqual([]);
  });

  it('embeds sh -c scripts of containers and init containers, not lifecycle hooks or other programs', async () => {
    const r = await parseFiles(scanners, { 'k8s/cilium.yaml': MANIFESTS });
    const k = docsOf(r, 'kubernetes');
    const ds = childrenOf(r, k[0]);
    expect(ds.map((d) => [d.format, d.origin!.via, d.origin!.label])).toEqual([
      ['shell', 'kubernetes-command', 'DaemonSet/cilium initContainers[0] (mount-bpf) command'],
    ]);
    expect(ds[0].text).toBe('mount bpffs /sys/fs/bpf -t bpf\necho done\n');
    expect(lcOf(r, ds[0], 'bpffs')).toBe('15:21');
    expect(lcOf(r, ds[0], 'echo')).toBe('16:15');
    const cron = childrenOf(r, k[1]);
    expect(cron.map((d) => d.text)).toEqual(['apt-get -y upgrade && systemctl restart systemd-networkd']);
    expect(lcOf(r, cron[0], 'systemd-networkd')).toBe('48:60');
    expect(mapsVerbatim(r, cron[0], 'systemctl restart systemd-networkd')).toBe(true);
  });

  it('embeds ConfigMap data whose key is a config file name, with targetPath = key', async () => {
    const r = await parseFiles(scanners, { 'k8s/cilium.yaml': MANIFESTS });
    const cm = docsOf(r, 'kubernetes')[2];
    const kids = childrenOf(r, cm);
    expect(kids.map((d) => [d.format, d.origin!.targetPath, d.origin!.label])).toEqual([
      ['apt-conf', '20auto-upgrades', 'ConfigMap/node-config data[20auto-upgrades]'],
      ['networkd', '10-cilium.network', 'ConfigMap/node-config data[10-cilium.network]'],
    ]);
    expect(lcOf(r, kids[0], 'Unattended')).toBe('56:20');
    expect(lcOf(r, kids[1], 'Name=cilium_host')).toBe('59:5');
  });

  it('expands List and *List dumps into their items', async () => {
    const dump = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: Service',
      '    metadata: {name: a, namespace: prod}',
      '  - apiVersion: v1',
      '    kind: Pod',
      '    metadata: {name: b}',
      '    spec:',
      '      containers:',
      '        - name: c',
      '          command: [ash, -c, "sleep 1"]',
      'metadata:',
      '  resourceVersion: ""',
      '---',
      'apiVersion: v1',
      'kind: PodList',
      'items: []',
      '---',
      'apiVersion: v1',
      'kind: ServiceList',
      'items:',
      '  - {apiVersion: v1, kind: Service, metadata: {name: s}}',
      '',
    ].join('\n');
    const r = await parseFiles(scanners, { 'dump.yaml': dump });
    const k = docsOf(r, 'kubernetes');
    expect(k.map((d) => d.model.objects.map((o) => [o.kind, o.name, o.namespace, o.listIndex]))).toEqual([
      [
        ['Service', 'a', 'prod', 0],
        ['Pod', 'b', undefined, 1],
      ],
      [],
      [['Service', 's', undefined, 0]],
    ]);
    expect(lc(r, k[0].model.objects[1].loc)).toBe('7:5');
    const pod = childrenOf(r, k[0]);
    expect(pod.map((d) => [d.text, d.origin!.label])).toEqual([['sleep 1', 'Pod/b containers[0] (c) command']]);
    expect(lcOf(r, pod[0], 'sleep')).toBe('13:31');
  });

  it('follows a static pod manifest written by cloud-init down to its shell script', async () => {
    const userData = [
      '#cloud-config', //                                              1
      'write_files:', //                                               2
      '  - path: /etc/kubernetes/manifests/netfix.yaml', //           3
      '    content: |', //                                             4
      '      apiVersion: v1', //                                       5
      '      kind: Pod', //                                            6
      '      metadata: {name: netfix}', //                             7
      '      spec:', //                                                8
      '        containers:', //                                        9
      '          - name: fix', //                                      10
      '            command:', //                                       11
      '              - /bin/bash', //                                  12
      '              - -c', //                                         13
      '              - |', //                                          14
      '                ip route replace default via 10.0.0.1', //     15
      '                sleep infinity', //                             16
      '',
    ].join('\n');
    const r = await parseFiles(scanners, { 'user-data': userData });
    const pod = docsOf(r, 'kubernetes');
    expect(pod).toHaveLength(1);
    expect(pod[0].origin).toMatchObject({ via: 'write-files', targetPath: '/etc/kubernetes/manifests/netfix.yaml' });
    expect(pod[0].model.objects[0].name).toBe('netfix');
    expect(lc(r, pod[0].model.objects[0].loc)).toBe('5:7');
    expect(lc(r, get(pod[0].model.root, 'metadata', 'name')!.loc)).toBe('7:24');
    const sh = childrenOf(r, pod[0]);
    expect(sh).toHaveLength(1);
    expect(sh[0].id).toBe(`${pod[0].id}/0`);
    expect(sh[0].text).toBe('ip route replace default via 10.0.0.1\nsleep infinity\n');
    expect(lcOf(r, sh[0], 'replace')).toBe('15:26');
    expect(lcOf(r, sh[0], 'infinity')).toBe('16:23');
    expect(str(get(pod[0].model.root, 'kind'))).toBe('Pod');
  });

  it('recognises shell -c command lines and nothing else', () => {
    expect(shellScriptIndex(['sh', '-c', 'x'])).toBe(2);
    expect(shellScriptIndex(['/bin/bash', '-euxc', 'x'])).toBe(2);
    expect(shellScriptIndex(['/usr/bin/env', 'FOO=1', 'bash', '-o', 'pipefail', '-c', 'x'])).toBe(6);
    expect(shellScriptIndex(['busybox', 'sh', '-c', 'x'])).toBe(3);
    expect(shellScriptIndex(['bash', '-e', '-c', 'x', 'arg0'])).toBe(3);
    expect(shellScriptIndex(['sh', 'script.sh'])).toBeUndefined();
    expect(shellScriptIndex(['sh', '-c'])).toBeUndefined();
    expect(shellScriptIndex(['sh', '-e', 'x'])).toBeUndefined();
    expect(shellScriptIndex(['python3', '-c', 'x'])).toBeUndefined();
    expect(shellScriptIndex(['shellcheck', '-c', 'x'])).toBeUndefined();
    expect(shellScriptIndex([undefined, '-c', 'x'])).toBeUndefined();
  });

  it('knows config file names from other keys', () => {
    for (const k of ['20auto-upgrades', '50unattended-upgrades', 'networkd.conf', 'x.timer', 'a.service', '10-eth.network', 'sources.list', 'run.sh']) {
      expect(looksLikeConfigFileName(k)).toBe(true);
    }
    for (const k of ['README', 'app.properties', 'key', 'token', 'my file.conf', '']) expect(looksLikeConfigFileName(k)).toBe(false);
  });
});
