import { describe, expect, it } from 'vitest';
import { active, scanFiles, where } from '../helpers/scan.js';

describe('FL103 preseed-update-policy', () => {
  const only = ['FL103'];
  it('flags unattended-upgrades and landscape at the value', async () => {
    const { result } = await scanFiles({ 'preseed.cfg': 'd-i pkgsel/include string openssh-server\nd-i pkgsel/update-policy select unattended-upgrades\n' }, { only });
    expect(result.findings.map(where)).toEqual(['preseed.cfg:2:33-2:52 FL103']);
    const l = await scanFiles({ 'http/preseed.cfg': 'd-i pkgsel/update-policy select landscape\n' }, { only });
    expect(l.result.findings[0].message).toMatch(/"landscape"/);
  });

  it('near-misses: none, install-time upgrade only, a later answer that overrides', async () => {
    const { result } = await scanFiles(
      {
        'a/preseed.cfg': 'd-i pkgsel/update-policy select none\nd-i pkgsel/upgrade select full-upgrade\n',
        'b/preseed.cfg': 'd-i pkgsel/update-policy select unattended-upgrades\nd-i pkgsel/update-policy select none\n',
        'c/preseed.cfg': '# d-i pkgsel/update-policy select unattended-upgrades\n',
      },
      { only },
    );
    expect(result.findings).toEqual([]);
  });

  it('honours the allow option, validated by its schema', async () => {
    const config = 'rules:\n  FL103: { options: { allow: [landscape] } }\n';
    const { result } = await scanFiles({ 'preseed.cfg': 'd-i pkgsel/update-policy select landscape\n' }, { only, config });
    expect(result.findings).toEqual([]);
    await expect(scanFiles({ 'preseed.cfg': '' }, { only, config: 'rules:\n  FL103: { options: { allow: landscape } }\n' })).rejects.toThrow(/must be array/);
    await expect(scanFiles({ 'preseed.cfg': '' }, { only, config: 'rules:\n  FL103: { options: { alow: [] } }\n' })).rejects.toThrow(/unknown option 'alow'/);
  });
});

describe('FL104 cloud-init-package-upgrade', () => {
  const only = ['FL104'];
  it('flags package_upgrade and its old names; error with automatic reboot', async () => {
    const { result } = await scanFiles(
      {
        'a/user-data': '#cloud-config\npackage_upgrade: true\n',
        'b/user-data': '#cloud-config\napt_upgrade: yes\napt_reboot_if_required: true\n',
      },
      { only },
    );
    expect(result.findings.map((f) => `${where(f)} ${f.severity}`)).toEqual(['a/user-data:2:1-2:22 FL104 warning', 'b/user-data:2:1-2:17 FL104 error']);
    expect(result.findings[1].related[0]).toMatchObject({ path: 'b/user-data', range: { start: { line: 3, column: 1 } } });
  });

  it('finds it inside Terraform → base64encode(heredoc), pointing into the .tf file', async () => {
    const tf = 'resource "aws_launch_template" "n" {\n  user_data = base64encode(<<-EOT\n    #cloud-config\n    package_upgrade: true\n  EOT\n  )\n}\n';
    const { result } = await scanFiles({ 'main.tf': tf }, { only });
    expect(result.findings.map(where)).toEqual(['main.tf:4:5-4:26 FL104']);
    expect(result.findings[0].embedding?.[0]).toMatch(/user_data/);
  });

  it('finds it inside a MIME multipart part of a user-data file', async () => {
    const mime = [
      'Content-Type: multipart/mixed; boundary="XX"',
      'MIME-Version: 1.0',
      '',
      '--XX',
      'Content-Type: text/x-shellscript',
      '',
      '#!/bin/sh',
      'echo hi',
      '--XX',
      'Content-Type: text/cloud-config',
      '',
      '#cloud-config',
      'package_upgrade: true',
      '--XX--',
      '',
    ].join('\n');
    const { result } = await scanFiles({ 'user-data': mime }, { only });
    expect(result.findings.map(where)).toEqual(['user-data:13:1-13:22 FL104']);
  });

  it('near-misses: false, package_update only, a quoted "true" in another key, not cloud-config', async () => {
    const { result } = await scanFiles(
      {
        'a/user-data': '#cloud-config\npackage_upgrade: false\npackage_update: true\n',
        'b/user-data': '#cloud-config\nbootcmd:\n  - echo "package_upgrade: true"\n',
        'c/values.yaml': 'package_upgrade: true\n',
      },
      { only },
    );
    expect(result.findings).toEqual([]);
  });

  it('ignoreWithoutReboot keeps only the rebooting case', async () => {
    const config = 'rules:\n  cloud-init-package-upgrade: { options: { ignoreWithoutReboot: true } }\n';
    const { result } = await scanFiles(
      { 'a/user-data': '#cloud-config\npackage_upgrade: true\n', 'b/user-data': '#cloud-config\npackage_upgrade: true\npackage_reboot_if_required: true\n' },
      { only, config },
    );
    expect(active(result.findings).map((f) => f.location.path)).toEqual(['b/user-data']);
  });
});
