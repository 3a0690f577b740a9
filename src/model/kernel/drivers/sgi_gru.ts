/**
 * SGI GRU's TLB shootdown notifier (drivers/misc/sgi-gru/grutlbpurge.c), by variant:
 *
 * - `v4.18`: before 93065ac753e4 (`-` side of the seed diff): void start.
 * - `93065ac753e4`: `v4.18` with the patch as posted applied (src/model/kernel/by-patch.ts): the same
 *   start with an ignored `blockable` and `return 0`.
 *
 * Start: `atomic_inc(&gms->ms_range_active)`, then `gru_flush_tlb_range()`, which takes
 * `gms->ms_asid_lock` (a spinlock) and, for every GRU where the mm has an ASID, either a TGH handle
 * (`get_lock_tgh_handle`: preempt_disable and a bit spinlock) around `tgh_invalidate` (which
 * busy-waits for the GRU) or, for a GRU with no active context, clears the ASID. Nothing sleeps and
 * nothing fails. End: `atomic_dec_and_test(&gms->ms_range_active)` and
 * `wake_up_all(&gms->ms_wait_queue)`, where the GRU fault path waits for `ms_range_active == 0`.
 * Both variants set `.flags = MMU_INVALIDATE_DOES_NOT_BLOCK` (index id 34609763287). ->release,
 * `gru_release()`, sets `gms->ms_released = 1` (`id.ms_released`), which only
 * `gru_drop_mmu_notifier()` reads (to skip `mmu_notifier_unregister()`); it flushes nothing.
 *
 * Sources. Start and end: seed 001 diff (both sides) with the bodies of the 4.x grutlbpurge.c of
 * index id 5892033 (index id 593973480 agrees) and the `-` side of the v4.20 conversion (index id
 * 23128457195), which shows the v4.19 start and end; ../shared/kernel/README.md §8 [recon].
 * `gru_flush_tlb_range`: index id 5892033 [recon].
 *
 * Abstractions (docs/model.md):
 *
 * - **Objects.** Instance `id` is one `gru_mm_struct` (`sgi-gru0`); each scenario object is a range
 *   of the mm the GRU TLBs may cache translations for; `obj.mapped` is "a GRU TLB may hold a
 *   translation of the object's pages". `ms_range_active` is an atomic_t, balanced.
 * - `gru_flush_tlb_range` is one step (a primitive): the locks it takes are spinlocks and TGH handles
 *   no other modelled thread takes (the GRU fault and context-load paths are not modelled), so its
 *   critical sections are not observable; it never sleeps; afterwards no GRU TLB maps the range
 *   (`obj.mapped = 0` for the objects overlapping [start, start + len)).
 * - `STAT()` and `gru_dbg()` are statistics and debug output (no modelled state).
 */
import type { DriverDef, InstanceState, ObjectRange, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { variantByPatch } from '../by-patch.ts';
import { rangeV50, rangeV52Unchanged } from './range-api.ts';
import { c, fn, type FnDef } from '../../lang/ir.ts';
import { num, ref, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { COMMON_PRIMITIVES } from './notifier-users-common.ts';

const FILE = 'drivers/misc/sgi-gru/grutlbpurge.c';

export const SGI_GRU_PRIMITIVES: Record<string, Primitive> = {
  ...COMMON_PRIMITIVES,
  gru_flush_tlb_range: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'w', zero: true }],
    doc: 'gru_flush_tlb_range(gms, start, len) (grutlbpurge.c, index id 5892033): under spin_lock(&gms->ms_asid_lock), for each GRU in gms->ms_asidmap, get_lock_tgh_handle() (preempt_disable, lock_tgh_handle: a bit spinlock), tgh_invalidate() (busy-waits for the GRU), get_unlock_tgh_handle(); or zero the ASID of a GRU without active contexts. Never sleeps. One step: afterwards no GRU TLB maps [start, start + len) (`obj.mapped = 0` for the objects overlapping it).',
    run(ctx, [gms, s, l]) {
      const id = ref(gms, 'gru_flush_tlb_range');
      const start = num(s, 'start');
      const last = start + num(l, 'len') - 1;
      const objs = ctx.stat(`${id}.objects`);
      for (const o of Array.isArray(objs) ? objs : []) {
        const os = num(ctx.stat(`${String(o)}.start`) as Value, 'start');
        const ol = num(ctx.stat(`${String(o)}.last`) as Value, 'last');
        if (os <= last && start <= ol) ctx.write(`${String(o)}.mapped`, 0);
      }
      return 0;
    },
  },
  STAT: { shared: false, sleeps: false, members: [0], doc: 'STAT(counter): GRU statistics (not modelled).', run: () => 0 },
  gru_dbg: { shared: false, sleeps: false, members: [0], doc: 'gru_dbg(dev, fmt, ...): debug output.', run: () => 0 },
};

function startFn(version: string): FnDef {
  return fn({
    name: 'gru_invalidate_range_start',
    file: FILE,
    version,
    source: 'seed 001 diff, grutlbpurge.c (- side and context lines); index id 5892033 [recon]',
    signature: 'static void gru_invalidate_range_start(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
    params: ['mn', 'mm', 'start', 'end'],
    body: [
      c('struct gru_mm_struct *gms = container_of(mn, struct gru_mm_struct, ms_notifier);'),
      c('STAT(mmu_invalidate_range);'),
      c('atomic_inc(&gms->ms_range_active);'),
      c('gru_dbg(grudev, "gms %p, start 0x%lx, end 0x%lx, act %d\\n", gms, start, end, atomic_read(&gms->ms_range_active));'),
      c('gru_flush_tlb_range(gms, start, end - start);'),
    ],
  });
}

function endFn(version: string): FnDef {
  return fn({
    name: 'gru_invalidate_range_end',
    file: FILE,
    version,
    source: 'seed 001 diff context; index ids 5892033, 23128457195 (- side) [recon]; not changed by 93065ac753e4',
    signature: 'static void gru_invalidate_range_end(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
    params: ['mn', 'mm', 'start', 'end'],
    body: [
      c('struct gru_mm_struct *gms = container_of(mn, struct gru_mm_struct, ms_notifier);'),
      c('(void)atomic_dec_and_test(&gms->ms_range_active);'),
      c('wake_up_all(&gms->ms_wait_queue);'),
      c('gru_dbg(grudev, "gms %p, start 0x%lx, end 0x%lx\\n", gms, start, end);'),
    ],
  });
}

/**
 * `gru_release()`: only marks the gru_mm_struct released, so that `gru_drop_mmu_notifier()` (not
 * modelled: the GRU file release path) does not unregister it again. It flushes no GRU TLB.
 */
function releaseFn(version: string): FnDef {
  return fn({
    name: 'gru_release',
    file: FILE,
    version,
    source: 'index id 5892033 (4.x grutlbpurge.c; index id 593973480 agrees, and the - side of the 2019 conversion to mmu_notifier_get, index id 44245563738, shows the same body) [recon]; not changed by 93065ac753e4',
    signature: 'static void gru_release(struct mmu_notifier *mn, struct mm_struct *mm)',
    params: ['mn', 'mm'],
    body: [
      c('struct gru_mm_struct *gms = container_of(mn, struct gru_mm_struct, ms_notifier);'),
      c('gms->ms_released = 1;'),
      c('gru_dbg(grudev, "gms %p\\n", gms);'),
    ],
  });
}

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  return {
    mem: { [`${id}.ms_range_active`]: 0, [`${id}.ms_released`]: 0, ...mappedMem(id, objects) },
    locks: {},
    statics: objectStatics(id, objects, 'objects'),
    balanced: [`${id}.ms_range_active`],
  };
}

const OPS = { release: 'gru_release', invalidate_range_start: 'gru_invalidate_range_start', invalidate_range_end: 'gru_invalidate_range_end' } as const;

const v418: VariantDef = {
  description: 'Before 93065ac753e4 (v4.18): void start (ms_range_active++, TLB flush under spinlocks), end (ms_range_active--, wake_up_all); MMU_INVALIDATE_DOES_NOT_BLOCK.',
  version: 'v4.18',
  api: 'v4.18',
  flags: 1,
  ops: OPS,
  primitives: SGI_GRU_PRIMITIVES,
  instance,
  fns: [startFn('v4.18'), endFn('v4.18'), releaseFn('v4.18')],
};

const v93065: VariantDef = variantByPatch(v418, '93065ac753e4-blockable-mode.patch', {
  description: 'The patch (93065ac753e4): the same start with blockable ignored and return 0 (never sleeps, never fails).',
  version: '93065ac753e4',
  api: 'v4.19',
});

const v50 = rangeV50(v93065, 'v5.0: the 93065ac753e4 (v4.19) functions with');
const v52 = rangeV52Unchanged(v50, 'v5.2 (and v5.4): the callbacks never read the mode.');

export const SGI_GRU: DriverDef = {
  name: 'sgi-gru',
  description: 'SGI GRU TLB shootdown notifier (drivers/misc/sgi-gru/grutlbpurge.c)',
  variants: { 'v4.18': v418, '93065ac753e4': v93065, 'v5.0': v50, 'v5.2': v52 },
  defaultVariant: { 'v4.18': 'v4.18', 'v4.19': '93065ac753e4', 'v5.0': 'v5.0', 'v5.2': 'v5.2' },
};
