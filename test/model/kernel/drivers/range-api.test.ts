/**
 * The drivers' variants for the range callbacks (src/model/kernel/drivers/range-api.ts): 5d6527a784f7
 * says "No functional changes with this patch", and the helper conversion only changes how the
 * mode is read. So each driver's v5.0 variant (called by the v5.0 core, `range->blockable`) and
 * v5.2 variant (called by the v5.4 core, `range->flags`) behave as the v4.19-API variant they are
 * made from, callback by callback: the same return value, the same sleeping calls, the same shared
 * memory, locks and open pairs after, in blockable and non-blockable mode, over an object and away
 * from it, with each of the notifier's locks free or held by another task.
 */
import { describe, expect, test } from 'vitest';
import { runCallback, type CallbackOptions, type CallbackRun } from '../../harness.ts';
import { DRIVERS } from '../../../../src/model/kernel/drivers/index.ts';
import { buildProgram } from '../../../../src/model/kernel/scenario.ts';
import type { LockState } from '../../../../src/model/lang/state.ts';

/** The v4.19-API variant each driver's v5.0 variant is made from. */
const BASE: Record<string, string> = { gntdev: 'fixup', hmm: 'jglisse' };
const OBJ = [{ start: 8, end: 10 }];

function heldBy99(kind: LockState['kind']): LockState {
  return kind === 'rwsem' ? { kind: 'rwsem', writer: 99, readers: [], waiters: [] } : { kind, owner: 99 };
}

/** What a callback did, comparable across variants (statement texts differ in names, not in effect). */
function outcome(r: CallbackRun) {
  const mem = Object.fromEntries(Object.entries(r.state.mem).filter(([k]) => !k.startsWith('test.') && !k.startsWith('task') && k !== 'ghost.warn'));
  return { ret: r.ret, blocked: r.blocked !== undefined, sleeps: r.slept.length, mem, locks: r.state.locks, pairs: r.state.pairs };
}

const CASES = Object.values(DRIVERS).filter((d) => d.variants['v5.0'] && d.variants['v5.2']);

describe('the range variants behave as the variant they are made from', () => {
  test('every driver has them', () => {
    // Every driver that had an hlist notifier at the conversion (test_hmm, an interval notifier user
    // from v5.7, came after it; amdgpu's v6.6 interval variants sit beside its hlist ones; nouveau SVM,
    // an hmm_mirror user at the conversion, is modelled as v6.6 has it only).
    const hlist = Object.values(DRIVERS).filter((d) => Object.values(d.variants).some((v) => !v.interval && !v.dynamicInterval));
    expect(CASES.map((d) => d.name).sort()).toEqual(hlist.map((d) => d.name).sort());
    expect(hlist.length).toBe(Object.keys(DRIVERS).length - 2);
  });

  for (const d of CASES) {
    const base = `${d.name}@${BASE[d.name] ?? '93065ac753e4'}`;
    test(`${d.name}: v5.0 and v5.2 against ${base}`, () => {
      // The notifier's own locks (amdgpu0.read_lock, gntdev0.lock, umem_odp0.umem_rwsem, ...).
      const program = buildProgram({ name: 'locks', core: 'v4.19', vmas: [{ start: 0, end: 24 }], notifiers: [{ use: base, objects: OBJ }], threads: [{ kind: 'madvise', params: { start: 0, len: 1 } }] });
      const nid = program.spec.notifiers[0]!.id;
      const locks = Object.entries(program.spec.locks).filter(([k]) => k.startsWith(`${nid}.`));
      const ops = (['invalidate_range_start', 'invalidate_range_end'] as const).filter((op) => DRIVERS[d.name]!.variants['v5.0']!.ops[op]);
      let compared = 0;
      for (const op of ops) {
        for (const blockable of op === 'invalidate_range_start' ? [true, false] : [true]) {
          for (const [start, end] of [
            [8, 10],
            [0, 4],
          ] as const) {
            for (const held of [undefined, ...locks]) {
              const o: CallbackOptions = {
                use: base,
                objects: OBJ,
                op,
                start,
                end,
                blockable,
                ...(held ? { locks: { [held[0]]: heldBy99(held[1]) } } : {}),
              };
              const want = outcome(runCallback(o));
              expect(outcome(runCallback({ ...o, use: `${d.name}@v5.0`, core: 'v5.0' })), `${op} [${start}, ${end}) ${blockable ? 'blockable' : 'non-blockable'} ${held?.[0] ?? ''} on v5.0`).toEqual(want);
              expect(outcome(runCallback({ ...o, use: `${d.name}@v5.2`, core: 'v5.4' })), `${op} [${start}, ${end}) ${blockable ? 'blockable' : 'non-blockable'} ${held?.[0] ?? ''} on v5.4`).toEqual(want);
              compared++;
            }
          }
        }
      }
      expect(compared).toBeGreaterThan(0);
    });
  }
});
