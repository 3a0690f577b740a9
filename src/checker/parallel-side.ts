/**
 * One side of a parallel search (parallel.ts): its own copy of the model, an {@link Explorer}
 * whose visited set is the shared table and whose liveness record is its own {@link GraphPart},
 * and the answer to each request of the search. A worker thread runs one (parallel-worker.ts);
 * the main thread runs one too, so that it explores from the start, while the workers load.
 */
import { Explorer, type SleepSet } from './explorer.ts';
import { GraphPart } from './liveness.ts';
import { SharedStateTable } from './shared-table.ts';
import type { ParallelModel, Reply, Request, WorkerData } from './parallel.ts';

/** The side's model, from the module its WorkerData names. */
async function build(data: WorkerData): Promise<ParallelModel<unknown, unknown>> {
  const mod = (await import(data.model.module)) as Record<string, (arg: unknown) => ParallelModel<unknown, unknown>>;
  const make = mod[data.model.name];
  if (typeof make !== 'function') throw new Error(`internal error: ${data.model.module} has no export ${data.model.name}`);
  return make(data.model.arg);
}

/** A side: its properties' names (the main thread checks every side built the same model), and its answers. */
export interface Side {
  readonly properties: readonly string[];
  answer(m: Request): Promise<Reply>;
}

/**
 * A side on the model `(await import(module))[name](arg)`, or on `own` (the main thread's side, on
 * the model the search was given: ParallelOptions.revive). With `yieldMs`, a level gives the event
 * loop a turn whenever that long has passed (the main thread's side: its timers and signal handlers
 * run while it explores).
 */
export async function openSide(data: WorkerData, yieldMs?: number, own?: ParallelModel<unknown, unknown>): Promise<Side> {
  const { model, revive } = own ?? (await build(data));
  const flags = new Int32Array(data.flags);
  const signal = {
    get aborted(): boolean {
      return Atomics.load(flags, 0) === 1;
    },
  } as AbortSignal;
  let table!: SharedStateTable;
  let part: GraphPart | null = null;
  const ex = new Explorer<unknown, unknown, SharedStateTable, GraphPart>(
    model,
    {
      findAll: data.findAll,
      signal,
      sleepSets: data.sleepSets,
      verifySleepSets: data.verifySleepSets,
      ...(data.maxStates === undefined ? {} : { maxStates: data.maxStates }),
      ...(data.maxDepth === undefined ? {} : { maxDepth: data.maxDepth }),
      ...(data.deadline === undefined ? {} : { timeMs: Math.max(0, data.deadline - Date.now()) }),
    },
    true,
    {
      table: (o) => (table = new SharedStateTable(data.table, o.limit)),
      live: (weak, withPerms) => (part = new GraphPart(weak, withPerms)),
    },
  );
  const w = data.worker;
  // Sleep sets (Explorer.enableSleepSets): on where they are on in one thread (not under symmetry).
  const sleeps = ex.enableSleepSets();
  let cur: (unknown | undefined)[] = [];
  let curIds: number[] = [];
  /** With sleep sets: each state's, beside the states (null: empty); moved with them between sides. */
  let curSleeps: (SleepSet | null)[] = [];
  let pos = 0;
  let next: unknown[] = [];
  let nextIds: number[] = [];
  let nextSleeps: (SleepSet | null)[] = [];
  /** The children the last expansion or seed left in the explorer, to the next level. */
  const keepChildren = (): void => {
    for (let j = 0; j < ex.childCount; j++) {
      next.push(ex.childStates[j]);
      nextIds.push(ex.childSlots[j]!);
    }
    if (sleeps) for (let j = 0; j < ex.childCount; j++) nextSleeps.push(ex.childSleeps[j] ?? null);
  };
  let sentFindings = 0;

  const levelReply = (depth: number): Reply => {
    Atomics.store(flags, 2 + w, ex.transitions);
    if (ex.halted) Atomics.store(flags, 1, 1);
    const findings = ex.findings.slice(sentFindings).map((f) => ({ ...f, status: ex.status[f.property]! }));
    sentFindings = ex.findings.length;
    return { t: 'level', depth, left: cur.length - pos, next: next.length, findings, halted: ex.halted, stopReason: ex.stopReason, cutoff: ex.cutoff };
  };

  const level = async (depth: number, fresh: boolean): Promise<Reply> => {
    if (fresh) {
      cur = next;
      curIds = nextIds;
      curSleeps = nextSleeps;
      next = [];
      nextIds = [];
      nextSleeps = [];
      pos = 0;
    }
    let tick = 0;
    let turn = yieldMs === undefined ? 0 : performance.now();
    while (pos < cur.length) {
      if (table.full) break;
      if ((++tick & 31) === 0) {
        if (yieldMs !== undefined && performance.now() - turn >= yieldMs) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          turn = performance.now();
        }
        Atomics.store(flags, 2 + w, ex.transitions);
        if (Atomics.load(flags, 1) !== 0) break;
        if (ex.poll(cur.length - pos + next.length, depth)) break;
      }
      const state = cur[pos];
      cur[pos] = undefined;
      let sleeping: SleepSet | null = null;
      if (sleeps) {
        sleeping = curSleeps[pos] ?? null;
        curSleeps[pos] = null;
      }
      ex.expand(state, curIds[pos]!, depth, sleeping);
      pos++;
      if (ex.stopped) break;
      keepChildren();
    }
    return levelReply(depth);
  };

  const answer = async (m: Request): Promise<Reply> => {
    switch (m.t) {
      case 'seed':
        if (!ex.checkSignal()) {
          ex.seed();
          keepChildren();
        }
        return levelReply(0);
      case 'level':
        return level(m.depth, m.fresh);
      case 'give': {
        const n = Math.min(m.n, next.length);
        const states = next.splice(next.length - n, n);
        const ids = nextIds.splice(nextIds.length - n, n);
        const sleepSets = sleeps ? nextSleeps.splice(nextSleeps.length - n, n) : null;
        return { t: 'states', states, ids, sleeps: sleepSets };
      }
      case 'take': {
        const shared = new Map<object, unknown>();
        for (let j = 0; j < m.states.length; j++) {
          next.push(revive(m.states[j], shared));
          nextIds.push(m.ids[j]!);
        }
        if (sleeps) {
          if (m.sleeps === null || m.sleeps.length !== m.states.length) throw new Error('internal error: states moved between the sides of a parallel search without their sleep sets');
          for (const z of m.sleeps) nextSleeps.push(z);
        }
        return { t: 'ok' };
      }
      case 'index':
        table.setIndex(m.index);
        return { t: 'ok' };
      case 'finish': {
        const p = part as GraphPart | null;
        return {
          t: 'finish',
          transitions: ex.transitions,
          named: sleeps ? ex.named : null,
          maxDepth: ex.maxDepth,
          part: p,
          perms: ex.perms === null ? [] : ex.perms.perms,
        };
      }
    }
  };

  return { properties: ex.props.map((p) => p.name), answer };
}
