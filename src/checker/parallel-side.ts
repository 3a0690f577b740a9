/**
 * One side of a parallel search (parallel.ts): its own copy of the model, an {@link Explorer}
 * whose visited set is the shared table and whose liveness record is its own {@link GraphPart},
 * and the answer to each request of the search. A worker thread runs one (parallel-worker.ts);
 * the main thread runs one too, so that it explores from the start, while the workers load.
 */
import { Explorer } from './explorer.ts';
import { Level } from './level.ts';
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
  ex.listsActions = true;
  ex.enableCarry();
  let cur = new Level<unknown>(sleeps);
  let pos = 0;
  /** The children of this level's states, in the table by id; with sleep sets, each with its own (moved with it between sides). */
  let next = new Level<unknown>(sleeps);
  let sentFindings = 0;

  const levelReply = (depth: number): Reply => {
    Atomics.store(flags, 2 + w, ex.transitions);
    if (ex.halted) Atomics.store(flags, 1, 1);
    const findings = ex.findings.slice(sentFindings).map((f) => ({ ...f, status: ex.status[f.property]! }));
    sentFindings = ex.findings.length;
    return { t: 'level', depth, left: cur.length - pos, next: next.length, findings, halted: ex.halted, stopReason: ex.stopReason, cutoff: ex.cutoff };
  };

  // Counted over the whole search, not each level: a search of many short levels (its first ones)
  // checks its flags and gives its event loop turns as often as one of long levels. Until a worker
  // is ready, the main thread's side explores alone, and it sees the worker's message only in a turn.
  let tick = 0;
  let turn = performance.now();
  const level = async (depth: number, fresh: boolean): Promise<Reply> => {
    if (fresh) {
      // The level done becomes the next one, its arrays' room kept (Level.reset).
      const done = cur;
      cur = next;
      next = done;
      done.reset();
      ex.nextLevel();
      pos = 0;
    }
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
      const state = cur.take(pos);
      ex.expand(state, cur.slots[pos]!, depth, sleeps ? cur : null, cur);
      pos++;
      if (ex.stopped) break;
      next.addChildren(ex);
    }
    return levelReply(depth);
  };

  const answer = async (m: Request): Promise<Reply> => {
    switch (m.t) {
      case 'open':
        throw new Error('internal error: a side of the parallel search was given its data twice');
      case 'seed':
        if (!ex.checkSignal()) {
          ex.seed();
          next.addChildren(ex);
        }
        return levelReply(0);
      case 'level':
        return level(m.depth, m.fresh);
      case 'give': {
        const { states, slots, sleeps: sleepSets } = next.split(m.n);
        return { t: 'states', states, ids: slots, sleeps: sleepSets };
      }
      case 'take': {
        const shared = new Map<object, unknown>();
        next.append(
          m.states.map((s) => revive(s, shared)),
          m.ids,
          m.sleeps,
        );
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
