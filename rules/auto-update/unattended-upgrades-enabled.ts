/**
 * FL101 unattended-upgrades-enabled: the effective configuration of a node image runs
 * unattended-upgrades (the legacy security auto-update channel behind the 2023-03-08 outage).
 */
import { defineRule, type RelatedLocation } from '../../engine/rule-api.js';
import {
  aptTruthy,
  aptValue,
  at,
  cniFor,
  cniRelated,
  describeCni,
  describeOs,
  describeRegions,
  reportableImages,
  type NodeImage,
} from '../../engine/facts/node-image.js';
import type { ScanModel } from '../../engine/scan-model.js';

function chainRelated(scan: ScanModel, img: NodeImage): RelatedLocation[] {
  const out: RelatedLocation[] = [];
  const v = img.unattendedUpgrades;
  const decisive = v.unattendedUpgrade?.loc;
  if (decisive) {
    const f = [...img.files.values()].find((x) => x.doc && x.doc.file === decisive.file && x.doc.loc.start <= decisive.start && decisive.end <= x.doc.loc.end);
    if (f) {
      for (const c of f.chain) out.push({ loc: c, message: `puts this file on the way to ${f.path}` });
      if (f.loc && f.loc.file !== decisive.file) out.push({ loc: f.loc, message: `writes ${f.path}` });
    }
  }
  out.push(...v.related);
  for (const [unit, acts] of img.units) {
    if (!/^(unattended-upgrades|apt-daily-upgrade|apt-daily)\./.test(unit)) continue;
    for (const a of acts) if (a.verb === 'stop' || a.verb === 'restart' || a.verb === 'start')
      out.push({ loc: a.loc, message: `\`systemctl ${a.verb} ${unit}\` only affects the running build machine; apt-daily-upgrade.timer still starts unattended-upgrades on every node` });
  }
  const timer = img.timers.find((t) => t.unit === 'apt-daily-upgrade.timer');
  if (timer && !timer.stock) for (const c of timer.onCalendar) if (c.loc) out.push({ loc: c.loc, message: `apt-daily-upgrade.timer fires at ${c.expr}` });
  return out;
}

export default defineRule<{ severityWithoutCni: 'error' | 'warning' | 'info' }>({
  meta: {
    id: 'FL101',
    name: 'unattended-upgrades-enabled',
    title: 'unattended-upgrades is effectively enabled on a node image',
    family: 'auto-update',
    severity: 'error',
    description:
      'Replays everything written into a node image (Packer file and shell provisioners, `mv`/`cp`, heredocs, cloud-init `write_files` in Terraform `user_data`, overlay files) and folds apt.conf.d the way apt does (lexical order, last assignment wins, `#clear`). Reports when unattended-upgrades will run: the package is present (installed, or the Ubuntu base default), `APT::Periodic::Unattended-Upgrade` is not "0", `APT::Periodic::Enable` is not "0", and `apt-daily-upgrade.timer` is neither masked nor disabled. An apt.conf fragment scanned on its own that sets `APT::Periodic::Unattended-Upgrade` to a non-zero value is evidence on its own.',
    rationale:
      'On 2023-03-08 unattended-upgrades, left on in an Ubuntu 22.04 node image, installed a systemd security update at 06:00 UTC on tens of thousands of Kubernetes nodes at once; systemd-networkd restarted, deleted the routes Cilium had installed, and five regions went offline together (Datadog postmortem). An update channel that acts on every node at the same time bypasses staged rollouts and turns one bad package into a global outage.',
    remediation:
      'In the image, write a later-sorting apt.conf.d file (e.g. `/etc/apt/apt.conf.d/99-no-auto-upgrades`) with `APT::Periodic::Unattended-Upgrade "0";`, or mask `apt-daily-upgrade.timer` and `apt-daily.timer`, or purge the unattended-upgrades package; ship updates by rebuilding the image and rolling it out region by region. `systemctl stop unattended-upgrades` is not enough: it only stops the service on the build machine.',
    formats: ['packer', 'terraform', 'apt-conf', 'shell', 'cloud-config', 'dockerfile', 'systemd-unit'],
    scope: 'scan',
    messages: {
      enabled:
        'unattended-upgrades is enabled on {image} ({os}): {reason}. It will install updates on every node in {regions} within the same window ({window}), outside your rollout process{chain}.',
      standalone:
        'This apt configuration turns unattended-upgrades on ({key} "{value}"): every machine that gets it installs updates on its own daily schedule, all at once, outside your rollout process.',
      periodicOnly:
        'This apt configuration switches periodic apt runs on (APT::Periodic::Enable "{value}") and configures unattended-upgrades; whether the channel runs depends on APT::Periodic::Unattended-Upgrade elsewhere (unknown here).',
    },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        severityWithoutCni: {
          enum: ['error', 'warning', 'info'],
          default: 'error',
          description: 'Severity when no CNI that programs routes is known to run on the image (the channel still updates every node at once).',
        },
      },
    },
    defaultOptions: { severityWithoutCni: 'error' },
    tags: ['ubuntu', 'debian', 'unattended-upgrades', 'packer', 'cloud-init'],
    docs: 'docs/rules/unattended-upgrades-enabled.md',
  },
  checkScan(ctx) {
    const scan = ctx.scan;
    const images = reportableImages(scan, (img) => (img.unattendedUpgrades.state === 'enabled' ? (img.unattendedUpgrades.decisive ?? 'stock') : undefined));
    for (const img of images) {
      const v = img.unattendedUpgrades;
      const uu = v.unattendedUpgrade;
      if (img.kind === 'file') {
        ctx.report({
          messageId: 'standalone',
          data: { key: 'APT::Periodic::Unattended-Upgrade', value: uu?.value ?? '' },
          loc: uu!.loc!,
          resource: 'APT::Periodic::Unattended-Upgrade',
          document: img.documents[0],
        });
        continue;
      }
      const cni = cniFor(scan, img);
      const networkd = img.os?.networkd === true;
      const chain =
        cni.length && networkd
          ? `; when it installs a systemd update it will restart systemd-networkd, which will delete routes installed by ${describeCni(scan, cni)}`
          : cni.length && !img.os
            ? `; the base OS is unknown, so whether a systemd update would restart systemd-networkd under ${describeCni(scan, cni)} is unknown`
            : '';
      const timer = img.timers.find((t) => t.unit === 'apt-daily-upgrade.timer');
      const window = timer
        ? `${timer.onCalendar.map((c) => c.expr).join(', ') || 'no calendar'}${timer.randomizedDelaySec ? ` + up to ${timer.randomizedDelaySec.value} random delay` : ''}${timer.stock ? ', the stock timer' : ''}`
        : 'the daily apt timer';
      const related = chainRelated(scan, img);
      if (cni.length && networkd) related.push(...cniRelated(cni));
      const severity = cni.length ? undefined : ctx.options.severityWithoutCni;
      ctx.report({
        messageId: 'enabled',
        data: { image: img.name, os: describeOs(img.os), reason: v.reason, regions: describeRegions(img), window, chain },
        loc: v.decisive ?? img.loc,
        resource: img.name,
        resourceLoc: v.decisive ? undefined : img.blockLoc,
        related: dedupe([...(v.decisive ? [{ loc: img.loc, message: `node image ${img.name}` }] : []), ...related]),
        key: img.id,
        severity: severity === 'error' ? undefined : severity,
      });
    }
    // a loose apt fragment that forces periodic runs on and configures unattended-upgrades
    for (const img of reportableImages(scan, (i) => (i.kind === 'file' && i.unattendedUpgrades.state !== 'enabled' ? 'stock' : undefined), ['file'])) {
      const en = aptValue(img.apt, 'APT::Periodic::Enable');
      if (!en?.loc || aptTruthy(en.value) !== true || img.unattendedUpgrades.unattendedUpgrade) continue;
      if (!img.apt.some((a) => /^unattended-upgrade::/i.test(a.key))) continue;
      ctx.report({ messageId: 'periodicOnly', data: { value: en.value }, loc: en.loc, resource: 'APT::Periodic::Enable', severity: 'warning', document: img.documents[0] });
    }
  },
});

function dedupe(r: RelatedLocation[]): RelatedLocation[] {
  const seen = new Set<string>();
  return r.filter((x) => {
    const k = `${x.loc.file}:${x.loc.start}:${x.loc.end}`;
    return !seen.has(k) && (seen.add(k), true);
  });
}
