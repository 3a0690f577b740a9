/**
 * The kernel model's canonical encoding distinguishes every part of the state: a change to any
 * field of a thread, a frame, shared memory, a lock or an open pair changes the encoding; equal
 * states built separately encode equally.
 */
import { describe, expect, test } from 'vitest';
import { StringEncoder } from '../../src/checker/index.ts';
import { KernelModel } from '../../src/model/kernel-model.ts';
import { buildProgram } from '../../src/model/kernel/scenario.ts';
import type { KState, PairRecord } from '../../src/model/lang/state.ts';

const program = buildProgram({
  name: 'enc',
  core: 'mayfail',
  oom: true,
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ use: 'amdgpu@93065ac753e4', objects: [{ start: 0, end: 2 }] }],
  threads: [{ kind: 'oom_reaper' }, { kind: 'madvise', params: { start: 0, len: 2 } }],
});
const m = new KernelModel(program);
const enc = (s: KState): string => StringEncoder.encode(m, s);
const base = m.initStates()[0]!;
const pair: PairRecord = { tid: 1, nid: 'amdgpu0', start: 0, end: 2, blockable: 1, mayfail: 0, ret: 0 };
const withPair: KState = { ...base, pairs: [pair] };

describe('canonical encoding', () => {
  test('equal states built separately encode equally', () => {
    expect(enc({ ...base, mem: { ...base.mem } })).toBe(enc(base));
  });
  const thread0 = base.threads[0]!;
  const frame0 = thread0.frames[0]!;
  const variants: [string, KState][] = [
    ['a frame\'s pc', { ...base, threads: [{ ...thread0, frames: [{ ...frame0, pc: frame0.pc + 1 }] }, base.threads[1]!] }],
    ['a frame\'s context bits', { ...base, threads: [{ ...thread0, frames: [{ ...frame0, ctx: 1 }] }, base.threads[1]!] }],
    ['a local', { ...base, threads: [{ ...thread0, frames: [{ ...frame0, locals: frame0.locals.map((v, i) => (i === 0 ? 42 : v)) }] }, base.threads[1]!] }],
    ['a frame\'s notifier op', { ...base, threads: [{ ...thread0, frames: [{ ...frame0, op: { kind: 'invalidate_range_start', nid: 'amdgpu0', start: 0, end: 2, blockable: 0, mayfail: 0 } }] }, base.threads[1]!] }],
    ['the SRCU depth', { ...base, threads: [{ ...thread0, srcu: 1 }, base.threads[1]!] }],
    ['a statement pending in a slow path', { ...base, threads: [{ ...thread0, pending: true }, base.threads[1]!] }],
    ['a finished thread', { ...base, threads: [{ ...thread0, frames: [] }, base.threads[1]!] }],
    ['a shared variable', { ...base, mem: { ...base.mem, 'amdgpu0.recursion': 1 } }],
    ['a string in shared memory', { ...base, mem: { ...base.mem, oom_reaper_list: null } }],
    ['a mutex owner', { ...base, locks: { ...base.locks, 'amdgpu0.read_lock': { kind: 'mutex', owner: 1 } } }],
    ['an rwsem reader', { ...base, locks: { ...base.locks, 'amdgpu0.lock': { kind: 'rwsem', writer: -1, readers: [-2], waiters: [] } } }],
    ['an rwsem waiter', { ...base, locks: { ...base.locks, 'amdgpu0.lock': { kind: 'rwsem', writer: 0, readers: [], waiters: [{ tid: 1, write: false }] } } }],
    ['an rwsem non-owner waiter', { ...base, locks: { ...base.locks, 'amdgpu0.lock': { kind: 'rwsem', writer: 0, readers: [], waiters: [{ tid: 0, write: false, nonOwner: true }] } } }],
    ['an open pair', withPair],
  ];
  for (const [what, s] of variants) test(`a change to ${what} changes the encoding`, () => expect(enc(s)).not.toBe(enc(base)));
  const pairVariants: [string, PairRecord][] = [
    ['thread', { ...pair, tid: 0 }],
    ['range', { ...pair, end: 3 }],
    ['mode', { ...pair, blockable: 0 }],
    ['MAYFAIL flag', { ...pair, mayfail: 1 }],
    ['return value', { ...pair, ret: -11 }],
  ];
  for (const [what, p] of pairVariants) test(`an open pair's ${what} is part of the encoding`, () => expect(enc({ ...base, pairs: [p] })).not.toBe(enc(withPair)));
});
