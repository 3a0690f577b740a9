/**
 * The text and JSON reports, as snapshots a reviewer reads: the kernel-style counterexample of one
 * finding of each kind (a sleep in a non-blockable start, a deadlock with every thread's wait), and
 * the JSON trace's shape.
 */
import { describe, expect, test } from 'vitest';
import { runBuiltin } from '../scenarios/helpers.ts';
import { formatCounterexample, formatRun } from '../../src/report/text.ts';
import { buildTrace } from '../../src/report/json.ts';

function cx(name: string, variant: string, property: string) {
  const run = runBuiltin(name, variant);
  const c = run.result.status === 'pass' ? undefined : run.result.violations.find((v) => v.property === property);
  if (!c) throw new Error(`expected a violation of ${property}`);
  return { run, c };
}

describe('text report', () => {
  test('a sleep in a non-blockable start', async () => {
    const { run, c } = cx('amdgpu-read-lock-nonblock', 'clarify', 'no-sleep:might-sleep');
    await expect(formatCounterexample(run.model, c, { scenario: 'amdgpu-read-lock-nonblock', variant: 'clarify' })).toMatchFileSnapshot('__snapshots__/might-sleep.txt');
  });
  test('a deadlock, with every thread and what it waits for', async () => {
    const { run, c } = cx('amdgpu-ioctl-alloc-under-lock', 'alloc-under-lock', 'deadlock');
    await expect(formatCounterexample(run.model, c, { scenario: 'amdgpu-ioctl-alloc-under-lock', variant: 'alloc-under-lock' })).toMatchFileSnapshot('__snapshots__/deadlock.txt');
  });
  test('a liveness lasso marks where its cycle starts', () => {
    const { run, c } = cx('amdgpu-ioctl-alloc-under-lock', 'alloc-under-lock', 'reaper-progress:fair');
    const text = formatCounterexample(run.model, c, { scenario: 'x' });
    expect(c.loopStart).toBeDefined();
    expect(text).toMatch(/a prefix, then a cycle that never reaches the goal/);
    expect(text).toMatch(/---- (the cycle starts here and repeats forever|from here no thread can move: the run ends and stays here) ----/);
  });
  test('the run summary lists every property with its verdict', () => {
    const run = runBuiltin('amdgpu-read-lock-nonblock', 'tetsuo');
    const text = formatRun(run, { scenario: 'amdgpu-read-lock-nonblock', variant: 'tetsuo' });
    expect(text.split('\n')[0]).toMatch(/^amdgpu-read-lock-nonblock \(variant tetsuo\): core v4\.19, \d+ states, \d+ transitions, [\d.]+ s$/);
    expect(text).toMatch(/^ {2}ok {3}no-sleep:might-sleep$/m);
    expect(text).not.toMatch(/FAIL/);
  });
});

describe('JSON trace', () => {
  test('its shape, with the fingerprints and the token as the run gave them', async () => {
    const { run, c } = cx('amdgpu-read-lock-nonblock', 'clarify', 'no-sleep:might-sleep');
    const t = buildTrace(run.model, c, run.scenario, 'clarify', true);
    expect(t.steps).toHaveLength(c.path.steps.length);
    expect(t.token).toBe(c.path.token);
    await expect(`${JSON.stringify(t, null, 2)}\n`).toMatchFileSnapshot('__snapshots__/trace.json');
  });
});
