import { describe, expect, it } from 'vitest';
import { findInlineDirectives, isExpired, isIsoDate, parseDirectiveBody } from '../../engine/suppressions.js';
import { makeSourceFile } from '../../engine/source.js';

describe('inline suppression directives', () => {
  it('applies a directive on its own line to the next code line, skipping comments and blanks', () => {
    const f = makeSourceFile('a.yaml', 'a: 1\n# faultline-ignore FL104 -- single-use runners\n\n# another comment\npackage_upgrade: true\n');
    const [d] = findInlineDirectives(f);
    expect(d).toMatchObject({ line: 2, targetLine: 5, rules: ['FL104'], reason: 'single-use runners', scope: 'line' });
  });

  it('applies a trailing directive to its own line', () => {
    const f = makeSourceFile('a.tf', 'x = 1 // faultline-ignore FL201,missing-prestop -- staged rollout\n');
    expect(findInlineDirectives(f)[0]).toMatchObject({ targetLine: 1, rules: ['FL201', 'missing-prestop'] });
  });

  it('reads until-dates and file scope, in systemd and apt comment styles', () => {
    const f = makeSourceFile('x.timer', '; faultline-ignore-file FL201 -- lab only until 2026-12-31\n[Timer]\n');
    expect(findInlineDirectives(f)[0]).toMatchObject({ scope: 'file', until: '2026-12-31', reason: 'lab only' });
    const g = makeSourceFile('20x', '/* faultline-ignore FL101 -- rebuilt nightly */\nAPT::Periodic::Unattended-Upgrade "1";\n');
    expect(findInlineDirectives(g)[0]).toMatchObject({ targetLine: 2, reason: 'rebuilt nightly' });
  });

  it('flags directives without a reason, rule or real date', () => {
    expect(parseDirectiveBody(' FL101').problem).toMatch(/no reason/);
    expect(parseDirectiveBody(' -- because').problem).toMatch(/names no rule/);
    expect(parseDirectiveBody(' FL101 -- ok until 2026-02-30').problem).toMatch(/not a real/);
  });

  it('ignores the word outside comments', () => {
    const f = makeSourceFile('a.yaml', 'name: faultline-ignore FL101 -- x\n');
    expect(findInlineDirectives(f)).toEqual([]);
  });

  it('judges expiry by day', () => {
    expect(isIsoDate('2026-02-28')).toBe(true);
    expect(isIsoDate('2026-13-01')).toBe(false);
    expect(isExpired('2026-11-20', '2026-11-21')).toBe(true);
    expect(isExpired('2026-11-21', '2026-11-21')).toBe(false);
    expect(isExpired(undefined, '2026-11-21')).toBe(false);
  });
});
