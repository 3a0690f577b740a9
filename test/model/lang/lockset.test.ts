/**
 * Lock sets (src/model/lang/lockset.ts): what a thread surely holds at each statement, derived by
 * hand for kernel functions and tiny programs; that `verifyReduction` catches a set that claims a
 * lock the thread does not hold; and what the partial-order reduction makes of them (por.ts C1):
 * a lock holder's step is taken alone where the other threads' conflicting accesses are under the
 * same lock. That the verdicts stay those of the unreduced model is shown by `npm run
 * verify:reduction`, test/report/differential.test.ts and the property-based tests.
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../../src/checker/index.ts';
import { c, fn, for_, if_ } from '../../../src/model/lang/ir.ts';
import { KernelModel } from '../../../src/model/kernel-model.ts';
import { loadBuiltin } from '../../../src/model/kernel/scenario-file.ts';
import { buildProgram } from '../../../src/model/kernel/scenario.ts';
import type { KAction } from '../../../src/model/lang/interp.ts';
import { locksets } from '../../../src/model/lang/lockset.ts';
import type { Program } from '../../../src/model/lang/program.ts';
import type { KState } from '../../../src/model/lang/state.ts';
import { variantsOf } from '../../../src/report/run.ts';
import { tinyProgram } from './program-fixture.ts';

const f = (name: string, body: ReturnType<typeof c>[], params: string[] = []) => fn({ name, file: 't.c', version: 'test', source: 'test', params, body });

/** Per statement of function `name`, its C text and the fields of its lock set, for the live statements. */
function sets(p: Program, name: string): [string, string][] {
  const ls = locksets(p);
  const fi = p.fnId(name);
  return p.fn(fi).instrs.map((ins, pc) => [ins.src.text, ls.fields.filter((_, i) => ls.held[fi]![pc]! & (1 << i)).join(',')]);
}

function builtin(name: string, variant?: string): Program {
  const vs = variantsOf(loadBuiltin(name));
  return buildProgram((variant === undefined ? vs[0] : vs.find((v) => v.label === variant))!.scenario);
}

describe('lock sets of kernel functions', () => {
  test("KVM's start: kvm->mmu_lock from spin_lock to spin_unlock", () => {
    const rows = sets(builtin('kvm-pairing-under-reaper'), 'kvm_mmu_notifier_invalidate_range_start');
    const held = rows.filter(([, s]) => s === 'mmu_lock').map(([t]) => t);
    expect(held).toEqual([
      'kvm->mmu_notifier_count++;',
      'need_tlb_flush = kvm_unmap_hva_range(kvm, start, end);',
      'need_tlb_flush |= kvm->tlbs_dirty;',
      'if (need_tlb_flush)',
      'kvm_flush_remote_tlbs(kvm);',
      'spin_unlock(&kvm->mmu_lock);',
    ]);
    expect(rows.every(([, s]) => s === '' || s === 'mmu_lock')).toBe(true);
  });

  test("amdgpu_mn_read_lock as posted: read_lock after mutex_lock, and after a trylock that succeeded", () => {
    // if (blockable) mutex_lock(&amn->read_lock); else if (!mutex_trylock(&amn->read_lock)) return -EAGAIN;
    // Both ways meet holding read_lock; the -EAGAIN return, where the trylock failed, holds nothing.
    const rows = sets(builtin('amdgpu-read-lock-nonblock', '93065ac753e4'), 'amdgpu_mn_read_lock');
    expect(rows.filter(([t]) => !/^}$/.test(t))).toEqual([
      ['if (blockable)', ''],
      ['mutex_lock(&rmn->read_lock);', ''],
      ['else if (!mutex_trylock(&rmn->read_lock))', ''],
      ['return -EAGAIN;', ''],
      ['if (atomic_inc_return(&rmn->recursion) == 1)', 'read_lock'],
      ['down_read_non_owner(&rmn->lock);', 'read_lock'],
      ['mutex_unlock(&rmn->read_lock);', 'read_lock'],
      ['return 0;', ''],
    ]);
  });
});

describe('lock sets of tiny programs', () => {
  const locks = { 'x.l': 'spin' as const, 'x.m': 'mutex' as const };
  const mem = { 'x.v': 0, 'x.w': 0 };

  test('a release through a pointer held in a local may be any lock of its kind', () => {
    const p = tinyProgram({
      fns: [f('a', [c('spinlock_t *ptl;'), c('spin_lock(&x->l);'), c('mutex_lock(&x->m);'), c('x->v = 1;'), c('spin_unlock(ptl);'), c('x->w = 1;'), c('mutex_unlock(&x->m);')])],
      threads: [{ name: 'a', fn: 'a', args: [] }],
      locks,
      mem,
    });
    expect(sets(p, 'a').filter(([t]) => t.startsWith('x->'))).toEqual([
      ['x->v = 1;', 'l,m'],
      ['x->w = 1;', 'm'],
    ]);
  });

  test('a call takes out what the callee may release; a callee holds what every call site holds', () => {
    const p = tinyProgram({
      fns: [
        f('a', [c('spin_lock(&x->l);'), c('inner();'), c('rel();'), c('x->v = 1;')]),
        f('b', [c('spin_lock(&x->l);'), c('inner();'), c('spin_unlock(&x->l);'), c('mutex_lock(&x->m);'), c('other();'), c('mutex_unlock(&x->m);')]),
        f('inner', [c('x->w = 1;')]),
        f('other', [c('x->w = 2;')]),
        f('rel', [c('spin_unlock(&x->l);')]),
      ],
      threads: [
        { name: 'a', fn: 'a', args: [] },
        { name: 'b', fn: 'b', args: [] },
      ],
      locks,
      mem,
    });
    // inner() is called under x->l from both threads; other() only under x->m.
    expect(sets(p, 'inner')[0]).toEqual(['x->w = 1;', 'l']);
    expect(sets(p, 'other')[0]).toEqual(['x->w = 2;', 'm']);
    // After rel() (which releases x->l), a holds nothing.
    expect(sets(p, 'a').find(([t]) => t === 'x->v = 1;')).toEqual(['x->v = 1;', '']);
  });

  test('a lock held on one way only is not held where the ways meet', () => {
    const p = tinyProgram({
      fns: [f('a', [c('int r;'), if_('x->w', [c('spin_lock(&x->l);')]), c('x->v = 1;')])],
      threads: [{ name: 'a', fn: 'a', args: [] }],
      locks,
      mem,
    });
    expect(sets(p, 'a').find(([t]) => t === 'x->v = 1;')).toEqual(['x->v = 1;', '']);
  });
});

describe('checked, not trusted', () => {
  test('verifyReduction stops at a statement whose lock set names a lock the thread does not hold', () => {
    const p = tinyProgram({
      fns: [f('a', [c('spin_lock(&x->l);'), c('x->v = 1;'), c('spin_unlock(&x->l);'), c('x->w = 1;')])],
      threads: [{ name: 'a', fn: 'a', args: [] }],
      locks: { 'x.l': 'spin' },
      mem: { 'x.v': 0, 'x.w': 0 },
    });
    const run = () => check(new KernelModel(p, { verifyReduction: true, coalesce: false, reads: {}, properties: [] }), { findAll: true });
    expect(run().status).toBe('pass');
    // Claim x->l is still held at `x->w = 1;`, past the spin_unlock.
    const ls = locksets(p);
    const fi = p.fnId('a');
    const pc = p.fn(fi).instrs.findIndex((i) => i.src.text === 'x->w = 1;');
    const row = ls.held[fi] as Int32Array;
    row[pc] = row[pc]! | (1 << ls.fields.indexOf('l'));
    expect(run).toThrow(/reduction premise broken: a in a\(\): 'x->w = 1;' runs holding no lock of field l/);
  });
});

/**
 * a: spin_lock(&x->l); x->v = 1; spin_unlock(&x->l);
 * b: x->w = 1; spin_lock(&x->l); x->v = 2; spin_unlock(&x->l);
 * c: x->w = 2;
 */
const p = () =>
  tinyProgram({
    fns: [
      f('a', [c('spin_lock(&x->l);'), c('x->v = 1;'), c('spin_unlock(&x->l);')]),
      f('b', [c('x->w = 1;'), c('spin_lock(&x->l);'), c('x->v = 2;'), c('spin_unlock(&x->l);')]),
      f('c', [c('x->w = 2;')]),
    ],
    threads: [
      { name: 'a', fn: 'a', args: [] },
      { name: 'b', fn: 'b', args: [] },
      { name: 'c', fn: 'c', args: [] },
    ],
    locks: { 'x.l': 'spin' },
    mem: { 'x.v': 0, 'x.w': 0 },
  });

describe('a lock holder’s step is taken alone', () => {
  // In the program `p` above, once a holds x->l, b's x->v = 2 cannot run before a releases it (b
  // would have to hold x->l), so a's x->v = 1 conflicts with nothing b or c can still do: it is the
  // ample set, although b's future writes x->v. (Before the reduction knew locks, it expanded all
  // three threads there.)

  test('in the state where a holds x->l, a’s next step is expanded alone', () => {
    const m = new KernelModel(p(), { verifyReduction: true, reads: {}, properties: [] });
    const s0 = m.initStates()[0]!;
    const s1: KState = m.interp.next(s0, { tid: 0, choice: 0 });
    expect(s1.locks['x.l']).toEqual({ kind: 'spin', owner: 0 });
    const acts: KAction[] = [];
    m.actions(s1, acts);
    expect(acts.map((a) => a.tid)).toEqual([0, 1, 2]);
    expect(m.ample!(s1, acts)).toBe(0);
  });

  test('and where b holds x->l instead, b’s', () => {
    const m = new KernelModel(p(), { verifyReduction: true, reads: {}, properties: [] });
    let s: KState = m.initStates()[0]!;
    s = m.interp.next(s, { tid: 1, choice: 0 }); // x->w = 1
    s = m.interp.next(s, { tid: 1, choice: 0 }); // spin_lock(&x->l)
    const acts: KAction[] = [];
    m.actions(s, acts);
    // a waits for x->l; b and c can move.
    expect(acts.map((a) => a.tid)).toEqual([1, 2]);
    expect(m.ample!(s, acts)).toBe(0);
  });
});

describe('a state not kept keeps weak fairness', () => {
  // a: for (;;) { spin_lock(&x->l); x->v = 1; spin_unlock(&x->l); x->w = 1; }
  // b: spin_lock(&x->l); x->v = 2; x->b = 1; spin_unlock(&x->l); x->w = 2;
  // b starves under weak fairness: it is enabled only while a does not hold x->l, so a cycle of a's
  // loop is fair although b never moves. a's x->v = 1 conflicts with nothing b can run while a holds
  // the lock (b's x->v = 2 is under it too; without the lock sets it conflicts, and coalescing, which
  // judges against b's whole program, keeps it a step), so the transition into it runs on through
  // it. It stops before spin_unlock, a lock operation, so a state where a holds x->l and b waits
  // stays on the cycle. Were the release run on through too (C1 lets it: b's spin_lock waits), the
  // cycle's states would all have b enabled, the cycle would look unfair and the starvation would be
  // hidden (seen by dropping the lock-operation test from PartialOrder.chain: 'holds').
  const program = () =>
    tinyProgram({
      fns: [
        fn({ name: 'a', file: 't.c', version: 'test', source: 'test', params: [], body: [for_('', '', '', [c('spin_lock(&x->l);'), c('x->v = 1;'), c('spin_unlock(&x->l);'), c('x->w = 1;')])] }),
        f('b', [c('spin_lock(&x->l);'), c('x->v = 2;'), c('x->b = 1;'), c('spin_unlock(&x->l);'), c('x->w = 2;')]),
      ],
      threads: [
        { name: 'a', fn: 'a', args: [] },
        { name: 'b', fn: 'b', args: [] },
      ],
      locks: { 'x.l': 'spin' },
      mem: { 'x.v': 0, 'x.w': 0, 'x.b': 0 },
    });
  const done = Property.eventually<KState>('b sets x->b', (s) => s.mem['x.b'] === 1, { fairness: 'weak' });
  test('the starvation is found with the reduction as without it', () => {
    const run = (por: boolean) => check(new KernelModel(program(), { por, verifyReduction: true, reads: { fields: ['b'] }, properties: [done] }), { findAll: true });
    const full = run(false);
    const reduced = run(true);
    expect(full.verdicts.map((v) => v.status)).toEqual(['violated']);
    expect(reduced.verdicts.map((v) => v.status)).toEqual(['violated']);
    expect(reduced.stats.states).toBeLessThan(full.stats.states);
  });
});

describe('a release that lets a waiter go', () => {
  // The program `p` above, in the state where a is about to release
  // x->l and b waits for it: C1 lets a's spin_unlock go alone (b's spin_lock cannot run before it).
  // It enables b, which a property reading who can move (deadlock, no-sleep:blocked,
  // reaper-progress: `enabled`) sees, so there it is not taken alone (C2).
  const at = (m: KernelModel): KState => {
    let s: KState = m.initStates()[0]!;
    for (const tid of [0, 0, 1]) s = m.interp.next(s, { tid, choice: 0 }); // a: lock, x->v = 1; b: x->w = 1
    return s;
  };
  test.each([
    ['no property reads who can move: the release alone', {}, 0],
    ['a property reads it: not the release', { enabled: true }, 1],
  ] as const)('%s', (_, reads, expected) => {
    const m = new KernelModel(p(), { verifyReduction: true, reads, properties: [] });
    const s = at(m);
    expect(m.interp.waitOf(s, 1)).not.toBeNull();
    const acts: KAction[] = [];
    m.actions(s, acts);
    expect(acts.map((a) => a.tid)).toEqual([0, 2]);
    expect(m.ample!(s, acts)).toBe(expected);
  });
});

describe('a statement that waits for a held lock can still oops', () => {
  // a: spin_lock(&x->l); o->flag = 1; o->p = x; spin_unlock(&x->l);
  // b: if (o->flag) { spin_lock(&o->p->l); spin_unlock(&o->p->l); }
  // Once a has set o->flag and before it sets o->p, b's spin_lock(&o->p->l) dereferences NULL: the
  // kernel oopses, lock or no lock (the interpreter evaluates the arguments first, and a thread
  // whose arguments oops is enabled). The lock sets say b's spin_lock waits for x->l, which a holds;
  // until the hunt of 7 December (the property-based relation "coalescing" with a random seed, on
  // amdgpu_mn_read_lock's mutex_lock(&amn->read_lock) with amn freed by amdgpu_mn_destroy), C1 left
  // such a statement out of b's future altogether, so a's o->p = x conflicted with nothing b could
  // still do and was taken alone: b never met o->p NULL and the reduced model said the oops could
  // not happen (seen: 'holds', 10 states, against 'violated' without the reduction).
  const program = () =>
    tinyProgram({
      fns: [
        f('a', [c('spin_lock(&x->l);'), c('o->flag = 1;'), c('o->p = x;'), c('spin_unlock(&x->l);')]),
        f('b', [if_('o->flag', [c('spin_lock(&o->p->l);'), c('spin_unlock(&o->p->l);')])]),
      ],
      threads: [
        { name: 'a', fn: 'a', args: [] },
        { name: 'b', fn: 'b', args: [] },
      ],
      locks: { 'x.l': 'spin' },
      mem: { 'o.flag': 0, 'o.p': null, 'a.oops': null, 'b.oops': null },
    });
  const run = (por: boolean, verifyReduction: boolean, patch?: (m: KernelModel) => void) => {
    const p = program();
    const noOops = Property.always<KState>('b does not oops', (s) => s.mem['b.oops'] === null);
    const m = new KernelModel(p, { por, verifyReduction, reads: { fields: ['oops'] }, properties: [noOops] });
    patch?.(m);
    return check(m, { findAll: true });
  };

  test('the oops is found with the partial-order reduction as without it', () => {
    expect(run(false, false).verdicts.map((v) => v.status)).toEqual(['violated']);
    expect(run(true, false).verdicts.map((v) => v.status)).toEqual(['violated']);
    // and the premise, checked on every statement run, holds (it stopped at b's spin_lock before).
    expect(run(true, true).verdicts.map((v) => v.status)).toEqual(['violated']);
  });

  test("what such a run may access is the statement's accesses but its lock's", () => {
    const p = program();
    const red = new KernelModel(p, { reads: {}, properties: [] }).interp.reduction;
    const ins = p.fn(p.fnId('b')).instrs.find((i) => i.src.text === 'spin_lock(&o->p->l);')!;
    const e = red.effectsOf(ins);
    expect(e.waits).toBe(true);
    expect(e.accesses).toContainEqual(expect.objectContaining({ name: 'l' }));
    expect(e.oopsAccesses).toEqual([{ name: 'p', mode: 'r' }]);
  });

  test('checked, not trusted: verifyReduction stops at a statement counted as waiting that runs without an oops', () => {
    // The program `p` above: claim that c's x->w = 2 waits for x->l. It runs while a holds x->l.
    const q = p();
    const ls = locksets(q);
    const fi = q.fnId('c');
    const pc = q.fn(fi).instrs.findIndex((i) => i.src.text === 'x->w = 2;');
    const row = ls.waitsFor[fi] as Int32Array;
    row[pc] = 1 << ls.fields.indexOf('l');
    expect(() => check(new KernelModel(q, { por: false, verifyReduction: true, reads: {}, properties: [] }), { findAll: true })).toThrow(
      /reduction premise broken: c in c\(\): 'x->w = 2;' runs while a holds every lock of field l, but the lock sets \(lockset.ts\) count it as waiting then/,
    );
  });

  test('checked, not trusted: verifyReduction stops at such a run that accesses what its static effects for it leave out', () => {
    const leaveOut = (m: KernelModel): void => {
      const red = m.interp.reduction;
      const effectsOf = red.effectsOf.bind(red);
      red.effectsOf = (ins) => (ins.src.text === 'spin_lock(&o->p->l);' ? { ...effectsOf(ins), oopsAccesses: [] } : effectsOf(ins));
    };
    // Without the reduction (whose choices the patch would change), so that the run happens.
    expect(run(false, true).verdicts.map((v) => v.status)).toEqual(['violated']);
    expect(() => run(false, true, leaveOut)).toThrow(/reduction premise broken: b in b\(\): 'spin_lock\(&o->p->l\);' oopses while a holds every lock of field l, reading o\.p/);
  });
});
