/**
 * amdgpu's mmu notifier (drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c), GFX flavour, by variant:
 *
 * - `v4.18`: before 93065ac753e4 (the `-` side of the seed diff): void start, `amdgpu_mn_read_lock(rmn)`.
 * - `93065ac753e4`: the patch as posted (`+` side of the seed diff, `rmn` naming): trylock of
 *   `read_lock` in non-blockable mode, `-EAGAIN` when the range has an object.
 * - `clarify`: Michal Hocko's "drm/amd: clarify amdgpu_mn_read_lock !blocking mode" from the thread
 *   (24 Aug 2018, #34): `mutex_lock(&amn->read_lock)` whatever `blockable` says.
 * - `tetsuo`: Tetsuo Handa's alternative from the thread (26 Aug 2018, #42): no recursion counter,
 *   `down_read`/`down_read_trylock` of `amn->lock` in start and `up_read` in end.
 *
 * The interval tree of `amdgpu_mn_node`s is abstracted to the scenario's objects: each object is one
 * node holding one userptr BO covering the object's range (docs/model.md).
 *
 * Shared state per instance `id`: `id.lock` (rw_semaphore), `id.read_lock` (mutex), `id.recursion`
 * (atomic_t, balanced), and per object `obj.mapped` (a GPU job still uses the BO's user pages: the
 * secondary mapping) and `obj.pages_valid` (the BO's user pages are current; cleared by
 * amdgpu_ttm_tt_mark_user_pages, checked by the command submission).
 */
import type { DriverDef, InstanceState, ObjectRange, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { c, elif, fn, foreach, if_, while_, type FnDef } from '../ir.ts';
import { num, ref, type Primitive } from '../primitives.ts';
import type { Value } from '../state.ts';

const FILE = 'drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c';

/** The BO behind a `bo->tbo.ttm` or `bo->tbo.resv` reference. */
function boOf(r: string): string {
  return r.replace(/\.tbo\.(ttm|resv)$/, '');
}

export const AMDGPU_PRIMITIVES: Record<string, Primitive> = {
  reservation_object_wait_timeout_rcu: {
    access: () => [{ name: 'mapped', mode: 'w' }],
    shared: true,
    sleeps: true,
    doc: 'reservation_object_wait_timeout_rcu(resv, true, false, MAX_SCHEDULE_TIMEOUT): sleeps until every fence of the BO has signalled (the GPU is done with the user pages: `bo.mapped = 0`); fences always signal eventually, so it returns 1.',
    run(ctx, [resv]) {
      ctx.write(`${boOf(ref(resv, 'reservation_object_wait_timeout_rcu'))}.mapped`, 0);
      return 1;
    },
  },
  amdgpu_ttm_tt_affect_userptr: {
    shared: false,
    sleeps: false,
    doc: 'amdgpu_ttm_tt_affect_userptr(ttm, start, end): whether the BO\'s userptr range overlaps [start, end] (static).',
    run(ctx, [ttm, s, e]) {
      const bo = boOf(ref(ttm, 'amdgpu_ttm_tt_affect_userptr'));
      const bs = num(ctx.stat(`${bo}.start`) as Value, 'start');
      const bl = num(ctx.stat(`${bo}.last`) as Value, 'last');
      return bs <= num(e, 'end') && num(s, 'start') <= bl ? 1 : 0;
    },
  },
  amdgpu_ttm_tt_mark_user_pages: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'pages_valid', mode: 'w' }],
    doc: 'amdgpu_ttm_tt_mark_user_pages(ttm): marks the user pages accessed/dirty and drops them; the BO needs new pages before its next use (`bo.pages_valid = 0`).',
    run(ctx, [ttm]) {
      ctx.write(`${boOf(ref(ttm, 'amdgpu_ttm_tt_mark_user_pages'))}.pages_valid`, 0);
      return 0;
    },
  },
  amdgpu_amdkfd_evict_userptr: {
    access: () => [
      { name: 'mapped', mode: 'w' },
      { name: 'pages_valid', mode: 'w' },
    ],
    shared: true,
    sleeps: true,
    doc: 'amdgpu_amdkfd_evict_userptr(mem, mm): evicts the process\'s user-mode queues (takes the KFD process lock and waits for the hardware): sleeps; afterwards the BO is no longer used (`bo.mapped = 0`, `bo.pages_valid = 0`).',
    run(ctx, [mem]) {
      const bo = ref(mem, 'amdgpu_amdkfd_evict_userptr').replace(/\.kfd_bo$/, '');
      ctx.write(`${bo}.mapped`, 0);
      ctx.write(`${bo}.pages_valid`, 0);
      return 0;
    },
  },
  DRM_ERROR: { shared: false, sleeps: false, doc: 'DRM_ERROR(...): printk.', run: () => 0 },
};

// ------------------------------------------------------------------------------------------------
// Shared pieces.

const invalidateNode: FnDef = fn({
  name: 'amdgpu_mn_invalidate_node',
  file: FILE,
  version: 'v4.19',
  source: '../shared/kernel/README.md §5 [4.19.y]; unchanged by 93065ac753e4',
  signature: 'static void amdgpu_mn_invalidate_node(struct amdgpu_mn_node *node, unsigned long start, unsigned long end)',
  params: ['node', 'start', 'end'],
  body: [
    foreach('list_for_each_entry(bo, &node->bos, mn_list)', [
      if_('!amdgpu_ttm_tt_affect_userptr(bo->tbo.ttm, start, end)', [c('continue;')]),
      c('r = reservation_object_wait_timeout_rcu(bo->tbo.resv, true, false, MAX_SCHEDULE_TIMEOUT);'),
      if_('r <= 0', [c('DRM_ERROR("(%ld) failed to wait for user bo\\n", r);')]),
      c('amdgpu_ttm_tt_mark_user_pages(bo->tbo.ttm);'),
    ]),
  ],
});

const readUnlockRecursion = (v: string, name: string): FnDef =>
  fn({
    name: 'amdgpu_mn_read_unlock',
    file: FILE,
    version: v,
    source: 'seed 001 diff context; ../shared/kernel/README.md §5',
    signature: `static void amdgpu_mn_read_unlock(struct amdgpu_mn *${name})`,
    params: [name],
    body: [if_(`atomic_dec_return(&${name}->recursion) == 0`, [c(`up_read_non_owner(&${name}->lock);`)])],
  });

const invalidateRangeEnd = (v: string, name: string): FnDef =>
  fn({
    name: 'amdgpu_mn_invalidate_range_end',
    file: FILE,
    version: v,
    source: '../shared/kernel/README.md §5; not changed by 93065ac753e4',
    signature: 'static void amdgpu_mn_invalidate_range_end(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
    params: ['mn', 'mm', 'start', 'end'],
    body: [c(`struct amdgpu_mn *${name} = container_of(mn, struct amdgpu_mn, mn);`), c(`amdgpu_mn_read_unlock(${name});`)],
  });

/** The GFX start of 93065ac753e4 and later, parameterised by the `amdgpu_mn` variable's name. */
const startGfxV419 = (v: string, name: string, source: string): FnDef =>
  fn({
    name: 'amdgpu_mn_invalidate_range_start_gfx',
    file: FILE,
    version: v,
    source,
    signature:
      'static int amdgpu_mn_invalidate_range_start_gfx(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end, bool blockable)',
    params: ['mn', 'mm', 'start', 'end', 'blockable'],
    body: [
      c(`struct amdgpu_mn *${name} = container_of(mn, struct amdgpu_mn, mn);`),
      c('end -= 1;'),
      if_(`amdgpu_mn_read_lock(${name}, blockable)`, [c('return -EAGAIN;')]),
      c(`it = interval_tree_iter_first(&${name}->objects, start, end);`),
      while_('it', [
          if_('!blockable', [c(`amdgpu_mn_read_unlock(${name});`), c('return -EAGAIN;')]),
          c('node = container_of(it, struct amdgpu_mn_node, it);'),
          c('it = interval_tree_iter_next(it, start, end);'),
          c('amdgpu_mn_invalidate_node(node, start, end);'),
        ]),
      c('return 0;'),
    ],
  });

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  const mem: Record<string, Value> = { [`${id}.recursion`]: 0, ...mappedMem(id, objects) };
  const statics = objectStatics(id, objects, 'objects');
  objects.forEach((_, i) => {
    const o = `${id}.obj${i}`;
    mem[`${o}.pages_valid`] = 1;
    statics[`${o}.bos`] = [o];
  });
  return {
    mem,
    locks: { [`${id}.lock`]: 'rwsem', [`${id}.read_lock`]: 'mutex' },
    statics,
    balanced: [`${id}.recursion`],
  };
}

// ------------------------------------------------------------------------------------------------
// Variants.

const v418: VariantDef = {
  description: 'Before 93065ac753e4 (seed 001 diff, - side): void start; read_lock taken with mutex_lock.',
  version: 'v4.18',
  api: 'v4.18',
  flags: 0,
  ops: { invalidate_range_start: 'amdgpu_mn_invalidate_range_start_gfx', invalidate_range_end: 'amdgpu_mn_invalidate_range_end' },
  primitives: AMDGPU_PRIMITIVES,
  instance,
  fns: [
    fn({
      name: 'amdgpu_mn_read_lock',
      file: FILE,
      version: 'v4.18',
      source: 'seed 001 diff, amdgpu_mn.c (- side)',
      signature: 'static void amdgpu_mn_read_lock(struct amdgpu_mn *rmn)',
      params: ['rmn'],
      body: [
        c('mutex_lock(&rmn->read_lock);'),
        if_('atomic_inc_return(&rmn->recursion) == 1', [c('down_read_non_owner(&rmn->lock);')]),
        c('mutex_unlock(&rmn->read_lock);'),
      ],
    }),
    readUnlockRecursion('v4.18', 'rmn'),
    invalidateNode,
    fn({
      name: 'amdgpu_mn_invalidate_range_start_gfx',
      file: FILE,
      version: 'v4.18',
      source: 'seed 001 diff, amdgpu_mn.c (- side)',
      signature: 'static void amdgpu_mn_invalidate_range_start_gfx(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
      params: ['mn', 'mm', 'start', 'end'],
      body: [
        c('struct amdgpu_mn *rmn = container_of(mn, struct amdgpu_mn, mn);'),
        c('end -= 1;'),
        c('amdgpu_mn_read_lock(rmn);'),
        c('it = interval_tree_iter_first(&rmn->objects, start, end);'),
        while_('it', [
            c('node = container_of(it, struct amdgpu_mn_node, it);'),
            c('it = interval_tree_iter_next(it, start, end);'),
            c('amdgpu_mn_invalidate_node(node, start, end);'),
          ]),
      ],
    }),
    invalidateRangeEnd('v4.18', 'rmn'),
  ],
};

const v93065: VariantDef = {
  description: 'The patch as posted (seed 001 diff, + side): mutex_trylock(read_lock) when !blockable, -EAGAIN if the range has an object.',
  version: '93065ac753e4',
  api: 'v4.19',
  flags: 0,
  ops: { invalidate_range_start: 'amdgpu_mn_invalidate_range_start_gfx', invalidate_range_end: 'amdgpu_mn_invalidate_range_end' },
  primitives: AMDGPU_PRIMITIVES,
  instance,
  fns: [
    fn({
      name: 'amdgpu_mn_read_lock',
      file: FILE,
      version: '93065ac753e4',
      source: 'seed 001 diff, amdgpu_mn.c (+ side)',
      signature: 'static int amdgpu_mn_read_lock(struct amdgpu_mn *rmn, bool blockable)',
      params: ['rmn', 'blockable'],
      body: [
        if_('blockable', [c('mutex_lock(&rmn->read_lock);')], elif('!mutex_trylock(&rmn->read_lock)', [c('return -EAGAIN;')])),
        if_('atomic_inc_return(&rmn->recursion) == 1', [c('down_read_non_owner(&rmn->lock);')]),
        c('mutex_unlock(&rmn->read_lock);'),
        c('return 0;'),
      ],
    }),
    readUnlockRecursion('93065ac753e4', 'rmn'),
    invalidateNode,
    startGfxV419('93065ac753e4', 'rmn', 'seed 001 diff, amdgpu_mn.c (+ side)'),
    invalidateRangeEnd('93065ac753e4', 'rmn'),
  ],
};

const clarify: VariantDef = {
  description: 'Michal Hocko\'s "drm/amd: clarify amdgpu_mn_read_lock !blocking mode" (seed 001, 24 Aug 2018): mutex_lock(read_lock) in both modes.',
  version: 'clarify',
  api: 'v4.19',
  flags: 0,
  ops: v93065.ops,
  primitives: AMDGPU_PRIMITIVES,
  instance,
  fns: [
    fn({
      name: 'amdgpu_mn_read_lock',
      file: FILE,
      version: 'clarify',
      source: 'seed 001, Michal Hocko 24 Aug 2018 (#34), "drm/amd: clarify amdgpu_mn_read_lock !blocking mode"',
      signature: 'static int amdgpu_mn_read_lock(struct amdgpu_mn *amn, bool blockable)',
      params: ['amn', 'blockable'],
      body: [
        c('mutex_lock(&amn->read_lock);'),
        if_('atomic_inc_return(&amn->recursion) == 1', [c('down_read_non_owner(&amn->lock);')]),
        c('mutex_unlock(&amn->read_lock);'),
        c('return 0;'),
      ],
    }),
    readUnlockRecursion('clarify', 'amn'),
    invalidateNode,
    startGfxV419('clarify', 'amn', '../shared/kernel/README.md §5 [4.19.y]'),
    invalidateRangeEnd('clarify', 'amn'),
  ],
};

const tetsuo: VariantDef = {
  description: 'Tetsuo Handa\'s alternative (seed 001, 26 Aug 2018): no read_lock mutex and no recursion counter; down_read(_trylock) of amn->lock in start, up_read in end.',
  version: 'tetsuo',
  api: 'v4.19',
  flags: 0,
  ops: v93065.ops,
  primitives: AMDGPU_PRIMITIVES,
  instance,
  fns: [
    fn({
      name: 'amdgpu_mn_read_lock',
      file: FILE,
      version: 'tetsuo',
      source: 'seed 001, Tetsuo Handa 26 Aug 2018 (#42)',
      signature: 'static int amdgpu_mn_read_lock(struct amdgpu_mn *amn, bool blockable)',
      params: ['amn', 'blockable'],
      body: [
        if_('blockable', [c('down_read(&amn->lock);')], elif('!down_read_trylock(&amn->lock)', [c('return -EAGAIN;')])),
        c('return 0;'),
      ],
    }),
    fn({
      name: 'amdgpu_mn_read_unlock',
      file: FILE,
      version: 'tetsuo',
      source: 'seed 001, Tetsuo Handa 26 Aug 2018 (#42)',
      signature: 'static void amdgpu_mn_read_unlock(struct amdgpu_mn *amn)',
      params: ['amn'],
      body: [c('up_read(&amn->lock);')],
    }),
    invalidateNode,
    startGfxV419('tetsuo', 'amn', '../shared/kernel/README.md §5 [4.19.y] with Tetsuo Handa\'s read_lock'),
    invalidateRangeEnd('tetsuo', 'amn'),
  ],
};

export const AMDGPU: DriverDef = {
  name: 'amdgpu',
  description: 'amdgpu userptr notifier, GFX flavour (drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c)',
  variants: { 'v4.18': v418, '93065ac753e4': v93065, clarify, tetsuo },
  defaultVariant: { 'v4.18': 'v4.18', 'v4.19': '93065ac753e4' },
};
