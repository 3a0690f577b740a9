/**
 * The lock primitives' semantics, as Linux has them: writer preference of rw_semaphore, trylock
 * failing under a queued writer, non-owner release, sleeping under a spinlock detected.
 */
import { describe, expect, test } from 'vitest';
import { c, fn } from '../../../src/model/lang/ir.ts';
import { Interpreter, type KAction } from '../../../src/model/lang/interp.ts';
import { KernelModel } from '../../../src/model/kernel-model.ts';
import { NON_OWNER, type KState, type LockState } from '../../../src/model/lang/state.ts';
import { exclusiveOwner, heldByTask, heldByTaskIn, ownsExclusively } from '../../../src/model/lang/locks.ts';
import { check, Property } from '../../../src/checker/index.ts';
import { lockDiscipline } from '../../../src/properties/lock-discipline.ts';
import { buildProgram, type Scenario } from '../../../src/model/kernel/scenario.ts';
import { tinyProgram } from './program-fixture.ts';

const f = (name: string, ...lines: string[]) => fn({ name, file: 't.c', version: 'test', source: 'test', params: [], body: lines.map((l) => c(l)) });

/** Run the named threads' steps in the given order (by thread index), failing if one is not enabled. */
function run(ip: Interpreter, order: number[]): KState {
  let s = ip.initial();
  for (const tid of order) {
    const acts: KAction[] = [];
    ip.actions(s, acts);
    const a = acts.find((x) => x.tid === tid);
    if (!a) throw new Error(`thread ${tid} is not enabled; waits: ${ip.waitOf(s, tid)?.why}`);
    s = ip.step(s, a).state;
  }
  return s;
}

describe('rw_semaphore', () => {
  const p = tinyProgram({
    fns: [f('reader', 'down_read(&sem);', 'up_read(&sem);'), f('writer', 'down_write(&sem);', 'up_write(&sem);'), f('late', 'r = down_read_trylock(&sem);', 'x->r = r;')],
    threads: [
      { name: 'reader', fn: 'reader', args: [] },
      { name: 'writer', fn: 'writer', args: [] },
      { name: 'reader2', fn: 'reader', args: [] },
      { name: 'late', fn: 'late', args: [] },
    ],
    locks: { sem: 'rwsem' },
    mem: { 'x.r': -1 },
  });
  const ip = new Interpreter(p, { coalesce: false });

  test('a queued writer blocks new readers (writer preference)', () => {
    // reader takes it for read; writer must queue (one step); reader2 must then queue behind it.
    const s = run(ip, [0, 1, 2]);
    expect(s.locks.sem).toEqual({ kind: 'rwsem', writer: -1, readers: [0], waiters: [{ tid: 1, write: true }, { tid: 2, write: false }] });
    expect(ip.waitOf(s, 2)?.why).toMatch(/queued: writer \(write\), reader2 \(read\)/);
    // The writer gets it when the reader leaves, before reader2.
    const s2 = run(ip, [0, 1, 2, 0, 1]);
    expect(s2.locks.sem).toMatchObject({ writer: 1, readers: [], waiters: [{ tid: 2, write: false }] });
  });

  test('down_read_trylock fails while a writer is queued, although only readers hold the lock', () => {
    const s = run(ip, [0, 1, 3, 3]);
    expect(s.mem['x.r']).toBe(0);
  });

  test('down_read_trylock succeeds when only readers hold it and nobody is queued', () => {
    const s = run(ip, [0, 3, 3]);
    expect(s.mem['x.r']).toBe(1);
    expect(s.locks.sem).toMatchObject({ readers: [0, 3] });
  });
});

describe('rw_semaphore wake-up as kernel/locking/rwsem-xadd.c (v4.19) does it', () => {
  // Thread indices: 0 writer, 1 reader, 2 reader2, 3 writer2, 4 reader3, 5 trylocks for read, 6 trylocks for write.
  const p = tinyProgram({
    fns: [
      f('writer', 'down_write(&sem);', 'up_write(&sem);'),
      f('reader', 'down_read(&sem);', 'up_read(&sem);'),
      f('tryread', 'r = down_read_trylock(&sem);', 'x->r = r;'),
      f('trywrite', 'w = down_write_trylock(&sem);', 'x->w = w;'),
      f('downgrader', 'down_write(&sem);', 'downgrade_write(&sem);', 'up_read(&sem);'),
      f('nonowner', 'down_read_non_owner(&sem);', 'up_read_non_owner(&sem);'),
    ],
    threads: [
      { name: 'writer', fn: 'writer', args: [] },
      { name: 'reader', fn: 'reader', args: [] },
      { name: 'reader2', fn: 'reader', args: [] },
      { name: 'writer2', fn: 'writer', args: [] },
      { name: 'reader3', fn: 'reader', args: [] },
      { name: 'tryread', fn: 'tryread', args: [] },
      { name: 'trywrite', fn: 'trywrite', args: [] },
      { name: 'downgrader', fn: 'downgrader', args: [] },
      { name: 'nonowner', fn: 'nonowner', args: [] },
    ],
    locks: { sem: 'rwsem' },
    mem: { 'x.r': -1, 'x.w': -1 },
  });
  const ip = new Interpreter(p, { coalesce: false });

  test('up_write grants the lock to a queued reader at once: a down_read_trylock right after it succeeds', () => {
    // writer takes it, reader queues behind it, writer releases: the reader holds it before it runs again.
    const s = run(ip, [0, 1, 0]);
    expect(s.locks.sem).toEqual({ kind: 'rwsem', writer: -1, readers: [1], waiters: [] });
    expect(s.threads[1]!.pending).toBe(true);
    expect(ip.waitOf(s, 1)).toBeNull();
    expect(run(ip, [0, 1, 0, 5, 5]).mem['x.r']).toBe(1);
    // The woken reader's own step returns from down_read holding the lock, without taking it again.
    const r = run(ip, [0, 1, 0, 1]);
    expect(r.locks.sem).toEqual({ kind: 'rwsem', writer: -1, readers: [1], waiters: [] });
    expect(r.threads[1]!.pending).toBe(false);
    expect(r.threads[1]!.frames[0]!.pc).toBe(1);
  });

  test('the readers at the head are granted, up to the first writer; the reader behind that writer stays queued', () => {
    const s = run(ip, [0, 1, 2, 3, 4, 0]);
    expect(s.locks.sem).toEqual({ kind: 'rwsem', writer: -1, readers: [1, 2], waiters: [{ tid: 3, write: true }, { tid: 4, write: false }] });
    expect([1, 2].map((t) => ip.waitOf(s, t))).toEqual([null, null]);
    expect(ip.waitOf(s, 4)?.why).toBe('down_read(&sem): held for read by reader, reader2; queued: writer2 (write), reader3 (read)');
    // With writer2 still queued the trylock fails: the count stays negative.
    expect(run(ip, [0, 1, 2, 3, 4, 0, 5, 5]).mem['x.r']).toBe(0);
  });

  test('a woken writer owns nothing until it runs: down_write_trylock takes the lock first, and the writer waits again', () => {
    // reader holds it, writer queues, reader releases: the writer is woken but the lock is free of holders.
    const s = run(ip, [1, 0, 1]);
    expect(s.locks.sem).toEqual({ kind: 'rwsem', writer: -1, readers: [], waiters: [{ tid: 0, write: true }] });
    expect(ip.waitOf(s, 0)).toBeNull();
    const stolen = run(ip, [1, 0, 1, 6]);
    expect(stolen.locks.sem).toEqual({ kind: 'rwsem', writer: 6, readers: [], waiters: [{ tid: 0, write: true }] });
    expect(ip.waitOf(stolen, 0)?.why).toBe('down_write(&sem): held for write by trywrite; queued: writer (write)');
    // Readers do not steal it: a reader arriving then queues behind the woken writer, and the trylock fails.
    expect(run(ip, [1, 0, 1, 5, 5]).mem['x.r']).toBe(0);
    // The woken writer takes it at its own step.
    expect(run(ip, [1, 0, 1, 0]).locks.sem).toEqual({ kind: 'rwsem', writer: 0, readers: [], waiters: [] });
  });

  test('downgrade_write grants the queued readers at the head along with the downgrading writer', () => {
    const s = run(ip, [7, 1, 7]);
    expect(s.locks.sem).toEqual({ kind: 'rwsem', writer: -1, readers: [1, 7], waiters: [] });
    expect(ip.waitOf(s, 1)).toBeNull();
  });

  test('a queued down_read_non_owner is granted a hold that belongs to no task', () => {
    const s = run(ip, [0, 8, 0]);
    expect(s.locks.sem).toEqual({ kind: 'rwsem', writer: -1, readers: [NON_OWNER], waiters: [] });
    expect(run(ip, [0, 8, 0, 8, 8]).locks.sem).toEqual({ kind: 'rwsem', writer: -1, readers: [], waiters: [] });
  });

  test('a reader granted the lock with a writer queued behind it is no recursive read, and nothing deadlocks', () => {
    const q = tinyProgram({
      fns: [f('writer', 'down_write(&sem);', 'up_write(&sem);'), f('reader', 'down_read(&sem);', 'up_read(&sem);')],
      threads: [
        { name: 'writer', fn: 'writer', args: [] },
        { name: 'reader', fn: 'reader', args: [] },
        { name: 'writer2', fn: 'writer', args: [] },
      ],
      locks: { sem: 'rwsem' },
    });
    // The state in question is reachable: the reader granted, pending, holding the lock, writer2 queued.
    const s = run(new Interpreter(q, { coalesce: false }), [0, 1, 2, 0]);
    expect(s.locks.sem).toEqual({ kind: 'rwsem', writer: -1, readers: [1], waiters: [{ tid: 2, write: true }] });
    expect(s.threads[1]!.pending).toBe(true);
    const m = new KernelModel(q);
    m.setProperties([...lockDiscipline.build(m), Property.deadlockFree('deadlock')]);
    const r = check(m, {});
    expect(r.status).toBe('pass');
  });
});

describe('killable waits of a killed task (down_write_killable)', () => {
  const scenario = (victim: boolean): Scenario => ({
    name: 'killable',
    core: 'v4.19',
    oom: true,
    vmas: [
      { start: 0, end: 4 },
      { start: 8, end: 12 },
    ],
    notifiers: [],
    threads: [{ kind: 'oom_reaper' }, { kind: 'munmap', params: { start: 8, len: 4 }, victim }],
  });
  const REAPER = 0;
  const MUNMAP = 1;
  /** Run the reaper until it holds mmap_sem for read (its down_read_trylock succeeded), then one munmap step. */
  function munmapAgainstReader(victim: boolean): { ip: Interpreter; s: KState } {
    const ip = new Interpreter(buildProgram(scenario(victim)), { coalesce: false });
    const KILLABLE = 'if (down_write_killable(&mm->mmap_sem))';
    let s = ip.initial();
    for (let n = 0; n < 10 && ip.current(s, MUNMAP)?.instr.src.text !== KILLABLE; n++) s = ip.step(s, { tid: MUNMAP, choice: 0 }).state;
    for (let n = 0; n < 50; n++) {
      const l = s.locks['mm.mmap_sem']!;
      if (l.kind === 'rwsem' && l.readers.includes(REAPER)) break;
      s = ip.step(s, { tid: REAPER, choice: 0 }).state;
    }
    expect(s.locks['mm.mmap_sem']).toEqual({ kind: 'rwsem', writer: -1, readers: [REAPER], waiters: [] });
    expect(ip.current(s, MUNMAP)?.instr.src.text).toBe(KILLABLE);
    // The contended call offers one action: no choice between giving up and queueing.
    const acts: KAction[] = [];
    ip.actions(s, acts);
    expect(acts.filter((a) => a.tid === MUNMAP)).toEqual([{ tid: MUNMAP, choice: 0 }]);
    s = ip.step(s, { tid: MUNMAP, choice: 0 }).state;
    return { ip, s };
  }

  test('a killed munmap contending with the reaper\'s read hold returns -EINTR at once and never queues', () => {
    const { ip, s } = munmapAgainstReader(true);
    expect(s.locks['mm.mmap_sem']).toEqual({ kind: 'rwsem', writer: -1, readers: [REAPER], waiters: [] });
    expect(s.threads[MUNMAP]!.pending).toBe(false);
    expect(ip.current(s, MUNMAP)?.instr.src.text).toBe('return -EINTR;');
  });

  test('a munmap without a fatal signal pending queues behind the reader and waits', () => {
    const { ip, s } = munmapAgainstReader(false);
    expect(s.locks['mm.mmap_sem']).toEqual({ kind: 'rwsem', writer: -1, readers: [REAPER], waiters: [{ tid: MUNMAP, write: true }] });
    expect(s.threads[MUNMAP]!.pending).toBe(true);
    expect(ip.waitOf(s, MUNMAP)?.why).toBe('down_write_killable(&mm.mmap_sem): held for read by oom_reaper; queued: munmap (write)');
  });

  test('by exploration: the killed munmap never sits in the queue, so every failed reaper trylock meets munmap holding the lock; a live one does queue', () => {
    const neverQueued = Property.always<KState>('munmap never queued on mmap_sem', (s) => {
      const l = s.locks['mm.mmap_sem']!;
      return l.kind !== 'rwsem' || l.waiters.length === 0;
    });
    const killed = new KernelModel(buildProgram(scenario(true)));
    killed.setProperties([neverQueued]);
    expect(check(killed, {}).status).toBe('pass');
    const live = new KernelModel(buildProgram(scenario(false)));
    live.setProperties([neverQueued]);
    expect(check(live, {}).status).toBe('violation');
  });
});

describe('non-owner release', () => {
  test('up_read_non_owner by another task releases a down_read_non_owner hold', () => {
    const p = tinyProgram({
      fns: [f('take', 'down_read_non_owner(&sem);', 'x->taken = 1;'), f('give', 'wait_event(wq, x->taken);', 'up_read_non_owner(&sem);')],
      threads: [
        { name: 'taker', fn: 'take', args: [] },
        { name: 'giver', fn: 'give', args: [] },
      ],
      locks: { sem: 'rwsem' },
      mem: { 'x.taken': 0 },
    });
    const ip = new Interpreter(p, { coalesce: false });
    const taken = run(ip, [0, 0]);
    expect(taken.locks.sem).toMatchObject({ readers: [NON_OWNER] });
    const given = run(ip, [0, 0, 1, 1]);
    expect(given.locks.sem).toMatchObject({ readers: [] });
    // Neither thread "holds" the lock as owner, so finishing is no violation either.
    const m = new KernelModel(p);
    m.setProperties(lockDiscipline.build(m));
    expect(check(m, {}).status).toBe('pass');
  });

  test('up_read by a task that holds no read hold of its own is a bad unlock, found by exploration', () => {
    const p = tinyProgram({
      fns: [f('take', 'down_read_non_owner(&sem);'), f('give', 'up_read(&sem);')],
      threads: [
        { name: 'taker', fn: 'take', args: [] },
        { name: 'giver', fn: 'give', args: [] },
      ],
      locks: { sem: 'rwsem' },
    });
    const m = new KernelModel(p);
    m.setProperties(lockDiscipline.build(m));
    const r = check(m, {});
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    const last = r.violation.path.steps.at(-1)?.state ?? r.violation.path.init;
    expect(lockDiscipline.explain(m, 'lock-discipline:bad-unlock', last).header).toMatch(/bad unlock balance/);
  });
});

describe('spinlock', () => {
  test('sleeping while holding a spinlock is detected', () => {
    const p = tinyProgram({
      fns: [f('bad', 'spin_lock(&sl);', 'mutex_lock(&m);', 'mutex_unlock(&m);', 'spin_unlock(&sl);')],
      threads: [{ name: 'bad', fn: 'bad', args: [] }],
      locks: { sl: 'spin', m: 'mutex' },
    });
    const m = new KernelModel(p);
    m.setProperties(lockDiscipline.build(m));
    const r = check(m, {});
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    expect(r.violation.path.steps).toHaveLength(1);
    expect(lockDiscipline.explain(m, 'lock-discipline:sleep-under-spinlock', r.violation.path.steps[0]!.state).header).toMatch(/sleeping function called from invalid context/);
  });

  test('a contended spin_lock spins: the thread is not enabled, and it is not a sleep', () => {
    const p = tinyProgram({
      fns: [f('a', 'spin_lock(&sl);', 'spin_unlock(&sl);')],
      threads: [
        { name: 'a', fn: 'a', args: [] },
        { name: 'b', fn: 'a', args: [] },
      ],
      locks: { sl: 'spin' },
    });
    const ip = new Interpreter(p, { coalesce: false });
    const s = run(ip, [0]);
    expect(ip.waitOf(s, 1)).toEqual({ why: 'spin_lock(&sl): held by a', sleeping: false });
  });
});

describe('mutex', () => {
  test('mutex_trylock fails while another task owns it and never waits', () => {
    const p = tinyProgram({
      fns: [f('own', 'mutex_lock(&m);', 'mutex_unlock(&m);'), f('try', 'r = mutex_trylock(&m);', 'x->r = r;')],
      threads: [
        { name: 'own', fn: 'own', args: [] },
        { name: 'try', fn: 'try', args: [] },
      ],
      locks: { m: 'mutex' },
      mem: { 'x.r': -1 },
    });
    const ip = new Interpreter(p, { coalesce: false });
    expect(run(ip, [0, 1, 1]).mem['x.r']).toBe(0);
  });

  test('a deadlock of two mutexes taken in opposite orders is found, with every thread\'s wait', () => {
    const p = tinyProgram({
      fns: [f('ab', 'mutex_lock(&a);', 'mutex_lock(&b);', 'mutex_unlock(&b);', 'mutex_unlock(&a);'), f('ba', 'mutex_lock(&b);', 'mutex_lock(&a);', 'mutex_unlock(&a);', 'mutex_unlock(&b);')],
      threads: [
        { name: 't1', fn: 'ab', args: [] },
        { name: 't2', fn: 'ba', args: [] },
      ],
      locks: { a: 'mutex', b: 'mutex' },
    });
    const m = new KernelModel(p);
    m.setProperties([Property.deadlockFree('deadlock')]);
    const r = check(m, {});
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    expect(r.violation.threads?.map((t) => t.waitingFor)).toEqual(['mutex_lock(&b): held by t2', 'mutex_lock(&a): held by t1']);
  });
});

describe('who holds a lock, compiled', () => {
  // Every lock state the checks meet, for tasks 0 and 1: free, owned by either, a rwsem held for
  // write, for read by one or both, and by a non-owner read hold.
  const states: LockState[] = [
    { kind: 'mutex', owner: -1 },
    { kind: 'mutex', owner: 0 },
    { kind: 'spin', owner: 1 },
    { kind: 'rwsem', writer: -1, readers: [], waiters: [] },
    { kind: 'rwsem', writer: 1, readers: [], waiters: [] },
    { kind: 'rwsem', writer: -1, readers: [0, 1], waiters: [] },
    { kind: 'rwsem', writer: -1, readers: [NON_OWNER], waiters: [{ tid: 0, write: true }] },
  ];

  test('heldByTaskIn answers what heldByTask asks of each key, for every table of three locks', () => {
    const keys = ['a.m', 'b.sem', 'c.lock'];
    const held = heldByTaskIn(keys);
    let seen = 0;
    for (const a of states) {
      for (const b of states) {
        for (const c of states) {
          const table = { 'a.m': a, 'b.sem': b, 'c.lock': c };
          for (const tid of [0, 1, 2]) {
            const want = keys.some((k) => heldByTask(table[k as keyof typeof table], tid));
            expect(held(table, tid)).toBe(want);
            if (want) seen++;
          }
        }
      }
    }
    // Both answers met.
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(states.length ** 3 * 3);
    expect(heldByTaskIn([])({}, 0)).toBe(false);
  });

  test('exclusiveOwner is the one task ownsExclusively holds for', () => {
    for (const l of states) {
      const owner = exclusiveOwner(l);
      for (const tid of [0, 1, 2]) expect(ownsExclusively(l, tid)).toBe(tid === owner);
    }
    expect(states.map(exclusiveOwner)).toEqual([-1, 0, 1, -1, 1, -1, -1]);
  });
});
