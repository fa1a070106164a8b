/**
 * `faultline init`: starter files for a repository.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageVersion } from '../engine/package-root.js';

const CONFIG = `# faultline configuration — schema: schemas/faultline-config.schema.json in the faultline package
version: 1

# Files to skip besides .git, node_modules and .terraform (globs relative to this file).
exclude: []

# Exit 1 when a finding at or above this severity is not suppressed: error | warning | info | never
failOn: error

# Per-rule settings by ID or name: off | on | error | warning | info, or { enabled, severity, options }.
rules: {}

# What faultline cannot infer from the files. Regions are the blast-radius unit: schedules that
# fire together in more regions than the budget allows are flagged.
fleet:
  regions: {}
  #  eu1: { provider: aws, region: eu-west-1, paths: ["regions/eu-west-1/**"] }
  #  us1: { provider: aws, region: us-east-1, paths: ["regions/us-east-1/**"] }

# Accepted risks, with a reason and a review date.
waivers: []
#  - rule: FL101
#    paths: ["legacy/**"]
#    reason: legacy fleet, replaced in Q1
#    until: 2027-03-31
`;

const PRECOMMIT = (version: string) => `repos:
  - repo: https://github.com/faultline-dev/faultline
    rev: v${version}
    hooks:
      - id: faultline
`;

const WORKFLOW = `name: faultline
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
  security-events: write
jobs:
  faultline:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: faultline
        uses: faultline-dev/faultline@v${packageVersion()}
        with:
          category: faultline
      - uses: github/codeql-action/upload-sarif@v3
        if: always() && steps.faultline.outputs.sarif-file != ''
        with:
          sarif_file: \${{ steps.faultline.outputs.sarif-file }}
          category: faultline
`;

export interface Written {
  path: string;
  status: 'wrote' | 'kept';
}

export function initProject(dir: string, opts: { force: boolean }): Written[] {
  const files: [string, string][] = [
    ['faultline.yaml', CONFIG],
    ['.pre-commit-config.yaml', PRECOMMIT(packageVersion())],
    [path.join('.github', 'workflows', 'faultline.yml'), WORKFLOW],
  ];
  const out: Written[] = [];
  for (const [rel, text] of files) {
    const p = path.join(dir, rel);
    if (existsSync(p) && !opts.force) {
      out.push({ path: rel, status: 'kept' });
      continue;
    }
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
    out.push({ path: rel, status: 'wrote' });
  }
  return out;
}
