/**
 * **Lock discipline**, as lockdep and the lock primitives' own rules have it
 * (Documentation/locking, kernel/locking/rwsem.c, include/linux/rwsem.h for the `_non_owner` rules).
 *
 * Violated in a state where some thread is about to do, or has done, one of (each a sub-property of
 * its own, so that one mechanism's counterexample cannot hide another's):
 *
 * - `lock-discipline:bad-unlock`, *release of a lock not held*: `mutex_unlock` of a mutex it does not own, `up_write` of a
 *   semaphore it does not hold for write, `up_read` of one it holds no read hold of (its own),
 *   `up_read_non_owner` of a semaphore nobody holds for read (any task may release a non-owner
 *   hold: that is what `_non_owner` is for), `spin_unlock` of a spinlock it does not own;
 * - `lock-discipline:sleep-under-spinlock`, *sleeping while holding a spinlock*: its next step calls a primitive that may sleep while it
 *   owns a spinlock;
 * - `lock-discipline:held-at-exit`, *finishing while holding a lock*: it has finished and still owns a mutex or spinlock, or holds a
 *   semaphore for write or (as owner) for read;
 * - `lock-discipline:recursive-read`, *recursive read while a writer is queued*: it is about to `down_read` a semaphore it already
 *   holds for read while a writer is queued (a `down_read` it already started, asleep in the slow
 *   path or granted the lock there, does not count): the second read queues behind the writer, which waits
 *   for the first read: the self-deadlock Christian König describes in the thread
 *   (001_a93342ea5087af67.txt: "Grabbing the read lock twice would be illegal in this case").
 */
import { Property } from '../checker/model.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { Interpreter } from '../model/lang/interp.ts';
import { NON_OWNER, type KState } from '../model/lang/state.ts';
import type { Finding, KernelProperty } from './types.ts';
import { backtrace, heldBy, heldLines, nextPrimCalls, sleepingCall, statementFact, type ModelView } from './util.ts';

const RELEASES = new Set(['mutex_unlock', 'up_write', 'up_read', 'up_read_non_owner', 'spin_unlock', 'spin_unlock_irqrestore', 'write_unlock', 'read_unlock']);

interface Problem {
  readonly header: string;
  readonly tid: number;
  readonly what: string;
}

function releaseNotHeld(m: ModelView, s: KState, tid: number): Problem | undefined {
  for (const pc of nextPrimCalls(m, s, tid)) {
    if (!RELEASES.has(pc.name)) continue;
    const key = m.interp.evaluate(s, tid, pc.call.args[0]!);
    const l = typeof key === 'string' ? m.interp.lockOf(s, key) : undefined;
    if (!l) continue;
    let held: boolean;
    switch (pc.name) {
      case 'mutex_unlock':
      case 'spin_unlock':
      case 'spin_unlock_irqrestore':
      case 'write_unlock':
      case 'read_unlock':
        held = l.kind !== 'rwsem' && l.owner === tid;
        break;
      case 'up_write':
        held = l.kind === 'rwsem' && l.writer === tid;
        break;
      case 'up_read':
        held = l.kind === 'rwsem' && l.readers.includes(tid);
        break;
      default:
        held = l.kind === 'rwsem' && l.readers.length > 0;
    }
    if (!held) return { header: `WARNING: bad unlock balance detected! ${pc.name}() of a lock not held`, tid, what: `${m.interp.threadName(tid)} is about to call ${pc.name}(&${String(key)})` };
  }
  return undefined;
}

/**
 * Whether `tid` owns a spinlock: whether `heldBy` lists one as `spin` (most states have none: asked
 * first, without building the list), by one compiled function of the program's spinlocks
 * (`Program.holdsSpin`).
 */
function ownsSpin(m: KernelModel, s: KState, tid: number): boolean {
  return m.program.holdsSpin(s.locks, tid);
}

function sleepUnderSpin(m: KernelModel, s: KState, tid: number): Problem | undefined {
  if (!ownsSpin(m, s, tid)) return undefined;
  // Whether its next step may sleep first: a thread holds its spinlock over many steps that do not.
  const call = sleepingCall(m, s, tid);
  if (!call) return undefined;
  const spins = heldBy(m, s, tid).filter((h) => h.how === 'spin');
  if (!spins.length) return undefined;
  return {
    header: 'BUG: sleeping function called from invalid context (spinlock held)',
    tid,
    what: `${m.threadName(tid)} is about to call ${call.name}(), which may sleep, holding ${spins.map((h) => h.key).join(', ')}`,
  };
}

function finishedHolding(m: KernelModel, s: KState, tid: number): Problem | undefined {
  if (s.threads[tid]!.frames.length || !m.program.holdsLock(s.locks, tid)) return undefined;
  const held = heldBy(m, s, tid);
  if (!held.length) return undefined;
  return {
    header: 'WARNING: lock held when returning to user space!',
    tid,
    what: `${m.threadName(tid)} has finished holding ${held.map((h) => `${h.key} (${h.how})`).join(', ')}`,
  };
}

function recursiveRead(m: ModelView, s: KState, tid: number): Problem | undefined {
  // A pending down_read already queued (the recursion was reported before it did) or was granted.
  if (s.threads[tid]!.pending) return undefined;
  for (const pc of nextPrimCalls(m, s, tid)) {
    if (pc.name !== 'down_read') continue;
    const key = m.interp.evaluate(s, tid, pc.call.args[0]!);
    const l = typeof key === 'string' ? m.interp.lockOf(s, key) : undefined;
    if (l?.kind !== 'rwsem' || !l.readers.includes(tid)) continue;
    if (!l.waiters.some((w) => w.write && w.tid !== tid)) continue;
    return {
      header: 'WARNING: possible recursive locking detected (down_read with a writer queued)',
      tid,
      what: `${m.interp.threadName(tid)} already holds ${String(key)} for read and is about to down_read it again while ${l.waiters.filter((w) => w.write).map((w) => m.interp.threadName(w.tid)).join(', ')} waits to write`,
    };
  }
  return undefined;
}

/**
 * Whether `tid`, about to run a release or a `down_read`, may make a violated check hold again by
 * running it (`StateReads.runs`, src/model/lang/reduction.ts): when it is about to release a lock
 * it does not hold or read a semaphore again behind a queued writer (running the statement moves it
 * past where it is violated), or to `up_read_non_owner` a semaphore that has no non-owner hold left,
 * which then takes another task's own read hold (that of a thread that finished holding it:
 * `held-at-exit`). The judgement reads the thread's position and the lock its statement names,
 * which no other thread can touch before it runs when the reduction takes it alone (C1).
 */
function restores(ip: Interpreter, s: KState, tid: number): boolean {
  const v: ModelView = { program: ip.program, interp: ip };
  if (releaseNotHeld(v, s, tid) || recursiveRead(v, s, tid)) return true;
  for (const pc of nextPrimCalls(v, s, tid)) {
    if (pc.name !== 'up_read_non_owner') continue;
    const key = ip.evaluate(s, tid, pc.call.args[0]!);
    const l = typeof key === 'string' ? ip.lockOf(s, key) : undefined;
    if (l?.kind !== 'rwsem' || !l.readers.includes(NON_OWNER)) return true;
  }
  return false;
}

/** The sub-properties: engine property name, and the check of one thread. */
const KINDS: readonly (readonly [string, (m: KernelModel, s: KState, tid: number) => Problem | undefined])[] = [
  ['lock-discipline:bad-unlock', releaseNotHeld],
  ['lock-discipline:sleep-under-spinlock', sleepUnderSpin],
  ['lock-discipline:held-at-exit', finishedHolding],
  ['lock-discipline:recursive-read', recursiveRead],
];
/** Their indices in {@link KINDS}. */
const BAD_UNLOCK = 0;
const SLEEP_UNDER_SPIN = 1;
const HELD_AT_EXIT = 2;
const RECURSIVE_READ = 3;

function problem(m: KernelModel, s: KState, check: (m: KernelModel, s: KState, tid: number) => Problem | undefined): Problem | undefined {
  for (let tid = 0; tid < s.threads.length; tid++) {
    const p = check(m, s, tid);
    if (p) return p;
  }
  return undefined;
}

/** Bits of what a statement's primitive calls let the checks find there ({@link kindsAt}). */
const AT_RELEASE = 1;
const AT_SLEEP = 2;
const AT_DOWN_READ = 4;

/**
 * Which checks can find a problem at thread `tid`'s next statement, by the primitives it calls: a
 * release ({@link releaseNotHeld} looks at nothing else), one that may sleep ({@link sleepUnderSpin},
 * through `sleepingCall`: only a primitive with `sleeps`), `down_read` ({@link recursiveRead}).
 * Undefined for a finished thread.
 */
const kindsAt = statementFact((m, s, tid) => {
  let k = 0;
  for (const pc of nextPrimCalls(m, s, tid)) {
    if (RELEASES.has(pc.name)) k |= AT_RELEASE;
    if (pc.prim.sleeps) k |= AT_SLEEP;
    if (pc.name === 'down_read') k |= AT_DOWN_READ;
  }
  return k;
});

/**
 * Which of {@link KINDS} are violated in `s` (bit i: the i-th), each as {@link problem} finds it,
 * in one pass over the threads: a thread still running is asked only the checks its next statement
 * can fail ({@link kindsAt}), a finished one only `held-at-exit` (the others look at the next
 * statement, and it has none). The engine asks the four sub-properties of a state one after
 * another: the answer for the last frozen state asked about is kept.
 */
function violatedKinds(m: KernelModel, s: KState): number {
  if (s === sweptState && m === sweptModel) return swept;
  let bad = 0;
  for (let tid = 0; tid < s.threads.length; tid++) {
    if (s.threads[tid]!.frames.length === 0) {
      if (finishedHolding(m, s, tid)) bad |= 1 << HELD_AT_EXIT;
      continue;
    }
    const k = kindsAt(m, s, tid)!;
    if (k === 0) continue;
    if (k & AT_RELEASE && releaseNotHeld(m, s, tid)) bad |= 1 << BAD_UNLOCK;
    if (k & AT_SLEEP && sleepUnderSpin(m, s, tid)) bad |= 1 << SLEEP_UNDER_SPIN;
    if (k & AT_DOWN_READ && recursiveRead(m, s, tid)) bad |= 1 << RECURSIVE_READ;
  }
  sweptState = Object.isFrozen(s) ? s : undefined;
  sweptModel = m;
  swept = bad;
  return bad;
}
let sweptState: KState | undefined;
let sweptModel: KernelModel | undefined;
let swept = 0;

/** The engine's property for sub-property `i` of {@link KINDS}, by {@link violatedKinds}; {@link problem} gives the same answer, and explains it. */
export function lockDisciplineHolds(m: KernelModel, s: KState, i: number): boolean {
  return (violatedKinds(m, s) & (1 << i)) === 0;
}

/** Whether sub-property `i` of {@link KINDS} holds in `s`, thread by thread with no shortcut (what {@link lockDisciplineHolds} must agree with). */
export function lockDisciplineHoldsSlowly(m: KernelModel, s: KState, i: number): boolean {
  return problem(m, s, KINDS[i]![1]) === undefined;
}

export const lockDiscipline: KernelProperty = {
  name: 'lock-discipline',
  summary: 'no release of a lock not held, no sleep under a spinlock, no thread ends holding a lock, no recursive read behind a queued writer',
  build: (m) => KINDS.map(([name], i) => Property.always<KState>(name, (s) => lockDisciplineHolds(m, s, i))),
  // Every check is of one thread, and every step that can make one hold again once violated is that
  // thread's own running of the statement it is violated at, or a change of a lock that thread's
  // statement names (C1 keeps those apart), or an `up_read_non_owner` that takes another task's
  // hold: so neither the locks, nor a thread arriving at a release, nor a thread finishing holding a
  // lock is read; the running of a release or a `down_read` is, where `restores` says so
  // (docs/model.md, "What the properties need not declare"). A call that may sleep is watched while
  // the thread holds a spinlock (`atSleep`).
  reads: () => ({ runs: [{ prims: [...RELEASES, 'down_read'], restores }], atSleep: ['spinlock'] }),
  explain(m, engineName, s): Finding {
    // The named sub-property's problem (any kind's, for the property's bare name).
    const named = KINDS.filter(([name]) => name === engineName);
    const p = (named.length ? named : KINDS).map(([, check]) => problem(m, s, check)).find((x) => x !== undefined);
    if (!p) return { header: `${engineName} holds in this state`, details: [] };
    const bt = s.threads[p.tid]!.frames.length ? ['call chain (innermost first):', ...backtrace(m, s, p.tid).map((l) => `  ${l}`)] : [];
    return { header: p.header, details: [p.what, ...bt, 'locks held:', ...heldLines(m, s)] };
  },
};
