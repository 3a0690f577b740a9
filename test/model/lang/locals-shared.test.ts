/**
 * A step copies the frame it changes, but not the frame's locals until it writes one
 * (src/model/lang/interp.ts, WorkThread.own): a statement that only moves the frame's pc leaves the
 * successor's frame with its predecessor's list of locals; one that writes a local (an assignment,
 * a call's result, a struct on the stack) gives it a list of its own, and the predecessor's is as
 * it was. Seen failing before that change: every frame copied had its locals copied.
 */
import { describe, expect, test } from 'vitest';
import { c, fn } from '../../../src/model/lang/ir.ts';
import { Interpreter } from '../../../src/model/lang/interp.ts';
import type { KState } from '../../../src/model/lang/state.ts';
import { tinyProgram } from './program-fixture.ts';

const main = fn({
  name: 'main',
  file: 't.c',
  version: 'test',
  source: 'test',
  params: ['a'],
  stack: { range: ['start'] },
  body: [
    c('int b;'),
    c('struct mmu_notifier_range range;'),
    c('x->v = a;'),
    c('b = 2;'),
    c('x->w = b;'),
    c('b = twice(a);'),
    c('x->w = b;'),
    c('set_start(&range, a);'),
    c('x->v = range.start;'),
  ],
});
const twice = fn({ name: 'twice', file: 't.c', version: 'test', source: 'test', signature: 'int twice(int a)', params: ['a'], body: [c('return a + a;')] });
const setStart = fn({
  name: 'set_start',
  file: 't.c',
  version: 'test',
  source: 'test',
  signature: 'void set_start(struct mmu_notifier_range *range, int s)',
  params: ['range', 's'],
  body: [c('range->start = s;')],
});

describe('a frame a step changes keeps its locals until it writes one', () => {
  test.each([false, true])('one statement a step (parts frozen: %s)', (freezeParts) => {
    const p = tinyProgram({ fns: [main, twice, setStart], threads: [{ name: 't', fn: 'main', args: [3] }], mem: { 'x.v': 0, 'x.w': 0 }, stackTypes: ['mmu_notifier_range'] });
    const ip = new Interpreter(p, { coalesce: false, freezeParts });
    const states: KState[] = [ip.initial()];
    for (let i = 0; i < 40 && states.at(-1)!.threads[0]!.frames.length; i++) states.push(ip.next(states.at(-1)!, { tid: 0, choice: 0 }));
    const text = states.map((s) => JSON.stringify(s));
    // Each statement run (the top frame's), and what became of the bottom frame (main's): its
    // locals shared, or a list of their own; untouched (a step in a callee).
    const steps: string[] = [];
    for (let i = 1; i < states.length; i++) {
      const before = states[i - 1]!.threads[0]!.frames;
      const top = before.at(-1)!;
      const f = states[i]!.threads[0]!.frames[0];
      const g = before[0]!;
      const what = f === undefined ? 'finishes' : f === g ? 'untouched' : f.locals === g.locals ? 'shares' : 'copies';
      steps.push(`${p.fn(top.fn).instrs[top.pc]!.src.text} ${what}`);
    }
    expect(steps).toEqual([
      'int b; copies', // a declaration sets the local to 0
      'struct mmu_notifier_range range; copies',
      'x->v = a; shares',
      'b = 2; copies',
      'x->w = b; shares',
      'b = twice(a); shares', // the call: main's pc moves, the callee's frame is pushed
      'return a + a; copies', // twice() returns into b
      'x->w = b; shares',
      'set_start(&range, a); shares',
      'range->start = s; copies', // set_start() writes main's struct on the stack
      '} untouched', // set_start()'s implicit return
      'x->v = range.start; shares',
      '} finishes',
    ]);
    // No step changed a state it stepped from.
    expect(states.map((s) => JSON.stringify(s))).toEqual(text);
    const last = states.at(-1)!;
    expect([last.mem['x.v'], last.mem['x.w']]).toEqual([3, 6]);
  });

  test('a transition that returns from a frame of the state it stepped from, then writes a struct on the stack below it', () => {
    // Coalesced (nothing is read): the transition begins at cc()'s shared write (another thread
    // reads x->v), returns from cc(), a frame of the state it stepped from, and b() then writes
    // main()'s struct through its reference, in the same step. Seen failing while this change was
    // made (the index of frames with their own locals not lowered as the stack shrank): TypeError,
    // a frame above the top read.
    const b = fn({ name: 'b', file: 't.c', version: 'test', source: 'test', signature: 'void b(struct mmu_notifier_range *range)', params: ['range'], body: [c('cc();'), c('range->start = 7;')] });
    const cc = fn({ name: 'cc', file: 't.c', version: 'test', source: 'test', signature: 'void cc(void)', params: [], body: [c('x->v = 1;')] });
    const reader = fn({ name: 'reader', file: 't.c', version: 'test', source: 'test', params: [], body: [c('x->w = x->v;')] });
    const top = fn({ name: 'main', file: 't.c', version: 'test', source: 'test', params: [], stack: { range: ['start'] }, body: [c('struct mmu_notifier_range range;'), c('b(&range);'), c('x->v = range.start;')] });
    const p = tinyProgram({ fns: [top, b, cc, reader], threads: [{ name: 't', fn: 'main', args: [] }, { name: 'r', fn: 'reader', args: [] }], mem: { 'x.v': 0, 'x.w': 0 }, stackTypes: ['mmu_notifier_range'] });
    const ip = new Interpreter(p, { coalesce: true, freezeParts: true, reads: {} });
    let s = ip.initial();
    const at = (q: KState): string => q.threads[0]!.frames.map((f) => p.fn(f.fn).def.name).join(' > ');
    const seen: string[] = [];
    for (let i = 0; i < 10 && s.threads[0]!.frames.length; i++) {
      seen.push(at(s));
      const before = JSON.stringify(s);
      const next = ip.next(s, { tid: 0, choice: 0 });
      expect(JSON.stringify(s)).toBe(before);
      s = next;
    }
    // The step from main > b > cc is the one described.
    expect(seen).toContain('main > b > cc');
    expect(s.mem['x.v']).toBe(7);
  });
});
