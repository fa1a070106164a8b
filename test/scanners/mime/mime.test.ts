import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseFiles } from '../../../engine/testing.js';
import { mimeScanner, parseMultipartMessage, decodeQuotedPrintable, parseContentType } from '../../../scanners/mime/index.js';
import { yamlScanner } from '../../../scanners/yaml/index.js';
import { childrenOf, docsOf, lc, lcOf, mapsVerbatim, stubScanner } from '../yaml/helpers.js';

const scanners = [mimeScanner, yamlScanner, stubScanner];

// As Terraform's cloudinit_config renders it: CRLF around MIME structure, LF inside the parts.
const TERRAFORM = [
  'Content-Type: multipart/mixed; boundary="MIMEBOUNDARY"\r\n', //      1
  'MIME-Version: 1.0\r\n', //                                             2
  '\r\n', //                                                              3
  '--MIMEBOUNDARY\r\n', //                                                4
  'Content-Transfer-Encoding: 7bit\r\n', //                               5
  'Content-Type: text/cloud-config\r\n', //                               6
  'Mime-Version: 1.0\r\n', //                                             7
  '\r\n', //                                                              8
  '#cloud-config\n', //                                                   9
  'write_files:\n', //                                                    10
  '  - path: /etc/apt/apt.conf.d/20auto-upgrades\n', //                   11
  '    content: |\n', //                                                  12
  '      APT::Periodic::Unattended-Upgrade "1";\n', //                    13
  '\r\n', //                                                              14
  '--MIMEBOUNDARY\r\n', //                                                15
  'Content-Transfer-Encoding: 7bit\r\n', //                               16
  'Content-Type: text/x-shellscript\r\n', //                              17
  'Mime-Version: 1.0\r\n', //                                             18
  '\r\n', //                                                              19
  '#!/bin/bash\n', //                                                     20
  'systemctl restart systemd-networkd\n', //                              21
  '\r\n', //                                                              22
  '--MIMEBOUNDARY--\r\n', //                                              23
].join('');

// As Python's email package (cloud-init make-mime) renders it, with base64 and quoted-printable parts.
const PYTHON = [
  'Content-Type: multipart/mixed; boundary="===============2678395050260980330=="', // 1
  'MIME-Version: 1.0', //                                                            2
  '', //                                                                             3
  'preamble is ignored', //                                                          4
  '--===============2678395050260980330==', //                                       5
  'Content-Type: text/x-shellscript; charset="us-ascii"', //                         6
  'MIME-Version: 1.0', //                                                            7
  'Content-Transfer-Encoding: base64', //                                            8
  'Content-Disposition: attachment;', //                                             9
  ' filename="setup.sh"', //                                                         10
  '', //                                                                             11
  'IyEvYmluL3NoCmVjaG8gaGkK', //                                                     12
  '--===============2678395050260980330==', //                                       13
  'Content-Type: text/cloud-config; charset="utf-8"', //                             14
  'Content-Transfer-Encoding: quoted-printable', //                                  15
  'Content-Disposition: attachment; filename="cloud.yaml"', //                       16
  '', //                                                                             17
  '#cloud-config', //                                                                18
  'runcmd:', //                                                                      19
  '  - echo caf=C3=A9 && systemctl mask apt-daily-upgrade.timer && echo very long =', // 20
  'line', //                                                                         21
  '--===============2678395050260980330==', //                                       22
  'Content-Type: text/x-include-url', //                                             23
  '', //                                                                             24
  'https://example.com/more', //                                                     25
  '--===============2678395050260980330==--', //                                     26
  'epilogue is ignored', //                                                          27
  '',
].join('\n');

describe('cloud-init MIME multipart user-data', () => {
  it('parses a Terraform-rendered message and maps parts exactly through CRLF structure', async () => {
    const r = await parseFiles(scanners, { 'rendered/user-data.txt': TERRAFORM });
    expect(r.diagnostics).toEqual([]);
    const mime = docsOf(r, 'mime-multipart');
    expect(mime).toHaveLength(1);
    const kids = childrenOf(r, mime[0]);
    expect(kids.map((d) => [d.format, d.origin!.via, d.origin!.label])).toEqual([
      ['cloud-config', 'mime-part', 'part[0] text/cloud-config'],
      ['shell', 'mime-part', 'part[1] text/x-shellscript'],
    ]);
    expect(mime[0].model.parts.map((p) => [p.contentType, p.documentId, lc(r, p.loc, true)])).toEqual([
      ['text/cloud-config', kids[0].id, '5:1-14:1'],
      ['text/x-shellscript', kids[1].id, '16:1-22:1'],
    ]);
    // the CRLF before a delimiter belongs to the delimiter: bodies are exact
    expect(kids[1].text).toBe('#!/bin/bash\nsystemctl restart systemd-networkd\n');
    expect(lcOf(r, kids[1], 'systemd-networkd')).toBe('21:19');
    // and through the cloud-config into write_files
    const apt = childrenOf(r, kids[0]).find((d) => d.format === 'apt-conf')!;
    expect(apt.origin?.targetPath).toBe('/etc/apt/apt.conf.d/20auto-upgrades');
    expect(lcOf(r, apt, 'Unattended-Upgrade')).toBe('13:22');
    expect(mapsVerbatim(r, apt, 'APT::Periodic::Unattended-Upgrade "1";')).toBe(true);
  });

  it('decodes base64 (opaque map) and quoted-printable (literal characters mapped) parts', async () => {
    const r = await parseFiles(scanners, { 'user-data': PYTHON });
    expect(r.diagnostics).toEqual([]);
    const mime = docsOf(r, 'mime-multipart')[0];
    expect(mime.model.parts.map((p) => [p.contentType, p.filename, p.documentId !== undefined])).toEqual([
      ['text/x-shellscript', 'setup.sh', true],
      ['text/cloud-config', 'cloud.yaml', true],
      ['text/x-include-url', undefined, false],
    ]);
    const [b64, cc] = childrenOf(r, mime);
    expect(b64.format).toBe('shell');
    expect(b64.text).toBe('#!/bin/sh\necho hi\n');
    expect(b64.map.segs).toEqual([]);
    expect(lc(r, b64.loc, true)).toBe('12:1-12:25');
    expect(lcOf(r, b64, 'echo')).toBe('12:1');
    expect(cc.format).toBe('cloud-config');
    const run = childrenOf(r, cc).find((d) => d.origin?.via === 'runcmd')!;
    expect(run.text).toBe('echo café && systemctl mask apt-daily-upgrade.timer && echo very long line');
    expect(lcOf(r, run, 'é')).toBe('20:13'); // the =C3=A9 escape
    expect(lcOf(r, run, 'systemctl')).toBe('20:23');
    expect(lcOf(r, run, 'line')).toBe('21:1'); // after the soft line break
    expect(mapsVerbatim(r, run, 'systemctl mask apt-daily-upgrade.timer')).toBe(true);
  });

  it('types parts by content type and lets content decide for text/plain', async () => {
    const msg = [
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary=XYZ',
      '',
      '--XYZ',
      'Content-Type: text/plain',
      '',
      '#cloud-config',
      'bootcmd: [echo plain]',
      '--XYZ',
      'Content-Type: text/x-shellscript',
      '',
      '#cloud-config',
      'runcmd: [echo re-typed]',
      '--XYZ',
      'Content-Type: text/cloud-boothook',
      '',
      '#cloud-boothook',
      'echo boot',
      '--XYZ',
      'Content-Type: text/part-handler',
      '',
      'def handle_part(*a): pass',
      '--XYZ--',
      '',
    ].join('\n');
    const r = await parseFiles(scanners, { 'ud.mime': msg });
    const mime = docsOf(r, 'mime-multipart')[0];
    const fmt = mime.model.parts.map((p) => [p.contentType, r.documents.find((d) => d.id === p.documentId)?.format]);
    expect(fmt).toEqual([
      ['text/plain', 'cloud-config'],
      ['text/x-shellscript', 'cloud-config'],
      ['text/cloud-boothook', 'shell'],
      ['text/part-handler', undefined],
    ]);
  });

  it('flattens nested multiparts and bounds their depth', async () => {
    const nest = (depth: number, leaf: string): string => {
      if (depth === 0) return `Content-Type: text/x-shellscript\n\n${leaf}`;
      const b = `b${depth}`;
      return `Content-Type: multipart/mixed; boundary="${b}"\n\n--${b}\n${nest(depth - 1, leaf)}\n--${b}--`;
    };
    const ok = `MIME-Version: 1.0\n${nest(3, 'echo nested')}\n`;
    const r = await parseFiles(scanners, { 'ok.txt': ok, 'deep.txt': `MIME-Version: 1.0\n${nest(12, 'echo deep')}\n` });
    const okDoc = r.documents.find((d) => d.file === 'ok.txt' && d.format === 'mime-multipart')!;
    expect(okDoc.model).toMatchObject({ parts: [{ contentType: 'text/x-shellscript' }] });
    const sh = r.documents.find((d) => d.file === 'ok.txt' && d.format === 'shell')!;
    expect(sh.text).toBe('echo nested');
    expect(lcOf(r, sh, 'nested')).toBe('13:6');
    const deep = r.diagnostics.filter((d) => d.file === 'deep.txt');
    expect(deep.map((d) => d.code)).toEqual(['nesting-too-deep']);
    expect(r.documents.filter((d) => d.file === 'deep.txt' && d.format === 'shell')).toEqual([]);
  });

  it('reports malformed messages without throwing and keeps what parsed', async () => {
    const r = await parseFiles(scanners, {
      'noclose.txt': 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/x-shellscript\n\necho a\n--B\nContent-Type: text/x-shellscript\n\necho b\n',
      'badb64.txt': 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\n!!! not base64 !!!\n--B--\n',
      'gzip.txt': `Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\nH4sIAAAAAAAAA0tNzslXyEjNycnXUSjPL8pJAQBbdZ6YDgAAAA==\n--B--\n`,
      'nopart.txt': 'Content-Type: multipart/mixed; boundary=B\n\nno delimiter here\n',
    });
    const by = (f: string) => r.diagnostics.filter((d) => d.file === f).map((d) => [d.code, d.severity, d.loc && lc(r, d.loc)]);
    expect(by('noclose.txt')).toEqual([['parse-error', 'warning', '11:1']]);
    expect(r.documents.filter((d) => d.file === 'noclose.txt' && d.format === 'shell').map((d) => d.text)).toEqual(['echo a', 'echo b\n']);
    expect(by('badb64.txt')).toEqual([['parse-error', 'warning', '7:1']]);
    expect(by('gzip.txt')).toEqual([['binary-file', 'info', '7:1']]);
    expect(by('nopart.txt')).toEqual([['parse-error', 'warning', '3:1']]);
    expect(r.diagnostics.some((d) => d.code === 'internal-error')).toBe(false);
  });

  it('bounds the number of parts', () => {
    const parts = Array.from({ length: 1500 }, (_, i) => `--B\nContent-Type: text/x-shellscript\n\necho ${i}\n`).join('');
    const res = parseMultipartMessage(`Content-Type: multipart/mixed; boundary=B\n\n${parts}--B--\n`);
    expect(res.parts).toHaveLength(1000);
    expect(res.problems.map((p) => p.message)).toEqual(['more than 1000 MIME parts; the rest are ignored']);
  });

  it('parses inside a ConfigMap block scalar, keeping root positions', async () => {
    const cm = [
      'apiVersion: v1', //                                                  1
      'kind: ConfigMap', //                                                 2
      'metadata: {name: seed}', //                                          3
      'data:', //                                                           4
      '  user-data: |', //                                                  5
      '    Content-Type: multipart/mixed; boundary="==B=="', //             6
      '    MIME-Version: 1.0', //                                           7
      '', //                                                                8
      '    --==B==', //                                                     9
      '    Content-Type: text/x-shellscript', //                            10
      '', //                                                                11
      '    #!/bin/sh', //                                                   12
      '    apt-get -y dist-upgrade', //                                     13
      '    --==B==--', //                                                   14
      '',
    ].join('\n');
    const r = await parseFiles(scanners, { 'seed.yaml': cm });
    const mime = docsOf(r, 'mime-multipart');
    expect(mime).toHaveLength(1);
    expect(mime[0].origin).toMatchObject({ via: 'kubernetes-configmap', targetPath: 'user-data' });
    const sh = childrenOf(r, mime[0])[0];
    expect(sh.text).toBe('#!/bin/sh\napt-get -y dist-upgrade');
    expect(lcOf(r, sh, 'dist-upgrade')).toBe('13:16');
    expect(lc(r, mime[0].model.parts[0].loc)).toBe('10:5');
  });

  it('detects MIME heads and nothing else', () => {
    const d = (head: string) => mimeScanner.detect({ path: 'user-data', head });
    expect(d(TERRAFORM)).toBe('mime-multipart');
    expect(d(PYTHON)).toBe('mime-multipart');
    expect(d('From nobody Mon Jan  1 00:00:00 2024\nContent-Type: multipart/mixed; boundary="x"\n\n')).toBe('mime-multipart');
    expect(d('MIME-Version: 1.0\nContent-Type:\n multipart/mixed;\n boundary="x"\n\n')).toBe('mime-multipart');
    expect(d('Content-Type: text/plain\n\nhello\n')).toBeUndefined();
    expect(d('Content-Type: multipart/mixed\n\n')).toBeUndefined(); // no boundary
    expect(d('#cloud-config\nContent-Type: multipart/mixed; boundary=x\n')).toBeUndefined();
    expect(d('description: |\n  Content-Type: multipart/mixed; boundary=x\n')).toBeUndefined();
    expect(mimeScanner.detectEmbedded!(undefined, TERRAFORM)).toBe('mime-multipart');
    expect(mimeScanner.detectEmbedded!(undefined, '#!/bin/sh\n')).toBeUndefined();
  });
});

describe('MIME building blocks', () => {
  it('parses Content-Type parameters', () => {
    expect(parseContentType('Multipart/Mixed; Boundary="a;b\\"c"; charset=utf-8')).toEqual({
      type: 'multipart/mixed',
      params: { boundary: 'a;b"c', charset: 'utf-8' },
    });
    expect(parseContentType('text/plain')).toEqual({ type: 'text/plain', params: {} });
  });

  it('decodes quoted-printable with maps for literal text', () => {
    const src = 'a=3Db =\r\nc\t \nd=E2=82=AC=';
    const q = decodeQuotedPrintable(src, 100);
    expect(q.text).toBe('a=b c\nd€=');
    expect(q.invalid).toBe(false);
    // 'c' (text 4) comes from src offset 9
    const at = (inner: number) => {
      for (let k = 0; k < q.segs.length; k += 3) if (inner >= q.segs[k] && inner < q.segs[k] + q.segs[k + 2]) return q.segs[k + 1] + inner - q.segs[k] - 100;
      return undefined;
    };
    expect(at(0)).toBe(0);
    expect(at(1)).toBe(1); // '=' from =3D maps to the escape
    expect(at(4)).toBe(9);
    expect(at(6)).toBe(13);
    expect(at(5)).toBe(12); // the hard line break
    expect(at(7)).toBe(14); // € (three escaped bytes) maps to its first escape
    expect(decodeQuotedPrintable('=FF', 0).invalid).toBe(true);
  });

  it('never throws and keeps part spans inside the text, in order (fuzz)', async () => {
    const piece = fc.constantFrom('--B', '--B--', 'Content-Type: text/x-shellscript', 'Content-Type: multipart/mixed; boundary=C', '--C', '--C--',
      'Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: quoted-printable', 'aGk=', '=C3=A9', '=', ' ', '', 'echo hi', '\t x');
    const eol = fc.constantFrom('\n', '\r\n');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(piece, eol), { maxLength: 40 }), async (lines) => {
        const text = 'Content-Type: multipart/mixed; boundary=B\n\n' + lines.map(([a, b]) => a + b).join('');
        const res = parseMultipartMessage(text);
        let prev = 0;
        for (const p of res.parts) {
          expect(p.start).toBeGreaterThanOrEqual(prev);
          expect(p.start <= p.bodyStart && p.bodyStart <= p.bodyEnd && p.bodyEnd <= text.length).toBe(true);
          prev = p.start;
        }
        const r = await parseFiles(scanners, { 'fuzz.txt': text });
        expect(r.diagnostics.filter((d) => d.code === 'internal-error')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

