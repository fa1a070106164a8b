/**
 * CDKTF synthesized output (`cdktf.out/stacks/<stack>/cdk.tf.json`) related back to the app.
 *
 * The HCL scanner parses the synthesized JSON like any `.tf.json` and keeps each resource/data
 * block's `"//".metadata.path` as `HclBlock.constructPath` (`<stack id>/<construct id>`). When the
 * same scan holds the app's TypeScript, the CDKTF link calls `relateSynthesized`: the stack id is
 * found through the stack instantiations (`new Us1Stack(app, 'us1')` → class `Us1Stack`), the
 * construct id is the path's last segment, and a block whose (block kind, Terraform type, stack
 * class, construct id) names exactly one construct gets `sourceLoc` = that `new C(this, 'id', …)`.
 * Constructs nested in user-defined construct classes (paths with more than two segments) and
 * stacks whose instantiation is not in the scan are matched only when (kind, type, id) is unique
 * across the app. Nothing is guessed when that is ambiguous.
 */
import type { Document, HclBlock } from '../../engine/model.js';
import type { Loc } from '../../engine/source.js';

/** A construct found in the TypeScript sources: its block and the stack module it belongs to. */
export interface SourceConstruct {
  /** `moduleDir` of the document the construct's block was added to. */
  moduleDir: string;
  block: HclBlock;
}

/** Terraform JSON blocks of the scan that carry a construct path. */
function synthesizedBlocks(documents: readonly Document[]): HclBlock[] {
  const out: HclBlock[] = [];
  for (const d of documents) {
    if (d.format !== 'terraform' || d.origin || d.model.syntax !== 'json') continue;
    for (const b of d.model.body.blocks) if (b.constructPath) out.push(b);
  }
  return out;
}

/**
 * Set `sourceLoc` on synthesized blocks. `stacks` maps a stack id (the `id` argument of a stack
 * class instantiation) to the `moduleDir`s of the stack classes instantiated with it.
 */
export function relateSynthesized(documents: readonly Document[], constructs: readonly SourceConstruct[], stacks: ReadonlyMap<string, ReadonlySet<string>>): void {
  for (const b of synthesizedBlocks(documents)) {
    const segs = b.constructPath!.split('/');
    if (segs.length < 2) continue;
    const id = segs[segs.length - 1];
    const candidates = constructs.filter((c) => c.block.type === b.type && c.block.labels[0] === b.labels[0] && c.block.labels[1] === id);
    const modules = stacks.get(segs[0]);
    let pick: SourceConstruct | undefined;
    if (modules) {
      const scoped = candidates.filter((c) => modules.has(c.moduleDir));
      if (scoped.length === 1) pick = scoped[0];
      else if (scoped.length === 0 && segs.length > 2 && candidates.length === 1) pick = candidates[0];
    } else if (candidates.length === 1) pick = candidates[0];
    if (pick) b.sourceLoc = pick.block.loc;
  }
}

/**
 * The synthesized top-level block (with a construct path) that contains `loc`, if any: what a
 * finding in a `cdk.tf.json` is about. For the engine to relate findings to their construct.
 */
export function synthesizedBlockAt(documents: readonly Document[], loc: Loc): HclBlock | undefined {
  for (const b of synthesizedBlocks(documents)) {
    if (b.loc.file === loc.file && b.loc.start <= loc.start && loc.end <= b.loc.end) return b;
  }
  return undefined;
}
