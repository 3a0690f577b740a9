/**
 * The MAYFAIL RFC's pairing contract (seed 004): the end is owed after a failed start only for a
 * MAYFAIL range. The reaper's non-blocking start has range flags 0; when a notifier refuses it, the
 * reaper skips the end (as in v4.19), and no end is owed.
 */
import { expect, test } from 'vitest';
import { check, Property } from '../../src/checker/index.ts';
import type { KState } from '../../src/model/lang/state.ts';
import { scenarioModel } from '../../src/properties/index.ts';
import type { Scenario } from '../../src/model/kernel/scenario.ts';

const reaperOverAmdgpu = (core: string): Scenario => ({
  name: 'reaper-over-amdgpu',
  core,
  oom: true,
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ use: 'amdgpu@93065ac753e4', objects: [{ start: 0, end: 2 }] }],
  threads: [{ kind: 'oom_reaper' }],
});

test("under the mayfail core a refused non-blocking start of the reaper is owed no end (it was, as if every failed start were a MAYFAIL one)", () => {
  const r = check(scenarioModel(reaperOverAmdgpu('mayfail'), { names: ['pairing'] }), { findAll: true });
  expect(r.verdicts.map((v) => `${v.property}=${v.status}`)).toEqual(['pairing:unbalanced-end=holds', 'pairing:missing-end=holds', 'pairing:unbalanced-state=holds']);
  // The same as v4.19, where no failed start is owed an end.
  const v419 = check(scenarioModel(reaperOverAmdgpu('v4.19'), { names: ['pairing'] }), { findAll: true });
  expect(v419.verdicts.map((v) => v.status)).toEqual(r.verdicts.map((v) => v.status));
});

test('a MAYFAIL start that failed is still owed its end: i915@mayfail refusing reclaim gets the end called, and pairing holds because it comes', () => {
  const sc: Scenario = {
    name: 'reclaim-mayfail',
    core: 'mayfail',
    vmas: [{ start: 0, end: 4 }],
    notifiers: [{ use: 'i915@mayfail', objects: [{ start: 1, end: 2 }] }],
    threads: [{ kind: 'reclaim', params: { address: 1 } }],
  };
  // Unreduced: the sometimes property added below reads the pairs, which pairing does not declare.
  const m = scenarioModel(sc, { names: ['pairing'], coalesce: false });
  // The refused start is recorded as owed its end (-EAGAIN, MAYFAIL) while the reclaim is between
  // its start and its end, and every such record is closed by the end.
  m.setProperties([
    ...m.properties(),
    Property.sometimes<KState>('a refused MAYFAIL start owed its end', (s) => s.pairs.some((p) => p.nid === 'i9150' && p.ret === -11 && p.mayfail === 1)),
  ]);
  const r = check(m, { findAll: true });
  expect(r.status).toBe('pass');
  expect(r.verdicts.map((v) => v.status)).toEqual(['holds', 'holds', 'holds', 'holds']);
});
