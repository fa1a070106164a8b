/** Rendering the rule catalog for `faultline rules`. */
import type { RuleMeta } from '../engine/rule-api.js';

export function catalogText(metas: readonly RuleMeta[]): string {
  const w = Math.max(...metas.map((m) => m.name.length));
  return (
    metas.map((m) => `${m.id}  ${m.name.padEnd(w)}  ${m.severity.padEnd(7)}  ${m.title}`).join('\n') +
    `\n\n${metas.length} rules. \`faultline explain <ID>\` shows one rule's documentation.\n`
  );
}

export function catalogMarkdown(metas: readonly RuleMeta[]): string {
  const rows = metas.map((m) => `| ${m.id} | [${m.name}](${m.docs.replace(/^docs\/rules\//, '')}) | ${m.family} | ${m.severity} | ${m.title} |`);
  return ['| ID | Name | Family | Severity | Title |', '|---|---|---|---|---|', ...rows, ''].join('\n');
}
