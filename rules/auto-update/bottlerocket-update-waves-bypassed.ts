/**
 * FL111 bottlerocket-update-waves-bypassed: Bottlerocket user data that defeats the staggered
 * ("wave") rollout of OS updates: `ignore-waves = true`, or one fixed `seed` for every node.
 */
import type { DocumentOf, KeyValueEntry } from '../../engine/model.js';
import { defineRule } from '../../engine/rule-api.js';

function updatesSettings(doc: DocumentOf<'keyvalue'>): Map<string, KeyValueEntry> {
  const out = new Map<string, KeyValueEntry>();
  for (const e of doc.model.entries) {
    const full = e.table ? `${e.table}.${e.key}` : e.key;
    const m = /^settings\.updates\.([A-Za-z0-9_-]+)$/.exec(full);
    if (m) out.set(m[1], e);
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'FL111',
    name: 'bottlerocket-update-waves-bypassed',
    title: 'Bottlerocket user data bypasses the staggered rollout of OS updates',
    family: 'auto-update',
    severity: 'warning',
    description:
      'In Bottlerocket user data (TOML whose first table is `[settings...]`, as a file or embedded in Terraform `user_data`), reports `settings.updates.ignore-waves = true` (every node takes an update as soon as it is published) and a fixed `settings.updates.seed` (every node launched from the same user data has the same seed and so lands in the same update wave).',
    rationale:
      'Bottlerocket spreads each release over time in waves, by each node\'s random `seed`, so a bad release reaches a few nodes first. Ignoring waves, or giving the whole fleet one seed, makes every node take the release at the same moment — the single-window fleet-wide update that took down five regions on 2023-03-08.',
    remediation:
      'Remove `ignore-waves` (default false) and `seed` (default: a random value per node) from the user data, and drive updates with the Bottlerocket update operator or by rolling out new AMIs region by region.',
    formats: ['keyvalue'],
    scope: 'document',
    messages: {
      ignoreWaves: 'settings.updates.ignore-waves = true: every node launched with this user data takes a Bottlerocket update as soon as it is published, skipping the staggered waves.',
      fixedSeed: 'settings.updates.seed = {value} is the same for every node launched with this user data: they all land in the same update wave and take each release at the same time.',
    },
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    defaultOptions: {},
    tags: ['bottlerocket'],
    docs: 'docs/rules/bottlerocket-update-waves-bypassed.md',
  },
  checkDocument(doc, ctx) {
    if (doc.format !== 'keyvalue' || doc.model.dialect !== 'toml') return;
    const s = updatesSettings(doc);
    const iw = s.get('ignore-waves');
    if (iw && iw.value === 'true') ctx.report({ messageId: 'ignoreWaves', loc: iw.loc, resource: 'settings.updates.ignore-waves', document: doc });
    const seed = s.get('seed');
    if (seed && seed.kind === 'number') ctx.report({ messageId: 'fixedSeed', data: { value: seed.value }, loc: seed.loc, resource: 'settings.updates.seed', document: doc });
  },
});
