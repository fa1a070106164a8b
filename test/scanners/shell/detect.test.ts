import { describe, expect, it } from 'vitest';
import { shellScanner } from '../../../scanners/shell/index.js';
import { parseShell, shellDocs } from './helpers.js';

const detect = (path: string, head = '') => shellScanner.detect({ path, head });

describe('shell detection', () => {
  it('claims .sh and .bash files whatever their content', () => {
    expect(detect('scripts/setup.sh')).toBe('shell');
    expect(detect('a/b/provision.bash')).toBe('shell');
    expect(detect('x.SH')).toBe('shell');
  });

  it.each([
    '#!/bin/sh',
    '#!/bin/bash',
    '#!/bin/bash -eux',
    '#! /bin/sh -e',
    '#!/usr/bin/env bash',
    '#!/usr/bin/env -S bash -e',
    '#!/bin/dash',
    '#!/usr/bin/zsh',
    '#!/bin/ksh',
    '#!/bin/busybox sh',
    '\ufeff#!/bin/sh',
    '#!/bin/bash\r',
    '#cloud-boothook',
  ])('claims files starting with %j regardless of extension', (line) => {
    expect(detect('bootstrap', `${line}\necho hi\n`)).toBe('shell');
    expect(detect('etc/rc.local', `${line}\n`)).toBe('shell');
  });

  it.each([
    ['#!/usr/bin/python3', 'a python script'],
    ['#!/usr/bin/env python', 'env python'],
    ['#!/bin/shx', 'a program named like a shell'],
    ['#!/usr/bin/env', 'env with no program'],
    ['# !/bin/sh', 'a comment that is not a shebang'],
    ['#cloud-config', 'cloud-config'],
    ['apt-get update', 'shell-looking text without a shebang'],
  ])('does not claim %j (%s)', (line) => {
    expect(detect('bootstrap', `${line}\n`)).toBeUndefined();
  });

  it('does not claim a shebang that is not on the first line, or near-miss extensions', () => {
    expect(detect('README.md', '# Setup\n#!/bin/sh\n')).toBeUndefined();
    expect(detect('x.shx', 'echo')).toBeUndefined();
    expect(detect('x.sh.bak', 'echo')).toBeUndefined();
    expect(detect('sh', 'echo')).toBeUndefined();
  });

  it('detectEmbedded: shebang or #cloud-boothook only', () => {
    expect(shellScanner.detectEmbedded!('/usr/local/bin/x', '#!/bin/bash\nset -e\n')).toBe('shell');
    expect(shellScanner.detectEmbedded!(undefined, '#cloud-boothook\necho hi\n')).toBe('shell');
    expect(shellScanner.detectEmbedded!(undefined, 'apt-get update\n')).toBeUndefined();
    expect(shellScanner.detectEmbedded!('/etc/apt/apt.conf.d/20auto-upgrades', 'APT::Periodic::Update-Package-Lists "1";\n')).toBeUndefined();
  });

  it('the engine picks the scanner up for root files', async () => {
    const r = await parseShell({ 'bootstrap': '#!/bin/sh\necho hi\n', 'notes.txt': 'echo hi\n', 'x.sh': 'echo hi\n' });
    expect(shellDocs(r).map((d) => d.id).sort()).toEqual(['bootstrap#0', 'x.sh#0']);
  });
});
