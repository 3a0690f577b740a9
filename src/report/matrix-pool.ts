/**
 * The matrix on several cores (`mnc matrix --jobs N`): worker threads each run one job at a time
 * (matrix-worker.ts); rows come back as plain data, in the order of the jobs whatever order they
 * finish in. A signal stops every running job (it ends `interrupted`) and leaves the rest not run.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MatrixJob, MatrixRow, MatrixRunOptions } from './matrix.ts';

/** The ESM entry of tsx's loader API, for workers of a run from the TypeScript sources. */
function tsxApi(): string {
  const req = createRequire(import.meta.url);
  const pkgPath = req.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
}

function spawn(data: unknown): Worker {
  const here = import.meta.url;
  // Compiled (dist/): the worker is JavaScript too.
  if (here.endsWith('.js')) return new Worker(new URL('./matrix-worker.js', here), { workerData: data });
  // From the sources (tsx, the test runner): register tsx's loader in the worker, then load it.
  const worker = new URL('./matrix-worker.ts', here).href;
  return new Worker(`import(${JSON.stringify(tsxApi())}).then(({ register }) => { register(); return import(${JSON.stringify(worker)}); });`, { eval: true, workerData: data });
}

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
      const w = spawn({ options: o, traces, stop });
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
