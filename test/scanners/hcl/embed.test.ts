import { describe, expect, it } from 'vitest';
import { docOf, pos, posIn, scan } from './helpers.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('Terraform user-data embedding', () => {
  it('embeds a heredoc user_data with exact root positions', async () => {
    const tf = [
      'resource "aws_instance" "web" {',
      '  ami       = "ami-123"',
      '  user_data = <<-EOT',
      '    #cloud-config',
      '    package_upgrade: true',
      '    runcmd:',
      '      - echo ${var.env}',
      '  EOT',
      '}',
      'variable "env" { default = "prod" }',
      '',
    ].join('\n');
    const r = await scan({ 'infra/web.tf': tf });
    expect(r.received).toHaveLength(1);
    const got = r.received[0];
    expect(got.format).toBe('cloud-config');
    expect(got.text).toBe('#cloud-config\npackage_upgrade: true\nruncmd:\n  - echo prod\n');
    const i = got.text.indexOf('package_upgrade');
    expect(posIn(r, got.input, i)).toEqual({ file: 'infra/web.tf', line: 5, column: 5 });
    expect(posIn(r, got.input, got.text.indexOf('- echo'))).toEqual({ file: 'infra/web.tf', line: 7, column: 7 });
    const parent = docOf(r, 'infra/web.tf');
    const child = r.documents.find((d) => d.origin?.parentId === parent.id)!;
    expect(child.file).toBe('infra/web.tf');
    expect(child.origin).toMatchObject({ via: 'terraform-user-data', label: 'aws_instance.web user_data' });
    expect(pos(r, 'infra/web.tf', child.origin!.loc.start)).toEqual({ line: 3, column: 3 });
  });

  it('embeds templatefile() user_data mapped into the template file, and file() content as that file', async () => {
    const r = await scan({
      'mod/main.tf': [
        'resource "aws_instance" "a" {',
        '  user_data = templatefile("${path.module}/init.tftpl", { pkg = "nginx" })',
        '}',
        'resource "aws_instance" "b" {',
        '  user_data_base64 = base64encode(file("scripts/boot.sh"))',
        '}',
        '',
      ].join('\n'),
      'mod/init.tftpl': '#cloud-config\npackages:\n  - ${pkg}\n',
      'mod/scripts/boot.sh': '#!/bin/bash\nsystemctl restart systemd-networkd\n',
    });
    const [a, b] = r.received;
    expect(a.format).toBe('cloud-config');
    expect(a.text).toBe('#cloud-config\npackages:\n  - nginx\n');
    expect(posIn(r, a.input, a.text.indexOf('packages'))).toEqual({ file: 'mod/init.tftpl', line: 2, column: 1 });
    const aDoc = r.documents.find((d) => d.text === a.text && d.format === 'cloud-config')!;
    expect(aDoc.file).toBe('mod/init.tftpl');
    expect(aDoc.origin?.loc.file).toBe('mod/main.tf');
    expect(b.format).toBe('shell');
    expect(b.text).toBe('#!/bin/bash\nsystemctl restart systemd-networkd\n');
    expect(posIn(r, b.input, b.text.indexOf('systemctl'))).toEqual({ file: 'mod/scripts/boot.sh', line: 2, column: 1 });
    expect(docOf(r, 'mod/main.tf').model.references).toMatchObject([
      { kind: 'templatefile', path: 'mod/init.tftpl' },
      { kind: 'file', path: 'mod/scripts/boot.sh' },
    ]);
  });

  it('decodes base64 literals it cannot trace, with an opaque map over the literal', async () => {
    const enc = b64('#!/bin/bash\necho hi\n');
    const r = await scan({
      'b.tf': `resource "aws_instance" "a" {\n  user_data = "${enc}"\n}\nresource "aws_launch_template" "lt" {\n  user_data = "${b64('echo plain\n')}"\n}\nresource "aws_instance" "c" {\n  user_data = "aGVsbG8gd29ybGQ="\n}\n`,
    });
    const texts = r.received.map((x) => x.text);
    // decoded because it starts like user-data; launch templates always hold base64; "hello world" does not look like
    // user-data, so the literal is passed on as written
    expect(texts).toEqual(['#!/bin/bash\necho hi\n', 'echo plain\n', 'aGVsbG8gd29ybGQ=']);
    const first = r.received[0];
    expect(first.input.map.segs).toEqual([]);
    expect(posIn(r, first.input, 5)).toEqual({ file: 'b.tf', line: 2, column: 16 });
    const third = r.received[2];
    expect(third.input.map.segs.length).toBeGreaterThan(0);
  });

  it('finds user-data in GCP metadata, startup scripts, nested launch templates, Azure and modules', async () => {
    const r = await scan({
      'g.tf': [
        'resource "google_compute_instance" "vm" {',
        '  metadata = {',
        '    "user-data" = "#cloud-config\\nruncmd: [reboot]\\n"',
        '    ssh-keys    = "x"',
        '  }',
        '  metadata_startup_script = "apt-get -y upgrade"',
        '}',
        'resource "aws_spot_fleet_request" "f" {',
        '  launch_specification {',
        '    user_data = "#!/bin/sh\\necho spot\\n"',
        '  }',
        '}',
        'resource "azurerm_linux_virtual_machine" "z" {',
        '  custom_data = base64encode("#cloud-config\\nfinal_message: hi\\n")',
        '}',
        'module "asg" {',
        '  source    = "./asg"',
        '  user_data = "#!/bin/bash\\necho from-module\\n"',
        '}',
        '',
      ].join('\n'),
    });
    const byText = new Map(r.received.map((x) => [x.text, x]));
    expect([...byText.keys()]).toEqual([
      '#cloud-config\nruncmd: [reboot]\n',
      'apt-get -y upgrade',
      '#!/bin/sh\necho spot\n',
      '#cloud-config\nfinal_message: hi\n',
      '#!/bin/bash\necho from-module\n',
    ]);
    expect(byText.get('apt-get -y upgrade')!.format).toBe('shell'); // startup scripts are shell even without #!
    const labels = r.documents.filter((d) => d.origin).map((d) => d.origin!.label);
    expect(labels).toEqual([
      'google_compute_instance.vm metadata["user-data"]',
      'google_compute_instance.vm metadata_startup_script',
      'aws_spot_fleet_request.f launch_specification.user_data',
      'azurerm_linux_virtual_machine.z custom_data',
      'module.asg user_data',
    ]);
    const md = byText.get('#cloud-config\nruncmd: [reboot]\n')!;
    expect(posIn(r, md.input, md.text.indexOf('runcmd'))).toEqual({ file: 'g.tf', line: 3, column: 35 });
  });

  it('embeds each cloudinit_config part with the format its content_type names', async () => {
    const r = await scan({
      'ci.tf': [
        'data "cloudinit_config" "init" {',
        '  gzip          = false',
        '  base64_encode = false',
        '  part {',
        '    content_type = "text/cloud-config"',
        '    content      = yamlencode({ package_upgrade = true })',
        '  }',
        '  part {',
        '    filename     = "boot.sh"',
        '    content_type = "text/x-shellscript"',
        '    content      = "echo ${var.x}"',
        '  }',
        '  part {',
        '    content = "#!/bin/bash\\necho default type\\n"',
        '  }',
        '}',
        'variable "x" { default = "y" }',
        'resource "aws_instance" "a" {',
        '  user_data = data.cloudinit_config.init.rendered',
        '}',
        '',
      ].join('\n'),
    });
    expect(r.received.map((x) => [x.format, x.text])).toEqual([
      ['cloud-config', 'package_upgrade: true\n'],
      ['shell', 'echo y'],
      ['shell', '#!/bin/bash\necho default type\n'],
    ]);
    const parts = r.documents.filter((d) => d.origin?.via === 'mime-part');
    expect(parts.map((d) => d.origin!.label)).toEqual([
      'data.cloudinit_config.init part[0] (text/cloud-config)',
      'data.cloudinit_config.init part[1] (text/x-shellscript, boot.sh)',
      'data.cloudinit_config.init part[2] (text/plain)',
    ]);
    expect(posIn(r, r.received[1].input, 0)).toEqual({ file: 'ci.tf', line: 11, column: 21 });
    // the interpolated value is written in the same file: it maps to its definition
    expect(posIn(r, r.received[1].input, 5)).toEqual({ file: 'ci.tf', line: 17, column: 27 });
    // the instance's user_data is the rendered MIME document: not re-scanned, reported as unknown
    const info = r.diagnostics.find((d) => d.severity === 'info' && d.message.startsWith('aws_instance.a user_data'));
    expect(info?.message).toContain('its parts are scanned from the data.cloudinit_config.init block');
  });

  it('does not embed what it cannot know, and says why', async () => {
    const r = await scan({ 'u.tf': 'resource "aws_instance" "a" {\n  user_data = data.template_file.missing.rendered\n}\nresource "aws_instance" "b" {\n  user_data = "${var.nope}"\n}\n' });
    expect(r.received).toEqual([]);
    expect(r.diagnostics.filter((d) => d.severity === 'info').map((d) => d.message)).toEqual([
      'aws_instance.a user_data is not known statically: data.template_file.missing is not declared in module .',
      'aws_instance.b user_data is not known statically: var.nope is not declared in module .',
    ]);
  });

  it('embeds partially known user data with the verbatim interpolation', async () => {
    const r = await scan({ 'p.tf': 'resource "aws_instance" "a" {\n  user_data = <<EOF\n#!/bin/bash\necho ${aws_eip.x.public_ip}\nEOF\n}\n' });
    expect(r.received[0].text).toBe('#!/bin/bash\necho ${aws_eip.x.public_ip}\n');
    expect(posIn(r, r.received[0].input, r.received[0].text.indexOf('${'))).toEqual({ file: 'p.tf', line: 4, column: 6 });
  });
});

describe('Terraform provisioners', () => {
  it('embeds remote-exec commands and file provisioner content; skips local-exec', async () => {
    const r = await scan({
      'prov/main.tf': [
        'resource "aws_instance" "a" {',
        '  provisioner "remote-exec" {',
        '    inline = ["sudo systemctl restart systemd-networkd", "echo ${self.public_ip}"]',
        '  }',
        '  provisioner "remote-exec" {',
        '    script = "${path.module}/setup.sh"',
        '  }',
        '  provisioner "file" {',
        '    content     = "APT::Periodic::Unattended-Upgrade \\"1\\";\\n"',
        '    destination = "/etc/apt/apt.conf.d/20auto-upgrades"',
        '  }',
        '  provisioner "local-exec" {',
        '    command = "echo on the laptop"',
        '  }',
        '}',
        '',
      ].join('\n'),
      'prov/setup.sh': 'echo setup\n',
    });
    const emb = r.documents.filter((d) => d.origin);
    expect(emb.map((d) => [d.origin!.via, d.origin!.label, d.file, d.origin!.targetPath])).toEqual([
      ['terraform-attribute', 'aws_instance.a provisioner "remote-exec" inline', 'prov/main.tf', undefined],
      ['terraform-attribute', 'aws_instance.a provisioner "remote-exec" script prov/setup.sh', 'prov/setup.sh', undefined],
      ['terraform-attribute', 'aws_instance.a provisioner "file" content → /etc/apt/apt.conf.d/20auto-upgrades', 'prov/main.tf', '/etc/apt/apt.conf.d/20auto-upgrades'],
    ]);
    expect(emb[0].text).toBe('sudo systemctl restart systemd-networkd\necho ${self.public_ip}\n');
    const got = r.received.find((x) => x.text === emb[0].text)!;
    expect(posIn(r, got.input, emb[0].text.indexOf('echo'))).toEqual({ file: 'prov/main.tf', line: 3, column: 59 });
    expect(emb[2].text).toBe('APT::Periodic::Unattended-Upgrade "1";\n');
    expect(docOf(r, 'prov/main.tf').model.references).toMatchObject([{ kind: 'file', path: 'prov/setup.sh' }]);
  });
});

describe('Packer embedding', () => {
  const PKR = [
    'source "amazon-ebs" "ubuntu" {',
    '  region    = "us-east-1"',
    '  user_data = "#cloud-config\\nruncmd: [echo]\\n"',
    '}',
    'build {',
    '  sources = ["source.amazon-ebs.ubuntu"]',
    '  provisioner "shell" {',
    '    inline = [',
    '      "sudo apt-get update",',
    '      "sudo apt-get install -y ${var.pkg}",',
    '      "echo \\"done\\"",',
    '    ]',
    '  }',
    '  provisioner "shell" {',
    '    script  = "scripts/one.sh"',
    '    scripts = ["scripts/two.sh", "${path.root}/scripts/three.sh"]',
    '  }',
    '  provisioner "file" {',
    '    source      = "files/unattended-upgrades.conf"',
    '    destination = "/etc/apt/apt.conf.d/50unattended-upgrades"',
    '  }',
    '  provisioner "file" {',
    '    source      = "files/"',
    '    destination = "/opt/files"',
    '  }',
    '  provisioner "file" {',
    '    source      = "files/networkd.conf"',
    '    destination = "/etc/systemd/"',
    '  }',
    '  provisioner "shell-local" {',
    '    inline = ["echo not on the image"]',
    '  }',
    '}',
    'variable "pkg" { default = "nginx" }',
    '',
  ].join('\n');
  const FILES = {
    'img/ubuntu.pkr.hcl': PKR,
    'img/scripts/one.sh': '#!/bin/bash\necho one\n',
    'img/scripts/two.sh': 'echo two\n',
    'img/scripts/three.sh': 'echo three\n',
    'img/files/unattended-upgrades.conf': 'Unattended-Upgrade::Allowed-Origins {};\n',
    'img/files/networkd.conf': '[Network]\n',
  };

  it('joins inline commands into one shell document whose lines map exactly', async () => {
    const r = await scan(FILES);
    const inline = r.documents.find((d) => d.origin?.via === 'packer-inline')!;
    expect(inline.format).toBe('shell');
    expect(inline.text).toBe('sudo apt-get update\nsudo apt-get install -y nginx\necho "done"\n');
    const got = r.received.find((x) => x.text === inline.text)!;
    expect(posIn(r, got.input, 0)).toEqual({ file: 'img/ubuntu.pkr.hcl', line: 9, column: 8 });
    expect(posIn(r, got.input, inline.text.indexOf('sudo apt-get install'))).toEqual({ file: 'img/ubuntu.pkr.hcl', line: 10, column: 8 });
    expect(posIn(r, got.input, inline.text.indexOf('"done"'))).toEqual({ file: 'img/ubuntu.pkr.hcl', line: 11, column: 14 });
    expect(inline.origin?.label).toBe('packer provisioner "shell" inline');
    expect(r.received.some((x) => x.text.includes('not on the image'))).toBe(false);
  });

  it('reads script/scripts as shell documents of their own files', async () => {
    const r = await scan(FILES);
    const scripts = r.documents.filter((d) => d.origin?.via === 'packer-script');
    expect(scripts.map((d) => [d.file, d.format, d.text])).toEqual([
      ['img/scripts/one.sh', 'shell', '#!/bin/bash\necho one\n'],
      ['img/scripts/two.sh', 'shell', 'echo two\n'],
      ['img/scripts/three.sh', 'shell', 'echo three\n'],
    ]);
    expect(pos(r, 'img/ubuntu.pkr.hcl', scripts[1].origin!.loc.start)).toEqual({ line: 16, column: 16 });
    expect(scripts[0].map).toEqual({ file: 'img/scripts/one.sh', segs: [0, 0, 21], whole: [0, 21] });
  });

  it('file provisioners: embed single files at their destination, record directories', async () => {
    const r = await scan(FILES);
    const files = r.documents.filter((d) => d.origin?.via === 'packer-file');
    expect(files.map((d) => [d.file, d.origin!.targetPath])).toEqual([
      ['img/files/unattended-upgrades.conf', '/etc/apt/apt.conf.d/50unattended-upgrades'],
      ['img/files/networkd.conf', '/etc/systemd/networkd.conf'],
    ]);
    const refs = docOf(r, 'img/ubuntu.pkr.hcl').model.references!;
    expect(refs.map((x) => [x.kind, x.path, x.destination])).toEqual([
      ['packer-script', 'img/scripts/one.sh', undefined],
      ['packer-script', 'img/scripts/two.sh', undefined],
      ['packer-script', 'img/scripts/three.sh', undefined],
      ['packer-file', 'img/files/unattended-upgrades.conf', '/etc/apt/apt.conf.d/50unattended-upgrades'],
      ['packer-file', 'img/files', '/opt/files'],
      ['packer-file', 'img/files/networkd.conf', '/etc/systemd/networkd.conf'],
    ]);
  });

  it('file provisioners upload a directory into a directory, or with a trailing slash its contents', async () => {
    const r = await scan({
      'img/x.pkr.hcl':
        'build {\n  provisioner "file" {\n    source      = "rootfs"\n    destination = "/opt/"\n  }\n  provisioner "file" {\n    source      = "rootfs/etc/"\n    destination = "/etc/"\n  }\n}\n',
      'img/rootfs/etc/apt/apt.conf.d/20auto-upgrades': 'APT::Periodic::Unattended-Upgrade "0";\n',
    });
    const refs = docOf(r, 'img/x.pkr.hcl').model.references!;
    expect(refs.map((x) => [x.kind, x.path, x.destination])).toEqual([
      ['packer-file', 'img/rootfs', '/opt/rootfs'],
      ['packer-file', 'img/rootfs/etc', '/etc/'],
    ]);
  });

  it('says when a provisioned script, uploaded file or user_data_file is not there to read, and where it looked', async () => {
    const r = await scan({
      'img/x.pkr.hcl':
        'source "amazon-ebs" "n" {\n  user_data_file = "gone.yaml"\n}\nbuild {\n  sources = ["source.amazon-ebs.n"]\n  provisioner "shell" {\n    script = "scripts/setup.sh"\n  }\n  provisioner "shell" {\n    script = "img/scripts/present.sh"\n  }\n  provisioner "file" {\n    source      = "files/motd"\n    destination = "/etc/motd"\n  }\n}\n',
      'img/scripts/present.sh': 'echo here\n',
    });
    const notes = r.diagnostics.filter((d) => d.code === 'unresolved');
    expect(notes.map((d) => [d.severity, d.file, d.message])).toEqual([
      ['info', 'img/x.pkr.hcl', 'packer source amazon-ebs.n user_data_file img/gone.yaml: no readable text file there (relative paths are read against the template\'s directory), so what it puts on the machine is not analysed'],
      ['info', 'img/x.pkr.hcl', 'packer provisioner "shell" script img/scripts/setup.sh: no readable text file there (relative paths are read against the template\'s directory), so what it puts on the machine is not analysed'],
      ['info', 'img/x.pkr.hcl', 'packer provisioner "shell" script img/img/scripts/present.sh: no readable text file there (relative paths are read against the template\'s directory), so what it puts on the machine is not analysed'],
      ['info', 'img/x.pkr.hcl', 'packer provisioner "file" source img/files/motd: no readable text file there (relative paths are read against the template\'s directory), so what it puts on the machine is not analysed'],
    ]);
    expect(pos(r, 'img/x.pkr.hcl', notes[1].loc!.start)).toEqual({ line: 7, column: 5 });
  });

  it('embeds builder user_data and user_data_file', async () => {
    const r = await scan({
      ...FILES,
      'img/extra.pkr.hcl': 'source "amazon-ebs" "other" {\n  user_data_file = "files/ud.yaml"\n}\n',
      'img/files/ud.yaml': '#cloud-config\nbootcmd: [x]\n',
    });
    const ud = r.documents.filter((d) => d.origin?.via === 'terraform-user-data');
    expect(ud.map((d) => [d.origin!.label, d.file, d.format])).toEqual([
      ['packer source amazon-ebs.ubuntu user_data', 'img/ubuntu.pkr.hcl', 'cloud-config'],
      ['packer source amazon-ebs.other user_data_file img/files/ud.yaml', 'img/files/ud.yaml', 'cloud-config'],
    ]);
  });

  it('handles legacy JSON provisioners the same way, with positions inside escaped strings', async () => {
    const legacy = `{
  "variables": { "pkg": "curl" },
  "builders": [{ "type": "amazon-ebs", "user_data_file": "ud.sh" }],
  "provisioners": [
    { "type": "shell", "inline": ["echo \\"a\\"", "apt-get install -y {{user \`pkg\`}}"] },
    { "type": "shell", "script": "setup.sh" },
    { "type": "file", "source": "conf/apt.conf", "destination": "/etc/apt/apt.conf.d/99x" },
    { "type": "shell-local", "inline": ["echo local"] }
  ]
}`;
    const r = await scan({
      'old/packer.json': legacy,
      'old/ud.sh': '#!/bin/sh\necho ud\n',
      'old/setup.sh': 'echo setup\n',
      'old/conf/apt.conf': 'APT::Periodic::Unattended-Upgrade "1";\n',
    });
    const embedded = r.documents.filter((d) => d.origin).map((d) => [d.origin!.via, d.file, d.text]);
    expect(embedded).toEqual([
      ['terraform-user-data', 'old/ud.sh', '#!/bin/sh\necho ud\n'],
      ['packer-inline', 'old/packer.json', 'echo "a"\napt-get install -y curl\n'],
      ['packer-script', 'old/setup.sh', 'echo setup\n'],
      ['packer-file', 'old/conf/apt.conf', 'APT::Periodic::Unattended-Upgrade "1";\n'],
    ]);
    const inline = r.received.find((x) => x.input.origin?.via === 'packer-inline')!;
    expect(posIn(r, inline.input, inline.text.indexOf('a"'))).toEqual({ file: 'old/packer.json', line: 5, column: 43 });
    expect(posIn(r, inline.input, inline.text.indexOf('apt-get'))).toEqual({ file: 'old/packer.json', line: 5, column: 50 });
  });

  it('packer file provisioner with inline content embeds it at the destination', async () => {
    const r = await scan({
      'c/x.pkr.hcl': 'build {\n  provisioner "file" {\n    content     = "[Unit]\\nDescription=x\\n"\n    destination = "/etc/systemd/system/x.service"\n  }\n  provisioner "file" {\n    direction   = "download"\n    source      = "/var/log/cloud-init.log"\n    destination = "logs/"\n  }\n}\n',
    });
    const files = r.documents.filter((d) => d.origin?.via === 'packer-file');
    expect(files).toHaveLength(1);
    expect(files[0].text).toBe('[Unit]\nDescription=x\n');
    expect(r.diagnostics.filter((d) => d.code === 'unresolved' && d.severity !== 'info')).toEqual([]);
  });
});
