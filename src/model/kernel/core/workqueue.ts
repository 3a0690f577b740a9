/**
 * kernel/workqueue.c and include/linux/workqueue.h: work items that really run.
 *
 * A driver's work item (amdgpu's and radeon's destroy work that their ->release schedules, mlx5's
 * leaf-free work) runs on a **kworker thread of the scenario bound to that work item**. The scenario
 * builder adds one, idle, for every work item a driver variant declares (`VariantDef.works`) when a
 * thread of the scenario can reach a function that queues it (src/model/kernel/scenario.ts). The kworker
 * starts in `worker_thread()` when `schedule_work()` queues its work: it clears the work's PENDING
 * bit and calls the work function (`process_one_work()`), and goes round again while the work is
 * pending once more (queued while it ran), then goes idle (the thread has no frames: an idle kworker
 * is never part of a deadlock, and pairing's end-of-run checks treat it as finished).
 *
 * Sources: `worker_thread()` and `process_one_work()` of kernel/workqueue.c in the exact v4.19 tree
 * `0x88888888/linux-4.19-comments` @ 0c8fdfc73a8e (index id 5023904507); `schedule_work()` and
 * `INIT_WORK()` of include/linux/workqueue.h (`queue_work_on()`: `if
 * (!test_and_set_bit(WORK_STRUCT_PENDING_BIT, work_data_bits(work))) { __queue_work(...); ret = true; }`).
 *
 * Abstractions, each with its reason:
 * - **One kworker per work item.** Linux runs work items on a pool of kworkers, and a work item
 *   queued again while it runs goes to the kworker already running it (`find_worker_executing_work`),
 *   so one work item never runs twice at once; a kworker of its own per work item gives exactly
 *   that, and two different work items may run at the same time, as on two CPUs. The pool, its
 *   worklist, concurrency management, rescuers and the idle sleep are left out: `worker_thread()`
 *   keeps its do/while loop over `process_one_work()`; `keep_working(pool)` is true while the work is
 *   pending again.
 * - **`worker->current_func = work->func;`** is left out of `process_one_work()`: the model's kworker
 *   is bound to its work item, so `current_func` is its static configuration, and `INIT_WORK()`
 *   checks that the driver binds the same function.
 * - `WORK_STRUCT_PENDING_BIT` of `work->data` is the shared variable `<work>.pending`.
 * - Linux runs the work some time after it is queued; the kworker is a thread of its own, so any
 *   interleaving may happen meanwhile, as for every thread.
 */
import { c, doWhile_, fn, type FnDef } from '../../lang/ir.ts';
import { KernelOops, ref, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';

const FILE = 'kernel/workqueue.c';
const SRC =
  '0x88888888/linux-4.19-comments @ 0c8fdfc73a8e kernel/workqueue.c (index id 5023904507), exact v4.19, reduced to one work item (src/model/kernel/core/workqueue.ts)';

export const workerThread: FnDef = fn({
  name: 'worker_thread',
  file: FILE,
  version: 'v4.19',
  source: `${SRC}: set_pf_worker, the WORKER_DIE and manager paths, the linked-works path and the idle sleep left out`,
  signature: 'static int worker_thread(void *__worker)',
  params: ['__worker'],
  body: [
    c('struct worker *worker = __worker;'),
    c('struct worker_pool *pool = worker->pool;'),
    doWhile_([c('struct work_struct *work = list_first_entry(&pool->worklist, struct work_struct, entry);'), c('process_one_work(worker, work);')], 'keep_working(pool)'),
    c('return 0;'),
  ],
});

export const processOneWork: FnDef = fn({
  name: 'process_one_work',
  file: FILE,
  version: 'v4.19',
  source: `${SRC}: the busy hash, pwq accounting, lockdep maps and tracepoints left out; worker->current_func is the kworker's configuration`,
  signature: 'static void process_one_work(struct worker *worker, struct work_struct *work)',
  params: ['worker', 'work'],
  body: [c('struct worker_pool *pool = worker->pool;'), c('set_work_pool_and_clear_pending(work, pool->id);'), c('worker->current_func(work);'), c('cond_resched();')],
});

export const WORKQUEUE_FNS: readonly FnDef[] = [workerThread, processOneWork];

/** The work item a kworker's pool serves (`<work>.kworker.pool` -> `<work>`). */
function workOfPool(pool: string): string {
  const m = /^(.*)\.kworker\.pool$/.exec(pool);
  if (!m) throw new Error(`${pool} is not the pool of a kworker bound to a work item`);
  return m[1]!;
}

export const WORKQUEUE_PRIMITIVES: Record<string, Primitive> = {
  schedule_work: {
    shared: true,
    sleeps: false,
    wakes: true,
    access: () => [{ name: 'pending', mode: 'w' }],
    doc: 'schedule_work(work) (include/linux/workqueue.h: queue_work(system_wq, work)): if the work is not pending, sets its PENDING bit, queues it and returns true; the kworker bound to it (src/model/kernel/core/workqueue.ts) then runs it (it is woken if idle; a running one loops). Returns false if it was pending. Never sleeps. A work item the driver declares not modelled returns true and runs nothing; any other work item no kworker of the scenario runs is a model error.',
    run(ctx, [w]) {
      const work = ref(w, 'schedule_work');
      // A work item the driver documents as not modelled (VariantDef.works: notModelled).
      if (ctx.stat(`${work}.not_modelled`)) return 1;
      if (ctx.read(`${work}.pending`)) return 0;
      ctx.write(`${work}.pending`, 1);
      ctx.wakeKworker(work);
      return 1;
    },
  },
  INIT_WORK: {
    shared: true,
    sleeps: false,
    binds: [1],
    access: () => [{ name: 'pending', mode: 'r' }],
    doc: 'INIT_WORK(work, func) (include/linux/workqueue.h): initialises the work item to run func. The model binds a kworker to the work item and its function when the scenario is built; INIT_WORK checks the driver binds the same function. On a work item that is queued (pending) it re-initialises `work->data` and `work->entry` while the entry is on the pool\'s worklist: the worklist is corrupted (lib/debugobjects.c reports "ODEBUG: init active ... object type: work_struct" where enabled). The model cannot follow a corrupted worklist: it is a kernel bug (no-bug:oops) and the thread stops there.',
    run(ctx, [w, f]) {
      const work = ref(w, 'INIT_WORK');
      const bound = ctx.stat(`${work}.func`);
      if (bound !== f) throw new Error(`INIT_WORK(&${work}, ${String(f)}): the scenario bound ${work} to ${String(bound)}`);
      if (ctx.read(`${work}.pending`)) throw new KernelOops(`INIT_WORK() re-initialises ${work} while it is queued: the worklist is corrupted (ODEBUG: init active object type: work_struct)`);
      return 0;
    },
  },
  set_work_pool_and_clear_pending: {
    shared: true,
    sleeps: false,
    access: () => [
      { name: 'pending', mode: 'w' },
      { name: 'kfreed', mode: 'r' },
    ],
    doc: 'set_work_pool_and_clear_pending(work, pool_id) (kernel/workqueue.c): clears the work\'s PENDING bit as its kworker starts it; a schedule_work() from now on queues it again. A work item embedded in an object that kfree() freed (queued again, then freed by its own function: radeon_mn_destroy) is a use after free here, the first write to the freed work_struct (process_one_work also unlinks `work->entry` and reads `work->func`): a kernel oops.',
    run(ctx, [w]) {
      const work = ref(w, 'set_work_pool_and_clear_pending');
      const owner = work.replace(/\.[^.]+$/, '');
      if (owner !== work && ctx.stat(`${owner}.freeable`) && ctx.read(`${owner}.kfreed`)) {
        throw new KernelOops(`use after free: process_one_work() runs ${work}, embedded in ${owner}, which kfree() freed after queueing it again`);
      }
      ctx.write(`${work}.pending`, 0);
      return 0;
    },
  },
  keep_working: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'pending', mode: 'r' }],
    doc: 'keep_working(pool) (kernel/workqueue.c: `!list_empty(&pool->worklist) && ...`): the kworker\'s work item is pending again (it was queued while it ran).',
    run: (ctx, [pool]) => (ctx.read(`${workOfPool(ref(pool, 'keep_working'))}.pending`) ? 1 : 0),
  },
  list_first_entry: {
    shared: false,
    sleeps: false,
    members: [2],
    doc: 'list_first_entry(head, type, member): the first entry of the static list `head` (a kworker\'s worklist holds its one work item).',
    run(ctx, [h]) {
      const l = ctx.stat(ref(h, 'list_first_entry'));
      if (!Array.isArray(l) || l.length === 0) throw new Error(`list_first_entry(${String(h)}): not a non-empty static list`);
      return l[0] as Value;
    },
  },
};
