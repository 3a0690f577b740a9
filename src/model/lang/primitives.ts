/**
 * Primitives: the leaf kernel API the IR calls without modelling its body (locks, atomics, bit
 * operations, sleeping, allocation, list and interval-tree walks). Each primitive states whether it
 * may sleep (`might_sleep()` semantics: judged at the call, contended or not), whether it touches
 * shared state, when it must wait, and what it does.
 *
 * Drivers add their own leaf primitives (in src/model/kernel/drivers/*); the core set is here.
 */
import type { Expr } from './ir.ts';
import {
  addReader,
  downOutcome,
  enqueue,
  holders,
  markWake,
  readMustWait,
  removeReader,
  rwsem,
  wakeAfterRelease,
  writeMustWait,
} from './locks.ts';
import { NON_OWNER, type LockState, type ThreadState, type Value } from './state.ts';

/** Returned by `run` when the statement only queued the thread and must run again later. */
export const PENDING: unique symbol = Symbol('pending');

/** What a primitive sees of the running thread and the state. */
export interface PrimCtx {
  readonly tid: number;
  /** The running thread's task (the value of `current`; static keys `${task}.*` describe it). */
  readonly task: string;
  /**
   * The running thread's current statement already ran and returned PENDING: the thread sleeps in
   * (or has been woken in) the slow path of the primitive, which now runs to finish it.
   */
  readonly pending: boolean;
  /** Read a shared variable (`object.field`). Throws for an unknown key. */
  read(key: string): Value;
  /** Write a shared variable. Throws for an unknown key. */
  write(key: string, value: Value): void;
  /** Read the scenario's static configuration. */
  stat(key: string): Value | readonly Value[] | undefined;
  lock(key: string): LockState;
  setLock(key: string, l: LockState): void;
  thread(tid: number): ThreadState;
  readonly threadCount: number;
  /** Add `delta` to the running thread's SRCU read-side depth. */
  srcu(delta: number): void;
  threadName(tid: number): string;
  /** Evaluate an unevaluated (lazy) argument in the caller's frame. */
  evalLazy(e: Expr): Value;
  /**
   * Wake the kworker thread the scenario binds to work item `work` (src/model/kernel/core/workqueue.ts):
   * an idle one starts its worker_thread(); a running one will find the work pending when it loops.
   * Throws if no kworker runs that work item. Only primitives that declare `wakes` may call it.
   */
  wakeKworker(work: string): void;
  /**
   * Add `delta` to `current->non_block_count` (`non_block_start()`: 1, `non_block_end()`: -1), kept
   * in the running frame's context and inherited by the functions it calls; returns the count before.
   */
  nonBlock(delta: number): number;
  /**
   * Whether the caller of a `wait` wants to know why the thread waits (a report, a trace, a
   * reduction check): when false (enabledness, asked of every waiting thread in every state), `wait`
   * returns {@link SLEEPS} or {@link SPINS} instead of building its description.
   */
  readonly explains: boolean;
}

/** Why a thread cannot run its next step: a description, and whether it sleeps there (else it spins). */
export interface Wait {
  readonly why: string;
  readonly sleeping: boolean;
}

/** A `wait`'s answer when the caller does not ask why ({@link PrimCtx.explains}): it sleeps. */
export const SLEEPS: Wait = Object.freeze({ why: 'sleeps (the reason was not asked for)', sleeping: true });
/** A `wait`'s answer when the caller does not ask why ({@link PrimCtx.explains}): it spins. */
export const SPINS: Wait = Object.freeze({ why: 'spins (the reason was not asked for)', sleeping: false });

export type Arg = Value | readonly Value[] | Expr;

/**
 * A kernel oops in modelled code: a NULL pointer dereference, or an access to an object freed with
 * kfree() (the model tracks the objects a driver declares freeable: `<object>.kfreed`). The
 * interpreter marks the running thread killed (src/model/lang/interp.ts); the no-bug property reports it.
 * Primitives throw it for the accesses they make themselves.
 */
export class KernelOops extends Error {}

/**
 * One shared access, named by the field (`recursion`, `tlb_flush_pending`, a flag bit such as
 * `MMF_OOM_SKIP`) or global variable it touches. `inc` is an increment or decrement whose result is
 * not read: such updates commute with each other.
 */
export interface Access {
  readonly name: string;
  readonly mode: 'r' | 'w' | 'inc';
  /**
   * A write that stores only 0 (or NULL): it can turn a nonzero value to 0, never the other way.
   * What the partial-order reduction needs of a write to a field a `PairCondition` reads (por.ts);
   * checked on every write under `verifyReduction`.
   */
  readonly zero?: true;
  /** A read-side operation of a task on a rw_semaphore ({@link Primitive.readSide}). */
  readonly readSide?: true;
}

/** The field (or global) an argument such as `&amn->recursion` or `&mm->flags` names. */
export function nameOf(e: Expr | undefined): string {
  if (!e) return '?';
  switch (e.k) {
    case 'addr':
      return nameOf(e.e);
    case 'field':
      return e.field;
    case 'id':
      return e.name;
    default:
      return '?';
  }
}

const acc = (mode: Access['mode'], arg = 0) => (args: readonly Expr[]): Access[] => [{ name: nameOf(args[arg]), mode }];

/** A lock primitive: its accesses are the lock's, and it changes the lock's state. */
const lockOp = (p: Primitive, lockKind: LockState['kind'], readSide = false, acquires?: Primitive['acquires']): Primitive => ({
  ...p,
  access: acc('w'),
  locks: true,
  lockKind,
  ...(readSide ? { readSide: true as const } : {}),
  ...(acquires ? { acquires } : {}),
});

export interface Primitive {
  /** Touches shared state (memory, locks, other threads). False only for pure functions of locals and configuration. */
  readonly shared: boolean;
  /** May sleep (the call site would trip `might_sleep()`). */
  readonly sleeps: boolean | ((args: readonly Arg[]) => boolean);
  /** Indices of arguments passed unevaluated (e.g. `wait_event`'s condition). */
  readonly lazy?: readonly number[];
  /** Indices of arguments that name a struct member (`hlist`, `mn_list`): not values, not checked at link time. */
  readonly members?: readonly number[];
  /**
   * Indices of arguments naming a function that the scenario binds to a thread's configuration
   * instead (INIT_WORK's work function: the kworker's `current_func`). The reduction's call graph
   * does not count them as function pointers that any call through a pointer may reach.
   */
  readonly binds?: readonly number[];
  /**
   * The shared variables a call may touch, by field name (see `Access`), for the independence
   * analysis that lets steps no other thread can observe run together (program.ts). A shared
   * primitive without it counts as touching everything, which is always safe. `statics` is the
   * scenario's fixed configuration (`ProgramSpec.statics`): a primitive whose reads depend on it
   * (`pmd_trans_huge()` reads nothing where no VMA has a huge page) may declare only what it reads
   * in this scenario; `verifyReduction` checks every executed call's reads and writes against it.
   */
  readonly access?: (args: readonly Expr[], statics: Readonly<Record<string, Value | readonly Value[]>>) => readonly Access[];
  /**
   * Why the calling thread cannot run the call now, or null when it can. Must not modify anything.
   * `sleeping` says whether the thread sleeps there (true) or spins (false). Where the caller does not
   * ask why (`ctx.explains` false), {@link SLEEPS} or {@link SPINS} will do.
   */
  wait?(ctx: PrimCtx, args: readonly Arg[]): Wait | null;
  /**
   * It acquires or releases a lock (changes a lock's holders or waiters). The reduction keeps such a
   * statement a transition of its own when a property reads lock states (src/model/lang/reduction.ts);
   * the interpreter checks, under `verifyReduction`, that only primitives that say so change locks.
   */
  readonly locks?: boolean;
  /**
   * The kind of lock it operates on. A lock primitive applied to a pointer held in a local
   * (`spin_unlock(ptl)` after `ptl = pmd_lock(...)`) names no field; the reduction then counts it as
   * touching every lock of this kind (every lock, without it). Under `verifyReduction` the
   * interpreter checks every lock a statement changes against its static effects.
   */
  readonly lockKind?: LockState['kind'];
  /**
   * How it takes the lock its one access names, for the lock sets of src/model/lang/lockset.ts:
   * - `wait`: a blocking acquisition that changes nothing while any task holds the lock (the thread
   *   waits: `wait` says so) and returns owning it exclusively (`mutex_lock`, `spin_lock`);
   * - `queue`: returns owning it exclusively, but joins the lock's queue while it is held (a state
   *   change: `down_write`);
   * - `try`: returns 1 iff it took the lock exclusively, 0 having changed nothing (`mutex_trylock`).
   * Every other lock primitive (releases, read-side operations, `down_write_killable`, which may
   * return -EINTR) counts as possibly releasing the lock. `verifyReduction` checks the lock sets
   * built on this at every step (interp.ts).
   */
  readonly acquires?: 'wait' | 'queue' | 'try';
  /**
   * A read-side operation of a task on a rw_semaphore (`down_read`, `down_read_trylock`, `up_read`:
   * not the `*_non_owner` ones). On a semaphore nothing in the scenario can take for write, these
   * commute with each other: the reduction counts them as increments there (reduction.ts,
   * "Semaphores only read").
   */
  readonly readSide?: true;
  /**
   * The value every call returns under the scenario's fixed configuration (`statics`), when it is
   * one value; undefined when it may vary. The reduction's analysis of what a scenario can run
   * (live.ts) prunes branches on it; `verifyReduction` checks every call's result against it.
   */
  readonly value?: (args: readonly Expr[], statics: Readonly<Record<string, Value | readonly Value[]>>) => Value | undefined;
  /**
   * It may start another thread (wakes an idle kworker: `schedule_work`). The reduction keeps such a
   * statement a transition of its own, and the interpreter checks, under `verifyReduction`, that
   * only primitives that say so change another thread.
   */
  readonly wakes?: boolean;
  /** Number of possible outcomes (non-determinism); `run` receives which one. Default 1. */
  choices?(ctx: PrimCtx, args: readonly Arg[]): number;
  /** Perform the call. */
  run(ctx: PrimCtx, args: readonly Arg[], choice: number): Value | readonly Value[] | typeof PENDING;
  /** For list macros: the element after `pos` (`pos === undefined`: the first), or null. */
  iterate?(ctx: PrimCtx, args: readonly Arg[], pos: Value | undefined): Value;
  /** What it models, for docs/model.md. */
  readonly doc: string;
}

// ------------------------------------------------------------------------------------- helpers

export function ref(a: Arg | undefined, what: string): string {
  if (typeof a !== 'string') throw new Error(`${what}: expected an object reference, got ${JSON.stringify(a)}`);
  return a;
}

export function num(a: Arg | undefined, what: string): number {
  if (typeof a !== 'number') throw new Error(`${what}: expected a number, got ${JSON.stringify(a)}`);
  return a;
}

function list(ctx: PrimCtx, key: string): readonly Value[] {
  const v = ctx.stat(key);
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${key} is not a list in the scenario's configuration`);
  return v;
}

const pure = (doc: string, f: (args: readonly Arg[], ctx: PrimCtx) => Value): Primitive => ({
  shared: false,
  sleeps: false,
  doc,
  run: (ctx, args) => f(args, ctx),
});

const noop = (doc: string, sleeps = false): Primitive => ({ shared: false, sleeps, doc, run: () => 0 });

// ------------------------------------------------------------------------------------- locks

function mutexLock(): Primitive {
  return {
    shared: true,
    sleeps: true,
    doc: 'mutex_lock: sleeps until the mutex is free, then owns it.',
    wait(ctx, [m]) {
      const l = ctx.lock(ref(m, 'mutex_lock'));
      if (l.kind !== 'mutex') throw new Error(`mutex_lock on a ${l.kind}`);
      return l.owner === -1 ? null : ctx.explains ? { why: `mutex_lock(&${m}): ${holders(l, (t) => ctx.threadName(t))}`, sleeping: true } : SLEEPS;
    },
    run(ctx, [m]) {
      const key = ref(m, 'mutex_lock');
      if (ctx.lock(key).kind !== 'mutex') throw new Error('mutex_lock on a non-mutex');
      ctx.setLock(key, { kind: 'mutex', owner: ctx.tid });
      return 0;
    },
  };
}

function rwsemOf(ctx: PrimCtx, key: string, op: string) {
  const l = ctx.lock(key);
  if (l.kind !== 'rwsem') throw new Error(`${op} on a ${l.kind}`);
  return l;
}

function down(write: boolean, nonOwner: boolean): Primitive {
  const op = `${write ? 'down_write' : 'down_read'}${nonOwner ? '_non_owner' : ''}`;
  return {
    shared: true,
    sleeps: true,
    doc: write
      ? `${op}: takes the rw_semaphore for write if nobody holds it (queued tasks or not: x86 ____down_write, and rwsem_try_write_lock in the slow path); otherwise joins the FIFO queue (one step) and takes it at its own step once it is at the head and nobody holds it.`
      : `${op}: takes the rw_semaphore for read if no writer holds it and nobody is queued (x86 __down_read); otherwise joins the FIFO queue (one step) and sleeps until a release grants it the lock (__rwsem_mark_wake), then returns holding it${nonOwner ? '; the read hold belongs to no task' : ''}.`,
    wait(ctx, [s]) {
      const key = ref(s, op);
      const l = rwsemOf(ctx, key, op);
      return downOutcome(l, ctx.tid, write, ctx.pending) === 'wait'
        ? ctx.explains
          ? { why: `${op}(&${key}): ${holders(l, (t) => ctx.threadName(t))}`, sleeping: true }
          : SLEEPS
        : null;
    },
    run(ctx, [s]) {
      const key = ref(s, op);
      const l = rwsemOf(ctx, key, op);
      switch (downOutcome(l, ctx.tid, write, ctx.pending)) {
        case 'granted':
          return 0;
        case 'queue': {
          const q = enqueue(l, ctx.tid, write, nonOwner);
          ctx.setLock(key, q);
          // A reader the wake-up on its own way in granted the lock does not sleep.
          return !write && !q.waiters.some((w) => w.tid === ctx.tid) ? 0 : PENDING;
        }
        case 'wait':
          throw new Error(`${op}: ran while it must wait`);
        case 'acquire': {
          const waiters = l.waiters.filter((w) => w.tid !== ctx.tid);
          if (write) ctx.setLock(key, rwsem(ctx.tid, l.readers, waiters));
          else ctx.setLock(key, rwsem(l.writer, addReader(l.readers, nonOwner ? NON_OWNER : ctx.tid), waiters));
          return 0;
        }
      }
    },
  };
}

function downTrylock(write: boolean): Primitive {
  const op = write ? 'down_write_trylock' : 'down_read_trylock';
  return {
    shared: true,
    sleeps: false,
    doc: `${op}: never sleeps; succeeds (returns 1) iff ${write ? 'nobody holds the semaphore, queued tasks or not (x86 __down_write_trylock tests only the active part of the count)' : 'no writer holds it and nobody is queued (x86 __down_read_trylock: the count plus one must be positive)'}, else returns 0.`,
    run(ctx, [s]) {
      const key = ref(s, op);
      const l = rwsemOf(ctx, key, op);
      if (write ? writeMustWait(l) : readMustWait(l)) return 0;
      if (write) ctx.setLock(key, rwsem(ctx.tid, l.readers, l.waiters));
      else ctx.setLock(key, rwsem(l.writer, addReader(l.readers, ctx.tid), l.waiters));
      return 1;
    },
  };
}

function upRead(nonOwner: boolean): Primitive {
  const op = nonOwner ? 'up_read_non_owner' : 'up_read';
  return {
    shared: true,
    sleeps: false,
    doc: `${op}: releases a read hold (${nonOwner ? 'any task may release a non-owner hold' : "the calling task's own"}); never sleeps. The last hold released with tasks queued wakes the queue (call_rwsem_wake -> rwsem_wake -> __rwsem_mark_wake(RWSEM_WAKE_ANY)). Releasing a hold that does not exist is a lock-discipline violation (src/properties/lock-discipline.ts) and changes nothing.`,
    run(ctx, [s]) {
      const key = ref(s, op);
      const l = rwsemOf(ctx, key, op);
      const readers = removeReader(l.readers, ctx.tid, nonOwner);
      if (readers) ctx.setLock(key, wakeAfterRelease(rwsem(l.writer, readers, l.waiters)));
      return 0;
    },
  };
}

export const CORE_PRIMITIVES: Record<string, Primitive> = {
  mutex_lock: lockOp(mutexLock(), 'mutex', false, 'wait'),
  mutex_lock_nested: lockOp(mutexLock(), 'mutex', false, 'wait'),
  mutex_trylock: {
    access: acc('w'),
    locks: true,
    acquires: 'try',
    lockKind: 'mutex',
    shared: true,
    sleeps: false,
    doc: 'mutex_trylock: never sleeps; takes the mutex and returns 1 iff it is free, else returns 0.',
    run(ctx, [m]) {
      const key = ref(m, 'mutex_trylock');
      const l = ctx.lock(key);
      if (l.kind !== 'mutex') throw new Error(`mutex_trylock on a ${l.kind}`);
      if (l.owner !== -1) return 0;
      ctx.setLock(key, { kind: 'mutex', owner: ctx.tid });
      return 1;
    },
  },
  mutex_unlock: {
    access: acc('w'),
    locks: true,
    lockKind: 'mutex',
    shared: true,
    sleeps: false,
    doc: 'mutex_unlock: releases the mutex; unlocking a mutex the task does not own is a lock-discipline violation and changes nothing.',
    run(ctx, [m]) {
      const key = ref(m, 'mutex_unlock');
      const l = ctx.lock(key);
      if (l.kind !== 'mutex') throw new Error(`mutex_unlock on a ${l.kind}`);
      if (l.owner === ctx.tid) ctx.setLock(key, { kind: 'mutex', owner: -1 });
      return 0;
    },
  },
  down_read: lockOp(down(false, false), 'rwsem', true),
  down_read_non_owner: lockOp(down(false, true), 'rwsem'),
  down_write: lockOp(down(true, false), 'rwsem', false, 'queue'),
  down_read_trylock: lockOp(downTrylock(false), 'rwsem', true),
  down_write_trylock: lockOp(downTrylock(true), 'rwsem', false, 'try'),
  up_read: lockOp(upRead(false), 'rwsem', true),
  up_read_non_owner: lockOp(upRead(true), 'rwsem'),
  up_write: {
    access: acc('w'),
    locks: true,
    lockKind: 'rwsem',
    shared: true,
    sleeps: false,
    doc: 'up_write: releases the write hold; never sleeps. With tasks queued it wakes the queue (call_rwsem_wake -> rwsem_wake -> __rwsem_mark_wake(RWSEM_WAKE_ANY)): the readers at the head, up to the first writer, are granted the lock and leave the queue; a writer at the head is woken and takes the lock at its own step. Releasing a write hold the task does not have is a lock-discipline violation and changes nothing.',
    run(ctx, [s]) {
      const key = ref(s, 'up_write');
      const l = rwsemOf(ctx, key, 'up_write');
      if (l.writer === ctx.tid) ctx.setLock(key, wakeAfterRelease(rwsem(-1, l.readers, l.waiters)));
      return 0;
    },
  },
  downgrade_write: {
    access: acc('w'),
    locks: true,
    lockKind: 'rwsem',
    shared: true,
    sleeps: false,
    doc: 'downgrade_write: turns the write hold into a read hold of the same task; never sleeps. With tasks queued, the readers at the head up to the first writer are granted the lock too (x86 __downgrade_write -> call_rwsem_downgrade_wake -> rwsem_downgrade_wake -> __rwsem_mark_wake(RWSEM_WAKE_READ_OWNED)).',
    run(ctx, [s]) {
      const key = ref(s, 'downgrade_write');
      const l = rwsemOf(ctx, key, 'downgrade_write');
      if (l.writer === ctx.tid) ctx.setLock(key, markWake(rwsem(-1, addReader(l.readers, ctx.tid), l.waiters), 'read-owned'));
      return 0;
    },
  },
  spin_lock: lockOp(spinLock('spin_lock'), 'spin', false, 'wait'),
  spin_lock_irqsave: lockOp(spinLock('spin_lock_irqsave'), 'spin', false, 'wait'),
  spin_unlock: lockOp(spinUnlock('spin_unlock'), 'spin'),
  spin_unlock_irqrestore: lockOp(spinUnlock('spin_unlock_irqrestore'), 'spin'),
  // rwlock_t (x86 KVM's mmu_lock): both sides run as an exclusive spinlock (docs/model.md, "KVM as of v6.6").
  write_lock: lockOp(spinLock('write_lock'), 'spin', false, 'wait'),
  write_unlock: lockOp(spinUnlock('write_unlock'), 'spin'),
  read_lock: lockOp(spinLock('read_lock'), 'spin', false, 'wait'),
  read_unlock: lockOp(spinUnlock('read_unlock'), 'spin'),

  // ----------------------------------------------------------------------------------- atomics
  atomic_read: { ...atomic('atomic_read', (v) => [v, v]), access: acc('r') },
  atomic_set: {
    access: acc('w'),
    shared: true,
    sleeps: false,
    doc: 'atomic_set(v, i).',
    run(ctx, [v, i]) {
      ctx.write(ref(v, 'atomic_set'), num(i, 'atomic_set'));
      return 0;
    },
  },
  atomic_inc: { ...atomic('atomic_inc', (v) => [v + 1, 0]), access: acc('inc') },
  atomic_dec: { ...atomic('atomic_dec', (v) => [v - 1, 0]), access: acc('inc') },
  atomic_inc_return: { ...atomic('atomic_inc_return', (v) => [v + 1, v + 1]), access: acc('w') },
  atomic_dec_return: { ...atomic('atomic_dec_return', (v) => [v - 1, v - 1]), access: acc('w') },
  atomic_dec_and_test: { ...atomic('atomic_dec_and_test', (v) => [v - 1, v - 1 === 0 ? 1 : 0]), access: acc('w') },

  // ----------------------------------------------------------------------------------- bits
  test_bit: {
    shared: true,
    sleeps: false,
    doc: 'test_bit(nr, addr): the flag `addr.nr` (flags are modelled one shared variable per bit).',
    access: acc('r'),
    run: (ctx, [nr, addr]) => ctx.read(`${ref(addr, 'test_bit')}.${ref(nr, 'test_bit')}`),
  },
  set_bit: {
    shared: true,
    sleeps: false,
    doc: 'set_bit(nr, addr).',
    access: acc('w'),
    run(ctx, [nr, addr]) {
      ctx.write(`${ref(addr, 'set_bit')}.${ref(nr, 'set_bit')}`, 1);
      return 0;
    },
  },
  clear_bit: {
    shared: true,
    sleeps: false,
    doc: 'clear_bit(nr, addr).',
    access: acc('w'),
    run(ctx, [nr, addr]) {
      ctx.write(`${ref(addr, 'clear_bit')}.${ref(nr, 'clear_bit')}`, 0);
      return 0;
    },
  },

  // ----------------------------------------------------------------------------------- sleeping
  might_sleep: noop('might_sleep(): a function that may sleep (its body is not modelled).', true),
  cond_resched: noop('cond_resched(): may schedule.', true),
  schedule_timeout_idle: noop('schedule_timeout_idle(t): sleeps for a while, then returns (time is not modelled: any interleaving may happen meanwhile).', true),
  schedule_timeout_uninterruptible: noop('schedule_timeout_uninterruptible(t): sleeps for a while, then returns.', true),
  msleep: noop('msleep(ms): sleeps for a while, then returns.', true),
  flush_workqueue: noop('flush_workqueue(wq): sleeps until queued work has run (the work items are not modelled).', true),
  flush_work: noop('flush_work(w): sleeps until the work item has run (not modelled).', true),
  wait_event: {
    access: () => [],
    shared: true,
    sleeps: true,
    lazy: [1],
    doc: 'wait_event(wq, cond): sleeps until cond holds (evaluated in the caller).',
    wait(ctx, [wq, c]) {
      return ctx.evalLazy(c as Expr) ? null : ctx.explains ? { why: `wait_event(${String(wq)}): condition false`, sleeping: true } : SLEEPS;
    },
    run: () => 0,
  },
  wait_for_completion: {
    access: () => [{ name: 'done', mode: 'r' }],
    shared: true,
    sleeps: true,
    doc: 'wait_for_completion(x): sleeps until `x.done` is non-zero.',
    wait(ctx, [x]) {
      return ctx.read(`${ref(x, 'wait_for_completion')}.done`) ? null : ctx.explains ? { why: `wait_for_completion(&${x})`, sleeping: true } : SLEEPS;
    },
    run: () => 0,
  },
  wait_for_completion_timeout: {
    access: () => [{ name: 'done', mode: 'r' }],
    shared: true,
    sleeps: true,
    doc: 'wait_for_completion_timeout(x, t): sleeps until `x.done` or the timeout; returns non-zero iff completed (the timeout always expires eventually, so it never waits forever).',
    run: (ctx, [x]) => (ctx.read(`${ref(x, 'wait_for_completion_timeout')}.done`) ? 1 : 0),
  },
  complete_all: {
    access: () => [{ name: 'done', mode: 'w' }],
    shared: true,
    sleeps: false,
    doc: 'complete_all(x): `x.done = 1`, waking every waiter.',
    run(ctx, [x]) {
      ctx.write(`${ref(x, 'complete_all')}.done`, 1);
      return 0;
    },
  },
  reinit_completion: {
    access: () => [{ name: 'done', mode: 'w' }],
    shared: true,
    sleeps: false,
    doc: 'reinit_completion(x): `x.done = 0`.',
    run(ctx, [x]) {
      ctx.write(`${ref(x, 'reinit_completion')}.done`, 0);
      return 0;
    },
  },

  // ----------------------------------------------------------------------------------- SRCU
  srcu_read_lock: {
    shared: true,
    sleeps: false,
    // Each task's read-side depth is its own; only synchronize_srcu reads them all.
    access: () => [{ name: '$srcu', mode: 'inc' }],
    doc: 'srcu_read_lock(sp): enters an SRCU read-side section (tracked for the notifier core\'s global `srcu` only); returns an index.',
    run(ctx, [sp]) {
      if (sp === 'srcu') ctx.srcu(1);
      return 0;
    },
  },
  srcu_read_unlock: {
    shared: true,
    sleeps: false,
    access: () => [{ name: '$srcu', mode: 'inc' }],
    doc: 'srcu_read_unlock(sp, idx): leaves the SRCU read-side section.',
    run(ctx, [sp]) {
      if (sp === 'srcu') ctx.srcu(-1);
      return 0;
    },
  },
  synchronize_srcu: {
    shared: true,
    sleeps: true,
    access: () => [{ name: '$srcu', mode: 'r' }],
    doc: 'synchronize_srcu(sp): sleeps until no other task is inside an SRCU read-side section of the notifier core\'s `srcu` (stronger than Linux, which waits only for readers that started before the call; see docs/model.md).',
    wait(ctx, [sp]) {
      if (sp !== 'srcu') return null;
      for (let t = 0; t < ctx.threadCount; t++) {
        if (t !== ctx.tid && ctx.thread(t).srcu > 0) return ctx.explains ? { why: `synchronize_srcu(&srcu): ${ctx.threadName(t)} is in a read-side section`, sleeping: true } : SLEEPS;
      }
      return null;
    },
    run: () => 0,
  },

  // ----------------------------------------------------------------------------------- choice
  mnc_choose: {
    shared: false,
    sleeps: false,
    doc: 'mnc_choose(n): a model-only non-deterministic choice of 0 .. n-1 (for a hardware answer or any outcome the model does not determine); every outcome is explored.',
    choices: (_ctx, [n]) => Math.max(1, num(n, 'mnc_choose')),
    run: (_ctx, _args, choice) => choice,
  },

  // ----------------------------------------------------------------------------------- no-ops
  trace_skip_task_reaping: noop('tracepoint'),
  trace_start_task_reaping: noop('tracepoint'),
  trace_finish_task_reaping: noop('tracepoint'),
  pr_info: noop('printk'),
  debug_show_all_locks: noop('prints the held locks'),
  put_task_struct: noop('drops a task reference'),
  smp_wmb: noop('memory barrier (the model is sequentially consistent)'),
  smp_rmb: noop('memory barrier (the model is sequentially consistent)'),
  queue_work: noop('queue_work(wq, w): queues work; the work item itself is not modelled and never sleeps here.'),
  schedule_work: noop('schedule_work(w): queues work (not modelled).'),
  WARN_ON: noop('WARN_ON(cond): prints a warning.'),
  VM_BUG_ON: noop('VM_BUG_ON(cond): debug assertion (not checked).'),
  container_of: {
    ...pure(
      'container_of(ptr, type, member): the model names objects, so the containing object is the same id; a pointer to an embedded member the code took as `&obj->member` (`amdgpu0.work`, a work item passed to its work function) gives back `obj`.',
      ([p, , m]) => {
        const member = (m as Expr | undefined)?.k === 'id' ? (m as Expr & { k: 'id' }).name : undefined;
        return typeof p === 'string' && member !== undefined && p.endsWith(`.${member}`) ? p.slice(0, -(member.length + 1)) : (p as Value);
      },
    ),
    lazy: [2],
    members: [2],
  },
  likely: pure('likely(x): x.', ([x]) => x as Value),
  unlikely: pure('unlikely(x): x.', ([x]) => x as Value),
  min: pure('min(a, b).', ([a, b]) => Math.min(num(a, 'min'), num(b, 'min'))),
  max: pure('max(a, b).', ([a, b]) => Math.max(num(a, 'max'), num(b, 'max'))),

  // ----------------------------------------------------------------------------------- lists
  list_for_each_entry: { ...staticList('list_for_each_entry(pos, head, member): walks the static list `head`.'), members: [1] },
  list_for_each_entry_safe: { ...staticList('list_for_each_entry_safe(pos, n, head, member): walks the static list `head`.', 1), members: [2] },
  list_empty: pure('list_empty(head): whether the static list `head` is empty.', ([h], ctx) => (list(ctx, ref(h, 'list_empty')).length === 0 ? 1 : 0)),
  RB_EMPTY_ROOT: pure('RB_EMPTY_ROOT(root): whether the static tree `root` is empty.', ([h], ctx) => (list(ctx, ref(h, 'RB_EMPTY_ROOT')).length === 0 ? 1 : 0)),
  interval_tree_iter_first: treeIter('interval_tree_iter_first', true),
  interval_tree_iter_next: treeNext('interval_tree_iter_next', true),
  rbt_ib_umem_iter_first: treeIter('rbt_ib_umem_iter_first'),
  rbt_ib_umem_iter_next: treeNext('rbt_ib_umem_iter_next'),
};

function spinLock(op: string): Primitive {
  return {
    shared: true,
    sleeps: false,
    doc: `${op}: busy-waits until the spinlock is free, then owns it; never sleeps.`,
    wait(ctx, [s]) {
      const l = ctx.lock(ref(s, op));
      if (l.kind !== 'spin') throw new Error(`${op} on a ${l.kind}`);
      return l.owner === -1 ? null : ctx.explains ? { why: `${op}(&${s}): ${holders(l, (t) => ctx.threadName(t))}`, sleeping: false } : SPINS;
    },
    run(ctx, [s]) {
      const key = ref(s, op);
      if (ctx.lock(key).kind !== 'spin') throw new Error(`${op} on a non-spinlock`);
      ctx.setLock(key, { kind: 'spin', owner: ctx.tid });
      return 0;
    },
  };
}

function spinUnlock(op: string): Primitive {
  return {
    shared: true,
    sleeps: false,
    doc: `${op}: releases the spinlock.`,
    run(ctx, [s]) {
      const key = ref(s, op);
      const l = ctx.lock(key);
      if (l.kind !== 'spin') throw new Error(`${op} on a ${l.kind}`);
      if (l.owner === ctx.tid) ctx.setLock(key, { kind: 'spin', owner: -1 });
      return 0;
    },
  };
}

function atomic(op: string, f: (v: number) => [number, number]): Primitive {
  return {
    shared: true,
    sleeps: false,
    doc: `${op}(v): one indivisible read-modify-write of the shared counter v.`,
    run(ctx, [v]) {
      const key = ref(v, op);
      const [next, ret] = f(num(ctx.read(key), op));
      if (next !== num(ctx.read(key), op)) ctx.write(key, next);
      return ret;
    },
  };
}

function staticList(doc: string, headArg = 0): Primitive {
  return {
    shared: false,
    sleeps: false,
    doc,
    run: (ctx, args) => list(ctx, ref(args[headArg], 'list walk')),
    iterate(ctx, args, pos) {
      const l = list(ctx, ref(args[headArg], 'list walk'));
      if (pos === undefined) return l[0] ?? null;
      const i = l.indexOf(pos);
      return i >= 0 ? (l[i + 1] ?? null) : null;
    },
  };
}

/** Objects in a static tree `root` carry `obj.start` and `obj.last` (inclusive) in the configuration. */
function overlaps(ctx: PrimCtx, obj: Value, start: number, last: number): boolean {
  const s = ctx.stat(`${String(obj)}.start`);
  const l = ctx.stat(`${String(obj)}.last`);
  if (typeof s !== 'number' || typeof l !== 'number') throw new Error(`object ${String(obj)} has no start/last in the configuration`);
  return s <= last && start <= l;
}

/**
 * Whether `node` of a static tree is in the tree now. A node the configuration marks dynamic
 * (`<node>.dynamic`: an `mmu_interval_notifier` that `mmu_interval_notifier_insert()` and
 * `_remove()` add and take out while the scenario runs, v6.6 core) is in the tree while its
 * `<node>.rb` is set (the kernel's `!RB_EMPTY_NODE(&node->rb)`); every other node always is.
 */
function inTree(ctx: PrimCtx, node: Value): boolean {
  return !ctx.stat(`${String(node)}.dynamic`) || !!ctx.read(`${String(node)}.rb`);
}

/** The interval trees' membership (a dynamic node's `rb`): what a walk of them may read. */
function TREE_READS(): readonly Access[] {
  return [{ name: 'rb', mode: 'r' }];
}

/** A walk of a static interval tree; `dynamic`: one whose nodes may be dynamic (the core's `itree`). */
function treeIter(op: string, dynamic = false): Primitive {
  return {
    shared: dynamic,
    sleeps: false,
    ...(dynamic ? { access: TREE_READS } : {}),
    doc: `${op}(root, start, last): the first object of the interval tree \`root\` overlapping [start, last] (inclusive), or NULL. The tree is abstracted to its objects' ranges in address order; a node inserted and removed while the scenario runs (\`<node>.dynamic\`) counts while its \`rb\` is set.`,
    run(ctx, [root, s, l]) {
      const objs = list(ctx, ref(root, op));
      return objs.find((o) => overlaps(ctx, o, num(s, op), num(l, op)) && inTree(ctx, o)) ?? null;
    },
  };
}

function treeNext(op: string, dynamic = false): Primitive {
  return {
    shared: dynamic,
    sleeps: false,
    ...(dynamic ? { access: TREE_READS } : {}),
    doc: `${op}(node, start, last): the next object of the same tree overlapping [start, last], or NULL.`,
    run(ctx, [node, s, l]) {
      const n = ref(node, op);
      const root = ctx.stat(`${n}.tree`);
      const objs = list(ctx, ref(root as Value, op));
      const i = objs.indexOf(n);
      return objs.slice(i + 1).find((o) => overlaps(ctx, o, num(s, op), num(l, op)) && inTree(ctx, o)) ?? null;
    },
  };
}
