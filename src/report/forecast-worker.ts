/**
 * A worker thread of `mnc check`'s forecast (forecast-job.ts): samples random walks through its own
 * model of the scenario (the same reduction as the run) on another core, where one is free, so that
 * the run it forecasts is not slowed, and posts the {@link Forecast} back.
 *
 * Where no core is free (`mnc check --jobs N` with N the machine's cores) the walks would take a
 * core's share from the search: this thread first gives itself the lowest scheduling priority
 * ({@link yieldToTheRun}), so that it runs on what the search leaves idle (a side waiting at a
 * level's end) and the forecast arrives later instead.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { forecast } from '../checker/forecast.ts';
import type { ForecastJob } from './forecast-job.ts';
import { modelOf } from './run.ts';

/**
 * The lowest priority (nice 19) for this thread alone: on Linux `setpriority(PRIO_PROCESS, 0, ...)`
 * sets the calling thread's nice value (the kernel's `who == 0` is `current`, a task, and NPTL's
 * threads are tasks: setpriority(2), "BUGS"), so the run's threads keep theirs. Where the system
 * refuses it, the forecast runs as before.
 */
function yieldToTheRun(): void {
  try {
    setPriority(0, 19);
  } catch {
    // No lower priority to be had: the forecast still runs.
  }
}

const job = workerData as ForecastJob;
yieldToTheRun();
try {
  const model = modelOf(job.scenario, { coalesce: job.coalesce, ...(job.symmetry === undefined ? {} : { symmetry: job.symmetry }), ...(job.properties ? { properties: job.properties } : {}) });
  parentPort!.postMessage({ forecast: forecast(model, { seed: job.seed, ...(job.maxDepth === undefined ? {} : { maxDepth: job.maxDepth }), ...(job.budget === undefined ? {} : { budget: job.budget }) }) });
} catch (e) {
  parentPort!.postMessage({ error: (e as Error).message });
}
