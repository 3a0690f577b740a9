/**
 * The workers of a run on several threads (`runScenarioAsync` with `workers`), started before the
 * run: they load the kernel model's modules while this thread does the same and reads the scenario
 * (about half a second, on a core of their own), instead of after. This module loads only the
 * checker's parallel search, so that `mnc check --jobs N` can start them before its own imports.
 */
import { PreparedWorkers } from '../checker/parallel.ts';
import { siblingModule } from '../checker/workers.ts';

/**
 * The `workers - 1` workers of a run on `workers` threads, loading run.ts (whose `parallelModel`
 * each builds its model with). Pass them to the run as `prepared`; close them once it has ended.
 */
export function prepareWorkers(workers: number): PreparedWorkers {
  return new PreparedWorkers(Math.max(0, workers - 1), [siblingModule(import.meta.url, 'run')]);
}
