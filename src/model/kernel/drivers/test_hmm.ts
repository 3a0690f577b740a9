/**
 * lib/test_hmm.c, the HMM test driver (the kernel's own selftests, tools/testing/selftests/vm/hmm-tests.c,
 * drive it): one `struct dmirror` per open file, an `mmu_interval_notifier` over the whole address
 * space, and a device page table (`dmirror->pt`, an xarray) that the fault path fills and the
 * invalidation clears, both under `dmirror->mutex`.
 *
 * Sources. test_hmm.c entered the kernel in v5.7 (b2ef9f5a5cb3, "mm/hmm/test: add selftest driver
 * for HMM"), two releases after the interval notifier API (v5.5, 99cb252f5e68); it calls only that
 * API (mmu_interval_notifier_insert, ops->invalidate with cur_seq, mmu_interval_set_seq,
 * mmu_interval_read_begin/_retry), which v5.5 defined and v5.7 did not change (v5.7 renamed only the
 * core's internals), so it runs on the v5.5 core as it is. No v5.7 copy of the file was at hand: the
 * bodies are torvalds/linux @ ead971eec0eb lib/test_hmm.c (index id 40009054, >= 6.15 by content),
 * where `dmirror_interval_invalidate`, `dmirror_min_ops` and `dmirror_range_fault` are textually
 * identical to a 5.14-5.19 copy (intel/linux-intel-lts @ 4abd943767b5, index id 4948134930;
 * issue14-research.md §5.8). What those later trees changed against v5.7 in the modelled statements,
 * as far as the history of the APIs tells: `mmap_read_lock(mm)` (v5.8) was `down_read(&mm->mmap_sem)`
 * (the model runs the same rw_semaphore), and `hmm_range_fault()` returned the number of pages
 * before v5.8 (the statements kept here test only for an error and -EBUSY); the
 * `MMU_NOTIFY_MIGRATE` test of the invalidate callback came with v5.9's device-private migration
 * (`range->owner`), and the model keeps it (no modelled caller migrates, so it is never true).
 *
 * Objects: each object is a range of pages the device mirrors (`obj.mapped`: `dmirror->pt` holds
 * entries for them; every object starts mirrored). The notifier is inserted, as
 * `dmirror_fops_open()` does, over the whole address space: `mmu_interval_notifier_insert(
 * &dmirror->notifier, current->mm, 0, ULONG_MAX & PAGE_MASK, &dmirror_min_ops)`; the insertion runs
 * before the scenario starts (the v5.5 core's interval tree is static). The model names a dmirror
 * and its embedded `notifier` alike (`dmirror->notifier` is the instance id, and `container_of()` of
 * it the dmirror), as it names a notifier and its hlist node alike.
 *
 * Abstractions: `dmirror_do_update()` (xa_erase of the range's entries) and `dmirror_do_fault()`
 * (xa_store of the pages `hmm_range_fault()` returned, GFP_ATOMIC) are one step each that clear
 * or set `mapped` for the objects of the range; neither sleeps. `hmm_range_fault()` is one step
 * that may sleep (it faults pages in through handle_mm_fault()); it returns -EBUSY when
 * `mmu_interval_check_retry()` says an invalidation collided (its walk tests that before every
 * page-table walk), else 0; the CPU page it would fault back in after a zap is not modelled (the
 * VMA's freed pages stay freed), and a page munmap removed is still found (the reader looks its
 * page up in the configured VMAs, as umem_odp's fault does). The `time_after(jiffies, timeout)` of
 * the retry loop is a choice at each round (time is not modelled: the timeout may expire at any
 * round), so a reader that keeps colliding can always give up with -EBUSY.
 */
import type { DriverDef, DriverThreadDef, InstanceState, ObjectRange, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { c, cAs, cg, elif, fn, shown, if_, ifAs, label, while_, type FnDef, type Stmt } from '../../lang/ir.ts';
import { num, type PrimCtx, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { forC } from './notifier-users-common.ts';

const FILE = 'lib/test_hmm.c';
const SRC =
  'torvalds/linux @ ead971eec0eb lib/test_hmm.c (index id 40009054, >= 6.15 by content), the same text as the 5.14-5.19 copy in intel/linux-intel-lts @ 4abd943767b5 (index id 4948134930); issue14-research.md §5.8. test_hmm.c entered in v5.7 using the v5.5 interval notifier API unchanged';

/** The objects of instance `d` (a dmirror; nouveau's svmm too) that [start, end) overlaps. */
export function objectsIn(ctx: PrimCtx, d: string, start: number, end: number): string[] {
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const id = `${d}.obj${i}`;
    const s = ctx.stat(`${id}.start`);
    const l = ctx.stat(`${id}.last`);
    if (typeof s !== 'number' || typeof l !== 'number') return out;
    if (s <= end - 1 && start <= l) out.push(id);
  }
}

/** `range->field` of the struct hmm_range on the fault path's stack (a lazy argument). */
function rangeField(ctx: PrimCtx, range: unknown, field: string): Value {
  return ctx.evalLazy({ k: 'field', obj: range as never, field });
}

/**
 * `hmm_range_fault()` and the retry loop's `time_after()`, shared by every modelled user of
 * `struct hmm_range` (test_hmm, amdgpu@v6.6's amdgpu_hmm_range_get_pages, ...): one object each, so
 * that two of them can share a scenario.
 */
export const HMM_RANGE_PRIMITIVES: Readonly<Record<string, Primitive>> = {
  hmm_range_fault: {
    shared: true,
    sleeps: true,
    lazy: [0],
    access: () => [
      { name: 'invalidate_seq', mode: 'r' },
      // The range's fields, when the hmm_range is in shared memory (amdgpu@v6.6's, kzalloc'd per CS).
      { name: 'notifier', mode: 'r' },
      { name: 'notifier_seq', mode: 'r' },
    ],
    doc: 'hmm_range_fault(range) (mm/hmm.c): snapshots the CPU page table for [range->start, range->end), faulting pages in (handle_mm_fault(): may sleep). Returns -EBUSY when mmu_interval_check_retry(range->notifier, range->notifier_seq) says an invalidation collided (its walk tests that before each page-table walk), else 0. The pages it would fault back in are not modelled (docs/model.md, test_hmm).',
    run(ctx, [range]) {
      const mni = String(rangeField(ctx, range, 'notifier'));
      const seq = rangeField(ctx, range, 'notifier_seq');
      return ctx.read(`${mni}.invalidate_seq`) !== seq ? -16 : 0;
    },
  },
  time_after: {
    shared: false,
    sleeps: false,
    doc: 'time_after(jiffies, timeout): whether HMM_RANGE_DEFAULT_TIMEOUT has passed since the fault began. Time is not modelled: both answers are explored at every round (a choice), so a reader that keeps colliding may give up with -EBUSY at any round.',
    choices: () => 2,
    run: (_ctx, _args, choice) => choice,
  },
};

const PRIMITIVES: Readonly<Record<string, Primitive>> = {
  ...HMM_RANGE_PRIMITIVES,
  dmirror_do_update: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'w', zero: true }],
    doc: 'dmirror_do_update(dmirror, start, end) (lib/test_hmm.c): xa_erase() of every device page-table entry in [start, end); one step that clears `mapped` for the dmirror\'s objects the range overlaps. Never sleeps.',
    run(ctx, [d, start, end]) {
      for (const o of objectsIn(ctx, String(d), num(start, 'dmirror_do_update'), num(end, 'dmirror_do_update'))) ctx.write(`${o}.mapped`, 0);
      return 0;
    },
  },
  dmirror_do_fault: {
    shared: true,
    sleeps: false,
    lazy: [1],
    access: () => [{ name: 'mapped', mode: 'w' }],
    doc: 'dmirror_do_fault(dmirror, range) (lib/test_hmm.c): xa_store() (GFP_ATOMIC) of an entry for every page hmm_range_fault() returned in [range->start, range->end); one step that sets `mapped` for the dmirror\'s objects the range overlaps: the device now maps those pages. Returns 0; never sleeps.',
    run(ctx, [d, range]) {
      const s = num(rangeField(ctx, range, 'start'), 'dmirror_do_fault');
      const e = num(rangeField(ctx, range, 'end'), 'dmirror_do_fault');
      for (const o of objectsIn(ctx, String(d), s, e)) ctx.write(`${o}.mapped`, 1);
      return 0;
    },
  },
};

/** The invalidate callback: trylock when not blockable, set the sequence, clear the device's entries. */
const dmirrorIntervalInvalidate: FnDef = fn({
  name: 'dmirror_interval_invalidate',
  file: FILE,
  version: 'v5.7',
  source: SRC,
  signature: 'static bool dmirror_interval_invalidate(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *range, unsigned long cur_seq)',
  params: ['mni', 'range', 'cur_seq'],
  body: [
    c('struct dmirror *dmirror = container_of(mni, struct dmirror, notifier);'),
    if_('range->event == MMU_NOTIFY_MIGRATE && range->owner == dmirror->mdevice', [c('return true;')]),
    if_('mmu_notifier_range_blockable(range)', [c('mutex_lock(&dmirror->mutex);')], elif('!mutex_trylock(&dmirror->mutex)', [c('return false;')])),
    c('mmu_interval_set_seq(mni, cur_seq);'),
    c('dmirror_do_update(dmirror, range->start, range->end);'),
    c('mutex_unlock(&dmirror->mutex);'),
    c('return true;'),
  ],
});

/**
 * The fault path's retry loop. The two ghost effects are the model's: `mnc_gen` samples, right after
 * mmu_interval_read_begin() returned, how many invalidations of the page's object have gone through,
 * and the use of the mapping (dmirror_do_fault) checks it (interval-coherency:stale-use).
 */
const dmirrorRangeFault: FnDef = fn({
  name: 'dmirror_range_fault',
  file: FILE,
  version: 'v5.7',
  source: `${SRC}. mmap_read_lock(mm) runs as down_read(&mm->mmap_sem) (v5.7's text; mmap_read_lock came with v5.8); the timeout is a choice (time_after)`,
  signature: 'static int dmirror_range_fault(struct dmirror *dmirror, struct hmm_range *range)',
  params: ['dmirror', 'range'],
  body: [
    c('struct mm_struct *mm = dmirror->notifier.mm;'),
    cAs('unsigned long timeout = jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);', 'timeout = 0;'),
    c('int ret;'),
    while_('true', [
      if_('time_after(jiffies, timeout)', [c('ret = -EBUSY;'), c('goto out;')]),
      cg('range->notifier_seq = mmu_interval_read_begin(range->notifier);', undefined, 'mnc_gen = mnc_interval_gen(range->notifier, range->start)'),
      cAs('mmap_read_lock(mm);', 'down_read(&mm->mmap_sem);'),
      c('ret = hmm_range_fault(range);'),
      cAs('mmap_read_unlock(mm);', 'up_read(&mm->mmap_sem);'),
      if_('ret', [if_('ret == -EBUSY', [c('continue;')]), c('goto out;')]),
      c('mutex_lock(&dmirror->mutex);'),
      if_('mmu_interval_read_retry(range->notifier, range->notifier_seq)', [c('mutex_unlock(&dmirror->mutex);'), c('continue;')]),
      c('break;'),
    ]),
    cg('ret = dmirror_do_fault(dmirror, range);', undefined, 'mnc_interval_use(range->notifier, range->start, mnc_gen)'),
    c('mutex_unlock(&dmirror->mutex);'),
    label('out'),
    c('return ret;'),
  ],
});

/** The HMM_DMIRROR_READ/WRITE ioctl's fault: one hmm_range on its stack, faulted in blocks of 64 pages. */
const dmirrorFault: FnDef = fn({
  name: 'dmirror_fault',
  file: FILE,
  version: 'v5.7',
  source: `${SRC}. The designated initialiser sets the fields the model keeps (\`&dmirror->notifier\` is the dmirror itself: the model names a dmirror and its embedded notifier alike); mmget_not_zero()/mmput() of the thread's own reference are shown, not run (the thread holds mm_users while it runs: docs/model.md, "The users of the mm")`,
  signature: 'static int dmirror_fault(struct dmirror *dmirror, unsigned long start, unsigned long end, bool write)',
  params: ['dmirror', 'start', 'end', 'write'],
  stack: { range: ['notifier', 'notifier_seq', 'start', 'end'] },
  body: [
    c('struct mm_struct *mm = dmirror->notifier.mm;'),
    c('unsigned long addr;'),
    cAs(
      'struct hmm_range range = { .notifier = &dmirror->notifier, .hmm_pfns = pfns, .pfn_flags_mask = 0, .default_flags = HMM_PFN_REQ_FAULT | (write ? HMM_PFN_REQ_WRITE : 0), .dev_private_owner = dmirror->mdevice, };',
      'range.notifier = dmirror->notifier;',
    ),
    c('int ret = 0;'),
    ifAs('!mmget_not_zero(mm)', '0', [c('return 0;')]),
    forC('addr = start', 'addr < end', 'addr = range.end', [
      c('range.start = addr;'),
      cAs('range.end = min(addr + (ARRAY_SIZE(pfns) << PAGE_SHIFT), end);', 'range.end = min(addr + 64, end);'),
      c('ret = dmirror_range_fault(dmirror, &range);'),
      if_('ret', [c('break;')]),
    ]),
    shown('mmput(mm);', "the thread's own mm_users reference, dropped when it finishes"),
    c('return ret;'),
  ],
});

const FAULT: DriverThreadDef = {
  description:
    'The HMM_DMIRROR_READ ioctl faulting pages [address, address + len) into the device (dmirror_fault -> dmirror_range_fault): mmu_interval_read_begin(), hmm_range_fault() under mmap_sem, dmirror->mutex, mmu_interval_read_retry(), and on success the device page-table update under the mutex; a collision retries, and the timeout may end it with -EBUSY at any round.',
  fns: [dmirrorFault, dmirrorRangeFault],
  entry: 'dmirror_fault',
  params: {
    address: 'first page to fault in; must lie in one of the notifier\'s objects',
    len: 'number of pages (default 1)',
  },
  args(nid, p, ctx) {
    const int = (v: unknown, name: string, dflt?: number): number => {
      if (v === undefined && dflt !== undefined) return dflt;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw ctx.error(name, 'expected a non-negative integer');
      return v;
    };
    const address = int(p.address, 'address');
    const len = int(p.len, 'len', 1);
    if (len < 1) throw ctx.error('len', 'expected at least one page');
    const objs = (ctx.statics[`${nid}.objects`] ?? []) as readonly Value[];
    const inObj = objs.some((o) => (ctx.statics[`${String(o)}.start`] as number) <= address && address <= (ctx.statics[`${String(o)}.last`] as number));
    if (!inObj) throw ctx.error('address', `page ${address} lies in no object of ${nid}; the device mirrors only its objects' pages`);
    return [nid, address, address + len, 0];
  },
};

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  const inv: Record<string, Value> = {};
  objects.forEach((_, i) => (inv[`${id}.obj${i}.inv_gen`] = 0));
  return {
    mem: { ...mappedMem(id, objects), ...inv },
    locks: { [`${id}.mutex`]: 'mutex' },
    statics: { ...objectStatics(id, objects, 'objects'), [`${id}.notifier`]: id, [`${id}.mdevice`]: `${id}.mdevice` },
    balanced: [],
  };
}

const v57: VariantDef = {
  description:
    'lib/test_hmm.c as it entered in v5.7 (b2ef9f5a5cb3), on the v5.5 interval notifier API: dmirror_interval_invalidate (mutex_lock when blockable, else mutex_trylock or return false; mmu_interval_set_seq; the device entries erased) and the fault path dmirror_range_fault (read_begin, hmm_range_fault, the mutex, read_retry, the device entries stored)',
  version: 'v5.7',
  api: 'v5.2',
  fns: [dmirrorIntervalInvalidate],
  ops: { invalidate: 'dmirror_interval_invalidate' },
  flags: 0,
  primitives: PRIMITIVES,
  instance,
  interval: () => ({ start: 0, last: 0x7fffffff - 1 }),
  constants: { MMU_NOTIFY_MIGRATE: 6, HMM_RANGE_DEFAULT_TIMEOUT: 1000, EBUSY: 16 },
  globals: ['jiffies'],
  threads: { fault: FAULT },
};

export const TEST_HMM: DriverDef = {
  name: 'test_hmm',
  description: 'lib/test_hmm.c (v5.7 on): the HMM test driver, an mmu_interval_notifier over the whole address space with its fault path (dmirror_range_fault)',
  variants: { 'v5.7': v57 },
  defaultVariant: { 'v4.18': 'v5.7', 'v4.19': 'v5.7', 'v5.0': 'v5.7', 'v5.2': 'v5.7' },
};
