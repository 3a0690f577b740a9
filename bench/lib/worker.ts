/**
 * A worker thread running a bench's own module as the bench's process runs it: through tsx's
 * loader, and, where bench/run.ts made the process import dist/ for src/ (bench/lib/use-dist.mjs),
 * with that too (node runs `--import` modules on the main thread only, so the worker imports it
 * itself: spawnModuleWorker's `preload`).
 */
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../../src/checker/workers.ts';

const USE_DIST = pathToFileURL(join(import.meta.dirname, 'use-dist.mjs')).href;

/** Whether this process imports dist/ for src/ (bench/lib/use-dist.mjs ran). */
export function fromDist(): boolean {
  return (globalThis as { mncBenchFromDist?: boolean }).mncBenchFromDist === true;
}

/** A worker running the bench module at `url` (its `import.meta.url`) with `data` as its workerData. */
export function spawnBenchWorker(url: string, data: unknown): Worker {
  return spawnModuleWorker(url, basename(fileURLToPath(url), '.ts'), data, fromDist() ? [USE_DIST] : []);
}
