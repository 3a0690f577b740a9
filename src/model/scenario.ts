/**
 * Scenarios: the kernel configuration to explore, as data, and how it becomes a linked program.
 *
 * A scenario names the core version, the VMAs of the one mm, the notifiers in registration order
 * (`driver@variant` with the ranges their objects cover), and the threads with their parameters.
 */
import type { FnDef } from './ir.ts';
import { CORE_VERSIONS, type CoreVersion } from './core/versions.ts';
import { KERNEL_CONSTANTS, MM_PRIMITIVES } from './core/mm-primitives.ts';
import { DRIVERS } from './drivers/index.ts';
import type { DriverThreadDef, ObjectRange, VariantDef, WorkDef } from './driver.ts';
import { Program, type NotifierSpec, type ProgramSpec, type ThreadSpec } from './program.ts';
import { reach } from './reduction.ts';
import type { Primitive } from './primitives.ts';
import { MAX_PAGE, type LockState, type Value } from './state.ts';

export interface VmaSpec {
  /** First page. */
  readonly start: number;
  /** One past the last page. */
  readonly end: number;
  /** A file mapping (not anonymous). Default false. */
  readonly file?: boolean;
  /** VM_SHARED. Default false. */
  readonly shared?: boolean;
  /** VM_LOCKED (mlock): the reaper skips it. Default false. */
  readonly locked?: boolean;
  /** Page at which a transparent huge page (HPAGE_PMD_SIZE = 2 pages) is mapped, if any. */
  readonly thp?: number;
}

export interface NotifierUse {
  /** `driver` or `driver@variant`. */
  readonly use: string;
  /** The ranges the driver's objects cover (BOs, umems, grant maps, memslots, ...). */
  readonly objects?: readonly ObjectRange[];
}

export interface ThreadUse {
  /**
   * A core thread (`oom_reaper`, `exit_mmap`, `munmap`, `madvise`, `fault`, `reclaim`) or a driver
   * thread `driver:kind` (e.g. `amdgpu_cs:submit`) acting on the first notifier of that driver, or
   * `driver#N:kind` for the N-th one.
   */
  readonly kind: string;
  /** Name in reports; default derived from the kind. */
  readonly name?: string;
  /**
   * Whether the thread belongs to the OOM-killed process (`tsk_is_oom_victim(current)`, SIGKILL
   * pending). Default, with "oom": every thread but the oom_reaper (a kthread) and reclaim (direct
   * reclaim by another task); without "oom": none.
   */
  readonly victim?: boolean;
  readonly params?: Readonly<Record<string, unknown>>;
}

export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly core: string;
  readonly vmas: readonly VmaSpec[];
  /** In registration order (mmu_notifier_register); the core's list walk visits them in reverse. */
  readonly notifiers: readonly NotifierUse[];
  readonly threads: readonly ThreadUse[];
  /** The mm is an OOM victim and the system is out of memory until its memory is freed. */
  readonly oom?: boolean;
  /** Allocations may fail (return NULL) while memory is short, exercising error paths. */
  readonly allocCanFail?: boolean;
  /** Property names to check; all by default. */
  readonly properties?: readonly string[];
}

export { MAX_PAGE };

/** A problem with a scenario, worded for the user: which field, what is allowed. */
export class ScenarioError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** A core thread kind: which function, what arguments. */
interface CoreThread {
  readonly description: string;
  readonly fn: string;
  readonly params: Readonly<Record<string, string>>;
  args(p: Readonly<Record<string, unknown>>, ctx: BuildCtx): Value[];
}

interface BuildCtx {
  readonly statics: Record<string, Value | readonly Value[]>;
  readonly mem: Record<string, Value>;
  readonly task: string;
  readonly path: string;
}

function numParam(p: Readonly<Record<string, unknown>>, name: string, path: string): number {
  const v = p[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= MAX_PAGE) throw new ScenarioError(`${path}.params.${name}`, `expected a page number, an integer from 0 to ${MAX_PAGE - 1}`);
  return v;
}

export const CORE_THREADS: Readonly<Record<string, CoreThread>> = {
  oom_reaper: {
    description: 'The oom_reaper kthread reaping the victim (mm/oom_kill.c oom_reaper -> oom_reap_task).',
    fn: 'oom_reaper',
    params: {},
    args: () => [],
  },
  exit_mmap: {
    description: 'The victim exiting: mmput -> exit_mmap (mmu_notifier_release, its own __oom_reap_task_mm, unmap_vmas).',
    fn: 'exit_mmap',
    params: {},
    args: () => ['mm'],
  },
  munmap: {
    description: 'munmap(2) of [start, start+len): mmap_sem for write, unmap_region -> unmap_vmas, a blockable start/end pair.',
    fn: 'vm_munmap',
    params: { start: 'first page', len: 'number of pages' },
    args: (p, ctx) => [numParam(p, 'start', ctx.path), numParam(p, 'len', ctx.path)],
  },
  madvise: {
    description: 'madvise(MADV_DONTNEED) of [start, start+len): mmap_sem for read, zap_page_range, a blockable start/end pair (nested with a huge-pmd split when the range cuts a THP).',
    fn: 'madvise_dontneed',
    params: { start: 'first page', len: 'number of pages' },
    args: (p, ctx) => [numParam(p, 'start', ctx.path), numParam(p, 'len', ctx.path)],
  },
  fault: {
    description: 'A copy-on-write write fault at `address`: mmap_sem for read, a page allocation, a blockable start/end pair on the page.',
    fn: '__do_page_fault',
    params: { address: 'page' },
    args: (p, ctx) => {
      const vmf = `${ctx.task}.vmf`;
      const addr = numParam(p, 'address', ctx.path);
      const vma = findVma(ctx.statics, addr);
      if (!vma) throw new ScenarioError(`${ctx.path}.params.address`, `no VMA contains page ${addr}`);
      ctx.statics[`${vmf}.address`] = addr;
      ctx.statics[`${vmf}.vma`] = vma;
      return [vmf];
    },
  },
  reclaim: {
    description: 'Direct reclaim unmapping one page at `address` (mm/rmap.c try_to_unmap_one): a blockable start/end pair without mmap_sem (MAYFAIL in the mayfail core).',
    fn: 'try_to_unmap_one',
    params: { address: 'page' },
    args: (p, ctx) => {
      const addr = numParam(p, 'address', ctx.path);
      const vma = findVma(ctx.statics, addr);
      if (!vma) throw new ScenarioError(`${ctx.path}.params.address`, `no VMA contains page ${addr}`);
      return ['page', vma, addr];
    },
  },
};

function findVma(statics: Record<string, Value | readonly Value[]>, addr: number): string | undefined {
  const vmas = (statics['mm.vmas'] ?? []) as readonly Value[];
  return vmas.find((v) => (statics[`${String(v)}.vm_start`] as number) <= addr && addr < (statics[`${String(v)}.vm_end`] as number)) as
    | string
    | undefined;
}

/** Parse `driver@variant` against the registry; the default variant follows the core's API. */
export function resolveNotifier(use: string, core: CoreVersion, path: string): { driver: string; variant: string; def: VariantDef } {
  const [name, variantName, extra] = use.split('@');
  if (extra !== undefined || !name) throw new ScenarioError(path, `expected "driver" or "driver@variant", got "${use}"`);
  const driver = DRIVERS[name];
  if (!driver) throw new ScenarioError(path, `unknown driver "${name}"; known drivers: ${Object.keys(DRIVERS).sort().join(', ')}`);
  const variant = variantName ?? driver.defaultVariant[core.api];
  const def = driver.variants[variant];
  if (!def) throw new ScenarioError(path, `unknown variant "${variant}" of ${name}; its variants: ${Object.keys(driver.variants).join(', ')}`);
  if (def.api !== core.api) {
    throw new ScenarioError(
      path,
      `${name}@${variant} implements the ${def.api} callbacks but core ${core.name} calls the ${core.api} ones; pick a ${core.api} variant (${Object.entries(driver.variants)
        .filter(([, d]) => d.api === core.api)
        .map(([k]) => k)
        .join(', ')})`,
    );
  }
  return { driver: name, variant, def };
}

/** Build the linked program of a scenario. Throws ScenarioError for a bad scenario. */
export function buildProgram(sc: Scenario): Program {
  const core = CORE_VERSIONS[sc.core];
  if (!core) throw new ScenarioError('core', `unknown core version "${sc.core}"; known: ${Object.keys(CORE_VERSIONS).join(', ')}`);

  const statics: Record<string, Value | readonly Value[]> = {};
  const mem: Record<string, Value> = {};
  const locks: Record<string, LockState['kind']> = {};
  const balanced: string[] = [];
  const balancedOffsets: Record<string, string> = {};
  const fns = new Map<string, FnDef>();
  const primitives: Record<string, Primitive> = { ...MM_PRIMITIVES };
  const globals = new Set<string>(['srcu', 'oom_reaper_wait']);
  const constants: Record<string, Value> = { ...KERNEL_CONSTANTS };
  const addFns = (list: readonly FnDef[], path: string): void => {
    for (const f of list) {
      const have = fns.get(f.name);
      if (have && have !== f) {
        if (have.file === f.file && have.version === f.version) continue;
        throw new ScenarioError(path, `function ${f.name} is defined both by ${have.file} (${have.version}) and ${f.file} (${f.version}); two variants of one driver cannot share a scenario`);
      }
      fns.set(f.name, f);
    }
  };
  addFns(core.fns, 'core');

  // The mm and its VMAs.
  if (sc.vmas.length === 0) throw new ScenarioError('vmas', 'a scenario needs at least one VMA');
  const vmaIds = sc.vmas.map((_, i) => `vma${i}`);
  statics['mm.vmas'] = vmaIds;
  statics['mm.mmap'] = vmaIds[0]!;
  sc.vmas.forEach((v, i) => {
    const id = vmaIds[i]!;
    const path = `vmas[${i}]`;
    if (!(Number.isInteger(v.start) && Number.isInteger(v.end) && v.start >= 0 && v.end > v.start && v.end <= MAX_PAGE)) {
      throw new ScenarioError(path, `expected integer pages with 0 <= start < end <= ${MAX_PAGE}`);
    }
    if (v.end - v.start > 24) throw new ScenarioError(path, 'a VMA of the model has at most 24 pages');
    if (i > 0 && v.start < sc.vmas[i - 1]!.end) throw new ScenarioError(path, 'VMAs must be in address order and must not overlap');
    statics[`${id}.vm_start`] = v.start;
    statics[`${id}.vm_end`] = v.end;
    statics[`${id}.vm_next`] = vmaIds[i + 1] ?? null;
    statics[`${id}.vm_mm`] = 'mm';
    const flags = (v.shared ? 0x8 : 0) | (v.locked ? 0x2000 : 0);
    statics[`${id}.vm_flags`] = flags;
    statics[`${id}.anon`] = v.file ? 0 : 1;
    statics[`${id}.reapable`] = !v.locked && (!v.file || !v.shared) ? 1 : 0;
    if (v.thp !== undefined) {
      if (!(v.thp >= v.start && v.thp + 2 <= v.end) || v.thp % 2 !== 0) {
        throw new ScenarioError(`${path}.thp`, 'the huge page (2 pages, HPAGE_PMD_SIZE) must lie inside the VMA at an even page');
      }
      statics[`${id}.thp`] = `${id}.pmd`;
      statics[`${id}.pmd.start`] = v.thp;
    } else statics[`${id}.thp`] = null;
    mem[`${id}.unmapped`] = 0;
    mem[`${id}.freed`] = 0;
    if (v.thp !== undefined) mem[`${id}.pmd.split`] = 0;
  });
  mem['mm.flags.MMF_OOM_SKIP'] = 0;
  mem['mm.flags.MMF_UNSTABLE'] = 0;
  mem['mm.flags.MMF_OOM_VICTIM'] = sc.oom ? 1 : 0;
  mem['mm.tlb_flush_pending'] = 0;
  balanced.push('mm.tlb_flush_pending');
  locks['mm.mmap_sem'] = 'rwsem';
  locks['mm.page_table_lock'] = 'spin';
  locks['oom_lock'] = 'mutex';
  locks['oom_reaper_lock'] = 'spin';
  statics['oom.victim_mm'] = 'mm';
  mem['oom.pending'] = sc.oom ? 1 : 0;
  mem['oom.alloc_can_fail'] = sc.allocCanFail ? 1 : 0;
  // The victim task, queued for the reaper by wake_oom_reaper() before the scenario starts.
  statics['victim.signal.oom_mm'] = 'mm';
  mem['oom_reaper_list'] = sc.oom ? 'victim' : null;
  mem['victim.oom_reaper_list'] = null;
  for (const g of ['oom_obstructed', 'oom_obstructed_attempts', 'oom_skip_by_reaper', 'oom_skip_by_exit', 'calls_oom_reap_task_mm']) mem[`ghost.${g}`] = 0;

  // Notifiers, in registration order; the list walk visits the last registered first.
  const notifiers: NotifierSpec[] = [];
  const works: WorkDef[] = [];
  const variantOf = new Map<string, { driver: string; variant: string; def: VariantDef; nid: string }[]>();
  sc.notifiers.forEach((n, i) => {
    const path = `notifiers[${i}]`;
    const r = resolveNotifier(n.use, core, `${path}.use`);
    const nid = `${r.driver}${(variantOf.get(r.driver) ?? []).length}`;
    const objects = n.objects ?? [];
    objects.forEach((o, j) => {
      if (!(Number.isInteger(o.start) && Number.isInteger(o.end) && o.start >= 0 && o.end > o.start && o.end <= MAX_PAGE)) {
        throw new ScenarioError(`${path}.objects[${j}]`, `expected integer pages with 0 <= start < end <= ${MAX_PAGE}`);
      }
    });
    const inst = r.def.instance(nid, objects);
    Object.assign(mem, inst.mem);
    Object.assign(locks, inst.locks);
    Object.assign(statics, inst.statics);
    balanced.push(...inst.balanced);
    Object.assign(balancedOffsets, inst.balancedOffsets ?? {});
    for (const [name, prim] of Object.entries(r.def.primitives ?? {})) {
      const have = primitives[name];
      if (have && have !== prim) {
        throw new ScenarioError(`${path}.use`, `${r.driver}@${r.variant} defines a primitive ${name} that another notifier of the scenario defines differently`);
      }
      primitives[name] = prim;
    }
    for (const g of r.def.globals ?? []) globals.add(g);
    Object.assign(constants, r.def.constants ?? {});
    addFns(r.def.fns, `${path}.use`);
    for (const op of ['invalidate_range_start', 'invalidate_range_end', 'invalidate_range', 'release'] as const) {
      statics[`${nid}.ops.${op}`] = r.def.ops[op] ?? null;
    }
    statics[`${nid}.ops.flags`] = r.def.flags;
    mem[`${nid}.hashed`] = 1;
    notifiers.push({ id: nid, driver: r.driver, variant: r.variant, ops: r.def.ops, flags: r.def.flags });
    works.push(...(r.def.works?.(nid, objects) ?? []));
    variantOf.set(r.driver, [...(variantOf.get(r.driver) ?? []), { ...r, nid }]);
  });
  const listOrder = [...notifiers].reverse();
  statics['mm.mmu_notifier_mm'] = notifiers.length ? 'mm.mmu_notifier_mm' : null;
  statics['mm.mmu_notifier_mm.list'] = listOrder.map((n) => n.id);
  // The hlist itself (include/linux/list.h): the head's `first` and every node's `next`, which
  // hlist_del_init_rcu leaves as it was for RCU walkers (mm-primitives.ts); `pprev` is `hashed`.
  mem['mm.mmu_notifier_mm.list.first'] = listOrder[0]?.id ?? null;
  listOrder.forEach((n, i) => (mem[`${n.id}.hlist.next`] = listOrder[i + 1]?.id ?? null));
  locks['mm.mmu_notifier_mm.lock'] = 'spin';

  // Threads.
  if (sc.threads.length === 0) throw new ScenarioError('threads', 'a scenario needs at least one thread');
  const threads: ThreadSpec[] = [];
  const names = new Set<string>();
  sc.threads.forEach((t, i) => {
    const path = `threads[${i}]`;
    const task = `task${i}`;
    statics[`${task}.mm`] = 'mm';
    // The OOM killer chose this process and sent it SIGKILL before the scenario starts
    // (mm/oom_kill.c __oom_kill_process: do_send_sig_info(SIGKILL), mark_oom_victim() sets
    // signal->oom_mm, shared by every thread of the process).
    const victim = t.victim ?? (sc.oom === true && t.kind !== 'oom_reaper' && t.kind !== 'reclaim');
    if (victim && !sc.oom) throw new ScenarioError(`${path}.victim`, 'a thread of the OOM victim needs "oom": true');
    if (victim && t.kind === 'oom_reaper') throw new ScenarioError(`${path}.victim`, 'the oom_reaper is a kernel thread, never an OOM victim');
    statics[`${task}.signal.oom_mm`] = victim ? 'mm' : null;
    mem[`${task}.oops`] = 0;
    statics[`${task}.fatal_signal`] = victim ? 1 : 0;
    const params = t.params ?? {};
    const ctx: BuildCtx = { statics, mem, task, path };
    let fnName: string;
    let args: Value[];
    let accepted: Readonly<Record<string, string>>;
    const core_ = CORE_THREADS[t.kind];
    if (core_) {
      if ((t.kind === 'oom_reaper' || t.kind === 'exit_mmap') && !sc.oom && t.kind === 'oom_reaper') {
        throw new ScenarioError(`${path}.kind`, 'an oom_reaper thread needs "oom": true (a victim to reap)');
      }
      fnName = core_.fn;
      accepted = core_.params;
      args = core_.args(params, ctx);
    } else {
      const m = /^([a-z0-9_-]+)(?:#(\d+))?:([a-z0-9_]+)$/.exec(t.kind);
      if (!m) {
        throw new ScenarioError(`${path}.kind`, `unknown thread kind "${t.kind}"; core kinds: ${Object.keys(CORE_THREADS).join(', ')}; driver threads are written "driver:kind"`);
      }
      const [, drv, idx, kind] = m;
      const insts = variantOf.get(drv!) ?? [];
      const inst = insts[Number(idx ?? 0)];
      if (!inst) throw new ScenarioError(`${path}.kind`, `thread "${t.kind}" needs a ${drv} notifier${idx ? ` #${idx}` : ''} in "notifiers"`);
      const def: DriverThreadDef | undefined = inst.def.threads?.[kind!];
      if (!def) {
        throw new ScenarioError(`${path}.kind`, `${inst.driver}@${inst.variant} has no thread "${kind}"; it has: ${Object.keys(inst.def.threads ?? {}).join(', ') || 'none'}`);
      }
      addFns(def.fns, `${path}.kind`);
      fnName = def.entry;
      accepted = def.params ?? {};
      args = def.args(inst.nid, params, { statics, task, error: (param, message) => new ScenarioError(`${path}.params.${param}`, message) });
    }
    for (const k of Object.keys(params)) {
      if (!(k in accepted)) throw new ScenarioError(`${path}.params.${k}`, `unknown parameter; "${t.kind}" takes: ${Object.keys(accepted).join(', ') || 'none'}`);
    }
    const base = t.kind.replace(/^.*:/, '');
    let name = t.name ?? base;
    if (t.name === undefined) for (let n = 2; names.has(name) || sc.threads.some((o) => o.name === name); n++) name = `${base}${n}`;
    if (names.has(name)) throw new ScenarioError(`${path}.name`, `two threads are named "${name}"`);
    names.add(name);
    threads.push({ name, task, fn: fnName, args });
  });

  addKworkers(works, threads, { fns: [...fns.values()], primitives, constants, statics, mem, locks, balanced, globals: [...globals], core, listOrder });

  const spec: ProgramSpec = {
    fns: [...fns.values()],
    primitives,
    constants,
    statics,
    mem,
    locks,
    notifiers: listOrder,
    threads,
    balanced,
    balancedOffsets,
    contract: core.contract,
    core: core.name,
    globals: [...globals],
    countCalls: ['oom_reap_task_mm'],
  };
  return new Program(spec);
}

/**
 * Add, idle, the kworker of every work item a thread of the scenario can queue: one that reaches a
 * function of the item's `queuedBy` (src/model/core/workqueue.ts). A kworker can queue work items
 * itself (radeon's destroy work calls mmu_notifier_unregister, which may call ->release again), so
 * this runs until no more are added. A work item no thread can queue gets no kworker: its state
 * would only slow the exploration down.
 */
function addKworkers(
  works: readonly WorkDef[],
  threads: ThreadSpec[],
  b: {
    fns: FnDef[];
    primitives: Record<string, Primitive>;
    constants: Record<string, Value>;
    statics: Record<string, Value | readonly Value[]>;
    mem: Record<string, Value>;
    locks: Record<string, LockState['kind']>;
    balanced: string[];
    globals: string[];
    core: CoreVersion;
    listOrder: NotifierSpec[];
  },
): void {
  const added = new Set<string>();
  for (const w of works) if (w.notModelled !== undefined) b.statics[`${w.work}.not_modelled`] = 1;
  for (;;) {
    const probe = new Program({
      fns: b.fns,
      primitives: b.primitives,
      constants: b.constants,
      statics: b.statics,
      mem: b.mem,
      locks: b.locks,
      notifiers: b.listOrder,
      threads,
      balanced: b.balanced,
      contract: b.core.contract,
      core: b.core.name,
      globals: b.globals,
      countCalls: [],
    });
    const reached = new Set<string>();
    for (const t of threads) for (const fi of reach(probe, probe.fnId(t.fn))) reached.add(probe.fn(fi).def.name);
    const more = works.filter((w) => w.notModelled === undefined && !added.has(w.work) && w.queuedBy.some((f) => reached.has(f)));
    if (!more.length) return;
    for (const w of more) {
      if (!probe.hasFn(w.func)) throw new ScenarioError('notifiers', `work item ${w.work} runs ${w.func}, which is not a modelled function`);
      added.add(w.work);
      const kw = `${w.work}.kworker`;
      const task = `task${threads.length}`;
      b.statics[`${task}.mm`] = null;
      b.statics[`${task}.signal.oom_mm`] = null;
      b.statics[`${task}.fatal_signal`] = 0;
      b.mem[`${task}.oops`] = 0;
      b.statics[`${w.work}.func`] = w.func;
      b.statics[`${kw}.current_func`] = w.func;
      b.statics[`${kw}.pool.worklist`] = [w.work];
      b.mem[`${w.work}.pending`] = 0;
      threads.push({ name: `kworker/${w.work}`, task, fn: 'worker_thread', args: [kw], kworker: w.work });
    }
  }
}
