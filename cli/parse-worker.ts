/**
 * The parse worker module (a tinypool worker thread, `--jobs N`): the engine's parse task bound to
 * the built-in scanners. The engine gets this module's path from the CLI, so it never imports a
 * scanner itself.
 */
import { runParseTask, type ParseTask, type ParseTaskResult } from '../engine/parse-task.js';
import { allScanners } from '../scanners/index.js';

export default function parseTask(task: ParseTask): Promise<ParseTaskResult[]> {
  return runParseTask(task, allScanners);
}
