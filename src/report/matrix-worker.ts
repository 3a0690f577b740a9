/**
 * A worker thread of the parallel matrix (matrix-pool.ts): runs the jobs it is sent, one at a time,
 * and posts each row back. The pool stops it through a shared flag the engine reads as an aborted
 * signal (the run then ends `interrupted`, as `mnc check` does at Ctrl-C).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { matrixRow, type MatrixJob, type MatrixRunOptions } from './matrix.ts';

const data = workerData as { readonly options: MatrixRunOptions; readonly traces: boolean; readonly stop: SharedArrayBuffer };
const flag = new Int32Array(data.stop);
// The engine only reads `aborted` (src/checker/explorer.ts).
const signal = {
  get aborted(): boolean {
    return Atomics.load(flag, 0) === 1;
  },
} as AbortSignal;

parentPort!.on('message', (job: MatrixJob) => {
  try {
    parentPort!.postMessage({ row: matrixRow(job, { ...data.options, signal }, data.traces) });
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ error: { name: err.name, message: err.message, stack: err.stack ?? '' } });
  }
});
