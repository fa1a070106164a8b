/**
 * EC2 Image Builder (AWSTOE) component documents: `phases[].steps[]`.
 *
 * - `ExecuteBash`: each `inputs.commands[]` item → shell.
 * - `CreateFile` / `AppendFile`: each input's `content` → embedded with `targetPath` = `path`.
 * Every other action stays in the value tree.
 */
import type { Document, MapValue, Value } from '../../engine/model.js';
import { get, isMap, isScalar, isSeq, items, str } from '../../engine/model.js';
import type { ParseContext } from '../../engine/scanner-api.js';
import { commandText, embed, scalarText } from './util.js';

export function looksLikeImageBuilder(root: Value | undefined): root is MapValue {
  return isMap(root) && get(root, 'schemaVersion') !== undefined && isSeq(get(root, 'phases'));
}

export function embedImageBuilder(doc: Document, root: MapValue, ctx: ParseContext): void {
  items(get(root, 'phases')).forEach((phase, pi) => {
    const phaseName = str(get(phase, 'name')) ?? String(pi);
    items(get(phase, 'steps')).forEach((step, si) => {
      if (!isMap(step)) return;
      const action = str(get(step, 'action')) ?? '';
      const stepName = str(get(step, 'name')) ?? String(si);
      const where = `phases[${phaseName}].steps[${stepName}]`;
      const inputs = get(step, 'inputs');
      if (action === 'ExecuteBash') {
        items(get(inputs, 'commands')).forEach((cmd, ci) => {
          const t = commandText(cmd, ctx);
          if (!t || t.text.trim() === '') return;
          embed(doc, ctx, {
            text: t.text,
            map: t.map,
            format: 'shell',
            via: 'imagebuilder-step',
            loc: cmd.loc,
            label: `${where} ExecuteBash commands[${ci}]`,
          });
        });
      } else if (action === 'CreateFile' || action === 'AppendFile') {
        const files = isSeq(inputs) ? inputs.items : isMap(inputs) ? [inputs] : [];
        files.forEach((f, fi) => {
          const path = str(get(f, 'path'));
          const content = get(f, 'content');
          if (!path || !isScalar(content) || content.value === null) return;
          const t = scalarText(content, ctx);
          embed(doc, ctx, {
            text: t.text,
            map: t.map,
            via: 'imagebuilder-step',
            loc: isMap(f) ? f.loc : content.loc,
            targetPath: path,
            label: `${where} ${action} inputs[${fi}] (${path})`,
          });
        });
      }
    });
  });
}
