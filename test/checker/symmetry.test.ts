/**
 * Symmetry reduction in the engine (src/checker/symmetry.ts): hand-derived state counts, the cases
 * where a quotient without permutations gives the wrong verdict, per-thread liveness properties,
 * and a property-based comparison with the unreduced exploration over random thread programs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, forecast, Property, type CheckResult } from '../../src/checker/index.ts';
import { programArb, randomProperties, ThreadsModel, type Instr, type TAction, type TState, type ThreadsSpec } from './fixtures/threads.ts';

const MUTEX: Instr[] = [{ op: 'lock' }, { op: 'unlock' }, { op: 'choose', a: 0, b: 0 }];

function both(spec: ThreadsSpec): { on: CheckResult<TState, TAction>; off: CheckResult<TState, TAction>; model: ThreadsModel } {
  const model = new ThreadsModel(spec, true);
  return { on: check(model, { findAll: true }), off: check(new ThreadsModel(spec, false), { findAll: true }), model };
}

function statuses(r: CheckResult<TState, TAction>): Record<string, string> {
  return Object.fromEntries(r.verdicts.map((v) => [v.property, v.status]));
}

describe('symmetry reduction: counts', () => {
  it('k threads looping lock/unlock: 3·2^(k-1) states without, 2k with (hand-derived)', () => {
    // Per thread: pc 0 (before lock), 1 (holding), 2 (before the loop back). Unreduced: the
    // holder (if any) at pc 1, the others at pc 0 or 2: 2^k + k·2^(k-1). Reduced: how many of the
    // non-holders are at pc 2: k+1 without a holder, k with one.
    for (const k of [2, 3, 4]) {
      const spec: ThreadsSpec = { programs: Array.from({ length: k }, () => MUTEX), sharedVars: 0 };
      const { on, off } = both(spec);
      expect(off.stats.states).toBe(2 ** k + k * 2 ** (k - 1));
      expect(on.stats.states).toBe(2 * k + 1);
      expect(on.status).toBe('pass');
    }
  });

  it('the forecast walks the representatives too: it never meets more states than the reduced run records', () => {
    const spec: ThreadsSpec = { programs: Array.from({ length: 4 }, () => MUTEX), sharedVars: 0 };
    const f = forecast(new ThreadsModel(spec, true), { seed: 1, budget: 5_000 });
    expect(f.seen).toBe(9);
    expect(forecast(new ThreadsModel(spec, false), { seed: 1, budget: 5_000 }).seen).toBeGreaterThan(9); // of 48
  });

  it('twins: a thread interchangeable with an earlier one in the state takes its edges from it, uncomputed (hand-derived)', () => {
    // Two threads of MUTEX, representatives (pc of t0, pc of t1; owner), sorted by key:
    //   (0,0)      t0 lock, t1 lock: twins, both to (0,1;1)           2 edges, 1 computed
    //   (0,1;1)    t1 unlock to (0,2)                                 1 edge,  1 computed
    //   (0,2)      t0 lock to (1,2;0); t1 loops twice to (0,0)         3 edges, 3 computed
    //   (1,2;0)    t0 unlock to (2,2); t1 loops twice to (0,1;1)      3 edges, 3 computed
    //   (2,2)      t0 loops twice, t1 loops twice: twins, all (0,2)   4 edges, 2 computed
    // 13 edges; 10 successors computed with twins, 13 without. Both twin edges' targets have no
    // twins themselves (keys 0, 5 and 0, 8), so their permutations are the only ones and the
    // edges are taken even where the liveness graph keeps permutations (here: the per-thread and
    // `eventually` properties, which hold, so that no counterexample is rebuilt by stepping).
    const props = (goal: (s: TState) => boolean) => (m: ThreadsModel) => [...m.partial(), Property.eventually<TState>('goal', goal, { fairness: 'weak' })];
    const run = (twins: boolean, spec: ThreadsSpec): { r: CheckResult<TState, TAction>; computed: number } => {
      const model = new ThreadsModel(spec, true, twins);
      let computed = 0;
      const next = model.nextState.bind(model);
      model.nextState = (st, a) => {
        computed++;
        return next(st, a);
      };
      return { r: check(model, { findAll: true }), computed };
    };
    const holds: ThreadsSpec = { programs: [MUTEX, MUTEX], sharedVars: 0, properties: props(() => true) };
    const on = run(true, holds);
    const off = run(false, holds);
    expect(on.r.stats.states).toBe(5);
    expect(off.r.stats.states).toBe(5);
    expect(on.r.stats.transitions).toBe(13);
    expect(off.r.stats.transitions).toBe(13);
    expect(on.computed).toBe(10);
    expect(off.computed).toBe(13);
    expect(statuses(on.r)).toEqual(statuses(off.r));
    // The weakly fair cycle (both threads take turns forever) goes through twin edges; its lasso closes in the model.
    const never: ThreadsSpec = { ...holds, properties: props(() => false) };
    const v = run(true, never).r.verdicts.find((x) => x.property === 'goal')!;
    expect(statuses(run(true, never).r)).toEqual(statuses(run(false, never).r));
    expect(v.status).toBe('violated');
    if (v.status === 'violated') {
      const ce = v.counterexample;
      const states = [ce.path.init, ...ce.path.steps.map((x) => x.state)];
      expect(JSON.stringify(states[ce.loopStart!])).toBe(JSON.stringify(states[states.length - 1]));
      expect(new Set(ce.path.steps.slice(ce.loopStart).map((x) => x.action.tid)).size).toBe(2);
    }
  });

  it('threads with different programs are not merged', () => {
    const other: Instr[] = [{ op: 'lock' }, { op: 'unlock' }];
    const { on, off } = both({ programs: [MUTEX, MUTEX, other], sharedVars: 0 });
    expect(on.stats.states).toBeLessThan(off.stats.states);
    const { on: on2, off: off2 } = both({ programs: [MUTEX, other], sharedVars: 0 });
    expect(on2.stats.states).toBe(off2.stats.states);
  });
});

describe('symmetry reduction: verdicts that need the permutations', () => {
  it('a weakly fair cycle that closes only after permuting the threads is found, and its lasso closes in the model', () => {
    // Two threads flip their bit and loop, forever. The fair runs have both threads acting; in the
    // quotient a thread's flip moves it past the other (its sort key grows), so a cycle of
    // representatives has one index acting where the model alternates threads: read without the
    // permutations it was wrongly judged (found by the property-based test below, seed 12).
    const prog: Instr[] = [{ op: 'flip' }, { op: 'choose', a: 0, b: 0 }];
    const spec: ThreadsSpec = {
      programs: [prog, prog],
      sharedVars: 1,
      properties: () => [Property.eventually<TState>('never', (s) => s.shared[0] === 1, { fairness: 'weak' })],
    };
    const { on, off } = both(spec);
    expect(on.stats.states).toBeLessThan(off.stats.states);
    const v = on.verdicts[0]!;
    expect(v.status).toBe('violated');
    expect(off.verdicts[0]!.status).toBe('violated');
    if (v.status !== 'violated') return;
    const ce = v.counterexample;
    // The cycle closes on the model's own states (confirm.ts checked it by full encoding too).
    const states = [ce.path.init, ...ce.path.steps.map((s) => s.state)];
    expect(JSON.stringify(states[ce.loopStart!])).toBe(JSON.stringify(states[states.length - 1]));
    const actors = new Set(ce.path.steps.slice(ce.loopStart).map((s) => s.action.tid));
    expect([...actors].sort()).toEqual([0, 1]);
  });

  it('a per-thread liveness property is violated for every thread of the class, each with a path where that thread is stuck', () => {
    // Each thread loops, or leaves the loop to wait for a flag nobody sets: stuck for good.
    const prog: Instr[] = [{ op: 'set', v: 0, val: 0 }, { op: 'choose', a: 0, b: 2 }, { op: 'await', v: 0, val: 1 }];
    const spec: ThreadsSpec = { programs: [prog, prog, prog], sharedVars: 1, properties: (m) => m.partial() };
    const { on, off } = both(spec);
    expect(on.stats.states).toBeLessThan(off.stats.states);
    expect(statuses(on)).toEqual({ 'partial:t0': 'violated', 'partial:t1': 'violated', 'partial:t2': 'violated' });
    expect(statuses(off)).toEqual(statuses(on));
    on.verdicts.forEach((v, t) => {
      if (v.status !== 'violated') return;
      const steps = v.counterexample.path.steps;
      const last = steps.length ? steps[steps.length - 1]!.state : v.counterexample.path.init;
      expect(last.pcs[t]).toBe(2);
    });
  });
});


describe('symmetry reduction: when it stays off', () => {
  it('a per-thread property checked without its class mates: no reduction, the unreduced verdict', () => {
    const prog: Instr[] = [{ op: 'set', v: 0, val: 0 }, { op: 'choose', a: 0, b: 2 }, { op: 'await', v: 0, val: 1 }];
    const spec: ThreadsSpec = { programs: [prog, prog], sharedVars: 1, properties: (m) => m.partial().slice(1) };
    const { on, off } = both(spec);
    expect(on.stats.states).toBe(off.stats.states);
    expect(statuses(on)).toEqual({ 'partial:t1': 'violated' });
    expect(statuses(off)).toEqual(statuses(on));
  });
});

describe('symmetry reduction: property-based comparison with the unreduced exploration', () => {
  it('random programs of 2-3 identical threads (and one other): the same verdict for every property, every violation confirmed on the model', () => {
    fc.assert(
      fc.property(programArb, fc.integer({ min: 2, max: 3 }), fc.option(programArb, { nil: undefined }), fc.integer({ min: 0, max: 3 }), (prog, k, other, pcAt) => {
        const programs = [...Array.from({ length: k }, () => prog), ...(other ? [other] : [])];
        const spec: ThreadsSpec = { programs, sharedVars: 2, properties: randomProperties(pcAt) };
        const { on, off } = both(spec);
        expect(statuses(on)).toEqual(statuses(off));
        expect(on.stats.states).toBeLessThanOrEqual(off.stats.states);
        // Twins' edges taken uncomputed: the same graph as computing them.
        const noTwins = check(new ThreadsModel(spec, true, false), { findAll: true });
        expect(statuses(noTwins)).toEqual(statuses(on));
        expect([noTwins.stats.states, noTwins.stats.transitions]).toEqual([on.stats.states, on.stats.transitions]);
        expect(statuses(check(new ThreadsModel(spec, true), { findAll: true, strategy: 'dfs' }))).toEqual(statuses(off));
        // Every violation the reduced run reports is a path of the model, confirmed on its states.
        for (const v of on.verdicts) expect(v.status).not.toBe('unknown');
      }),
      { numRuns: 400, seed: 12 },
    );
  });
});
