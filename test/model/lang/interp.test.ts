/**
 * The interpreter's contract with the engine: each step reports the shared variables and locks it
 * read and wrote; a non-deterministic choice gives one action per outcome; coalescing keeps every
 * executed statement in the step's record.
 */
import { describe, expect, test } from 'vitest';
import { c, fn, if_ } from '../../../src/model/lang/ir.ts';
import { Interpreter, type KAction } from '../../../src/model/lang/interp.ts';
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
});
