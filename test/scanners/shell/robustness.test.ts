import { describe, expect, it } from 'vitest';
import { fakeApt, parseShell, pos, type Recorded, shellDocs } from './helpers.js';

async function run(src: string, limits = {}) {
  const r = await parseShell({ 'x.sh': src }, [], limits);
  const d = shellDocs(r).find((x) => x.id === 'x.sh#0')!;
  return { r, d };
}

describe('malformed input', () => {
  it('unterminated quote: one parse-error at the quote, earlier commands kept', async () => {
    const { r, d } = await run('echo ok\necho "unterminated\napt-get update\n');
    expect(d.model.commands.map((c) => c.name)).toEqual(['echo', 'echo']);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ severity: 'warning', code: 'parse-error', file: 'x.sh' });
    expect(r.diagnostics[0].message).toContain('"unterminated');
    expect(pos(r, r.diagnostics[0].loc!)).toBe('2:6-2:7');
  });

  it('missing fi: one diagnostic, commands inside still extracted', async () => {
    const { r, d } = await run('echo a\nif true; then systemctl restart x\n');
    expect(d.model.commands.map((c) => c.name)).toEqual(['echo', 'true', 'systemctl']);
    expect(r.diagnostics.map((x) => [x.code, x.message, pos(r, x.loc!)])).toEqual([
      ['parse-error', "shell syntax error: missing 'fi'; results are partial", '3:1-3:1'],
    ]);
    const r2 = await run('echo a\nif true; then systemctl restart x');
    expect(r2.r.diagnostics.map((x) => [x.code, pos(r2.r, x.loc!)])).toEqual([['parse-error', '2:1-2:3']]);
  });

  it('stray reserved words (tree-sitter reads them as commands) are one syntax error, not commands', async () => {
    const { r, d } = await run('echo a\ndone; esac\nfi\necho "fi" fi\n');
    expect(d.model.commands.map((c) => c.name)).toEqual(['echo', 'echo']);
    expect(r.diagnostics.map((x) => [x.code, x.message, pos(r, x.loc!)])).toEqual([
      ['parse-error', 'shell syntax error near unexpected token "done"; results are partial', '2:1-2:5'],
    ]);
  });

  it('stray closing tokens and unbalanced substitutions', async () => {
    for (const src of ['fi\necho a\n', '"fi" && }', 'echo $(foo\n', 'echo )\n', 'done; esac; }\n', 'cat <<EOF > /etc/x\nno terminator', 'a && && b', '| x']) {
      const { r } = await run(src);
      expect(r.diagnostics.length, src).toBe(1);
      expect(r.diagnostics[0].code, src).toBe('parse-error');
    }
  });

  it('an unterminated heredoc is a write with unknown content', async () => {
    const records: Recorded[] = [];
    const r = await parseShell({ 'x.sh': 'cat <<EOF > /etc/apt/apt.conf.d/x\nAPT::X "1";\n' }, [fakeApt(records)]);
    expect(shellDocs(r)[0].model.writes.map((w) => [w.path, w.contentDocId])).toEqual([['/etc/apt/apt.conf.d/x', undefined]]);
    expect(records).toEqual([]);
  });

  it('tree-sitter misreads `<<EOF;`: no content is invented', async () => {
    const records: Recorded[] = [];
    const r = await parseShell({ 'x.sh': 'cat <<EOF; echo after\nbody\nEOF\ncat > /etc/apt/apt.conf.d/y <<EOF\nz\nEOF\n' }, [fakeApt(records)]);
    expect(records.map((x) => x.text)).not.toContain('body\n');
    expect(r.diagnostics.length).toBeLessThanOrEqual(1);
  });

  it('binary junk and NUL bytes never throw', async () => {
    let junk = '';
    for (let i = 0; i < 20000; i++) junk += String.fromCharCode((i * 7919 + 13) % 256);
    const { r, d } = await run(`#!/bin/sh\n${junk}\0\0echo after\n`);
    expect(d).toBeDefined();
    expect(r.diagnostics.every((x) => x.code !== 'internal-error')).toBe(true);
    expect(r.diagnostics.length).toBeLessThanOrEqual(1);
  });

  it('empty and whitespace-only scripts', async () => {
    for (const src of ['', '\n\n', '   ', '#!/bin/sh\n']) {
      const { r, d } = await run(src);
      expect(d.model.commands).toEqual([]);
      expect(r.diagnostics).toEqual([]);
    }
  });
});

describe('unrendered templates degrade gracefully', () => {
  it('Helm: control tags blanked, values dynamic, no diagnostic when the rest parses', async () => {
    const { r, d } = await run(
      [
        '#!/bin/bash',
        '{{- if .Values.pinSystemd }}',
        'apt-mark hold systemd',
        '{{- end }}',
        '{{ include "extra.sh" . | nindent 0 }}',
        'echo {{ .Values.conf | quote }} > /etc/apt/apt.conf.d/{{ .Values.name }}',
        'curl -fsSL {{ .Values.url }} | sudo tee /etc/apt/apt.conf.d/99x',
      ].join('\n'),
    );
    expect(d.model.commands.map((c) => c.name)).toEqual(['apt-mark', 'echo', 'curl', 'tee']);
    expect(pos(r, d.model.commands[0].loc)).toBe('3:1-3:22');
    expect(d.model.commands[1].argv[1].value).toBeUndefined();
    expect(d.model.writes.map((w) => w.path)).toEqual(['/etc/apt/apt.conf.d/99x']);
    expect(r.diagnostics).toEqual([]);
  });

  it('Jinja and Terraform templatefile syntax', async () => {
    const { r, d } = await run(
      [
        '{# managed by ansible #}',
        '{% for p in packages %}',
        'apt-get install -y {{ p }}',
        '{% endfor %}',
        '%{ if enable_uu ~}',
        'echo "region=${var.region}" >> /etc/environment',
        '%{ endif ~}',
        'systemctl restart ${service}',
        'echo $${HOME}',
      ].join('\n'),
    );
    expect(d.model.commands.map((c) => c.name)).toEqual(['apt-get', 'echo', 'systemctl', 'echo']);
    expect(d.model.writes.map((w) => [w.path, w.mode])).toEqual([['/etc/environment', 'append']]);
    expect(r.diagnostics).toEqual([]);
  });

  it('a template that still breaks the parse gives exactly one template-unrendered diagnostic', async () => {
    const { r, d } = await run('echo start\n{{ if .x }}\nif true; then\n{{ end }}\necho "{{ .y }}\napt-get update\n');
    expect(d.model.commands[0].name).toBe('echo');
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'template-unrendered', severity: 'warning' });
  });
});

describe('hostile input is bounded', () => {
  it('deeply nested command substitutions: nesting-too-deep, no stack overflow', async () => {
    const n = 5000;
    const { r, d } = await run(`echo ${'$('.repeat(n)}x${')'.repeat(n)}\nafter\n`);
    expect(d.model.commands[0].name).toBe('echo');
    expect(d.model.commands.map((c) => c.name)).toContain('after');
    expect(r.diagnostics.map((x) => x.code)).toEqual(['nesting-too-deep']);
  });

  it('deeply nested quotes, braces and ifs', async () => {
    for (const src of ['"$('.repeat(3000) + 'x' + ')"'.repeat(3000), '{ '.repeat(3000) + 'x; ' + '} '.repeat(3000), 'if a; then '.repeat(2000) + 'x' + '; fi'.repeat(2000)]) {
      const { r, d } = await run(src + '\n');
      expect(d).toBeDefined();
      expect(r.diagnostics.every((x) => x.code !== 'internal-error')).toBe(true);
    }
  });

  it('a 20 000-long && chain is flattened, not truncated', async () => {
    const n = 20000;
    const { r, d } = await run(Array.from({ length: n }, (_, i) => `c${i}`).join(' && ') + '\n');
    expect(d.model.commands).toHaveLength(n);
    expect(d.model.commands[0].name).toBe('c0');
    expect(r.diagnostics).toEqual([]);
  });

  it('100 000-line script (about 4 MB)', async () => {
    const n = 100_000;
    const lines = Array.from({ length: n }, (_, i) => `echo "l${i}" >> /etc/f.conf && apt-get install -y p${i}`);
    const t0 = Date.now();
    // a generous budget: this test is about correctness at scale, the next one about the budget
    const { r, d } = await run(lines.join('\n') + '\n', { fileTimeBudgetMs: 120_000 });
    const ms = Date.now() - t0;
    expect(d.model.commands).toHaveLength(2 * n);
    expect(d.model.writes).toHaveLength(n);
    expect(pos(r, d.model.writes[n - 1].loc)).toBe(`${n}:1-${n}:29`);
    expect(pos(r, d.model.commands[2 * n - 1].loc)).toBe(`${n}:33-${n}:58`);
    expect(r.diagnostics).toEqual([]);
    expect(ms).toBeLessThan(45_000);
  });

  it('time budget: a diagnostic, never an exception', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `echo ${i} | tee -a /etc/x${i}`);
    const { r, d } = await run(lines.join('\n'), { fileTimeBudgetMs: 1 });
    expect(d).toBeDefined();
    expect(r.diagnostics.map((x) => x.code)).toEqual(['time-budget']);
  });
});

describe('offsets are UTF-16 code units', () => {
  it('non-ASCII (BMP and astral) before a finding on the same line and earlier lines', async () => {
    const { r, d } = await run('# ünïcødé 😀😀\nX="日本語 😀"; echo "😀" > /etc/out; apt-get update\n');
    expect(d.model.commands.map((c) => [c.name, pos(r, c.loc)])).toEqual([
      ['echo', '2:13-2:22'],
      ['apt-get', '2:35-2:49'],
    ]);
    expect(d.model.writes.map((w) => pos(r, w.loc))).toEqual(['2:13-2:33']);
  });

  it('CRLF line endings', async () => {
    const { r, d } = await run('echo a\r\nsudo systemctl restart systemd-networkd\r\n');
    expect(d.model.commands.map((c) => [c.name, pos(r, c.loc)])).toEqual([
      ['echo', '1:1-1:7'],
      ['systemctl', '2:1-2:40'],
    ]);
  });
});
