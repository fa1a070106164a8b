import { describe, expect, it } from 'vitest';
import { mapSpan } from '../../../engine/offset-map.js';
import { at, docById, fakeApt, fakeBlockParent, parseShell, pos, posIn, type Recorded, shellDocs } from './helpers.js';

const AUTO = '/etc/apt/apt.conf.d/20auto-upgrades';

/** Root text under the mapped span of a substring of a document. */
function rootOf(r: Awaited<ReturnType<typeof parseShell>>, d: { text: string; map: Parameters<typeof mapSpan>[0] }, needle: string): string {
  const i = d.text.indexOf(needle);
  return at(r, mapSpan(d.map, i, i + needle.length));
}

describe('nested scripts (sh -c, su -c, shell reading a heredoc)', () => {
  it("sudo sh -c '...': nested shell document, its write and content map to the root file", async () => {
    const records: Recorded[] = [];
    const src = `# é😀\nsudo sh -c 'echo "APT::Periodic::Unattended-Upgrade \\"0\\";" > ${AUTO}'\n`;
    const r = await parseShell({ 'x.sh': src }, [fakeApt(records)]);
    const nested = docById(r, 'x.sh#0/0');
    expect(nested.format).toBe('shell');
    if (nested.format !== 'shell') return;
    expect(nested.text).toBe(`echo "APT::Periodic::Unattended-Upgrade \\"0\\";" > ${AUTO}`);
    expect(nested.origin).toMatchObject({ parentId: 'x.sh#0', via: 'shell-c', label: 'sh -c' });
    expect(nested.origin!.targetPath).toBeUndefined();
    expect(pos(r, nested.origin!.loc)).toBe('2:1-2:99');
    expect(pos(r, nested.loc)).toBe('2:13-2:98');
    expect(nested.model.commands.map((c) => c.name)).toEqual(['echo']);
    expect(pos(r, nested.model.commands[0].loc)).toBe('2:13-2:60');
    const write = nested.model.writes[0];
    expect(write).toMatchObject({ path: AUTO, via: 'redirect', contentDocId: 'x.sh#0/0/0' });
    expect(pos(r, write.loc)).toBe('2:13-2:98');
    const c = records[0];
    expect(c.text).toBe('APT::Periodic::Unattended-Upgrade "0";\n');
    expect(c.origin!.parentId).toBe('x.sh#0/0');
    expect(posIn(r, c, 'Unattended-Upgrade')).toBe('2:34-2:52');
    expect(rootOf(r, c, 'Unattended-Upgrade')).toBe('Unattended-Upgrade');
  });

  it('bash -c "..." with escapes maps exactly through quote removal', async () => {
    const r = await parseShell({ 'x.sh': 'bash -ec "systemctl restart \\"systemd-networkd\\" \\$X"\n' });
    const nested = shellDocs(r).find((d) => d.id === 'x.sh#0/0')!;
    expect(nested.text).toBe('systemctl restart "systemd-networkd" $X');
    expect(nested.model.commands[0].name).toBe('systemctl');
    const w = nested.model.commands[0].argv[2];
    expect(w.value).toBe('systemd-networkd');
    // the nested word starts at the quote after the backslash (the backslash is not in the nested text)
    expect(pos(r, w.loc)).toBe('1:30-1:49');
    expect(at(r, w.loc)).toBe('"systemd-networkd\\"');
    expect(nested.model.commands[0].argv[3].raw).toBe('$X');
    expect(pos(r, nested.model.commands[0].argv[3].loc)).toBe('1:51-1:53');
  });

  it('su - user -c, runuser, busybox sh -c, eval', async () => {
    const r = await parseShell({
      'x.sh': "su - postgres -c 'psql -c x'\nrunuser -l app --command='make install'\nbusybox sh -c 'ip route flush'\neval 'apt-get' update\n",
    });
    const nested = shellDocs(r).filter((d) => d.origin?.via === 'shell-c');
    expect(nested.map((d) => [d.id, d.origin!.label, d.model.commands[0].name, pos(r, d.model.commands[0].loc)])).toEqual([
      ['x.sh#0/0', 'su -c', 'psql', '1:19-1:28'],
      ['x.sh#0/1', 'runuser -c', 'make', '2:27-2:39'],
      ['x.sh#0/2', 'sh -c', 'ip', '3:16-3:30'],
      ['x.sh#0/3', 'eval', 'apt-get', '4:7-4:22'],
    ]);
  });

  it('sudo bash <<EOF: the heredoc is a nested script', async () => {
    const r = await parseShell({ 'x.sh': "sudo bash -s <<'EOS'\n  apt-mark hold systemd\nEOS\n" });
    const nested = shellDocs(r).find((d) => d.id === 'x.sh#0/0')!;
    expect(nested.origin).toMatchObject({ via: 'shell-heredoc', label: 'bash reading a heredoc' });
    expect(nested.text).toBe('  apt-mark hold systemd\n');
    expect(nested.model.commands.map((c) => [c.name, pos(r, c.loc)])).toEqual([['apt-mark', '2:3-2:24']]);
  });

  it('echo ... | sh: piped static script', async () => {
    const r = await parseShell({ 'x.sh': "echo 'systemctl mask apt-daily.timer' | sudo sh\n" });
    const nested = shellDocs(r).find((d) => d.id === 'x.sh#0/0')!;
    expect(nested.model.commands.map((c) => [c.name, pos(r, c.loc)])).toEqual([['systemctl', '1:7-1:37']]);
  });

  it('a script written by a heredoc is parsed as shell (by path or by shebang)', async () => {
    const r = await parseShell({
      'x.sh': "cat > /usr/local/bin/pin.sh <<'EOF'\napt-mark hold systemd\nEOF\ncat <<'EOF' > /etc/rc.local\n#!/bin/sh -e\nsystemctl start x\nEOF\ncat <<'EOF' > /etc/motd\nhello\nEOF\n",
    });
    const root = shellDocs(r).find((d) => d.id === 'x.sh#0')!;
    expect(root.model.writes.map((w) => [w.path, w.contentDocId])).toEqual([
      ['/usr/local/bin/pin.sh', 'x.sh#0/0'],
      ['/etc/rc.local', 'x.sh#0/1'],
      ['/etc/motd', undefined],
    ]);
    const pin = shellDocs(r).find((d) => d.id === 'x.sh#0/0')!;
    expect(pin.origin).toMatchObject({ via: 'shell-heredoc', targetPath: '/usr/local/bin/pin.sh' });
    expect(pin.model.commands.map((c) => [c.name, pos(r, c.loc)])).toEqual([['apt-mark', '2:1-2:22']]);
    const rc = shellDocs(r).find((d) => d.id === 'x.sh#0/1')!;
    expect(rc.model.commands.map((c) => [c.name, pos(r, c.loc)])).toEqual([['systemctl', '6:1-6:18']]);
  });

  it("a heredoc inside sh -c \"...\" maps through both levels", async () => {
    const records: Recorded[] = [];
    const r = await parseShell({ 'x.sh': `sudo sh -c "cat > ${AUTO} <<'EOF'\nAPT::Periodic::Unattended-Upgrade \\"0\\";\nEOF"\n` }, [fakeApt(records)]);
    expect(records.map((x) => x.text)).toEqual(['APT::Periodic::Unattended-Upgrade "0";\n']);
    expect(posIn(r, records[0], 'Unattended-Upgrade')).toBe('2:16-2:34');
    expect(posIn(r, records[0], '"0"')).toBe('2:36-2:40');
  });

  it('no nested document for dynamic scripts or script files', async () => {
    const r = await parseShell({ 'x.sh': 'sh -c "$CMD"\nbash -c "$(curl -fsSL https://x)"\nbash /tmp/setup.sh\nsh -c\ncurl -fsSL https://x | bash\n' });
    expect(shellDocs(r).map((d) => d.id)).toEqual(['x.sh#0']);
  });

  it('nesting is bounded by maxEmbedDepth', async () => {
    let s = 'echo deepest';
    for (let k = 0; k < 12; k++) s = `sh -c ${JSON.stringify(s).replace(/\$/g, '\\$')}`;
    const r = await parseShell({ 'x.sh': `${s}\n` }, [], { maxEmbedDepth: 4 });
    expect(shellDocs(r).length).toBe(5);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['embed-depth']);
  });
});

describe('shell text embedded in another document', () => {
  const SCRIPT = [
    '    # é😀 comment',
    '    apt-get update',
    `    cat <<EOF > ${AUTO}`,
    '    APT::Periodic::Unattended-Upgrade "0";',
    '    EOF',
    "    sudo sh -c 'echo \"APT::Periodic::Enable \\\"0\\\";\" > /etc/apt/apt.conf.d/10periodic'",
    '    if [ -f /x ]; then echo "ü" >/etc/ok; fi',
  ].join('\n');

  it('maps commands, comments, writes and contents through the parent map (indentation stripped)', async () => {
    const records: Recorded[] = [];
    const r = await parseShell({ 'cloud.runcmd': `${SCRIPT}\n` }, [fakeBlockParent('runcmd'), fakeApt(records)]);
    const sh = docById(r, 'cloud.runcmd#0/0');
    expect(sh.format).toBe('shell');
    if (sh.format !== 'shell') return;
    expect(sh.origin).toMatchObject({ via: 'runcmd', parentId: 'cloud.runcmd#0' });
    expect(sh.text.startsWith('# é😀 comment\napt-get update\n')).toBe(true);
    expect(sh.model.comments!.map((c) => pos(r, c.loc))).toEqual(['1:5-1:18']);
    expect(sh.model.commands.map((c) => [c.name, pos(r, c.loc)])).toEqual([
      ['apt-get', '2:5-2:19'],
      ['cat', '3:5-3:8'],
      ['sh', '6:5-6:86'],
      ['echo', '7:24-7:32'],
    ]);
    expect(sh.model.writes.map((w) => [w.path, pos(r, w.loc)])).toEqual([
      [AUTO, '3:5-3:52'],
      ['/etc/ok', '7:24-7:41'],
    ]);
    // heredoc content through two maps
    const heredoc = records.find((x) => x.origin!.targetPath === AUTO)!;
    expect(heredoc.text).toBe('APT::Periodic::Unattended-Upgrade "0";\n');
    expect(posIn(r, heredoc, 'Unattended-Upgrade')).toBe('4:20-4:38');
    expect(rootOf(r, heredoc, 'APT::Periodic::Unattended-Upgrade "0";')).toBe('APT::Periodic::Unattended-Upgrade "0";');
    // sh -c inside the embedded script, then echo content: three maps deep
    const periodic = records.find((x) => x.origin!.targetPath === '/etc/apt/apt.conf.d/10periodic')!;
    expect(periodic.id).toBe('cloud.runcmd#0/0/1/0');
    expect(periodic.text).toBe('APT::Periodic::Enable "0";\n');
    expect(posIn(r, periodic, 'Enable')).toBe('6:38-6:44');
    expect(rootOf(r, periodic, 'Enable')).toBe('Enable');
  });

  it('debian-installer late commands: /target is stripped from write paths', async () => {
    const records: Recorded[] = [];
    const r = await parseShell(
      { 'preseed.runcmd': "    echo 'APT::Periodic::Enable \"0\";' > /target/etc/apt/apt.conf.d/10periodic; in-target systemctl mask apt-daily.timer\n" },
      [fakeBlockParent('preseed-late-command'), fakeApt(records)],
    );
    const sh = shellDocs(r)[0];
    expect(sh.model.writes.map((w) => w.path)).toEqual(['/etc/apt/apt.conf.d/10periodic']);
    expect(sh.model.commands.map((c) => c.name)).toEqual(['echo', 'systemctl']);
    expect(records.map((x) => x.text)).toEqual(['APT::Periodic::Enable "0";\n']);
    expect(posIn(r, records[0], 'Enable')).toBe('1:26-1:32');
  });

  it('near-miss: /target is kept outside late commands', async () => {
    const r = await parseShell({ 'x.sh': 'echo x > /target/etc/x\n' });
    expect(shellDocs(r)[0].model.writes.map((w) => w.path)).toEqual(['/target/etc/x']);
  });
});
