/**
 * Runs on several cores: worker threads (a worker module of this directory: matrix-worker.ts,
 * compare-worker.ts) each run one job at a time and post its result back as plain data; the
 * results come back in the order of the jobs, whatever order they finish in. A signal stops every
 * running job (the engine sees the shared flag as an aborted signal: the run ends `interrupted`)
 * and leaves the rest not run.
 *
 * A worker module reads `workerData` ({ ...data, stop }) and answers each job it is sent with
 * `{ result }` or `{ error: { name, message, stack } }` (see `serveJobs`).
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { scavengeAlone } from '../checker/scavenger.ts';
import { errorFromWorker, spawnModuleWorker, workerErrorData, type WorkerErrorData } from '../checker/workers.ts';

/**
 * A worker running this directory's module `module` (dist's `.js`, or the `.ts` source through tsx's
 * loader) with `data` as its `workerData`: the pool's, and forecast-job.ts's one-off worker.
 */
export function spawnWorker(module: string, data: unknown): Worker {
  return spawnModuleWorker(import.meta.url, module, data);
}

/**
 * Run `jobs` on `n` threads of the worker module `module` (its name in this directory, without
 * extension), each given `data`. `onResult` reports each result as it arrives, with its job's index.
 * Resolves with the results by job index (undefined: a signal stopped the job before it started);
 * rejects with the first error a job threw (its `name` kept, so that the caller can tell bad input
 * from a bug).
 */
export function runInWorkers<J, R>(
  module: string,
  jobs: readonly J[],
  data: Record<string, unknown>,
  n: number,
  onResult: (r: R, index: number) => void = () => {},
  signal?: AbortSignal,
): Promise<(R | undefined)[]> {
  const stop = new SharedArrayBuffer(4);
  const flag = new Int32Array(stop);
  const results: (R | undefined)[] = new Array(jobs.length).fill(undefined);
  let next = 0;
  let stopped = false;
  return new Promise((resolve, reject) => {
    const workers = new Set<Worker>();
    let failed = false;
    // Set once the workers start: `count` isolates exploring at once (src/checker/scavenger.ts).
    let endScavenge = (): void => {};
    const finish = (): void => {
      if (workers.size) return;
      endScavenge();
      signal?.removeEventListener('abort', onAbort);
      resolve(results);
    };
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      endScavenge();
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
    if (!jobs.length) return resolve([]);
    endScavenge = scavengeAlone(count);
    for (let k = 0; k < count; k++) {
      const w = spawnWorker(module, { ...data, stop });
      const slot = { i: -1 };
      workers.add(w);
      w.on('message', (m: { result?: R; error?: WorkerErrorData }) => {
        if (m.error) return fail(errorFromWorker(m.error));
        results[slot.i] = m.result!;
        onResult(m.result!, slot.i);
        feed(w, slot);
      });
      w.on('error', (e) => fail(e));
      w.on('exit', (code) => {
        if (workers.has(w) && !failed) fail(new Error(`a ${module} thread exited with code ${code} before its job was done`));
      });
      feed(w, slot);
    }
  });
}

/**
 * The worker side: answer every job with `run(job, data, signal)`, where `signal` is the pool's
 * stop flag seen as an aborted signal (the engine only reads `aborted`, src/checker/explorer.ts).
 */
export function serveJobs<J, R, D>(run: (job: J, data: D, signal: AbortSignal) => R): void {
  const data = workerData as D & { readonly stop: SharedArrayBuffer };
  const flag = new Int32Array(data.stop);
  const signal = {
    get aborted(): boolean {
      return Atomics.load(flag, 0) === 1;
    },
  } as AbortSignal;
  parentPort!.on('message', (job: J) => {
    try {
      parentPort!.postMessage({ result: run(job, data, signal) });
    } catch (e) {
      parentPort!.postMessage({ error: workerErrorData(e) });
    }
  });
}
