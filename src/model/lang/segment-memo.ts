/**
 * Runs of coalesced statements, memoised (issue 12, item 3).
 *
 * After the statement a transition is named by, a thread runs on through the statements the
 * reduction coalesces (src/model/lang/reduction.ts), about eight per transition in the kernel and
 * growth benches: returns up a deep call stack, loop tests, srcu_read_unlock(), the epilogue of
 * sys_madvise(). Most of them are *pure*: statically (their effects, from their text) they take and
 * release no lock, open or close no start/end pair, enter no notifier callback, wake no thread,
 * make no choice and cannot wait; what they do is a function of the running thread's own state
 * (its stack, SRCU depth, whether a slow path is pending; its task, which the thread index fixes)
 * and of the shared variables they read. A maximal run of pure statements (a *segment*) is
 * recorded once, when a thread first runs it from a given own state: the values of the shared
 * variables it read before writing them (its inputs), the ones it wrote last (its outputs), and
 * the thread's own state after it. When a thread with that index and that own state, in a state
 * whose memory holds the same inputs, is about to run a segment again, the recorded outcome is
 * applied instead: the same frames (frozen, shared between the states that reach them), SRCU
 * depth, pending flag and writes, so the successor is the one running the statements gives.
 *
 * Exactness: a segment's own state is kept as a frozen copy and compared in full on every hit
 * (the hash only picks the candidates), and its inputs are compared value by value. What a pure
 * statement may touch besides memory and its own stack is guarded dynamically: the interpreter
 * marks the recording impure when a statement of it reads a lock, the pairs, another thread, or
 * oopses (src/model/lang/interp.ts, `Exec.seg`), and an impure recording is never stored. The
 * memo is off where statements are run for their record (traces, `Interpreter.step`) and under
 * `verifyReduction` (which checks each statement as it runs); test/model/lang/segment-memo.test.ts
 * compares the state spaces with it and without it.
 */
import { hashNumber, hashString, mix } from './hash.ts';
import { copyArray, type Frame, type OpFrame, type Value } from './state.ts';

/** A thread's own state, as a step holds it (the frames may be the step's own, not frozen yet). */
export interface OwnState {
  readonly frames: readonly Frame[];
  readonly srcu: number;
  readonly pending: boolean;
}

/** One recorded segment. */
export interface Segment {
  readonly tid: number;
  /** The stack depth it starts at. */
  readonly depth: number;
  /** The lowest frame it reads or changes: the ones below are no part of what it starts from. */
  readonly reach: number;
  /** The frames it starts from, from `reach` up (frozen copies). */
  readonly from: readonly Frame[];
  readonly srcu: number;
  readonly pending: boolean;
  /** Its inputs: shared variables read before the segment wrote them, and their values. */
  readonly readKeys: readonly string[];
  readonly readValues: readonly Value[];
  /** Its outputs: the last value it wrote to each shared variable it wrote. */
  readonly writeKeys: readonly string[];
  readonly writeValues: readonly Value[];
  /** The frames below this index are the ones it started with (untouched). */
  readonly low: number;
  /** The frames from `low` up after it (frozen). */
  readonly top: readonly Frame[];
  readonly srcuAfter: number;
  readonly pendingAfter: boolean;
  /** How many statements it runs. */
  readonly length: number;
}

/** What a segment being recorded has read and written (filled by the interpreter as it runs it). */
export class SegmentRecording {
  readonly reads = new Map<string, Value>();
  readonly writes = new Map<string, Value>();
  /** A statement did something a segment may not: the recording is not stored. */
  impure = false;
  /** The lowest frame a statement read or changed. */
  reach = Number.MAX_SAFE_INTEGER;

  touch(depth: number): void {
    if (depth < this.reach) this.reach = depth;
  }

  read(key: string, value: Value): void {
    if (!this.writes.has(key) && !this.reads.has(key)) this.reads.set(key, value);
  }

  write(key: string, value: Value): void {
    this.writes.set(key, value);
  }
}

/** The recorded segments of one interpreter. */
export class SegmentMemo {
  /** Segments stored at most (past it, segments still run, unrecorded). */
  static readonly CAPACITY = 1 << 17;
  private readonly table = new Map<number, Segment[]>();
  private readonly strings = new Map<string, number>();
  /** Segments stored. */
  size = 0;
  /** Segments applied from the memo. */
  hits = 0;
  /** Recordings not stored because a statement did what a segment may not (`SegmentRecording.impure`). */
  impure = 0;

  /**
   * The hash of thread `tid`'s own state as far as every segment reads it (what {@link find} and
   * {@link add} take): its depth, SRCU depth, pending flag and top frame (a segment starts by
   * running the top frame's statement; how far below it a segment reads is the segment's own).
   */
  hash(tid: number, t: OwnState): number {
    const frames = t.frames;
    let h = mix(mix(mix(mix(0x6c8e9cf5, tid), frames.length), t.srcu), t.pending ? 1 : 0);
    const f = frames[frames.length - 1]!;
    h = mix(mix(mix(mix(h, f.fn), f.pc), f.dest), f.ctx);
    const o = f.op;
    if (o !== undefined) h = mix(mix(mix(mix(mix(mix(h, this.str(o.kind)), this.str(o.nid)), o.start), o.end), o.blockable), o.mayfail);
    const locals = f.locals;
    h = mix(h, locals.length);
    for (let i = 0; i < locals.length; i++) h = mix(h, this.value(locals[i]!));
    return h;
  }

  private value(v: Value): number {
    return v === null ? 0x51ed270b : typeof v === 'number' ? hashNumber(v) : this.str(v);
  }

  private str(v: string): number {
    let h = this.strings.get(v);
    if (h === undefined) this.strings.set(v, (h = mix(hashString(v), 0x2545f491)));
    return h;
  }

  /** The segment thread `tid` runs from own state `t` (hash `h`) over memory `mem`, if recorded. */
  find(h: number, tid: number, t: OwnState, mem: Readonly<Record<string, Value>>): Segment | undefined {
    const list = this.table.get(h);
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.tid !== tid || s.depth !== t.frames.length || s.srcu !== t.srcu || s.pending !== t.pending || !sameFrames(s.from, t.frames, s.reach)) continue;
      const keys = s.readKeys;
      const values = s.readValues;
      let k = 0;
      while (k < keys.length && mem[keys[k]!] === values[k]) k++;
      if (k === keys.length) {
        this.hits++;
        return s;
      }
    }
    return undefined;
  }

  /** Store a segment (hash `h` of its own state), unless the memo is full. */
  add(h: number, s: Segment): void {
    if (this.size >= SegmentMemo.CAPACITY) return;
    const list = this.table.get(h);
    if (list === undefined) this.table.set(h, [s]);
    else list.push(s);
    this.size++;
  }
}

/**
 * A copy of a frame that nothing changes any more, for the memo (the same properties, in the same
 * order, as the interpreter's frames): frozen with `freeze` (the interpreter's `freezeParts`), and
 * then a frozen frame is itself; without, every frame is copied (a step's own frames are changed in
 * place, and unfrozen they cannot be told from the state's), and the copy is not frozen, as the
 * states' frames are not.
 */
export function frozenFrame(f: Frame, freeze: boolean): Frame {
  if (freeze && Object.isFrozen(f)) return f;
  // Not `slice()`: on a frozen list (a frame copied by a step shares its locals with the state it
  // stepped from until it writes one: interp.ts WorkThread.own) V8 takes its generic path, slowly,
  // and makes a holey list, of another map than every other frame's locals (maps.test.ts).
  const locals = copyArray(f.locals);
  const o = f.op;
  // Its own literal, as the interpreter's: a spread copy gets a map of its own (V8), and with it every frame's op.
  const op = o === undefined ? undefined : freeze && Object.isFrozen(o) ? o : { kind: o.kind, nid: o.nid, start: o.start, end: o.end, blockable: o.blockable, mayfail: o.mayfail };
  const copy = op === undefined ? { fn: f.fn, pc: f.pc, locals, dest: f.dest, ctx: f.ctx } : { fn: f.fn, pc: f.pc, locals, dest: f.dest, ctx: f.ctx, op };
  if (freeze) {
    Object.freeze(locals);
    if (op !== undefined) Object.freeze(op);
    Object.freeze(copy);
  }
  return copy;
}

/** Whether `frames` from index `reach` up are `from`, frame by frame. */
function sameFrames(from: readonly Frame[], frames: readonly Frame[], reach: number): boolean {
  for (let j = 0; j < from.length; j++) if (!sameFrame(from[j]!, frames[reach + j]!)) return false;
  return true;
}

function sameFrame(a: Frame, b: Frame): boolean {
  if (a === b) return true;
  if (a.fn !== b.fn || a.pc !== b.pc || a.dest !== b.dest || a.ctx !== b.ctx || !sameOp(a.op, b.op)) return false;
  const la = a.locals;
  const lb = b.locals;
  if (la.length !== lb.length) return false;
  for (let i = 0; i < la.length; i++) if (la[i] !== lb[i]) return false;
  return true;
}

function sameOp(a: OpFrame | undefined, b: OpFrame | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return a.kind === b.kind && a.nid === b.nid && a.start === b.start && a.end === b.end && a.blockable === b.blockable && a.mayfail === b.mayfail;
}
