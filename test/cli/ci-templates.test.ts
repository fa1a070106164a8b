/**
 * The CI integrations: the GitHub Action's scan step run as the runner runs it (bash, FL_* inputs,
 * GITHUB_STEP_SUMMARY / GITHUB_OUTPUT files) with its SARIF through the SARIF Multitool; the
 * action, GitLab template and examples parse and reference real flags. Uses dist/ (npm test builds).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { validateSarif } from '../reports/multitool.js';

const repo = path.resolve('.');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'faultline-ci-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function runAction(ws: string, inputs: Record<string, string>) {
  const summary = path.join(ws, 'summary.md');
  const output = path.join(ws, 'output.txt');
  writeFileSync(summary, '');
  writeFileSync(output, '');
  const r = spawnSync('bash', [path.join(repo, 'action/run.sh')], {
    cwd: ws,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output, ...inputs },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, summary: readFileSync(summary, 'utf8'), output: readFileSync(output, 'utf8') };
}

describe('GitHub Action scan step', () => {
  it('writes valid SARIF, capped annotations, a step summary table and outputs; exit code follows fail-on', async () => {
    expect(existsSync(path.join(repo, 'dist/cli/main.js'))).toBe(true);
    const ws = mkdtempSync(path.join(tmp, 'ws-'));
    mkdirSync(path.join(ws, '.git'));
    for (let i = 0; i < 12; i++) {
      mkdirSync(path.join(ws, `img${i}`));
      writeFileSync(path.join(ws, `img${i}`, 'preseed.cfg'), 'd-i pkgsel/update-policy select unattended-upgrades\n');
    }
    const r = runAction(ws, { FL_PATHS: '.', FL_CATEGORY: 'images', FL_SARIF: 'out/faultline.sarif' });
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(errors).toHaveLength(10);
    expect(errors[0]).toBe('::error file=img0/preseed.cfg,line=1,col=33,endColumn=52,title=[images] FL103 preseed-update-policy::pkgsel/update-policy is "unattended-upgrades": machines installed from this preseed update themselves, every node at once, outside your rollout process.');
    expect(r.stdout).toMatch(/faultline: 2 more findings were not annotated/);
    expect(r.summary).toMatch(/## faultline — images[\s\S]*\| 12 \| 0 \| 0 \| 0 \| 12 \|/);
    expect(r.output).toBe('sarif-file=out/faultline.sarif\nexit-code=1\n');
    const sarif = readFileSync(path.join(ws, 'out/faultline.sarif'), 'utf8');
    expect(JSON.parse(sarif).runs[0].results).toHaveLength(12);
    const v = await validateSarif(sarif);
    expect(v.errors).toEqual([]);
    expect(v.warnings).toEqual([]);
    const never = runAction(ws, { FL_PATHS: '.', FL_FAIL_ON: 'never', FL_ANNOTATIONS: 'false' });
    expect(never.code).toBe(0);
    expect(never.stdout).toMatch(/img0\/preseed\.cfg\n\s+1:33\s+error/);
  });

  it('action.yml is a composite action whose inputs the script reads', () => {
    const a = parse(readFileSync(path.join(repo, 'action.yml'), 'utf8'));
    expect(a.runs.using).toBe('composite');
    const script = readFileSync(path.join(repo, 'action/run.sh'), 'utf8');
    const env = a.runs.steps.find((s: { id?: string }) => s.id === 'scan').env as Record<string, string>;
    for (const [k, v] of Object.entries(env)) {
      expect(script).toContain(k);
      expect(Object.keys(a.inputs)).toContain(/inputs\.([\w-]+)/.exec(v)![1]);
    }
  });

  it('the GitLab template and the examples parse and publish the reports', () => {
    const gl = parse(readFileSync(path.join(repo, 'ci/gitlab/faultline.gitlab-ci.yml'), 'utf8'));
    expect(gl.faultline.artifacts.reports).toEqual({ codequality: 'gl-code-quality-report.json', junit: 'faultline-junit.xml' });
    expect(gl.faultline.script.join('\n')).toMatch(/--format gitlab --output gl-code-quality-report\.json --format junit --output faultline-junit\.xml/);
    const matrix = parse(readFileSync(path.join(repo, 'examples/github-actions/fleet-audit-matrix.yml'), 'utf8'));
    expect(matrix.jobs.shard.strategy.matrix.shard).toEqual([1, 2, 3, 4]);
    const docs = parseAllDocuments(readFileSync(path.join(repo, 'examples/kubernetes/fleet-audit-indexed-job.yaml'), 'utf8')).map((d) => d.toJS());
    expect(docs[0].spec.completionMode).toBe('Indexed');
    expect(docs[0].spec.template.spec.containers[0].args[0]).toMatch(/--shard \$\(\(JOB_COMPLETION_INDEX \+ 1\)\)\/8/);
  });
});
