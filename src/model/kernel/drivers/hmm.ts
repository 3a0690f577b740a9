/**
 * HMM's mmu notifier (mm/hmm.c, the mirror side: `hmm_mmu_notifier_ops`), by variant:
 *
 * - `v4.18`: before 93065ac753e4: `void` start that only bumps `hmm->sequence`; the end runs
 *   `hmm_invalidate_range()`, which marks the snapshotted ranges invalid under `hmm->lock` and calls
 *   every mirror's `sync_cpu_device_pagetables()` under `down_read(&hmm->mirrors_sem)`.
 * - `93065ac753e4`: the patch (v4.19): the start takes `blockable` and returns 0, nothing else. The
 *   end is unchanged, so it still sleeps (`down_read(&hmm->mirrors_sem)` and the mirrors' callbacks)
 *   after a start that approved non-blocking mode: what Tetsuo Handa points out in the thread
 *   (001_a93342ea5087af67.txt, 24 Aug 2018) and what Michal Hocko's documentation patch of the same
 *   day forbids ("if invalidate_range_start approves a non-blocking behavior then the same applies
 *   to invalidate_range_end"). The model shows it; see test/model/kernel/drivers/hmm.test.ts.
 * - `jglisse`: the fix Jérôme Glisse announces in the thread ("I will post the HMM changes that adapt
 *   to Michal shortly", linking hmm-4.20 commits 78785dcb5ba0 and 4fc25571dc89, which the index does
 *   not hold): the patches he posted the same day, "mm/hmm: invalidate device page table at start of
 *   invalidation" and "mm/hmm: proper support for blockable mmu_notifier", as merged for v4.20
 *   (44532d4c591c "use a structure for update callback parameters", ec131b2d7fa6). `hmm_invalidate_range(hmm, device, update)` with a
 *   `struct hmm_update`; the start invalidates the mirrors (`device == true`) and passes `blockable`
 *   to them, returning -EAGAIN when a mirror refuses to block; the end only marks the ranges invalid
 *   (`device == false`) and no longer sleeps. It still takes `down_read(&hmm->mirrors_sem)` in a
 *   non-blockable start ("It is fine to wait on mirrors_sem here even if update->blockable is false
 *   as this semaphore is only taken in write mode for short period when adding a new mirror to the
 *   list"): a sleeping primitive, which the no-sleep property reports as might-sleep.
 *
 * Sources (index ids are the search tool's):
 * - v4.18: `WindRiver-Labs/linux-yocto-4.18` @ 91d5e4b4f3cf, mm/hmm.c (index id 5237384029), a
 *   4.18 tree [4.18.y]; its hmm_invalidate_range_start is the `-` side of the seed diff's mm/hmm.c hunk.
 * - 93065ac753e4: the `+` side of that hunk; the rest of v4.19 from `creativchic/silont-4.19-erofs-test`
 *   @ 3e1a39980fe4, mm/hmm.c (index id 38758909388), a 4.19.y tree [4.19.y], whose start is exactly the
 *   patch's. These re-check the `[recon]` copy of ../shared/kernel/README.md §8; they agree.
 * - jglisse: Jérôme Glisse's postings "[PATCH 6/7] mm/hmm: invalidate device page table at start of
 *   invalidation" and "[PATCH 7/7] mm/hmm: proper support for blockable mmu_notifier" (linux-mm,
 *   24 Aug 2018; index ids 34608544620, 34461994466), the reposting "[PATCH 6/6]" of 19 Oct 2018
 *   (index id 28946025542), and the v4.20 state they merged into, as the pre-image of a Dec 2018
 *   patch mail against mm/hmm.c shows it (index id 23128457195). The ranges loop keeps v4.19's
 *   `addr/idx/npages/memset`, which a 2019 patch removed (index id 14814409523).
 *
 * Objects. The scenario's objects of an HMM notifier are its mirrors' ranges: each object is one
 * mirror (`struct hmm_mirror`, a device driver mirroring the mm) whose device page table maps the
 * object's pages (`obj.mapped`), and one `struct hmm_range` on `hmm->ranges` over the same pages
 * being snapshotted by that driver (`obj.valid`, what `hmm_vma_range_done()` returns). `hmm->mirrors`
 * and `hmm->ranges` are the objects in address order. The mm has one `struct hmm` (`mm->hmm`, static
 * `mm.hmm`): a scenario has at most one HMM notifier.
 *
 * Shared state per instance `id` (`hmm0`): `id.lock` (spinlock), `id.mirrors_sem` (rw_semaphore),
 * `id.sequence` (v4.18 / 93065ac753e4; it only grows), per object `obj.mapped` and `obj.valid`.
 *
 * Abstractions, each with its reason:
 * - `mirror->ops->sync_cpu_device_pagetables` is a primitive: nobody in tree assigns it (Tetsuo
 *   Handa; Jérôme Glisse: "HMM doesn't have any in tree user yet"), so its body is the contract of
 *   include/linux/hmm.h, as an out-of-tree driver would implement it: it updates the device page
 *   table over [start, end) and "must not return from this callback until the device page tables
 *   are completely updated (TLBs flushed, etc); this is a synchronous call" (the 4.17-4.19 hmm.h of
 *   index id 53568947 [recon], `void (*sync_cpu_device_pagetables)(mirror, update_type, start,
 *   end)`), and it drops the mirror's mapping (`obj.mapped = 0`) when [start, end) overlaps it.
 *   The contract does not say whether that wait sleeps, and v4.19 passes the callback no
 *   `blockable`: it is the notifier parameter `sync_sleeps` (a scenario's `notifiers[i].params`,
 *   default true: the driver waits for its device and may sleep; false: the update completes
 *   synchronously without sleeping), static per mirror as `obj.ops.sync_sleeps` and passed to the
 *   primitive as its last argument. In v4.20 the callback also receives `update->blockable`: "If
 *   driver need to sleep and update->blockable is false then you need to abort (do not do anything
 *   that would sleep or block) and return -EAGAIN"; a sleeping mirror then returns -EAGAIN, without
 *   sleeping, when the range overlaps it, and 0 otherwise; a non-sleeping mirror updates and returns
 *   0 whatever `blockable` says.
 *   The call goes through the mirror's ops in C; the model calls the primitive directly (the
 *   statement keeps the kernel's text, with a `/* model: ... *\/` comment), since a call through a
 *   function pointer read from static configuration can only reach a modelled function.
 * - The `addr/idx/npages/memset(&range->pfns[idx], ...)` lines of the ranges loop are left out: they
 *   clear the snapshot's pfns, which the model does not track (`range->valid = false` says the
 *   snapshot is stale); the parser also has no `>>`, `[]` or `sizeof`.
 * - `struct hmm_update update` (v4.20) lives on the caller's stack; the IR has no structs in
 *   locals, so it is replaced by its scalar fields (`update_start`, `update_end`, `update_event`,
 *   `update_blockable`; 0 at the declaration, as every uninitialised local of the model), passed to
 *   `hmm_invalidate_range()` in its place. Those statements keep the kernel's text with a
 *   `/* model: ... *\/` comment that gives what the model runs.
 * - `HMM_UPDATE_INVALIDATE` is an opaque symbol (`globals`): only compared by drivers.
 * - `VM_BUG_ON(!hmm)` is the core no-op primitive (`mm->hmm` is always set here).
 * - **->release** (`hmm_release`, the same in v4.18, v4.19 and under the jglisse patches): under
 *   `down_write(&hmm->mirrors_sem)` it takes each mirror off `hmm->mirrors` and, dropping the
 *   semaphore around it, calls the mirror's `release` callback ("Drop mirrors_sem so callback can
 *   wait on any pending work that might itself trigger mmu_notifier callback"). The list is static
 *   configuration with a shared `obj.listed` per mirror: `list_first_entry_or_null`, `list_del_init`
 *   and the mirrors walk of `hmm_invalidate_range` run stand-ins that read or clear it (the C text is
 *   kept). `mirror->ops->release` is an out-of-tree callback like `sync_cpu_device_pagetables`:
 *   modelled by include/linux/hmm.h's contract, it may sleep and the device stops mapping the
 *   mirror's pages (`obj.mapped = 0`); `if (mirror->ops->release)` is taken (`/* model: 1 *\/`).
 */
import type { DriverDef, InstanceOptions, InstanceState, ObjectRange, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { variantByPatch } from '../by-patch.ts';
import { byHelperSpatch, byRangeArguments } from './range-api.ts';
import { c, fn, foreach, if_, parseExpr, while_, type FnDef, type Stmt } from '../../lang/ir.ts';
import { foreachAs } from './drm_common.ts';
import { num, ref, type Arg, type PrimCtx, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';

const FILE = 'mm/hmm.c';

const SRC_418 = 'WindRiver-Labs/linux-yocto-4.18 @ 91d5e4b4f3cf mm/hmm.c (index id 5237384029) [4.18.y] = seed 001 diff, mm/hmm.c (- side)';
const SRC_419 = 'creativchic/silont-4.19-erofs-test @ 3e1a39980fe4 mm/hmm.c (index id 38758909388) [4.19.y]; not touched by 93065ac753e4';
const SRC_420 =
  'v4.20 mm/hmm.c: Jérôme Glisse, [PATCH 7/7] mm/hmm: proper support for blockable mmu_notifier (24 Aug 2018, index id 34461994466, + side) and [PATCH 6/6] mm/hmm: invalidate device page table at start of invalidation (19 Oct 2018, index id 28946025542), as in the v4.20 pre-image of index id 23128457195';

// ------------------------------------------------------------------------------------------------
// Statements the IR cannot hold as the kernel writes them.

/** An expression statement with the kernel's C text and the model's expressions for it. */
function lowered(text: string, ...model: string[]): Stmt {
  return { s: 'expr', src: { text: `${text} /* model: ${model.join('; ')} */` }, exprs: model.map((m) => parseExpr(m)) };
}

/** `if (cond) ...` with the kernel's condition text and the model's condition. */
function loweredIf(cond: string, model: string, then: readonly Stmt[]): Stmt {
  return { s: 'if', src: { text: `if (${cond}) /* model: ${model} */` }, cond: parseExpr(model), then };
}

/** `return e;` with the kernel's text and the model's expression. */
function loweredReturn(text: string, model: string): Stmt {
  return { s: 'return', src: { text: `${text} /* model: return ${model} */` }, value: parseExpr(model) };
}

// ------------------------------------------------------------------------------------------------
// Primitives.

function truthy(v: Arg | undefined): boolean {
  return v !== 0 && v !== null && v !== undefined;
}

/** The mirrors of `hmm` (static, address order) still on `hmm->mirrors` (`obj.listed`; hmm_release unlinks them). */
function listedMirrors(ctx: PrimCtx, hmm: string): Value[] {
  const all = ctx.stat(`${hmm}.mirrors`);
  return (Array.isArray(all) ? all : []).filter((m) => ctx.read(`${String(m)}.listed`));
}

export const HMM_PRIMITIVES: Record<string, Primitive> = {
  hmm_mirrors_walk: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'listed', mode: 'r' }],
    doc: 'Stands for `list_for_each_entry(mirror, &hmm->mirrors, list)`: the mirrors still on `hmm->mirrors` (`obj.listed`), in order.',
    run: (ctx, [l]) => listedMirrors(ctx, ref(l, 'hmm_mirrors_walk').replace(/\.mirrors$/, '')),
    iterate(ctx, [l], pos) {
      const ms = listedMirrors(ctx, ref(l, 'hmm_mirrors_walk').replace(/\.mirrors$/, ''));
      if (pos === undefined) return ms[0] ?? null;
      const all = ctx.stat(`${ref(l, 'hmm_mirrors_walk')}`);
      const order = Array.isArray(all) ? all : [];
      return ms.find((m) => order.indexOf(m) > order.indexOf(pos)) ?? null;
    },
  },
  hmm_first_mirror: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'listed', mode: 'r' }],
    doc: 'Stands for `list_first_entry_or_null(&hmm->mirrors, struct hmm_mirror, list)`: the first mirror still on the list, or NULL.',
    run: (ctx, [l]) => listedMirrors(ctx, ref(l, 'hmm_first_mirror').replace(/\.mirrors$/, ''))[0] ?? null,
  },
  hmm_mirror_unlink: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'listed', mode: 'w' }],
    doc: 'Stands for `list_del_init(&mirror->list)`: the mirror leaves `hmm->mirrors` (`obj.listed = 0`); later walks no longer sync it.',
    run(ctx, [m]) {
      ctx.write(`${ref(m, 'hmm_mirror_unlink')}.listed`, 0);
      return 0;
    },
  },
  mirror_release: {
    shared: true,
    sleeps: true,
    access: () => [{ name: 'mapped', mode: 'w', zero: true }],
    doc: "mirror->ops->release(mirror): an out-of-tree device driver's callback (no in-tree user in v4.18/v4.19), modelled by include/linux/hmm.h's contract (v4.18/v4.19: \"This is called when the mm_struct is being released. The callback should make sure no references to the mirror occur after the callback returns\"; the 2019 wording, index id 22369785937: \"must ensure that all access to any pages obtained from this mirror is halted before the callback returns\"): it may sleep, and the device no longer maps the mirror's pages (`obj.mapped = 0`).",
    run(ctx, [m]) {
      ctx.write(`${ref(m, 'mirror_release')}.mapped`, 0);
      return 0;
    },
  },
  sync_cpu_device_pagetables: {
    shared: true,
    // The last argument is the mirror's `sync_sleeps` (the notifier parameter, static per mirror).
    // v4.18/v4.19 form (mirror, action, start, end, sleeps): may sleep iff the mirror's update
    // sleeps. v4.20 form (after the struct hmm_update is replaced by its fields) (mirror, start,
    // end, event, blockable, sleeps): may sleep only when blockable and the update sleeps.
    sleeps: (args) => (args.length === 5 ? truthy(args[4]) : truthy(args[4]) && truthy(args[5])),
    access: () => [{ name: 'mapped', mode: 'w', zero: true }],
    doc: "mirror->ops->sync_cpu_device_pagetables(mirror, ...): an out-of-tree device driver's callback (no in-tree user in v4.18-v4.20), modelled by include/linux/hmm.h's contract: it updates the device page table over [start, end) and does not return until the device's page tables and TLBs are updated (\"a synchronous call\"), dropping the mirror's mapping (`obj.mapped = 0`) when the range overlaps it. Whether that wait sleeps is the notifier parameter `sync_sleeps` (the model passes it as the last argument): a mirror whose device must be waited for sleeps (default), one whose update completes synchronously without sleeping does not. v4.20 form (mirror, update): with update->blockable false a sleeping mirror must not sleep and returns -EAGAIN when the range overlaps it (it would have to wait for the device), 0 otherwise; a non-sleeping mirror updates and returns 0 whatever blockable says.",
    run(ctx, args) {
      const mirror = ref(args[0], 'sync_cpu_device_pagetables');
      const v420 = args.length === 6;
      const start = num(args[v420 ? 1 : 2], 'sync_cpu_device_pagetables');
      const end = num(args[v420 ? 2 : 3], 'sync_cpu_device_pagetables');
      const sleeps = truthy(args[v420 ? 5 : 4]);
      const ms = ctx.stat(`${mirror}.start`) as number;
      const ml = ctx.stat(`${mirror}.last`) as number;
      const overlaps = ms <= end - 1 && start <= ml;
      if (v420 && !truthy(args[4]) && sleeps) return overlaps ? -11 : 0;
      if (overlaps) ctx.write(`${mirror}.mapped`, 0);
      return 0;
    },
  },
};

// ------------------------------------------------------------------------------------------------
// v4.18 and 93065ac753e4.

/** The same in v4.18 and v4.19. */
const invalidateRangeV419: FnDef = fn({
  name: 'hmm_invalidate_range',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_419}; the same in v4.18 (${SRC_418.split(' =')[0]})`,
  signature: 'static void hmm_invalidate_range(struct hmm *hmm, enum hmm_update_type action, unsigned long start, unsigned long end)',
  params: ['hmm', 'action', 'start', 'end'],
  body: [
    c('spin_lock(&hmm->lock);'),
    foreach('list_for_each_entry(range, &hmm->ranges, list)', [
      if_('end < range->start || start >= range->end', [c('continue;')]),
      c('range->valid = false;'),
    ]),
    c('spin_unlock(&hmm->lock);'),
    c('down_read(&hmm->mirrors_sem);'),
    foreachAs('list_for_each_entry(mirror, &hmm->mirrors, list)', 'mirror', 'hmm_mirrors_walk(&hmm->mirrors)', [
      lowered('mirror->ops->sync_cpu_device_pagetables(mirror, action, start, end);', 'sync_cpu_device_pagetables(mirror, action, start, end, mirror->ops->sync_sleeps)'),
    ]),
    c('up_read(&hmm->mirrors_sem);'),
  ],
});

const endV419: FnDef = fn({
  name: 'hmm_invalidate_range_end',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_419}; the same in v4.18`,
  signature: 'static void hmm_invalidate_range_end(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mn', 'mm', 'start', 'end'],
  body: [c('struct hmm *hmm = mm->hmm;'), c('VM_BUG_ON(!hmm);'), c('hmm_invalidate_range(mm->hmm, HMM_UPDATE_INVALIDATE, start, end);')],
});

const startV418: FnDef = fn({
  name: 'hmm_invalidate_range_start',
  file: FILE,
  version: 'v4.18',
  source: SRC_418,
  signature: 'static void hmm_invalidate_range_start(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mn', 'mm', 'start', 'end'],
  body: [c('struct hmm *hmm = mm->hmm;'), c('VM_BUG_ON(!hmm);'), c('atomic_inc(&hmm->sequence);')],
});

// ------------------------------------------------------------------------------------------------
// jglisse: v4.20.

const UPDATE_FIELDS = 'update_start, update_end, update_event, update_blockable';

const invalidateRangeV420: FnDef = fn({
  name: 'hmm_invalidate_range',
  file: FILE,
  version: 'jglisse',
  source: SRC_420,
  signature: 'static int hmm_invalidate_range(struct hmm *hmm, bool device, const struct hmm_update *update)',
  // `update` replaced by its fields (see the file comment).
  params: ['hmm', 'device', 'update_start', 'update_end', 'update_event', 'update_blockable'],
  body: [
    c('spin_lock(&hmm->lock);'),
    foreach('list_for_each_entry(range, &hmm->ranges, list)', [
      loweredIf('update->end < range->start || update->start >= range->end', 'update_end < range->start || update_start >= range->end', [c('continue;')]),
      c('range->valid = false;'),
    ]),
    c('spin_unlock(&hmm->lock);'),
    if_('!device', [c('return 0;')]),
    c('down_read(&hmm->mirrors_sem);'),
    foreachAs('list_for_each_entry(mirror, &hmm->mirrors, list)', 'mirror', 'hmm_mirrors_walk(&hmm->mirrors)', [
      c('int ret;'),
      lowered('ret = mirror->ops->sync_cpu_device_pagetables(mirror, update);', `ret = sync_cpu_device_pagetables(mirror, ${UPDATE_FIELDS}, mirror->ops->sync_sleeps)`),
      loweredIf('!update->blockable && ret == -EAGAIN', '!update_blockable && ret == -EAGAIN', [c('up_read(&hmm->mirrors_sem);'), c('return -EAGAIN;')]),
    ]),
    c('up_read(&hmm->mirrors_sem);'),
    c('return 0;'),
  ],
});

const startV420: FnDef = fn({
  name: 'hmm_invalidate_range_start',
  file: FILE,
  version: 'jglisse',
  source: SRC_420,
  signature:
    'static int hmm_invalidate_range_start(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end, bool blockable)',
  params: ['mn', 'mm', 'start', 'end', 'blockable'],
  body: [
    lowered('struct hmm_update update;', 'update_start = 0', 'update_end = 0', 'update_event = 0', 'update_blockable = 0'),
    c('struct hmm *hmm = mm->hmm;'),
    c('VM_BUG_ON(!hmm);'),
    lowered('update.start = start;', 'update_start = start'),
    lowered('update.end = end;', 'update_end = end'),
    lowered('update.event = HMM_UPDATE_INVALIDATE;', 'update_event = HMM_UPDATE_INVALIDATE'),
    lowered('update.blockable = blockable;', 'update_blockable = blockable'),
    loweredReturn('return hmm_invalidate_range(hmm, true, &update);', `hmm_invalidate_range(hmm, true, ${UPDATE_FIELDS})`),
  ],
});

const endV420: FnDef = fn({
  name: 'hmm_invalidate_range_end',
  file: FILE,
  version: 'jglisse',
  source: SRC_420,
  signature: 'static void hmm_invalidate_range_end(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mn', 'mm', 'start', 'end'],
  body: [
    lowered('struct hmm_update update;', 'update_start = 0', 'update_end = 0', 'update_event = 0', 'update_blockable = 0'),
    c('struct hmm *hmm = mm->hmm;'),
    c('VM_BUG_ON(!hmm);'),
    lowered('update.start = start;', 'update_start = start'),
    lowered('update.end = end;', 'update_end = end'),
    lowered('update.event = HMM_UPDATE_INVALIDATE;', 'update_event = HMM_UPDATE_INVALIDATE'),
    lowered('update.blockable = true;', 'update_blockable = true'),
    lowered('hmm_invalidate_range(hmm, false, &update);', `hmm_invalidate_range(hmm, false, ${UPDATE_FIELDS})`),
  ],
});

// ------------------------------------------------------------------------------------------------
// ->release: the same in v4.18, v4.19 and the jglisse patches (which change only the invalidate
// functions).

const release: FnDef = fn({
  name: 'hmm_release',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_419}; the same in v4.18 (${SRC_418.split(' =')[0]}); three statements run stand-ins (the mirrors list and the mirror's callback, see the doc comment)`,
  signature: 'static void hmm_release(struct mmu_notifier *mn, struct mm_struct *mm)',
  params: ['mn', 'mm'],
  body: [
    c('struct hmm_mirror *mirror;'),
    c('struct hmm *hmm = mm->hmm;'),
    c('down_write(&hmm->mirrors_sem);'),
    lowered('mirror = list_first_entry_or_null(&hmm->mirrors, struct hmm_mirror, list);', 'mirror = hmm_first_mirror(&hmm->mirrors)'),
    while_('mirror', [
      lowered('list_del_init(&mirror->list);', 'hmm_mirror_unlink(mirror)'),
      loweredIf('mirror->ops->release', '1', [
        c('up_write(&hmm->mirrors_sem);'),
        lowered('mirror->ops->release(mirror);', 'mirror_release(mirror)'),
        c('down_write(&hmm->mirrors_sem);'),
      ]),
      lowered('mirror = list_first_entry_or_null(&hmm->mirrors, struct hmm_mirror, list);', 'mirror = hmm_first_mirror(&hmm->mirrors)'),
    ]),
    c('up_write(&hmm->mirrors_sem);'),
  ],
});

// ------------------------------------------------------------------------------------------------
// Instance state and variants.

function instance(id: string, objects: readonly ObjectRange[], opts?: InstanceOptions): InstanceState {
  const p = opts?.params['sync_sleeps'];
  if (opts && p !== undefined && typeof p !== 'boolean') {
    throw opts.error('sync_sleeps', "expected true (the mirrors' sync_cpu_device_pagetables() may sleep) or false (it never sleeps)");
  }
  const sleeps = p !== false;
  const mem: Record<string, Value> = { [`${id}.sequence`]: 0, ...mappedMem(id, objects) };
  const statics = objectStatics(id, objects, 'ranges');
  statics[`${id}.mirrors`] = statics[`${id}.ranges`]!;
  objects.forEach((o, i) => {
    mem[`${id}.obj${i}.valid`] = 1;
    mem[`${id}.obj${i}.listed`] = 1;
    statics[`${id}.obj${i}.end`] = o.end;
    // The mirror's `ops` (its device driver's hmm_mirror_ops): whether its sync_cpu_device_pagetables() sleeps.
    statics[`${id}.obj${i}.ops.sync_sleeps`] = sleeps ? 1 : 0;
  });
  statics['mm.hmm'] = id;
  return { mem, locks: { [`${id}.lock`]: 'spin', [`${id}.mirrors_sem`]: 'rwsem' }, statics, balanced: [] };
}

const ops = { release: 'hmm_release', invalidate_range_start: 'hmm_invalidate_range_start', invalidate_range_end: 'hmm_invalidate_range_end' };
const globals = ['HMM_UPDATE_INVALIDATE'];
/** The notifier parameters of every variant (a scenario's `notifiers[i].params`). */
const params = {
  sync_sleeps:
    "whether the mirrors' sync_cpu_device_pagetables() may sleep (true, the default: it waits for the device to update its page table and TLBs, as include/linux/hmm.h lets it) or never sleeps (false: the device's update completes synchronously without sleeping); every mirror of the notifier alike",
};

const v418: VariantDef = {
  description: 'Before 93065ac753e4: void start bumps hmm->sequence; the end syncs every mirror under down_read(&hmm->mirrors_sem).',
  version: 'v4.18',
  api: 'v4.18',
  flags: 0,
  ops,
  primitives: HMM_PRIMITIVES,
  instance,
  params,
  globals,
  fns: [invalidateRangeV419, startV418, endV419, release],
};

const v93065: VariantDef = variantByPatch(v418, '93065ac753e4-blockable-mode.patch', {
  description: 'The patch (93065ac753e4; the same in v4.19 mm/hmm.c): start returns 0 whatever blockable says; the end still sleeps syncing the mirrors (Tetsuo Handa\'s point, 24 Aug 2018, in the review thread of <20180716115058.5559-1-mhocko@kernel.org>).',
  version: '93065ac753e4',
  api: 'v4.19',
});

const jglisse: VariantDef = {
  description:
    'Jérôme Glisse\'s hmm-4.20 changes that "adapt to Michal" (v4.20): the start syncs the mirrors, passing blockable, and returns -EAGAIN when one refuses; the end only invalidates the snapshotted ranges.',
  version: 'jglisse',
  api: 'v4.19',
  flags: 0,
  ops,
  primitives: HMM_PRIMITIVES,
  instance,
  params,
  globals,
  fns: [invalidateRangeV420, startV420, endV420, release],
};

/**
 * v5.0: 5d6527a784f7's mm/hmm.c hunk is against the v4.20 form (struct hmm_update, the start syncing
 * the mirrors), which is the jglisse variant; v4.19's form does not exist in v5.0. The hunk's text
 * fits, but its statements replace the model's stand-ins for the struct hmm_update fields (see the
 * file comment), so its change (every argument read through range) is made by its rule instead.
 */
const v50 = byRangeArguments(jglisse, ['hmm_invalidate_range_start', 'hmm_invalidate_range_end'], {
  description:
    'v5.0: the v4.20 form (the jglisse variant, which 5d6527a784f7\'s mm/hmm.c hunk was made against) with 5d6527a784f7\'s change (the callbacks\' arguments read through range), made by its rule on the model\'s struct hmm_update stand-ins.',
  version: 'v5.0',
  api: 'v5.0',
}, "the mailed hunk's statements would replace the model's stand-ins for the fields of struct hmm_update");
/**
 * v5.2: the helper conversion's mm/hmm.c hunk is against the 5.1 rework of hmm_invalidate_range_start
 * (`nrange`, hmm->lock taken in the callback), which the model does not have: its coccinelle rule is
 * applied to the v5.0 body instead.
 */
const v52 = byHelperSpatch(v50, {
  description:
    'v5.2 (and v5.4): the v5.0 callbacks with the helper conversion\'s coccinelle rule (range->blockable read through mmu_notifier_range_blockable()). The kernel\'s v5.2 hmm_invalidate_range_start is the 5.1 rework (hmm->lock, `nrange`) the helper patch\'s hunk is against; that rework is not modelled.',
  version: 'v5.2',
  api: 'v5.2',
});

export const HMM: DriverDef = {
  name: 'hmm',
  description: 'HMM mirror notifier (mm/hmm.c): mirrors\' device page tables synced through sync_cpu_device_pagetables',
  variants: { 'v4.18': v418, '93065ac753e4': v93065, jglisse, 'v5.0': v50, 'v5.2': v52 },
  defaultVariant: { 'v4.18': 'v4.18', 'v4.19': '93065ac753e4', 'v5.0': 'v5.0', 'v5.2': 'v5.2' },
};
