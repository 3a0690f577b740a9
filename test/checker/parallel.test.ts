/**
 * The parallel search (src/checker/parallel.ts) against one thread's `check`: the same states,
 * transitions and verdicts, counterexamples as short, bounds and errors as `check` has them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, type CheckResult, type Path } from '../../src/checker/index.ts';
import { checkParallel, PreparedWorkers, type WorkerData, type WorkerModel } from '../../src/checker/parallel.ts';
import { openSide } from '../../src/checker/parallel-side.ts';
import { NO_PARENT, VisitedTable } from '../../src/checker/fingerprint.ts';
import { newSharedTable, SharedStateTable } from '../../src/checker/shared-table.ts';
import { FixtureInputError, philosophers, sleepy, slowChain, threadsModel, type ThreadsArg } from './fixtures/parallel-models.ts';
import { programArb } from './fixtures/threads.ts';

const FIXTURES = new URL('./fixtures/parallel-models.ts', import.meta.url).href;
const spec = (name: string, arg: unknown): WorkerModel => ({ module: FIXTURES, name, arg });

function statuses<S, A>(r: CheckResult<S, A>): Record<string, string> {
  return Object.fromEntries(r.verdicts.map((v) => [v.property, v.status]));
}

/** Per violated property, the length of its counterexample (a lasso's whole length). */
function lengths<S, A>(r: CheckResult<S, A>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of r.verdicts) if (v.status === 'violated') out[v.property] = (v.counterexample.path as Path<S, A>).steps.length;
  return out;
}

describe('parallel search: fixtures with hand-derived counts', () => {
  it('three philosophers on 2 workers: 45 states, 69 transitions, the deadlock in 3 steps (as one thread finds it)', async () => {
    const r = await checkParallel(philosophers(3).model, spec('philosophers', 3), { workers: 2, findAll: true });
    expect(r.stats.states).toBe(45);
    expect(r.stats.transitions).toBe(69);
    expect(r.stats.maxDepth).toBe(9);
    expect(statuses(r)).toEqual({ 'forks held once': 'holds', 'deadlock-free': 'violated', 'all can finish': 'violated' });
    expect(lengths(r)['deadlock-free']).toBe(3);
  });

  it('nine philosophers (past the first index and its replacement) on 2 and 3 workers: what one thread finds', async () => {
    const one = check(philosophers(9).model, { findAll: true });
    expect(one.stats.states).toBeGreaterThan(10_000);
    for (const workers of [2, 3]) {
      const r = await checkParallel(philosophers(9).model, spec('philosophers', 9), { workers, findAll: true });
      expect(r.stats.states).toBe(one.stats.states);
      expect(r.stats.transitions).toBe(one.stats.transitions);
      expect(r.stats.maxDepth).toBe(one.stats.maxDepth);
      expect(statuses(r)).toEqual(statuses(one));
      expect(lengths(r)).toEqual(lengths(one));
    }
  });
});

describe("parallel search: the main thread's side", () => {
  /** The nine philosophers' model, counting the successors computed with it. */
  const counted = (): { model: ReturnType<typeof philosophers>['model']; calls: () => number } => {
    const base = philosophers(9).model;
    let calls = 0;
    return {
      model: {
        ...base,
        nextState: (s, a) => {
          calls++;
          return base.nextState(s, a);
        },
      },
      calls: () => calls,
    };
  };

  it('explores on the model it was given when told how to revive states for it (one model in the main isolate), else on one of its own', async () => {
    const one = check(philosophers(9).model, { findAll: true });
    const given = counted();
    const r = await checkParallel(given.model, spec('philosophers', 9), { workers: 2, findAll: true, revive: philosophers(9).revive });
    expect(r.stats.states).toBe(one.stats.states);
    expect(r.stats.transitions).toBe(one.stats.transitions);
    expect(statuses(r)).toEqual(statuses(one));
    expect(lengths(r)).toEqual(lengths(one));
    // The main thread's side computed its share of the transitions with it (it explores alone until the worker has loaded).
    expect(given.calls()).toBeGreaterThan(one.stats.transitions / 10);
    const apart = counted();
    await checkParallel(apart.model, spec('philosophers', 9), { workers: 2, findAll: true });
    // Only the counterexamples' replays.
    expect(apart.calls()).toBeLessThan(one.stats.transitions / 100);
  });
});

describe('parallel search: workers started ahead (PreparedWorkers)', () => {
  it('the search takes them: what one thread finds, and none is left waiting', async () => {
    const prepared = new PreparedWorkers(1, [FIXTURES]);
    expect(prepared.waiting).toBe(1);
    try {
      const one = check(philosophers(9).model, { findAll: true });
      const r = await checkParallel(philosophers(9).model, spec('philosophers', 9), { workers: 2, findAll: true, prepared });
      expect(prepared.waiting).toBe(0);
      expect(r.stats.states).toBe(one.stats.states);
      expect(r.stats.transitions).toBe(one.stats.transitions);
      expect(statuses(r)).toEqual(statuses(one));
    } finally {
      await prepared.close();
    }
  });

  it('more workers than were started ahead: the search starts the rest; fewer wanted: the others wait until closed', async () => {
    const one = check(philosophers(9).model, { findAll: true });
    const few = new PreparedWorkers(1, [FIXTURES]);
    const many = new PreparedWorkers(3, [FIXTURES]);
    try {
      const r3 = await checkParallel(philosophers(9).model, spec('philosophers', 9), { workers: 3, findAll: true, prepared: few });
      expect(r3.stats.states).toBe(one.stats.states);
      const r2 = await checkParallel(philosophers(9).model, spec('philosophers', 9), { workers: 2, findAll: true, prepared: many });
      expect(r2.stats.states).toBe(one.stats.states);
      expect(many.waiting).toBe(2);
    } finally {
      await few.close();
      await many.close();
    }
    expect(many.waiting).toBe(0);
  });

  it("a module that fails to load in a worker started ahead: the search fails with the module's error, its class name kept", async () => {
    const prepared = new PreparedWorkers(1, [new URL('./fixtures/throwing-module.ts', import.meta.url).href]);
    try {
      await expect(checkParallel(philosophers(9).model, spec('philosophers', 9), { workers: 2, prepared })).rejects.toMatchObject({ name: 'FixtureInputError', message: 'this module refuses to load' });
    } finally {
      await prepared.close();
    }
  });
});

describe('parallel search: property-based comparison with one thread', () => {
  it('random thread programs, with and without symmetry, properties of every kind: the same states, transitions, verdicts and counterexample lengths', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(programArb, { minLength: 2, maxLength: 4 }), fc.boolean(), fc.integer({ min: 0, max: 3 }), fc.boolean(), async (programs, twins, pcAt, symmetry) => {
        // With `twins`, the first program twice more: a class for the symmetry reduction.
        const progs = twins ? [programs[0]!, programs[0]!, ...programs] : programs;
        const arg: ThreadsArg = { programs: progs, sharedVars: 2, pcAt, symmetry };
        const one = check(threadsModel(arg).model, { findAll: true });
        const par = await checkParallel(threadsModel(arg).model, spec('threadsModel', arg), { workers: 2, findAll: true });
        expect(par.stats.states).toBe(one.stats.states);
        expect(par.stats.transitions).toBe(one.stats.transitions);
        expect(statuses(par)).toEqual(statuses(one));
        expect(lengths(par)).toEqual(lengths(one));
      }),
      { numRuns: 25, seed: 7 },
    );
  }, 120_000);
});

describe('parallel search: sleep sets (Explorer.enableSleepSets)', () => {
  it('every side names where one thread does: the same states and transitions, the names checked by running them (verifySleepSets)', async () => {
    const arg = { maxA: 30, maxB: 30 };
    const one = check(sleepy(arg).model, { findAll: true });
    // (31 x 31 states; each state reached twice but the first row's and column's: one of the two named.)
    expect(one.stats.namedTransitions).toBe(900);
    const r = await checkParallel(sleepy(arg).model, spec('sleepy', arg), { workers: 2, findAll: true, verifySleepSets: true });
    expect(r.stats.states).toBe(one.stats.states);
    expect(r.stats.transitions).toBe(one.stats.transitions);
    expect(r.stats.namedTransitions).toBeGreaterThan(0);
    expect(statuses(r)).toEqual(statuses(one));
    const off = await checkParallel(sleepy(arg).model, spec('sleepy', arg), { workers: 2, findAll: true, sleepSets: false });
    expect(off.stats.transitions).toBe(one.stats.transitions);
    expect(off.stats.namedTransitions).toBeUndefined();
  });

  it('a model whose sleep sets lie is caught by verifySleepSets in the parallel search too', async () => {
    const arg = { maxA: 1, maxB: 1, copy: true, lie: true };
    await expect(checkParallel(sleepy(arg).model, spec('sleepy', arg), { workers: 2, findAll: true, verifySleepSets: true })).rejects.toThrow(/a sleep set named the successor of a: 0 -> 1 wrongly/);
  });

  it('states moved to another side take their sleep sets with them: that side names from them', async () => {
    // Two sides on one table, driven by hand. Side 0 expands (0,0): (1,0) holds b's record, (0,1)
    // a's. Both move to side 1, which expands them: in (1,0) a and b run ((2,0), (1,1) new); in
    // (0,1) a is asleep and (1,1) known: named, and b runs ((0,2) new). Without the moved sleep
    // sets it would name nothing.
    const buffers = newSharedTable();
    const flags = new SharedArrayBuffer(4 * 4);
    const data = (worker: number): WorkerData => ({ worker, model: spec('sleepy', { maxA: 3, maxB: 3 }), table: buffers, flags, findAll: true });
    const a = await openSide(data(0));
    const b = await openSide(data(1));
    await a.answer({ t: 'seed' });
    const level0 = await a.answer({ t: 'level', depth: 0, fresh: true });
    expect(level0).toMatchObject({ t: 'level', next: 2 });
    const given = await a.answer({ t: 'give', n: 2 });
    if (given.t !== 'states') throw new Error(`expected states, got ${given.t}`);
    expect(given.sleeps?.map((z) => (z === null ? 0 : z.length))).toEqual([6, 6]);
    expect(await b.answer({ t: 'take', states: given.states, ids: given.ids, sleeps: given.sleeps })).toEqual({ t: 'ok' });
    expect(await b.answer({ t: 'level', depth: 1, fresh: true })).toMatchObject({ t: 'level', next: 3 });
    expect(await b.answer({ t: 'finish' })).toMatchObject({ t: 'finish', transitions: 4, named: 1 });
    expect(await a.answer({ t: 'finish' })).toMatchObject({ t: 'finish', transitions: 2, named: 0 });
    // Moved without them: refused (an internal error), not explored without them.
    const c = await openSide(data(1));
    await expect(c.answer({ t: 'take', states: given.states, ids: given.ids, sleeps: null })).rejects.toThrow(/without their sleep sets/);
  });
});

describe('parallel search: the result read from the shared table', () => {
  it('the shared table answers a result as a visited table of the same states does: each number, its fingerprint, its parent, and a state found by its fingerprint', () => {
    // A tree of 200 states, each the child of an earlier one, inserted into both in the same order.
    const shared = new SharedStateTable(newSharedTable());
    const own = new VisitedTable({ withIds: true });
    own.reserve(200);
    const fp = (i: number): [number, number] => [Math.imul(i + 1, 0x9e3779b1) | 0, Math.imul(i + 7, 0x85ebca6b) | 1];
    const ownSlot: number[] = [];
    for (let i = 0; i < 200; i++) {
      const parent = i === 0 ? -1 : Math.floor((i * 7) % i);
      const [hi, lo] = fp(i);
      expect(shared.insert(hi, lo, parent < 0 ? NO_PARENT : parent)).toBe(i);
      ownSlot.push(own.insert(hi, lo, parent < 0 ? NO_PARENT : ownSlot[parent]!));
    }
    const bySharedId = shared.slotsById();
    const byOwnId = own.slotsById();
    expect(shared.count).toBe(own.count);
    for (let id = 0; id < 200; id++) {
      const s = bySharedId[id]!;
      const o = byOwnId[id]!;
      expect([shared.hiAt(s), shared.loAt(s)]).toEqual([own.hiAt(o), own.loAt(o)]);
      const sp = shared.parentAt(s);
      const op = own.parentAt(o);
      expect(sp === NO_PARENT ? -1 : shared.idAt(sp)).toBe(op === NO_PARENT ? -1 : own.idAt(op));
      const [hi, lo] = fp(id);
      expect(shared.idAt(shared.find(hi, lo))).toBe(id);
    }
    expect(shared.find(12345, 678)).toBe(-1);
  });
});

describe('parallel search: bounds, the first violation, errors', () => {
  it('maxStates: incomplete, with about the bound (each worker stops at its first refusal)', async () => {
    const r = await checkParallel(philosophers(9).model, spec('philosophers', 9), { workers: 2, maxStates: 500, findAll: true });
    expect(r.status).toBe('incomplete');
    if (r.status === 'incomplete') expect(r.reason).toBe('max-states');
    expect(r.stats.states).toBe(500);
  });

  it('an aborted signal: incomplete, interrupted', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await checkParallel(philosophers(9).model, spec('philosophers', 9), { workers: 2, signal: ac.signal, findAll: true });
    expect(r.status).toBe('incomplete');
    if (r.status === 'incomplete') expect(r.reason).toBe('interrupted');
  });

  it('a time budget of 0: incomplete, time', async () => {
    const r = await checkParallel(philosophers(9).model, spec('philosophers', 9), { workers: 2, timeMs: 0, findAll: true });
    expect(r.status).toBe('incomplete');
    if (r.status === 'incomplete') expect(r.reason).toBe('time');
  });

  it('without findAll: a violation, its counterexample a shortest one', async () => {
    const one = check(philosophers(9).model);
    const r = await checkParallel(philosophers(9).model, spec('philosophers', 9), { workers: 2 });
    expect(r.status).toBe('violation');
    expect(one.status).toBe('violation');
    if (r.status === 'violation' && one.status === 'violation') {
      expect(r.violation.property).toBe(one.violation.property);
      expect(r.violation.path.steps.length).toBe(one.violation.path.steps.length);
    }
  });

  it('the main thread explores from the start: a search shorter than a worker takes to load ends complete within a time budget that ends before any worker is ready', async () => {
    // Nine philosophers take about 0.4 s on one thread; the worker loads for 4 s.
    const one = check(philosophers(9).model, { findAll: true });
    const r = await checkParallel(philosophers(9).model, spec('slowInWorkers', { n: 9, ms: 4000 }), { workers: 2, timeMs: 3000, findAll: true });
    expect(r.status).not.toBe('incomplete');
    expect(r.stats.states).toBe(one.stats.states);
    expect(r.stats.transitions).toBe(one.stats.transitions);
    expect(statuses(r)).toEqual(statuses(one));
  });

  it('a search of many short levels, explored alone while the worker loads, still honours a time budget (its checks are counted over levels, not within each)', async () => {
    // 300,000 levels of one state each (about 3 s alone); the worker loads for 3 s. Each level is
    // far shorter than the 32 expansions between two checks of the budget.
    const r = await checkParallel(slowChain({ n: 300_000, ms: 3000 }).model, spec('slowChain', { n: 300_000, ms: 3000 }), { workers: 2, timeMs: 200 });
    expect(r.status === 'incomplete' && r.reason).toBe('time');
    expect(r.stats.states).toBeLessThan(300_001);
  });

  it("a model that cannot be built: the model's own error (the main thread's side builds it first)", async () => {
    await expect(checkParallel(philosophers(3).model, spec('refusing', 'no such scenario'), { workers: 2 })).rejects.toBeInstanceOf(FixtureInputError);
  });

  it("a worker that cannot build the model: the model's own error, its class name kept, though the main thread's side could", async () => {
    // Three philosophers end before a worker has loaded: its failure is still reported.
    for (const n of [3, 9]) {
      await expect(checkParallel(philosophers(n).model, spec('refusingInWorkers', { n, message: 'no such scenario' }), { workers: 2 })).rejects.toMatchObject({ name: 'FixtureInputError', message: 'no such scenario' });
    }
  });

  it('options it cannot honour are refused', async () => {
    await expect(checkParallel(philosophers(3).model, spec('philosophers', 3), { workers: 1 })).rejects.toThrow(/workers must be an integer >= 2/);
    await expect(checkParallel(philosophers(3).model, spec('philosophers', 3), { workers: 2, strategy: 'dfs' })).rejects.toThrow(/only the breadth-first strategy/);
  });
});
