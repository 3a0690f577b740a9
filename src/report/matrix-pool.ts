/**
 * The matrix on several cores (`mnc matrix --jobs N`): worker threads each run one job at a time
 * (matrix-worker.ts); rows come back as plain data, in the order of the jobs whatever order they
 * finish in. A signal stops every running job (it ends `interrupted`) and leaves the rest not run.
 */
import type { Worker } from 'node:worker_threads';
import type { MatrixJob, MatrixRow, MatrixRunOptions } from './matrix.ts';
import { spawnWorker } from './worker.ts';

export interface PoolResult {
  /** The rows of the jobs that ran, in job order. */
  readonly rows: readonly MatrixRow[];
  /** The jobs a signal stopped before they started. */
  readonly notRun: readonly MatrixJob[];
}

/** Run `jobs` on `n` worker threads. `onRow` reports each row as it arrives. */
export function computeMatrixParallel(
  jobs: readonly MatrixJob[],
  o: MatrixRunOptions,
  n: number,
  traces: boolean,
  onRow: (r: MatrixRow) => void = () => {},
  signal?: AbortSignal,
): Promise<PoolResult> {
  const stop = new SharedArrayBuffer(4);
  const flag = new Int32Array(stop);
  const rows: (MatrixRow | undefined)[] = new Array(jobs.length);
  let next = 0;
  let stopped = false;
  return new Promise((resolve, reject) => {
    const workers = new Set<Worker>();
    let failed = false;
    const finish = (): void => {
      if (workers.size) return;
      signal?.removeEventListener('abort', onAbort);
      resolve({ rows: rows.filter((r): r is MatrixRow => r !== undefined), notRun: jobs.filter((_, i) => rows[i] === undefined) });
    };
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      Atomics.store(flag, 0, 1);
      for (const w of workers) void w.terminate();
      workers.clear();
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    };
    const onAbort = (): void => {
      stopped = true;
      Atomics.store(flag, 0, 1);
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort);
    const feed = (w: Worker, slot: { i: number }): void => {
      if (stopped || next >= jobs.length) {
        workers.delete(w);
        void w.terminate().then(finish, finish);
        return;
      }
      slot.i = next++;
      w.postMessage(jobs[slot.i]);
    };
    const count = Math.max(1, Math.min(n, jobs.length));
    if (!jobs.length) return resolve({ rows: [], notRun: [] });
    for (let k = 0; k < count; k++) {
      const w = spawnWorker('matrix-worker', { options: o, traces, stop });
      const slot = { i: -1 };
      workers.add(w);
      w.on('message', (m: { row?: MatrixRow; error?: { name: string; message: string; stack: string } }) => {
        if (m.error) {
          const e = new Error(m.error.message);
          e.stack = m.error.stack;
          return fail(e);
        }
        rows[slot.i] = m.row!;
        onRow(m.row!);
        feed(w, slot);
      });
      w.on('error', (e) => fail(e));
      w.on('exit', (code) => {
        if (workers.has(w) && !failed) fail(new Error(`a matrix worker thread exited with code ${code} before its job was done`));
      });
      feed(w, slot);
    }
  });
}
