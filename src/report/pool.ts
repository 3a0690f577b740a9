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
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, Worker, workerData } from 'node:worker_threads';

/** The ESM entry of tsx's loader API, for workers of a run from the TypeScript sources. */
function tsxApi(): string {
  const req = createRequire(import.meta.url);
  const pkgPath = req.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
}

/**
 * A worker running this directory's module `module` (dist's `.js`, or the `.ts` source through tsx's
 * loader) with `data` as its `workerData`: the pool's, and forecast-job.ts's one-off worker.
 */
export function spawnWorker(module: string, data: unknown): Worker {
  const here = import.meta.url;
  // Compiled (dist/): the worker is JavaScript too.
  if (here.endsWith('.js')) return new Worker(new URL(`./${module}.js`, here), { workerData: data });
  // From the sources (tsx, the test runner): register tsx's loader in the worker, then load it.
  const worker = new URL(`./${module}.ts`, here).href;
  return new Worker(`import(${JSON.stringify(tsxApi())}).then(({ register }) => { register(); return import(${JSON.stringify(worker)}); });`, { eval: true, workerData: data });
}

/** An error a worker threw, as it posts it back: the main thread rethrows it with this name. */
export interface WorkerErrorData {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
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
    const finish = (): void => {
      if (workers.size) return;
      signal?.removeEventListener('abort', onAbort);
      resolve(results);
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
    if (!jobs.length) return resolve([]);
    for (let k = 0; k < count; k++) {
      const w = spawnWorker(module, { ...data, stop });
      const slot = { i: -1 };
      workers.add(w);
      w.on('message', (m: { result?: R; error?: WorkerErrorData }) => {
        if (m.error) {
          const e = new Error(m.error.message);
          e.name = m.error.name;
          e.stack = m.error.stack;
          return fail(e);
        }
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
      const err = e as Error;
      // The class's name: the model's error classes (ScenarioError, DeclareError) do not set `name`.
      parentPort!.postMessage({ error: { name: err.constructor?.name ?? err.name, message: err.message, stack: err.stack ?? '' } });
    }
  });
}
