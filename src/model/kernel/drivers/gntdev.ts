/**
 * Xen grant-device notifier (drivers/xen/gntdev.c), by variant:
 *
 * - `v4.18`: before 93065ac753e4 (`-` side of the seed diff): `mutex_lock(&priv->lock)`, then
 *   `unmap_if_in_range()` on every map of `priv->maps` and `priv->freeable_maps`; the range checks
 *   are inside `unmap_if_in_range()`.
 * - `93065ac753e4`: the patch as posted and merged (`+` side of the seed diff, `struct grant_map`):
 *   `mutex_trylock` when !blockable; the range checks moved out of `unmap_if_in_range()` into a new
 *   `in_range()`, and the loops return -EAGAIN at the first map in range **whatever `blockable`
 *   says**, while `unmap_if_in_range()` is now called, unchecked, for every map *not* in range.
 * - `fixup`: Michal Hocko's "xen/gntdev: fix up blockable calls to mn_invl_range_start" v2 (27 Aug
 *   2018, index id 34630948868; "Fixes: 93065ac753e4"), as Juergen Gross and Boris Ostrovsky asked:
 *   `unmap_if_in_range(map, start, end, blockable)` checks `in_range()` itself and returns -EAGAIN
 *   only when !blockable. Written against the later `struct gntdev_grant_map`.
 *
 * gntdev has no `invalidate_range_end`. Its ->release, `mn_release()`, is the same in every variant
 * (93065ac753e4 does not touch it): `mutex_lock(&priv->lock)`, and every map of both lists still
 * mmapped is unmapped whole, `unmap_grant_pages(map, 0, map->count)` (sleeps); `map->count` is the
 * object's length in pages (static `obj.count`).
 *
 * Sources. v4.18: seed 001 diff (`-` side) and the 4.x gntdev.c of index id 9244528, whose
 * `unmap_if_in_range`, `mn_invl_range_start` and `unmap_grant_pages` are the seed's `-` side
 * [recon]. 93065ac753e4: seed 001 diff (`+` side). fixup: index id 34630948868. `unmap_grant_pages`
 * → `__unmap_grant_pages` → `gnttab_unmap_refs_sync()`, which waits for a completion (index id
 * 9244528; the fixup's message: "we wait for completion down in gnttab_unmap_refs_sync").
 *
 * Abstractions (docs/model.md):
 *
 * - **Objects.** Instance `id` is one `gntdev_priv` (`gntdev0`, mutex `id.lock`); each scenario object
 *   is one grant map, mmapped at the object's range (`map->vma->vm_start`, `vm_end`; `map->vma` is
 *   never NULL: `gntdev_vma_close` is not modelled). Every scenario map is on `priv->maps`;
 *   `priv->freeable_maps` (maps unmapped by ioctl while still mmapped) is empty in scenarios and
 *   filled by tests. `obj.mapped`: the map's grant pages are mapped into the VMA.
 * - Addresses are pages: PAGE_SHIFT is 0. There is no unsigned arithmetic: an unsigned difference
 *   that wraps (`mend < mstart`) becomes, after `>> PAGE_SHIFT` and the conversion to
 *   `unmap_grant_pages`' `int pages`, minus the number of pages between them, which is the negative
 *   value the model computes.
 * - `unmap_grant_pages(map, offset, pages)` is one step. `pages > 0`: it unmaps the grants
 *   (`obj.mapped = 0`) and sleeps (`gnttab_unmap_refs_sync` waits for a completion). `pages == 0`:
 *   its loop does not run; it returns 0 without sleeping. `pages < 0`: its `while (pages && !err)`
 *   loop never ends (with a valid handle at `offset` the inner range stays 0 and `pages` never
 *   changes; otherwise it walks `unmap_ops` out of bounds), each round waiting in
 *   `gnttab_unmap_refs_sync`: the model makes the thread wait forever there (a sleeping wait).
 */
import { gntdevV66 } from './gntdev66.ts';
import type { DriverDef, InstanceState, ObjectRange, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { variantByPatch } from '../by-patch.ts';
import { rangeV50, rangeV52 } from './range-api.ts';
import { c, elif, fn, foreach, if_, label, type FnDef, type Stmt } from '../../lang/ir.ts';
import { num, ref, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { COMMON_PRIMITIVES } from './notifier-users-common.ts';

const FILE = 'drivers/xen/gntdev.c';
const SRC_418 = 'seed 001 diff, gntdev.c (- side); index id 9244528 (4.x gntdev.c) [recon]';

export const GNTDEV_PRIMITIVES: Record<string, Primitive> = {
  ...COMMON_PRIMITIVES,
  unmap_grant_pages: {
    shared: true,
    sleeps: (args) => typeof args[2] !== 'number' || args[2] !== 0,
    access: () => [{ name: 'mapped', mode: 'w', zero: true }],
    doc: 'unmap_grant_pages(map, offset, pages) (gntdev.c): unmaps the map\'s grants in [offset, offset + pages) through __unmap_grant_pages() → gnttab_unmap_refs_sync(), which waits for a completion: sleeps, and the map is unmapped (`obj.mapped = 0`). pages == 0: returns 0 at once. pages < 0 (a wrapped unsigned count): the loop never ends; the thread waits forever.',
    wait(_ctx, [map, , pages]) {
      return num(pages, 'pages') < 0
        ? { why: `unmap_grant_pages(${String(map)}, ..., ${String(pages)}): negative page count, the while (pages && !err) loop never ends`, sleeping: true }
        : null;
    },
    run(ctx, [map, , pages]) {
      if (num(pages, 'pages') > 0) ctx.write(`${ref(map, 'unmap_grant_pages')}.mapped`, 0);
      return 0;
    },
  },
};

function inRange(version: string, type: string, source: string): FnDef {
  return fn({
    name: 'in_range',
    file: FILE,
    version,
    source,
    signature: `static bool in_range(struct ${type} *map, unsigned long start, unsigned long end)`,
    params: ['map', 'start', 'end'],
    body: [
      if_('!map->vma', [c('return false;')]),
      if_('map->vma->vm_start >= end', [c('return false;')]),
      if_('map->vma->vm_end <= start', [c('return false;')]),
      c('return true;'),
    ],
  });
}

/** The unmapping tail every variant of unmap_if_in_range shares. */
const unmapTail: Stmt[] = [
  c('mstart = max(start, map->vma->vm_start);'),
  c('mend   = min(end,   map->vma->vm_end);'),
  c('pr_debug("map %d+%d (%lx %lx), range %lx %lx, mrange %lx %lx\\n", ...);'),
  c('err = unmap_grant_pages(map, (mstart - map->vma->vm_start) >> PAGE_SHIFT, (mend - mstart) >> PAGE_SHIFT);'),
  c('WARN_ON(err);'),
];

/**
 * `mn_release()`: under `priv->lock` every map of both lists that is still mmapped is unmapped whole
 * (`unmap_grant_pages(map, 0, map->count)`, which sleeps). Not touched by 93065ac753e4; the
 * `gntdev_grant_map` form (for `fixup`) is the same body.
 */
function release(version: string, type: string, source: string): FnDef {
  const unmapWhole: Stmt[] = [
    if_('!map->vma', [c('continue;')]),
    c('pr_debug("map %d+%d (%lx %lx)\\n", ...);'),
    c('err = unmap_grant_pages(map, /* offset */ 0, map->count);'),
    c('WARN_ON(err);'),
  ];
  return fn({
    name: 'mn_release',
    file: FILE,
    version,
    source,
    signature: 'static void mn_release(struct mmu_notifier *mn, struct mm_struct *mm)',
    params: ['mn', 'mm'],
    body: [
      c('struct gntdev_priv *priv = container_of(mn, struct gntdev_priv, mn);'),
      c(`struct ${type} *map;`),
      c('int err;'),
      c('mutex_lock(&priv->lock);'),
      foreach('list_for_each_entry(map, &priv->maps, next)', unmapWhole),
      foreach('list_for_each_entry(map, &priv->freeable_maps, next)', unmapWhole),
      c('mutex_unlock(&priv->lock);'),
    ],
  });
}

const SRC_RELEASE = `index id 9244528 (4.x gntdev.c, mn_release with both lists and priv->lock a mutex) [recon]; not touched by 93065ac753e4`;
const releaseV418 = release('v4.18', 'grant_map', SRC_RELEASE);
const releaseGntdevGrantMap = release(
  'fixup',
  'gntdev_grant_map',
  'the same body with `struct gntdev_grant_map`, the tree the fixup is written against: the - side of the 2019 gntdev conversion to mmu_interval_notifier, index id 15103424157',
);

const v418: VariantDef = {
  description: 'Before 93065ac753e4 (v4.18): mutex_lock(&priv->lock), then unmap_if_in_range() (which checks the range) on both lists; unmapping sleeps.',
  version: 'v4.18',
  api: 'v4.18',
  flags: 0,
  ops: { release: 'mn_release', invalidate_range_start: 'mn_invl_range_start' },
  primitives: GNTDEV_PRIMITIVES,
  instance,
  constants: { PAGE_SHIFT: 0 },
  fns: [
    releaseV418,
    fn({
      name: 'unmap_if_in_range',
      file: FILE,
      version: 'v4.18',
      source: SRC_418,
      signature: 'static void unmap_if_in_range(struct grant_map *map, unsigned long start, unsigned long end)',
      params: ['map', 'start', 'end'],
      body: [
        c('unsigned long mstart, mend;'),
        c('int err;'),
        if_('!map->vma', [c('return;')]),
        if_('map->vma->vm_start >= end', [c('return;')]),
        if_('map->vma->vm_end <= start', [c('return;')]),
        ...unmapTail,
      ],
    }),
    fn({
      name: 'mn_invl_range_start',
      file: FILE,
      version: 'v4.18',
      source: SRC_418,
      signature: 'static void mn_invl_range_start(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
      params: ['mn', 'mm', 'start', 'end'],
      body: [
        c('struct gntdev_priv *priv = container_of(mn, struct gntdev_priv, mn);'),
        c('struct grant_map *map;'),
        c('mutex_lock(&priv->lock);'),
        foreach('list_for_each_entry(map, &priv->maps, next)', [c('unmap_if_in_range(map, start, end);')]),
        foreach('list_for_each_entry(map, &priv->freeable_maps, next)', [c('unmap_if_in_range(map, start, end);')]),
        c('mutex_unlock(&priv->lock);'),
      ],
    }),
  ],
};

const v93065: VariantDef = variantByPatch(v418, '93065ac753e4-blockable-mode.patch', {
  description: 'The patch (93065ac753e4): trylock when !blockable; -EAGAIN at the first map in range in both modes; unmap_if_in_range() without range checks on every other map.',
  version: '93065ac753e4',
  api: 'v4.19',
});

const SRC_FIX = 'index id 34630948868: Michal Hocko, "xen/gntdev: fix up blockable calls to mn_invl_range_start" v2, 27 Aug 2018, applied to the seed 001 + side';

const fixup: VariantDef = {
  description: 'Michal Hocko\'s "xen/gntdev: fix up blockable calls to mn_invl_range_start" (27 Aug 2018, Fixes: 93065ac753e4): unmap_if_in_range() checks in_range() and fails only when !blockable.',
  version: 'fixup',
  api: 'v4.19',
  flags: 0,
  ops: { release: 'mn_release', invalidate_range_start: 'mn_invl_range_start' },
  primitives: GNTDEV_PRIMITIVES,
  instance,
  constants: { PAGE_SHIFT: 0 },
  fns: [
    releaseGntdevGrantMap,
    inRange('fixup', 'gntdev_grant_map', `${SRC_FIX} (context)`),
    fn({
      name: 'unmap_if_in_range',
      file: FILE,
      version: 'fixup',
      source: SRC_FIX,
      signature: 'static int unmap_if_in_range(struct gntdev_grant_map *map, unsigned long start, unsigned long end, bool blockable)',
      params: ['map', 'start', 'end', 'blockable'],
      body: [
        c('unsigned long mstart, mend;'),
        c('int err;'),
        if_('!in_range(map, start, end)', [c('return 0;')]),
        if_('!blockable', [c('return -EAGAIN;')]),
        ...unmapTail,
        c('return 0;'),
      ],
    }),
    fn({
      name: 'mn_invl_range_start',
      file: FILE,
      version: 'fixup',
      source: SRC_FIX,
      signature: 'static int mn_invl_range_start(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end, bool blockable)',
      params: ['mn', 'mm', 'start', 'end', 'blockable'],
      body: [
        c('struct gntdev_priv *priv = container_of(mn, struct gntdev_priv, mn);'),
        c('struct gntdev_grant_map *map;'),
        c('int ret = 0;'),
        if_('blockable', [c('mutex_lock(&priv->lock);')], elif('!mutex_trylock(&priv->lock)', [c('return -EAGAIN;')])),
        foreach('list_for_each_entry(map, &priv->maps, next)', [
          c('ret = unmap_if_in_range(map, start, end, blockable);'),
          if_('ret', [c('goto out_unlock;')]),
        ]),
        foreach('list_for_each_entry(map, &priv->freeable_maps, next)', [
          c('ret = unmap_if_in_range(map, start, end, blockable);'),
          if_('ret', [c('goto out_unlock;')]),
        ]),
        label('out_unlock'),
        c('mutex_unlock(&priv->lock);'),
        c('return ret;'),
      ],
    }),
  ],
};

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  const statics: Record<string, Value | readonly Value[]> = { ...objectStatics(id, objects, 'maps'), [`${id}.freeable_maps`]: [] };
  objects.forEach((o, i) => {
    const m = `${id}.obj${i}`;
    statics[`${m}.vma`] = `${m}.vma`;
    statics[`${m}.vma.vm_start`] = o.start;
    statics[`${m}.vma.vm_end`] = o.end;
    statics[`${m}.count`] = o.end - o.start;
  });
  return { mem: mappedMem(id, objects), locks: { [`${id}.lock`]: 'mutex' }, statics, balanced: [] };
}

/**
 * v5.0 and v5.2: the fixup form. 5d6527a784f7's gntdev.c hunk (blob b0b02a501167) has
 * `ret = unmap_if_in_range(map, start, end, blockable);`, the fixup's text, so the tree v5.0 was
 * built from had Michal Hocko's fixup.
 */
const v50 = rangeV50(fixup, 'v5.0: the fixup form (the one 5d6527a784f7\'s hunk was made against) with');
const v52 = rangeV52(v50, 'v5.2 (and v5.4): the v5.0 variant with');

export const GNTDEV: DriverDef = {
  name: 'gntdev',
  description: 'Xen grant-device notifier (drivers/xen/gntdev.c)',
  // v6.6: src/model/kernel/drivers/gntdev66.ts.
  variants: { 'v4.18': v418, '93065ac753e4': v93065, fixup, 'v5.0': v50, 'v5.2': v52, 'v6.6': gntdevV66 },
  defaultVariant: { 'v4.18': 'v4.18', 'v4.19': '93065ac753e4', 'v5.0': 'v5.0', 'v5.2': 'v5.2' },
};
