/**
 * Lock primitives with the semantics Linux gives them (v4.19).
 *
 * - `mutex`: one owner; `mutex_lock` sleeps while another task owns it; `mutex_trylock` never sleeps
 *   and succeeds iff the mutex is free. Waiters are not queued in the model: when the owner unlocks,
 *   any waiting task may take it next (Linux's wait list is FIFO with optimistic spinning and
 *   handoff; no property here depends on which waiter wins).
 * - `rw_semaphore`: v4.19 on x86 (CONFIG_RWSEM_XCHGADD_ALGORITHM): the count fast paths of
 *   arch/x86/include/asm/rwsem.h and the slow paths of kernel/locking/rwsem-xadd.c. What decides
 *   which task can take the lock when (the functions below cite the code each rule comes from):
 *   - a reader takes it at once iff no writer holds it and nobody is queued; otherwise it joins the
 *     FIFO queue and sleeps until a waker grants it the lock;
 *   - a writer takes it at once iff nobody holds it, whether or not tasks are queued (a queued
 *     writer woken by the last release does not own the lock until it runs: an arriving writer may
 *     take it first); otherwise it joins the queue; a queued writer takes the lock at its own step,
 *     once it is at the head and nobody holds it;
 *   - the release that leaves nobody holding it (`up_read` of the last reader, `up_write`), and
 *     `downgrade_write`, run `__rwsem_mark_wake`: the readers at the head of the queue, up to the
 *     first writer, are granted the lock there and then and leave the queue (`markWake`);
 *   - `down_read_trylock` succeeds iff a reader would take it at once; `down_write_trylock` iff
 *     nobody holds it (queued tasks or not);
 *   - a killable writer with a fatal signal pending that cannot take it at once leaves with -EINTR
 *     (`__rwsem_down_write_failed_common`'s `out_nolock`) and never stays queued.
 *   `*_non_owner` holds belong to no task: any task may release them (`up_read_non_owner`).
 * - `spinlock`: one owner; a contended `spin_lock` busy-waits and never sleeps.
 *
 * These functions only compute; the interpreter applies them to an Immer draft.
 */
import { NON_OWNER, emptyObjects, type LockState, type MutexState, type RwsemState, type RwsemWaiter, type SpinState } from './state.ts';

/**
 * A semaphore's state. Every one is built here, by one object literal, so that all of them share
 * one hidden class (V8 map): a copy by spread (`{ ...l, writer }`) is given a map of its own, a
 * clone of the clone's another, and the kernel bench's states held 25 maps of semaphores, which
 * made every access to one (the lock primitives, partial-order reduction, the properties, the
 * encoding) megamorphic.
 */
export function rwsem(writer: number, readers: readonly number[], waiters: readonly RwsemWaiter[]): RwsemState {
  // An empty queue as a list of objects, whichever list it was made from (emptyObjects).
  return { kind: 'rwsem', writer, readers, waiters: waiters.length === 0 ? emptyObjects<RwsemWaiter>() : waiters };
}

export function initialLock(kind: LockState['kind']): LockState {
  switch (kind) {
    case 'mutex':
      return { kind: 'mutex', owner: -1 };
    case 'rwsem':
      return rwsem(-1, [], []);
    case 'spin':
      return { kind: 'spin', owner: -1 };
  }
}

export function isFree(l: LockState): boolean {
  switch (l.kind) {
    case 'mutex':
    case 'spin':
      return l.owner === -1;
    case 'rwsem':
      return l.writer === -1 && l.readers.length === 0 && l.waiters.length === 0;
  }
}

/**
 * Whether task `tid` holds the lock as a task: owns the mutex or spinlock, or holds the semaphore for
 * write or for read as its owner (a `*_non_owner` hold belongs to no task). Only the task's own
 * steps make this true: no primitive makes another task an owner.
 */
export function heldByTask(l: LockState, tid: number): boolean {
  switch (l.kind) {
    case 'mutex':
    case 'spin':
      return l.owner === tid;
    case 'rwsem':
      return l.writer === tid || l.readers.includes(tid);
  }
}

/**
 * Whether task `tid` holds the lock so that no other task can hold it or take it: owns the mutex or
 * spinlock, or holds the semaphore for write. Only `tid`'s own steps end such a hold: a release by
 * another task changes nothing (primitives.ts).
 */
export function ownsExclusively(l: LockState, tid: number): boolean {
  return exclusiveOwner(l) === tid;
}

/**
 * `(locks, tid) => keys.some((k) => heldByTask(locks[k], tid))`, compiled into one function of
 * constant-name loads (as state.ts's `keyReader`: a load by a key held in a variable searches the
 * table's keys, V8's megamorphic keyed load). Asked of every finished thread in every state.
 */
export function heldByTaskIn(keys: readonly string[]): (locks: Readonly<Record<string, LockState>>, tid: number) => boolean {
  if (keys.length === 0) return () => false;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('held', `return (L, tid) => ${keys.map((k) => `held(L[${JSON.stringify(k)}], tid)`).join(' || ')};`)(heldByTask) as (locks: Readonly<Record<string, LockState>>, tid: number) => boolean;
}

/** The task that holds the lock so ({@link ownsExclusively}), or -1. */
export function exclusiveOwner(l: LockState): number {
  return l.kind === 'rwsem' ? l.writer : l.owner;
}

// ------------------------------------------------------------------------------------- rwsem

export function queuedIndex(l: RwsemState, tid: number): number {
  return l.waiters.findIndex((w) => w.tid === tid);
}

/** Some task holds the semaphore: the count's active part (`count & RWSEM_ACTIVE_MASK`) is not 0. */
export function isHeld(l: RwsemState): boolean {
  return l.writer !== -1 || l.readers.length > 0;
}

/**
 * A reader that is not queued must queue: a writer holds the lock or somebody is queued. x86
 * `__down_read` adds RWSEM_ACTIVE_READ_BIAS and takes the slow path when the count is then
 * negative, which it is exactly when a writer is active or the wait list is not empty
 * (RWSEM_WAITING_BIAS); `__down_read_trylock` fails in the same cases (`result >= 0`). (A reader
 * that found the count negative only because of a racing writer, and then is first in the queue
 * with no writer active, grants itself the lock in `rwsem_down_read_failed`: "wake our own waiter
 * to join the existing active readers"; `enqueue` has that case, which a step of the model, atomic,
 * never needs.)
 */
export function readMustWait(l: RwsemState): boolean {
  return l.writer !== -1 || l.waiters.length > 0;
}

/**
 * A writer that is not queued must queue iff some task holds the lock. x86 `____down_write` takes
 * the lock when the count's active part was 0 before its xadd, and `__down_write_trylock` when it
 * is 0, waiters or not; in the slow path (`__rwsem_down_write_failed_common`) both
 * `rwsem_try_write_lock_unqueued` (optimistic spinning) and `rwsem_try_write_lock` after queueing
 * take it when the count is RWSEM_WAITING_BIAS: tasks queued, nobody active. This is the write-lock
 * stealing the comment of `__rwsem_mark_wake` describes ("Until the task is actually later awoken
 * later by the caller, other writers are able to steal it").
 */
export function writeMustWait(l: RwsemState): boolean {
  return isHeld(l);
}

/**
 * The outcome of `down_read`/`down_write` for task `tid` in the current lock state; `pending`: the
 * thread already ran this statement and went to sleep in the slow path (ThreadState.pending).
 * - `acquire`: it takes the lock in this step (leaving the queue if it was queued);
 * - `queue`: it must sleep: it joins the queue, and the statement will run again;
 * - `wait`: it is queued and cannot go on yet;
 * - `granted`: a reader granted the lock while it slept (`__rwsem_mark_wake` took it off the queue
 *   and counted its read hold): it returns holding it.
 *
 * A queued writer loops in `__rwsem_down_write_failed_common` on `rwsem_try_write_lock()`, which
 * succeeds only when the count is RWSEM_WAITING_BIAS (nobody holds the lock); it runs only when
 * `__rwsem_mark_wake` woke it, which happens to the writer at the head of the queue, so it takes
 * the lock at the head once nobody holds it. A queued reader only waits for `waiter.task` to become
 * NULL (`rwsem_down_read_failed`): it never takes the lock itself.
 */
export function downOutcome(l: RwsemState, tid: number, write: boolean, pending: boolean): 'acquire' | 'queue' | 'wait' | 'granted' {
  const qi = queuedIndex(l, tid);
  if (pending) {
    // A writer leaves the queue only by taking the lock in its own step (or, killed, with -EINTR in the step it queued).
    if (write && qi < 0) throw new Error(`thread ${tid} sleeps in a down_write slow path but is not queued`);
    if (write) return qi === 0 && !isHeld(l) ? 'acquire' : 'wait';
    return qi >= 0 ? 'wait' : 'granted';
  }
  return (write ? writeMustWait(l) : readMustWait(l)) ? 'queue' : 'acquire';
}

/**
 * `__rwsem_mark_wake(sem, wake_type)` (kernel/locking/rwsem-xadd.c, v4.19 lines 127-202 per
 * ../shared/kernel/README.md §9): with a writer at the head of the queue, RWSEM_WAKE_ANY wakes it
 * (a state change only for the scheduler: the writer takes the lock at its own step, see
 * `downOutcome`) and the other types do nothing. With readers at the head, unless a writer holds
 * the lock ("A writer stole the lock. Undo our reader grant", which RWSEM_WAKE_READ_OWNED, the
 * downgrading writer, skips), every reader at the head up to the first writer is granted the lock:
 * counted in the semaphore and removed from the wait list (`list_del`, `waiter->task = NULL`)
 * before it wakes.
 */
export function markWake(l: RwsemState, type: 'any' | 'readers' | 'read-owned'): RwsemState {
  const head = l.waiters[0];
  if (!head || head.write) return l;
  if (type !== 'read-owned' && l.writer !== -1) return l;
  let n = 0;
  while (n < l.waiters.length && !l.waiters[n]!.write) n++;
  const granted = l.waiters.slice(0, n);
  return rwsem(l.writer, [...l.readers, ...granted.map(holdOf)].sort((a, b) => a - b), l.waiters.slice(n));
}

/** The read hold a granted waiter gets. */
function holdOf(w: RwsemWaiter): number {
  return w.nonOwner ? NON_OWNER : w.tid;
}

/**
 * Task `tid` joins the tail of the queue (`list_add_tail` in the slow paths), and what the slow
 * path does next under `wait_lock`:
 * - a reader (`rwsem_down_read_failed`) runs `__rwsem_mark_wake(RWSEM_WAKE_ANY)` if the count is
 *   then RWSEM_WAITING_BIAS (nobody holds the lock) or, with no writer active, it was the first in
 *   the queue;
 * - a writer (`__rwsem_down_write_failed_common`) with tasks queued before it and the lock
 *   read-owned (`count > RWSEM_WAITING_BIAS`) runs `__rwsem_mark_wake(RWSEM_WAKE_READERS)`.
 * In the states the model reaches, a reader at the head of the queue means a writer holds the lock
 * (readers queue only behind a writer or a queued task, and a release grants the head readers), so
 * neither wake grants anything; both are kept because the code has them.
 */
export function enqueue(l: RwsemState, tid: number, write: boolean, nonOwner: boolean): RwsemState {
  const first = l.waiters.length === 0;
  const q = rwsem(l.writer, l.readers, [...l.waiters, nonOwner ? { tid, write, nonOwner: true } : { tid, write }]);
  if (!write) return !isHeld(q) || (q.writer === -1 && first) ? markWake(q, 'any') : q;
  return !first && q.writer === -1 && q.readers.length > 0 ? markWake(q, 'readers') : q;
}

/**
 * The wake-up a release owes the queue: x86 `__up_read`/`__up_write` call `call_rwsem_wake`
 * (arch/x86/lib/rwsem.S) when tasks are queued ("jns 1f": the count stays negative) and the active
 * part drops to 0 ("do nothing if still outstanding active readers"); `rwsem_wake` then runs
 * `__rwsem_mark_wake(RWSEM_WAKE_ANY)` if the list is not empty. (The spinner shortcut of
 * `rwsem_wake`, which leaves the wake-up to an optimistically spinning writer, is not modelled:
 * spinning is not.)
 */
export function wakeAfterRelease(l: RwsemState): RwsemState {
  return !isHeld(l) && l.waiters.length > 0 ? markWake(l, 'any') : l;
}

export function addReader(readers: readonly number[], who: number): number[] {
  // Inserted in place: `readers` is sorted.
  const out: number[] = [];
  let placed = false;
  for (let j = 0; j < readers.length; j++) {
    const r = readers[j]!;
    if (!placed && who < r) {
      out.push(who);
      placed = true;
    }
    out.push(r);
  }
  if (!placed) out.push(who);
  return out;
}

/** Remove one read hold: `who`'s own, or for a non-owner release a NON_OWNER hold first, then any. */
export function removeReader(readers: readonly number[], who: number, nonOwner: boolean): number[] | undefined {
  let i = readers.indexOf(nonOwner ? NON_OWNER : who);
  if (i < 0 && nonOwner) i = readers.length > 0 ? 0 : -1;
  if (i < 0) return undefined;
  const out: number[] = [];
  for (let j = 0; j < readers.length; j++) if (j !== i) out.push(readers[j]!);
  return out;
}

// ------------------------------------------------------------------------------------- descriptions

export function holders(l: LockState, name: (tid: number) => string): string {
  switch (l.kind) {
    case 'mutex':
    case 'spin':
      return l.owner === -1 ? 'free' : `held by ${name(l.owner)}`;
    case 'rwsem': {
      const parts: string[] = [];
      if (l.writer !== -1) parts.push(`held for write by ${name(l.writer)}`);
      if (l.readers.length) parts.push(`held for read by ${l.readers.map((r) => (r === NON_OWNER ? 'a non-owner' : name(r))).join(', ')}`);
      if (l.waiters.length) parts.push(`queued: ${l.waiters.map((w) => `${name(w.tid)} (${w.write ? 'write' : 'read'})`).join(', ')}`);
      return parts.length ? parts.join('; ') : 'free';
    }
  }
}

export type { MutexState, RwsemState, SpinState };
