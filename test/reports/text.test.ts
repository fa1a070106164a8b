import { describe, expect, it } from 'vitest';
import { formatDuration, renderText, sanitize, shouldColor } from '../../reports/text.js';
import { cleanResult, findingsResult, ROOT, shuffled } from './fixture.js';

const ANSI = /\u001b\[/;

describe('text report', () => {
  const out = renderText(findingsResult(), { color: false });
  const lines = out.split('\n');

  it('groups findings under their file, files sorted', () => {
    const headers = lines.filter((l) => l !== '' && !l.startsWith(' ') && !l.startsWith('Diagnostics') && !/^[✖⚠ℹ✔]/.test(l));
    expect(headers).toEqual(['clusters/prod-eu/nodepool.tf', 'clusters/prod-eu/user_data.tf', 'hosts/base/10-eth0.network', 'k8s/shop/cart.yaml']);
    // Both cart.yaml findings sit under the cart.yaml header, in line order.
    const cart = lines.indexOf('k8s/shop/cart.yaml');
    const prestop = lines.findIndex((l) => l.includes('FL021 missing-prestop-hook'));
    const sidecar = lines.findIndex((l) => l.includes('FL031 undersized-sidecar-proxy'));
    expect(cart).toBeGreaterThan(-1);
    expect(prestop).toBeGreaterThan(cart);
    expect(sidecar).toBeGreaterThan(prestop);
  });

  it('prints line:col, severity, rule id and name, message', () => {
    expect(out).toContain(
      "  14:5  error    FL001 auto-update-channel  Node pool 'workers' follows the 'RAPID' release channel with auto-upgrade on.",
    );
    expect(out).toContain('  18:11  warning  FL021 missing-prestop-hook  ');
    expect(out).toContain('  42:15  info     FL031 undersized-sidecar-proxy  ');
  });

  it('shows resource, related locations, the embedding chain', () => {
    expect(out).toContain('        resource google_container_node_pool.workers');
    expect(out).toContain('        ↳ clusters/prod-us/nodepool.tf:14:5 The same channel in us-central1.');
    expect(out).toContain('        ↳ clusters/prod-ap (legacy)/user_data.tf:29:7 prod-ap upgrades at the same time.');
    expect(out).toContain(
      '        embedded user_data → MIME part 2 (text/cloud-config) → write_files[0] /etc/systemd/system/apt-daily-upgrade.timer',
    );
  });

  it('underlines the range under the snippet line (UTF-16 columns, tabs kept)', () => {
    const i = lines.findIndex((l) => l.endsWith('│     channel = "RAPID"'));
    expect(i).toBeGreaterThan(-1);
    expect(lines[i]).toBe('        14 │     channel = "RAPID"');
    expect(lines[i + 1]).toBe('           │     ^^^^^^^^^^^^^^^^^');
    // The caret starts exactly under column 5 of the source line.
    const src = lines[i].slice(lines[i].indexOf('│ ') + 2);
    const car = lines[i + 1].slice(lines[i + 1].indexOf('│ ') + 2);
    expect(car.indexOf('^')).toBe(4);
    expect(src.slice(4, 4 + car.trim().length)).toBe('channel = "RAPID"');

    const j = lines.findIndex((l) => l.includes('# 🛒 memory'));
    const caretLine = lines[j + 1].slice(lines[j + 1].indexOf('│ ') + 2);
    expect(caretLine).toBe('\t             ^^^^^^');
  });

  it('does not list suppressed findings but counts them', () => {
    expect(out).not.toContain('payments');
    expect(out).not.toContain('FL050');
    expect(out).toContain('2 suppressed');
  });

  it('with includeSuppressed, lists suppressed findings in their own section, with the waiver', () => {
    const all = renderText(findingsResult(), { color: false, includeSuppressed: true });
    const at = all.split('\n').indexOf('Suppressed (2)');
    expect(at).toBeGreaterThan(-1);
    const section = all.split('\n').slice(at + 1, at + 5);
    expect(section).toEqual([
      "  k8s/search/deploy.yaml:12:23  warning  FL050 rollout-max-unavailable  maxUnavailable '50%' lets a rollout take down half of 'search'.",
      '    suppressed (baseline) Present in baseline .faultline-baseline.json',
      "  k8s/shop/payments.yaml:20:11  warning  FL021 missing-prestop-hook  Container 'payments' serves traffic behind Service 'payments' but has no preStop hook.",
      '    suppressed (inline at k8s/shop/payments.yaml:3:5, until 2026-12-31) Drained by the payments-gateway controller before SIGTERM',
    ]);
    // still not among the problems, still counted
    expect(all.split('\n').filter((l) => l === 'k8s/shop/payments.yaml')).toEqual([]);
    expect(all).toContain('2 suppressed');
    expect(renderText(findingsResult(), { color: false, includeSuppressed: false })).not.toContain('Suppressed (');
  });

  it('lists diagnostics in their own section', () => {
    const d = lines.indexOf('Diagnostics (3)');
    expect(d).toBeGreaterThan(lines.findIndex((l) => l.includes('FL031')));
    expect(lines[d + 1]).toBe("  .faultline.yaml:7:5  info     config  Unknown option 'maxSkew' for rule FL014 was ignored.");
    expect(out).toContain('  k8s/broken.yaml:3:9  error    parse-error  Unexpected mapping value (YAML).');
    expect(out).toContain('  charts/shop/templates/deploy.yaml  warning  template-unrendered  ');
  });

  it('ends with a summary line: counts by severity, suppressed, files, duration', () => {
    expect(lines.at(-1)).toBe('');
    expect(lines.at(-2)).toBe('✖ 5 problems (2 errors, 2 warnings, 1 info) · 2 suppressed · 3 diagnostics · 48 files scanned (9 skipped) · 1.43s');
  });

  it('summarises a clean scan', () => {
    expect(renderText(cleanResult(), {})).toBe('✔ No problems found · 0 suppressed · 12 files scanned · 412ms\n');
  });

  it('uses no ANSI escapes unless asked, and colours when asked', () => {
    expect(out).not.toMatch(ANSI);
    expect(renderText(cleanResult(), { color: false })).not.toMatch(ANSI);
    const coloured = renderText(findingsResult(), { color: true });
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain('\u001b[31merror'); // errors in red
    expect(coloured).toContain('\u001b[33mwarning'); // warnings in yellow
    // Stripping the escapes gives back the plain report.
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(out);
  });

  it('never prints the absolute scan root', () => {
    expect(out).not.toContain(ROOT);
  });

  it('does not depend on the order of the input', () => {
    const r = findingsResult();
    r.findings = shuffled(r.findings);
    r.diagnostics = shuffled(r.diagnostics, 3);
    expect(renderText(r, {})).toBe(out);
  });

  it('neutralises terminal control sequences coming from scanned content', () => {
    const r = findingsResult();
    r.findings[0].message = 'evil \u001b]0;pwned\u0007 value';
    r.findings[0].location.snippet = '    channel = "\u001b[2J"';
    const text = renderText(r, { color: false });
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toContain('evil \\x1b]0;pwned\\x07 value');
    expect(sanitize('a\tb\u009bc')).toBe('a\tb\\x9bc');
    expect(sanitize('admin\u202e\u2066txt')).toBe('admin\\u202e\\u2066txt');
  });

  it('windows very long snippet lines around the range', () => {
    const r = findingsResult();
    const f = r.findings.find((x) => x.ruleId === 'FL001')!;
    const long = 'x'.repeat(500) + 'channel = "RAPID"' + 'y'.repeat(500);
    f.location.snippet = long;
    f.location.range = { start: { line: 14, column: 501 }, end: { line: 14, column: 518 } };
    const text = renderText(r, {}).split('\n');
    const i = text.findIndex((l) => l.includes('14 │ …'));
    expect(i).toBeGreaterThan(-1);
    expect(text[i].length).toBeLessThan(200);
    const src = text[i].slice(text[i].indexOf('│ ') + 2);
    const car = text[i + 1].slice(text[i + 1].indexOf('│ ') + 2);
    expect(src.slice(car.indexOf('^'), car.length)).toBe('channel = "RAPID"');
  });

  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0ms');
    expect(formatDuration(999)).toBe('999ms');
    expect(formatDuration(1434)).toBe('1.43s');
    expect(formatDuration(125_000)).toBe('2m 5s');
  });
});

describe('shouldColor', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };

  it('colours a TTY by default, not a pipe', () => {
    expect(shouldColor(tty, {})).toBe(true);
    expect(shouldColor(pipe, {})).toBe(false);
    expect(shouldColor(undefined, {})).toBe(false);
  });

  it('honours NO_COLOR with any non-empty value', () => {
    expect(shouldColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(shouldColor(tty, { NO_COLOR: 'false' })).toBe(false);
    expect(shouldColor(tty, { NO_COLOR: '' })).toBe(true);
  });

  it('honours FORCE_COLOR, which wins over NO_COLOR and a non-TTY', () => {
    expect(shouldColor(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(shouldColor(pipe, { FORCE_COLOR: '3' })).toBe(true);
    expect(shouldColor(pipe, { FORCE_COLOR: 'true' })).toBe(true);
    expect(shouldColor(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(shouldColor(tty, { FORCE_COLOR: 'false' })).toBe(false);
    expect(shouldColor(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(shouldColor(pipe, { FORCE_COLOR: '' })).toBe(false);
  });

  it('does not colour TERM=dumb', () => {
    expect(shouldColor(tty, { TERM: 'dumb' })).toBe(false);
  });
});
