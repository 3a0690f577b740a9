/**
 * Starting a worker thread on one of this directory's worker modules, compiled or from the sources.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** The ESM entry of tsx's loader API, for workers of a run from the TypeScript sources. */
function tsxApi(): string {
  const req = createRequire(import.meta.url);
  const pkgPath = req.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
}

/** A worker running `src/report/<name>.ts` (or dist's `.js`) with `data` as its `workerData`. */
export function spawnWorker(name: 'matrix-worker' | 'forecast-worker', data: unknown): Worker {
  const here = import.meta.url;
  // Compiled (dist/): the worker is JavaScript too.
  if (here.endsWith('.js')) return new Worker(new URL(`./${name}.js`, here), { workerData: data });
  // From the sources (tsx, the test runner): register tsx's loader in the worker, then load it.
  const worker = new URL(`./${name}.ts`, here).href;
  return new Worker(`import(${JSON.stringify(tsxApi())}).then(({ register }) => { register(); return import(${JSON.stringify(worker)}); });`, { eval: true, workerData: data });
}
