/**
 * `pairing:unbalanced-state` is reported at the first state where a leak is certain (issue 12,
 * item 5), not only once every thread has finished: a thread that never finishes must not hide a
 * counter that nobody can bring back.
 */
import { describe, expect, test } from 'vitest';
import { check } from '../../src/checker/index.ts';
import { c, fn, for_ } from '../../src/model/lang/ir.ts';
import { KernelModel } from '../../src/model/kernel-model.ts';
import { explain } from '../../src/properties/index.ts';
import { pairing } from '../../src/properties/pairing.ts';
import type { KState } from '../../src/model/lang/state.ts';
import { tinyProgram } from '../model/lang/program-fixture.ts';

const f = (name: string, body: ReturnType<typeof c>[]) => fn({ name, file: 't.c', version: 'test', source: 'test', params: [], body });

/**
 * Thread `leak` raises x->count under mutex m and finishes; thread `other` (`spin`: for ever; else
 * once) takes and releases m and writes y->v (or, with `otherWrites`, x->count).
 */
function model(o: { spin: boolean; otherWrites?: boolean }): KernelModel {
  const otherBody = [c('mutex_lock(&m);'), c(o.otherWrites ? 'x->count = 0;' : 'y->v = 1;'), c('mutex_unlock(&m);')];
  const p = tinyProgram({
    fns: [
      f('leak', [c('mutex_lock(&m);'), c('x->count = x->count + 1;'), c('mutex_unlock(&m);')]),
      o.spin ? fn({ name: 'other', file: 't.c', version: 'test', source: 'test', params: [], body: [for_('', '', '', otherBody)] }) : f('other', otherBody),
    ],
    threads: [
      { name: 'leak', fn: 'leak', args: [] },
      { name: 'other', fn: 'other', args: [] },
    ],
    locks: { m: 'mutex' },
    mem: { 'x.count': 0, 'y.v': 0 },
    balanced: ['x.count'],
  });
  const m = new KernelModel(p, { reads: pairing.reads(p) });
  m.setProperties(pairing.build(m).filter((x) => x.name === 'pairing:unbalanced-state'));
  return m;
}

describe('pairing:unbalanced-state', () => {
  test('found while another thread spins for ever, once every thread that can write the counter has finished', () => {
    // Before, only a state where every thread had finished was judged: `other` never finishes, so
    // the leak was never reported.
    const m = model({ spin: true });
    const r = check(m, { findAll: true });
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    const last = r.violation.path.steps.at(-1)!.state as KState;
    expect(last.threads[0]!.frames).toHaveLength(0);
    expect(last.threads[1]!.frames.length).toBeGreaterThan(0);
    const e = explain(m, 'pairing:unbalanced-state', last);
    expect(e.header).toBe('WARNING: counter left unbalanced: every thread that can change it has finished');
    expect(e.details.join('\n')).toContain('x.count = 1 (initially 0)');
  });

  test('not reported early while a thread that may still write the counter runs', () => {
    // `other` may reset x->count for ever: the leak is not certain, and no state has both finished.
    expect(check(model({ spin: true, otherWrites: true }), { findAll: true }).status).toBe('pass');
  });

  test('while a thread that may still write it runs, only once every thread has finished, as before', () => {
    // `other` resets x->count once; when `leak` raises it after that, the leak is certain only at the end.
    const m = model({ spin: false, otherWrites: true });
    const r = check(m, { findAll: true });
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    const last = r.violation.path.steps.at(-1)!.state as KState;
    expect(last.threads.every((t) => t.frames.length === 0)).toBe(true);
    expect(explain(m, 'pairing:unbalanced-state', last).header).toBe('WARNING: state not balanced after every thread finished');
  });
});
