/**
 * Partial-order reduction (src/model/lang/por.ts): tiny programs whose full and reduced state counts are
 * derived by hand, the cycle proviso that keeps a spinning thread from hiding another thread's
 * step, and the order `advances` that proviso rests on. That the reduction changes no verdict of a
 * kernel scenario is shown by test/report/differential.test.ts, test/properties/kernel-model.property.test.ts
 * and `npm run verify:reduction`, which compare with the unreduced model.
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../../src/checker/index.ts';
import { c, fn, for_ } from '../../../src/model/lang/ir.ts';
import { KernelModel } from '../../../src/model/kernel-model.ts';
import { advances } from '../../../src/model/lang/por.ts';
import type { StateReads } from '../../../src/model/lang/reduction.ts';
import type { KState, ThreadState } from '../../../src/model/lang/state.ts';
import { tinyProgram } from './program-fixture.ts';

const f = (name: string, body: ReturnType<typeof c>[]) => fn({ name, file: 't.c', version: 'test', source: 'test', params: [], body });

/**
 * Explore `program`. Without sleep sets unless `sleepSets`: the run-through is then judged from
 * where the other threads are (PartialOrder.staticChain off), as under symmetry reduction; with
 * them, against their whole programs.
 */
function run(program: ReturnType<typeof tinyProgram>, o: { por: boolean; reads?: StateReads; props?: Property<KState>[]; sleepSets?: boolean }) {
  const m = new KernelModel(program, { por: o.por, reads: o.reads ?? {}, verifyReduction: true, properties: o.props ?? [], sleepSets: o.sleepSets ?? false });
  return check(m, { findAll: true, verifySleepSets: true });
}

describe('a conflict that lies in another thread’s past', () => {
  // a: x->v = 1; x->w = 1;     b: x->w = 2; x->v = 2;
  // Every statement touches a variable the other thread also touches, so coalescing keeps each one
  // a step of its own. Unreduced, a state is (a's pc, b's pc, v, w); counted by hand over the
  // orders of the four writes (a1 before a2, b1 before b2):
  //   (0,0) 1; (1,0) 1; (0,1) 1; (2,0) 1; (1,1) 1; (0,2) 1;
  //   (2,1): w is 1 or 2 (a2 before or after b1): 2; (1,2): v is 1 or 2: 2;
  //   (2,2): (v,w) = (2,1), (1,1) or (2,2) ((1,2) needs b2 < a1 < a2 < b1 < b2): 3.   Total 13.
  // Reduced: in (1,1) a is past x->v and b is past x->w, so each one's next step conflicts with
  // nothing the other can still do. A state where the thread that just moved can take its next step
  // alone (it conflicts with nothing the others can still do, no property sees it, it advances) is
  // not kept: the transition into it runs on through that step (PartialOrder.chain). So (1,1) is
  // never kept: from (1,0) b's x->w = 2 runs on through x->v = 2 to (1,2) with v = 2, w = 2; from
  // (0,1) a's x->v = 1 runs on through x->w = 1 to (2,1) with v = 1, w = 1. Kept: (0,0), (1,0),
  // (0,1); (2,0) v=1 w=1; (1,2) v=2 w=2; (2,1) v=1 w=1; (0,2) v=2 w=2; and the final states, where
  // a thread's last step runs on through the other's: (2,2) v=2 w=2 (from (2,0)), v=2 w=1 (from
  // (1,2) or (2,1)), v=1 w=1 (from (0,2)). 10 states, and the final states (3) are all kept.
  const program = () =>
    tinyProgram({
      fns: [f('a', [c('x->v = 1;'), c('x->w = 1;')]), f('b', [c('x->w = 2;'), c('x->v = 2;')])],
      threads: [
        { name: 'a', fn: 'a', args: [] },
        { name: 'b', fn: 'b', args: [] },
      ],
      mem: { 'x.v': 0, 'x.w': 0 },
    });
  const finals = (por: boolean, sleepSets = false): string[] => {
    const seen = new Set<string>();
    const prop = Property.always<KState>('records final states', (s) => {
      if (s.threads.every((t) => t.frames.length === 0)) seen.add(`v=${String(s.mem['x.v'])} w=${String(s.mem['x.w'])}`);
      return true;
    });
    run(program(), { por, props: [prop], sleepSets });
    return [...seen].sort();
  };

  test('13 states unreduced, 10 with the reduction, the same final states', () => {
    expect(run(program(), { por: false }).stats.states).toBe(13);
    expect(run(program(), { por: true }).stats.states).toBe(10);
    expect(finals(true)).toEqual(['v=1 w=1', 'v=2 w=1', 'v=2 w=2']);
    expect(finals(false)).toEqual(finals(true));
  });

  test('with sleep sets the run-through is judged against whole programs: 12 states, (1,1) kept', () => {
    // Every statement conflicts with something the other thread's whole program does (both write v
    // and w), so no transition runs on (PartialOrder.staticChain); the ample sets are judged from
    // where the threads are as before. (0,0), (1,0) and (0,1) expand both threads, as above. (1,1)
    // v=1 w=2, reached from both, is kept now; either thread's step may be taken alone there, and
    // the ample set takes a's x->w = 1: (2,1) v=1 w=1, then b's x->v = 2: (2,2) v=2 w=1. (2,0) v=1
    // w=1 has b's two steps: (2,1) v=1 w=2, (2,2) v=2 w=2. (0,2) v=2 w=2 has a's: (1,2) v=1 w=2,
    // (2,2) v=1 w=1. So 3 + (1,1) + (2,0), (0,2) + the two (2,1) and (1,2) + the three final
    // states: 12 states, and 12 transitions (two from each of the first three states, one from each
    // of the six others but the final ones). The sleep set names one of them: in
    // (0,1), a's x->v = 1 is asleep (taken from (0,0) beside b's x->w = 2, which touches another
    // variable) and leads to (1,1), which (1,0)'s b-step reached first.
    const r = run(program(), { por: true, sleepSets: true });
    expect(r.stats.states).toBe(12);
    expect(r.stats.transitions).toBe(12);
    expect(r.stats.namedTransitions).toBe(1);
    expect(finals(true, true)).toEqual(finals(false));
  });

  test('a step a property reads is never taken alone (visibility)', () => {
    // In (1,1) either step could be taken alone: a's x->w = 1 (b's future is x->v) or b's x->v = 2
    // (a's future is x->w). With v and w read by a property both are visible: every order is
    // explored and every state kept. With only w read, a's x->w = 1 is never taken alone nor run
    // on through, b's x->v = 2 still is: (0,1)'s a-step stops at (1,1), which is kept and expands b's
    // step alone; (0,2)'s stops at (1,2) with v = 1, kept too. The 10 of the test above without
    // (2,1) v=1 w=1 (no step reaches it now), with (1,1) and (1,2) v=1 w=2: 11.
    expect(run(program(), { por: true, reads: { fields: ['v', 'w'] } }).stats.states).toBe(13);
    expect(run(program(), { por: true, reads: { fields: ['w'] } }).stats.states).toBe(11);
  });
});

describe('the cycle proviso', () => {
  // a spins: for (;;) x->v = 1;    b: x->v = 2; x->b = 1;
  // Once b is past x->v, a's loop conflicts with nothing b can still do, and its statements are
  // invisible. Without a proviso the reduced graph would run a round the loop for ever and never
  // take b's x->b = 1, so `always b == 0` would pass; the jump back to the loop's head does not
  // advance a's position, so that state is expanded in full and b's step is explored.
  const program = () =>
    tinyProgram({
      fns: [fn({ name: 'a', file: 't.c', version: 'test', source: 'test', params: [], body: [for_('', '', '', [c('x->v = 1;')])] }), f('b', [c('x->v = 2;'), c('x->b = 1;')])],
      threads: [
        { name: 'a', fn: 'a', args: [] },
        { name: 'b', fn: 'b', args: [] },
      ],
      mem: { 'x.v': 0, 'x.b': 0 },
    });
  const never = Property.always<KState>('b never set', (s) => s.mem['x.b'] === 0);

  test('another thread’s step is still explored beside a thread spinning on independent statements', () => {
    const reads: StateReads = { fields: ['b'] };
    const reduced = run(program(), { por: true, reads, props: [never] });
    const full = run(program(), { por: false, reads, props: [never] });
    expect(full.verdicts.map((v) => v.status)).toEqual(['violated']);
    expect(reduced.verdicts.map((v) => v.status)).toEqual(['violated']);
    expect(reduced.stats.states).toBeLessThanOrEqual(full.stats.states);
  });
});

describe('advances: the order the proviso rests on', () => {
  const t = (...frames: [number, number][]): ThreadState => ({ frames: frames.map(([fn, pc]) => ({ fn, pc })) }) as unknown as ThreadState;
  test.each<[string, ThreadState, ThreadState, boolean]>([
    ['the next statement of the same function', t([0, 3]), t([0, 4]), true],
    ['a jump back (a loop)', t([0, 4]), t([0, 1]), false],
    ['no move', t([0, 4]), t([0, 4]), false],
    ['a call (the caller moves past the call and a frame is added)', t([0, 4]), t([0, 5], [1, 0]), true],
    ['a return (the frame goes)', t([0, 5], [1, 7]), t([0, 5]), true],
    ['finishing', t([0, 5]), t(), true],
    ['a finished kworker started again', t(), t([0, 0]), false],
    ['a move inside the callee', t([0, 5], [1, 2]), t([0, 5], [1, 3]), true],
    ['a loop inside the callee', t([0, 5], [1, 3]), t([0, 5], [1, 2]), false],
  ])('%s', (_what, a, b, expected) => {
    expect(advances(a, b)).toBe(expected);
  });
});
