/**
 * Lock primitives with the semantics Linux gives them (v4.19).
 *
 * - `mutex`: one owner; `mutex_lock` sleeps while another task owns it; `mutex_trylock` never sleeps
 *   and succeeds iff the mutex is free. Waiters are not queued in the model: when the owner unlocks,
 *   any waiting task may take it next (Linux's wait list is FIFO with optimistic spinning and
 *   handoff; no property here depends on which waiter wins).
 * - `rw_semaphore` (kernel/locking/rwsem-xadd.c): favours writers. Tasks that must sleep queue in FIFO
 *   order. A new reader must queue behind any queued task, so a queued writer blocks new readers and
 *   `down_read_trylock` then fails; `down_write_trylock` succeeds only when the count is zero (no
 *   holder, no waiter). The head of the queue takes the lock when it is compatible. `*_non_owner`
 *   holds belong to no task: any task may release them (`up_read_non_owner`).
 * - `spinlock`: one owner; a contended `spin_lock` busy-waits and never sleeps.
 *
 * These functions only compute; the interpreter applies them to an Immer draft.
 */
import { NON_OWNER, type LockState, type MutexState, type RwsemState, type SpinState } from './state.ts';

export function initialLock(kind: LockState['kind']): LockState {
  switch (kind) {
    case 'mutex':
      return { kind: 'mutex', owner: -1 };
    case 'rwsem':
      return { kind: 'rwsem', writer: -1, readers: [], waiters: [] };
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

// ------------------------------------------------------------------------------------- rwsem

export function queuedIndex(l: RwsemState, tid: number): number {
  return l.waiters.findIndex((w) => w.tid === tid);
}

/** A reader that is not queued must queue if a writer holds the lock or any task is queued. */
export function readMustWait(l: RwsemState): boolean {
  return l.writer !== -1 || l.waiters.length > 0;
}

export function writeMustWait(l: RwsemState): boolean {
  return l.writer !== -1 || l.readers.length > 0 || l.waiters.length > 0;
}

/** Can the queued task at the head of the queue take the lock now? */
export function headCanTake(l: RwsemState, write: boolean): boolean {
  return write ? l.writer === -1 && l.readers.length === 0 : l.writer === -1;
}

/**
 * The outcome of `down_read`/`down_write` for task `tid` in the current lock state:
 * `acquire` (takes it now, leaving the queue if it was queued), `queue` (must sleep: joins the
 * queue, the statement will run again), or `wait` (already queued and not yet its turn).
 */
export function downOutcome(l: RwsemState, tid: number, write: boolean): 'acquire' | 'queue' | 'wait' {
  const qi = queuedIndex(l, tid);
  if (qi >= 0) return qi === 0 && headCanTake(l, write) ? 'acquire' : 'wait';
  return (write ? writeMustWait(l) : readMustWait(l)) ? 'queue' : 'acquire';
}

export function addReader(readers: readonly number[], who: number): number[] {
  return [...readers, who].sort((a, b) => a - b);
}

/** Remove one read hold: `who`'s own, or for a non-owner release a NON_OWNER hold first, then any. */
export function removeReader(readers: readonly number[], who: number, nonOwner: boolean): number[] | undefined {
  let i = readers.indexOf(nonOwner ? NON_OWNER : who);
  if (i < 0 && nonOwner) i = readers.length > 0 ? 0 : -1;
  if (i < 0) return undefined;
  return [...readers.slice(0, i), ...readers.slice(i + 1)];
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
