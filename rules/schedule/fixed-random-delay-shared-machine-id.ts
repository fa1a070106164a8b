/**
 * FL204 fixed-random-delay-shared-machine-id: `FixedRandomDelay=yes` on an update or reboot timer
 * of an image that bakes one non-empty `/etc/machine-id` into every node. systemd derives the fixed
 * delay from the machine-id (and the timer name), so every node computes the same "random" delay.
 *
 * Honesty: Packer templates usually truncate machine-id, and an image that never touches it gets a
 * fresh one at first boot. We report only when the scan shows the image's last word on
 * `/etc/machine-id` is a non-empty value: `echo|printf <id> > /etc/machine-id`,
 * `systemd-machine-id-setup`, `dbus-uuidgen --ensure[=/etc/machine-id]`, a cloud-init `write_files`
 * entry with content, or recognised content in the image's file system. A later truncate, `rm` or
 * `uninitialized` write clears it.
 */
import { at, describeImage, nodeImages, type NodeImage } from '../../engine/facts/node-image.js';
import { timerSettings } from '../../engine/facts/schedules.js';
import { get, isSeq, str, type Document } from '../../engine/model.js';
import { defineRule } from '../../engine/rule-api.js';
import { formatSpan } from '../../engine/schedule/span.js';
import type { Loc } from '../../engine/source.js';

const MACHINE_ID = '/etc/machine-id';

interface MachineIdEvent {
  baked: boolean;
  loc: Loc;
  what: string;
}

/** What one document does to /etc/machine-id, in source order. */
function eventsOf(doc: Document): MachineIdEvent[] {
  const out: MachineIdEvent[] = [];
  if (doc.format === 'shell') {
    for (const c of doc.model.commands) {
      const args = c.argv.slice(1).map((w) => w.value ?? w.raw);
      const toId = c.redirects.find((r) => (r.target.value ?? r.target.raw) === MACHINE_ID && !r.op.includes('<'));
      const text = `${c.name ?? ''} ${args.join(' ')}`.trim();
      if (c.name === 'systemd-machine-id-setup' && !args.some((a) => a.startsWith('--root') || a === '--print')) {
        out.push({ baked: true, loc: c.loc, what: text });
      } else if (c.name === 'dbus-uuidgen' && args.some((a) => a === `--ensure=${MACHINE_ID}` || a === '--ensure')) {
        out.push({ baked: true, loc: c.loc, what: text });
      } else if (toId && (c.name === 'echo' || c.name === 'printf')) {
        const payload = args.filter((a) => !/^-[neE]+$/.test(a)).join(' ').trim();
        out.push({ baked: payload !== '' && payload !== 'uninitialized' && payload !== "''" && payload !== '""', loc: c.loc, what: `${text} > ${MACHINE_ID}` });
      } else if (toId) {
        // `: > /etc/machine-id`, `cat /dev/null > ...`, `true > ...`
        out.push({ baked: false, loc: c.loc, what: `${text} > ${MACHINE_ID}` });
      } else if ((c.name === 'truncate' || c.name === 'rm') && args.includes(MACHINE_ID)) {
        out.push({ baked: false, loc: c.loc, what: text });
      }
    }
  } else if (doc.format === 'cloud-config') {
    const wf = get(doc.model.root, 'write_files');
    if (isSeq(wf)) {
      for (const item of wf.items) {
        if (str(get(item, 'path')) !== MACHINE_ID) continue;
        const content = (str(get(item, 'content')) ?? '').trim();
        out.push({ baked: content !== '' && content !== 'uninitialized', loc: get(item, 'path')!.loc, what: `write_files ${MACHINE_ID}` });
      }
    }
  }
  return out;
}

/** The image's last word on /etc/machine-id: baked (non-empty), or undefined. */
export function bakedMachineId(img: NodeImage): MachineIdEvent | undefined {
  let last: MachineIdEvent | undefined;
  for (const doc of img.documents) for (const e of eventsOf(doc)) last = e;
  const f = img.files.get(MACHINE_ID);
  if (!last && f?.text !== undefined && f.text.trim() !== '' && f.text.trim() !== 'uninitialized' && f.loc) {
    last = { baked: true, loc: f.loc, what: `a write of ${MACHINE_ID}` };
  }
  return last?.baked ? last : undefined;
}

export default defineRule<Record<string, never>>({
  meta: {
    id: 'FL204',
    name: 'fixed-random-delay-shared-machine-id',
    title: 'FixedRandomDelay with a machine-id baked into the image: every node picks the same delay',
    family: 'schedule',
    severity: 'warning',
    description:
      'An update or reboot timer with `FixedRandomDelay=yes` in a node image that writes one non-empty `/etc/machine-id` for every node (`systemd-machine-id-setup`, `dbus-uuidgen --ensure`, `echo <id> > /etc/machine-id`, a cloud-init `write_files` entry). systemd derives the fixed delay from the machine-id and the timer name, so every node computes the same delay and `RandomizedDelaySec=` spreads nothing.',
    rationale:
      'On 2023-03-08 every node\'s update timer fired within the same 06:00–07:00 UTC hour and a systemd update took tens of thousands of nodes offline at once. A randomized delay is the last line of spread for in-place updates; with a shared machine-id it silently becomes one fleet-wide instant.',
    remediation:
      'Clear the machine-id at the end of the image build (`truncate -s 0 /etc/machine-id`, and remove /var/lib/dbus/machine-id) so each node generates its own at first boot, or drop `FixedRandomDelay=`.',
    formats: ['systemd-unit', 'shell', 'cloud-config', 'packer', 'terraform'],
    scope: 'scan',
    messages: {
      shared:
        '{unit} ({action}) has FixedRandomDelay=yes, but {image} bakes one machine-id into every node ({what}, {where}): every node computes the same delay, so RandomizedDelaySec={delay} spreads nothing.',
    },
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    defaultOptions: {},
    tags: ['schedule', 'systemd', 'node-image'],
    docs: 'docs/rules/fixed-random-delay-shared-machine-id.md',
  },
  checkScan(ctx) {
    const seen = new Set<string>();
    for (const img of nodeImages(ctx.scan)) {
      if (img.kind === 'dockerfile') continue;
      const timers = img.timers.filter((t) => t.enabled && (t.action === 'install' || t.action === 'reboot')).map(timerSettings).filter((t) => t.fixedRandomDelay && t.fixedRandomDelayLoc);
      if (!timers.length) continue;
      const baked = bakedMachineId(img);
      if (!baked) continue;
      for (const t of timers) {
        const loc = t.fixedRandomDelayLoc!;
        const key = `${loc.file}|${loc.start}|${baked.loc.file}|${baked.loc.start}`;
        if (seen.has(key)) continue;
        seen.add(key);
        ctx.report({
          messageId: 'shared',
          data: { unit: t.unit, action: t.action, image: describeImage(img), what: baked.what, where: at(ctx.scan, baked.loc), delay: formatSpan(t.randomizedDelaySec) },
          loc,
          resource: t.unit,
          related: [
            { loc: baked.loc, message: `${MACHINE_ID} is written with one value for every node here` },
            { loc: img.loc, message: `${describeImage(img)}` },
          ],
          key: `${img.name}|${t.unit}`,
        });
      }
    }
  },
});
