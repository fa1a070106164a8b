import { Writable } from 'node:stream';
import { run } from '../../cli/run.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process with captured output. */
export async function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const mk = (fn: (s: string) => void) =>
    new Writable({
      write(chunk, _e, cb) {
        fn(String(chunk));
        cb();
      },
    });
  const code = await run(args, { stdout: mk((s) => (stdout += s)), stderr: mk((s) => (stderr += s)), env, cwd });
  return { code, stdout, stderr };
}
