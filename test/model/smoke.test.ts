import { describe, expect, test } from 'vitest';
import { c, elif, fn, if_, label } from '../../src/model/ir.ts';
import { listing } from '../../src/model/compile.ts';
import { Program } from '../../src/model/program.ts';
import { Interpreter, type KAction } from '../../src/model/interp.ts';

const readLock = fn({
  name: 'amdgpu_mn_read_lock', file: 'drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c', version: '93065ac753e4', source: 'seed 001',
  params: ['amn', 'blockable'],
  body: [
    if_('blockable', [c('mutex_lock(&amn->read_lock);')], elif('!mutex_trylock(&amn->read_lock)', [c('return -EAGAIN;')])),
    if_('atomic_inc_return(&amn->recursion) == 1', [c('down_read_non_owner(&amn->lock);')]),
    c('mutex_unlock(&amn->read_lock);'),
    c('return 0;'),
  ],
});
const main = fn({ name: 'main', file: 'x.c', version: 't', source: 't', params: ['amn'], body: [c('int r = amdgpu_mn_read_lock(amn, false);'), label('out'), c('return r;')] });

test('compile and run', () => {
  const p = new Program({
    fns: [readLock, main], primitives: {}, constants: { EAGAIN: 11 }, statics: {},
    mem: { 'amn0.recursion': 0 }, locks: { 'amn0.read_lock': 'mutex', 'amn0.lock': 'rwsem' },
    notifiers: [], threads: [{ name: 'a', task: 'a', fn: 'main', args: ['amn0'] }, { name: 'b', task: 'b', fn: 'main', args: ['amn0'] }],
    balanced: [], contract: { endAfterFailedStart: false, coreEnd: 'none' }, core: 't', globals: [], visible: [], countCalls: [],
  });
  console.log(listing(p.fn(0)));
  const ip = new Interpreter(p);
  let s = ip.initial();
  const acts: KAction[] = [];
  ip.actions(s, acts);
  expect(acts.length).toBe(2);
  const r = ip.step(s, acts[0]!);
  console.log(r.executed.map((e) => `${e.fn} ${e.src.text} ${e.detail ?? ''}`).join('\n'), r.reads, r.writes);
  s = r.state;
  expect(s.locks['amn0.read_lock']).toEqual({ kind: 'mutex', owner: 0 });
});
