/**
 * The reduction (src/model/lang/reduction.ts): what it keeps a transition of its own and why, that what
 * is visible comes from the checked properties' declarations, and that `verifyReduction` catches a
 * premise that does not hold (a primitive touching more than it declares).
 */
import { describe, expect, test } from 'vitest';
import { check } from '../../../src/checker/index.ts';
import { c, fn } from '../../../src/model/lang/ir.ts';
import { Interpreter, ModelError } from '../../../src/model/lang/interp.ts';
import { KEEP, COALESCE, type StateReads } from '../../../src/model/lang/reduction.ts';
import type { Primitive } from '../../../src/model/lang/primitives.ts';
import type { Scenario } from '../../../src/model/kernel/scenario.ts';
import { readsOf, scenarioModel } from '../../../src/properties/index.ts';
import { tinyProgram } from './program-fixture.ts';
import { KernelModel } from '../../../src/model/kernel-model.ts';
import { Property } from '../../../src/checker/model.ts';

const f = (name: string, body: ReturnType<typeof c>[]) => fn({ name, file: 't.c', version: 'test', source: 'test', params: [], body });

/** The engine properties a complete run of `sc` finds violated. */
function violated(sc: Scenario, o: { coalesce: boolean; names?: string[] }): string[] {
  const m = scenarioModel(sc, { coalesce: o.coalesce, verifyReduction: true, ...(o.names ? { names: o.names } : {}) });
  const r = check(m, { findAll: true });
  expect(r.status).not.toBe('incomplete');
  return r.verdicts.filter((v) => v.status === 'violated').map((v) => v.property).sort();
}

/** One thread over gntdev as posted (93065ac753e4), whose blockable start returns -EAGAIN for a mapped grant. */
const gntdevAlone = (thread: Scenario['threads'][number]): Scenario => ({
  name: 'gntdev-alone',
  core: 'v4.19',
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ use: 'gntdev@93065ac753e4', objects: [{ start: 0, end: 2 }] }],
  threads: [thread],
});

describe('the windows the reduction used to hide (issue 9)', () => {
  // Before, the call of the core's __mmu_notifier_invalidate_range_end (which closes the pairs of
  // notifiers without an end callback) was coalesced into the start's return: the failed start's pair
  // was opened and closed in one transition and coherency never saw it. Both runs below said every
  // property holds by default, and coherency failed with --no-coalesce.
  test.each([
    ['a direct-reclaim thread', { kind: 'reclaim', params: { address: 1 } }],
    ['a write fault', { kind: 'fault', params: { address: 1 } }],
  ])('%s over gntdev@93065ac753e4: the failed blockable start is found with and without the reduction', (_what, thread) => {
    const sc = gntdevAlone(thread);
    expect(violated(sc, { coalesce: true })).toEqual(['coherency:failed-start']);
    expect(violated(sc, { coalesce: false })).toEqual(['coherency:failed-start']);
  });

  test('the call of the core end walk is a transition of its own, and says why', () => {
    const m = scenarioModel(gntdevAlone({ kind: 'reclaim', params: { address: 1 } }));
    const p = m.program;
    const red = m.interp.reduction;
    const caller = p.fnId('mmu_notifier_invalidate_range_end');
    const pc = p.fn(caller).instrs.findIndex((i) => i.op === 'call' && i.callee.k === 'id' && i.callee.name === '__mmu_notifier_invalidate_range_end');
    expect(pc).toBeGreaterThanOrEqual(0);
    expect(red.mode(caller, pc)).toBe(KEEP);
    expect(red.whyKept(caller, pc)).toContain('it may close a start/end pair, which a property reads where an object in its range is mapped or a blockable start failed');
  });
});

describe('what is visible comes from the properties checked', () => {
  test('a model whose properties are unknown coalesces nothing: any statement may be what a property looks at', () => {
    const m = scenarioModel(gntdevAlone({ kind: 'reclaim', params: { address: 1 } }));
    const unknown = new Interpreter(m.program);
    const p = m.program;
    for (let fi = 0; fi < p.fns.length; fi++) for (let pc = 0; pc < p.fn(fi).instrs.length; pc++) expect(unknown.reduction.mode(fi, pc)).toBe(KEEP);
  });

  test('checking only the deadlock properties, the core end walk is coalesced: they do not read the open pairs', () => {
    const sc = gntdevAlone({ kind: 'reclaim', params: { address: 1 } });
    const only = scenarioModel(sc, { names: ['deadlock'] });
    const all = scenarioModel(sc);
    expect(readsOf(only.program, ['deadlock']).pairs).toBe(false);
    const caller = only.program.fnId('mmu_notifier_invalidate_range_end');
    const pc = only.program.fn(caller).instrs.findIndex((i) => i.op === 'call' && i.callee.k === 'id' && i.callee.name === '__mmu_notifier_invalidate_range_end');
    expect(only.interp.reduction.mode(caller, pc)).toBe(COALESCE);
    expect(check(only).stats.states).toBeLessThan(check(all, { findAll: true }).stats.states);
    // And the verdicts of what is checked agree with the unreduced model.
    expect(violated(sc, { coalesce: true, names: ['deadlock'] })).toEqual(violated(sc, { coalesce: false, names: ['deadlock'] }));
  });

  test('every kernel property declares its reads; the union over all of them reads the pairs under conditions, the running of releases and of end calls, and the finishing of a thread owing an end', () => {
    const m = scenarioModel(gntdevAlone({ kind: 'reclaim', params: { address: 1 } }));
    const r = readsOf(m.program);
    expect(r).toMatchObject({ pairs: false, enabled: true, finishedOwing: true });
    // Lock discipline reads neither the locks nor a thread finishing holding one: only the running
    // of a release or a down_read, where it may undo a violation (docs/model.md).
    expect(r).toMatchObject({ locks: false, finishedHolding: false });
    expect(r.runs?.flatMap((w) => w.prims ?? [])).toEqual(expect.arrayContaining(['mutex_unlock', 'up_read', 'up_read_non_owner', 'spin_unlock', 'down_read']));
    // Coherency reads the closing of a pair whose range has a mapped object, or of a failed
    // blockable start; pairing reads no pair at all (its findings are the thread's own).
    expect(r.pairsWhen?.map((c) => c.why)).toEqual(['an object in its range is mapped', 'a blockable start failed']);
    expect(m.interp.reduction.pairsConditional).toBe(true);
    expect(r.fields).toContain('mapped');
    // Pairing reads the running of an end call where the thread has no start owed for it, not the
    // arrival at one.
    expect(r.atOps).toEqual([]);
    expect(r.runs?.flatMap((w) => w.ops ?? [])).toEqual(['invalidate_range_end']);
    // Not read: the callbacks each thread is in (no-sleep does not need them), the finishing of a
    // thread that holds no lock and has no open pair (no reaper here: reaper-progress reads the
    // reaper's), and the balanced counters, which only the stable pairing:unbalanced-state reads
    // (src/properties/types.ts `stable`).
    expect(r.context).toBe(false);
    expect(r.finished).toBe(false);
    expect(r.finishedThreads).toEqual([]);
    expect(m.program.spec.balanced).toContain('mm.tlb_flush_pending');
    expect(r.fields).not.toContain('tlb_flush_pending');
  });
});

describe('verifyReduction checks the premise on every statement', () => {
  /** A driver primitive that bumps `obj.count` but declares that it only reads `other`. */
  const lying: Primitive = {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'other', mode: 'r' }],
    doc: 'a primitive whose declaration leaves out what it writes',
    run(ctx) {
      ctx.write('obj.count', Number(ctx.read('obj.count')) + 1);
      return 0;
    },
  };
  const program = () =>
    tinyProgram({
      fns: [f('a', [c('lie();'), c('mutex_lock(&m);'), c('mutex_unlock(&m);')]), f('b', [c('x = obj->count;')])],
      threads: [
        { name: 'a', fn: 'a', args: [] },
        { name: 'b', fn: 'b', args: [] },
      ],
      locks: { m: 'mutex' },
      mem: { 'obj.count': 0, 'obj.other': 0 },
      primitives: { lie: lying },
    });

  test('a primitive that writes a field its access declaration leaves out is reported, not trusted', () => {
    // Without the check the statement is coalesced (its declaration says it only reads `other`, which
    // nobody writes) although thread b reads what it writes: a dependence the reduction cannot see.
    const quiet = new Interpreter(program(), { reads: { locks: true } });
    expect(() => quiet.initial()).not.toThrow();
    const checked = new Interpreter(program(), { reads: { locks: true }, verifyReduction: true });
    expect(() => checked.initial()).toThrow(ModelError);
    expect(() => checked.initial()).toThrow(/reduction premise broken: a in a\(\): 'lie\(\);' writes obj\.count, but its static effects do not name count as written/);
  });

  test('a primitive that changes a lock without declaring `locks` is reported', () => {
    const sneaky: Primitive = {
      shared: true,
      sleeps: false,
      access: () => [{ name: 'm', mode: 'w' }],
      doc: 'takes a mutex but does not say it changes locks',
      run(ctx) {
        ctx.setLock('m', { kind: 'mutex', owner: ctx.tid });
        return 0;
      },
    };
    const p = tinyProgram({
      fns: [f('a', [c('grab();'), c('mutex_unlock(&m);')])],
      threads: [{ name: 'a', fn: 'a', args: [] }],
      locks: { m: 'mutex' },
      primitives: { grab: sneaky },
    });
    const ip = new Interpreter(p, { coalesce: false, verifyReduction: true });
    expect(() => ip.step(ip.initial(), { tid: 0, choice: 0 })).toThrow(/changes a lock, but its primitives do not declare `locks`/);
  });
});

describe("a thread's last return is visible only where a property reads that finishing", () => {
  // Thread a takes mutex m and may keep it; b writes y->v. Neither's finishing is read unless a
  // declaration says so, for every thread (`finished`), for some (`finishedThreads`), for a thread
  // holding a lock (`finishedHolding`) or one with an open start/end pair (`finishedOwing`).
  const p = tinyProgram({
    fns: [f('a', [c('mutex_lock(&m);')]), f('b', [c('y->v = 1;')])],
    threads: [
      { name: 'a', fn: 'a', args: [] },
      { name: 'b', fn: 'b', args: [] },
    ],
    locks: { m: 'mutex' },
    mem: { 'y.v': 0 },
  });
  const s0 = new Interpreter(p, { reads: {} }).initial();
  const held = { ...s0.locks, m: { kind: 'mutex' as const, owner: 0 } };
  const pair = [{ tid: 0, nid: 'n', start: 0, end: 1, blockable: 1, mayfail: 0, ret: 0 }];
  const visible = (reads: StateReads, tid: number, locks = s0.locks, pairs: typeof pair = []) =>
    new Interpreter(p, { reads }).reduction.finishingVisible(tid, pairs, locks);
  test('each declaration, and nothing without one', () => {
    expect(visible({}, 0, held, pair)).toBe(false);
    expect(visible({ enabled: true, locks: true, pairs: true }, 0, held, pair)).toBe(false);
    expect(visible({ finished: true }, 1)).toBe(true);
    expect(visible({ finishedThreads: [1] }, 1)).toBe(true);
    expect(visible({ finishedThreads: [1] }, 0, held, pair)).toBe(false);
    expect(visible({ finishedHolding: true }, 0, held)).toBe(true);
    expect(visible({ finishedHolding: true }, 1, held)).toBe(false);
    expect(visible({ finishedHolding: true }, 0)).toBe(false);
    expect(visible({ finishedOwing: true }, 0, s0.locks, pair)).toBe(true);
    expect(visible({ finishedOwing: true }, 1, s0.locks, pair)).toBe(false);
  });
  test('coalescing: b finishes in the initial state unless its finishing is read; a stops before its return while it holds m', () => {
    const count = (reads: StateReads) => {
      const m = new KernelModel(p, { reads, verifyReduction: true, por: false });
      m.setProperties([Property.deadlockFree('deadlock')]);
      return check(m).stats.states;
    };
    // Nothing read: b runs to its end in the initial state; a's mutex_lock is a transition (it may
    // wait) and its return joins it: 2 states (a before, a finished).
    expect(count({})).toBe(2);
    // a's finishing read while it holds m: a stops in front of its return: 3 states.
    expect(count({ finishedHolding: true })).toBe(3);
    // Every thread's finishing read, as before: b stops in front of its return too: 3 x 2 = 6.
    expect(count({ finished: true })).toBe(6);
  });
});

describe("a primitive's access may depend on the scenario's configuration", () => {
  // pmd_trans_huge() reads the huge page's `split` and its VMA's `freed` only where a VMA has a huge
  // page. It used to declare both reads everywhere, so every zapping thread's pmd test was a step of
  // its own (other threads write `freed` of the pages they free): before this, the first test below
  // found the statement kept.
  const zappers = (thp: boolean): Scenario => ({
    name: 'two-zaps',
    core: 'v4.19',
    oom: true,
    vmas: [thp ? { start: 0, end: 4, thp: 2 } : { start: 0, end: 4 }],
    notifiers: [],
    threads: [{ kind: 'oom_reaper' }, { kind: 'madvise', params: { start: 0, len: 4 } }],
  });
  const pmdTest = (m: KernelModel): { fn: number; pc: number } => {
    const fn = m.program.fnId('zap_pmd_range');
    // The `||` is a branch per operand: the one that calls pmd_trans_huge().
    const pc = m.program.fn(fn).instrs.findIndex((i) => m.interp.reduction.effectsOf(i).prims.includes('pmd_trans_huge'));
    expect(pc).toBeGreaterThanOrEqual(0);
    return { fn, pc };
  };

  test('without a huge page the pmd test reads nothing shared and runs on in the step before it', () => {
    const m = scenarioModel(zappers(false));
    const { fn, pc } = pmdTest(m);
    expect(m.interp.reduction.mode(fn, pc)).toBe(COALESCE);
  });

  test('with one it reads `freed` and `split`, which the other zapping thread writes, and stays a step', () => {
    const m = scenarioModel(zappers(true));
    const { fn, pc } = pmdTest(m);
    expect(m.interp.reduction.mode(fn, pc)).toBe(KEEP);
    expect(m.interp.reduction.whyKept(fn, pc).join('\n')).toMatch(/also accesses freed/);
  });

  test.each([false, true])('huge page %s: the same verdicts with and without the reduction (verifyReduction on)', (thp) => {
    expect(violated(zappers(thp), { coalesce: true })).toEqual(violated(zappers(thp), { coalesce: false }));
  });
});
