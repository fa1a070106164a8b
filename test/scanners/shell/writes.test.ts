import { describe, expect, it } from 'vitest';
import type { ShellFileWrite } from '../../../engine/model.js';
import { at, fakeApt, parseShell, pos, posIn, type Recorded, shellDocs } from './helpers.js';

async function run(src: string) {
  const records: Recorded[] = [];
  const r = await parseShell({ 'x.sh': src }, [fakeApt(records)]);
  const d = shellDocs(r).find((x) => x.id === 'x.sh#0')!;
  const w = (path: string): ShellFileWrite => {
    const found = d.model.writes.find((x) => x.path === path);
    if (!found) throw new Error(`no write to ${path}; have ${d.model.writes.map((x) => x.path).join(', ')}`);
    return found;
  };
  const rec = (id: string | undefined): Recorded => {
    const found = records.find((x) => x.id === id);
    if (!found) throw new Error(`no recorded document ${id}`);
    return found;
  };
  return { r, d, records, w, rec };
}

const AUTO = '/etc/apt/apt.conf.d/20auto-upgrades';

describe('heredoc writes', () => {
  it('cat <<EOF > file: write, exact content, content document with mapped positions', async () => {
    const { r, d, records, w, rec } = await run(
      `#!/bin/bash\nset -e\ncat <<EOF > ${AUTO}\nAPT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\nEOF\necho done\n`,
    );
    const write = w(AUTO);
    expect(write).toMatchObject({ mode: 'write', via: 'heredoc' });
    expect(pos(r, write.loc)).toBe('3:1-3:48');
    expect(records).toHaveLength(1);
    const c = rec(write.contentDocId);
    expect(c.id).toBe('x.sh#0/0');
    expect(c.text).toBe('APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n');
    expect(c.origin).toMatchObject({ parentId: 'x.sh#0', via: 'shell-heredoc', targetPath: AUTO, label: `heredoc > ${AUTO}` });
    expect(pos(r, c.origin!.loc)).toBe('3:1-3:48');
    expect(posIn(r, c, 'Unattended-Upgrade')).toBe('5:16-5:34');
    expect(posIn(r, c, '"1"', 1)).toBe('5:35-5:38');
    expect(d.model.commands.map((x) => x.name)).toEqual(['set', 'cat', 'echo']);
  });

  it('cat > file <<\'EOF\' (quoted): body verbatim, expansions kept as written', async () => {
    const { r, w, rec } = await run(`cat > ${AUTO} <<'EOF'\nAPT::X "$HOME \\$y";\nEOF\n`);
    const c = rec(w(AUTO).contentDocId);
    expect(c.text).toBe('APT::X "$HOME \\$y";\n');
    expect(posIn(r, c, '$HOME')).toBe('2:9-2:14');
  });

  it('unquoted heredoc: \\$ \\` \\\\ and backslash-newline are unescaped, other characters stay mapped', async () => {
    const { r, w, rec } = await run(`cat <<EOF >${AUTO}\nA "\\$x \\\\ \\\`q\\\`";\nB \\\n"2";\nEOF\n`);
    const c = rec(w(AUTO).contentDocId);
    expect(c.text).toBe('A "$x \\ `q`";\nB "2";\n');
    expect(posIn(r, c, '$x')).toBe('2:5-2:7');
    expect(posIn(r, c, '"2"')).toBe('4:1-4:4');
  });

  it('cat <<-EOF >>file: append, leading tabs stripped, columns still exact', async () => {
    const { r, w, rec } = await run(
      `if true; then\n\tcat <<-EOF >>/etc/apt/apt.conf.d/50unattended-upgrades\n\t\tUnattended-Upgrade::Automatic-Reboot "false";\n\n\tEOF\nfi\n`,
    );
    const write = w('/etc/apt/apt.conf.d/50unattended-upgrades');
    expect(write).toMatchObject({ mode: 'append', via: 'heredoc' });
    expect(pos(r, write.loc)).toBe('2:2-2:56');
    const c = rec(write.contentDocId);
    expect(c.text).toBe('Unattended-Upgrade::Automatic-Reboot "false";\n\n');
    expect(posIn(r, c, 'Automatic-Reboot')).toBe('3:23-3:39');
  });

  it('keeps leading blank lines and indentation of the body', async () => {
    const { r, w, rec } = await run(`cat <<EOF > ${AUTO}\n\n  X "1";\nEOF\n`);
    const c = rec(w(AUTO).contentDocId);
    expect(c.text).toBe('\n  X "1";\n');
    expect(posIn(r, c, 'X')).toBe('3:3-3:4');
  });

  it('commands chained after the heredoc operator (`cat <<EOF > f && systemctl ...`) are kept', async () => {
    const { d, w, rec } = await run(`cat <<EOF > ${AUTO} && systemctl restart unattended-upgrades\nA "1";\nEOF\ncat <<EOF | tee /etc/apt/apt.conf.d/b && echo done\nB "2";\nEOF\n`);
    expect(d.model.commands.map((c) => c.name)).toEqual(['cat', 'systemctl', 'cat', 'tee', 'echo']);
    expect(rec(w(AUTO).contentDocId).text).toBe('A "1";\n');
    expect(rec(w('/etc/apt/apt.conf.d/b').contentDocId).text).toBe('B "2";\n');
  });

  it('a heredoc in a command substitution is not a write, but its commands are found', async () => {
    const { d } = await run('X=$(cat <<EOF\n$(hostname)\nEOF\n)\n');
    expect(d.model.writes).toEqual([]);
    expect(d.model.commands.map((c) => c.name)).toEqual(['cat', 'hostname']);
  });
});

describe('tee writes', () => {
  it('tee [-a] file <<EOF, with several targets', async () => {
    const { r, w, rec } = await run(
      'sudo tee -a /etc/apt/apt.conf.d/a /etc/apt/apt.conf.d/b <<EOF >/dev/null\nAPT::Periodic::Enable "0";\nEOF\n',
    );
    for (const p of ['/etc/apt/apt.conf.d/a', '/etc/apt/apt.conf.d/b']) {
      const write = w(p);
      expect(write).toMatchObject({ mode: 'append', via: 'tee' });
      expect(pos(r, write.loc)).toBe('1:1-1:56');
      const c = rec(write.contentDocId);
      expect(c.text).toBe('APT::Periodic::Enable "0";\n');
      expect(c.origin).toMatchObject({ via: 'shell-tee', targetPath: p, label: `tee -a ${p}` });
      expect(posIn(r, c, 'Enable')).toBe('2:16-2:22');
    }
  });

  it('echo ... | sudo tee file: content is the echo output, mapped through quote removal', async () => {
    const { r, w, rec } = await run(`x=1; echo 'APT::Periodic::Enable "0";' | sudo tee ${AUTO} > /dev/null\n`);
    const write = w(AUTO);
    expect(write).toMatchObject({ mode: 'write', via: 'tee' });
    expect(pos(r, write.loc)).toBe('1:42-1:86');
    const c = rec(write.contentDocId);
    expect(c.text).toBe('APT::Periodic::Enable "0";\n');
    expect(posIn(r, c, 'Enable')).toBe('1:27-1:33');
  });

  it('cat <<EOF | sudo tee file (tree-sitter nests the pipeline in the heredoc redirect)', async () => {
    const { r, w, rec } = await run(`cat <<'EOF' | sudo tee ${AUTO}\nAPT::Periodic::Unattended-Upgrade "0";\nEOF\n`);
    const c = rec(w(AUTO).contentDocId);
    expect(c.text).toBe('APT::Periodic::Unattended-Upgrade "0";\n');
    expect(posIn(r, c, '"0"')).toBe('2:35-2:38');
  });

  it('tee file <<< "herestring"', async () => {
    const { r, w, rec } = await run(`tee ${AUTO} <<< 'APT::Periodic::Enable "1";'\n`);
    const c = rec(w(AUTO).contentDocId);
    expect(c.text).toBe('APT::Periodic::Enable "1";\n');
    expect(posIn(r, c, 'Enable')).toBe('1:61-1:67');
  });

  it('tee reading an unknown stream: write without content', async () => {
    const { d, w, records } = await run(`curl -fsSL https://example.com/x | sudo tee ${AUTO}\n`);
    expect(w(AUTO).contentDocId).toBeUndefined();
    expect(records).toEqual([]);
    expect(d.model.commands.map((c) => c.name)).toEqual(['curl', 'tee']);
  });
});

describe('echo / printf redirects', () => {
  it('echo "...\\"..." > file: escapes removed, each character mapped to its source', async () => {
    const { r, w, rec } = await run(`echo "APT::Periodic::Unattended-Upgrade \\"0\\";" > ${AUTO}\n`);
    const write = w(AUTO);
    expect(write).toMatchObject({ mode: 'write', via: 'redirect' });
    expect(pos(r, write.loc)).toBe('1:1-1:86');
    const c = rec(write.contentDocId);
    expect(c.text).toBe('APT::Periodic::Unattended-Upgrade "0";\n');
    expect(c.origin).toMatchObject({ via: 'shell-redirect', label: `echo > ${AUTO}` });
    expect(posIn(r, c, '"0"')).toBe('1:42-1:46'); // spans `"0\"` (the escaped quotes' backslashes are gone)
    expect(posIn(r, c, 'Unattended')).toBe('1:22-1:32');
  });

  it('echo joins its arguments with spaces; -n drops the newline; >> appends', async () => {
    const { r, w, rec } = await run(`echo -n APT::X   '"1";' >> ${AUTO}\n`);
    expect(w(AUTO).mode).toBe('append');
    const c = rec(w(AUTO).contentDocId);
    expect(c.text).toBe('APT::X "1";');
    expect(posIn(r, c, '"1";')).toBe('1:19-1:23');
  });

  it('echo -e decodes escapes', async () => {
    const { w, rec } = await run(`echo -e 'A "1";\\nB "2";' > ${AUTO}\n`);
    expect(rec(w(AUTO).contentDocId).text).toBe('A "1";\nB "2";\n');
  });

  it('printf without conversions: \\n decoded, %% kept as %', async () => {
    const { r, w, rec } = await run(`printf 'APT::A "1";\\nAPT::B "100%%";\\n' > ${AUTO}\n`);
    const c = rec(w(AUTO).contentDocId);
    expect(c.text).toBe('APT::A "1";\nAPT::B "100%";\n');
    expect(posIn(r, c, 'APT::B')).toBe('1:22-1:28');
  });

  it("printf '%s\\n' args: the format is reused for each argument", async () => {
    const { r, w, rec } = await run(`printf '%s\\n' 'APT::A "1";' "APT::B \\"2\\";" > ${AUTO}\n`);
    const c = rec(w(AUTO).contentDocId);
    expect(c.text).toBe('APT::A "1";\nAPT::B "2";\n');
    expect(posIn(r, c, 'APT::B')).toBe('1:30-1:36');
  });

  it('printf with other conversions, echo of a variable: write recorded, content unknown', async () => {
    const { d, records } = await run(`printf '%d\\n' 1 > ${AUTO}\necho "$CONF" > /etc/apt/apt.conf.d/99x\nprintf -v v 'x' > /etc/apt/apt.conf.d/98x\n`);
    expect(d.model.writes.map((x) => [x.path, x.via, x.contentDocId])).toEqual([
      [AUTO, 'redirect', undefined],
      ['/etc/apt/apt.conf.d/99x', 'redirect', undefined],
      ['/etc/apt/apt.conf.d/98x', 'redirect', undefined],
    ]);
    expect(records).toEqual([]);
  });

  it('stderr redirects write files with unknown content; &> carries stdout', async () => {
    const { d, w, rec } = await run(`echo x 2>/var/log/e.log\necho 'A "1";' &> ${AUTO}\n`);
    expect(w('/var/log/e.log')).toMatchObject({ via: 'redirect', mode: 'write' });
    expect(w('/var/log/e.log').contentDocId).toBeUndefined();
    expect(rec(w(AUTO).contentDocId).text).toBe('A "1";\n');
    expect(d.model.writes).toHaveLength(2);
  });

  it('redirects of compound statements and bare truncations are writes with unknown content', async () => {
    const { r, d } = await run('{ echo a; echo b; } > /etc/motd\n> /etc/machine-id\n(cd /x && make) >> /var/log/build.log\n');
    expect(d.model.writes.map((x) => [x.path, x.mode, x.via, pos(r, x.loc)])).toEqual([
      ['/etc/motd', 'write', 'redirect', '1:1-1:32'],
      ['/etc/machine-id', 'write', 'redirect', '2:1-2:18'],
      ['/var/log/build.log', 'append', 'redirect', '3:1-3:38'],
    ]);
    expect(d.model.commands.map((c) => c.name)).toEqual(['echo', 'echo', 'cd', 'make']);
  });
});

describe('copy, move, install, sed', () => {
  it.each<[string, [string, string, string | undefined][]]>([
    ['cp files/20auto-upgrades /etc/apt/apt.conf.d/', [['/etc/apt/apt.conf.d/20auto-upgrades', 'copy', 'files/20auto-upgrades']]],
    ['sudo mv /tmp/x.conf /etc/x.conf', [['/etc/x.conf', 'move', '/tmp/x.conf']]],
    ['cp -a a b /etc/d', [['/etc/d/a', 'copy', 'a'], ['/etc/d/b', 'copy', 'b']]],
    ['cp -t /etc/t a dir/b', [['/etc/t/a', 'copy', 'a'], ['/etc/t/b', 'copy', 'dir/b']]],
    ['cp --target-directory=/etc/t a', [['/etc/t/a', 'copy', 'a']]],
    ['cp -T src /etc/exact', [['/etc/exact', 'copy', 'src']]],
    ['install -m 0644 -o root -g root 10-eth.network /etc/systemd/network/10-eth.network', [['/etc/systemd/network/10-eth.network', 'install', '10-eth.network']]],
    ['install -Dm644 unit /etc/systemd/system/x.service', [['/etc/systemd/system/x.service', 'install', 'unit']]],
    ['install -d /etc/dir', []],
    ['install -m 755 -d /etc/dir', []],
    ['ln -s /lib/systemd/system/x.service /etc/systemd/system/multi-user.target.wants/x.service', []],
    ['cp a relative/dst', []],
    ['cp a "$DEST"', []],
    ['cp a', []],
    ['cp "$SRC" /etc/static', [['/etc/static', 'copy', '"$SRC"']]],
    ['cp "$SRC" /etc/dir/', []],
    ['cp a /etc/*.d/', []],
    ['sed -i \'s/"1"/"0"/\' /etc/apt/apt.conf.d/20auto-upgrades', [['/etc/apt/apt.conf.d/20auto-upgrades', 'sed', undefined]]],
    ['sed -i.bak -e s/a/b/ -e s/c/d/ /etc/a /etc/b', [['/etc/a', 'sed', undefined], ['/etc/b', 'sed', undefined]]],
    ['sed -ni /x/p /etc/c', [['/etc/c', 'sed', undefined]]],
    ['sed --in-place=.orig -f script.sed /etc/d', [['/etc/d', 'sed', undefined]]],
    ['sed s/a/b/ /etc/e', []],
    ['sed -e s/a/b/ -n /etc/e', []],
  ])('%s', async (src, expected) => {
    const { d } = await run(`${src}\n`);
    expect(d.model.writes.map((x) => [x.path, x.via, x.from])).toEqual(expected);
    for (const x of d.model.writes) {
      expect(x.mode).toBe('write');
      expect(x.contentDocId).toBeUndefined();
    }
  });

  it('the write loc is the command', async () => {
    const { r, d } = await run('if x; then\n  sudo install -m 644 a /etc/a\nfi\n');
    expect(pos(r, d.model.writes[0].loc)).toBe('2:3-2:31');
  });
});

describe('targets that are not static absolute paths', () => {
  it.each([
    'echo x > relative.conf',
    'echo x > "$DIR/x"',
    'echo x > /etc/$NAME.conf',
    'echo x > ~/.bashrc',
    'echo x > /dev/null',
    'echo x >/dev/stderr',
    'echo x > /etc/*.conf',
    'echo x > /etc/{a,b}.conf',
    'echo x >&2',
    'echo x 2>&1',
    'echo x >&-',
    'cat < /etc/passwd',
    'tee "$F" <<EOF\nx\nEOF',
  ])('%j is not a write', async (src) => {
    const { d, records } = await run(`${src}\n`);
    expect(d.model.writes).toEqual([]);
    expect(records).toEqual([]);
  });

  it('near-miss: a quoted glob character is a literal path', async () => {
    const { d } = await run("echo x > '/etc/odd*name'\n");
    expect(d.model.writes.map((x) => x.path)).toEqual(['/etc/odd*name']);
  });

  it('normalises repeated slashes', async () => {
    const { d } = await run('echo x > //etc//apt/apt.conf.d//x\n');
    expect(d.model.writes.map((x) => x.path)).toEqual(['/etc/apt/apt.conf.d/x']);
  });

  it('at() helper sanity: write loc text', async () => {
    const { r, d } = await run(`  echo 1 >> /etc/x   # c\n`);
    expect(at(r, d.model.writes[0].loc)).toBe('echo 1 >> /etc/x');
  });
});
