/**
 * A worker thread running a bench's own module as the bench's process runs it: through tsx's
 * loader, and, where bench/run.ts made the process import dist/ for src/ (bench/lib/use-dist.mjs),
 * with that too: node runs `--import` modules in the main thread only, so the worker registers
 * both itself before it loads the module (src/checker/workers.ts spawnModuleWorker registers tsx
 * alone).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { tsxApi } from '../../src/checker/workers.ts';

const USE_DIST = pathToFileURL(join(import.meta.dirname, 'use-dist.mjs')).href;

/** Whether this process imports dist/ for src/ (bench/lib/use-dist.mjs ran). */
export function fromDist(): boolean {
  return (globalThis as { mncBenchFromDist?: boolean }).mncBenchFromDist === true;
}

/** A worker running the module at `url` (a bench's `import.meta.url`) with `data` as its workerData. */
export function spawnBenchWorker(url: string, data: unknown): Worker {
  const steps = [`import(${JSON.stringify(tsxApi())}).then(({ register }) => register())`];
  if (fromDist()) steps.push(`import(${JSON.stringify(USE_DIST)})`);
  steps.push(`import(${JSON.stringify(url)})`);
  return new Worker(steps.reduce((chain, step) => `${chain}.then(() => ${step})`, 'Promise.resolve()') + ';', { eval: true, workerData: data });
}
