/**
 * The reduction against the unreduced model over the built-in scenarios and the examples
 * (src/report/differential.ts): the same violated properties and sub-properties, both runs
 * complete, the reduction's premise checked on every statement run. The cases whose unreduced space
 * is over 100,000 states run in `npm run verify:reduction` only (listed below, each with its size);
 * every other case runs here.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compareReduction, differentialCases, formatOutcome } from '../../src/report/differential.ts';
import { runScenario } from '../../src/report/run.ts';

/** Unreduced states of the cases left to `npm run verify:reduction` (measured; see CHANGES.md). */
const LARGE: Record<string, number> = {
  'amdgpu-userptr-reaper': 131_750,
  'amdgpu-ioctl-alloc-under-lock @ 4a2de54dc1d7': 567_682,
  'amdgpu-ioctl-alloc-under-lock @ alloc-under-lock': 151_902,
  'amdgpu-ioctl-alloc-under-lock @ tetsuo+fix': 407_070,
  'amdgpu-ioctl-alloc-under-lock @ v4.19.y': 549_122,
  'examples/amdgpu-ioctl-vs-reaper.json @ 4a2de54dc1d7': 567_682,
  'examples/amdgpu-ioctl-vs-reaper.json @ before-fix': 151_902,
  'examples/amdgpu-ioctl-vs-reaper.json @ v4.19.y': 549_122,
  'examples/identical-threads.json @ plain-down-read': 1_903_271,
  'examples/range-cores.json @ v5.0': 303_378,
  'examples/range-cores.json @ v5.2': 318_666,
  'examples/range-cores.json @ v5.4': 399_760,
  'examples/identical-threads.json @ recursion-counter': 1_985_883,
  'examples/starts-in-flight.json @ plain-down-read': 1_224_227,
  'examples/starts-in-flight.json @ recursion-counter': 1_283_646,
  'exit-mmap-vs-reaper @ 93065ac753e4': 1_332_077,
  'exit-mmap-vs-reaper @ tetsuo': 4_009_323,
  'exit-mmap-vs-reaper @ v4.18': 1_582_690,
  'exit-mmap-vs-reaper @ v4.19': 1_382_228,
  'i915-reaper @ 93065ac753e4': 227_744,
  'kvm-imbalance-i915 @ v5.12': 505_856,
  'kvm-imbalance-i915 @ v5.5': 136_032,
  'kvm-imbalance-i915 @ v6.6': 1_395_394,
  'kvm-pairing-under-reaper': 105_560,
  'mlx5-implicit-mr @ 93065ac753e4': 253_514,
  'nouveau-svm-reaper': 1_496_935,
  'process-mrelease-reaper': 1_009_656,
  'mlx5-implicit-mr @ v4.18': 246_940,
  'radeon-reaper @ 93065ac753e4': 230_311,
  'several-starts-in-flight @ recursion': 1_283_646,
  'several-starts-in-flight @ tetsuo': 1_224_227,
};

const cases = differentialCases(join(import.meta.dirname, '..', '..', 'examples'));

describe('the reduction gives the verdicts of the unreduced model', () => {
  test('the cases left to npm run verify:reduction exist, and the rest is most of the matrix', () => {
    const labels = cases.map((c) => c.label);
    for (const l of Object.keys(LARGE)) expect(labels).toContain(l);
    expect(cases.length - Object.keys(LARGE).length).toBeGreaterThanOrEqual(40);
  });

  test.each(cases.filter((c) => !(c.label in LARGE)).map((c) => [c.label, c] as const))('%s', (_label, c) => {
    // The bound only guards the suite's time: a case that outgrows it must move to LARGE.
    const d = compareReduction(c, { maxStates: 100_000 });
    expect(d.incomplete, `${c.label} outgrew the suite's bound: move it to LARGE`).toBeUndefined();
    expect(d.same, formatOutcome(d)).toBe(true);
    expect(d.reducedStates).toBeLessThanOrEqual(d.unreducedStates);
  });
});

describe('symmetry reduction gives the verdicts of the run without it', () => {
  // The cases with identical threads are LARGE unreduced; with coalescing and partial-order
  // reduction on both sides, symmetry reduction is compared on its own here (npm run
  // verify:reduction also compares all three).
  const withClasses = cases.filter((c) => runScenario(c.scenario, { maxStates: 1 }).model.symmetry !== undefined);
  test('some case has identical threads', () => {
    expect(withClasses.map((c) => c.label)).toEqual(['examples/identical-threads.json @ recursion-counter', 'examples/identical-threads.json @ plain-down-read']);
  });
  test.each(withClasses.map((c) => [c.label, c] as const))('%s', (_label, c) => {
    const violated = (symmetry: boolean): { v: string[]; states: number } => {
      const r = runScenario(c.scenario, { findAll: true, verifyReduction: true, symmetry });
      expect(r.result.status).not.toBe('incomplete');
      return { v: r.result.verdicts.filter((x) => x.status === 'violated').map((x) => x.property).sort(), states: r.result.stats.states };
    };
    const on = violated(true);
    const off = violated(false);
    expect(on.v).toEqual(off.v);
    expect(on.states).toBeLessThan(off.states);
  });
});
