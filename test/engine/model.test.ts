import { describe, expect, it } from 'vitest';
import { get, getEntry, type MapValue, type SeqValue, type Value } from '../../engine/model.js';
import type { Loc } from '../../engine/source.js';

const at = (start: number): Loc => ({ file: 'x.yaml', start, end: start + 1 });
const scalar = (value: string | number, start = 0): Value => ({ kind: 'scalar', value, loc: at(start) });
const map = (...entries: [string, Value][]): MapValue => ({ kind: 'map', loc: at(0), entries: entries.map(([key, value], i) => ({ key, keyLoc: at(i), value })) });
const seq = (...items: Value[]): SeqValue => ({ kind: 'seq', loc: at(0), items });

describe('value paths', () => {
  const containers = seq(map(['name', scalar('app')]), map(['name', scalar('proxy')]));
  const spec = map(['replicas', scalar(2, 1)], ['template', map(['containers', containers])]);
  // a key written twice: the last one wins, as in YAML 1.1 loaders and HCL objects
  const doc = map(['spec', spec], ['kind', scalar('Pod', 2)], ['kind', scalar('Deployment', 3)]);

  it('follows keys and sequence indexes', () => {
    expect(get(doc, 'spec', 'replicas')).toMatchObject({ value: 2 });
    expect(get(doc, 'spec', 'template', 'containers', 1, 'name')).toMatchObject({ value: 'proxy' });
    expect(get(doc)).toBe(doc);
  });

  it('takes the last of duplicated keys, in get and getEntry alike', () => {
    expect(get(doc, 'kind')).toMatchObject({ value: 'Deployment' });
    expect(getEntry(doc, 'kind')?.value).toBe(get(doc, 'kind'));
  });

  it('is undefined past a missing key, an index out of range, or a step into the wrong kind of value', () => {
    expect(get(doc, 'metadata', 'name')).toBeUndefined();
    expect(get(doc, 'spec', 'template', 'containers', 5)).toBeUndefined();
    expect(get(doc, 'spec', 'replicas', 'x')).toBeUndefined(); // a key into a scalar
    expect(get(doc, 'spec', 0)).toBeUndefined(); // an index into a map
    expect(get(doc, 'spec', 'template', 'containers', 'name')).toBeUndefined(); // a key into a sequence
    expect(get(undefined, 'spec')).toBeUndefined();
    // a hole or a null where a value should be (never produced by our scanners) is not a crash
    expect(get(seq(null as unknown as Value), 0, 'name')).toBeUndefined();
  });
});
