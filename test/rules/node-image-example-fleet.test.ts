import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanFiles, where } from '../helpers/scan.js';

const MINE = ['FL101', 'FL102', 'FL103', 'FL104', 'FL105', 'FL106', 'FL107', 'FL301', 'FL302', 'FL303'];

function load(root: string): { files: Record<string, string>; config?: string } {
  const files: Record<string, string> = {};
  for (const f of readdirSync(root, { recursive: true })) {
    const p = path.join(root, String(f));
    try {
      files[String(f).split(path.sep).join('/')] = readFileSync(p, 'utf8');
    } catch {
      /* directory */
    }
  }
  return { files, config: files['faultline.yaml'] };
}

describe('example fleet (2023-03-08 configuration) — node-image and networking rules', () => {
  it('flags the auto-update channel and the networkd/CNI conflict with the chain of evidence', async () => {
    const { files, config } = load('fixtures/example-fleet');
    const { result } = await scanFiles(files, { only: MINE, config });
    expect(result.findings.map(where).sort()).toEqual([
      'images/ubuntu-node/files/20auto-upgrades:2:1-2:39 FL101',
      'images/ubuntu-node/http/preseed.cfg:6:33-6:52 FL103',
      'images/ubuntu-node/scripts/setup-node.sh:13:1-13:45 FL102',
      'images/ubuntu-node/ubuntu-node.pkr.hcl:19:1-19:27 FL301',
      'regions/eu1/cloud-init.yaml:2:1-2:22 FL104',
      'regions/us1/main.tf:27:5-27:26 FL104',
      'regions/us3/user-data.tftpl:2:1-2:22 FL104',
    ]);
    const fl101 = result.findings.find((f) => f.ruleId === 'FL101')!;
    expect(fl101.message).toContain('5 regions (us1, eu1, us3, us4, us5)');
    expect(fl101.message).toContain('*-*-* 6:00 + up to 60m random delay');
    expect(fl101.message).toContain('restart systemd-networkd, which will delete routes installed by Cilium (k8s/kube-system/cilium.yaml:11)');
    expect(fl101.related.map((r) => `${r.path}:${r.range.start.line}`)).toEqual([
      'images/ubuntu-node/ubuntu-node.pkr.hcl:19',
      'images/ubuntu-node/ubuntu-node.pkr.hcl:41',
      'images/ubuntu-node/ubuntu-node.pkr.hcl:47',
      'images/ubuntu-node/scripts/setup-node.sh:6',
      'images/ubuntu-node/ubuntu-node.pkr.hcl:48',
      'k8s/kube-system/cilium.yaml:11',
    ]);
    const fl301 = result.findings.find((f) => f.ruleId === 'FL301')!;
    expect(fl301.message).toMatch(/^Node image ubuntu-k8s-node-jammy runs Ubuntu 22.04 with systemd 249, where systemd-networkd deletes routes/);
    expect(fl301.message).toContain('unattended-upgrades is enabled on this image (images/ubuntu-node/files/20auto-upgrades:2) and will restart systemd-networkd');
    expect(fl301.related.map((r) => `${r.path}:${r.range.start.line}`)).toEqual([
      'k8s/kube-system/cilium.yaml:11',
      'images/ubuntu-node/files/20auto-upgrades:2',
      'images/ubuntu-node/ubuntu-node.pkr.hcl:28',
    ]);
  });

  it('its remediated twin comes out clean', async () => {
    const { files, config } = load('fixtures/example-fleet-remediated');
    const { result } = await scanFiles(files, { only: MINE, config });
    expect(result.findings.map(where)).toEqual([]);
  });
});
