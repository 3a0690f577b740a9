/**
 * The forecast `mnc check` shows with its progress comes from a worker thread with a model of its
 * own (src/report/forecast-job.ts): the same figures as the forecast computed in-process on the
 * run's model (the same reduction and properties), and nothing once stopped.
 */
import { describe, expect, test } from 'vitest';
import { forecast, type Forecast } from '../../src/checker/index.ts';
import { applyVariant, loadBuiltin } from '../../src/model/kernel/scenario-file.ts';
import { startForecast } from '../../src/report/forecast-job.ts';
import { modelOf } from '../../src/report/run.ts';

const figures = (f: Forecast | undefined): unknown => {
  if (f === undefined) return undefined;
  const { elapsedMs: _, ...rest } = f;
  return rest;
};

describe('the forecast on a worker thread', () => {
  const sf = loadBuiltin('i915-reaper');
  const sc = applyVariant(sf, sf.variants!['93065ac753e4']!, '93065ac753e4');
  test('gives the figures of forecast() on the run\'s model: same seed, reduction, properties and depth bound', async () => {
    for (const o of [{ coalesce: true, seed: 0 }, { coalesce: false, properties: ['no-sleep'], seed: 5, maxDepth: 40 }]) {
      const task = startForecast({ scenario: sc, ...o, budget: 8000 });
      const got = await task.result;
      task.stop();
      const here = forecast(modelOf(sc, { coalesce: o.coalesce, ...(o.properties ? { properties: o.properties } : {}) }), { seed: o.seed, budget: 8000, ...(o.maxDepth === undefined ? {} : { maxDepth: o.maxDepth }) });
      expect(figures(got)).toEqual(figures(here));
    }
  }, 120_000);
  test('stopped, it gives nothing', async () => {
    const task = startForecast({ scenario: sc, coalesce: true, seed: 0 });
    task.stop();
    expect(await task.result).toBeUndefined();
  });
});
