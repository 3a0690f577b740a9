/**
 * The forecast shown with `mnc check`'s progress (src/checker/forecast.ts), computed on a worker
 * thread (forecast-worker.ts) while the run goes on: it never touches the run's model, and the
 * run's verdict, counts and trace are what they are without it.
 */
import type { Worker } from 'node:worker_threads';
import type { Forecast } from '../checker/forecast.ts';
import type { Scenario } from '../model/kernel/scenario.ts';
import { spawnWorker } from './pool.ts';

/** What the worker needs to build the run's model and sample it. */
export interface ForecastJob {
  readonly scenario: Scenario;
  readonly coalesce: boolean;
  /** As the run: false for `--no-symmetry`. */
  readonly symmetry?: boolean;
  readonly properties?: readonly string[];
  readonly seed: number;
  readonly maxDepth?: number;
  readonly budget?: number;
}

export interface ForecastTask {
  /** The forecast, or undefined when the worker failed or was stopped (the run goes on without one). */
  readonly result: Promise<Forecast | undefined>;
  /** Stop the worker (at the end of the run, or at a signal). */
  stop(): void;
}

/** Start sampling on a worker thread. Nothing it does can end or change the run: every failure resolves to undefined. */
export function startForecast(job: ForecastJob): ForecastTask {
  let worker: Worker | undefined;
  let settle: (f: Forecast | undefined) => void = () => {};
  const result = new Promise<Forecast | undefined>((resolve) => (settle = resolve));
  try {
    worker = spawnWorker('forecast-worker', job);
    // Never keep the process alive for a forecast.
    worker.unref();
    worker.on('message', (m: { forecast?: Forecast; error?: string }) => settle(m.forecast));
    worker.on('error', () => settle(undefined));
    worker.on('exit', () => settle(undefined));
  } catch {
    settle(undefined);
  }
  return {
    result,
    stop() {
      settle(undefined);
      if (worker !== undefined) void worker.terminate().catch(() => {});
    },
  };
}
