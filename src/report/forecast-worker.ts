/**
 * A worker thread of `mnc check`'s forecast (forecast-job.ts): samples random walks through its own
 * model of the scenario (the same reduction as the run) on another core, where one is free, so that
 * the run it forecasts is not slowed, and posts the {@link Forecast} back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { forecast } from '../checker/forecast.ts';
import type { ForecastJob } from './forecast-job.ts';
import { modelOf } from './run.ts';

const job = workerData as ForecastJob;
try {
  const model = modelOf(job.scenario, { coalesce: job.coalesce, ...(job.symmetry === undefined ? {} : { symmetry: job.symmetry }), ...(job.properties ? { properties: job.properties } : {}) });
  parentPort!.postMessage({ forecast: forecast(model, { seed: job.seed, ...(job.maxDepth === undefined ? {} : { maxDepth: job.maxDepth }), ...(job.budget === undefined ? {} : { budget: job.budget }) }) });
} catch (e) {
  parentPort!.postMessage({ error: (e as Error).message });
}
