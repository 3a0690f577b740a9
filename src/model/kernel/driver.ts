/**
 * What a modelled mmu-notifier user (a "driver") provides, per variant.
 *
 * A variant is one version of the driver's callbacks: before 93065ac753e4 (`v4.18`), as the patch
 * made them (`93065ac753e4`), or a follow-up from the review thread. A scenario names notifiers as
 * `driver@variant`.
 */
import type { FnDef } from '../lang/ir.ts';
import type { OpName } from '../lang/program.ts';
import type { Primitive } from '../lang/primitives.ts';
import type { LockState, Value } from '../lang/state.ts';

/** The address range one of a driver's objects covers: pages [start, end). */
export interface ObjectRange {
  readonly start: number;
  readonly end: number;
}

/** Which callback signatures a variant implements. */
export type NotifierApi =
  /** v4.18: `void invalidate_range_start(mn, mm, start, end)`. */
  | 'v4.18'
  /** 93065ac753e4 / v4.19: `int invalidate_range_start(mn, mm, start, end, bool blockable)`. */
  | 'v4.19'
  /** v5.0 (5d6527a784f7): `int invalidate_range_start(mn, const struct mmu_notifier_range *range)`, `range->blockable`. */
  | 'v5.0'
  /** v5.2 to v5.4: the same signature; `mmu_notifier_range_blockable(range)` reads `range->flags`. */
  | 'v5.2';

/** The shared state, locks and static configuration of one notifier instance. */
export interface InstanceState {
  readonly mem: Readonly<Record<string, Value>>;
  readonly locks: Readonly<Record<string, LockState['kind']>>;
  readonly statics: Readonly<Record<string, Value | readonly Value[]>>;
  /** Shared variables that must return to their initial value once every thread has finished. */
  readonly balanced: readonly string[];
  /**
   * For some balanced variables, a ghost variable whose value is added to the initial value the
   * balance check expects: what a ->release raises for good (umem_odp counts its notifiers up "to
   * prevent any further fault handling on this MR" and never down).
   */
  readonly balancedOffsets?: Readonly<Record<string, string>>;
}

/** What a driver thread's `args` may use while the scenario is built. */
export interface ThreadBuildContext {
  readonly statics: Record<string, Value | readonly Value[]>;
  /**
   * The scenario's shared memory, locks and balanced variables so far: a thread that brings an
   * object of its own (umem_odp:register's umem, pre-allocated as munmap's VMAs are) adds its state
   * here.
   */
  readonly mem: Record<string, Value>;
  readonly locks: Record<string, LockState['kind']>;
  readonly balanced: string[];
  readonly balancedOffsets: Record<string, string>;
  /** The thread's task object id (the value of `current`). */
  readonly task: string;
  /** An error naming the parameter's path in the scenario file. */
  error(param: string, message: string): Error;
}

/**
 * What a notifier use of a scenario says beyond its objects: its `params` (`notifiers[i].params`,
 * the names a variant's `params` accepts), and an error naming a parameter's path in the file.
 */
export interface InstanceOptions {
  readonly params: Readonly<Record<string, unknown>>;
  error(param: string, message: string): Error;
}

/** A thread a driver contributes (an ioctl, a fault handler, a worker). */
export interface DriverThreadDef {
  readonly description: string;
  /** Modelled functions the thread runs (beyond the variant's). */
  readonly fns: readonly FnDef[];
  /** The function the thread starts in. */
  readonly entry: string;
  /**
   * The entry function's arguments, given the notifier instance id and the thread's parameters.
   * `ctx.statics` is the scenario's static configuration (read it to check a parameter, add
   * per-thread objects to it); throw `ctx.error(param, message)` for a bad parameter.
   */
  args(nid: string, params: Readonly<Record<string, unknown>>, ctx: ThreadBuildContext): Value[];
  /** Names of the parameters it accepts, with a one-line description each (for validation and `mnc list`). */
  readonly params?: Readonly<Record<string, string>>;
  /**
   * Set when the kernel runs at most one such thread per notifier instance: why. A scenario with a
   * second is refused with it (the model would otherwise report what the kernel cannot do).
   */
  readonly once?: string;
}

/**
 * A work item of a notifier instance (`INIT_WORK(&amn->work, amdgpu_mn_destroy)`): the scenario gets a
 * kworker thread that runs `func` when the work is queued (src/model/kernel/core/workqueue.ts), added when a
 * thread of the scenario can reach one of the functions that queue it.
 */
export interface WorkDef {
  /** The work item as the code computes its address (`&amn->work` of instance `amdgpu0`: `amdgpu0.work`). */
  readonly work: string;
  /** The work function INIT_WORK binds to it (one of the variant's `fns`). */
  readonly func: string;
  /** The modelled functions that queue it (call `schedule_work()` on it). */
  readonly queuedBy: readonly string[];
  /**
   * Why the work item is not run: `schedule_work()` on it returns true and nothing runs (its effect
   * is the driver's documented abstraction). No kworker is added.
   */
  readonly notModelled?: string;
}

export interface VariantDef {
  /** One line: what this variant is and where it comes from (seed, commit, thread message). */
  readonly description: string;
  /** The kernel version or commit the callbacks mirror. */
  readonly version: string;
  readonly api: NotifierApi;
  /** The modelled functions of this variant (callbacks and their helpers). */
  readonly fns: readonly FnDef[];
  /** The `mmu_notifier_ops` callbacks, by modelled function name. */
  readonly ops: Partial<Record<OpName, string>>;
  /** `mmu_notifier_ops.flags`: MMU_INVALIDATE_DOES_NOT_BLOCK (1) or 0. */
  readonly flags: number;
  /** Leaf primitives this driver's code calls (driver-specific kernel API whose body is not modelled). */
  readonly primitives?: Readonly<Record<string, Primitive>>;
  /**
   * Build the state of instance `id` whose objects cover `objects`; `opts` carries the notifier
   * use's `params` (only names listed in {@link VariantDef.params} reach it).
   */
  instance(id: string, objects: readonly ObjectRange[], opts?: InstanceOptions): InstanceState;
  /**
   * Parameters a scenario may give a notifier of this variant (`notifiers[i].params`), with a
   * one-line description each (for validation and `mnc list`).
   */
  readonly params?: Readonly<Record<string, string>>;
  /**
   * Set for an `mmu_interval_notifier` user (v5.5 on, 99cb252f5e68): the notifier is in the core's
   * interval tree, not on its hlist, and `ops` names its `invalidate`. Gives the interval it was
   * inserted for (`mmu_interval_notifier_insert(mni, mm, start, length, ops)`: [start, start +
   * length - 1]), given the instance's objects. Only a core with `itree` can run it.
   */
  readonly interval?: (objects: readonly ObjectRange[]) => { readonly start: number; readonly last: number };
  /**
   * Set for a driver that has, beside its hlist notifier (the instance itself), an
   * `mmu_interval_notifier` that one of its threads inserts with `mmu_interval_notifier_insert()` and
   * removes with `mmu_interval_notifier_remove()` while the scenario runs (nouveau: the fault path's
   * `struct svm_notifier`). Only a core with `dynamicItree` can run it. The notifier is in no tree when
   * the scenario starts; its interval is the range of the thread that inserts it (that thread's `args`
   * set `<id>.interval_tree.start`/`.last`; until then the instance's first object). Its objects are the
   * instance's (`<id>.objects_of`): the device mapping both notifiers guard.
   */
  readonly dynamicInterval?: {
    /** The notifier's id, given the instance id (`nouveau0` -> `nouveau0.sn.notifier`). */
    readonly id: (nid: string) => string;
    /** Its `mmu_interval_notifier_ops.invalidate`, by modelled function name. */
    readonly invalidate: string;
  };
  /**
   * Set when one notifier of this variant stands for exactly one object (amdgpu@v6.6: one
   * `mmu_interval_notifier` per userptr BO): why. A scenario's notifier with another number of
   * objects is refused with it (`notifiers[i].objects`).
   */
  readonly oneObject?: string;
  /** Named constants its code uses (PFERR_WRITE_MASK, ...). */
  readonly constants?: Readonly<Record<string, Value>>;
  /** Global objects its code names that hold no modelled state (slab caches, wait queues). */
  readonly globals?: readonly string[];
  /** Threads this variant can contribute, by kind. */
  readonly threads?: Readonly<Record<string, DriverThreadDef>>;
  /** The work items of instance `id` whose objects cover `objects` (see {@link WorkDef}). */
  works?(id: string, objects: readonly ObjectRange[]): readonly WorkDef[];
}

export interface DriverDef {
  readonly name: string;
  /** One line: which kernel files, which notifier. */
  readonly description: string;
  readonly variants: Readonly<Record<string, VariantDef>>;
  /** The variant a scenario gets when it names the driver without one, per core version API. */
  readonly defaultVariant: Readonly<Record<NotifierApi, string>>;
}

/**
 * The conventional static layout of a driver's objects: ids `${id}.obj${i}`, each with
 * `start`/`last` (inclusive, as interval trees keep them) and `tree` (the list they belong to),
 * and the list itself under `${id}.${listField}` in address order.
 */
export function objectStatics(id: string, objects: readonly ObjectRange[], listField: string): Record<string, Value | readonly Value[]> {
  const sorted = objects.map((o, i) => ({ ...o, id: `${id}.obj${i}` })).sort((a, b) => a.start - b.start || a.end - b.end);
  const st: Record<string, Value | readonly Value[]> = { [`${id}.${listField}`]: sorted.map((o) => o.id) };
  for (const o of sorted) {
    st[`${o.id}.start`] = o.start;
    st[`${o.id}.last`] = o.end - 1;
    st[`${o.id}.tree`] = `${id}.${listField}`;
  }
  return st;
}

/** Every object starts with a secondary mapping (`obj.mapped = 1`), the state coherency watches. */
export function mappedMem(id: string, objects: readonly ObjectRange[]): Record<string, Value> {
  const m: Record<string, Value> = {};
  objects.forEach((_, i) => (m[`${id}.obj${i}.mapped`] = 1));
  return m;
}
