/**
 * The interpreter's contract with the engine: each step reports the shared variables and locks it
 * read and wrote; a non-deterministic choice gives one action per outcome; coalescing keeps every
 * executed statement in the step's record.
 */
import { describe, expect, test } from 'vitest';
import { c, fn, if_ } from '../../../src/model/lang/ir.ts';
import { Interpreter, type KAction } from '../../../src/model/lang/interp.ts';
import { SLEEPS, SPINS, type Primitive } from '../../../src/model/lang/primitives.ts';
import type { KState } from '../../../src/model/lang/state.ts';
import { builtinNames, loadBuiltin } from '../../../src/model/kernel/scenario-file.ts';
import { scenarioModel } from '../../../src/properties/index.ts';
import { variantsOf } from '../../../src/report/run.ts';
import { tinyProgram } from './program-fixture.ts';

const f = (name: string, body: ReturnType<typeof c>[]) => fn({ name, file: 't.c', version: 'test', source: 'test', params: [], body });

describe('interpreter', () => {
  test('a step exposes what it read and wrote', () => {
    const p = tinyProgram({
      fns: [f('t', [c('mutex_lock(&m);'), c('x->count = x->count + 1;'), c('mutex_unlock(&m);')])],
      threads: [{ name: 't', fn: 't', args: [] }],
      locks: { m: 'mutex' },
      mem: { 'x.count': 0 },
    });
    const ip = new Interpreter(p, { coalesce: false });
    const s0 = ip.initial();
    const lock = ip.step(s0, { tid: 0, choice: 0 });
    expect(lock.reads).toEqual(['m']);
    expect(lock.writes).toEqual(['m']);
    const inc = ip.step(lock.state, { tid: 0, choice: 0 });
    expect(inc.reads).toEqual(['x.count']);
    expect(inc.writes).toEqual(['x.count']);
    expect(inc.executed.map((e) => e.src.text)).toEqual(['x->count = x->count + 1;']);
  });

  test('a non-deterministic choice is one action per outcome, each explored', () => {
    const p = tinyProgram({
      fns: [f('t', [c('r = mnc_choose(3);'), c('x->r = r;')])],
      threads: [{ name: 't', fn: 't', args: [] }],
      mem: { 'x.r': -1 },
    });
    const ip = new Interpreter(p, { coalesce: false });
    const acts: KAction[] = [];
    ip.actions(ip.initial(), acts);
    expect(acts).toEqual([
      { tid: 0, choice: 0 },
      { tid: 0, choice: 1 },
      { tid: 0, choice: 2 },
    ]);
    const after = acts.map((a) => {
      const s = ip.step(ip.initial(), a).state;
      return ip.step(s, { tid: 0, choice: 0 }).state.mem['x.r'];
    });
    expect(after).toEqual([0, 1, 2]);
  });

  test('coalescing runs a thread on through statements nobody else can observe, and records each of them', () => {
    const p = tinyProgram({
      fns: [f('a', [c('int i = 1;'), if_('i', [c('i = 2;')]), c('mutex_lock(&m);'), c('mutex_unlock(&m);')]), f('b', [c('mutex_lock(&m);'), c('mutex_unlock(&m);')])],
      threads: [
        { name: 'a', fn: 'a', args: [] },
        { name: 'b', fn: 'b', args: [] },
      ],
      locks: { m: 'mutex' },
    });
    // Properties that read the locks (as lock-discipline does): the lock operations stay steps of their own.
    const on = new Interpreter(p, { reads: { locks: true } });
    const s0 = on.initial();
    // The local statements ran before the first transition: thread a stands at its mutex_lock.
    expect(on.current(s0, 0)!.instr.src.text).toBe('mutex_lock(&m);');
    const off = new Interpreter(p, { coalesce: false });
    expect(off.current(off.initial(), 0)!.instr.src.text).toBe('int i = 1;');
    const step = off.step(off.initial(), { tid: 0, choice: 0 });
    expect(step.executed.map((e) => e.src.text)).toEqual(['int i = 1;']);
  });

  test("a read gives a shared variable's value, null included; a read of any other name is an error, whatever Object.prototype has under it", () => {
    // read() takes a value of a shared variable's kinds as the key's own and looks the key up only
    // otherwise: a name Object.prototype has must still be no shared variable.
    const run = (key: string): unknown[] => {
      const got: unknown[] = [];
      const peek: Primitive = {
        shared: true,
        sleeps: false,
        doc: `peek(): reads ${key}`,
        run(ctx) {
          got.push(ctx.read(key));
          return 0;
        },
      };
      const p = tinyProgram({ fns: [f('a', [c('peek();')])], threads: [{ name: 'a', fn: 'a', args: [] }], mem: { 'x.n': 3, 'x.p': null, 'x.s': 'obj0' }, primitives: { peek } });
      const ip = new Interpreter(p, { coalesce: false });
      ip.step(ip.initial(), { tid: 0, choice: 0 });
      return got;
    };
    expect(run('x.n')).toEqual([3]);
    expect(run('x.p')).toEqual([null]);
    expect(run('x.s')).toEqual(['obj0']);
    for (const key of ['x.nope', 'toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) expect(() => run(key), key).toThrow(/read of unknown shared variable/);
  });

  test('enabledness asks only whether a thread waits; waitOf asks why, however the questions interleave', () => {
    // A gate that waits while x.open is 0, and notes whether each caller wanted the reason.
    const asked: boolean[] = [];
    const gate: Primitive = {
      shared: true,
      sleeps: true,
      doc: 'gate(): sleeps until x.open',
      wait(ctx) {
        asked.push(ctx.explains);
        if (ctx.read('x.open')) return null;
        return ctx.explains ? { why: `gate(): x.open is ${String(ctx.read('x.open'))} for ${ctx.threadName(ctx.tid)}`, sleeping: true } : SLEEPS;
      },
      run: () => 0,
    };
    const p = tinyProgram({
      fns: [f('a', [c('gate();')]), f('b', [c('x->open = 1;')])],
      threads: [
        { name: 'a', fn: 'a', args: [] },
        { name: 'b', fn: 'b', args: [] },
      ],
      mem: { 'x.open': 0 },
      primitives: { gate },
    });
    const ip = new Interpreter(p, { coalesce: false });
    const s0 = ip.initial();
    const acts: KAction[] = [];
    ip.actions(s0, acts);
    expect(acts).toEqual([{ tid: 1, choice: 0 }]);
    expect(asked).toEqual([false]);
    expect(ip.waitOf(s0, 0)).toEqual({ why: 'gate(): x.open is 0 for a', sleeping: true });
    expect(asked).toEqual([false, true]);
    // Again after a report: enabledness still does not ask, and a report after it still does.
    const s1 = ip.step(s0, acts[0]!).state;
    expect(ip.canMove(s1, 0)).toBe(true);
    expect(ip.waitOf(s1, 0)).toBeNull();
    expect(asked).toEqual([false, true, false, true]);
    expect(ip.canMove(s0, 0)).toBe(false);
    expect(ip.waitOf(s0, 0)?.why).toBe('gate(): x.open is 0 for a');
  });

  test('enabledness and waitOf agree on every thread of the first states of every built-in, and a waiting thread is reported with its reason, never the placeholder', () => {
    // The first states of every built-in scenario: waitOf (reports, traces) gets each primitive's
    // description, though the enabledness computed for the same states just before did not ask.
    const placeholders = new Set([SLEEPS.why, SPINS.why]);
    let waiting = 0;
    const kinds = new Set<string>();
    for (const name of builtinNames()) {
      const m = scenarioModel(variantsOf(loadBuiltin(name))[0]!.scenario);
      const seen = new Set<KState>();
      let frontier = [...m.initStates()];
      for (let depth = 0; depth < 40 && frontier.length && seen.size < 400; depth++) {
        const next: KState[] = [];
        for (const s of frontier) {
          if (seen.has(s)) continue;
          seen.add(s);
          for (let tid = 0; tid < s.threads.length; tid++) {
            const w = m.interp.waitOf(s, tid);
            const moves = m.interp.canMove(s, tid);
            // Enabledness, which does not ask why, and waitOf agree on whether the thread waits.
            if (s.threads[tid]!.frames.length > 0) expect(moves).toBe(w === null);
            if (w !== null && !w.why.startsWith('killed by')) {
              waiting++;
              expect(placeholders.has(w.why)).toBe(false);
              kinds.add(w.why.slice(0, w.why.indexOf('(')));
            }
          }
          const acts: KAction[] = [];
          m.actions(s, acts);
          for (const a of acts) {
            const t = m.nextState(s, a);
            if (t !== undefined) next.push(t);
          }
        }
        frontier = next;
      }
    }
    expect(waiting).toBeGreaterThan(100);
    for (const k of ['mutex_lock', 'down_read', 'down_write', 'spin_lock']) expect(kinds).toContain(k);
  });
});
