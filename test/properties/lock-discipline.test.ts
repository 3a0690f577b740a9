/**
 * What lock discipline lets the reductions hide (src/properties/lock-discipline.ts `reads`,
 * `StateReads.runs` in src/model/lang/reduction.ts): neither the locks, nor a thread arriving at a
 * release, nor a thread finishing with a lock is read; the running of a release or a `down_read` is,
 * where it may make a violated check hold again (`restores`), and only there. The argument is in
 * docs/model.md ("What the properties need not declare").
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../src/checker/index.ts';
import { KernelModel } from '../../src/model/kernel-model.ts';
import { c, fn } from '../../src/model/lang/ir.ts';
import type { Program } from '../../src/model/lang/program.ts';
import { COALESCE_UNLESS_RESTORES, KEEP, type StateReads } from '../../src/model/lang/reduction.ts';
import { lockDiscipline, lockDisciplineHolds, lockDisciplineHoldsSlowly } from '../../src/properties/lock-discipline.ts';
import { scenarioModel } from '../../src/properties/index.ts';
import { loadBuiltin } from '../../src/model/kernel/scenario-file.ts';
import { variantsOf } from '../../src/report/run.ts';
import type { KState } from '../../src/model/lang/state.ts';
import { PAGE_ALLOC_PRIMITIVES } from '../../src/model/kernel/core/page_alloc.ts';
import { tinyProgram } from '../model/lang/program-fixture.ts';

const f = (name: string, ...lines: string[]) => fn({ name, file: 't.c', version: 'test', source: 'test', params: [], body: lines.map((l) => c(l)) });

/** Thread `a` runs `body` over its own mutex `m` and variable `x`; thread `b` two stores of its own `y`. */
function program(...body: string[]): Program {
  return tinyProgram({
    fns: [f('a', ...body), f('b', 'y->w = 1;', 'y->w = 2;')],
    threads: [
      { name: 'a', fn: 'a', args: [] },
      { name: 'b', fn: 'b', args: [] },
    ],
    locks: { m: 'mutex' },
    mem: { 'x.v': 0, 'y.w': 0 },
  });
}

/** Lock discipline's reads before the change: every lock, a thread arriving at a release, a thread finishing with a lock. */
const OLD_READS: StateReads = { locks: true, finishedHolding: true, atPrims: ['mutex_unlock', 'up_write', 'up_read', 'up_read_non_owner', 'spin_unlock', 'spin_unlock_irqrestore', 'write_unlock', 'read_unlock', 'down_read'], atSleep: ['spinlock'] };

function explore(p: Program, reads: StateReads | undefined, o: { por?: boolean; coalesce?: boolean; verifyReduction?: boolean } = {}) {
  const m = new KernelModel(p, { ...(reads ? { reads } : {}), ...o });
  m.setProperties(lockDiscipline.build(m));
  const r = check(m, { findAll: true });
  const bad = r.verdicts.filter((v) => v.status === 'violated').map((v) => v.property);
  return { m, states: r.stats.states, bad };
}

describe('lock discipline reads the running of a release only where it may undo a violation', () => {
  test('a release of a lock the thread holds is coalesced; counted by hand', () => {
    const p = program('mutex_lock(&m);', 'x->v = 1;', 'mutex_unlock(&m);', 'x->v = 2;');
    const reads = lockDiscipline.reads(p);
    const red = new KernelModel(p, { reads }).interp.reduction;
    const a = p.fnId('a');
    // mutex_lock may wait (kept); the release is judged where a gets to it.
    expect(red.mode(a, 0)).toBe(KEEP);
    expect(red.mode(a, 2)).toBe(COALESCE_UNLESS_RESTORES);
    // b touches nothing anyone else does or a property reads: it runs to its end in the initial
    // state. a is then one transition (lock, store, unlock, store, finish): 2 states. Before, the
    // unlock was a transition of its own: 3 states. Every statement a transition: a's six
    // positions (four statements, the return, finished) by b's four, 24 states.
    expect(explore(p, reads)).toMatchObject({ states: 2, bad: [] });
    expect(explore(p, OLD_READS)).toMatchObject({ states: 3, bad: [] });
    expect(explore(p, undefined, { coalesce: false })).toMatchObject({ states: 24, bad: [] });
  });

  test('a release of a lock not held stops the coalescing in front of it, and without that judgement the violation is lost', () => {
    const p = program('x->v = 1;', 'mutex_unlock(&m);', 'x->v = 2;');
    const reads = lockDiscipline.reads(p);
    for (const o of [{}, { por: false }, { verifyReduction: true }, { coalesce: false }]) {
      expect(explore(p, reads, o).bad, JSON.stringify(o)).toEqual(['lock-discipline:bad-unlock']);
    }
    // `restores` is what stops it: with a judgement that never says so, the store before the unlock,
    // the unlock and the store after it are one transition, and no state has a about to unlock.
    const blind: StateReads = { ...reads, runs: reads.runs!.map((w) => ({ ...w, restores: () => false })) };
    expect(explore(p, blind).bad).toEqual([]);
  });

  test('partial-order reduction takes a release alone once no other thread can touch the lock, and keeps every verdict', () => {
    // b takes and releases a's mutex, so a's release depends on b (it is never coalesced); once b is
    // past its unlock, nothing b can still run touches the mutex (only `y`, which c stores too) and
    // the partial-order reduction may take a's release alone, where it cannot undo a violation.
    const p = tinyProgram({
      fns: [f('a', 'mutex_lock(&m);', 'x->v = 1;', 'mutex_unlock(&m);', 'x->v = 2;', 'mutex_unlock(&m);'), f('b', 'mutex_lock(&m);', 'mutex_unlock(&m);', 'y->w = 1;'), f('c', 'y->w = 2;')],
      threads: [
        { name: 'a', fn: 'a', args: [] },
        { name: 'b', fn: 'b', args: [] },
        { name: 'c', fn: 'c', args: [] },
      ],
      locks: { m: 'mutex' },
      mem: { 'x.v': 0, 'y.w': 0 },
    });
    const reads = lockDiscipline.reads(p);
    const full = explore(p, undefined, { coalesce: false });
    // a's second unlock releases a mutex it no longer holds.
    expect(full.bad).toEqual(['lock-discipline:bad-unlock']);
    const withPor = explore(p, reads, { verifyReduction: true });
    const withoutPor = explore(p, reads, { por: false, verifyReduction: true });
    expect(withPor.bad).toEqual(full.bad);
    expect(withoutPor.bad).toEqual(full.bad);
    expect(withPor.states).toBeLessThan(withoutPor.states);
  });
});

describe('the one-pass check (lockDisciplineHolds) answers as the thread-by-thread one', () => {
  /** Every sub-property's answer both ways, on every state the check of `m` reaches; and which sub-properties the slow check found violated. */
  function agreeOn(m: KernelModel): string[] {
    const kinds = lockDiscipline.build(m).map((p) => p.name);
    const agree = Property.always<KState>('agree', (s) => kinds.every((_, i) => lockDisciplineHolds(m, s, i) === lockDisciplineHoldsSlowly(m, s, i)));
    m.setProperties([agree, ...kinds.map((name, i) => Property.always<KState>(name, (s) => lockDisciplineHoldsSlowly(m, s, i)))]);
    const r = check(m, { findAll: true });
    expect(r.status).not.toBe('incomplete');
    expect(r.verdicts.find((v) => v.property === 'agree')?.status).toBe('holds');
    return r.verdicts.filter((v) => v.status === 'violated').map((v) => v.property);
  }

  const builtin = (name: string, variant: string): KernelModel => {
    const v = variantsOf(loadBuiltin(name)).find((x) => x.label === variant)!;
    return scenarioModel(v.scenario, { names: ['lock-discipline'] });
  };

  test('on the built-ins that violate bad-unlock, recursive-read and held-at-exit', () => {
    expect(agreeOn(builtin('amdgpu-ioctl-alloc-under-lock', '4a2de54dc1d7'))).toContain('lock-discipline:bad-unlock');
    expect(agreeOn(builtin('several-starts-in-flight', 'tetsuo'))).toContain('lock-discipline:recursive-read');
    expect(agreeOn(builtin('exit-mmap-vs-reaper', 'tetsuo'))).toContain('lock-discipline:held-at-exit');
  });

  test('on a thread that sleeps under a spinlock, releases locks it does not hold and finishes holding one', () => {
    const p = tinyProgram({
      // a may sleep holding s only at might_sleep_if(1) (its `sleeps` is a function of the argument:
      // might_sleep_if(0) does not), and finishes holding m; b releases m and s, which it never took.
      fns: [f('a', 'spin_lock(&s);', 'might_sleep_if(0);', 'might_sleep_if(1);', 'spin_unlock(&s);', 'mutex_lock(&m);'), f('b', 'mutex_unlock(&m);', 'y->w = 1;', 'spin_unlock(&s);')],
      primitives: { might_sleep_if: PAGE_ALLOC_PRIMITIVES.might_sleep_if! },
      threads: [
        { name: 'a', fn: 'a', args: [] },
        { name: 'b', fn: 'b', args: [] },
      ],
      locks: { m: 'mutex', s: 'spin' },
      mem: { 'x.v': 0, 'y.w': 0 },
    });
    expect(agreeOn(new KernelModel(p, { coalesce: false })).sort()).toEqual(['lock-discipline:bad-unlock', 'lock-discipline:held-at-exit', 'lock-discipline:sleep-under-spinlock']);
  });
});
