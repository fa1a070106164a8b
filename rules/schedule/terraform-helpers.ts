/**
 * Small readers of Terraform blocks shared by the rollout-width rules of this family.
 */
import { str, type HclBlock } from '../../engine/model.js';

export function attr(b: HclBlock, name: string) {
  return b.body.attributes.find((a) => a.name === name);
}

/** A numeric attribute, when it is a literal (or resolves to one). */
export function num(b: HclBlock, name: string): number | undefined {
  const s = str(attr(b, name)?.value);
  const n = s === undefined || s === '' ? NaN : Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** `resource "<type>" ...` blocks of a Terraform document. */
export function resources(doc: { model: { body: { blocks: HclBlock[] } } }, type: string): HclBlock[] {
  return doc.model.body.blocks.filter((b) => b.type === 'resource' && b.labels[0] === type);
}

export function blocksOf(b: HclBlock, type: string): HclBlock[] {
  return b.body.blocks.filter((x) => x.type === type);
}
