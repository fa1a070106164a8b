import { describe, expect, it } from 'vitest';
import type { DockerModel } from '../../../engine/model.js';
import { mapSpan } from '../../../engine/offset-map.js';
import { parseFiles } from '../../../engine/testing.js';
import { aptScanner } from '../../../scanners/apt/index.js';
import { dockerfileScanner, lexWords, parseHeredocWord, shellScriptIndex } from '../../../scanners/dockerfile/index.js';
import { systemdScanner } from '../../../scanners/systemd/index.js';
import { at, docsOf, fakeEmbedder, fakeShell, type Recorded, src } from '../../helpers/embed-harness.js';

const detect = (path: string) => dockerfileScanner.detect({ path, head: 'FROM x\n' });

async function parse(files: Record<string, string>, extra = [aptScanner, systemdScanner]) {
  const rec: Recorded[] = [];
  const r = await parseFiles([dockerfileScanner, fakeShell(rec), ...extra], files);
  return { r, rec, dockers: docsOf(r, 'dockerfile') };
}

/** Root `line:col-line:col` of `word` (its n-th occurrence) inside an embedded text. */
function wordAt(r: Awaited<ReturnType<typeof parse>>['r'], e: Recorded, word: string, nth = 0): string {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = e.text.indexOf(word, i + 1);
  if (i < 0) throw new Error(`${word} not in ${e.text}`);
  return at(r, mapSpan(e.map, i, i + word.length));
}

describe('dockerfile detection', () => {
  it('recognises Dockerfile and Containerfile names', () => {
    for (const p of ['Dockerfile', 'build/Dockerfile', 'Dockerfile.prod', 'Dockerfile.j2', 'api.Dockerfile', 'x/api.dockerfile', 'Containerfile', 'Containerfile.fedora']) {
      expect(detect(p), p).toBe('dockerfile');
    }
  });
  it('sniffs embedded text', () => {
    expect(dockerfileScanner.detectEmbedded!(undefined, '# syntax=docker/dockerfile:1\nFROM alpine:3.19\nRUN apk add curl\n')).toBe('dockerfile');
    expect(dockerfileScanner.detectEmbedded!(undefined, 'ARG V=1\nFROM x:${V}\n')).toBe('dockerfile');
    expect(dockerfileScanner.detectEmbedded!(undefined, 'FROM alpine\n')).toBeUndefined();
    expect(dockerfileScanner.detectEmbedded!(undefined, 'echo hi\nFROM x\nRUN y\n')).toBeUndefined();
    expect(dockerfileScanner.detectEmbedded!(undefined, 'from the start of time\nrun away\n')).toBeUndefined();
    expect(dockerfileScanner.detectEmbedded!(undefined, 'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN go build\n')).toBe('dockerfile');
  });

  it('rejects near misses', () => {
    for (const p of ['Dockerfile.dockerignore', 'Dockerfile.md', 'dockerfile-notes.txt', 'MyDockerfile', '.dockerfile', 'Dockerfiles/readme', 'docker-compose.yml', 'Containerfile.txt']) {
      expect(detect(p), p).toBeUndefined();
    }
  });
});

describe('dockerfile parsing (root file)', () => {
  const TEXT = [
    '# syntax=docker/dockerfile:1.7', //                                                     1
    '', //                                                                                   2
    '# leading comment', //                                                                  3
    'ARG BASE=ubuntu:22.04', //                                                              4
    'FROM ${BASE} AS build', //                                                              5
    'RUN apt-get update && \\', //                                                           6
    '    # comment inside', //                                                               7
    '    apt-get install -y \\', //                                                          8
    '', //                                                                                   9
    '      curl', //                                                                        10
    'run --mount=type=cache,target=/var/cache/apt apt-get install -y unattended-upgrades', // 11
    'CMD ["nginx", "-g", "daemon off;"]', //                                                12
    'FROM build', //                                                                        13
  ].join('\n');

  it('parses instructions, stages and comments with exact positions', async () => {
    const { r, dockers } = await parse({ Dockerfile: TEXT });
    const m: DockerModel = dockers[0].model;
    expect(m.instructions.map((i) => [i.keyword, i.args, at(r, i.loc), at(r, i.argsLoc), i.exec])).toEqual([
      ['ARG', 'BASE=ubuntu:22.04', '4:1-4:22', '4:5-4:22', undefined],
      ['FROM', '${BASE} AS build', '5:1-5:22', '5:6-5:22', undefined],
      ['RUN', 'apt-get update &&     apt-get install -y       curl', '6:1-10:11', '6:5-10:11', undefined],
      ['RUN', '--mount=type=cache,target=/var/cache/apt apt-get install -y unattended-upgrades', '11:1-11:84', '11:5-11:84', undefined],
      ['CMD', '["nginx", "-g", "daemon off;"]', '12:1-12:35', '12:5-12:35', ['nginx', '-g', 'daemon off;']],
      ['FROM', 'build', '13:1-13:11', '13:6-13:11', undefined],
    ]);
    expect(m.stages.map((s) => [s.image, s.alias, at(r, s.loc)])).toEqual([
      ['${BASE}', 'build', '5:1-5:22'],
      ['build', undefined, '13:1-13:11'],
    ]);
    expect(m.comments!.map((c) => [c.text, at(r, c.loc)])).toEqual([
      ['# leading comment', '3:1-3:18'],
      ['# comment inside', '7:5-7:21'],
    ]);
    expect(r.diagnostics.map((d) => [d.severity, at(r, d.loc!)])).toEqual([['info', '6:1-10:11']]); // empty continuation line
  });

  it('embeds RUN shell commands joined the way BuildKit joins them, mapped exactly', async () => {
    const { r, rec, dockers } = await parse({ Dockerfile: TEXT });
    const m = dockers[0].model;
    expect(rec.map((e) => [e.text, e.origin?.via, e.origin?.label, at(r, e.origin!.loc)])).toEqual([
      ['apt-get update &&     apt-get install -y       curl', 'dockerfile-run', 'RUN (line 6)', '6:5-10:11'],
      ['apt-get install -y unattended-upgrades', 'dockerfile-run', 'RUN (line 11)', '11:46-11:84'],
    ]);
    expect(m.instructions[2].shellDocId).toBe(rec[0].id);
    expect(m.instructions[3].shellDocId).toBe(rec[1].id);
    expect(m.instructions[4].shellDocId).toBeUndefined();
    expect(wordAt(r, rec[0], '&&')).toBe('6:20-6:22');
    expect(wordAt(r, rec[0], 'install')).toBe('8:13-8:20');
    expect(wordAt(r, rec[0], 'curl')).toBe('10:7-10:11');
    // a span across the join covers the dropped comment line in the root file
    const a = rec[0].text.indexOf('update');
    expect(src(r, mapSpan(rec[0].map, a, rec[0].text.indexOf('apt-get', a) + 7))).toBe('update && \\\n    # comment inside\n    apt-get');
    expect(wordAt(r, rec[1], 'unattended-upgrades')).toBe('11:65-11:84');
  });

  it('embeds exec-form shell scripts, heredoc scripts, and COPY heredocs with their target paths', async () => {
    const text = [
      'FROM debian:12', //                                                               1
      'RUN ["/bin/bash", "-o", "pipefail", "-c", "echo \\"a\\" | tee /etc/x\\n"]', //     2
      'RUN ["apt-get", "install", "-y", "x"]', //                                        3
      'RUN <<EOF', //                                                                    4
      'apt-get update', //                                                               5
      'systemctl disable apt-daily-upgrade.timer', //                                    6
      'EOF', //                                                                          7
      'RUN cat <<-CONF > /etc/apt/apt.conf.d/20auto-upgrades', //                        8
      '\tAPT::Periodic::Unattended-Upgrade "0";', //                                     9
      '\tCONF', //                                                                      10
      'WORKDIR /etc/apt', //                                                            11
      "COPY <<A <<'B' apt.conf.d/", //                                                  12
      'APT::Periodic::Enable "0";', //                                                  13
      'A', //                                                                           14
      'Unattended-Upgrade::Automatic-Reboot "false";', //                               15
      'B', //                                                                           16
      'COPY --chmod=0644 <<EOF /etc/systemd/networkd.conf.d/keep.conf', //              17
      '[Network]', //                                                                   18
      'ManageForeignRoutes=no', //                                                      19
      'EOF', //                                                                         20
      'RUN <<-EOT bash', //                                                             21
      '\techo one', //                                                                  22
      '\tEOT', //                                                                       23
    ].join('\n');
    const { r, rec, dockers } = await parse({ 'images/node.Dockerfile': text });
    const m = dockers[0].model;
    expect(m.instructions.map((i) => [i.keyword, at(r, i.loc), i.shellDocId !== undefined])).toEqual([
      ['FROM', '1:1-1:15', false],
      ['RUN', '2:1-2:71', true],
      ['RUN', '3:1-3:38', false],
      ['RUN', '4:1-7:4', true],
      ['RUN', '8:1-10:6', true],
      ['WORKDIR', '11:1-11:17', false],
      ['COPY', '12:1-16:2', false],
      ['COPY', '17:1-20:4', false],
      ['RUN', '21:1-23:5', true],
    ]);
    expect(m.instructions[2].exec).toEqual(['apt-get', 'install', '-y', 'x']);
    expect(rec.map((e) => [e.text, e.origin?.label, at(r, e.origin!.loc)])).toEqual([
      ['echo "a" | tee /etc/x\n', 'RUN (line 2)', '2:43-2:70'],
      ['apt-get update\nsystemctl disable apt-daily-upgrade.timer\n', 'RUN <<EOF (line 4)', '5:1-7:1'],
      ['cat <<-CONF > /etc/apt/apt.conf.d/20auto-upgrades\n\tAPT::Periodic::Unattended-Upgrade "0";\nCONF', 'RUN (line 8)', '8:5-10:6'],
      ['<<-EOT bash\n\techo one\nEOT', 'RUN (line 21)', '21:5-23:5'],
    ]);
    // JSON escapes are synthetic; the characters around them map exactly
    expect(wordAt(r, rec[0], 'tee')).toBe('2:57-2:60');
    expect(wordAt(r, rec[0], '/etc/x')).toBe('2:61-2:67');
    expect(wordAt(r, rec[0], '"a"')).toBe('2:51-2:52');
    expect(wordAt(r, rec[1], 'systemctl')).toBe('6:1-6:10');
    expect(wordAt(r, rec[2], 'APT::Periodic')).toBe('9:2-9:15');
    expect(wordAt(r, rec[2], 'CONF', 1)).toBe('10:2-10:6');
    expect(wordAt(r, rec[3], 'EOT', 1)).toBe('23:2-23:5');
    for (const e of rec) expect(e.origin?.parentId).toBe(dockers[0].id);

    // COPY heredocs become documents of their own format, at their target paths
    const apts = docsOf(r, 'apt-conf');
    expect(apts.map((d) => [d.origin?.via, d.origin?.targetPath, d.origin?.label])).toEqual([
      ['dockerfile-copy', '/etc/apt/apt.conf.d/A', 'COPY <<A /etc/apt/apt.conf.d/A (line 12)'],
      ['dockerfile-copy', '/etc/apt/apt.conf.d/B', 'COPY <<B /etc/apt/apt.conf.d/B (line 12)'],
    ]);
    const [ia, ib] = [apts[0].model.items[0], apts[1].model.items[0]];
    expect(ia.t === 'set' && [ia.key, at(r, ia.keyLoc), at(r, ia.valueLoc)]).toEqual(['APT::Periodic::Enable', '13:1-13:22', '13:23-13:26']);
    expect(ib.t === 'set' && [ib.key, ib.value, at(r, ib.valueLoc)]).toEqual(['Unattended-Upgrade::Automatic-Reboot', 'false', '15:38-15:45']);
    const [net] = docsOf(r, 'networkd');
    expect(net.origin?.targetPath).toBe('/etc/systemd/networkd.conf.d/keep.conf');
    expect(net.model.dropInFor).toBe('networkd.conf');
    const e = net.model.sections[0].entries[0];
    expect([e.key, e.value, at(r, e.keyLoc), at(r, e.valueLoc)]).toEqual(['ManageForeignRoutes', 'no', '19:1-19:20', '19:21-19:23']);
    expect(r.diagnostics).toEqual([]);
  });

  it('honours the escape directive, SHELL, Windows base images and ONBUILD', async () => {
    const { r, rec, dockers } = await parse({
      'win/Dockerfile': ['# escape=`', 'FROM mcr.microsoft.com/windows/servercore:ltsc2022', 'RUN powershell -Command `', '    Write-Host C:\\path', 'COPY a.txt C:\\dest\\'].join('\n'),
      'tick/Dockerfile': ['# escape=`', 'FROM alpine', 'RUN echo a \\', 'RUN echo b `', '  && echo c'].join('\n'),
      'shell/Dockerfile': [
        'FROM alpine AS base',
        'SHELL ["pwsh", "-Command"]',
        'RUN Get-Item x',
        'FROM base',
        'RUN Get-Item y', //     inherits the stage's SHELL
        'SHELL ["/bin/ash", "-eo", "pipefail", "-c"]',
        'RUN echo z',
        'ONBUILD RUN <<X',
        'echo later',
        'X',
      ].join('\n'),
    });
    const byFile = (f: string) => dockers.find((d) => d.file === f)!.model;
    expect(byFile('win/Dockerfile').instructions.map((i) => [i.keyword, i.args, at(r, i.loc)])).toEqual([
      ['FROM', 'mcr.microsoft.com/windows/servercore:ltsc2022', '2:1-2:51'],
      ['RUN', 'powershell -Command     Write-Host C:\\path', '3:1-4:23'],
      ['COPY', 'a.txt C:\\dest\\', '5:1-5:20'],
    ]);
    expect(byFile('tick/Dockerfile').instructions.map((i) => i.args)).toEqual(['alpine', 'echo a \\', 'echo b   && echo c']);
    expect(byFile('shell/Dockerfile').instructions.map((i) => i.keyword)).toEqual(['FROM', 'SHELL', 'RUN', 'FROM', 'RUN', 'SHELL', 'RUN', 'ONBUILD']);
    expect(rec.map((e) => [e.text, e.origin?.label])).toEqual([
      ['echo a \\', 'RUN (line 3)'],
      ['echo b   && echo c', 'RUN (line 4)'],
      ['echo z', 'RUN (line 7)'],
    ]);
    expect(wordAt(r, rec[1], 'echo', 1)).toBe('5:6-5:10');
    expect(at(r, byFile('shell/Dockerfile').instructions[7].loc)).toBe('8:1-10:2');
    expect(r.diagnostics).toEqual([]);
  });
});

describe('dockerfile malformed input', () => {
  it('reports bad directives, bad JSON, unknown instructions and unterminated heredocs, and keeps the rest', async () => {
    const { r, rec, dockers } = await parse({
      'a/Dockerfile': '# escape=x\nFROM a\n',
      'b/Dockerfile': '# syntax=a\n# SYNTAX=b\nFROM a\n',
      'c/Dockerfile': 'FROM a\nCMD ["a", 1]\nFOO bar\nRUN\n',
      'd/Dockerfile': 'FROM a\nRUN <<EOF\necho hi\n',
      'e/Dockerfile.j2': 'FROM {{ base }}\n{% if uu %}\nRUN apt-get install -y unattended-upgrades\n{% endif %}\n',
    });
    expect(dockers).toHaveLength(5);
    expect(r.diagnostics.map((d) => [d.file, d.severity, at(r, d.loc!), d.message])).toEqual([
      ['a/Dockerfile', 'error', '1:1-1:11', "invalid escape token 'x' does not match ` or \\"],
      ['b/Dockerfile', 'error', '2:1-2:11', 'only one syntax parser directive can be used'],
      ['c/Dockerfile', 'error', '2:5-2:13', 'CMD: JSON array must contain only strings'],
      ['c/Dockerfile', 'warning', '3:1-3:4', "unknown instruction 'FOO'"],
      ['d/Dockerfile', 'error', '2:5-2:10', "unterminated heredoc 'EOF'"],
      ['e/Dockerfile.j2', 'info', '2:1-2:12', 'template directive lines are skipped; instructions are read as written'],
    ]);
    const d = dockers.find((x) => x.file === 'd/Dockerfile')!;
    expect(at(r, d.model.instructions[1].loc)).toBe('2:1-4:1');
    expect(rec.map((e) => e.text)).toEqual(['echo hi\n', 'apt-get install -y unattended-upgrades']);
    expect(dockers.find((x) => x.file === 'c/Dockerfile')!.model.instructions.map((i) => [i.keyword, i.args])).toEqual([
      ['FROM', 'a'],
      ['CMD', '["a", 1]'],
      ['FOO', 'bar'],
      ['RUN', ''],
    ]);
  });

  it('survives binary junk, huge lines and 100k-line files', async () => {
    let junk = '';
    for (let i = 0; i < 20000; i++) junk += String.fromCharCode((i * 7919) % 65536);
    const r1 = await parse({ Dockerfile: junk });
    expect(r1.dockers).toHaveLength(1);
    expect(r1.r.diagnostics.length).toBeLessThanOrEqual(101);
    const r2 = await parse({ Dockerfile: `FROM a\nRUN ${'x <<'.repeat(100_000)}\n${'y\\\n'.repeat(50_000)}` });
    expect(r2.dockers).toHaveLength(1);
    const lines = ['FROM a'];
    for (let i = 0; i < 50_000; i++) lines.push(`RUN echo ${i} \\`, `    && true`);
    const t0 = Date.now();
    const r3 = await parse({ Dockerfile: lines.join('\n') }, []);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r3.dockers[0].model.instructions).toHaveLength(50_001);
    expect(wordAt(r3.r, r3.rec[49_999], 'true')).toBe('100001:8-100001:12');
  });
});

describe('dockerfile embedded in another document', () => {
  it('maps instructions and RUN shell through an indentation-stripping map', async () => {
    const parent = [
      'files:', //                                   1
      '  - path: /src/Dockerfile', //                2
      '    content: |', //                           3
      '      FROM ubuntu:22.04', //                  4
      '      RUN apt-get update \\', //              5
      '            && apt-get -y upgrade', //         6
    ].join('\n');
    const { r, rec, dockers } = await parse({ 'ci.fake.yaml': parent }, [fakeEmbedder()]);
    expect(dockers).toHaveLength(1);
    expect(dockers[0].origin?.targetPath).toBe('/src/Dockerfile');
    const m = dockers[0].model;
    expect(m.instructions.map((i) => [i.keyword, at(r, i.loc), at(r, i.argsLoc)])).toEqual([
      ['FROM', '4:7-4:24', '4:12-4:24'],
      ['RUN', '5:7-6:34', '5:11-6:34'],
    ]);
    expect(rec[0].text).toBe('apt-get update       && apt-get -y upgrade');
    expect(rec[0].origin?.label).toBe('RUN (line 5)');
    expect(wordAt(r, rec[0], 'upgrade')).toBe('6:27-6:34');
    expect(wordAt(r, rec[0], '&&')).toBe('6:13-6:15');
  });
});

describe('dockerfile helpers', () => {
  it('lexes words, recognises heredoc words and shell -c scripts like BuildKit', () => {
    const t = `cat <<"EOF" 'a b' c\\ d "e f"`;
    expect(lexWords(t, 0, t.length).map((w) => t.slice(w.start, w.end))).toEqual(['cat', '<<"EOF"', "'a b'", 'c\\ d', '"e f"']);
    expect(parseHeredocWord('<<EOF')).toEqual({ name: 'EOF', chomp: false, quoted: false });
    expect(parseHeredocWord('<<-"EOT"')).toEqual({ name: 'EOT', chomp: true, quoted: true });
    expect(parseHeredocWord('2<<X')).toEqual({ name: 'X', chomp: false, quoted: false });
    expect(parseHeredocWord('<<')).toBeUndefined();
    expect(parseHeredocWord('a<<EOF')).toBeUndefined();
    expect(parseHeredocWord('<<<EOF')).toBeUndefined();
    expect(shellScriptIndex(['/bin/sh', '-c', 'x'])).toBe(2);
    expect(shellScriptIndex(['bash', '-euxo', 'pipefail', '-c', 'x'])).toBe(4);
    expect(shellScriptIndex(['busybox', 'sh', '-c', 'x'])).toBe(3);
    expect(shellScriptIndex(['python3', '-c', 'x'])).toBe(-1);
    expect(shellScriptIndex(['/bin/sh', 'script.sh', '-c'])).toBe(-1);
  });
});

describe('COPY from the build context', () => {
  it('embeds the copied repository file at its destination in the image', async () => {
    const r = await parseFiles([dockerfileScanner, aptScanner], {
      'node/Dockerfile': 'FROM ubuntu:22.04\nCOPY --chown=root:root files/20auto-upgrades /etc/apt/apt.conf.d/\nCOPY missing.conf /etc/x.conf\nCOPY --from=build /out/x /etc/y\n',
      'node/files/20auto-upgrades': 'APT::Periodic::Unattended-Upgrade "1";\n',
    });
    const copied = r.documents.filter((d) => d.origin?.via === 'dockerfile-copy');
    expect(copied.map((d) => [d.format, d.file, d.origin?.targetPath])).toEqual([['apt-conf', 'node/files/20auto-upgrades', '/etc/apt/apt.conf.d/20auto-upgrades']]);
    expect(copied[0].origin?.label).toBe('COPY files/20auto-upgrades /etc/apt/apt.conf.d/');
  });
});
