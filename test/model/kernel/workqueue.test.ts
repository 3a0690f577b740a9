/**
 * Work items on kworkers (src/model/kernel/core/workqueue.ts): schedule_work wakes the kworker bound to
 * the work item, which clears PENDING and runs the work function; queued again while it runs, the
 * work runs again after; queued while pending, it is not queued twice; a kworker idle again is
 * woken by the next schedule_work.
 */
import { describe, expect, test } from 'vitest';
import { c, fn, type FnDef } from '../../../src/model/lang/ir.ts';
import { Interpreter } from '../../../src/model/lang/interp.ts';
import { Program } from '../../../src/model/lang/program.ts';
import { MM_PRIMITIVES } from '../../../src/model/kernel/core/mm-primitives.ts';
import { WORKQUEUE_FNS } from '../../../src/model/kernel/core/workqueue.ts';
import type { KState } from '../../../src/model/lang/state.ts';

const f = (name: string, params: string[], body: ReturnType<typeof c>[]): FnDef => fn({ name, file: 't.c', version: 'test', source: 'test', params, body });

/** A queuer thread running `body`, and the kworker of work item `obj.work` running `test_work`. */
function program(body: ReturnType<typeof c>[], work: ReturnType<typeof c>[] = [c('w->runs++;')]): { ip: Interpreter; p: Program } {
  const p = new Program({
    fns: [...WORKQUEUE_FNS, f('queuer', [], body), f('test_work', ['work'], [c('struct thing *w = container_of(work, struct thing, work);'), ...work])],
    primitives: MM_PRIMITIVES,
    constants: {},
    statics: { 'obj.work.func': 'test_work', 'obj.work.kworker.current_func': 'test_work', 'obj.work.kworker.pool.worklist': ['obj.work'] },
    mem: { 'obj.work.pending': 0, 'obj.runs': 0, 'r.a': -1, 'r.b': -1, 'r.work.pending': 0, 'task0.oops': 0 },
    locks: {},
    notifiers: [],
    threads: [
      { name: 'queuer', task: 'task0', fn: 'queuer', args: [] },
      { name: 'kworker/obj.work', task: 'task1', fn: 'worker_thread', args: ['obj.work.kworker'], kworker: 'obj.work' },
    ],
    balanced: [],
    contract: { endAfterFailedStart: false, coreEnd: '__mmu_notifier_invalidate_range_end' },
    core: 'test',
    globals: [],
    countCalls: [],
  });
  return { ip: new Interpreter(p, { coalesce: false, verifyReduction: true }), p };
}

function run(ip: Interpreter, s: KState, tid: number, n = 1000): KState {
  for (let i = 0; i < n && s.threads[tid]!.frames.length; i++) s = ip.step(s, { tid, choice: 0 }).state;
  return s;
}

function steps(ip: Interpreter, s: KState, tid: number, n: number): KState {
  for (let i = 0; i < n; i++) s = ip.step(s, { tid, choice: 0 }).state;
  return s;
}

describe('work items on kworkers', () => {
  test('the kworker starts idle and is woken by schedule_work; queued while pending, the work is not queued twice', () => {
    const { ip } = program([c('r->a = schedule_work(&obj->work);'), c('r->b = schedule_work(&obj->work);')]);
    let s = ip.initial();
    expect(s.threads[1]!.frames).toEqual([]);
    s = run(ip, s, 0);
    expect([s.mem['r.a'], s.mem['r.b'], s.mem['obj.work.pending']]).toEqual([1, 0, 1]);
    expect(s.threads[1]!.frames).toHaveLength(1);
    s = run(ip, s, 1);
    expect(s.mem['obj.runs']).toBe(1);
    expect(s.mem['obj.work.pending']).toBe(0);
    expect(s.threads[1]!.frames).toEqual([]);
  });

  test('queued again while it runs, the work runs again after, on the same kworker', () => {
    const { ip } = program([c('r->a = schedule_work(&obj->work);'), c('r->b = schedule_work(&obj->work);')]);
    let s = steps(ip, ip.initial(), 0, 1); // queued
    // The kworker clears PENDING and enters the work function.
    s = steps(ip, s, 1, 6);
    expect(s.mem['obj.work.pending']).toBe(0);
    s = run(ip, s, 0); // queued again: true, the kworker is running
    expect(s.mem['r.b']).toBe(1);
    s = run(ip, s, 1);
    expect(s.mem['obj.runs']).toBe(2);
  });

  test('a work item queued after the kworker\'s last keep_working() check wakes it again as it goes idle', () => {
    const { ip, p } = program([c('r->a = schedule_work(&obj->work);'), c('r->b = schedule_work(&obj->work);')]);
    let s = steps(ip, ip.initial(), 0, 1);
    // Run the kworker up to its final `return 0;` (past keep_working()).
    for (let i = 0; i < 100; i++) {
      const t = s.threads[1]!;
      const top = t.frames[t.frames.length - 1]!;
      if (t.frames.length === 1 && p.fn(top.fn).instrs[top.pc]!.src.text === 'return 0;') break;
      s = ip.step(s, { tid: 1, choice: 0 }).state;
    }
    expect(s.mem['obj.runs']).toBe(1);
    s = run(ip, s, 0);
    expect(s.mem['obj.work.pending']).toBe(1);
    s = ip.step(s, { tid: 1, choice: 0 }).state; // the return: idle, and woken again at once
    expect(s.threads[1]!.frames).toHaveLength(1);
    s = run(ip, s, 1);
    expect(s.mem['obj.runs']).toBe(2);
  });

  test('container_of() of the work item gives the object it is embedded in', () => {
    const { ip } = program([c('r->a = schedule_work(&obj->work);')], [c('struct thing *w2 = container_of(work, struct thing, work);'), c('w2->runs = 7;')]);
    const s = run(ip, run(ip, ip.initial(), 0), 1);
    expect(s.mem['obj.runs']).toBe(7);
  });

  test('INIT_WORK() of a queued work item corrupts the worklist: a kernel bug, the thread stops there', () => {
    const { ip } = program([c('r->a = schedule_work(&obj->work);'), c('INIT_WORK(&obj->work, test_work);'), c('r->b = 1;')]);
    const s = run(ip, ip.initial(), 0);
    expect(String(s.mem['task0.oops'])).toMatch(/^INIT_WORK\(\) re-initialises obj\.work while it is queued/);
    expect(s.mem['r.b']).toBe(-1);
    // Not queued (the kworker cleared PENDING), INIT_WORK is fine.
    const { ip: ip2 } = program([c('INIT_WORK(&obj->work, test_work);'), c('r->b = 1;')]);
    expect(run(ip2, ip2.initial(), 0).mem['r.b']).toBe(1);
  });

  test('a work item no kworker runs is a model error', () => {
    const { ip } = program([c('r->a = schedule_work(&r->work);')]);
    expect(() => run(ip, ip.initial(), 0)).toThrow(/work item r\.work was queued, but no kworker of the scenario runs it/);
  });
});
