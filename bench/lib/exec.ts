/**
 * A process run from a bench, without blocking (runs can go side by side): its output (standard
 * output and error together), its exit status and its wall-clock seconds. bench/lib holds helpers
 * of the benches: bench/run.ts runs only the files directly in bench/.
 */
import { spawn } from 'node:child_process';

export interface Executed {
  readonly out: string;
  readonly status: number | null;
  readonly seconds: number;
}

/** Run `cmd` with `args` in `cwd`; rejects when it cannot start, or exits non-zero unless `mayFail`. */
export function exec(cmd: string, args: readonly string[], opts: { readonly cwd?: string; readonly mayFail?: boolean } = {}): Promise<Executed> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, opts.cwd === undefined ? {} : { cwd: opts.cwd });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (status) => {
      if (!opts.mayFail && status !== 0) reject(new Error(`${cmd} ${args.join(' ')} failed (${status}):\n${out}`));
      else resolve({ out, status, seconds: (performance.now() - t0) / 1000 });
    });
  });
}
