/**
 * The groups a file's documents are read in beside other files of their directory: systemd units
 * with their drop-ins (the schedule facts group a directory's units, and a `<unit>.d/` directory's
 * drop-ins with them) and update-agent configuration files (grouped by the directory above theirs).
 * A changed-files scan leaves a loose file unread only if no file it reads groups with it has been
 * read (engine/facts/loose-files.ts, engine/parse-session.ts), so this must group as the schedule
 * facts do (engine/facts/schedules.ts uses it).
 */
import type { Document } from '../model.js';
import { dirOf } from './kubernetes.js';

/** The unit or agent group of a root document (embedded documents group within their root file). */
export function groupContexts(doc: Document): string[] {
  if (doc.origin) return [];
  if (doc.format === 'systemd-unit') {
    const d = dirOf(doc.file);
    return [`unit:${doc.model.dropInFor ? dirOf(d) : d}`];
  }
  if (doc.format === 'keyvalue') return [`agent:${dirOf(dirOf(doc.file))}`];
  return [];
}
