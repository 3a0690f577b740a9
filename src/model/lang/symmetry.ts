/**
 * Symmetry of identical threads (issue 12, item 2): the kernel model's side of the engine's
 * symmetry reduction ({@link Symmetry} in src/checker/model.ts).
 *
 * ## Which threads are interchangeable ({@link threadClasses})
 *
 * Threads `i` and `j` are in one class when they run the same function with the same arguments
 * (up to the renaming below), neither is a kworker, and the whole program is invariant under the
 * transposition `(i j)`, which
 *
 * - renames task `spec.threads[i].task` to `spec.threads[j].task` and back (`task3` <-> `task5`),
 *   in every name: a key `task3.flags` becomes `task5.flags`, a value `task3` or `task3.vmf` (a
 *   string naming the task or a path under it) becomes `task5` or `task5.vmf`;
 * - swaps the thread indices `i` and `j` where the program holds thread indices: the statics whose
 *   field name ends in `_tids` (`mm.mm_users_tids`, the threads that hold an mm_users reference,
 *   src/model/kernel/scenario.ts, read by `mnc_mmput_last` in src/model/kernel/core/mm-primitives.ts).
 *   Nothing else of a program names a thread by index: the interpreter and every primitive tell
 *   threads apart only by equality with the running thread's index (`ctx.tid`, lock owners, pair
 *   records) or by its task (`current`, `${ctx.task}.field`), and walk all threads alike
 *   (`synchronize_srcu`, `mmput`).
 *
 * "The whole program" is the static configuration, the initial memory, the lock table, the
 * constants, the notifiers, the balanced variables and their offsets, the globals, the counted
 * functions, the contract, and every other thread's spec (their arguments renamed). Invariance
 * under each transposition of a class member with the class's first member is checked; those
 * transpositions generate every permutation within the classes, so the program is invariant under
 * all of them. Three things cannot be checked that way and exclude a thread instead:
 *
 * - a task named in the code itself (an identifier or string literal `task3` in a modelled function):
 *   the code would single the thread out;
 * - a lock, or an object kfree() can free, under the task (`task3.x`): the permutation below does
 *   not move lock keys, and a use-after-free oops message names the freed object inside its text;
 * - an owned read hold of an rw_semaphore that `up_read_non_owner` may release: without a non-owner
 *   hold to release, `removeReader` (src/model/lang/locks.ts) takes the lowest-numbered reader's hold,
 *   a choice by thread index. Decided by the lock's field name (`down_read(&mm->mmap_sem)` against
 *   `up_read_non_owner(&amn->lock)`); a lock not written as a field (a lock_holder's parameter)
 *   conflicts with every field.
 *
 * The drivers' primitives are code the check cannot read: they are trusted to depend on the running
 * thread only through `ctx.tid` (by equality) and `ctx.task`, which test/model/lang/symmetry.test.ts
 * checks transition by transition on scenarios with classes.
 *
 * Properties: every kernel property is a function of the state that treats threads alike (it
 * quantifies over threads, pairs or locks), except `deadlock:partial:<thread>`, which is about one
 * thread and is marked with it (`ReachableProperty.thread`), and `reaper-progress`, which is about
 * the oom_reaper, never in a class (a scenario has one). A thread's `name` differs from its class
 * mates' and is for reports only.
 *
 * ## What a permutation does to a state ({@link permuteState})
 *
 * `g·s` for a permutation `g` of thread indices (`perm[t]` = the index thread `t` gets):
 *
 * - `threads`: `new[g[t]] = old[t]`;
 * - every thread index in `locks`: mutex and spinlock owners, rwsem writers, read holds (sorted
 *   again, as locks.ts keeps them; NON_OWNER stays), waiters' tids (FIFO order kept);
 * - `pairs[].tid`, and the pairs put back in the order the interpreter keeps them
 *   (`insertPair`, src/model/lang/interp.ts: by thread, notifier, start and end; records of equal
 *   keys belong to one thread and keep their order);
 * - memory: the value of a per-task key moves with its task (`task3.flags` -> `task5.flags`), and a
 *   string value naming a task or a path under it is renamed, in memory and in every frame's locals.
 *   An `OpFrame` holds a notifier id and numbers, a pair record a notifier id: neither names a task.
 *
 * Nothing else in a state refers to a thread (src/model/lang/state.ts). Parts a permutation does not
 * change stay the same objects (the incremental encoding of KernelModel.encode replays a unit only
 * when it is the very object it recorded at that place, and a thread's words do not depend on its
 * index); everything built is deep-frozen, as the interpreter's states are.
 *
 * ## Which permutation ({@link ThreadSymmetry.canonical})
 *
 * Each class's threads are sorted (stably) by a key built only from what belongs to the thread,
 * with the identities of class members abstracted: its thread state (SRCU depth, pending, and each
 * frame: function, pc, caller slot, context, op, locals), where a value naming its own task counts
 * as SELF and one naming another member's task as OTHER (of that member's class); its per-task
 * memory; its roles in the locks (owner or writer, its number of read holds, its first place in a
 * queue); its open pairs (without the tid); and the places outside its own data that name its task
 * (memory keys, then the locals of threads in no class). The key of `g[t]` in `g·s` is the key of
 * `t` in `s`, so when a class's keys are all different the sort gives one representative per
 * orbit. Ties can remain where members refer to each other (a local of one naming another's task:
 * both see OTHER) with otherwise equal keys; any permutation is sound, a tie only costs a duplicate
 * representative of an orbit. Members with equal keys and no such references are interchangeable
 * in the state itself: exchanging them gives the same state.
 *
 * The order of keys is any fixed order of their contents (it depends on nothing but the state, so
 * a state has the same representative in every run). For speed, the parts that live on in many
 * states are kept per object: a thread state that names no task by an id of its content (equal
 * ids, equal contents: one exemplar per content is kept, 124 of them for growth k = 5, and a
 * representative holds each member's exemplar in place of the equal thread state a step made, so
 * that the states explored share one object per content and every cache keyed by object answers
 * from it) and a hash of
 * it (threads naming no task come first, by hash, then, where hashes are equal, by content), each
 * member's pairs per pairs array as a string; the caches are keyed by the objects, which are never
 * changed (states are immutable). Roles compare lock by lock, as numbers (`roleOf`), and memory is
 * scanned for task names by functions built per program that read each key by name; whether a
 * thread's locals name a task is scanned too, the answer kept for the last thread state asked
 * about at each index (`Plan.namesAt`): the threads in no class need no content id. The members'
 * ids are carried from the state the model last stepped from (`stepFrom`) to its successors.
 *
 * ## Twins ({@link ThreadSymmetry.twins})
 *
 * Where no value of a state names a task ({@link ThreadSymmetry.orbitUnique}), a member's sort key
 * is all that belongs to it and nothing refers to it: members with equal keys are interchangeable
 * in the state itself, and sorting gives every state of the orbit the same representative. The
 * engine then records the edges of such a member from those of the first of them, without running
 * its steps (Explorer.expand), with the permutation the stable sort gives
 * ({@link ThreadSymmetry.imagePerm}).
 */
import type { Symmetry } from '../../checker/model.ts';
import { instrCalls, instrExprs, walkExpr, type Instr } from './compile.ts';
import { insertPair } from './interp.ts';
import type { Expr } from './ir.ts';
import type { Program } from './program.ts';
import { hashNumber, hashString, mix } from './hash.ts';
import { fieldOf, reach } from './reduction.ts';
import { copyArray, objectCopier, type Frame, type KState, type LockState, type OpFrame, type PairRecord, type RwsemWaiter, type ThreadState, type Value } from './state.ts';
import { rwsem } from './locks.ts';

// ------------------------------------------------------------------------------------- classes

/** A thread that cannot be in a class, and why (for tests and the docs). */
export interface SymmetryExclusion {
  readonly tid: number;
  readonly reason: string;
}

/** Statics holding thread indices: their field name ends so (`mm.mm_users_tids`). */
function isTidList(key: string): boolean {
  return fieldOf(key).endsWith('_tids');
}

/** The primitives that take a read hold owned by the running task. */
const OWNED_READ = new Set(['down_read', 'down_read_trylock', 'downgrade_write']);

/** The field name of a lock argument (`&amn->lock`: `lock`), or `*` when it is not written as a field. */
function lockField(e: Expr | undefined): string {
  if (e === undefined) return '*';
  if (e.k === 'addr') return lockField(e.e);
  return e.k === 'field' ? e.field : '*';
}

/** Every identifier and string literal of an instruction. */
function instrNames(ins: Instr, out: Set<string>): void {
  for (const top of instrExprs(ins))
    walkExpr(top, (e) => {
      if (e.k === 'id') out.add(e.name);
      else if (e.k === 'str') out.add(e.v);
    });
}

/** Whether `name` is `task` or a path under it. */
function under(name: string, task: string): boolean {
  return name === task || (name.length > task.length && name.charCodeAt(task.length) === 46 /* . */ && name.startsWith(task));
}

/** The threads that cannot be in any class, each with the first reason that excludes it. */
export function symmetryExclusions(program: Program): SymmetryExclusion[] {
  const spec = program.spec;
  const out: SymmetryExclusion[] = [];
  const names = new Set<string>();
  for (const f of program.fns) for (const ins of f.instrs) instrNames(ins, names);
  const heads = new Set([...names].map((x) => x.split('.')[0]!));
  // up_read_non_owner's locks, and each thread's owned read holds, by field name.
  const release = new Set<string>();
  const ownedRead = spec.threads.map((t) => {
    const fields = new Set<string>();
    for (const fi of reach(program, program.fnId(t.fn))) {
      for (const ins of program.fn(fi).instrs) {
        for (const call of instrCalls(ins)) {
          const name = (call.callee as { name: string }).name;
          if (name === 'up_read_non_owner') release.add(lockField(call.args[0]));
          else if (OWNED_READ.has(name)) fields.add(lockField(call.args[0]));
        }
      }
    }
    return fields;
  });
  spec.threads.forEach((t, tid) => {
    const task = t.task;
    const why = ((): string | undefined => {
      if (t.kworker !== undefined) return `a kworker (of ${t.kworker}): it starts when its work is queued, by index`;
      if (task.includes('.') || spec.threads.some((u, k) => k !== tid && u.task === task)) return `its task ${task} is not a name of its own`;
      if (heads.has(task)) return `the code names its task ${task}`;
      const lock = program.lockKeys.find((k) => under(k, task));
      if (lock !== undefined) return `a lock under its task (${lock})`;
      const freeable = [...program.freeable].find((o) => under(o, task));
      if (freeable !== undefined) return `kfree() can free ${freeable}, under its task`;
      if (release.size && [...ownedRead[tid]!].some((f) => f === '*' || release.has('*') || release.has(f))) {
        return `it may take an owned read hold of an rw_semaphore that up_read_non_owner() may release (${[...release].join(', ')}), which then drops the lowest-numbered reader's hold`;
      }
      return undefined;
    })();
    if (why !== undefined) out.push({ tid, reason: why });
  });
  return out;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.hasOwn(b, k) || !deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/** Whether the program is invariant under the transposition of threads `i` and `j` (see the file's doc comment). */
export function invariantUnderSwap(program: Program, i: number, j: number): boolean {
  const spec = program.spec;
  const ti = spec.threads[i]!;
  const tj = spec.threads[j]!;
  const A = ti.task;
  const B = tj.task;
  const r = (s: string): string => (under(s, A) ? B + s.slice(A.length) : under(s, B) ? A + s.slice(B.length) : s);
  const rv = (v: unknown): unknown => {
    if (typeof v === 'string') return r(v);
    if (Array.isArray(v)) return v.map(rv);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [r(k), rv(x)]));
    return v;
  };
  const tids = (v: unknown, swap: boolean): unknown =>
    Array.isArray(v) ? v.map((x: unknown) => (swap && x === i ? j : swap && x === j ? i : x)).sort((a, b) => Number(a) - Number(b)) : v;
  const sameSet = (xs: readonly string[]): boolean => {
    const s = new Set(xs);
    return xs.every((x) => s.has(r(x)));
  };
  if (ti.fn !== tj.fn || ti.kworker !== undefined || tj.kworker !== undefined) return false;
  if (!deepEqual(rv(ti.args), tj.args)) return false;
  for (let k = 0; k < spec.threads.length; k++) {
    if (k === i || k === j) continue;
    const t = spec.threads[k]!;
    if (r(t.task) !== t.task || !deepEqual(rv(t.args), t.args) || (t.kworker !== undefined && r(t.kworker) !== t.kworker)) return false;
  }
  for (const [k, v] of Object.entries(spec.statics)) {
    const k2 = r(k);
    if (!Object.hasOwn(spec.statics, k2)) return false;
    if (isTidList(k) !== isTidList(k2)) return false;
    const a = isTidList(k) ? tids(v, true) : rv(v);
    const b = isTidList(k2) ? tids(spec.statics[k2], false) : spec.statics[k2];
    if (!deepEqual(a, b)) return false;
  }
  for (const [k, v] of Object.entries(spec.mem)) {
    const k2 = r(k);
    if (!Object.hasOwn(spec.mem, k2) || !deepEqual(rv(v), spec.mem[k2])) return false;
  }
  for (const [k, v] of Object.entries(spec.locks)) if (spec.locks[r(k)] !== v) return false;
  for (const v of Object.values(spec.constants)) if (!deepEqual(rv(v), v)) return false;
  if (!deepEqual(rv(spec.notifiers), spec.notifiers)) return false;
  if (!deepEqual(rv(spec.contract), spec.contract)) return false;
  if (!sameSet(spec.balanced) || !sameSet(spec.globals) || !sameSet(spec.countCalls)) return false;
  const off = spec.balancedOffsets ?? {};
  for (const [k, v] of Object.entries(off)) if (off[r(k)] !== r(v)) return false;
  return true;
}

const classCache = new WeakMap<Program, readonly (readonly number[])[]>();

/**
 * The classes of interchangeable threads of `program` (see the file's doc comment): disjoint,
 * each sorted and of at least two threads, in the order of their first member.
 */
export function threadClasses(program: Program): number[][] {
  let cached = classCache.get(program);
  if (cached === undefined) {
    const excluded = new Set(symmetryExclusions(program).map((x) => x.tid));
    const classes: number[][] = [];
    for (let t = 0; t < program.spec.threads.length; t++) {
      if (excluded.has(t)) continue;
      // Transpositions with the first member generate the class's permutations: a thread that is
      // not invariant with the first is not with any member (conjugation), so this is complete.
      const c = classes.find((k) => invariantUnderSwap(program, k[0]!, t));
      if (c) c.push(t);
      else classes.push([t]);
    }
    cached = classes.filter((c) => c.length >= 2);
    classCache.set(program, cached);
  }
  return cached.map((c) => [...c]);
}

// ------------------------------------------------------------------------------------- permutation

/** How many thread states {@link Plan.threadId} remembers without its WeakMap. */
const RECENT = 16;
/** How many pairs arrays {@link ThreadSymmetry} keeps its members' pair strings for. */
const RECENT_PAIRS = 8;

/** What a program's permutations need, computed once per program. */
class Plan {
  readonly n: number;
  readonly taskOf: readonly string[];
  /** A thread's task -> its index (tasks that are a name of their own only). */
  private readonly taskTid = new Map<string, number>();
  /** Per thread, the memory keys under its task, by suffix. */
  readonly ownKeys: readonly (readonly string[])[];
  /** Per thread, its suffixes (numbered): threads exchanged by a permutation must have the same. */
  readonly ownSig: Int32Array;
  /** Per thread, whether a lock key is under its task (such a thread cannot move). */
  readonly ownsLock: readonly boolean[];
  /** A memory key under a thread's task -> that thread. */
  readonly keyOwner: ReadonlyMap<string, number>;
  /** Memory keys in the scenario's order (the interpreter's copies keep it). */
  readonly memOrder: readonly string[];
  readonly lockKeys: readonly string[];
  readonly copyMem: (m: Readonly<Record<string, Value>>) => Record<string, Value>;
  /** `{ ...locks }`, as the interpreter copies the lock table (the same keys in the same order, by an object literal). */
  readonly copyLocks: (l: Readonly<Record<string, LockState>>) => Record<string, LockState>;
  /** String value -> the thread whose task it names (or a path under it), -1 for none. */
  private readonly named = new Map<string, number>();
  /** A permutation's scratch: the indices taken. */
  seen = new Uint8Array(0);

  constructor(program: Program) {
    const spec = program.spec;
    this.n = spec.threads.length;
    this.taskOf = spec.threads.map((t) => t.task);
    spec.threads.forEach((t, tid) => {
      if (!t.task.includes('.') && spec.threads.filter((u) => u.task === t.task).length === 1) this.taskTid.set(t.task, tid);
    });
    const owner = new Map<string, number>();
    this.ownKeys = spec.threads.map((t, tid) => {
      if (this.taskTid.get(t.task) !== tid) return [];
      const keys = program.memKeys.filter((k) => under(k, t.task));
      keys.sort((a, b) => (a.slice(t.task.length) < b.slice(t.task.length) ? -1 : 1));
      for (const k of keys) owner.set(k, tid);
      return keys;
    });
    const sigs = this.ownKeys.map((keys, tid) => keys.map((k) => k.slice(this.taskOf[tid]!.length)).join('\n'));
    this.ownSig = Int32Array.from(sigs, (x) => sigs.indexOf(x));
    this.ownsLock = spec.threads.map((t) => program.lockKeys.some((k) => under(k, t.task)));
    this.lastAt = new Array<ThreadState | undefined>(this.n).fill(undefined);
    this.lastNames = new Uint8Array(this.n);
    this.keyOwner = owner;
    this.memOrder = Object.keys(spec.mem);
    this.lockKeys = program.lockKeys;
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    this.compareRoles = new Function('roleOf', `return function compareRoles(L, a, b) {\n  let x, y, l;\n${this.lockKeys.map((k) => `  l = L[${JSON.stringify(k)}]; x = roleOf(l, a); y = roleOf(l, b); if (x !== y) return x < y ? -1 : 1;`).join('\n')}\n  return 0;\n};`)(roleOf) as Plan['compareRoles'];
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    this.memNames = new Function('plan', `return function memNames(m) {\n  let v;\n${this.memOrder.map((k) => `  v = m[${JSON.stringify(k)}]; if (typeof v === 'string' && plan.tidOf(v) >= 0) return true;`).join('\n')}\n  return false;\n};`)(this) as Plan['memNames'];
    this.copyMem = objectCopier<Value>(this.memOrder);
    this.copyLocks = objectCopier<LockState>(this.lockKeys);
  }

  /** The thread whose task `v` names (the task or a path under it), or -1. */
  tidOf(v: string): number {
    let t = this.named.get(v);
    if (t === undefined) {
      const dot = v.indexOf('.');
      t = this.taskTid.get(dot < 0 ? v : v.slice(0, dot)) ?? -1;
      this.named.set(v, t);
    }
    return t;
  }

  /**
   * Thread `a`'s roles in the locks against `b`'s, lock by lock in `lockKeys` order
   * ({@link roleOf}): negative, 0 or positive. A function built once per program whose body reads
   * each lock by name, as {@link memNames} does.
   */
  readonly compareRoles: (locks: KState['locks'], a: number, b: number) => number;

  /**
   * Whether memory holds a value naming a task. A function built once per program whose body reads
   * each key by name (`v = m["mm.flags"]; if (typeof v === 'string' && tidOf(v) >= 0) return true;
   * ...`): constant keys are fast loads, and the few strings are looked up, so the answer is not
   * worth caching per memory object (a lookup in a WeakMap costs more than the scan).
   */
  readonly memNames: (mem: KState['mem']) => boolean;

  /** Per thread state (shared by many states): {@link threadId}'s answer. */
  private readonly threadIds = new WeakMap<ThreadState, number>();
  /** Per content id: the hash of the content, and a thread state with it. */
  readonly idHash: number[] = [];
  private readonly exemplars: ThreadState[] = [];
  /** Hash -> the ids of the contents with that hash. */
  private readonly byHash = new Map<number, number[]>();

  /**
   * An id of a thread state's content (its header, then each frame: function, pc, caller slot,
   * context, op, locals): thread states with equal contents have equal ids, others different ones;
   * -1 when a local names a task (then the content is not the same for the thread's image under a
   * permutation). Cached per thread state: one lookup tells the canonical sort whether two members'
   * stacks are equal, and a permutation whether the thread needs renaming. A new thread state's
   * content is hashed ({@link idHash}: the sort's first key) and compared only with the contents
   * of that hash seen before, once. Ids are numbered in the order contents are met, so they say
   * nothing of order; the hash does, and equal hashes of different contents compare by content.
   */
  threadId(th: ThreadState): number {
    // The thread states asked about last: a state's successors, and their representatives, share
    // all threads but one with it, so most questions are about one of these (a scan of a few
    // pointers costs less than a WeakMap lookup).
    const recent = this.recent;
    for (let i = 0; i < RECENT; i++) if (recent[i] === th) return this.recentIds[i]!;
    let id = this.threadIds.get(th);
    if (id === undefined) {
      id = -1;
      const h = this.hashThread(th);
      if (h >= 0) {
        let ids = this.byHash.get(h);
        if (ids === undefined) this.byHash.set(h, (ids = []));
        for (const x of ids) {
          if (plainCompareThreads(this.exemplars[x]!, th) === 0) {
            id = x;
            break;
          }
        }
        if (id < 0) {
          id = this.exemplars.length;
          this.exemplars.push(th);
          this.idHash.push(h);
          ids.push(id);
        }
      }
      // A thread state with the content of an exemplar is replaced by it in every representative
      // (ThreadSymmetry.canonical): it is not asked about again but as one of the recent ones.
      if (id < 0 || this.exemplars[id] === th) this.threadIds.set(th, id);
    }
    const at = this.recentNext;
    recent[at] = th;
    this.recentIds[at] = id;
    this.recentNext = (at + 1) % RECENT;
    return id;
  }

  /** The first thread state met with content id `id` ({@link threadId}): one object per content. */
  exemplar(id: number): ThreadState {
    return this.exemplars[id]!;
  }

  /** The last {@link RECENT} thread states {@link threadId} looked up, and their ids (a ring). */
  private readonly recent: (ThreadState | undefined)[] = new Array<ThreadState | undefined>(RECENT).fill(undefined);
  private readonly recentIds = new Int32Array(RECENT);
  private recentNext = 0;

  private hashThread(th: ThreadState): number {
    const frames = th.frames;
    let h = mix(mix(mix(0x2545f491, frames.length), th.srcu), th.pending ? 1 : 0);
    for (let j = 0; j < frames.length; j++) {
      const f = frames[j]!;
      h = mix(mix(mix(mix(h, f.fn), f.pc), f.dest), f.ctx);
      const o = f.op;
      if (o !== undefined) h = mix(mix(mix(mix(mix(mix(h, hashString(o.kind)), hashString(o.nid)), o.start), o.end), o.blockable), o.mayfail);
      const locals = f.locals;
      h = mix(h, locals.length);
      for (let i = 0; i < locals.length; i++) {
        const v = locals[i]!;
        if (typeof v === 'number') h = mix(mix(h, 1), hashNumber(v));
        else if (v === null) h = mix(h, 2);
        else {
          if (this.tidOf(v) >= 0) return -1;
          h = mix(mix(h, 3), hashString(v));
        }
      }
    }
    return h >>> 1;
  }

  /**
   * Whether thread state `th`, at index `t` of a state, has a local naming a task (where
   * {@link threadId} is -1). Scanned, not looked up: the threads in no class need no content id,
   * and a thread state is most often asked about at its own index again (a state's successors and
   * their representatives share it), so the answer for the last one asked about at each index is
   * kept.
   */
  namesAt(t: number, th: ThreadState): boolean {
    if (this.lastAt[t] === th) return this.lastNames[t] === 1;
    const fs = th.frames;
    let b = false;
    for (let j = 0; j < fs.length && !b; j++) {
      const locals = fs[j]!.locals;
      for (let i = 0; i < locals.length; i++) {
        const v = locals[i]!;
        if (typeof v === 'string' && this.tidOf(v) >= 0) {
          b = true;
          break;
        }
      }
    }
    this.lastAt[t] = th;
    this.lastNames[t] = b ? 1 : 0;
    return b;
  }

  /** Per index: the thread state {@link namesAt} was last asked about there, and its answer. */
  private readonly lastAt: (ThreadState | undefined)[];
  private readonly lastNames: Uint8Array;

  /**
   * The threads a lock table names (owners, writers, read holders, waiters) as a mask of
   * {@link bit}s; the answer for the last table asked about is kept (a state's successors and their
   * representatives mostly share it).
   */
  lockThreads(locks: KState['locks']): number {
    if (locks === this.lastLocks) return this.lastLockMask;
    let m = 0;
    for (const k of this.lockKeys) {
      const l = locks[k]!;
      if (l.kind !== 'rwsem') {
        if (l.owner >= 0) m |= bit(l.owner);
        continue;
      }
      if (l.writer >= 0) m |= bit(l.writer);
      for (let i = 0; i < l.readers.length; i++) if (l.readers[i]! >= 0) m |= bit(l.readers[i]!);
      for (let i = 0; i < l.waiters.length; i++) if (l.waiters[i]!.tid >= 0) m |= bit(l.waiters[i]!.tid);
    }
    this.lastLocks = locks;
    this.lastLockMask = m;
    return m;
  }

  private lastLocks: KState['locks'] | undefined;
  private lastLockMask = 0;

  /** `v` with the task it names renamed by `perm`. */
  rename(v: string, perm: ArrayLike<number>): string {
    const t = this.tidOf(v);
    if (t < 0) return v;
    const to = perm[t]!;
    return to === t ? v : this.taskOf[to]! + v.slice(this.taskOf[t]!.length);
  }
}

/**
 * Thread `t`'s role in lock `l` as a number: 1 for the owner of a mutex or spinlock; for an
 * rw_semaphore, 2^24 for the writer, plus 2^12 per read hold, plus 1 + its first place in the queue
 * (a thread waits once per lock). 0 for none.
 */
function roleOf(l: LockState, t: number): number {
  if (l.kind !== 'rwsem') return l.owner === t ? 1 : 0;
  let r = l.writer === t ? 1 << 24 : 0;
  const rs = l.readers;
  for (let i = 0; i < rs.length; i++) if (rs[i] === t) r += 1 << 12;
  const ws = l.waiters;
  for (let i = 0; i < ws.length; i++) {
    if (ws[i]!.tid === t) {
      r += i + 1;
      break;
    }
  }
  return r;
}

/** Thread `t`'s bit in a mask of threads: bit 31 stands for every thread from 31 on. */
function bit(t: number): number {
  return t < 31 ? 1 << t : 1 << 31;
}

const plans = new WeakMap<Program, Plan>();

function planOf(program: Program): Plan {
  let p = plans.get(program);
  if (p === undefined) plans.set(program, (p = new Plan(program)));
  return p;
}

/**
 * `g·state` for the permutation `perm` of thread indices (`perm[t]`: the index thread `t` gets; see
 * the file's doc comment). `state` itself when `perm` is the identity. Throws when `perm` is not a
 * permutation or exchanges threads whose per-task state differs in shape.
 */
export function permuteState(program: Program, state: KState, perm: ArrayLike<number>): KState {
  return permuteWith(planOf(program), state, perm, FROZEN);
}

/**
 * What becomes of a part (an object or array under the state object) that a permutation builds:
 * frozen, as the interpreter's steps freeze theirs with `freezeParts`, or left as built, as they
 * leave theirs without (interp.ts `Work.finish`). The state object is frozen either way.
 */
type Part = <T>(x: T) => T;
const FROZEN: Part = (x) => Object.freeze(x);
const AS_BUILT: Part = (x) => x;

/**
 * {@link permuteState} with the program's {@link Plan}. `ids`, when given, holds the content ids
 * ({@link Plan.threadId}) of `state`'s threads at the indices where `member` is nonzero: whether such
 * a thread names a task is read there (-1) instead of scanned.
 */
function permuteWith(plan: Plan, state: KState, perm: ArrayLike<number>, part: Part, ids: Int32Array | null = null, member: Uint8Array | null = null): KState {
  const n = state.threads.length;
  if (n !== plan.n || perm.length < n) throw new Error(`a permutation of ${perm.length} threads for a state of ${n}`);
  let identity = true;
  if (plan.seen.length < n) plan.seen = new Uint8Array(n);
  const seen = plan.seen;
  seen.fill(0);
  for (let t = 0; t < n; t++) {
    const to = perm[t]!;
    if (!(to >= 0 && to < n) || seen[to]) throw new Error(`not a permutation of ${n} threads: ${Array.from({ length: n }, (_, i) => perm[i]).join(',')}`);
    seen[to] = 1;
    if (to === t) continue;
    identity = false;
    if (plan.ownSig[t] !== plan.ownSig[to]) throw new Error(`threads ${t} and ${to} have different per-task state: they cannot be exchanged`);
    if (plan.ownsLock[t] || plan.ownsLock[to]) throw new Error(`thread ${t} or ${to} has a lock under its task: it cannot move`);
  }
  if (identity) return state;

  // Threads, their locals renamed.
  const threads: ThreadState[] = new Array<ThreadState>(n);
  for (let t = 0; t < n; t++) {
    const th = state.threads[t]!;
    const names = ids !== null && member![t] ? ids[t]! < 0 : plan.namesAt(t, th);
    threads[perm[t]!] = names ? renameThread(th, plan, perm, part) : th;
  }

  // Memory: per-task values move with their task, then every string value is renamed.
  let mem: Record<string, Value> | null = null;
  const m0 = state.mem;
  for (let t = 0; t < n; t++) {
    const to = perm[t]!;
    if (to === t) continue;
    const src = plan.ownKeys[t]!;
    const dst = plan.ownKeys[to]!;
    for (let q = 0; q < src.length; q++) {
      const v = m0[src[q]!]!;
      if (m0[dst[q]!] !== v) (mem ??= plan.copyMem(m0))[dst[q]!] = v;
    }
  }
  const order = plan.memNames(m0) ? plan.memOrder : [];
  for (let q = 0; q < order.length; q++) {
    const k = order[q]!;
    const v = (mem ?? m0)[k]!;
    if (typeof v !== 'string') continue;
    const w = plan.rename(v, perm);
    if (w !== v) (mem ??= plan.copyMem(m0))[k] = w;
  }
  if (mem !== null) part(mem);

  // Locks: none changes unless one names a thread that moves.
  let locks: Record<string, LockState> | null = null;
  let moved = 0;
  for (let t = 0; t < n; t++) if (perm[t] !== t) moved |= bit(t);
  if ((plan.lockThreads(state.locks) & moved) !== 0) for (const k of plan.lockKeys) {
    const l = state.locks[k]!;
    const nl = permuteLock(l, perm, part);
    if (nl === l) continue;
    (locks ??= plan.copyLocks(state.locks))[k] = nl;
  }
  if (locks !== null) part(locks);

  // Pairs, renumbered and put back in the interpreter's order.
  let pairs: readonly PairRecord[] = state.pairs;
  let movesPair = false;
  for (let i = 0; i < pairs.length; i++) if (perm[pairs[i]!.tid] !== pairs[i]!.tid) movesPair = true;
  if (movesPair) {
    const out: PairRecord[] = [];
    for (const p of pairs) {
      const to = perm[p.tid]!;
      insertPair(out, to === p.tid ? p : part({ tid: to, nid: p.nid, start: p.start, end: p.end, blockable: p.blockable, mayfail: p.mayfail, ret: p.ret }));
    }
    pairs = part(out);
  }

  return Object.freeze({ threads: part(threads), mem: mem ?? m0, locks: locks ?? state.locks, pairs });
}

/** A thread with the task names in its locals renamed (the same object when none is). */
function renameThread(th: ThreadState, plan: Plan, perm: ArrayLike<number>, part: Part): ThreadState {
  let frames: Frame[] | null = null;
  const fs = th.frames;
  for (let j = 0; j < fs.length; j++) {
    const f = fs[j]!;
    const locals = f.locals;
    let nl: Value[] | null = null;
    for (let i = 0; i < locals.length; i++) {
      const v = locals[i]!;
      if (typeof v !== 'string') continue;
      const w = plan.rename(v, perm);
      if (w === v) continue;
      nl ??= locals.slice();
      nl[i] = w;
    }
    if (nl === null) continue;
    frames ??= fs.slice();
    part(nl);
    // The properties in the interpreter's order (interp.ts `Exec.top`).
    frames[j] = part(f.op === undefined ? { fn: f.fn, pc: f.pc, locals: nl, dest: f.dest, ctx: f.ctx } : { fn: f.fn, pc: f.pc, locals: nl, dest: f.dest, ctx: f.ctx, op: f.op });
  }
  return frames === null ? th : part({ frames: part(frames), srcu: th.srcu, pending: th.pending });
}

/** The read holds `readers` with each thread index `t` (not NON_OWNER) replaced by `perm[t]`, sorted again (an insertion sort: a few holds; `map` and `sort` are slow on frozen arrays). */
function sortedImage(readers: readonly number[], perm: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < readers.length; i++) {
    const r = readers[i]!;
    const v = r >= 0 ? perm[r]! : r;
    let j = out.length;
    out.push(v);
    while (j > 0 && out[j - 1]! > v) {
      out[j] = out[j - 1]!;
      j--;
    }
    out[j] = v;
  }
  return out;
}

/** A lock with its thread indices permuted (the same object when none moves). */
function permuteLock(l: LockState, perm: ArrayLike<number>, part: Part): LockState {
  switch (l.kind) {
    case 'mutex':
    case 'spin': {
      const o = l.owner >= 0 ? perm[l.owner]! : l.owner;
      return o === l.owner ? l : part({ kind: l.kind, owner: o });
    }
    case 'rwsem': {
      const writer = l.writer >= 0 ? perm[l.writer]! : l.writer;
      let movesReader = false;
      for (let i = 0; i < l.readers.length; i++) if (l.readers[i]! >= 0 && perm[l.readers[i]!] !== l.readers[i]) movesReader = true;
      let movesWaiter = false;
      for (let i = 0; i < l.waiters.length; i++) if (perm[l.waiters[i]!.tid] !== l.waiters[i]!.tid) movesWaiter = true;
      if (writer === l.writer && !movesReader && !movesWaiter) return l;
      const p = (t: number): number => (t >= 0 ? perm[t]! : t);
      const readers = movesReader ? part(sortedImage(l.readers, perm)) : l.readers;
      const waiters = movesWaiter
        ? part(
            l.waiters.map((w): RwsemWaiter => {
              const to = p(w.tid);
              if (to === w.tid) return w;
              return part(w.nonOwner ? { tid: to, write: w.write, nonOwner: true as const } : { tid: to, write: w.write });
            }),
          )
        : l.waiters;
      return part(rwsem(writer, readers, waiters));
    }
  }
}

// ------------------------------------------------------------------------------------- canonical

/** Value kinds in the order the sort key ranks them. */
const K_NULL = 0;
const K_NUMBER = 1;
const K_STRING = 2;
const K_SELF = 3;
/** A value naming another member's task: K_OTHER + that member's class. */
const K_OTHER = 4;

/**
 * The kernel model's {@link Symmetry}: the classes of {@link threadClasses} and a canonical
 * representative by sorting each class (see the file's doc comment).
 */
export class ThreadSymmetry implements Symmetry<KState> {
  readonly classes: readonly (readonly number[])[];
  private readonly plan: Plan;
  /** Per thread, its class, or -1. */
  private readonly classOf: Int32Array;
  /** Per class, the sort's working order. */
  private readonly order: Int32Array[];
  /** The threads in no class. */
  private readonly others: readonly number[];

  /** What becomes of the parts a representative is built with ({@link Part}). */
  private readonly part: Part;

  constructor(
    readonly program: Program,
    classes: readonly (readonly number[])[] = threadClasses(program),
    /** Freeze them (the interpreter's `freezeParts`), else leave them as built. */
    freezeParts = true,
  ) {
    this.part = freezeParts ? FROZEN : AS_BUILT;
    this.classes = classes.map((c) => Object.freeze([...c]));
    this.plan = planOf(program);
    this.classOf = new Int32Array(program.spec.threads.length).fill(-1);
    this.classes.forEach((c, i) => {
      for (const t of c) this.classOf[t] = i;
    });
    this.order = this.classes.map((c) => new Int32Array(c.length));
    this.others = program.spec.threads.flatMap((_, t) => (this.classOf[t]! < 0 ? [t] : []));
    this.members = this.classes.flat();
    this.member = new Uint8Array(program.spec.threads.length);
    for (const t of this.members) this.member[t] = 1;
    this.ids = new Int32Array(program.spec.threads.length);
    this.idTmp = new Int32Array(program.spec.threads.length);
    this.prevIds = new Int32Array(program.spec.threads.length);
    this.baseIds = new Int32Array(program.spec.threads.length);
    const own = this.plan.ownKeys;
    const tests = this.classes.flatMap((c) =>
      own[c[0]!]!.flatMap((k0, q) => [
        `typeof m[${JSON.stringify(k0)}] !== 'string'`,
        ...c.slice(1).map((t) => `m[${JSON.stringify(own[t]![q]!)}] === m[${JSON.stringify(k0)}]`),
      ]),
    );
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    this.ownUniform = new Function('m', `return ${tests.length ? tests.join(' &&\n  ') : 'true'};`) as (mem: KState['mem']) => boolean;
  }

  canonical(state: KState, perm: Uint8Array): KState {
    const n = state.threads.length;
    for (let t = 0; t < n; t++) perm[t] = t;
    let moved = false;
    this.prepare(state);
    state = this.interned(state);
    for (let ci = 0; ci < this.classes.length; ci++) {
      const c = this.classes[ci]!;
      const o = this.order[ci]!;
      // Insertion sort (stable; classes are small).
      for (let i = 0; i < c.length; i++) {
        const x = c[i]!;
        let j = i - 1;
        while (j >= 0 && this.compare(state, o[j]!, x) > 0) {
          o[j + 1] = o[j]!;
          j--;
        }
        o[j + 1] = x;
      }
      for (let k = 0; k < c.length; k++) {
        if (o[k] !== c[k]) {
          perm[o[k]!] = c[k]!;
          moved = true;
        }
      }
    }
    if (!moved) return state;
    const rep = permuteWith(this.plan, state, perm, this.part, this.ids, this.member);
    // The members' content ids, moved with their threads.
    const h = this.ids;
    const tmp = this.idTmp;
    for (const t of this.members) tmp[perm[t]!] = h[t]!;
    for (const t of this.members) h[t] = tmp[t]!;
    this.prepared = rep;
    return rep;
  }

  /** Every member of a class. */
  private readonly members: readonly number[];
  /** Per thread, 1 for a member of a class. */
  private readonly member: Uint8Array;
  /** The state whose members' content ids {@link ids} holds. */
  private prepared: KState | undefined;
  private readonly ids: Int32Array;
  private readonly idTmp: Int32Array;

  /**
   * `s` with each member's thread state that has a content id replaced by its content's exemplar
   * (Plan.exemplar), or `s` itself where they all are exemplars. The same state, as values: the
   * representatives share one object per thread content, so the caches keyed by object (the
   * content ids here, the encoding's per-thread hashes, the segment memo's frame comparisons, the
   * interpreter's per-thread work) answer from the object, and a step's new thread state is kept
   * only while its state is canonicalised. Prepared (`ids` hold for the result).
   */
  private interned(s: KState): KState {
    const th = s.threads;
    let out: ThreadState[] | null = null;
    for (const t of this.members) {
      const id = this.ids[t]!;
      if (id < 0) continue;
      const e = this.plan.exemplar(id);
      if (e !== th[t]) (out ??= copyArray(th))[t] = e;
    }
    if (out === null) return s;
    const r: KState = Object.freeze({ threads: this.part(out), mem: s.mem, locks: s.locks, pairs: s.pairs });
    this.prevThreads = r.threads;
    this.prepared = r;
    return r;
  }

  /**
   * Whether, in each class, every member's per-task memory holds the first member's values, none a
   * string (then {@link compare} need not look at it: each value would compare equal). A function
   * built once per scenario whose body reads each key by name (as Plan.memNames does: a key looked
   * up by a variable costs more). Asked once per memory object, the last one kept.
   */
  private readonly ownUniform: (mem: KState['mem']) => boolean;
  private uniformMem: KState['mem'] | undefined;
  private uniform = false;

  /** The threads of the state last prepared by lookups, and their members' content ids. */
  private prevThreads: readonly ThreadState[] = [];
  private readonly prevIds: Int32Array;

  /**
   * Fill {@link ids} for `s`: one lookup per member, not one per comparison, and none for a
   * member whose thread state is the one at its place in the state prepared before, or in the
   * state the model last stepped from ({@link stepFrom}: its successors share all threads but the
   * one that moved with it, while the state prepared before is often a sibling or a permuted
   * representative).
   */
  private prepare(s: KState): void {
    if (s === this.prepared) return;
    const th = s.threads;
    const prev = this.prevThreads;
    const base = this.baseThreads;
    const h = this.ids;
    const ph = this.prevIds;
    for (const t of this.members) {
      const x = th[t]!;
      const v = prev[t] === x ? ph[t]! : base[t] === x ? this.baseIds[t]! : this.plan.threadId(x);
      h[t] = v;
      ph[t] = v;
    }
    this.prevThreads = th;
    this.prepared = s;
  }

  /**
   * The model is about to step from `s` (KernelModel.nextState): keep its members' content ids for
   * {@link prepare}, which meets its successors next.
   */
  stepFrom(s: KState): void {
    if (s.threads === this.baseThreads) return;
    this.prepare(s);
    this.baseThreads = s.threads;
    for (const t of this.members) this.baseIds[t] = this.ids[t]!;
  }

  /** The threads of the state last stepped from ({@link stepFrom}), and their members' content ids. */
  private baseThreads: readonly ThreadState[] = [];
  private readonly baseIds: Int32Array;

  /**
   * Twins (Symmetry.twins): in a state where no value names a task ({@link orbitUnique}), two
   * members of a class whose sort keys are equal have the same thread state, the same per-task
   * memory, the same roles in the locks (so neither owns, writes or waits for a lock: two threads
   * cannot both) and the same open pairs, and nothing else refers to either: exchanging them gives
   * the state itself. Members with equal keys are found next to each other in a representative
   * (its classes are sorted), so each member is compared with the one before it; a state that is
   * not sorted only has fewer twins found.
   */
  twins(state: KState, twin: Int32Array): boolean {
    if (!this.orbitUnique(state)) return false;
    const n = state.threads.length;
    for (let t = 0; t < n; t++) twin[t] = t;
    let any = false;
    for (const c of this.classes) {
      for (let i = 1; i < c.length; i++) {
        if (this.compare(state, c[i - 1]!, c[i]!) === 0) {
          twin[c[i]!] = twin[c[i - 1]!]!;
          any = true;
        }
      }
    }
    return any;
  }

  /**
   * Whether no value of `rep` names a task (memory, every thread's locals): then the sort key of
   * each member is its own content (thread state, per-task memory, roles, pairs; no references),
   * members with equal keys are interchangeable, and sorting gives every state of the orbit the
   * same representative (Symmetry.orbitUnique). Decided from the per-object caches.
   */
  orbitUnique(rep: KState): boolean {
    if (this.plan.memNames(rep.mem)) return false;
    this.prepare(rep);
    for (const t of this.members) if (this.ids[t]! < 0) return false;
    const th = rep.threads;
    for (const t of this.others) if (this.plan.namesAt(t, th[t]!)) return false;
    return true;
  }

  /**
   * The permutation {@link canonical} gives for `g·x`, where it gave `rep` and `perm` for `x` and
   * {@link orbitUnique} holds for `rep` (Symmetry.imagePerm). Thread `i` of `g·x` is thread `g⁻¹[i]`
   * of `x`, whose sort key is that of thread `perm[g⁻¹[i]]` of `rep`: `perm∘g⁻¹` sorts `g·x` into
   * `rep`, but the sort is stable, so members of equal keys (a run of class places in `rep`) are
   * placed in the order of their indices. `out` is `perm∘g⁻¹` with each run's threads so reordered.
   */
  imagePerm(rep: KState, perm: Uint8Array, g: Uint8Array, out: Uint8Array): void {
    const n = rep.threads.length;
    for (let t = 0; t < n; t++) out[g[t]!] = perm[t]!;
    const at = this.imageAt;
    for (const c of this.classes) {
      for (let k = 0; k < c.length; ) {
        let l = k + 1;
        while (l < c.length && this.compare(rep, c[l - 1]!, c[l]!) === 0) l++;
        if (l - k > 1) {
          // The threads of g·x placed in the run c[k..l), in index order, take its places in order.
          let m = 0;
          for (let i = 0; i < n; i++) {
            const p = out[i]!;
            for (let q = k; q < l; q++) if (c[q] === p) at[m++] = i;
          }
          for (let q = 0; q < m; q++) out[at[q]!] = c[k + q]!;
        }
        k = l;
      }
    }
  }
  private readonly imageAt = new Int32Array(256);

  /** The sort key of thread `a` against that of `b` (members of one class): negative, 0 or positive. */
  compare(s: KState, a: number, b: number): number {
    const ta = s.threads[a]!;
    const tb = s.threads[b]!;
    let d = 0;
    // Threads naming no task come first, ordered by the hash of their content, then by the content
    // itself (equal content ids: equal contents; Plan.threadId). Threads naming a task come after,
    // field by field (a value naming a member's task is SELF or OTHER, so even one thread state
    // shared by a and b may compare unequal).
    this.prepare(s);
    const ix = this.ids[a]!;
    const iy = this.ids[b]!;
    if (ix >= 0 && iy >= 0) {
      if (ix !== iy) {
        const hx = this.plan.idHash[ix]!;
        const hy = this.plan.idHash[iy]!;
        if (hx !== hy) return hx < hy ? -1 : 1;
        return plainCompareThreads(ta, tb);
      }
    } else if (ix >= 0) return -1;
    else if (iy >= 0) return 1;
    else {
      d = this.compareThreads(ta, a, tb, b);
      if (d) return d;
    }
    const mem = s.mem;
    if (mem !== this.uniformMem) {
      this.uniformMem = mem;
      this.uniform = this.ownUniform(mem);
    }
    const ka = this.plan.ownKeys[a]!;
    const kb = this.plan.ownKeys[b]!;
    if (!this.uniform) for (let q = 0; q < ka.length; q++) {
      const u = mem[ka[q]!]!;
      const v = mem[kb[q]!]!;
      if (u === v && typeof u !== 'string') continue;
      d = this.compareValue(u, a, v, b);
      if (d) return d;
    }
    d = this.plan.compareRoles(s.locks, a, b);
    if (d) return d;
    if (s.pairs.length) {
      const pairs = this.pairsOf(s.pairs);
      const pa = pairs[a]!;
      const pb = pairs[b]!;
      if (pa !== pb) return pa < pb ? -1 : 1;
    }
    return this.compareRefs(s, a, b);
  }

  /** Two threads that name a task: header, then frame by frame, a value naming a member's task as SELF or OTHER. */
  private compareThreads(ta: ThreadState, a: number, tb: ThreadState, b: number): number {
    // Not even one frame object shared by both is equal: a value naming a or b's task is SELF for one, OTHER for the other.
    return compareStacks(ta, tb, (u, v) => this.compareValue(u, a, v, b), false);
  }

  /**
   * Each member's open pairs, without the tid, as a string, for the last {@link RECENT_PAIRS} pairs
   * arrays asked about (a ring; most questions are about the last one). Not a WeakMap: its set
   * was 1.6% of growth k = 8 for arrays most of which are asked about only while one state is
   * canonicalised, and building the strings again costs less than that.
   */
  private readonly recentPairs: (readonly PairRecord[] | undefined)[] = new Array<readonly PairRecord[] | undefined>(RECENT_PAIRS).fill(undefined);
  private readonly recentPairStrings: (readonly string[])[] = new Array<readonly string[]>(RECENT_PAIRS).fill([]);
  private recentPairsNext = 0;
  private lastPairs: readonly PairRecord[] | undefined;
  private lastPairStrings: readonly string[] = [];

  private pairsOf(pairs: readonly PairRecord[]): readonly string[] {
    if (pairs === this.lastPairs) return this.lastPairStrings;
    let r: readonly string[] | undefined;
    const recent = this.recentPairs;
    for (let i = 0; i < RECENT_PAIRS; i++) {
      if (recent[i] === pairs) {
        r = this.recentPairStrings[i]!;
        break;
      }
    }
    if (r === undefined) {
      const out = new Array<string>(this.classOf.length).fill('');
      for (const p of pairs) if (this.classOf[p.tid]! >= 0) out[p.tid] += `${p.nid},${p.start},${p.end},${p.blockable},${p.mayfail},${p.ret};`;
      r = out;
      const at = this.recentPairsNext;
      recent[at] = pairs;
      this.recentPairStrings[at] = r;
      this.recentPairsNext = (at + 1) % RECENT_PAIRS;
    }
    this.lastPairs = pairs;
    this.lastPairStrings = r;
    return r;
  }

  private kind(v: Value, self: number): number {
    if (v === null) return K_NULL;
    if (typeof v === 'number') return K_NUMBER;
    const t = this.plan.tidOf(v);
    if (t < 0 || this.classOf[t]! < 0) return K_STRING;
    return t === self ? K_SELF : K_OTHER + this.classOf[t]!;
  }

  /** `x` as thread `a` sees it against `y` as `b` sees it (its own task SELF, another member's OTHER). */
  private compareValue(x: Value, a: number, y: Value, b: number): number {
    if (x === y) {
      if (typeof x !== 'string') return 0;
      const t = this.plan.tidOf(x);
      if (t < 0 || this.classOf[t]! < 0) return 0;
      return t === a ? -1 : t === b ? 1 : 0;
    }
    const kx = this.kind(x, a);
    const ky = this.kind(y, b);
    if (kx !== ky) return kx - ky;
    if (kx === K_NUMBER) return (x as number) < (y as number) ? -1 : 1;
    if (kx === K_STRING) return (x as string) < (y as string) ? -1 : 1;
    if (kx === K_NULL) return 0;
    // Both name a member's task: compare the paths under it.
    const rx = (x as string).slice(this.plan.taskOf[this.plan.tidOf(x as string)]!.length);
    const ry = (y as string).slice(this.plan.taskOf[this.plan.tidOf(y as string)]!.length);
    return rx === ry ? 0 : rx < ry ? -1 : 1;
  }

  /**
   * The places outside `a`'s own data that name its task, against `b`'s: memory keys (a key under
   * another member's task as that member's class and the key's suffix), then locals of threads in
   * no class (thread, frame, slot), each with the path under the task.
   */
  private compareRefs(s: KState, a: number, b: number): number {
    if (!this.named(s)) return 0;
    const ra = this.refs(s, a);
    const rb = this.refs(s, b);
    if (ra.length !== rb.length) return ra.length - rb.length;
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! < rb[i]! ? -1 : 1;
    return 0;
  }

  /** The state {@link named} answered for last (the sort asks once per tie). */
  private lastNamed: KState | undefined;
  private lastNamedValue = false;

  /** Whether memory or a thread in no class names a task (cached per memory object and thread state). */
  private named(s: KState): boolean {
    if (s === this.lastNamed) return this.lastNamedValue;
    let b = this.plan.memNames(s.mem);
    for (let i = 0; !b && i < this.others.length; i++) b = this.plan.namesAt(this.others[i]!, s.threads[this.others[i]!]!);
    this.lastNamed = s;
    this.lastNamedValue = b;
    return b;
  }

  private refs(s: KState, a: number): string[] {
    const plan = this.plan;
    const task = plan.taskOf[a]!;
    const out: string[] = [];
    for (const k of plan.memOrder) {
      const v = s.mem[k];
      if (typeof v !== 'string' || plan.tidOf(v) !== a) continue;
      const owner = plan.keyOwner.get(k);
      if (owner === a) continue;
      const where = owner !== undefined && this.classOf[owner]! >= 0 ? `O${this.classOf[owner]!}:${k.slice(plan.taskOf[owner]!.length)}` : `K:${k}`;
      out.push(`${where}|${v.slice(task.length)}`);
    }
    s.threads.forEach((t, tid) => {
      if (this.classOf[tid]! >= 0) return;
      t.frames.forEach((f, j) =>
        f.locals.forEach((v, i) => {
          if (typeof v === 'string' && plan.tidOf(v) === a) out.push(`L${tid}:${j}:${i}|${v.slice(task.length)}`);
        }),
      );
    });
    return out.sort();
  }
}

/** Two thread states that name no task, by content: header, then frame by frame. */
function plainCompareThreads(ta: ThreadState, tb: ThreadState): number {
  return compareStacks(ta, tb, comparePlain, true);
}

/** Two values: null, then numbers, then strings, each in their own order. */
function comparePlain(u: Value, v: Value): number {
  if (u === v) return 0;
  const ku = u === null ? 0 : typeof u === 'number' ? 1 : 2;
  const kv = v === null ? 0 : typeof v === 'number' ? 1 : 2;
  if (ku !== kv) return ku - kv;
  return u! < v! ? -1 : 1;
}

/**
 * Two stacks: headers, then frame by frame, fields first and then the locals by `values`. A frame
 * object both share is skipped when `sameFrameEqual`.
 */
function compareStacks(ta: ThreadState, tb: ThreadState, values: (u: Value, v: Value) => number, sameFrameEqual: boolean): number {
  const fa = ta.frames;
  const fb = tb.frames;
  let d = compareHeaders(ta, tb);
  if (d) return d;
  for (let j = 0; j < fa.length; j++) {
    const x = fa[j]!;
    const y = fb[j]!;
    if (x === y && sameFrameEqual) continue;
    d = compareFrameFields(x, y);
    if (d) return d;
    const lx = x.locals;
    const ly = y.locals;
    for (let i = 0; i < lx.length; i++) {
      d = values(lx[i]!, ly[i]!);
      if (d) return d;
    }
  }
  return 0;
}

/** Two thread states' headers: stack depth, SRCU depth, pending. */
function compareHeaders(ta: ThreadState, tb: ThreadState): number {
  return ta.frames.length - tb.frames.length || ta.srcu - tb.srcu || (ta.pending ? 1 : 0) - (tb.pending ? 1 : 0);
}

/** Two frames' fields but the locals' values: function, pc, caller slot, context, op, number of locals. */
function compareFrameFields(x: Frame, y: Frame): number {
  return x.fn - y.fn || x.pc - y.pc || x.dest - y.dest || x.ctx - y.ctx || compareOp(x.op, y.op) || x.locals.length - y.locals.length;
}

function compareOp(x: OpFrame | undefined, y: OpFrame | undefined): number {
  if (x === y) return 0;
  if (x === undefined) return -1;
  if (y === undefined) return 1;
  return (
    (x.kind === y.kind ? 0 : x.kind < y.kind ? -1 : 1) ||
    (x.nid === y.nid ? 0 : x.nid < y.nid ? -1 : 1) ||
    x.start - y.start ||
    x.end - y.end ||
    x.blockable - y.blockable ||
    x.mayfail - y.mayfail
  );
}
