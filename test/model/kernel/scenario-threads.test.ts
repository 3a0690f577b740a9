/**
 * The scenario threads that say what a reviewer means (src/model/kernel/core/scenario_threads.ts): a lock
 * held meanwhile, and a caller of the notifier core for one range or two nested, blockable or not,
 * MAYFAIL or not.
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../../src/checker/index.ts';
import type { KState } from '../../../src/model/lang/state.ts';
import { buildProgram, ScenarioError, type Scenario } from '../../../src/model/kernel/scenario.ts';
import { scenarioModel } from '../../../src/properties/index.ts';

const base = (threads: Scenario['threads'], extra: Partial<Scenario> = {}): Scenario => ({
  name: 't',
  core: 'v4.19',
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ use: 'gntdev@fixup', objects: [{ start: 0, end: 2 }] }],
  threads,
  ...extra,
});

function violated(sc: Scenario, names?: string[]): string[] {
  const r = check(scenarioModel(sc, { ...(names ? { names } : {}), verifyReduction: true }), { findAll: true });
  expect(r.status).not.toBe('incomplete');
  return r.verdicts.filter((v) => v.status === 'violated').map((v) => v.property).sort();
}

describe('lock_holder', () => {
  test("the reaper runs while gntdev's mutex is held: its non-blocking start refuses (-EAGAIN), and with the fixup nothing is violated", () => {
    const sc = base([{ kind: 'oom_reaper' }, { kind: 'lock_holder', params: { lock: 'gntdev0.lock' } }], { oom: true });
    expect(violated(sc)).toEqual([]);
    // The holder is not a thread of the victim by default: it is "some task".
    const p = buildProgram(sc);
    expect(p.spec.statics[`${p.spec.threads[1]!.task}.fatal_signal`]).toBe(0);
  });
  test('a writer holding mmap_sem makes the reaper retry; a reader does not obstruct it', () => {
    const obstructed = (mode: string): string => {
      const m = scenarioModel(base([{ kind: 'oom_reaper' }, { kind: 'lock_holder', params: { lock: 'mm.mmap_sem', mode } }], { oom: true, notifiers: [] }));
      m.setProperties([...m.properties(), Property.sometimes<KState>('an obstructed attempt', (s) => Number(s.mem['ghost.oom_obstructed_attempts']) > 0)]);
      const r = check(m, { findAll: true });
      expect(r.verdicts.filter((v) => v.property !== 'an obstructed attempt').every((v) => v.status === 'holds')).toBe(true);
      return r.verdicts.find((v) => v.property === 'an obstructed attempt')!.status;
    };
    expect(obstructed('write')).toBe('holds');
    expect(obstructed('read')).toBe('violated');
  });
  test('what the lock is and how it is held are checked against the scenario', () => {
    expect(() => buildProgram(base([{ kind: 'lock_holder', params: { lock: 'nope.lock' } }]))).toThrow(/params\.lock: expected the name of a lock of the scenario: .*gntdev0\.lock/);
    expect(() => buildProgram(base([{ kind: 'lock_holder', params: { lock: 'mm.mmap_sem' } }]))).toThrow(/params\.mode: mm\.mmap_sem is an rw_semaphore: say "read" or "write"/);
    expect(() => buildProgram(base([{ kind: 'lock_holder', params: { lock: 'gntdev0.lock', mode: 'read' } }]))).toThrow(ScenarioError);
  });
});

describe('invalidate', () => {
  test('nested pairs on one thread: a blockable start over the posted gntdev fails (ignored by its caller), for the outer and the inner range', () => {
    const sc = base([{ kind: 'invalidate', params: { start: 0, len: 4, innerStart: 1, innerLen: 1 } }], { notifiers: [{ use: 'gntdev@93065ac753e4', objects: [{ start: 0, end: 2 }] }] });
    expect(violated(sc)).toEqual(['coherency:failed-start']);
    const m = scenarioModel(sc);
    const texts = m.program.fn(m.program.fnId('mnc_invalidate')).instrs.map((i) => i.src.text);
    expect(texts).toContain('ret = __mmu_notifier_invalidate_range_start(mm, inner_start, inner_end, flags);');
  });
  test('a non-blocking start that a notifier refuses skips its end, as the reaper does; pairing holds', () => {
    const sc = base([{ kind: 'invalidate', params: { start: 0, len: 2, blockable: false } }], { notifiers: [{ use: 'gntdev@fixup', objects: [{ start: 0, end: 2 }] }, { use: 'kvm', objects: [{ start: 0, end: 2 }] }] });
    // KVM approves (it counts), gntdev's grant is in range: -EAGAIN; no end for anybody: KVM's count
    // stays raised, the finding kvm-pairing-under-reaper shows for the reaper.
    expect(violated(sc, ['pairing'])).toEqual(['pairing:missing-end', 'pairing:unbalanced-state']);
  });
  test('under the mayfail core a MAYFAIL range turns the refusal into success and the end comes', () => {
    const sc = base([{ kind: 'invalidate', params: { start: 0, len: 2, blockable: false, mayfail: true } }], {
      core: 'mayfail',
      notifiers: [{ use: 'gntdev@fixup', objects: [{ start: 0, end: 2 }] }, { use: 'kvm', objects: [{ start: 0, end: 2 }] }],
    });
    expect(violated(sc, ['pairing'])).toEqual([]);
  });
  test('what the core cannot do is refused', () => {
    expect(() => buildProgram(base([{ kind: 'invalidate', params: { start: 0, len: 2, mayfail: true } }]))).toThrow(/MMU_NOTIFIER_RANGE_MAYFAIL exists only in the mayfail core/);
    expect(() => buildProgram(base([{ kind: 'invalidate', params: { start: 0, len: 2, blockable: false } }], { core: 'v4.18', notifiers: [] }))).toThrow(/no non-blocking start/);
    expect(() => buildProgram(base([{ kind: 'invalidate', params: { start: 0, len: 0 } }]))).toThrow(/params\.len: expected a length of at least one page/);
    expect(() => buildProgram(base([{ kind: 'invalidate', params: { start: 0, len: 2, innerStart: 1, innerLen: 3 } }]))).toThrow(/the nested range must lie inside \[0, 2\)/);
  });
});
