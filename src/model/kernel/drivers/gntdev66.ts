/**
 * The Xen grant device as v6.6 has it (drivers/xen/gntdev.c): one `mmu_interval_notifier` per grant
 * map, inserted by `gntdev_mmap()` over the map's VMA (v5.7 on, Jason Gunthorpe's "xen/gntdev: use
 * mmu_interval_notifier_insert"), whose `gntdev_invalidate()` unmaps the grants in the range; the
 * variant `gntdev@v6.6` of src/model/kernel/drivers/gntdev.ts, and the mmap that maps the grants as
 * thread `gntdev:mmap`.
 *
 * Sources (index ids are the search tool's). `gntdev_invalidate()` and the head of `gntdev_mmap()`:
 * gregkh/linux @ 52dc40ef0cfe drivers/xen/gntdev.c (index id 57433232783; issue14-research.md §5.6):
 * "xen/gntdev: Accommodate VMA splitting" (Oct 2022: `map->pages_vm_start`) and "xen/gntdev: Avoid
 * blocking in unmap_grant_pages()" (2022: the void `unmap_grant_pages()` with `being_removed[]` and the
 * asynchronous `gnttab_unmap_refs_async()`) are in, the 6.3 `vm_flags_set()` conversion is not: a
 * 6.1/6.2 text. No later change to `gntdev_invalidate()` or to these lines of `gntdev_mmap()` was found
 * (none of the patches the index holds touch them), so v6.6 is taken to have the same text: an
 * inference, not a 6.6 tree. The tail of `gntdev_mmap()` (read_begin, `apply_to_page_range(...,
 * find_grant_ptes, map)`, `gntdev_map_grant_pages()`) is the same in the 5.x copy of index id 32596971
 * and in the 2022 copy of index id 18982757235.
 *
 * Objects: a notifier of `gntdev@v6.6` is one grant map (`struct gntdev_grant_map`, its embedded
 * `notifier` named alike) with exactly one object, the pages it is mmapped at
 * (`map->pages_vm_start`, `map->count`); `obj.mapped`: the grants are mapped into the VMA's PTEs
 * (the hypervisor holds the PTEs' machine addresses: "The purpose of the notifier is to prevent the
 * hypervisor pointer to the PTE from going stale").
 *
 * Abstractions (docs/model.md, "gntdev as of v6.6"):
 * - `unmap_grant_pages(map, offset, pages)` is one step that never sleeps: it marks the pages
 *   `being_removed` and issues the unmap through `gnttab_unmap_refs_async()`, which completes it
 *   without waiting (its retry of a busy page from a delayed work is not modelled: the grants are
 *   taken as unmapped once the unmap is issued, `mapped = 0`, for the whole object even when the
 *   range covers part of it).
 * - Thread `gntdev:mmap` is the part of `mmap()` after the notifier's insertion (the interval tree is
 *   static: the notifier is inserted before the scenario starts, as `mmu_interval_notifier_insert_locked()`
 *   does before the read_begin), under `mmap_lock` held for write as `vm_mmap_pgoff()` holds it; the
 *   map starts unmapped (`mapped = 0`) in a scenario with the thread. `apply_to_page_range(...,
 *   find_grant_ptes, map)` is one step (it may allocate page tables: may sleep) and
 *   `gntdev_map_grant_pages()` one step that maps the grants (`mapped = 1`; `gnttab_map_refs()` may
 *   sleep retrying GNTST_eagain). The x86 `set_grant_ptes_as_special` pass is left out (no grant
 *   feature flags in the model).
 * - `use_ptemod` is true (a PV domain: the notifier exists only then).
 */
import type { DriverThreadDef, InstanceState, ObjectRange, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { c, cAs, cg, fn, shown, if_, ifAs, label, parseExpr, type FnDef, type Stmt } from '../../lang/ir.ts';
import { ref, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { COMMON_PRIMITIVES } from './notifier-users-common.ts';

const FILE = 'drivers/xen/gntdev.c';
const V = 'v6.6';
const SRC =
  'gregkh/linux @ 52dc40ef0cfe drivers/xen/gntdev.c (index id 57433232783; a 6.1/6.2 text by content: VMA splitting accommodated, the asynchronous unmap_grant_pages(), before the 6.3 vm_flags_set() conversion; no later change to these lines was found, so v6.6 is taken to have them: issue14-research.md §5.6)';


const obj = (map: string): string => `${map}.obj0`;

export const GNTDEV66_PRIMITIVES: Readonly<Record<string, Primitive>> = {
  ...COMMON_PRIMITIVES,
  pr_warn: { shared: false, sleeps: false, doc: 'pr_warn(...): printk.', run: () => 0 },
  unmap_grant_pages: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'w' }],
    doc: 'unmap_grant_pages(map, offset, pages) (drivers/xen/gntdev.c, v6.1 on): for the pages not already being_removed, marks them and issues __unmap_grant_pages() -> gnttab_unmap_refs_async(), which unmaps without waiting (a busy page is retried from a delayed work, not modelled). One step; the grants of the map are unmapped (`obj.mapped = 0`) when pages > 0. Never sleeps.',
    run(ctx, [map, , pages]) {
      if (typeof pages === 'number' && pages > 0) ctx.write(`${obj(ref(map, 'unmap_grant_pages'))}.mapped`, 0);
      return 0;
    },
  },
  apply_to_page_range: {
    shared: false,
    sleeps: true,
    doc: 'apply_to_page_range(mm, addr, size, find_grant_ptes, map) (mm/memory.c): walks (allocating, GFP_KERNEL: may sleep) the page tables of the range and records each PTE\'s machine address in the map\'s map and unmap ops; returns 0. The PTE addresses are not modelled.',
    run: () => 0,
  },
  gntdev_map_grant_pages: {
    shared: true,
    sleeps: true,
    access: () => [{ name: 'mapped', mode: 'w' }],
    doc: 'gntdev_map_grant_pages(map) (drivers/xen/gntdev.c): the GNTTABOP_map_grant_ref hypercalls (gnttab_map_refs(), which may sleep retrying GNTST_eagain) map the foreign grants into the PTEs recorded by find_grant_ptes: `obj.mapped = 1`; returns 0.',
    run(ctx, [map]) {
      ctx.write(`${obj(ref(map, 'gntdev_map_grant_pages'))}.mapped`, 1);
      return 0;
    },
  },
};

export const gntdevInvalidate: FnDef = fn({
  name: 'gntdev_invalidate',
  file: FILE,
  version: V,
  source: `${SRC}; the comment before the range test is left out`,
  signature: 'static bool gntdev_invalidate(struct mmu_interval_notifier *mn, const struct mmu_notifier_range *range, unsigned long cur_seq)',
  params: ['mn', 'range', 'cur_seq'],
  body: [
    c('struct gntdev_grant_map *map = container_of(mn, struct gntdev_grant_map, notifier);'),
    c('unsigned long mstart, mend;'),
    c('unsigned long map_start, map_end;'),
    if_('!mmu_notifier_range_blockable(range)', [c('return false;')]),
    c('map_start = map->pages_vm_start;'),
    c('map_end = map->pages_vm_start + (map->count << PAGE_SHIFT);'),
    if_('map_start >= range->end || map_end <= range->start', [c('return true;')]),
    c('mstart = max(range->start, map_start);'),
    c('mend = min(range->end, map_end);'),
    c('pr_debug("map %d+%d (%lx %lx), range %lx %lx, mrange %lx %lx\\n", map->index, map->count, map_start, map_end, range->start, range->end, mstart, mend);'),
    c('unmap_grant_pages(map, (mstart - map_start) >> PAGE_SHIFT, (mend - mstart) >> PAGE_SHIFT);'),
    c('return true;'),
  ],
});

/**
 * `gntdev_mmap()` from the notifier's insertion on. The two ghost effects are the model's: the sample
 * after `mmu_interval_read_begin()` and the check where the grants are mapped
 * (interval-coherency:stale-use).
 */
export const gntdevMmap: FnDef = fn({
  name: 'gntdev_mmap',
  file: FILE,
  version: V,
  source: `${SRC}; the tail from the same lines in index ids 32596971 and 18982757235. Reduced: the head (priv->lock, the map lookup, the VMA flags, mmu_interval_notifier_insert_locked(): the interval tree is static) is shown, not run; the x86 set_grant_ptes_as_special pass and the error path's unmap and put are left out (apply_to_page_range and gntdev_map_grant_pages succeed in the model)`,
  signature: 'static int gntdev_mmap(struct file *flip, struct vm_area_struct *vma)',
  params: ['map', 'vma'],
  body: [
    c('int err = -EINVAL;'),
    shown(
      'mutex_lock(&priv->lock); map = gntdev_find_map_index(priv, index, count); ... map->pages_vm_start = vma->vm_start; if (use_ptemod) { err = mmu_interval_notifier_insert_locked(&map->notifier, vma->vm_mm, vma->vm_start, vma->vm_end - vma->vm_start, &gntdev_mmu_ops); ... } mutex_unlock(&priv->lock);',
      'the notifier is inserted before the scenario starts (static interval tree)',
    ),
    ifAs('use_ptemod', '1', [
      { ...cAs('mmu_interval_read_begin(&map->notifier);', 'mmu_interval_read_begin(map->notifier)'), ghost: [parseExpr('mnc_gen = mnc_interval_gen(map, map->pages_vm_start)')] } as Stmt,
      c('err = apply_to_page_range(vma->vm_mm, vma->vm_start, vma->vm_end - vma->vm_start, find_grant_ptes, map);'),
      if_('err', [c('pr_warn("find_grant_ptes() failure.\\n");'), c('goto out_put_map;')]),
    ]),
    cg('err = gntdev_map_grant_pages(map);', undefined, 'mnc_interval_use(map, map->pages_vm_start, mnc_gen)'),
    if_('err', [c('goto out_put_map;')]),
    c('return 0;'),
    label('out_put_map'),
    c('return err;'),
  ],
});

/** The mmap system call: vm_mmap_pgoff() -> do_mmap() -> mmap_region() -> call_mmap() -> gntdev_mmap(), under mmap_lock held for write. */
const vmMmap: FnDef = fn({
  name: 'vm_mmap_pgoff',
  file: 'mm/util.c',
  version: V,
  source:
    'mm/util.c vm_mmap_pgoff(), reduced to the mmap_lock it holds around do_mmap(); do_mmap() -> mmap_region() -> call_mmap() reach the driver\'s f_op->mmap with the new VMA (the VMA is the scenario\'s, configured: the model does not create VMAs); mmap_write_lock_killable(mm) runs as down_write(&mm->mmap_sem) (the model\'s core names the rw_semaphore so)',
  signature: 'unsigned long vm_mmap_pgoff(struct file *file, unsigned long addr, unsigned long len, unsigned long prot, unsigned long flag, unsigned long pgoff)',
  params: ['map', 'vma'],
  body: [
    c('unsigned long ret;'),
    c('struct mm_struct *mm = current->mm;'),
    cAs('if (mmap_write_lock_killable(mm)) return -EINTR;', 'down_write(&mm->mmap_sem)'),
    cAs('ret = do_mmap(file, addr, len, prot, flag, 0, pgoff, &populate, &uf);', 'ret = gntdev_mmap(map, vma)'),
    cAs('mmap_write_unlock(mm);', 'up_write(&mm->mmap_sem)'),
    c('return ret;'),
  ],
});

const MMAP: DriverThreadDef = {
  description:
    'mmap() of the grant map (vm_mmap_pgoff under mmap_lock for write -> gntdev_mmap): after the notifier\'s insertion, a bare mmu_interval_read_begin() (no retry: "Since this vma\'s mappings can\'t be touched without the mmap_lock, and we are holding it now, there is no need for the notifier_range locking pattern"), find_grant_ptes over the VMA, and gntdev_map_grant_pages(), which maps the grants.',
  fns: [vmMmap, gntdevMmap],
  entry: 'vm_mmap_pgoff',
  params: {},
  once: 'a grant map is mmapped once (gntdev_mmap refuses a map that already has a VMA: "if (use_ptemod && map->vma) goto unlock_out")',
  args(nid, _p, ctx) {
    // The map is not yet mapped when its mmap runs.
    ctx.mem[`${obj(nid)}.mapped`] = 0;
    const start = ctx.statics[`${obj(nid)}.start`] as number;
    const vmas = (ctx.statics['mm.vmas'] ?? []) as readonly Value[];
    const vma = vmas.find((v) => (ctx.statics[`${String(v)}.vm_start`] as number) <= start && start < (ctx.statics[`${String(v)}.vm_end`] as number));
    if (!vma) throw ctx.error('kind', `the grant map of ${nid} lies in no VMA`);
    return [nid, vma];
  },
};

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  const o = objects[0]!;
  return {
    mem: { ...mappedMem(id, objects), [`${id}.obj0.inv_gen`]: 0 },
    locks: {},
    statics: {
      ...objectStatics(id, objects, 'objects'),
      [`${id}.notifier`]: id,
      [`${id}.pages_vm_start`]: o.start,
      [`${id}.count`]: o.end - o.start,
      [`${id}.index`]: 0,
    },
    balanced: [],
  };
}

export const gntdevV66: VariantDef = {
  description:
    'v6.6 (drivers/xen/gntdev.c, 6.1/6.2 text): one mmu_interval_notifier per grant map; gntdev_invalidate returns false when !mmu_notifier_range_blockable(range), before any range test, else unmaps the grants of the overlap with the asynchronous unmap_grant_pages() (no lock, no sleep) and returns true; no mmu_interval_set_seq(). Thread mmap: gntdev_mmap\'s bare mmu_interval_read_begin() under mmap_lock, then the grants mapped',
  version: V,
  api: 'v5.2',
  fns: [gntdevInvalidate],
  ops: { invalidate: 'gntdev_invalidate' },
  flags: 0,
  primitives: GNTDEV66_PRIMITIVES,
  instance,
  interval: (objects) => ({ start: objects[0]!.start, last: objects[0]!.end - 1 }),
  oneObject: 'one mmu_interval_notifier per grant map (gntdev_mmap inserts &map->notifier over the map\'s VMA): the notifier stands for the map, its one object for the pages it is mmapped at',
  globals: ['find_grant_ptes'],
  threads: { mmap: MMAP },
};
