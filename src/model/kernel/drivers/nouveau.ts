/**
 * nouveau SVM (drivers/gpu/drm/nouveau/nouveau_svm.c) as of v6.6: two notifiers on the process's mm.
 *
 * - The hlist notifier `svmm->notifier` (`nouveau_mn_ops`: `.invalidate_range_start =
 *   nouveau_svmm_invalidate_range_start`, `.free_notifier`), registered by `nouveau_svmm_init()` with
 *   `__mmu_notifier_register()`: -EAGAIN whenever the range is not blockable; otherwise, under
 *   `svmm->mutex`, it clears the GPU page-table entries of the range (`nouveau_svmm_invalidate()`:
 *   `NVIF_VMM_V0_PFNCLR`). No end, no release.
 * - The interval notifier `struct svm_notifier` (`nouveau_svm_mni_ops`: `.invalidate =
 *   nouveau_svm_range_invalidate`), a local of the fault work `nouveau_svm_fault()`, which
 *   `nouveau_range_fault()` inserts over the faulting range and removes when it is done. Its
 *   `invalidate` only records `cur_seq` under `svmm->mutex` (`mutex_trylock()` or `false` when not
 *   blockable): "This is very hacky and only works because the normal notifier that does invalidation
 *   is always called after the range notifier."
 *
 * Sources. torvalds/linux @ 130377304ed09e54ff35a8974372498aad7059f3
 * drivers/gpu/drm/nouveau/nouveau_svm.c (index id 43532648; ~v6.14 by content: issue14-research.md
 * §5.3). The functions modelled here are the 6.6.y text: `nouveau_svm_range_invalidate` and
 * `nouveau_range_fault` appear as context of the 6.6-stable backport of b3fefbb30a16 (index id
 * 35986646501), and `nouveau_svmm_invalidate_range_start` and `nouveau_svmm_invalidate` have had this
 * form since the v5.7 conversion from hmm_mirror to mmu_notifier (the `-EAGAIN` when not blockable is
 * the v5.2 hmm_mirror `sync_cpu_device_pagetables`' `if (!update->blockable) return -EAGAIN;`, read in
 * torvalds/linux @ 02712bc32508, index id 22902858804); no 6.6-tagged copy of the file was found.
 *
 * The model (docs/model.md, "nouveau SVM as of v6.6"):
 * - an instance is one `struct nouveau_svmm` (its hlist notifier, named alike) with its objects, the
 *   pages its GPU maps (`obj.mapped`: the GPU page table maps them; every object starts mapped); the
 *   `struct svm_notifier` of its fault work is `<id>.sn` and its embedded interval notifier
 *   `<id>.sn.notifier` (the v6.6 core's dynamic tree: in no tree until the fault inserts it). Both
 *   notifiers guard the instance's objects;
 * - thread `nouveau:fault(address)`: `nouveau_range_fault()` for one faulting page, called as
 *   `nouveau_svm_fault()` calls it (its fault-buffer parsing, the svmm lookup, `mmget_not_zero()` and
 *   the fault-window computation are not run: the window is the page). One per instance: the fault
 *   work of a device runs one fault at a time, with its `svm_notifier` on its stack.
 *   `nouveau_atomic_range_fault()` (atomic faults: `make_device_exclusive_range()`) is not modelled;
 * - the GPU page-table updates are one step each: `nvif_object_ioctl(...)` of the fault (PFNMAP: sets
 *   `mapped` for the page) and `nouveau_svmm_invalidate()`'s PFNCLR (clears it for the range); the
 *   unmanaged window of `svmm->unmanaged` is empty (a scenario's objects are SVM pages);
 *   `nouveau_hmm_convert_pfn()` is shown, not run (it encodes the pfn for the ioctl);
 * - `hmm_range_fault()` and the retry loop's `time_after()` are test_hmm's primitives.
 */
import type { DriverDef, DriverThreadDef, InstanceState, ObjectRange, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { c, cAs, cAsG, cg, elif, fn, if_, label, shown, while_, type FnDef } from '../../lang/ir.ts';
import { num, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { HMM_RANGE_PRIMITIVES, objectsIn } from './test_hmm.ts';

const FILE = 'drivers/gpu/drm/nouveau/nouveau_svm.c';
const V = 'v6.6';
const SRC =
  'torvalds/linux @ 130377304ed0 drivers/gpu/drm/nouveau/nouveau_svm.c (index id 43532648, ~v6.14 by content), the 6.6.y text per the 6.6-stable backport mail of b3fefbb30a16 (index id 35986646501); issue14-research.md §5.3';


const PRIMITIVES: Readonly<Record<string, Primitive>> = {
  ...HMM_RANGE_PRIMITIVES,
  SVMM_DBG: { shared: false, sleeps: false, doc: 'SVMM_DBG(svmm, fmt, ...): NV_DEBUG (printk).', run: () => 0 },
  nouveau_vmm_pfnclr: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'w', zero: true }],
    doc: 'Stand-in for `nvif_object_mthd(&svmm->vmm->vmm.object, NVIF_VMM_V0_PFNCLR, &(struct nvif_vmm_pfnclr_v0){ .addr = start, .size = limit - start }, ...)` in nouveau_svmm_invalidate(): the GPU page-table entries of [start, limit) are cleared; one step that clears `mapped` for the svmm\'s objects the range overlaps. The method call to the GPU\'s VMM does not sleep in the model.',
    run(ctx, [svmm, start, limit]) {
      for (const o of objectsIn(ctx, String(svmm), num(start, 'nouveau_vmm_pfnclr'), num(limit, 'nouveau_vmm_pfnclr'))) ctx.write(`${o}.mapped`, 0);
      return 0;
    },
  },
  nouveau_vmm_pfnmap: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'w' }],
    doc: 'Stand-in for `nvif_object_ioctl(&svmm->vmm->vmm.object, args, size, NULL)` of nouveau_range_fault() (NVIF_VMM_V0_PFNMAP): the GPU page table maps the pages hmm_range_fault() returned for [start, end); one step that sets `mapped` for the svmm\'s objects the range overlaps. Returns 0.',
    run(ctx, [svmm, start, end]) {
      for (const o of objectsIn(ctx, String(svmm), num(start, 'nouveau_vmm_pfnmap'), num(end, 'nouveau_vmm_pfnmap'))) ctx.write(`${o}.mapped`, 1);
      return 0;
    },
  },
};

/** The GPU page-table invalidation of [start, limit). */
const nouveauSvmmInvalidate: FnDef = fn({
  name: 'nouveau_svmm_invalidate',
  file: FILE,
  version: V,
  source: `${SRC}. The PFNCLR method runs as the stand-in nouveau_vmm_pfnclr (the compound literal has no form in the model's C)`,
  signature: 'void nouveau_svmm_invalidate(struct nouveau_svmm *svmm, u64 start, u64 limit)',
  params: ['svmm', 'start', 'limit'],
  body: [
    if_('limit > start', [
      cAs(
        'nvif_object_mthd(&svmm->vmm->vmm.object, NVIF_VMM_V0_PFNCLR, &(struct nvif_vmm_pfnclr_v0) { .addr = start, .size = limit - start, }, sizeof(struct nvif_vmm_pfnclr_v0));',
        'nouveau_vmm_pfnclr(svmm, start, limit);',
      ),
    ]),
  ],
});

/** The hlist notifier's start: -EAGAIN whenever not blockable; otherwise the GPU's entries cleared under svmm->mutex. */
const nouveauSvmmInvalidateRangeStart: FnDef = fn({
  name: 'nouveau_svmm_invalidate_range_start',
  file: FILE,
  version: V,
  source: SRC,
  signature: 'static int nouveau_svmm_invalidate_range_start(struct mmu_notifier *mn, const struct mmu_notifier_range *update)',
  params: ['mn', 'update'],
  body: [
    c('struct nouveau_svmm *svmm = container_of(mn, struct nouveau_svmm, notifier);'),
    c('unsigned long start = update->start;'),
    c('unsigned long limit = update->end;'),
    if_('!mmu_notifier_range_blockable(update)', [c('return -EAGAIN;')]),
    c('SVMM_DBG(svmm, "invalidate %016lx-%016lx", start, limit);'),
    c('mutex_lock(&svmm->mutex);'),
    if_('unlikely(!svmm->vmm)', [c('goto out;')]),
    if_('update->event == MMU_NOTIFY_MIGRATE && update->owner == svmm->vmm->cli->drm->dev', [c('goto out;')]),
    if_('limit > svmm->unmanaged.start && start < svmm->unmanaged.limit', [
      if_('start < svmm->unmanaged.start', [c('nouveau_svmm_invalidate(svmm, start, svmm->unmanaged.limit);')]),
      c('start = svmm->unmanaged.limit;'),
    ]),
    c('nouveau_svmm_invalidate(svmm, start, limit);'),
    label('out'),
    c('mutex_unlock(&svmm->mutex);'),
    c('return 0;'),
  ],
});

/** The interval notifier's invalidate: only the sequence, under svmm->mutex (the "very hacky" part). */
const nouveauSvmRangeInvalidate: FnDef = fn({
  name: 'nouveau_svm_range_invalidate',
  file: FILE,
  version: V,
  source: SRC,
  signature: 'static bool nouveau_svm_range_invalidate(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *range, unsigned long cur_seq)',
  params: ['mni', 'range', 'cur_seq'],
  body: [
    c('struct svm_notifier *sn = container_of(mni, struct svm_notifier, notifier);'),
    if_('range->event == MMU_NOTIFY_EXCLUSIVE && range->owner == sn->svmm->vmm->cli->drm->dev', [c('return true;')]),
    if_('mmu_notifier_range_blockable(range)', [c('mutex_lock(&sn->svmm->mutex);')], elif('!mutex_trylock(&sn->svmm->mutex)', [c('return false;')])),
    c('mmu_interval_set_seq(mni, cur_seq);'),
    c('mutex_unlock(&sn->svmm->mutex);'),
    c('return true;'),
  ],
});

/**
 * The fault path. The two ghost effects are the model's: `mnc_gen` samples, right after
 * mmu_interval_read_begin() returned, how many invalidations of the page's object have gone through,
 * and the GPU mapping (the PFNMAP ioctl) checks it (interval-coherency:stale-use).
 */
const nouveauRangeFault: FnDef = fn({
  name: 'nouveau_range_fault',
  file: FILE,
  version: V,
  source: `${SRC}. The designated initialiser of the hmm_range sets the fields the model keeps; mmap_read_lock(mm) runs as down_read(&mm->mmap_sem) (the model's mmap_lock); the timeout is a choice (time_after); the PFNMAP ioctl runs as the stand-in nouveau_vmm_pfnmap`,
  signature:
    'static int nouveau_range_fault(struct nouveau_svmm *svmm, struct nouveau_drm *drm, struct nouveau_pfnmap_args *args, u32 size, unsigned long hmm_flags, struct svm_notifier *notifier)',
  params: ['svmm', 'drm', 'args', 'size', 'hmm_flags', 'notifier'],
  stack: { range: ['notifier', 'notifier_seq', 'start', 'end'] },
  body: [
    cAs('unsigned long timeout = jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);', 'timeout = 0;'),
    shown('unsigned long hmm_pfns[1];', 'the pfns hmm_range_fault() returns are not modelled'),
    cAs(
      'struct hmm_range range = { .notifier = &notifier->notifier, .default_flags = hmm_flags, .hmm_pfns = hmm_pfns, .dev_private_owner = drm->dev, };',
      'range.notifier = &notifier->notifier;',
    ),
    c('struct mm_struct *mm = svmm->notifier.mm;'),
    c('int ret;'),
    c('ret = mmu_interval_notifier_insert(&notifier->notifier, mm, args->p.addr, args->p.size, &nouveau_svm_mni_ops);'),
    if_('ret', [c('return ret;')]),
    c('range.start = notifier->notifier.interval_tree.start;'),
    c('range.end = notifier->notifier.interval_tree.last + 1;'),
    while_('true', [
      if_('time_after(jiffies, timeout)', [c('ret = -EBUSY;'), c('goto out;')]),
      cg('range.notifier_seq = mmu_interval_read_begin(range.notifier);', undefined, 'mnc_gen = mnc_interval_gen(range.notifier, range.start)'),
      cAs('mmap_read_lock(mm);', 'down_read(&mm->mmap_sem);'),
      c('ret = hmm_range_fault(&range);'),
      cAs('mmap_read_unlock(mm);', 'up_read(&mm->mmap_sem);'),
      if_('ret', [if_('ret == -EBUSY', [c('continue;')]), c('goto out;')]),
      c('mutex_lock(&svmm->mutex);'),
      if_('mmu_interval_read_retry(range.notifier, range.notifier_seq)', [c('mutex_unlock(&svmm->mutex);'), c('continue;')]),
      c('break;'),
    ]),
    shown('nouveau_hmm_convert_pfn(drm, &range, args);', 'encodes the pfn hmm_range_fault() returned for the ioctl; the model maps the range\'s pages'),
    cAsG('ret = nvif_object_ioctl(&svmm->vmm->vmm.object, args, size, NULL);', 'ret = nouveau_vmm_pfnmap(svmm, range.start, range.end);', 'mnc_interval_use(range.notifier, range.start, mnc_gen)'),
    c('mutex_unlock(&svmm->mutex);'),
    label('out'),
    c('mmu_interval_notifier_remove(&notifier->notifier);'),
    c('return ret;'),
  ],
});

const FAULT: DriverThreadDef = {
  description:
    "The GPU's replayable-fault work (nouveau_svm_fault) handling a fault on one page: nouveau_range_fault inserts an interval notifier over the page (mmu_interval_notifier_insert), loops mmu_interval_read_begin, hmm_range_fault under mmap_lock, svmm->mutex, mmu_interval_read_retry, maps the page on the GPU (the PFNMAP ioctl) under the mutex, then removes the notifier (mmu_interval_notifier_remove, which waits for an invalidation in progress). The timeout may end the loop with -EBUSY at any round.",
  fns: [nouveauRangeFault],
  entry: 'nouveau_range_fault',
  params: { address: "the faulting page; must lie in one of the svmm's objects" },
  once: "the fault work of a device (nouveau_svm_fault, one work item per fault buffer) handles one fault at a time, with its struct svm_notifier on its stack: one interval notifier per instance",
  args(nid, p, ctx) {
    const address = p.address;
    if (typeof address !== 'number' || !Number.isInteger(address) || address < 0) throw ctx.error('address', 'expected a non-negative integer');
    const objs = (ctx.statics[`${nid}.objects`] ?? []) as readonly Value[];
    const inObj = objs.some((o) => (ctx.statics[`${String(o)}.start`] as number) <= address && address <= (ctx.statics[`${String(o)}.last`] as number));
    if (!inObj) throw ctx.error('address', `page ${address} lies in no object of ${nid}; the GPU faults on the svmm's pages`);
    // args->p.addr and args->p.size (nouveau_svm_fault's fault window, here the page), and the
    // interval the insert gives the svm_notifier: [addr, addr + size - 1].
    ctx.statics[`${nid}.args.p.addr`] = address;
    ctx.statics[`${nid}.args.p.size`] = 1;
    ctx.statics[`${nid}.sn.notifier.interval_tree.start`] = address;
    ctx.statics[`${nid}.sn.notifier.interval_tree.last`] = address;
    return [nid, `${nid}.drm`, `${nid}.args`, 1, 0, `${nid}.sn`];
  },
};

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  const inv: Record<string, Value> = {};
  objects.forEach((_, i) => (inv[`${id}.obj${i}.inv_gen`] = 0));
  return {
    mem: { ...mappedMem(id, objects), ...inv },
    locks: { [`${id}.mutex`]: 'mutex' },
    statics: {
      ...objectStatics(id, objects, 'objects'),
      // The svmm is its hlist notifier (`svmm->notifier`), named alike; `svmm->vmm` is set (not torn down).
      [`${id}.notifier`]: id,
      [`${id}.mm`]: 'mm',
      [`${id}.vmm`]: `${id}.vmm`,
      [`${id}.unmanaged.start`]: 0,
      [`${id}.unmanaged.limit`]: 0,
      // The fault work's struct svm_notifier and its embedded interval notifier.
      [`${id}.sn.svmm`]: id,
      [`${id}.sn.notifier`]: `${id}.sn.notifier`,
      [`${id}.args.p`]: `${id}.args.p`,
    },
    balanced: [],
  };
}

const v66: VariantDef = {
  description:
    'drivers/gpu/drm/nouveau/nouveau_svm.c as of v6.6: the hlist notifier nouveau_svmm_invalidate_range_start (-EAGAIN when not blockable; else the GPU page-table entries cleared under svmm->mutex) and the fault path nouveau_range_fault, which inserts an interval notifier over the faulting page, whose nouveau_svm_range_invalidate only sets the sequence under svmm->mutex (trylock or false when not blockable), and removes it when done',
  version: V,
  api: 'v5.2',
  fns: [nouveauSvmmInvalidateRangeStart, nouveauSvmmInvalidate, nouveauSvmRangeInvalidate],
  ops: { invalidate_range_start: 'nouveau_svmm_invalidate_range_start' },
  flags: 0,
  primitives: PRIMITIVES,
  instance,
  dynamicInterval: { id: (nid) => `${nid}.sn.notifier`, invalidate: 'nouveau_svm_range_invalidate' },
  constants: { MMU_NOTIFY_MIGRATE: 6, MMU_NOTIFY_EXCLUSIVE: 7, HMM_RANGE_DEFAULT_TIMEOUT: 1000, EBUSY: 16 },
  globals: ['jiffies', 'nouveau_svm_mni_ops'],
  threads: { fault: FAULT },
};

export const NOUVEAU: DriverDef = {
  name: 'nouveau',
  description: 'drivers/gpu/drm/nouveau/nouveau_svm.c (v6.6): SVM, an hlist notifier that invalidates the GPU page table and, per GPU fault, an interval notifier inserted and removed by the fault path (nouveau_range_fault)',
  variants: { 'v6.6': v66 },
  defaultVariant: { 'v4.18': 'v6.6', 'v4.19': 'v6.6', 'v5.0': 'v6.6', 'v5.2': 'v6.6' },
};
