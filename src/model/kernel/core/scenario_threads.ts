/**
 * Threads a scenario uses to say what a reviewer means without inventing a kernel code path:
 *
 * - `lock_holder`: some task holds a named lock of a notifier or of the mm for a while (across at
 *   least one step of the other threads, since taking and releasing a lock are steps of their own)
 *   and releases it: "the reaper runs while gntdev's mutex is held".
 * - `invalidate`: a caller of the notifier core for one range, or for a range with another nested
 *   inside it (A start, B start, B end, A end: review thread #21 and #37), blockable or not, and
 *   under the mayfail core with MMU_NOTIFIER_RANGE_MAYFAIL or not. It calls the core as the kernel's
 *   callers do: a refused non-blocking start skips the end (as __oom_reap_task_mm does); a blockable
 *   start's result is ignored (as zap_page_range does); a MAYFAIL start's -EAGAIN is turned into
 *   success by the core and the end follows.
 *
 * These functions are model-only (no kernel function of that name exists): their bodies are plain
 * calls of the modelled core, so a trace shows exactly what the scenario asked for.
 */
import { c, fn, if_, label, type FnDef } from '../../lang/ir.ts';
import { RANGE_V50, RANGE_V52 } from './mmu_notifier.ts';
import { RANGE_V66 } from './mmu_v66.ts';

const FILE = '(model-only scenario thread)';

/** The lock-holder threads, by the kind of lock they hold. */
function holder(name: string, take: string, release: string, what: string): FnDef {
  return fn({
    name,
    file: FILE,
    version: 'model',
    source: `model-only: a task that holds ${what} for a while and releases it (a scenario's lock_holder thread)`,
    signature: `void ${name}(void *lock)`,
    params: ['lock'],
    body: [c(`${take}(lock);`), c(`${release}(lock);`)],
  });
}

export const LOCK_HOLDERS: Readonly<Record<string, FnDef>> = {
  mutex: holder('mnc_hold_mutex', 'mutex_lock', 'mutex_unlock', 'a mutex'),
  spin: holder('mnc_hold_spinlock', 'spin_lock', 'spin_unlock', 'a spinlock'),
  read: holder('mnc_hold_rwsem_read', 'down_read', 'up_read', 'an rw_semaphore for read'),
  write: holder('mnc_hold_rwsem_write', 'down_write', 'up_write', 'an rw_semaphore for write'),
};

/**
 * The invalidation caller for cores whose `__mmu_notifier_invalidate_range_start` takes a fourth
 * argument: v4.19's `bool blockable`, or the mayfail core's range flags (BLOCKABLE bit 0, MAYFAIL
 * bit 1). `inner_end > inner_start` asks for a second range nested inside the first.
 */
export const invalidateV419: FnDef = fn({
  name: 'mnc_invalidate',
  file: FILE,
  version: 'v4.19',
  source: 'model-only: a caller of the notifier core for one range, or two nested, as the kernel\'s callers call it (a scenario\'s invalidate thread)',
  signature: 'int mnc_invalidate(struct mm_struct *mm, unsigned long start, unsigned long end, unsigned long inner_start, unsigned long inner_end, int flags)',
  params: ['mm', 'start', 'end', 'inner_start', 'inner_end', 'flags'],
  body: [
    c('int ret;'),
    if_('!mm_has_notifiers(mm)', [c('return 0;')]),
    c('ret = __mmu_notifier_invalidate_range_start(mm, start, end, flags);'),
    if_('ret && !(flags & MMU_NOTIFIER_RANGE_BLOCKABLE)', [c('return ret;')]),
    if_('inner_end > inner_start', [
      c('ret = __mmu_notifier_invalidate_range_start(mm, inner_start, inner_end, flags);'),
      if_('ret && !(flags & MMU_NOTIFIER_RANGE_BLOCKABLE)', [c('goto outer_end;')]),
      c('__mmu_notifier_invalidate_range_end(mm, inner_start, inner_end, false);'),
    ]),
    label('outer_end'),
    c('__mmu_notifier_invalidate_range_end(mm, start, end, false);'),
    c('return ret;'),
  ],
});

/** The same for v4.18, whose start takes no blockable argument and returns nothing. */
export const invalidateV418: FnDef = fn({
  name: 'mnc_invalidate',
  file: FILE,
  version: 'v4.18',
  source: 'model-only: a caller of the v4.18 notifier core for one range, or two nested (a scenario\'s invalidate thread)',
  signature: 'int mnc_invalidate(struct mm_struct *mm, unsigned long start, unsigned long end, unsigned long inner_start, unsigned long inner_end, int flags)',
  params: ['mm', 'start', 'end', 'inner_start', 'inner_end', 'flags'],
  body: [
    if_('!mm_has_notifiers(mm)', [c('return 0;')]),
    c('__mmu_notifier_invalidate_range_start(mm, start, end);'),
    if_('inner_end > inner_start', [
      c('__mmu_notifier_invalidate_range_start(mm, inner_start, inner_end);'),
      c('__mmu_notifier_invalidate_range_end(mm, inner_start, inner_end, false);'),
    ]),
    c('__mmu_notifier_invalidate_range_end(mm, start, end, false);'),
    c('return 0;'),
  ],
});

/**
 * The invalidation caller for cores whose start takes a struct mmu_notifier_range (v5.0 on): the
 * ranges are structs on this function's stack, initialised as those cores' mmu_notifier_range_init()
 * does, with `blockable` (v5.0) or the range flags (v5.2 on: MMU_NOTIFIER_RANGE_BLOCKABLE is bit 0)
 * set from `flags`, as the core's wrappers set them.
 */
function invalidateRange(form: 'v5.0' | 'v5.2' | 'v6.6'): FnDef {
  const init = (r: string, s: string, e: string): string =>
    form === 'v5.0'
      ? `mmu_notifier_range_init(&${r}, mm, ${s}, ${e});`
      : form === 'v6.6'
        ? `mmu_notifier_range_init(&${r}, MMU_NOTIFY_UNMAP, 0, mm, ${s}, ${e});`
        : `mmu_notifier_range_init(&${r}, MMU_NOTIFY_UNMAP, 0, NULL, mm, ${s}, ${e});`;
  const mode = (r: string): string => (form === 'v5.0' ? `${r}.blockable = flags & MMU_NOTIFIER_RANGE_BLOCKABLE;` : `${r}.flags = flags;`);
  // 6.6's __mmu_notifier_invalidate_range_end() has no only_end (ec8832d007cb).
  const end = (r: string): string => (form === 'v6.6' ? `__mmu_notifier_invalidate_range_end(&${r});` : `__mmu_notifier_invalidate_range_end(&${r}, false);`);
  const fields = form === 'v5.0' ? RANGE_V50 : form === 'v6.6' ? RANGE_V66 : RANGE_V52;
  return fn({
    name: 'mnc_invalidate',
    file: FILE,
    version: form,
    source: `model-only: a caller of the ${form === 'v5.0' ? 'v5.0' : form === 'v6.6' ? '6.6' : 'v5.2 to v5.12'} notifier core for one range, or two nested, as the kernel's callers call it (a scenario's invalidate thread)`,
    signature: 'int mnc_invalidate(struct mm_struct *mm, unsigned long start, unsigned long end, unsigned long inner_start, unsigned long inner_end, int flags)',
    params: ['mm', 'start', 'end', 'inner_start', 'inner_end', 'flags'],
    stack: { range: fields, inner: fields },
    body: [
      c('struct mmu_notifier_range range, inner;'),
      c('int ret;'),
      if_('!mm_has_notifiers(mm)', [c('return 0;')]),
      c(init('range', 'start', 'end')),
      c(mode('range')),
      c('ret = __mmu_notifier_invalidate_range_start(&range);'),
      if_('ret && !(flags & MMU_NOTIFIER_RANGE_BLOCKABLE)', [c('return ret;')]),
      if_('inner_end > inner_start', [
        c(init('inner', 'inner_start', 'inner_end')),
        c(mode('inner')),
        c('ret = __mmu_notifier_invalidate_range_start(&inner);'),
        if_('ret && !(flags & MMU_NOTIFIER_RANGE_BLOCKABLE)', [c('goto outer_end;')]),
        c(end('inner')),
      ]),
      label('outer_end'),
      c(end('range')),
      c('return ret;'),
    ],
  });
}

export const invalidateV50: FnDef = invalidateRange('v5.0');
export const invalidateV52: FnDef = invalidateRange('v5.2');
export const invalidateV66: FnDef = invalidateRange('v6.6');
