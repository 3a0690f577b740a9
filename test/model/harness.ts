/**
 * Test harness: drive one notifier callback of one driver variant in isolation, deterministically,
 * and report what it returned, what it executed, whether it slept or blocked, and the state after.
 */
import { c, fn } from '../../src/model/lang/ir.ts';
import { Interpreter, type ExecutedInstr, type KAction } from '../../src/model/lang/interp.ts';
import { Program } from '../../src/model/lang/program.ts';
import { buildProgram, type Scenario } from '../../src/model/kernel/scenario.ts';
import { CORE_VERSIONS } from '../../src/model/kernel/core/versions.ts';
import { RANGE_V50, RANGE_V52 } from '../../src/model/kernel/core/mmu_notifier.ts';
import type { ObjectRange } from '../../src/model/kernel/driver.ts';
import type { KState, LockState, PairRecord, Value } from '../../src/model/lang/state.ts';

export interface CallbackOptions {
  /** `driver@variant`. */
  readonly use: string;
  /** Core version; default v4.19 (v4.18 for a v4.18 variant: pass it). */
  readonly core?: string;
  readonly objects?: readonly ObjectRange[];
  /** The notifier's parameters (`notifiers[i].params` of a scenario). */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly op: 'invalidate_range_start' | 'invalidate_range_end' | 'release';
  readonly start: number;
  readonly end: number;
  /** For a start: blockable (default true). */
  readonly blockable?: boolean;
  /** For a start in the mayfail core: the range flags passed where v4.19 passes `blockable` (overrides it). */
  readonly flags?: number;
  /** Lock states to install before the call (e.g. a mutex held by another task, tid 99). */
  readonly locks?: Readonly<Record<string, LockState>>;
  /** Shared variables to set before the call. */
  readonly mem?: Readonly<Record<string, Value>>;
  /** Open start/end pairs before the call. */
  readonly pairs?: readonly PairRecord[];
}

export interface CallbackRun {
  /** The callback's return value (0 for a void callback); undefined if it blocked. */
  readonly ret: Value | undefined;
  readonly state: KState;
  readonly trace: readonly ExecutedInstr[];
  /** C text of every executed statement that calls a primitive that may sleep. */
  readonly slept: readonly string[];
  /** Why the thread stopped before returning (it waits on something), if it did. */
  readonly blocked?: string;
  readonly program: Program;
  /** The notifier instance id (e.g. `amdgpu0`). */
  readonly nid: string;
}

/** The program of a one-notifier scenario plus a test thread that makes one callback call. */
export function callbackProgram(o: CallbackOptions): { program: Program; nid: string } {
  const sc: Scenario = {
    name: 'harness',
    core: o.core ?? 'v4.19',
    vmas: [{ start: 0, end: 24 }],
    notifiers: [{ use: o.use, objects: o.objects ?? [], ...(o.params ? { params: o.params } : {}) }],
    // For ->release an exiting task, so that the scenario gets the kworkers of the work items a
    // release can queue (only the test thread below runs the callback).
    threads: [o.op === 'release' ? { kind: 'exit_mmap' } : { kind: 'madvise', params: { start: 0, len: 1 } }],
  };
  const base = buildProgram(sc);
  const nid = base.spec.notifiers[0]!.id;
  const api = CORE_VERSIONS[base.spec.core]!.api;
  // From v5.0 the callbacks take a struct mmu_notifier_range on the caller's stack: the harness
  // keeps one, with the mode in `blockable` (v5.0) or in the flags (v5.2 on), as the core's wrappers set it.
  const range = api === 'v5.0' || api === 'v5.2';
  const fields = api === 'v5.0' ? RANGE_V50 : RANGE_V52;
  const call =
    o.op === 'release'
      ? 'mn->ops->release(mn, mm);'
      : range
        ? o.op === 'invalidate_range_end'
          ? 'mn->ops->invalidate_range_end(mn, &range);'
          : 'ret = mn->ops->invalidate_range_start(mn, &range);'
        : o.op === 'invalidate_range_end'
          ? 'mn->ops->invalidate_range_end(mn, mm, start, end);'
          : api === 'v4.18'
            ? 'mn->ops->invalidate_range_start(mn, mm, start, end);'
            : 'ret = mn->ops->invalidate_range_start(mn, mm, start, end, blockable);';
  const init = range
    ? [c('range.mm = mm;'), c('range.start = start;'), c('range.end = end;'), c(api === 'v5.0' ? 'range.blockable = blockable & 1;' : 'range.flags = blockable;')]
    : [];
  const harness = fn({
    name: 'test_callback',
    file: 'test/model/harness.ts',
    version: 'test',
    source: 'test harness',
    params: ['mn', 'start', 'end', 'blockable'],
    ...(range ? { signature: 'int test_callback(struct mmu_notifier *mn, unsigned long start, unsigned long end, int blockable)', stack: { range: fields } } : {}),
    body: [c('int ret = 0;'), ...(range ? [c('struct mmu_notifier_range range;')] : []), ...init, c(call), c('test->ret = ret;'), c('return ret;')],
  });
  const program = new Program({
    ...base.spec,
    fns: [...base.spec.fns, harness],
    mem: { ...base.spec.mem, 'test.ret': null },
    // The test thread, and the scenario's kworkers (idle until the callback queues their work item).
    threads: [
      { name: 'test', task: 'task0', fn: 'test_callback', args: [nid, o.start, o.end, o.flags ?? (o.blockable === false ? 0 : 1)] },
      ...base.spec.threads.filter((t) => t.kworker !== undefined),
    ],
  });
  return { program, nid };
}

/** Run the callback to completion (or until it blocks), taking outcome 0 of every choice. */
export function runCallback(o: CallbackOptions): CallbackRun {
  const { program, nid } = callbackProgram(o);
  const ip = new Interpreter(program, { coalesce: false });
  let state = ip.initial();
  state = {
    ...state,
    mem: { ...state.mem, ...(o.mem ?? {}) },
    locks: { ...state.locks, ...(o.locks ?? {}) },
    pairs: [...state.pairs, ...(o.pairs ?? [])],
  };
  const trace: ExecutedInstr[] = [];
  const slept: string[] = [];
  for (let n = 0; n < 10_000; n++) {
    if (state.threads[0]!.frames.length === 0) {
      return { ret: state.mem['test.ret'] ?? 0, state, trace, slept, program, nid };
    }
    // Only the test thread runs: a work item the callback queues stays pending (its kworker started).
    const acts: KAction[] = [];
    ip.actions(state, acts);
    acts.splice(0, acts.length, ...acts.filter((a) => a.tid === 0));
    if (acts.length === 0) {
      const w = ip.waitOf(state, 0);
      return { ret: undefined, state, trace, slept, program, nid, blocked: w?.why ?? 'no enabled step' };
    }
    const cur = ip.current(state, 0)!;
    const found = ip.findPrim(cur.instr, (p) => p.sleeps !== false);
    if (found) {
      const { prim, call } = found;
      const sleeps = typeof prim.sleeps === 'function' ? prim.sleeps(call.args.map((a) => ip.evaluate(state, 0, a))) : true;
      if (sleeps) slept.push(cur.instr.src.text);
    }
    const r = ip.step(state, acts[0]!);
    trace.push(...r.executed);
    state = r.state;
  }
  throw new Error('callback did not finish in 10000 steps');
}

/** Run a notifier's ->release as `__mmu_notifier_release` calls it (exit_mmap), to completion or until it blocks. */
export function runRelease(o: Omit<CallbackOptions, 'op' | 'start' | 'end'>): CallbackRun {
  return runCallback({ ...o, op: 'release', start: 0, end: 0 });
}

/**
 * After `run`, let thread `tid` (a kworker: `run.program.spec.threads[tid]`) run with outcome 0 of
 * every choice until it goes idle, finishes, blocks or oopses; the state after, what it executed,
 * and why it stopped if it did not go idle.
 */
export function runThread(run: Pick<CallbackRun, 'program' | 'state'>, tid: number): { state: KState; trace: readonly ExecutedInstr[]; blocked?: string } {
  const ip = new Interpreter(run.program, { coalesce: false });
  let state = run.state;
  const trace: ExecutedInstr[] = [];
  for (let n = 0; n < 10_000; n++) {
    if (state.threads[tid]!.frames.length === 0) return { state, trace };
    const w = ip.waitOf(state, tid);
    if (w) return { state, trace, blocked: w.why };
    const r = ip.step(state, { tid, choice: 0 });
    trace.push(...r.executed);
    state = r.state;
  }
  throw new Error('thread did not stop in 10000 steps');
}

/** The thread index of the kworker bound to work item `work` in `program`. */
export function kworkerTid(program: Program, work: string): number {
  const tid = program.spec.threads.findIndex((t) => t.kworker === work);
  if (tid < 0) throw new Error(`no kworker for ${work}`);
  return tid;
}

/** A mutex held by a task that is not part of the test (tid 99). */
export const HELD_MUTEX: LockState = { kind: 'mutex', owner: 99 };
/** An rw_semaphore held for write by a task that is not part of the test. */
export const WRITE_HELD_RWSEM: LockState = { kind: 'rwsem', writer: 99, readers: [], waiters: [] };
/** An rw_semaphore held for read by another task, with a writer queued behind it. */
export const READ_HELD_WRITER_QUEUED: LockState = { kind: 'rwsem', writer: -1, readers: [98], waiters: [{ tid: 99, write: true }] };
