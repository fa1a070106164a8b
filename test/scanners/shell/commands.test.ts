import { describe, expect, it } from 'vitest';
import { argv, names, parseShell, pos, shellDocs } from './helpers.js';

async function one(src: string) {
  const r = await parseShell({ 'x.sh': src });
  const d = shellDocs(r).find((x) => x.id === 'x.sh#0')!;
  return { r, d };
}

describe('commands everywhere', () => {
  it('finds simple commands in pipelines, lists, subshells, compound statements, functions and substitutions', async () => {
    const { d } = await one(
      [
        'a | b && (c; d) || { e; }',
        'if f; then g; elif h; then i; else j; fi',
        'for x in $(k); do l; done; while m; do n; done; until o; do p; done',
        'case $y in a) q;; *) r;; esac',
        'fn() { s; }; function fn2 { t; }',
        'u `v` <(w) >(x) "$(y "$(z)")"',
        '! aa; time bb | cc',
        'X=$(dd) ee=1',
      ].join('\n'),
    );
    expect(names(d)).toEqual(
      'a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd'.split(' '),
    );
  });

  it('records exact locations (1-based, end-exclusive), sorted by position', async () => {
    const { r, d } = await one('#!/bin/sh\nif true; then\n  apt-get update\nfi\n');
    expect(d.model.commands.map((c) => `${c.name}@${pos(r, c.loc)}`)).toEqual(['true@2:4-2:8', 'apt-get@3:3-3:17']);
    expect(pos(r, d.model.commands[1].argv[1].loc)).toBe('3:11-3:17');
  });

  it('lists declaration commands with their assignments', async () => {
    const { d } = await one('export DEBIAN_FRONTEND=noninteractive B=$(c); local q\n');
    expect(names(d)).toEqual(['export', 'c', 'local']);
    expect(argv(d, 0)).toEqual(['export', 'DEBIAN_FRONTEND=noninteractive', undefined]);
    expect(d.model.commands[0].argv[2].raw).toBe('B=$(c)');
  });

  it('extracts from command lines joined with backslash-newline', async () => {
    const { r, d } = await one('apt-get install -y \\\n  pkg1 \\\n  pkg2\n');
    expect(argv(d, 0)).toEqual(['apt-get', 'install', '-y', 'pkg1', 'pkg2']);
    expect(pos(r, d.model.commands[0].loc)).toBe('1:1-3:7');
    expect(pos(r, d.model.commands[0].argv[4].loc)).toBe('3:3-3:7');
  });
});

describe('wrappers', () => {
  it.each([
    ['sudo apt-get update', 'apt-get', ['apt-get', 'update']],
    ['sudo -E -u root -- systemctl restart systemd-networkd', 'systemctl', ['systemctl', 'restart', 'systemd-networkd']],
    ['sudo -Eu deploy /usr/bin/apt-get -y upgrade', 'apt-get', ['/usr/bin/apt-get', '-y', 'upgrade']],
    ['sudo --user=root --preserve-env=PATH dpkg -i x.deb', 'dpkg', ['dpkg', '-i', 'x.deb']],
    ['env -i A=1 B="x y" apt-get upgrade', 'apt-get', ['apt-get', 'upgrade']],
    ['env -u FOO DEBIAN_FRONTEND=noninteractive apt-get -y dist-upgrade', 'apt-get', ['apt-get', '-y', 'dist-upgrade']],
    ['/usr/bin/env bash x.sh', 'bash', ['bash', 'x.sh']],
    ['nohup exec command time nice -n 5 ionice -c2 -n7 foo --bar', 'foo', ['foo', '--bar']],
    ['nice -10 make', 'make', ['make']],
    ['timeout -s KILL 30s curl -fsSL https://x', 'curl', ['curl', '-fsSL', 'https://x']],
    ['in-target apt-get install -y unattended-upgrades', 'apt-get', ['apt-get', 'install', '-y', 'unattended-upgrades']],
    ['chroot /target dpkg-reconfigure -f noninteractive unattended-upgrades', 'dpkg-reconfigure', ['dpkg-reconfigure', '-f', 'noninteractive', 'unattended-upgrades']],
    ['curtin in-target --target=/target -- apt-get purge -y unattended-upgrades', 'apt-get', ['apt-get', 'purge', '-y', 'unattended-upgrades']],
    ['X=1 Y="2 3" systemctl daemon-reload', 'systemctl', ['systemctl', 'daemon-reload']],
    ['sudo eatmydata apt-get install -y x', 'apt-get', ['apt-get', 'install', '-y', 'x']],
    // not wrappers, or wrappers used for something else
    ['command -v systemctl', 'command', ['command', '-v', 'systemctl']],
    ['sudo -l', 'sudo', ['sudo', '-l']],
    ['sudo -i', 'sudo', ['sudo', '-i']],
    ['xargs rm -f', 'xargs', ['xargs', 'rm', '-f']],
    ['env -S "a b" c', 'env', ['env', '-S', 'a b', 'c']],
    ['chroot /target', 'chroot', ['chroot', '/target']],
  ])('%s → %s', async (src, name, words) => {
    const { d } = await one(src);
    expect(d.model.commands[0].name).toBe(name);
    expect(argv(d, 0)).toEqual(words);
  });

  it('a dynamic command name stays undefined, with raw text kept', async () => {
    const { d } = await one('$SUDO apt-get update; sudo $PKG_MGR install x; "${CMD}" y');
    expect(d.model.commands.map((c) => c.name)).toEqual([undefined, undefined, undefined]);
    expect(d.model.commands[0].argv.map((w) => w.raw)).toEqual(['$SUDO', 'apt-get', 'update']);
    expect(d.model.commands[1].argv.map((w) => w.raw)).toEqual(['$PKG_MGR', 'install', 'x']);
  });

  it('a wrapper with only redirections is the command (exec >log)', async () => {
    const { d } = await one('exec > /var/log/bootstrap.log 2>&1\n');
    expect(names(d)).toEqual(['exec']);
    expect(d.model.commands[0].redirects.map((x) => `${x.op} ${x.target.value}`)).toEqual(['> /var/log/bootstrap.log', '2>& 1']);
  });

  it('the command loc covers the wrappers; argv starts at the command proper', async () => {
    const { r, d } = await one('  sudo -E apt-get -y upgrade\n');
    expect(pos(r, d.model.commands[0].loc)).toBe('1:3-1:29');
    expect(pos(r, d.model.commands[0].argv[0].loc)).toBe('1:11-1:18');
  });
});

describe('word values (quote removal)', () => {
  it.each<[string, (string | undefined)[]]>([
    [`echo 'single $x' "double \\"q\\" \\$y \\\\ \\z" plain\\ word`, ['echo', 'single $x', 'double "q" $y \\ \\z', 'plain word']],
    [`echo a"b"'c'd`, ['echo', 'abcd']],
    [`echo $'tab\\there\\n' $'\\x41\\101\\u00e9'`, ['echo', 'tab\there\n', 'AAé']],
    [`echo "a"\\\n"b" 'x'\\ y`, ['echo', 'ab', 'x y']],
    [`echo \\ lead trail\\ `, ['echo', ' lead', 'trail ']],
    [`echo $HOME "$x" "pre$(cmd)" \${a:-b} $((1+2))`, ['echo', undefined, undefined, undefined, undefined, undefined]],
    [`echo ~/x ~root a~b`, ['echo', undefined, undefined, 'a~b']],
    [`echo {a,b} {1..3} '{a,b}' x{}`, ['echo', undefined, undefined, '{a,b}', 'x{}']],
    [`echo /etc/*.conf "*"`, ['echo', '/etc/*.conf', '*']],
    [`echo 42 --opt=val -- -`, ['echo', '42', '--opt=val', '--', '-']],
    [`echo $"translated"`, ['echo', 'translated']],
    [`echo "multi\nline"`, ['echo', 'multi\nline']],
  ])('%s', async (src, values) => {
    const { d } = await one(src);
    expect(argv(d, 0)).toEqual(values);
  });

  it('keeps raw text and exact locations for dynamic words', async () => {
    const { r, d } = await one('echo "é😀 $USER" done\n');
    const w = d.model.commands[0].argv[1];
    expect(w.value).toBeUndefined();
    expect(w.raw).toBe('"é😀 $USER"');
    // columns count UTF-16 code units: 😀 is two
    expect(pos(r, w.loc)).toBe('1:6-1:17');
    expect(pos(r, d.model.commands[0].argv[2].loc)).toBe('1:18-1:22');
  });

  it('template tags are masked before parsing: one dynamic word each, control tags vanish', async () => {
    const { d } = await one("echo {{ .Values.x }} '{{ y }}' pre{{ z }}post %{ if a ~} <%= e %> ${var.region} ${jsonencode(x)} ${HOME}\n");
    const ws = d.model.commands[0].argv;
    expect(ws.map((w) => w.raw)).toEqual(['echo', '{{ .Values.x }}', "'{{ y }}'", 'pre{{ z }}post', '<%= e %>', '${var.region}', '${jsonencode(x)}', '${HOME}']);
    expect(ws.map((w) => w.value)).toEqual(['echo', undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('redirections', () => {
  it('records op and target word with locs', async () => {
    const { r, d } = await one('cmd a >/tmp/o 2> /tmp/e >>"/tmp/app end" &>/dev/null 2>&1 < /etc/in\n');
    const c = d.model.commands[0];
    expect(c.redirects.map((x) => [x.op, x.target.value, pos(r, x.loc)])).toEqual([
      ['>', '/tmp/o', '1:7-1:14'],
      ['2>', '/tmp/e', '1:15-1:24'],
      ['>>', '/tmp/app end', '1:25-1:41'],
      ['&>', '/dev/null', '1:42-1:53'],
      ['2>&', '1', '1:54-1:58'],
      ['<', '/etc/in', '1:59-1:68'],
    ]);
    expect(pos(r, c.redirects[2].target.loc)).toBe('1:27-1:41');
    expect(argv(d, 0)).toEqual(['cmd', 'a']);
  });

  it('arguments written after a redirection still belong to the command', async () => {
    const { d } = await one('echo a >/tmp/x b c\n>/tmp/y echo d\n');
    expect(argv(d, 0)).toEqual(['echo', 'a', 'b', 'c']);
    expect(argv(d, 1)).toEqual(['echo', 'd']);
    expect(d.model.commands[1].redirects.map((x) => x.target.value)).toEqual(['/tmp/y']);
  });

  it('heredoc and herestring redirects are listed with their delimiter / word', async () => {
    const { d } = await one("cat <<'EOF' >/tmp/x\nbody\nEOF\nread a <<< \"word\"\n");
    expect(d.model.commands[0].redirects.map((x) => `${x.op} ${x.target.value}`)).toEqual(['<< EOF', '> /tmp/x']);
    expect(d.model.commands[1].redirects.map((x) => `${x.op} ${x.target.value}`)).toEqual(['<<< word']);
  });
});

describe('comments', () => {
  it('records comments (including the shebang) with locs', async () => {
    const { r, d } = await one('#!/bin/bash\n# Datadog: pin systemd\napt-mark hold systemd  # no upgrades\necho "# not a comment"\n');
    expect(d.model.comments!.map((c) => [c.text, pos(r, c.loc)])).toEqual([
      ['#!/bin/bash', '1:1-1:12'],
      ['# Datadog: pin systemd', '2:1-2:23'],
      ['# no upgrades', '3:24-3:37'],
    ]);
  });
});
