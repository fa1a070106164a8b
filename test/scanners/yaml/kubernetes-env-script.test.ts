import { describe, expect, it } from 'vitest';
import { parseFiles } from '../../../engine/testing.js';
import { allScanners } from '../../../scanners/index.js';
import { at, src } from '../../helpers/embed-harness.js';

const DS = (command: string, env: string) =>
  `apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: upd\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: alpine\n          command:\n${command}          env:\n${env}`;
const ENV = '            - name: STARTUP_SCRIPT\n              value: |\n                dnf install -y dnf-automatic\n';

describe('Kubernetes container scripts taken from env', () => {
  it('embeds the env value run by `bash -c "${VAR}"` (through nsenter) as shell, mapped to the value', async () => {
    const cmd = '            - /bin/sh\n            - -c\n            - |\n              nsenter -t 1 -m -- bash -c "${STARTUP_SCRIPT}"\n';
    const r = await parseFiles(allScanners, { 'ds.yaml': DS(cmd, ENV) });
    const shells = r.documents.filter((d) => d.format === 'shell');
    expect(shells.map((d) => d.origin?.label)).toEqual(['DaemonSet/upd containers[0] (c) command', 'DaemonSet/upd containers[0] (c) env STARTUP_SCRIPT, run by sh -c']);
    const envDoc = shells[1];
    expect(envDoc.format === 'shell' && envDoc.model.commands.map((c) => `${c.name} ${at(r, c.loc)} ${src(r, c.loc)}`)).toEqual(['dnf 19:17-19:45 dnf install -y dnf-automatic']);
  });

  it('embeds `$(VAR)` that the kubelet substitutes into the command', async () => {
    const cmd = '            - bash\n            - -c\n            - $(STARTUP_SCRIPT)\n';
    const r = await parseFiles(allScanners, { 'ds.yaml': DS(cmd, ENV) });
    expect(r.documents.filter((d) => d.format === 'shell').map((d) => d.origin?.label)).toEqual(['DaemonSet/upd containers[0] (c) env STARTUP_SCRIPT, run by sh -c']);
  });

  it('near-misses: single-quoted (not expanded), an env var from a ConfigMap ref, a variable that is not run', async () => {
    const envRef = '            - name: STARTUP_SCRIPT\n              valueFrom:\n                configMapKeyRef: { name: x, key: y }\n';
    for (const [cmd, env] of [
      ["            - sh\n            - -c\n            - bash -c '${STARTUP_SCRIPT}'\n", ENV],
      ['            - sh\n            - -c\n            - bash -c "${STARTUP_SCRIPT}"\n', envRef],
      ['            - sh\n            - -c\n            - echo "${STARTUP_SCRIPT}"\n', ENV],
    ]) {
      const r = await parseFiles(allScanners, { 'ds.yaml': DS(cmd, env) });
      expect(r.documents.filter((d) => d.origin?.via === 'kubernetes-command').map((d) => d.origin?.label)).toEqual(['DaemonSet/upd containers[0] (c) command']);
    }
  });
});
