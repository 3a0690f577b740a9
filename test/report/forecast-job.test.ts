/**
 * The forecast `mnc check` shows with its progress comes from a worker thread with a model of its
 * own (src/report/forecast-job.ts): the same figures as the forecast computed in-process on the
 * run's model (the same reduction and properties), nothing once stopped, and at the lowest
 * scheduling priority, so that it takes no core from a search that uses them all.
 */
import { readdirSync, readFileSync } from 'node:fs';
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

/** The nice value in a /proc stat file (field 19). */
const niceIn = (stat: string): number => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);

/** Each thread of this process and its nice value (Linux: /proc/self/task/<tid>/stat). */
function niceByThread(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(tid, niceIn(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

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
  test('runs at the lowest priority, the other threads keeping theirs', async () => {
    const mine = niceIn(readFileSync('/proc/thread-self/stat', 'utf8'));
    expect(mine, 'this test needs a process below the lowest priority').toBeLessThan(19);
    const before = niceByThread();
    // A thread started after `before` (an earlier test's worker may still be ending) at nice 19.
    const lowered = (): string[] => [...niceByThread()].filter(([tid, n]) => !before.has(tid) && n === 19).map(([tid]) => tid);
    const task = startForecast({ scenario: sc, coalesce: true, seed: 0, budget: 10_000_000 });
    try {
      // The worker lowers its priority before it builds its model: wait for its thread to do so.
      const until = Date.now() + 20_000;
      while (lowered().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(lowered()).toHaveLength(1);
      expect(niceIn(readFileSync('/proc/thread-self/stat', 'utf8'))).toBe(mine);
      for (const [tid, n] of niceByThread()) if (before.has(tid)) expect(n, `thread ${tid}`).toBe(before.get(tid));
    } finally {
      task.stop();
    }
  }, 120_000);
  test('stopped, it gives nothing', async () => {
    const task = startForecast({ scenario: sc, coalesce: true, seed: 0 });
    task.stop();
    expect(await task.result).toBeUndefined();
  });
});
