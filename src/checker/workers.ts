/**
 * Worker threads from this package's own modules, whether it runs compiled (dist/, JavaScript) or
 * from the TypeScript sources (tsx, the test runner), and errors carried back from them.
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

/**
 * The module `name` (a path without extension, relative to the directory of `base`, a module's
 * `import.meta.url`) as `import()` takes it: the `.js` beside a compiled module, else the `.ts` source.
 */
export function siblingModule(base: string, name: string): string {
  return new URL(`./${name}${base.endsWith('.js') ? '.js' : '.ts'}`, base).href;
}

/**
 * A worker running the module `name` (without extension) of the directory of `base` (a module's
 * `import.meta.url`): the `.js` beside a compiled module, or the `.ts` source through tsx's loader.
 * `preload`: modules (URLs) the worker imports first, after tsx's loader where it registers it (node
 * runs `--import` modules on the main thread only; the bench's use bench/lib/worker.ts).
 */
export function spawnModuleWorker(base: string, name: string, data: unknown, preload: readonly string[] = []): Worker {
  // Compiled (dist/): the worker is JavaScript too.
  const worker = siblingModule(base, name);
  const compiled = base.endsWith('.js');
  if (compiled && preload.length === 0) return new Worker(new URL(worker), { workerData: data });
  // From the sources: register tsx's loader in the worker; then the modules to load first, and it.
  const steps = compiled ? [] : [`import(${JSON.stringify(tsxApi())}).then(({ register }) => register())`];
  for (const m of [...preload, worker]) steps.push(`import(${JSON.stringify(m)})`);
  return new Worker(`${steps.reduce((chain, step) => `${chain}.then(() => ${step})`, 'Promise.resolve()')};`, { eval: true, workerData: data });
}

/** An error a worker threw, as it posts it back: the main thread rethrows it with this name. */
export interface WorkerErrorData {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
}

/** What a worker posts for an error it caught. */
export function workerErrorData(e: unknown): WorkerErrorData {
  const err = e instanceof Error ? e : new Error(String(e));
  // The class's name: the model's error classes (ScenarioError, DeclareError) do not set `name`.
  return { name: err.constructor?.name ?? err.name, message: err.message, stack: err.stack ?? '' };
}

/** The error a worker posted, to throw in the main thread (its name kept, so callers can tell bad input from a bug). */
export function errorFromWorker(d: WorkerErrorData): Error {
  const e = new Error(d.message);
  e.name = d.name;
  e.stack = d.stack;
  return e;
}
