/**
 * Parallel breadth-first search of one model on several threads (issue 12, item 4).
 *
 * The search runs on `workers` sides (parallel-side.ts): the main thread's own and one per worker
 * thread beside it (parallel-worker.ts). Each side builds its own copy of the model from a
 * {@link WorkerModel} (a module, an export and a structured-cloneable argument; the model cannot be
 * sent) and explores with the ordinary {@link Explorer}: the same expansion, reductions, sleep sets,
 * property checks and liveness recording as one thread, except that the visited set is one table
 * in shared memory (shared-table.ts: a fingerprint is recorded once, by whichever side meets it
 * first, under one state number for all) and each side records its own part of the liveness graph
 * (and a side's sleep sets name a successor only once some side has reached it). The main
 * thread's side starts at once; a worker joins the search at the first level after it has loaded
 * (about half a second), so the search does not wait for them.
 *
 * The search goes level by level, as {@link BreadthFirst} does: every side expands the states of
 * depth d it holds, keeping the new states it discovered for depth d + 1, and the main thread
 * (its own side's share done) waits for all before the next level. So a state is recorded at its
 * breadth-first depth, and a counterexample is a shortest one, as with one thread; which of the
 * shortest paths is reported can differ from run to run (whichever side first met a state is its
 * parent). Between levels the main thread evens out the sides' next levels, moving states from the
 * fullest to the emptiest (structured clones of the states; `revive` turns a clone back into a
 * state; a state's sleep set goes with it), and replaces the shared table's index when it is
 * filling up (the sides pause between two expansions for that).
 *
 * The state space explored is the same as one thread's: the same states (each state's successors
 * do not depend on who expands it), the same transitions, and so the same verdicts. At the end the
 * main thread rebuilds an ordinary visited table (in state-number order, each parent before its
 * children) and joins the graph parts, then makes the result exactly as `check` does
 * (check.ts's {@link explorationResult}): counterexamples replayed on the real model and
 * confirmed, liveness analysed on the joined graph.
 *
 * Bounds: `maxStates` is exact (the shared table refuses every number past it, and each worker
 * stops at its first refusal); `timeMs` and the signal stop every worker at its next check (every
 * 32 expansions); a violation (without `findAll`) stops the others at their next check.
 */
import { Worker } from 'node:worker_threads';
import { explorationResult, validateOptions } from './check.ts';
import { DEFAULT_PARTS, Explorer, HOLDS, VIOLATED, type Finding } from './explorer.ts';
import { joinGraphParts, type GraphPartData } from './liveness.ts';
import type { Model } from './model.ts';
import { openSide, type Side } from './parallel-side.ts';
import type { CheckOptions, CheckResult, IncompleteReason } from './result.ts';
import { scavengeAlone } from './scavenger.ts';
import { newSharedTable, rebuildIndex, SharedStateTable, type SharedTableBuffers } from './shared-table.ts';
import type { Perm } from './symmetry.ts';
import { errorFromWorker, spawnModuleWorker, type WorkerErrorData } from './workers.ts';

/** How a worker builds the model: `(await import(module))[name](arg)`. */
export interface WorkerModel {
  readonly module: string;
  readonly name: string;
  /** Structured-cloneable. */
  readonly arg: unknown;
}

/** What a {@link WorkerModel}'s export returns. */
export interface ParallelModel<S, A> {
  readonly model: Model<S, A>;
  /**
   * A state from its structured clone (what the clone lost, e.g. frozenness, restored). The states
   * of one message are revived with one `shared` map, in which a reviver may keep what it rebuilt
   * by clone object: the clone keeps the sharing of the objects sent together.
   */
  revive(clone: unknown, shared: Map<object, unknown>): S;
}

export interface ParallelOptions extends CheckOptions {
  /** Threads that explore (at least 2): the main thread and `workers - 1` worker threads. */
  readonly workers: number;
  /**
   * How `spec`'s export revives a state for the `model` given to {@link checkParallel} (which must
   * then be the model `spec` builds: the same states, properties and reductions). With it, the main
   * thread's side explores on that model instead of building one of its own: one model in the
   * main thread's isolate, whose code V8 compiles once (a second instance of the kernel model has
   * closures of its own, and the hot call sites, seeing two, are compiled again).
   */
  readonly revive?: ParallelModel<unknown, unknown>['revive'];
  /**
   * Workers started ahead ({@link PreparedWorkers}), which have been loading `spec`'s module while
   * the caller did other work: the search takes its workers from them (and starts any more it
   * needs). The caller closes them once the search has ended (those it took are closed by it).
   */
  readonly prepared?: PreparedWorkers;
}

/** @internal A worker started ahead of its search: `workerData`, the modules to load. */
export interface PreloadData {
  readonly preload: readonly string[];
}

/** @internal Sent to each worker as `workerData`. */
export interface WorkerData {
  readonly worker: number;
  readonly model: WorkerModel;
  readonly table: SharedTableBuffers;
  /** [0]: abort (the signal), [1]: halt (a worker stopped on a violation), [2 + w]: worker w's transitions. */
  readonly flags: SharedArrayBuffer;
  readonly findAll: boolean;
  /** CheckOptions' (each side decides as one thread would whether sleep sets are on: Explorer.enableSleepSets). */
  readonly sleepSets?: boolean;
  readonly verifySleepSets?: boolean;
  readonly maxStates?: number;
  readonly maxDepth?: number;
  /** `Date.now()` at which the time budget ends. */
  readonly deadline?: number;
}

/** @internal */
export type Request =
  | { readonly t: 'open'; readonly data: WorkerData }
  | { readonly t: 'seed' }
  | { readonly t: 'level'; readonly depth: number; readonly fresh: boolean }
  | { readonly t: 'give'; readonly n: number }
  | { readonly t: 'take'; readonly states: readonly unknown[]; readonly ids: readonly number[]; readonly sleeps: readonly (Int32Array | null)[] | null }
  | { readonly t: 'index'; readonly index: SharedArrayBuffer }
  | { readonly t: 'finish' };

/** @internal */
export type Reply =
  | { readonly t: 'ready'; readonly properties: readonly string[] }
  | {
      readonly t: 'level';
      readonly depth: number;
      /** States of this level not expanded yet (a pause for the index, or a stop). */
      readonly left: number;
      /** States held for the next level. */
      readonly next: number;
      readonly findings: readonly (Finding & { readonly status: number })[];
      readonly halted: boolean;
      readonly stopReason: IncompleteReason | null;
      readonly cutoff: boolean;
    }
  | { readonly t: 'states'; readonly states: readonly unknown[]; readonly ids: readonly number[]; readonly sleeps: readonly (Int32Array | null)[] | null }
  | { readonly t: 'ok' }
  | {
      readonly t: 'finish';
      readonly transitions: number;
      /** Of them, those its sleep sets named (null: sleep sets were off on that side). */
      readonly named: number | null;
      readonly maxDepth: number;
      readonly part: GraphPartData | null;
      readonly perms: readonly Perm[];
    }
  | { readonly t: 'error'; readonly error: WorkerErrorData };

type LevelReply = Extract<Reply, { t: 'level' }>;

/** How the main thread talks to a side: one request at a time. */
interface Channel {
  /** Settled when the side has built its model (a worker's `ready`, checked by {@link checkParallel}). */
  readonly ready: Promise<Reply>;
  request<T extends Reply['t']>(m: Request, expect: T): Promise<Extract<Reply, { t: T }>>;
  close(): Promise<unknown>;
}

/** The main thread's own side: its answers come from a call, not a message. */
class LocalChannel implements Channel {
  readonly ready: Promise<Reply>;
  constructor(private readonly side: Side) {
    this.ready = Promise.resolve({ t: 'ready', properties: side.properties });
  }

  async request<T extends Reply['t']>(m: Request, expect: T): Promise<Extract<Reply, { t: T }>> {
    const r = await this.side.answer(m);
    if (r.t !== expect) throw new Error(`internal error: the main thread's side of the parallel search answered ${r.t} to ${m.t}`);
    return r as Extract<Reply, { t: T }>;
  }

  close(): Promise<unknown> {
    return Promise.resolve();
  }
}

/** A worker and its one outstanding request. */
class WorkerChannel implements Channel {
  private pending: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  readonly ready: Promise<Reply>;

  constructor(readonly worker: Worker) {
    this.ready = this.wait();
    worker.on('message', (r: Reply) => {
      const p = this.pending;
      this.pending = null;
      if (r.t === 'error') this.fail(errorFromWorker(r.error), p);
      else p?.resolve(r);
    });
    worker.on('error', (e) => this.fail(e, this.pending));
    worker.on('exit', (code) => this.fail(new Error(`internal error: a parallel-search worker exited (code ${code}) with a request outstanding`), this.pending));
  }

  private fail(e: Error, p: { reject: (e: Error) => void } | null): void {
    this.failure ??= e;
    this.pending = null;
    p?.reject(this.failure);
  }

  private wait(): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  /** Give a worker started ahead ({@link PreparedWorkers}) its data: it answers with {@link ready}. */
  open(data: WorkerData): void {
    if (this.failure === null) this.worker.postMessage({ t: 'open', data } satisfies Request);
  }

  request<T extends Reply['t']>(m: Request, expect: T): Promise<Extract<Reply, { t: T }>> {
    const p = this.wait();
    this.worker.postMessage(m);
    return p.then((r) => {
      if (r.t !== expect) throw new Error(`internal error: a parallel-search worker answered ${r.t} to ${m.t}`);
      return r as Extract<Reply, { t: T }>;
    });
  }

  close(): Promise<unknown> {
    return this.worker.terminate();
  }
}

/**
 * Worker threads of a parallel search started before it: each loads the modules given (the module
 * of the search's {@link WorkerModel}) while the main thread does other work, such as reading a
 * scenario and building its model (`mnc check --jobs N` starts them first thing), and is given its
 * part of the search when {@link checkParallel} begins. A worker that failed to load reports its
 * error then, as one started by the search would.
 */
export class PreparedWorkers {
  private readonly idle: WorkerChannel[];

  /** `count` workers loading `modules` (URLs, as `import()` takes them). */
  constructor(count: number, modules: readonly string[]) {
    this.idle = Array.from({ length: count }, () => {
      const c = new WorkerChannel(spawnModuleWorker(import.meta.url, 'parallel-worker', { preload: modules } satisfies PreloadData));
      // Awaited by the search; until then a failure is only recorded.
      c.ready.catch(() => undefined);
      return c;
    });
  }

  /** How many workers wait for a search (started, not taken, not closed). */
  get waiting(): number {
    return this.idle.length;
  }

  /** Up to `n` of the workers, each given `data(i)` (i from 0): a search's own from now on. */
  take(n: number, data: (i: number) => WorkerData): Channel[] {
    return this.idle.splice(0, n).map((c, i) => {
      c.open(data(i));
      return c;
    });
  }

  /** Stop the workers no search took. */
  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((c) => c.close()));
  }
}

/** How long the main thread's side explores before it gives its event loop a turn (progress, signals, the workers' messages). */
const LOCAL_TURN_MS = 50;

/** Move states between the next levels of the sides in `active` until none holds much more than another. */
async function balance(channels: readonly Channel[], sizes: number[], active: readonly number[]): Promise<void> {
  for (let round = 0; round < active.length; round++) {
    let hi = active[0]!;
    let lo = active[0]!;
    for (const i of active) {
      if (sizes[i]! > sizes[hi]!) hi = i;
      if (sizes[i]! < sizes[lo]!) lo = i;
    }
    const gap = sizes[hi]! - sizes[lo]!;
    if (gap < 64 || gap < sizes[hi]! / 8) return;
    const n = Math.floor(gap / 2);
    const got = await channels[hi]!.request({ t: 'give', n }, 'states');
    await channels[lo]!.request({ t: 'take', states: got.states, ids: got.ids, sleeps: got.sleeps }, 'ok');
    sizes[hi]! -= got.states.length;
    sizes[lo]! += got.states.length;
  }
}

/**
 * Explore `model` exhaustively, breadth-first, on `options.workers` threads that each build the
 * model from `spec` (which must give the same model: the same properties in the same order are
 * checked), and decide its properties as {@link check} does.
 */
export async function checkParallel<S, A>(model: Model<S, A>, spec: WorkerModel, options: ParallelOptions): Promise<CheckResult<S, A>> {
  const n = options.workers;
  if (!Number.isInteger(n) || n < 2) throw new Error(`checkParallel: workers must be an integer >= 2, got ${String(n)}`);
  if ((options.strategy ?? 'bfs') !== 'bfs') throw new Error('checkParallel: only the breadth-first strategy runs in parallel');
  validateOptions(options);
  const buffers = newSharedTable();
  const flags = new SharedArrayBuffer(4 * (2 + n));
  const flagWords = new Int32Array(flags);
  const shared = new SharedStateTable(buffers, options.maxStates);
  // The explorer the result is made from: filled with what the workers recorded at the end. Its
  // visited set is the shared table the sides filled (state numbers are its slots), read as it is.
  const ex = new Explorer<S, A, SharedStateTable>(model, options, true, { ...DEFAULT_PARTS, table: () => shared });
  const findAll = options.findAll ?? false;
  const base: Omit<WorkerData, 'worker'> = {
    model: spec,
    table: buffers,
    flags,
    findAll,
    ...(options.sleepSets === undefined ? {} : { sleepSets: options.sleepSets }),
    ...(options.verifySleepSets === undefined ? {} : { verifySleepSets: options.verifySleepSets }),
    ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }),
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
    ...(options.timeMs === undefined ? {} : { deadline: Date.now() + options.timeMs }),
  };
  const onAbort = (): void => {
    Atomics.store(flagWords, 0, 1);
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort);
  const channels: Channel[] = [];
  // n isolates explore at once: on as many cores or fewer, each scavenges on its own thread (scavenger.ts).
  const endScavenge = scavengeAlone(n);
  let depth = 0;
  let frontier = 0;
  const progress =
    options.onProgress === undefined
      ? undefined
      : setInterval(() => {
          const elapsedMs = performance.now() - ex.startMs;
          const states = shared.count;
          let transitions = 0;
          for (let w = 0; w < n; w++) transitions += Atomics.load(flagWords, 2 + w);
          options.onProgress!({ states, transitions, statesPerSecond: elapsedMs > 0 ? Math.round((states * 1000) / elapsedMs) : 0, depth, frontier, elapsedMs });
        }, options.progressIntervalMs ?? 250);
  try {
    // The workers load while the main thread builds its own side and starts the search: those
    // started ahead first (they have been loading already).
    if (options.prepared !== undefined) channels.push(...options.prepared.take(n - 1, (w) => ({ ...base, worker: w })));
    for (let w = channels.length; w < n - 1; w++) channels.push(new WorkerChannel(spawnModuleWorker(import.meta.url, 'parallel-worker', { ...base, worker: w } satisfies WorkerData)));
    const names = ex.props.map((p) => p.name).join('\n');
    // Which sides have built their model, and the first failure of a worker before it had.
    const isReady = new Array<boolean>(n).fill(false);
    let failure: { readonly e: unknown } | null = null;
    const booted = channels.map((c, w) =>
      c.ready.then(
        (r) => {
          if (r.t !== 'ready' || r.properties.join('\n') !== names) failure ??= { e: new Error('internal error: a parallel-search worker built a model with other properties') };
          else isReady[w] = true;
        },
        (e: unknown) => {
          failure ??= { e };
        },
      ),
    );
    const own = options.revive === undefined ? undefined : { model: model as Model<unknown, unknown>, revive: options.revive };
    const side = await openSide({ ...base, worker: n - 1 } satisfies WorkerData, LOCAL_TURN_MS, own);
    if (side.properties.join('\n') !== names) throw new Error("internal error: the main thread's side of the parallel search built a model with other properties");
    channels.push(new LocalChannel(side));
    isReady[n - 1] = true;
    // The sides exploring: the main thread's, and each worker from the first level after it is ready.
    const active: number[] = [n - 1];
    let index: SharedArrayBuffer | null = null;
    const join = async (): Promise<void> => {
      if (failure) throw failure.e;
      for (let w = 0; w < n - 1; w++) {
        if (!isReady[w] || active.includes(w)) continue;
        // It opened the table with the index it was spawned with.
        if (index !== null) await channels[w]!.request({ t: 'index', index }, 'ok');
        active.push(w);
      }
    };

    const sizes = new Array<number>(n).fill(0);
    let stopReason: IncompleteReason | null = null;
    let halted = false;
    let cutoff = false;
    const seen = new Set<number>();
    const take = (r: LevelReply, w: number): void => {
      sizes[w] = r.next;
      for (const f of r.findings) {
        // The first finding of each property is kept (another side may decide it too).
        if (seen.has(f.property)) continue;
        seen.add(f.property);
        ex.status[f.property] = f.status === HOLDS ? HOLDS : VIOLATED;
        ex.findings.push({ property: f.property, hi: f.hi, lo: f.lo });
      }
      if (r.halted) halted = true;
      if (r.cutoff) cutoff = true;
      stopReason ??= r.stopReason;
    };
    take(await channels[n - 1]!.request({ t: 'seed' }, 'level'), n - 1);
    const left = new Array<number>(n).fill(0);
    while (stopReason === null && !halted) {
      await join();
      await balance(channels, sizes, active);
      frontier = sizes.reduce((a, b) => a + b, 0);
      if (frontier === 0) break;
      // One level, in rounds: a round ends early when the index fills up; it is replaced between rounds.
      // The main thread's side is asked last: the workers' requests are on their way while it explores.
      let fresh = true;
      for (;;) {
        const round = await Promise.all(channels.map((c, w) => (active.includes(w) && (fresh || left[w]! > 0) ? c.request({ t: 'level', depth, fresh }, 'level') : null)));
        for (let w = 0; w < n; w++) {
          const r = round[w];
          if (r === undefined || r === null) continue;
          take(r, w);
          left[w] = r.left;
        }
        fresh = false;
        if (stopReason !== null || halted) break;
        if (shared.full) {
          const count = shared.count;
          index = rebuildIndex(shared, count, 2 * count);
          shared.setIndex(index);
          const now = index;
          await Promise.all(active.map((w) => channels[w]!.request({ t: 'index', index: now }, 'ok')));
        }
        if (left.every((k) => k === 0)) break;
      }
      depth++;
    }
    frontier = left.reduce((a, b) => a + b, 0) + sizes.reduce((a, b) => a + b, 0);

    // A worker that never joined (the search ended first) still answers, with nothing explored.
    await Promise.all(booted);
    if (failure) throw (failure as { readonly e: unknown }).e;
    const ends = await Promise.all(channels.map((c) => c.request({ t: 'finish' }, 'finish')));
    ex.transitions = ends.reduce((a, e) => a + e.transitions, 0);
    // Every side decides alike whether its sleep sets are on (the same model and options).
    if (ends.some((e) => e.named !== null)) ex.sleepsUsed(ends.reduce((a, e) => a + (e.named ?? 0), 0));
    ex.maxDepth = Math.max(...ends.map((e) => e.maxDepth));
    ex.cutoff = cutoff;
    ex.stopReason = stopReason;
    ex.halted = halted;
    const exhausted = stopReason === null && !halted && frontier === 0;
    const count = shared.count;
    if (ex.live !== null && exhausted) {
      const perms = ex.perms;
      const permIds = ends.map((e) => (perms === null ? null : Uint16Array.from(e.perms, (p) => perms.intern(p))));
      joinGraphParts(
        ex.live,
        count,
        ends.map((e) => e.part!),
        permIds,
      );
    }
    return explorationResult(model, ex, { exhausted, exhaustive: true, frontier });
  } finally {
    if (progress !== undefined) clearInterval(progress);
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all(channels.map((c) => c.close()));
    endScavenge();
  }
}
