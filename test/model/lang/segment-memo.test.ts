/**
 * Memoised runs of pure coalesced statements (src/model/lang/segment-memo.ts): a recorded segment
 * is applied only to a thread of the same index, own state and inputs, and gives the successor
 * running the statements gives.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, test } from 'vitest';
import { StringEncoder } from '../../../src/checker/model.ts';
import { c, fn } from '../../../src/model/lang/ir.ts';
import { Interpreter, type KAction } from '../../../src/model/lang/interp.ts';
import { SegmentMemo } from '../../../src/model/lang/segment-memo.ts';
import type { KState } from '../../../src/model/lang/state.ts';
import { loadBuiltin } from '../../../src/model/kernel/scenario-file.ts';
import { differentialCases, runSummary } from '../../../src/report/differential.ts';
import { modelOf, runScenario, variantsOf } from '../../../src/report/run.ts';
import { tinyProgram } from './program-fixture.ts';

const f = (name: string, body: ReturnType<typeof c>[]) => fn({ name, file: 't.c', version: 'test', source: 'test', params: [], body });

/** Whether every object of `v` is frozen. */
function deepFrozen(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (!Object.isFrozen(v)) return false;
  return Object.values(v).every(deepFrozen);
}

describe('segment memo', () => {
  test('hand-derived: one segment per thread and own state, applied where both match, with the successor the statements give', () => {
    // Two threads of one function: after the mutex, three statements on locals only (nothing
    // another thread can observe: coalesced, and pure), then the release.
    const p = tinyProgram({
      fns: [f('t', [c('mutex_lock(&m);'), c('int j = 1;'), c('int k = j + 2;'), c('j = k * 2;'), c('mutex_unlock(&m);')])],
      threads: [
        { name: 'a', fn: 't', args: [] },
        { name: 'b', fn: 't', args: [] },
      ],
      locks: { m: 'mutex' },
    });
    // Properties that read the locks: the lock operations are steps of their own.
    // Every part frozen (freezeParts), so that a memo's frames are seen to be frozen copies.
    const on = new Interpreter(p, { reads: { locks: true }, freezeParts: true });
    const off = new Interpreter(p, { reads: { locks: true }, memo: false, freezeParts: true });
    const memo = on.memo!;
    expect(off.memo).toBeNull();
    expect([1, 2, 3].map((pc) => on.pureAt(0, pc))).toEqual([true, true, true]);
    expect([0, 4].map((pc) => on.pureAt(0, pc))).toEqual([false, false]);
    const a: KAction = { tid: 0, choice: 0 };
    const b: KAction = { tid: 1, choice: 0 };
    const same = (s: KState, act: KAction): KState => {
      const x = on.next(s, act);
      expect(x).toEqual(off.next(s, act));
      expect(deepFrozen(x)).toBe(true);
      return x;
    };
    const s0 = on.initial();
    // a takes the mutex and runs the three statements: recorded, one segment of three statements.
    const s1 = same(s0, a);
    expect([memo.size, memo.hits]).toEqual([1, 0]);
    expect(s1.threads[0]!.frames[0]!.pc).toBe(4);
    expect(s1.threads[0]!.frames[0]!.locals).toEqual([6, 3]);
    // b from the same state: another thread index, another segment.
    same(s0, b);
    expect([memo.size, memo.hits]).toEqual([2, 0]);
    // a again from s0, and b once a has released the mutex and finished: each one's own state as recorded.
    same(s0, a);
    const s3 = same(s1, a);
    same(s3, b);
    expect([memo.size, memo.hits]).toEqual([2, 2]);
    // The successor shares the recorded frame (frozen once, in the memo).
    expect(on.next(s0, a).threads[0]!.frames[0]).toBe(on.next(s0, a).threads[0]!.frames[0]);
  });

  test('a segment applies only where memory holds the values it read', () => {
    const memo = new SegmentMemo();
    const frames = [Object.freeze({ fn: 0, pc: 1, locals: Object.freeze([1]), dest: -1, ctx: 0 })];
    const own = { frames, srcu: 0, pending: false };
    const h = memo.hash(0, own);
    memo.add(h, { tid: 0, depth: 1, reach: 0, from: frames, srcu: 0, pending: false, readKeys: ['x.n'], readValues: [0], writeKeys: [], writeValues: [], low: 0, top: frames, srcuAfter: 0, pendingAfter: false, length: 1 });
    expect(memo.find(h, 0, own, { 'x.n': 0 })).toBeDefined();
    expect(memo.find(h, 0, own, { 'x.n': 1 })).toBeUndefined();
    expect(memo.find(h, 1, own, { 'x.n': 0 })).toBeUndefined();
    const other = { frames: [Object.freeze({ fn: 0, pc: 1, locals: Object.freeze([2]), dest: -1, ctx: 0 })], srcu: 0, pending: false };
    expect(memo.find(h, 0, other, { 'x.n': 0 })).toBeUndefined();
    expect(memo.find(h, 0, { ...own, srcu: 1 }, { 'x.n': 0 })).toBeUndefined();
    expect(memo.hits).toBe(1);
  });

  test('off without coalescing and under verifyReduction', () => {
    const p = tinyProgram({ fns: [f('t', [c('j = 1;')])], threads: [{ name: 'a', fn: 't', args: [] }] });
    expect(new Interpreter(p).memo).not.toBeNull();
    expect(new Interpreter(p, { coalesce: false }).memo).toBeNull();
    expect(new Interpreter(p, { verifyReduction: true }).memo).toBeNull();
  });

  test.each(['exit-mmap-vs-reaper', 'kvm-pairing-under-reaper', 'i915-overlapping-invalidations', 'amdgpu-ioctl-alloc-under-lock', 'mlx5-implicit-mr', 'several-starts-in-flight'])(
    '%s: every successor of every state reached is the one the statements give',
    (name) => {
      for (const v of variantsOf(loadBuiltin(name)).slice(0, 2)) {
        const m = modelOf(v.scenario, { freezeParts: true });
        const plain = modelOf(v.scenario, { memo: false, freezeParts: true });
        const queue = [...m.initStates()];
        const seen = new Set(queue.map((s) => StringEncoder.encode(m, s)));
        const acts: KAction[] = [];
        for (let i = 0; i < queue.length && seen.size < 3000; i++) {
          const s = queue[i]!;
          acts.length = 0;
          m.actions(s, acts);
          for (const act of acts) {
            const x = m.interp.next(s, act);
            const y = plain.interp.next(s, act);
            if (!isDeepStrictEqual(x, y)) expect(x).toEqual(y);
            if (!deepFrozen(x)) throw new Error(`${v.label ?? name}: a successor is not frozen`);
            const k = StringEncoder.encode(m, x);
            if (!seen.has(k)) {
              seen.add(k);
              queue.push(x);
            }
          }
        }
        expect(m.interp.memo!.hits).toBeGreaterThan(100);
      }
    },
    60_000,
  );

  test('a statement that reads a lock (rwsem_is_locked) is run, never memoised', () => {
    const m = runScenario(variantsOf(loadBuiltin('v418-blockable-backoff'))[0]!.scenario, { findAll: true }).model;
    // The recordings the guard turned down (src/model/lang/interp.ts, Exec.seg): statically pure
    // statements whose primitive read a lock.
    expect(m.interp.memo!.impure).toBeGreaterThan(0);
  });

  test('every built-in scenario in every variant and every example: the same states, transitions, verdicts and counterexample lengths without the memo', () => {
    const diffs: string[] = [];
    let hits = 0;
    for (const cs of differentialCases('examples')) {
      const on = runScenario(cs.scenario, { findAll: true });
      const off = runScenario(cs.scenario, { findAll: true, memo: false });
      hits += on.model.interp.memo!.hits;
      if (!isDeepStrictEqual(runSummary(on), runSummary(off))) diffs.push(`${cs.label}: ${JSON.stringify(runSummary(on))} vs ${JSON.stringify(runSummary(off))}`);
    }
    expect(diffs).toEqual([]);
    expect(hits).toBeGreaterThan(100_000);
  }, 300_000);
});
