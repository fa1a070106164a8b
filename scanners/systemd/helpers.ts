/**
 * Pure helpers over `UnitModel` for rules (the lead may mirror them in engine helpers).
 *
 * Section and key names are case-sensitive in systemd. Values are raw.
 */
import type { UnitEntry, UnitModel, UnitSection } from '../../engine/model.js';

/** Every section called `section`, in file order (a unit may repeat a section). */
export function unitSections(model: UnitModel, section: string): UnitSection[] {
  return model.sections.filter((s) => s.name === section);
}

/** Every assignment of `key` in sections called `section`, in file order, empty ones included. */
export function unitEntries(model: UnitModel, section: string, key: string): UnitEntry[] {
  const out: UnitEntry[] = [];
  for (const s of model.sections) if (s.name === section) for (const e of s.entries) if (e.key === key) out.push(e);
  return out;
}

/**
 * Effective entries of a list-valued setting (`ExecStart=`, `OnCalendar=`, `Address=`...): an
 * empty assignment resets the list, so only the non-empty entries after the last empty one count.
 * Pass several models (unit first, then drop-ins in the order systemd applies them) to fold a
 * unit with its drop-ins. `reset` is true when an empty assignment cleared earlier values (or
 * values from files before these).
 */
export function unitValues(
  models: UnitModel | readonly UnitModel[],
  section: string,
  key: string,
): { entries: UnitEntry[]; reset: boolean } {
  const list = Array.isArray(models) ? (models as readonly UnitModel[]) : [models as UnitModel];
  let entries: UnitEntry[] = [];
  let reset = false;
  for (const m of list) {
    for (const e of unitEntries(m, section, key)) {
      if (e.value === '') {
        entries = [];
        reset = true;
      } else entries.push(e);
    }
  }
  return { entries, reset };
}

/**
 * Effective entry of a single-valued setting: the last assignment wins. Returns the empty
 * assignment itself when the last one is empty (meaning "back to the default").
 */
export function unitValue(models: UnitModel | readonly UnitModel[], section: string, key: string): UnitEntry | undefined {
  const list = Array.isArray(models) ? (models as readonly UnitModel[]) : [models as UnitModel];
  let last: UnitEntry | undefined;
  for (const m of list) {
    const es = unitEntries(m, section, key);
    if (es.length) last = es[es.length - 1];
  }
  return last;
}

/** systemd's boolean parsing (parse_boolean): 1/yes/y/true/t/on and 0/no/n/false/f/off. */
export function unitBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(v)) return true;
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(v)) return false;
  return undefined;
}
