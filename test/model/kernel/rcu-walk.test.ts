/**
 * The notifier list as RCU has it (include/linux/rculist.h and list.h, v4.19): hlist_del_init_rcu()
 * links the predecessor past the node and clears the node's `pprev`, but leaves the node's own
 * `next`; a walker standing on a node that is unhashed meanwhile therefore goes on along the old
 * `next` pointers, to notifiers that may have been unhashed after it read them; a walk that reads
 * the head later sees only what is still hashed.
 */
import { describe, expect, test } from 'vitest';
import { c, fn, foreach } from '../../../src/model/lang/ir.ts';
import { Interpreter } from '../../../src/model/lang/interp.ts';
import { Program } from '../../../src/model/lang/program.ts';
import { buildProgram } from '../../../src/model/kernel/scenario.ts';
import type { KState } from '../../../src/model/lang/state.ts';

/** Three notifiers without callbacks (hfi1 has none but a start): walk order hfi12, hfi11, hfi10. */
function program(): { program: Program; ip: Interpreter } {
  const base = buildProgram({
    name: 'rcu-walk',
    core: 'v4.19',
    vmas: [{ start: 0, end: 4 }],
    notifiers: [{ use: 'hfi1' }, { use: 'hfi1' }, { use: 'hfi1' }],
    threads: [{ kind: 'munmap', params: { start: 0, len: 1 } }],
  });
  const walker = fn({
    name: 'test_walk',
    file: 'test/model/kernel/rcu-walk.test.ts',
    version: 'test',
    source: 'test',
    params: ['mm'],
    body: [foreach('hlist_for_each_entry_rcu(mn, &mm->mmu_notifier_mm->list, hlist)', [c('mn->visited = 1;')])],
  });
  const visited = Object.fromEntries(['hfi10', 'hfi11', 'hfi12'].map((n) => [`${n}.visited`, 0]));
  const p = new Program({
    ...base.spec,
    fns: [...base.spec.fns, walker],
    mem: { ...base.spec.mem, ...visited },
    threads: [
      { name: 'walker', task: 'task0', fn: 'test_walk', args: ['mm'] },
      { name: 'exit', task: 'task1', fn: '__mmu_notifier_release', args: ['mm'] },
      { name: 'walker2', task: 'task2', fn: 'test_walk', args: ['mm'] },
      { name: 'unreg', task: 'task3', fn: 'mmu_notifier_unregister_no_release', args: ['hfi11', 'mm'] },
    ],
  });
  return { program: p, ip: new Interpreter(p, { coalesce: false }) };
}

function steps(ip: Interpreter, s: KState, tid: number, n: number): KState {
  for (let i = 0; i < n; i++) s = ip.step(s, { tid, choice: 0 }).state;
  return s;
}

function toEnd(ip: Interpreter, s: KState, tid: number): KState {
  for (let i = 0; i < 1000 && s.threads[tid]!.frames.length; i++) s = ip.step(s, { tid, choice: 0 }).state;
  expect(s.threads[tid]!.frames).toHaveLength(0);
  return s;
}

const visitedOf = (s: KState): string[] => ['hfi12', 'hfi11', 'hfi10'].filter((n) => s.mem[`${n}.visited`] === 1);

describe('hlist_for_each_entry_rcu against hlist_del_init_rcu', () => {
  test('the list starts linked in walk order: head -> hfi12 -> hfi11 -> hfi10', () => {
    const { ip } = program();
    const s = ip.initial();
    expect(s.mem['mm.mmu_notifier_mm.list.first']).toBe('hfi12');
    expect(s.mem['hfi12.hlist.next']).toBe('hfi11');
    expect(s.mem['hfi11.hlist.next']).toBe('hfi10');
    expect(s.mem['hfi10.hlist.next']).toBe(null);
  });

  test('a walker standing on the first notifier while __mmu_notifier_release unhashes all three still visits all three', () => {
    const { ip } = program();
    // The walker reads head->first (hfi12) and runs its body there.
    let s = steps(ip, ip.initial(), 0, 2);
    expect(visitedOf(s)).toEqual(['hfi12']);
    // exit_mmap's release runs to its end: every notifier unhashed, the head empty.
    s = toEnd(ip, s, 1);
    expect(['hfi10', 'hfi11', 'hfi12'].map((n) => s.mem[`${n}.hashed`])).toEqual([0, 0, 0]);
    expect(s.mem['mm.mmu_notifier_mm.list.first']).toBe(null);
    // Each unhashed node kept its next pointer.
    expect(s.mem['hfi12.hlist.next']).toBe('hfi11');
    expect(s.mem['hfi11.hlist.next']).toBe('hfi10');
    // The walker goes on along them, to notifiers unhashed after it read them.
    s = toEnd(ip, s, 0);
    expect(visitedOf(s)).toEqual(['hfi12', 'hfi11', 'hfi10']);
    // A walk that starts now reads an empty head.
    const before = visitedOf(s).length;
    s = { ...s, mem: { ...s.mem, 'hfi10.visited': 0, 'hfi11.visited': 0, 'hfi12.visited': 0 } };
    s = toEnd(ip, s, 2);
    expect(visitedOf(s)).toEqual([]);
    expect(before).toBe(3);
  });

  test('a notifier unhashed before the walker reaches it is skipped: its predecessor was linked past it', () => {
    const { ip } = program();
    let s = steps(ip, ip.initial(), 0, 2); // the walker stands on hfi12
    // hfi11 alone is unhashed, as amdgpu's destroy work does with mmu_notifier_unregister_no_release.
    s = toEnd(ip, s, 3);
    expect(s.mem['hfi11.hashed']).toBe(0);
    expect(s.mem['hfi12.hlist.next']).toBe('hfi10');
    expect(s.mem['hfi11.hlist.next']).toBe('hfi10');
    s = toEnd(ip, s, 0);
    expect(visitedOf(s)).toEqual(['hfi12', 'hfi10']);
  });

  test('a notifier unhashed while the walker stands on it: the walker follows its kept next pointer', () => {
    const { ip } = program();
    let s = steps(ip, ip.initial(), 0, 4); // hfi12's body, then the advance to hfi11 and its body
    expect(visitedOf(s)).toEqual(['hfi12', 'hfi11']);
    s = toEnd(ip, s, 3); // hfi11 unhashed under the walker
    expect(s.mem['hfi12.hlist.next']).toBe('hfi10');
    s = toEnd(ip, s, 0);
    expect(visitedOf(s)).toEqual(['hfi12', 'hfi11', 'hfi10']);
  });

  test('unhashing an unhashed notifier changes nothing (hlist_del_init_rcu tests hlist_unhashed first)', () => {
    const { ip } = program();
    let s = toEnd(ip, ip.initial(), 1); // every notifier unhashed by the release
    const mem = s.mem;
    s = toEnd(ip, s, 3);
    expect(s.mem).toEqual(mem);
  });
});
