/**
 * Running Microsoft's SARIF Multitool (`validate --rule-kind "Gh;Sarif"`) as a test oracle.
 *
 * The npm package `@microsoft/sarif-multitool` only wraps a self-contained .NET binary shipped in
 * `@microsoft/sarif-multitool-linux`; its wrapper goes through a shell, so we call the binary
 * directly with execFile (no quoting of the `;`-separated lists). The Multitool exits 0 even when
 * it reports errors, so its findings are read from its own SARIF output file.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type MultitoolLevel = 'error' | 'warning' | 'note' | 'none';

export interface MultitoolProblem {
  ruleId: string;
  level: MultitoolLevel;
  /** JSON-path-like pointer followed by the Multitool's explanation. */
  text: string;
}

export interface MultitoolReport {
  problems: MultitoolProblem[];
  errors: MultitoolProblem[];
  warnings: MultitoolProblem[];
  notes: MultitoolProblem[];
  stdout: string;
}

/** Absolute path of the Multitool binary, or undefined when this platform has none installed. */
export function multitoolBinary(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const require = createRequire(import.meta.url);
    return require('@microsoft/sarif-multitool-linux') as string;
  } catch {
    return undefined;
  }
}

interface SarifOut {
  runs?: {
    tool?: { driver?: { rules?: { id: string; defaultConfiguration?: { level?: MultitoolLevel }; messageStrings?: Record<string, { text: string }> }[] } };
    results?: { ruleId: string; ruleIndex?: number; level?: MultitoolLevel; message: { id?: string; text?: string; arguments?: string[] } }[];
    invocations?: {
      executionSuccessful?: boolean;
      toolExecutionNotifications?: { level?: MultitoolLevel; message?: { text?: string } }[];
      toolConfigurationNotifications?: { level?: MultitoolLevel; message?: { text?: string } }[];
    }[];
  }[];
}

/** Validate a SARIF document; throws if the Multitool itself failed (not if the SARIF has problems). */
export async function validateSarif(sarif: string): Promise<MultitoolReport> {
  const bin = multitoolBinary();
  if (!bin) throw new Error('SARIF Multitool binary not installed (@microsoft/sarif-multitool-linux)');
  const dir = await mkdtemp(join(tmpdir(), 'faultline-multitool-'));
  try {
    const input = join(dir, 'input.sarif');
    const output = join(dir, 'validation.sarif');
    await writeFile(input, sarif);
    const { stdout } = await run(
      bin,
      ['validate', '--rule-kind', 'Gh;Sarif', '--level', 'Error;Warning;Note', '--output', output, input],
      {
        cwd: dir,
        timeout: 120_000,
        maxBuffer: 32 * 1024 * 1024,
        // No ICU needed (Debian ships it as libicu72, but this keeps the oracle portable), no telemetry.
        env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
      },
    );
    const log = JSON.parse(await readFile(output, 'utf8')) as SarifOut;
    const runOut = log.runs?.[0];
    if (!runOut) throw new Error(`Multitool produced no run:\n${stdout}`);
    const invocation = runOut.invocations?.[0];
    const toolTrouble = [...(invocation?.toolExecutionNotifications ?? []), ...(invocation?.toolConfigurationNotifications ?? [])].filter(
      (n) => n.level === 'error',
    );
    if (invocation?.executionSuccessful === false || toolTrouble.length > 0) {
      throw new Error(`Multitool did not run cleanly: ${JSON.stringify(toolTrouble)}\n${stdout}`);
    }
    const rules = runOut.tool?.driver?.rules ?? [];
    const problems: MultitoolProblem[] = (runOut.results ?? []).map((r) => {
      const rule = r.ruleIndex !== undefined ? rules[r.ruleIndex] : rules.find((x) => x.id === r.ruleId);
      // SARIF: a result's level defaults to its rule's default level, which defaults to warning.
      const level = r.level ?? rule?.defaultConfiguration?.level ?? 'warning';
      const template = r.message.text ?? (r.message.id ? rule?.messageStrings?.[r.message.id]?.text : undefined) ?? r.message.id ?? '';
      const text = template.replace(/\{(\d+)\}/g, (_, i: string) => r.message.arguments?.[Number(i)] ?? `{${i}}`);
      return { ruleId: r.ruleId, level, text };
    });
    return {
      problems,
      errors: problems.filter((p) => p.level === 'error'),
      warnings: problems.filter((p) => p.level === 'warning'),
      notes: problems.filter((p) => p.level === 'note'),
      stdout,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function describeProblems(problems: readonly MultitoolProblem[]): string {
  return problems.map((p) => `${p.level} ${p.ruleId}: ${p.text}`).join('\n');
}
