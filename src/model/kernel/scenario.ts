/**
 * Scenarios: the kernel configuration to explore, as data, and how it becomes a linked program.
 *
 * A scenario names the core version, the VMAs of the one mm, the notifiers in registration order
 * (`driver@variant` with the ranges their objects cover), and the threads with their parameters.
 */
import type { FnDef } from '../lang/ir.ts';
import { CORE_VERSIONS, type CoreVersion } from './core/versions.ts';
import { KERNEL_CONSTANTS, MM_PRIMITIVES } from './core/mm-primitives.ts';
import { PAGE_ALLOC_GLOBALS } from './core/page_alloc.ts';
import { invalidateV418, invalidateV419, invalidateV50, invalidateV52, LOCK_HOLDERS } from './core/scenario_threads.ts';
import { DRIVERS } from './drivers/index.ts';
import type { DriverThreadDef, ObjectRange, VariantDef, WorkDef } from './driver.ts';
import { Program, type NotifierSpec, type ProgramSpec, type ThreadSpec } from '../lang/program.ts';
import { reach } from '../lang/reduction.ts';
import type { Primitive } from '../lang/primitives.ts';
import { MAX_PAGE, type LockState, type Value } from '../lang/state.ts';
import { own } from './own.ts';
import { ScenarioError } from './errors.ts';
import { checkDeclaredCalls, declaredPrimitive, refuseModelled, type Declarations } from '../patch/declare.ts';
import { CORE_PRIMITIVES } from '../lang/primitives.ts';

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
  /**
   * What the driver's variant lets a scenario say about this notifier beyond its objects (its
   * `params`, listed by `mnc list`): e.g. hmm's `sync_sleeps`.
   */
  readonly params?: Readonly<Record<string, unknown>>;
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
  /** The older spelling of `allocation.mayFail`. */
  readonly allocCanFail?: boolean;
  /** What the scenario's allocations meet (src/model/kernel/core/page_alloc.ts; docs/model.md, "Memory"). */
  readonly allocation?: AllocationSpec;
  /** Property names to check; all by default. */
  readonly properties?: readonly string[];
  /**
   * Functions that replace the linked ones of the same name (a patch applied to the model,
   * src/model/patch): the scenario runs the patched code.
   */
  readonly replaceFns?: readonly FnDef[];
  /** The patches `replaceFns` comes from, for reports: the JSON trace records them (docs/trace-format.md). */
  readonly patches?: readonly PatchRecord[];
  /**
   * Callees the patched code calls that the model has no semantics for, as `--declare FILE`
   * declared them (src/model/patch/declare.ts): each runs as a primitive built from its
   * declaration. The JSON trace records them (docs/trace-format.md).
   */
  readonly declared?: DeclarationRecord;
}

/** A declaration file a run used, as the trace records it. */
export interface DeclarationRecord {
  /** The file as given on the command line (`--declare FILE`). */
  readonly file: string;
  /** sha256 of the file's bytes, 64 hex digits. */
  readonly sha256: string;
  readonly callees: Declarations;
}

/** A patch a run applied, as the trace records it. */
export interface PatchRecord {
  /** The patch file as given on the command line (`--patch FILE`). */
  readonly file: string;
  /** Its Subject header, when it is a mail. */
  readonly subject?: string;
  /** sha256 of the file's bytes, 64 hex digits. */
  readonly sha256: string;
  /** The functions it changed or added in the scenario. */
  readonly fns: readonly string[];
}

export { MAX_PAGE };

/** The most threads a scenario may have (see the check in buildProgram). */
export const MAX_THREADS = 28;

/** The memory the scenario's allocations see, besides an OOM ("oom": true). */
export interface AllocationSpec {
  /**
   * Allocations may fail where v4.19 lets them: an OOM victim's allocation whose reserves ran out
   * (`goto nopage`), a non-sleeping one while memory is short. A sleeping allocation of a task that is
   * not a victim never fails (it retries until it is served). Default false.
   */
  readonly mayFail?: boolean;
  /**
   * Memory is below the min watermark until a direct reclaim has run: a sleeping allocation (of any
   * thread not already in reclaim) enters direct reclaim, which may unmap this page of the mm
   * (`try_to_unmap_one`: the blockable notifiers) while it is still mapped.
   */
  readonly reclaim?: number;
}

/** A problem with a scenario, worded for the user: which field, what is allowed. */
export { ScenarioError };

/** A core thread kind: which function, what arguments. */
interface CoreThread {
  readonly description: string;
  readonly fn: string;
  readonly params: Readonly<Record<string, string>>;
  args(p: Readonly<Record<string, unknown>>, ctx: BuildCtx): Value[];
  /** For a thread whose function depends on its parameters or the core: the function to run, and the functions to link. */
  select?(p: Readonly<Record<string, unknown>>, ctx: BuildCtx): { readonly fn: string; readonly fns: readonly FnDef[] };
  /** Whether the thread is a thread of the process that owns the mm by default (an OOM victim with "oom"). Default true. */
  readonly ofProcess?: boolean;
}

interface BuildCtx {
  readonly statics: Record<string, Value | readonly Value[]>;
  readonly mem: Record<string, Value>;
  readonly locks: Readonly<Record<string, LockState['kind']>>;
  readonly core: CoreVersion;
  readonly task: string;
  readonly path: string;
}

function flagParam(p: Readonly<Record<string, unknown>>, name: string, path: string, dflt: boolean): boolean {
  const v = p[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ScenarioError(`${path}.params.${name}`, 'expected true or false');
  return v;
}

/** The range [start, start + len) of a thread, checked to be non-empty. */
function rangeParam(p: Readonly<Record<string, unknown>>, startName: string, lenName: string, path: string): [number, number] {
  const start = numParam(p, startName, path);
  const len = numParam(p, lenName, path);
  if (len === 0) throw new ScenarioError(`${path}.params.${lenName}`, 'expected a length of at least one page');
  if (start + len > MAX_PAGE) throw new ScenarioError(`${path}.params.${lenName}`, `the range must end at or below page ${MAX_PAGE}`);
  return [start, start + len];
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
    description:
      'The victim exiting: the last mmput() -> exit_mmap (mmu_notifier_release, its own __oom_reap_task_mm, unmap_vmas; on v6.6, mmu_notifier_release and unmap_vmas under mmap_read_lock beside the reaper, then MMF_OOM_SKIP), once every other thread using the mm has finished.',
    fn: 'mmput',
    params: {},
    args: () => ['mm'],
  },
  munmap: {
    description: 'munmap(2) of [start, start+len): mmap_sem for write, do_munmap splits the VMAs the range cuts (__split_vma) and detaches those inside it, unmap_region -> unmap_vmas, a blockable start/end pair.',
    fn: 'vm_munmap',
    params: { start: 'first page', len: 'number of pages' },
    args: (p, ctx) => {
      const start = numParam(p, 'start', ctx.path);
      const len = numParam(p, 'len', ctx.path);
      if (len === 0) {
        throw new ScenarioError(
          `${ctx.path}.params.len`,
          'munmap of length 0: the kernel rejects it with -EINVAL (v4.19 mm/mmap.c do_munmap(): len = PAGE_ALIGN(len); if (len == 0) return -EINVAL;), so the thread would only take and release mmap_sem for write; for that, use a lock_holder of "mm.mmap_sem" with mode "write"',
        );
      }
      return [start, len];
    },
  },
  madvise: {
    description: 'madvise(MADV_DONTNEED) of [start, start+len): mmap_sem for read, zap_page_range on each VMA of the range, a blockable start/end pair each (nested with a huge-pmd split when the range cuts a THP).',
    fn: 'sys_madvise',
    params: { start: 'first page', len: 'number of pages' },
    args: (p, ctx) => [numParam(p, 'start', ctx.path), numParam(p, 'len', ctx.path), KERNEL_CONSTANTS.MADV_DONTNEED!],
  },
  fault: {
    description: 'A copy-on-write write fault at `address`: mmap_sem for read, find_vma, a page allocation, a blockable start/end pair on the page (nothing but mmap_sem if munmap has unmapped the page).',
    fn: '__do_page_fault',
    params: { address: 'page' },
    args: (p, ctx) => {
      const vmf = `${ctx.task}.vmf`;
      const addr = numParam(p, 'address', ctx.path);
      const vma = findVma(ctx.statics, addr);
      if (!vma) throw new ScenarioError(`${ctx.path}.params.address`, `no VMA contains page ${addr}`);
      ctx.statics[vmf] = vmf;
      ctx.statics[`${vmf}.address`] = addr;
      ctx.statics[`${vmf}.vma`] = vma;
      return [null, 0, addr];
    },
  },
  lock_holder: {
    description:
      'A task that holds a lock of a notifier or of the mm (`lock`, e.g. "gntdev0.lock" or "mm.mmap_sem"; an rw_semaphore with `mode` "read" or "write") for a while and releases it. Model-only: says "X is held meanwhile" without inventing a kernel path.',
    fn: 'mnc_hold_mutex',
    params: { lock: 'the lock, by the name reports give it (notifier id and field, e.g. "gntdev0.lock"; "mm.mmap_sem")', mode: 'for an rw_semaphore: "read" or "write"' },
    ofProcess: false,
    select(p, ctx) {
      const lock = p['lock'];
      if (typeof lock !== 'string' || !Object.hasOwn(ctx.locks, lock)) {
        throw new ScenarioError(`${ctx.path}.params.lock`, `expected the name of a lock of the scenario: ${Object.keys(ctx.locks).sort().join(', ')}`);
      }
      const kind = ctx.locks[lock]!;
      const mode = p['mode'];
      if (kind === 'rwsem') {
        if (mode !== 'read' && mode !== 'write') throw new ScenarioError(`${ctx.path}.params.mode`, `${lock} is an rw_semaphore: say "read" or "write"`);
        const f = LOCK_HOLDERS[mode]!;
        return { fn: f.name, fns: [f] };
      }
      if (mode !== undefined) throw new ScenarioError(`${ctx.path}.params.mode`, `${lock} is a ${kind === 'spin' ? 'spinlock' : 'mutex'}: it has no read or write mode`);
      const f = LOCK_HOLDERS[kind === 'spin' ? 'spin' : 'mutex']!;
      return { fn: f.name, fns: [f] };
    },
    args: (p) => [p['lock'] as string],
  },
  invalidate: {
    description:
      'A caller of the notifier core for [start, start+len), optionally with [innerStart, innerStart+innerLen) nested inside it (A start, B start, B end, A end), blockable or not, and under the mayfail core with MMU_NOTIFIER_RANGE_MAYFAIL or not; a refused non-blocking start skips its end. Model-only.',
    fn: 'mnc_invalidate',
    params: {
      start: 'first page',
      len: 'number of pages',
      innerStart: 'first page of a nested range (optional)',
      innerLen: 'its number of pages',
      blockable: 'true (default) or false',
      mayfail: 'under the mayfail core: start the range with MMU_NOTIFIER_RANGE_MAYFAIL (default false)',
    },
    select(_p, ctx) {
      const f = ctx.core.invalidate ?? { 'v4.18': invalidateV418, 'v4.19': invalidateV419, 'v5.0': invalidateV50, 'v5.2': invalidateV52 }[ctx.core.api];
      return { fn: f.name, fns: [f] };
    },
    args(p, ctx) {
      const [start, end] = rangeParam(p, 'start', 'len', ctx.path);
      let inner: [number, number] = [0, 0];
      if (p['innerStart'] !== undefined || p['innerLen'] !== undefined) {
        inner = rangeParam(p, 'innerStart', 'innerLen', ctx.path);
        if (inner[0] < start || inner[1] > end) throw new ScenarioError(`${ctx.path}.params.innerStart`, `the nested range must lie inside [${start}, ${end})`);
      }
      const blockable = flagParam(p, 'blockable', ctx.path, true);
      const mayfail = flagParam(p, 'mayfail', ctx.path, false);
      if (ctx.core.api === 'v4.18' && !blockable) throw new ScenarioError(`${ctx.path}.params.blockable`, 'the v4.18 core has no non-blocking start (93065ac753e4 introduced it)');
      if (mayfail && !ctx.core.contract.endAfterFailedStart) throw new ScenarioError(`${ctx.path}.params.mayfail`, `MMU_NOTIFIER_RANGE_MAYFAIL exists only in the mayfail core, not ${ctx.core.name}`);
      // v4.19 passes `bool blockable`; the mayfail core the range flags (BLOCKABLE bit 0, MAYFAIL bit 1);
      // from v5.0 they go into the range (range.blockable, then range.flags).
      const flags = (blockable ? 1 : 0) | (mayfail ? 2 : 0);
      return ['mm', start, end, inner[0], inner[1], flags];
    },
  },
  process_mrelease: {
    description:
      'A process (a userspace low-memory killer such as lmkd) calling process_mrelease(2) on the victim process it holds a pidfd of (mm/oom_kill.c, 5.15 on; the v6.6 core): if the process is dying (killed: "oom": true) and MMF_OOM_SKIP is not set, it reaps the address space under mmap_read_lock with __oom_reap_task_mm(), the reaper\'s function, whose non-blocking starts may fail (-EAGAIN). It holds mmgrab() only, not an mm_users reference.',
    fn: 'sys_process_mrelease',
    params: {},
    ofProcess: false,
    select(_p, ctx) {
      if (!ctx.core.processMrelease) {
        throw new ScenarioError(`${ctx.path}.kind`, `process_mrelease(2) entered in v5.15 (884a7e5964e0): core ${ctx.core.name} does not have it (the v6.6 core does)`);
      }
      return ctx.core.processMrelease;
    },
    args: () => ['victim', 0],
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

/** The variant of a driver the core's kernel shipped: the core's `ships` entry, else the variant for its callback API. */
export function shippedVariant(core: CoreVersion, driver: string): string {
  const d = own(DRIVERS, driver);
  if (!d) throw new ScenarioError('notifiers', `unknown driver "${driver}"`);
  return own(core.ships, driver)?.variant ?? d.defaultVariant[core.api];
}

/** Parse `driver@variant` against the registry; the default variant is the one the core's kernel shipped. */
export function resolveNotifier(use: string, core: CoreVersion, path: string): { driver: string; variant: string; def: VariantDef } {
  const [name, variantName, extra] = use.split('@');
  if (extra !== undefined || !name) throw new ScenarioError(path, `expected "driver" or "driver@variant", got "${use}"`);
  const driver = own(DRIVERS, name);
  if (!driver) throw new ScenarioError(path, `unknown driver "${name}"; known drivers: ${Object.keys(DRIVERS).sort().join(', ')}`);
  const variant = variantName ?? shippedVariant(core, name);
  const def = own(driver.variants, variant);
  if (!def) throw new ScenarioError(path, `unknown variant "${variant}" of ${name}; its variants: ${Object.keys(driver.variants).join(', ')}`);
  if (def.dynamicInterval && !core.dynamicItree) {
    throw new ScenarioError(
      path,
      `${name}@${variant} inserts and removes an mmu_interval_notifier while it runs (mmu_interval_notifier_insert()/_remove()); core ${core.name} ${core.itree ? 'models the interval tree as static' : 'has no interval notifiers (v5.5 added them, 99cb252f5e68)'}; the v6.6 core has them as steps`,
    );
  }
  if (def.interval && !core.itree) {
    throw new ScenarioError(path, `${name}@${variant} is an mmu_interval_notifier, which core ${core.name} does not have (v5.5 added them, 99cb252f5e68)`);
  }
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

/**
 * The program of each scenario object built so far. A scenario is never changed once made (its
 * fields are readonly; a variant or a patch makes a new one), and a program is only read after it
 * is built (the caches keyed by a program or its instructions are functions of it): the one
 * scenario checked when loaded, patched, and run on a side of a comparison is built once.
 */
const programs = new WeakMap<Scenario, Program>();

/**
 * Struct types the kernel code keeps on its stack and passes by pointer: `struct mmu_notifier_range`
 * from v5.0 (docs/model.md, "Structs on the stack").
 */
const STACK_TYPES: readonly string[] = ['mmu_notifier_range', 'hmm_range', 'kvm_hva_range', 'kvm_gfn_range', 'kvm_page_fault'];

/** Build the linked program of a scenario (once per scenario object). Throws ScenarioError for a bad scenario. */
export function buildProgram(sc: Scenario): Program {
  const hit = programs.get(sc);
  if (hit) return hit;
  linked++;
  const p = linkProgram(sc);
  programs.set(sc, p);
  return p;
}

/**
 * How many times {@link buildProgram} has linked a program on this thread, a refused scenario's
 * attempt included (cache hits not counted): what loading and running scenarios costs beside
 * exploring them, counted by the tests of what should link a program once (src/report/matrix.ts).
 */
export function programsLinked(): number {
  return linked;
}
let linked = 0;

function linkProgram(sc: Scenario): Program {
  const core = own(CORE_VERSIONS, sc.core);
  if (!core) throw new ScenarioError('core', `unknown core version "${sc.core}"; known: ${Object.keys(CORE_VERSIONS).join(', ')}`);

  const statics: Record<string, Value | readonly Value[]> = {};
  const mem: Record<string, Value> = {};
  const locks: Record<string, LockState['kind']> = {};
  const balanced: string[] = [];
  const balancedOffsets: Record<string, string> = {};
  const fns = new Map<string, FnDef>();
  const primitives: Record<string, Primitive> = { ...MM_PRIMITIVES };
  // __mmu_notifier_invalidate_range_start_map: v5.4's lockdep map (a lockdep annotation, no state).
  const globals = new Set<string>(['srcu', 'oom_reaper_wait', '__mmu_notifier_invalidate_range_start_map', ...PAGE_ALLOC_GLOBALS]);
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

  // The mm and its VMAs. Their ranges and list links are static configuration unless a munmap
  // thread can change them (below, after the threads).
  if (sc.vmas.length === 0) throw new ScenarioError('vmas', 'a scenario needs at least one VMA');
  const vmaIds = sc.vmas.map((_, i) => `vma${i}`);
  statics['mm.vmas'] = vmaIds;
  statics['mm.mmap'] = vmaIds[0]!;
  /** Each VMA object's static configuration: its own, or that of the configured VMA it is split from. */
  const vmaConfig = (id: string, from: string, i: number): void => {
    const v = sc.vmas[i]!;
    statics[`${id}.vm_mm`] = 'mm';
    statics[`${id}.vm_flags`] = (v.shared ? 0x8 : 0) | (v.locked ? 0x2000 : 0);
    statics[`${id}.vm_pgoff`] = 0;
    // vma_is_anonymous() is !vma->vm_ops: a shared anonymous mapping is backed by shmem
    // (mmap_region() -> shmem_zero_setup() sets vm_ops), so it is not anonymous.
    const anon = !v.file && !v.shared;
    statics[`${id}.anon`] = anon ? 1 : 0;
    // __oom_reap_task_mm(): can_madv_dontneed_vma(vma) && (vma_is_anonymous(vma) || !(vm_flags & VM_SHARED));
    // 6.6 skips only VM_HUGETLB and VM_PFNMAP VMAs, so an mlocked one is reaped too (core.reapsLocked).
    statics[`${id}.reapable`] = (!v.locked || core.reapsLocked) && (anon || !v.shared) ? 1 : 0;
    statics[`${id}.thp`] = v.thp === undefined ? null : `${from}.pmd`;
    statics[`${id}.pages`] = from;
  };
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
    statics[`${id}.vm_prev`] = vmaIds[i - 1] ?? null;
    statics[`${id}.pages_start`] = v.start;
    statics[`${id}.pages_end`] = v.end;
    vmaConfig(id, id, i);
    if (v.thp !== undefined) {
      if (!(v.thp >= v.start && v.thp + 2 <= v.end) || v.thp % 2 !== 0) {
        throw new ScenarioError(`${path}.thp`, 'the huge page (2 pages, HPAGE_PMD_SIZE) must lie inside the VMA at an even page');
      }
      statics[`${id}.pmd.start`] = v.thp;
    }
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
  const alloc = sc.allocation ?? {};
  mem['alloc.may_fail'] = alloc.mayFail || sc.allocCanFail ? 1 : 0;
  mem['alloc.below_min'] = alloc.reclaim === undefined ? 0 : 1;
  statics['alloc.reclaim_vma'] = null;
  statics['alloc.reclaim_address'] = null;
  statics['alloc.reclaim_page'] = null;
  if (alloc.reclaim !== undefined) {
    const page = alloc.reclaim;
    if (!Number.isInteger(page) || page < 0 || page >= MAX_PAGE) throw new ScenarioError('allocation.reclaim', `expected a page number, an integer from 0 to ${MAX_PAGE - 1}`);
    const vma = findVma(statics, page);
    if (!vma) throw new ScenarioError('allocation.reclaim', `no VMA contains page ${page}: reclaim unmaps a page of the mm`);
    statics['alloc.reclaim_vma'] = vma;
    statics['alloc.reclaim_address'] = page;
    statics['alloc.reclaim_page'] = 'page';
  }
  // The victim task, queued for the reaper by wake_oom_reaper() before the scenario starts.
  statics['victim.signal.oom_mm'] = 'mm';
  // The victim process's mm, and whether it was killed (SIGKILL by the OOM killer: SIGNAL_GROUP_EXIT),
  // for process_mrelease(2)'s find_lock_task_mm() and task_will_free_mem() (v6.6 core).
  if (core.processMrelease) {
    statics['victim.mm'] = 'mm';
    statics['victim.killed'] = sc.oom ? 1 : 0;
  }
  mem['oom_reaper_list'] = sc.oom ? 'victim' : null;
  mem['victim.oom_reaper_list'] = null;
  for (const g of ['oom_obstructed', 'oom_obstructed_attempts', 'oom_skip_by_reaper', 'oom_skip_by_exit', 'calls_oom_reap_task_mm', ...(core.ghosts ?? [])]) mem[`ghost.${g}`] = 0;

  // Notifiers, in registration order; the list walk visits the last registered first.
  const notifiers: NotifierSpec[] = [];
  const works: WorkDef[] = [];
  const variantOf = new Map<string, { driver: string; variant: string; def: VariantDef; nid: string }[]>();
  const intervals: string[] = [];
  const dynamicIntervals: string[] = [];
  const notifierFns = new Set<string>();
  sc.notifiers.forEach((n, i) => {
    const path = `notifiers[${i}]`;
    const r = resolveNotifier(n.use, core, `${path}.use`);
    const nid = `${r.driver}${(variantOf.get(r.driver) ?? []).length}`;
    const objects = n.objects ?? [];
    objects.forEach((o, j) => {
      if (!(Number.isInteger(o.start) && Number.isInteger(o.end) && o.start >= 0 && o.end > o.start && o.end <= MAX_PAGE)) {
        throw new ScenarioError(`${path}.objects[${j}]`, `expected integer pages with 0 <= start < end <= ${MAX_PAGE}`);
      }
      // A driver's object covers user memory it mapped from a VMA (a userptr BO, a umem, a grant
      // map, a memslot): one outside every VMA has nothing to cover when the scenario starts.
      if (!sc.vmas.some((v) => o.start < v.end && v.start < o.end)) {
        throw new ScenarioError(`${path}.objects[${j}]`, `[${o.start}, ${o.end}) lies outside every VMA; an object covers pages of a VMA`);
      }
    });
    if (r.def.oneObject && objects.length !== 1) {
      throw new ScenarioError(`${path}.objects`, `${r.driver}@${r.variant} takes exactly one object (it has ${objects.length}): ${r.def.oneObject}`);
    }
    const params = n.params ?? {};
    for (const k of Object.keys(params)) {
      if (!Object.hasOwn(r.def.params ?? {}, k)) {
        throw new ScenarioError(`${path}.params.${k}`, `unknown parameter; ${r.driver}@${r.variant} takes: ${Object.keys(r.def.params ?? {}).join(', ') || 'none'}`);
      }
    }
    const inst = r.def.instance(nid, objects, { params, error: (param, message) => new ScenarioError(`${path}.params.${param}`, message) });
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
    for (const f of r.def.fns) notifierFns.add(f.name);
    if (r.def.interval) {
      // An interval notifier (v5.5): `mni->ops->invalidate`, `mni->mm`, its node in the core's
      // interval tree (`&mni->interval_tree`, whose container_of is the notifier), and
      // `mni->invalidate_seq`, odd and one below the idle `mmn_mm->invalidate_seq` (2) as
      // __mmu_interval_notifier_insert() leaves it when no invalidation is active.
      const iv = r.def.interval(objects);
      statics[`${nid}.ops.invalidate`] = r.def.ops.invalidate ?? null;
      statics[`${nid}.mm`] = 'mm';
      statics[`${nid}.interval_tree.start`] = iv.start;
      statics[`${nid}.interval_tree.last`] = iv.last;
      statics[`${nid}.interval_tree.tree`] = 'mm.mmu_notifier_mm.itree';
      mem[`${nid}.invalidate_seq`] = 1;
      intervals.push(nid);
    } else {
      for (const op of ['invalidate_range_start', 'invalidate_range_end', 'invalidate_range', 'release'] as const) {
        statics[`${nid}.ops.${op}`] = r.def.ops[op] ?? null;
      }
      statics[`${nid}.ops.flags`] = r.def.flags;
      mem[`${nid}.hashed`] = 1;
    }
    notifiers.push({ id: nid, driver: r.driver, variant: r.variant, ops: r.def.ops, flags: r.def.flags });
    if (r.def.dynamicInterval) {
      // An interval notifier a thread inserts and removes (v6.6 core, mmu_itree_v66.ts): in no tree and on
      // no deferred list when the scenario starts (`rb`, `pprev` clear), its interval the inserting
      // thread's (set by its args; the instance's first object until then), its objects the instance's.
      const sn = r.def.dynamicInterval.id(nid);
      const first = objects[0];
      if (!first) throw new ScenarioError(`${path}.objects`, `${r.driver}@${r.variant} needs at least one object: the pages its device maps`);
      statics[`${sn}.ops.invalidate`] = r.def.dynamicInterval.invalidate;
      statics[`${sn}.mm`] = 'mm';
      statics[`${sn}.objects_of`] = nid;
      statics[`${sn}.interval_tree.start`] = first.start;
      statics[`${sn}.interval_tree.last`] = first.start;
      statics[`${sn}.interval_tree.tree`] = 'mm.mmu_notifier_mm.itree';
      statics[`${sn}.interval_tree.dynamic`] = 1;
      mem[`${sn}.invalidate_seq`] = 0;
      mem[`${sn}.interval_tree.rb`] = 0;
      mem[`${sn}.deferred_item.pprev`] = 0;
      intervals.push(sn);
      dynamicIntervals.push(sn);
      notifiers.push({ id: sn, driver: r.driver, variant: r.variant, ops: { invalidate: r.def.dynamicInterval.invalidate }, flags: 0 });
    }
    works.push(...(r.def.works?.(nid, objects) ?? []));
    variantOf.set(r.driver, [...(variantOf.get(r.driver) ?? []), { ...r, nid }]);
  });
  const listOrder = notifiers.filter((n) => !intervals.includes(n.id)).reverse();
  if (core.itree) {
    // struct mmu_notifier_mm of v5.5 (99cb252f5e68): the interval tree (static: the scenario's interval
    // notifiers, inserted before it starts, in address order), and the collision-retry sequence,
    // initialised to 2 by __mmu_notifier_register().
    statics['mm.mmu_notifier_mm.has_itree'] = intervals.length ? 1 : 0;
    statics['mm.mmu_notifier_mm.itree'] = [...intervals]
      .sort((a, b) => Number(statics[`${a}.interval_tree.start`]) - Number(statics[`${b}.interval_tree.start`]))
      .map((n) => `${n}.interval_tree`);
    mem['mm.mmu_notifier_mm.invalidate_seq'] = 2;
    // The deferred list of v6.6's dynamic tree: the notifiers that can be on it (mmu_itree_v66.ts).
    if (dynamicIntervals.length) statics['mm.mmu_notifier_mm.deferred_list'] = dynamicIntervals;
    mem['mm.mmu_notifier_mm.active_invalidate_ranges'] = 0;
  }
  statics['mm.mmu_notifier_mm'] = notifiers.length ? 'mm.mmu_notifier_mm' : null;
  // v5.7 renamed the field `mm->notifier_subscriptions` (struct mmu_notifier_subscriptions): the
  // same object, which the state keeps under its older name. Only for a core whose texts spell it
  // so: a static of the others would renumber the names their states encode (replay tokens).
  if (core.subscriptions) statics['mm.notifier_subscriptions'] = statics['mm.mmu_notifier_mm'];
  statics['mm.mmu_notifier_mm.list'] = listOrder.map((n) => n.id);
  // The hlist itself (include/linux/list.h): the head's `first` and every node's `next`, which
  // hlist_del_init_rcu leaves as it was for RCU walkers (mm-primitives.ts); `pprev` is `hashed`.
  mem['mm.mmu_notifier_mm.list.first'] = listOrder[0]?.id ?? null;
  listOrder.forEach((n, i) => (mem[`${n.id}.hlist.next`] = listOrder[i + 1]?.id ?? null));
  // A name both a modelled function and a primitive would call the primitive: amdgpu-hsa@v6.6 models
  // amdgpu_amdkfd_evict_userptr(), which the older amdgpu variants (both flavours) run as a primitive.
  for (const name of notifierFns) {
    if (Object.hasOwn(primitives, name)) {
      throw new ScenarioError('notifiers', `${name}() is a modelled function of one notifier's variant and a primitive of another's; those variants cannot share a scenario`);
    }
  }
  // Every notifier the core calls: the hlist in walk order, then the interval notifiers (v5.5).
  const walkOrder = [...listOrder, ...notifiers.filter((n) => intervals.includes(n.id))];
  locks['mm.mmu_notifier_mm.lock'] = 'spin';

  // Threads.
  if (sc.threads.length === 0) throw new ScenarioError('threads', 'a scenario needs at least one thread');
  // The engine checks at most 30 liveness properties per run (src/checker/liveness.ts): one partial-
  // deadlock check per thread and two for the reaper.
  if (sc.threads.length > MAX_THREADS) {
    throw new ScenarioError('threads', `a scenario has at most ${MAX_THREADS} threads (this one has ${sc.threads.length}): the liveness checks take one property per thread, and the engine checks at most 30`);
  }
  const reapers = sc.threads.flatMap((t, i) => (t.kind === 'oom_reaper' ? [i] : []));
  if (reapers.length > 1) {
    throw new ScenarioError(`threads[${reapers[1]}].kind`, 'a second oom_reaper: the kernel has one oom_reaper kthread (mm/oom_kill.c oom_init), and it reaps one victim at a time');
  }
  const threads: ThreadSpec[] = [];
  const names = new Set<string>();
  const exits = sc.threads.flatMap((t, i) => (t.kind === 'exit_mmap' ? [i] : []));
  if (exits.length > 1) {
    throw new ScenarioError(`threads[${exits[1]!}].kind`, 'a second exit_mmap thread: exit_mmap() runs once, from the mmput() that drops the last mm_users reference (kernel/fork.c)');
  }
  // mm->mm_users: every thread using the mm as current->mm holds a reference until it finishes
  // (kernel/fork.c mmput()); the oom_reaper holds only mmgrab() (mm_count) and direct reclaim
  // reaches the mm through the rmap. The exit_mmap thread's mmput() is the last one.
  statics['mm.mm_users_tids'] = sc.threads.flatMap((t, i) => (t.kind === 'oom_reaper' || t.kind === 'reclaim' || t.kind === 'process_mrelease' ? [] : [i]));
  // Driver threads the kernel runs at most once per notifier (DriverThreadDef.once): the first of each.
  const onceSeen = new Map<string, number>();
  sc.threads.forEach((t, i) => {
    const path = `threads[${i}]`;
    const task = `task${i}`;
    statics[`${task}.mm`] = 'mm';
    // The OOM killer chose this process and sent it SIGKILL before the scenario starts
    // (mm/oom_kill.c __oom_kill_process: do_send_sig_info(SIGKILL), mark_oom_victim() sets
    // signal->oom_mm, shared by every thread of the process).
    const victim = t.victim ?? (sc.oom === true && t.kind !== 'oom_reaper' && t.kind !== 'reclaim' && own(CORE_THREADS, t.kind)?.ofProcess !== false);
    if (victim && !sc.oom) throw new ScenarioError(`${path}.victim`, 'a thread of the OOM victim needs "oom": true');
    if (victim && t.kind === 'oom_reaper') throw new ScenarioError(`${path}.victim`, 'the oom_reaper is a kernel thread, never an OOM victim');
    if (victim && t.kind === 'process_mrelease') {
      throw new ScenarioError(`${path}.victim`, 'process_mrelease(2) is called by another process on the dying one (its pidfd); a thread of the victim calling it is not modelled');
    }
    statics[`${task}.signal.oom_mm`] = victim ? 'mm' : null;
    // task_struct->flags: PF_MEMALLOC is set while the task is in direct reclaim.
    mem[`${task}.flags`] = 0;
    mem[`${task}.oops`] = 0;
    statics[`${task}.fatal_signal`] = victim ? 1 : 0;
    const params = t.params ?? {};
    const ctx: BuildCtx = { statics, mem, locks, core, task, path };
    let fnName: string;
    let args: Value[];
    let accepted: Readonly<Record<string, string>>;
    const core_ = own(CORE_THREADS, t.kind);
    if (core_) {
      if ((t.kind === 'oom_reaper' || t.kind === 'exit_mmap') && !sc.oom && t.kind === 'oom_reaper') {
        throw new ScenarioError(`${path}.kind`, 'an oom_reaper thread needs "oom": true (a victim to reap)');
      }
      fnName = core_.fn;
      accepted = core_.params;
      if (core_.select) {
        const sel = core_.select(params, ctx);
        fnName = sel.fn;
        addFns(sel.fns, `${path}.kind`);
      }
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
      const def: DriverThreadDef | undefined = own(inst.def.threads, kind!);
      if (!def) {
        const has = `it has: ${Object.keys(inst.def.threads ?? {}).join(', ') || 'none'}`;
        // How to fix it: a variant of the driver this core can call that has the thread.
        const other = Object.entries(DRIVERS[inst.driver]!.variants).find(([, d]) => d.api === core.api && !(d.interval && !core.itree) && own(d.threads, kind!))?.[0];
        const runs = inst.variant === shippedVariant(core, inst.driver) ? ` (the ${inst.driver} core ${core.name} runs where a scenario names no other)` : '';
        const hint = other
          ? `; ${inst.driver}@${other} has it and core ${core.name} can call it: name it in the scenario, or pass --driver ${inst.driver}@${other}`
          : `; no ${inst.driver} variant core ${core.name} can call has it`;
        throw new ScenarioError(`${path}.kind`, `${inst.driver}@${inst.variant}${runs} has no thread "${kind}"; ${has}${hint}`);
      }
      if (def.once !== undefined) {
        const key = `${inst.nid}:${kind!}`;
        const first = onceSeen.get(key);
        if (first !== undefined) throw new ScenarioError(`${path}.kind`, `a second ${kind} thread of ${inst.nid} (the first is threads[${first}]): ${def.once}`);
        onceSeen.set(key, i);
      }
      addFns(def.fns, `${path}.kind`);
      fnName = def.entry;
      accepted = def.params ?? {};
      args = def.args(inst.nid, params, {
        statics,
        mem,
        locks,
        balanced,
        balancedOffsets,
        task,
        error: (param, message) => new ScenarioError(`${path}.params.${param}`, message),
      });
    }
    for (const k of Object.keys(params)) {
      if (!Object.hasOwn(accepted, k)) throw new ScenarioError(`${path}.params.${k}`, `unknown parameter; "${t.kind}" takes: ${Object.keys(accepted).join(', ') || 'none'}`);
    }
    const base = t.kind.replace(/^.*:/, '');
    let name = t.name ?? base;
    // The second madvise is madvise2; the second cs_v4_19 is cs_v4_19_2, not cs_v4_192.
    const sep = /\d$/.test(base) ? '_' : '';
    if (t.name === undefined) for (let n = 2; names.has(name) || sc.threads.some((o) => o.name === name); n++) name = `${base}${sep}${n}`;
    if (names.has(name)) throw new ScenarioError(`${path}.name`, `two threads are named "${name}"`);
    names.add(name);
    threads.push({ name, task, fn: fnName, args });
  });
  // A dynamic interval notifier's interval is its inserting thread's, known only now: the tree in address order again.
  if (dynamicIntervals.length) {
    statics['mm.mmu_notifier_mm.itree'] = [...intervals]
      .sort((a, b) => Number(statics[`${a}.interval_tree.start`]) - Number(statics[`${b}.interval_tree.start`]))
      .map((n) => `${n}.interval_tree`);
  }

  // munmap changes the VMA list that the reaper, exit_mmap, find_vma and unmap_vmas walk: with a
  // munmap thread, mm->mmap and every VMA's range and links are shared memory. A munmap whose start
  // or end lies strictly inside a configured VMA may split it (__split_vma), which takes a new VMA
  // from the slab (vm_area_dup): the scenario pre-allocates one object per possible split, with the
  // static configuration of the VMA it would be split from, free (vm_end 0) until then.
  const munmaps = sc.threads.flatMap((t, i) => (t.kind === 'munmap' ? [i] : []));
  statics['mm.vmas_dynamic'] = munmaps.length ? 1 : 0;
  if (munmaps.length) {
    const objects = [...vmaIds];
    for (const i of munmaps) {
      const p = sc.threads[i]!.params ?? {};
      const start = p['start'] as number;
      const end = start + (p['len'] as number);
      const cache: string[] = [];
      // do_munmap() returns -EINVAL for len 0 or a range above TASK_SIZE before any split.
      if (end > start && end <= MAX_PAGE) {
        for (const at of [start, end]) {
          const j = sc.vmas.findIndex((v) => v.start < at && at < v.end);
          if (j < 0) continue;
          const id = `vma${objects.length}`;
          objects.push(id);
          cache.push(id);
          vmaConfig(id, vmaIds[j]!, j);
          for (const f of ['vm_start', 'vm_end']) mem[`${id}.${f}`] = 0;
          for (const f of ['vm_next', 'vm_prev']) mem[`${id}.${f}`] = null;
        }
      }
      statics[`task${i}.vm_area_cache`] = cache;
    }
    mem['mm.mmap'] = statics['mm.mmap'] as Value;
    for (const id of vmaIds) for (const f of ['vm_start', 'vm_end', 'vm_next', 'vm_prev']) mem[`${id}.${f}`] = statics[`${id}.${f}`] as Value;
  }
  // Direct reclaim is given the configured VMA of its page (the rmap walk that would find the VMA
  // now mapping it, under the anon_vma lock munmap's __vma_adjust() takes, is not modelled).
  sc.threads.forEach((t, i) => {
    if (t.kind !== 'reclaim') return;
    const addr = (t.params ?? {})['address'] as number;
    const v = sc.vmas.find((x) => x.start <= addr && addr < x.end)!;
    const j = sc.threads.findIndex((u) => {
      if (u.kind !== 'munmap') return false;
      const p = u.params ?? {};
      const start = p['start'] as number;
      const end = start + (p['len'] as number);
      return start < v.end && v.start < end;
    });
    if (j >= 0) {
      throw new ScenarioError(
        `threads[${i}].params.address`,
        `reclaim of page ${addr} in the VMA [${v.start}, ${v.end}) that munmap (threads[${j}]) splits or removes: the rmap walk that finds the VMA mapping the page (under the anon_vma lock __vma_adjust() takes) is not modelled`,
      );
    }
  });
  for (const f of sc.replaceFns ?? []) fns.set(f.name, f);
  for (const [name, d] of Object.entries(sc.declared?.callees ?? {})) {
    const file = sc.declared!.file;
    refuseModelled(file, name, fns.get(name), Object.hasOwn(primitives, name) || Object.hasOwn(CORE_PRIMITIVES, name));
    primitives[name] = declaredPrimitive(name, d, file);
  }
  addKworkers(works, threads, { fns: [...fns.values()], primitives, constants, statics, mem, locks, balanced, globals: [...globals], core, listOrder: walkOrder });
  // The kworkers are threads too, each with its own partial-deadlock check.
  if (threads.length > MAX_THREADS) {
    const kw = threads.length - sc.threads.length;
    throw new ScenarioError(
      'notifiers',
      `with the ${kw} kworker ${kw === 1 ? 'thread' : 'threads'} that run the work items its threads can queue (one per item), the scenario has ${threads.length} threads; at most ${MAX_THREADS} can be checked (the liveness checks take one property per thread, and the engine checks at most 30): use fewer notifiers or threads`,
    );
  }

  const spec: ProgramSpec = {
    fns: [...fns.values()],
    primitives,
    constants,
    statics,
    mem,
    locks,
    notifiers: walkOrder,
    threads,
    balanced,
    balancedOffsets,
    contract: core.contract,
    core: core.name,
    globals: [...globals],
    countCalls: ['oom_reap_task_mm'],
    stackTypes: STACK_TYPES,
  };
  const program = new Program(spec);
  if (sc.declared) checkDeclaredCalls(program, sc.declared.callees, sc.declared.file);
  return program;
}

/**
 * Add, idle, the kworker of every work item a thread of the scenario can queue: one that reaches a
 * function of the item's `queuedBy` (src/model/kernel/core/workqueue.ts). A kworker can queue work items
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
      stackTypes: STACK_TYPES,
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
