/**
 * Every property can fail (issue 9). For each engine property (sub-property) the kernel properties
 * build, a case in which exploration finds it VIOLATED, with the explanation naming the mechanism,
 * and, where the history has a fixed or unmutated counterpart, that the same exploration finds it
 * holding there: the property discriminates.
 *
 * A case runs a built-in scenario whose history says the property is violated, or a model with one
 * kernel function mutated. A mutated function is written as C text like the originals in
 * src/model, and its comment says which real patch or which mistake it stands for. The last test
 * checks that the table covers every kind of sub-property the kernel properties can build, so a new
 * sub-property without a failing case fails the suite.
 */
import { describe, expect, test } from 'vitest';
import { check, Property, type CheckOptions, type CheckResult } from '../../src/checker/index.ts';
import type { KAction } from '../../src/model/lang/interp.ts';
import { c, cg, elif, fn, foreach, if_, label, parseExpr, while_, type FnDef, type Stmt } from '../../src/model/lang/ir.ts';
import { cAs } from '../../src/model/kernel/drivers/drm_common.ts';
import { KernelModel } from '../../src/model/kernel-model.ts';
import { Program } from '../../src/model/lang/program.ts';
import { applyVariant, builtinNames, loadBuiltin } from '../../src/model/kernel/scenario-file.ts';
import { CORE_VERSIONS } from '../../src/model/kernel/core/versions.ts';
import { buildProgram, type Scenario } from '../../src/model/kernel/scenario.ts';
import type { KState, Value } from '../../src/model/lang/state.ts';
import { engineProperties, explain, KERNEL_PROPERTIES, readsOf, scenarioModel } from '../../src/properties/index.ts';
import { V419_MAX_OOM_REAP_RETRIES } from '../../src/properties/reaper-progress.ts';
import { variantsOf } from '../../src/report/run.ts';
import { stepRows } from '../../src/report/steps.ts';
import { runBuiltin } from '../scenarios/helpers.ts';
import { readFileSync } from 'node:fs';
import { parsePatch } from '../../src/model/patch/diff.ts';
import { applyInOrder, scenarioBase } from '../../src/model/patch/use.ts';
import { ScenarioError } from '../../src/model/kernel/errors.ts';

// ------------------------------------------------------------------------------------------------
// Exploring and reading verdicts.

interface Explored {
  readonly model: KernelModel;
  readonly result: CheckResult<KState, KAction>;
}

const ALL = KERNEL_PROPERTIES.map((p) => p.name);

/** Explore a model to the end (every property decided), and require that the run was complete. */
function explore(model: KernelModel, options: CheckOptions = {}): Explored {
  const result = check(model, { findAll: true, ...options });
  if (options.maxStates === undefined) expect(result.status, 'the exploration must cover the whole space').not.toBe('incomplete');
  return { model, result };
}

function builtin(name: string, variant?: string): Explored {
  const run = runBuiltin(name, variant);
  expect(run.result.status, `${name} ${variant ?? ''}`).not.toBe('incomplete');
  return { model: run.model, result: run.result };
}

function verdict(e: Explored, engineProperty: string): string {
  const v = e.result.verdicts.find((x) => x.property === engineProperty);
  if (!v) throw new Error(`${engineProperty} was not checked; checked: ${e.result.verdicts.map((x) => x.property).join(', ')}`);
  return v.status;
}

/** The violation of an engine property: its explanation and every executed statement (`thread: C text`). */
function violation(e: Explored, engineProperty: string): { header: string; details: string; statements: string[] } {
  const v = e.result.verdicts.find((x) => x.property === engineProperty);
  if (v?.status !== 'violated') throw new Error(`${engineProperty} is ${v?.status ?? 'not checked'}, not violated`);
  const cx = v.counterexample;
  const last = cx.path.steps.at(-1)?.state ?? cx.path.init;
  const f = explain(e.model, engineProperty, last);
  return {
    header: f.header,
    details: f.details.join('\n'),
    statements: stepRows(e.model, cx).flatMap((r) => r.statements.map((s) => `${r.thread}: ${s.text}`)),
  };
}

// ------------------------------------------------------------------------------------------------
// Models with a mutated kernel function.

interface Mutation {
  /** Functions replacing the scenario's functions of the same name (each must exist there). */
  readonly fns?: readonly FnDef[];
  /** Constants replacing the scenario's (a `#define` a patch changed). */
  readonly constants?: Readonly<Record<string, Value>>;
  /** Replaces the functions whose calls the interpreter counts (ghost state). */
  readonly countCalls?: readonly string[];
  /** Kernel properties to check; all by default. */
  readonly names?: readonly string[];
  /** Engine properties added to the kernel properties' (e.g. a `sometimes` showing a bound is reached). */
  readonly extra?: readonly Property<KState>[];
}

/** The scenario's program with the mutation applied, as a model with its properties. */
function mutated(sc: Scenario, mu: Mutation): KernelModel {
  const base = buildProgram(sc);
  const byName = new Map((mu.fns ?? []).map((f) => [f.name, f]));
  for (const name of byName.keys()) expect(base.spec.fns.some((f) => f.name === name), `the scenario has a function ${name} to mutate`).toBe(true);
  for (const k of Object.keys(mu.constants ?? {})) expect(k in base.spec.constants, `the scenario has a constant ${k}`).toBe(true);
  const program = new Program({
    ...base.spec,
    fns: base.spec.fns.map((f) => byName.get(f.name) ?? f),
    constants: { ...base.spec.constants, ...mu.constants },
    countCalls: mu.countCalls ?? base.spec.countCalls,
  });
  const names = mu.names ?? ALL;
  const m = new KernelModel(program, { reads: readsOf(program, names) });
  m.setProperties([...engineProperties(m, names), ...(mu.extra ?? [])]);
  return m;
}

function scenarioOf(name: string, variant?: string): Scenario {
  const v = variantsOf(loadBuiltin(name)).find((x) => x.label === variant);
  if (!v) throw new Error(`${name} has no variant ${String(variant)}`);
  return v.scenario;
}

/** An expression statement with the kernel's C text and the model's expressions for it (as src/model/kernel/drivers/hmm.ts writes them). */
function lowered(text: string, ...model: string[]): Stmt {
  return { s: 'expr', src: { text: `${text} /* model: ${model.join('; ')} */` }, exprs: model.map((x) => parseExpr(x)) };
}

// ------------------------------------------------------------------------------------------------
// The mutants.

const OOM_KILL = 'mm/oom_kill.c';
const OOM_REAP_TASK_SIGNATURE = 'static void oom_reap_task(struct task_struct *tsk)';
const OBSTRUCTED_GHOSTS = ['ghost->oom_obstructed_attempts += ghost->oom_obstructed', 'ghost->oom_obstructed = 0'] as const;

/** v4.19 oom_reap_task() (src/model/kernel/core/oom_kill.ts `reapTask`) with the loop condition `cond`, and the tail it reaches. */
function oomReapTaskWith(version: string, source: string, cond: string): FnDef {
  return fn({
    name: 'oom_reap_task',
    file: OOM_KILL,
    version,
    source,
    signature: OOM_REAP_TASK_SIGNATURE,
    params: ['tsk'],
    body: [
      c('int attempts = 0;'),
      c('struct mm_struct *mm = tsk->signal->oom_mm;'),
      while_(cond, [cg('schedule_timeout_idle(HZ/10);', undefined, ...OBSTRUCTED_GHOSTS)]),
      if_('attempts <= MAX_OOM_REAP_RETRIES || test_bit(MMF_OOM_SKIP, &mm->flags)', [c('goto done;')]),
      c('pr_info("oom_reaper: unable to reap pid:%d (%s)\\n", task_pid_nr(tsk), tsk->comm);'),
      c('debug_show_all_locks();'),
      label('done'),
      c('tsk->oom_reaper_list = NULL;'),
      cg('set_bit(MMF_OOM_SKIP, &mm->flags);', undefined, 'ghost->oom_skip_by_reaper = 1'),
      c('put_task_struct(tsk);'),
    ],
  });
}

/**
 * Off by one: `<=` for `<` in the v4.19 loop, `while (attempts++ <= MAX_OOM_REAP_RETRIES && ...)`:
 * the mistake the v4.19 code avoids with `attempts++ <` and its `attempts <= MAX_OOM_REAP_RETRIES`
 * test after the loop; it makes an eleventh attempt.
 */
const oomReapTaskOffByOne = oomReapTaskWith(
  'test: off-by-one',
  'v4.19 oom_reap_task (../shared/kernel/README.md §2) with `<` turned into `<=` in the loop condition',
  'attempts++ <= MAX_OOM_REAP_RETRIES && !oom_reap_task_mm(tsk, mm)',
);

/**
 * Retry until success, without a bound: a reading of the cover letter's "The oom_reaper end then
 * simply retries if there is at least one notifier which couldn't make any progress in !blockable
 * mode" (000_f4ebff145df8c0ac.txt) that drops MAX_OOM_REAP_RETRIES, the bound that lets the OOM
 * killer move on when a victim cannot be reaped ("somebody can't call up_write(mmap_sem)", the
 * comment at `done:`). With `ghost` false the obstructed-attempts bookkeeping, which would grow
 * without bound, is left out (only no-premature-victim reads it, and the model that drops it checks
 * deadlock only).
 */
function oomReapTaskUnbounded(ghost: boolean): FnDef {
  return fn({
    name: 'oom_reap_task',
    file: OOM_KILL,
    version: 'test: unbounded retry',
    source: 'v4.19 oom_reap_task (../shared/kernel/README.md §2) with the attempts counter and MAX_OOM_REAP_RETRIES taken out of the loop',
    signature: OOM_REAP_TASK_SIGNATURE,
    params: ['tsk'],
    body: [
      c('struct mm_struct *mm = tsk->signal->oom_mm;'),
      while_('!oom_reap_task_mm(tsk, mm)', [ghost ? cg('schedule_timeout_idle(HZ/10);', undefined, ...OBSTRUCTED_GHOSTS) : c('schedule_timeout_idle(HZ/10);')]),
      c('tsk->oom_reaper_list = NULL;'),
      cg('set_bit(MMF_OOM_SKIP, &mm->flags);', undefined, 'ghost->oom_skip_by_reaper = 1'),
      c('put_task_struct(tsk);'),
    ],
  });
}

/**
 * The unwind of "mm/mmu_notifiers: ensure range_end() is paired with range_start()" (Sean
 * Christopherson, 2021; the fix kvm-pairing-under-reaper.json names) carried back onto v4.19's
 * __mmu_notifier_invalidate_range_start (src/model/kernel/core/mmu_notifier.ts `startV419`): when a start
 * failed, call invalidate_range_end on every notifier that has one. Upstream the unwind comes with a
 * WARN_ON for a failing notifier that has an end callback (a start that can fail must not also have an
 * end: nothing tells the unwind which starts failed), and a contract that owes those ends: the v5.12
 * core (src/model/kernel/core/mmu_v512.ts) has both, as the kernel has them. Here the unwind alone is
 * carried back, under v4.19's contract: v4.19's amdgpu breaks the rule (its start can fail and it has
 * an end), so the unwind ends a start that was never approved.
 */
const startWithUnwind: FnDef = fn({
  name: '__mmu_notifier_invalidate_range_start',
  file: 'mm/mmu_notifier.c',
  version: 'test: 2021 unwind on v4.19',
  source: 'v4.19 (seed 001 diff + side; ../shared/kernel/README.md §4) with the unwind of "mm/mmu_notifiers: ensure range_end() is paired with range_start()" (2021)',
  signature: 'int __mmu_notifier_invalidate_range_start(struct mm_struct *mm, unsigned long start, unsigned long end, bool blockable)',
  params: ['mm', 'start', 'end', 'blockable'],
  body: [
    c('int ret = 0;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(mn, &mm->mmu_notifier_mm->list, hlist)', [
      if_('mn->ops->invalidate_range_start', [
        c('int _ret = mn->ops->invalidate_range_start(mn, mm, start, end, blockable);'),
        if_('_ret', [
          c('pr_info("%pS callback failed with %d in %sblockable context.\\n", mn->ops->invalidate_range_start, _ret, !blockable ? "non-" : "");'),
          c('ret = _ret;'),
        ]),
      ]),
    ]),
    if_('ret', [
      foreach('hlist_for_each_entry_rcu(mn, &mm->mmu_notifier_mm->list, hlist)', [
        if_('!mn->ops->invalidate_range_end', [c('continue;')]),
        c('mn->ops->invalidate_range_end(mn, mm, start, end);'),
      ]),
    ]),
    c('srcu_read_unlock(&srcu, id);'),
    c('return ret;'),
  ],
});

/**
 * radeon's start as posted in 93065ac753e4 (src/model/kernel/drivers/radeon.ts `start93065`, seed 001 diff
 * + side) with the non-blockable bail-out inside the loop written `return -EAGAIN;` where the patch
 * has `ret = -EAGAIN; goto out_unlock;`: the early return that leaves rmn->lock locked, the mistake
 * the patch's `out_unlock` label is there to avoid.
 */
const radeonStartReturnsLocked: FnDef = fn({
  name: 'radeon_mn_invalidate_range_start',
  file: 'drivers/gpu/drm/radeon/radeon_mn.c',
  version: 'test: return without unlock',
  source: 'seed 001 diff, radeon_mn.c (+ side), loop body from index id 397943015 (as src/model/kernel/drivers/radeon.ts), with `ret = -EAGAIN; goto out_unlock;` replaced by `return -EAGAIN;`',
  signature: 'static int radeon_mn_invalidate_range_start(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end, bool blockable)',
  params: ['mn', 'mm', 'start', 'end', 'blockable'],
  body: [
    c('struct radeon_mn *rmn = container_of(mn, struct radeon_mn, mn);'),
    cAs('struct ttm_operation_ctx ctx = { false, false };', 'ctx = 0;'),
    c('int ret = 0;'),
    c('end -= 1;'),
    if_('blockable', [c('mutex_lock(&rmn->lock);')], elif('!mutex_trylock(&rmn->lock)', [c('return -EAGAIN;')])),
    c('it = interval_tree_iter_first(&rmn->objects, start, end);'),
    while_('it', [
      if_('!blockable', [c('return -EAGAIN;')]),
      c('node = container_of(it, struct radeon_mn_node, it);'),
      c('it = interval_tree_iter_next(it, start, end);'),
      foreach('list_for_each_entry(bo, &node->bos, mn_list)', [
        if_('!bo->tbo.ttm || bo->tbo.ttm->state != tt_bound', [c('continue;')]),
        c('r = radeon_bo_reserve(bo, true);'),
        if_('r', [c('DRM_ERROR("(%ld) failed to reserve user bo\\n", r);'), c('continue;')]),
        c('r = reservation_object_wait_timeout_rcu(bo->tbo.resv, true, false, MAX_SCHEDULE_TIMEOUT);'),
        if_('r <= 0', [c('DRM_ERROR("(%ld) failed to wait for user bo\\n", r);')]),
        c('radeon_ttm_placement_from_domain(bo, RADEON_GEM_DOMAIN_CPU);'),
        c('r = ttm_bo_validate(&bo->tbo, &bo->placement, &ctx);'),
        if_('r', [c('DRM_ERROR("(%ld) failed to validate user bo\\n", r);')]),
        c('radeon_bo_unreserve(bo);'),
      ]),
    ]),
    label('out_unlock'),
    c('mutex_unlock(&rmn->lock);'),
    c('return ret;'),
  ],
});

/**
 * v4.19 hmm_invalidate_range() (src/model/kernel/drivers/hmm.ts `invalidateRangeV419`) with
 * `spin_unlock(&hmm->lock)` moved below the mirror walk, as if to keep the ranges from changing
 * while the mirrors sync: `down_read(&hmm->mirrors_sem)` and the mirrors' callbacks, which may
 * sleep, then run under the hmm->lock spinlock.
 */
const hmmInvalidateRangeUnderSpinlock: FnDef = fn({
  name: 'hmm_invalidate_range',
  file: 'mm/hmm.c',
  version: 'test: mirrors synced under hmm->lock',
  source: 'v4.19 mm/hmm.c hmm_invalidate_range (index id 38758909388) with spin_unlock(&hmm->lock) moved after up_read(&hmm->mirrors_sem)',
  signature: 'static void hmm_invalidate_range(struct hmm *hmm, enum hmm_update_type action, unsigned long start, unsigned long end)',
  params: ['hmm', 'action', 'start', 'end'],
  body: [
    c('spin_lock(&hmm->lock);'),
    foreach('list_for_each_entry(range, &hmm->ranges, list)', [
      if_('end < range->start || start >= range->end', [c('continue;')]),
      c('range->valid = false;'),
    ]),
    c('down_read(&hmm->mirrors_sem);'),
    foreach('list_for_each_entry(mirror, &hmm->mirrors, list)', [
      lowered('mirror->ops->sync_cpu_device_pagetables(mirror, action, start, end);', 'sync_cpu_device_pagetables(mirror, action, start, end)'),
    ]),
    c('up_read(&hmm->mirrors_sem);'),
    c('spin_unlock(&hmm->lock);'),
  ],
});

/**
 * v4.19 kvm_mmu_notifier_invalidate_range_start (src/model/kernel/drivers/kvm.ts `startV419`, exact v4.19)
 * with `kvm->mmu_notifier_count++` moved into `if (need_tlb_flush)`: the count raised only when the
 * start zapped an spte, while kvm_mmu_notifier_invalidate_range_end still lowers it for every range.
 * Upstream KVM later (2021) made the count conditional, but on both sides at once: start and end
 * walk the memslots of the range with `.on_lock = kvm_inc_notifier_count` and
 * `kvm_dec_notifier_count` respectively. This is the half-done form, and the end's
 * BUG_ON(kvm->mmu_notifier_count < 0) fires for a range that zapped nothing.
 */
const kvmStartCountsOnlyZaps: FnDef = fn({
  name: 'kvm_mmu_notifier_invalidate_range_start',
  file: 'virt/kvm/kvm_main.c',
  version: 'test: count raised only on a zap',
  source: 'v4.19 virt/kvm/kvm_main.c (index id 5281045917) with kvm->mmu_notifier_count++ moved under if (need_tlb_flush)',
  signature:
    'static int kvm_mmu_notifier_invalidate_range_start(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end, bool blockable)',
  params: ['mn', 'mm', 'start', 'end', 'blockable'],
  body: [
    c('struct kvm *kvm = mmu_notifier_to_kvm(mn);'),
    c('int need_tlb_flush = 0, idx;'),
    c('int ret;'),
    c('idx = srcu_read_lock(&kvm->srcu);'),
    c('spin_lock(&kvm->mmu_lock);'),
    c('need_tlb_flush = kvm_unmap_hva_range(kvm, start, end);'),
    c('need_tlb_flush |= kvm->tlbs_dirty;'),
    if_('need_tlb_flush', [c('kvm->mmu_notifier_count++;'), c('kvm_flush_remote_tlbs(kvm);')]),
    c('spin_unlock(&kvm->mmu_lock);'),
    c('ret = kvm_arch_mmu_notifier_invalidate_range(kvm, start, end, blockable);'),
    c('srcu_read_unlock(&kvm->srcu, idx);'),
    c('return ret;'),
  ],
});

// ------------------------------------------------------------------------------------------------
// Small scenarios written here.

/** A madvise(MADV_DONTNEED) over hmm's mirror: a blockable pair whose end syncs the mirrors. */
const HMM_MADVISE: Scenario = {
  name: 'hmm-madvise',
  core: 'v4.19',
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ use: 'hmm@93065ac753e4', objects: [{ start: 0, end: 2 }] }],
  threads: [{ kind: 'madvise', params: { start: 0, len: 2 } }],
};

/** A madvise(MADV_DONTNEED) of pages no KVM memslot covers: KVM's start zaps nothing. */
const KVM_MADVISE_OUTSIDE_MEMSLOTS: Scenario = {
  name: 'kvm-madvise-outside-memslots',
  core: 'v4.19',
  vmas: [{ start: 0, end: 8 }],
  notifiers: [{ use: 'kvm', objects: [{ start: 0, end: 4 }] }],
  threads: [{ kind: 'madvise', params: { start: 4, len: 2 } }],
};

/**
 * The CS ioctl allocating under amn->lock (before 4a2de54dc1d7), with Tetsuo Handa's read lock so
 * the reaper never sleeps: when the victim's reserves run out its allocation enters direct reclaim,
 * which unmaps a page of its own userptr BO and takes amn->lock for read in amdgpu's blockable start,
 * held for write by itself: it is stuck for good. The reaper only fails its down_read_trylock().
 */
const RETRY_VS_RECLAIM_UNDER_LOCK: Scenario = {
  name: 'retry-vs-reclaim-under-lock',
  core: 'v4.19',
  oom: true,
  allocation: { mayFail: true, reclaim: 8 },
  vmas: [
    { start: 0, end: 4 },
    { start: 8, end: 12 },
  ],
  notifiers: [{ use: 'amdgpu@tetsuo', objects: [{ start: 8, end: 10 }] }],
  threads: [{ kind: 'oom_reaper' }, { kind: 'amdgpu:cs_alloc_under_lock' }],
};

// ------------------------------------------------------------------------------------------------
// The table: one case per kind of sub-property.

interface Case {
  /** The engine property, with `deadlock:partial:<thread>` written `deadlock:partial`. */
  readonly kind: string;
  readonly title: string;
  readonly run: () => void;
}

const CASES: readonly Case[] = [
  {
    kind: 'no-sleep:might-sleep',
    title: "amdgpu's read lock as posted sleeps in the reaper's non-blockable start; Tetsuo Handa's trylock does not",
    run() {
      const f = violation(builtin('amdgpu-read-lock-nonblock', '93065ac753e4'), 'no-sleep:might-sleep');
      expect(f.header).toBe('BUG: sleeping function called from non-blockable invalidate_range_start');
      expect(f.details).toMatch(/^oom_reaper is about to call down_read_non_owner\(\), which may sleep, in amdgpu0 invalidate_range_start \[0, 4\) non-blockable/);
      expect(verdict(builtin('amdgpu-read-lock-nonblock', 'tetsuo'), 'no-sleep:might-sleep')).toBe('holds');
    },
  },
  {
    kind: 'no-sleep:blocked',
    title: "v4.19's gntdev start waits in the reaper's non-blockable start; Michal Hocko's fixup does not",
    run() {
      const f = violation(builtin('gntdev-reaper', 'v4.19'), 'no-sleep:blocked');
      expect(f.header).toBe('BUG: non-blockable invalidate_range_start blocked');
      expect(f.details).toMatch(/^oom_reaper sleeps in gntdev0 invalidate_range_start \[0, 4\) non-blockable: unmap_grant_pages\(/);
      expect(verdict(builtin('gntdev-reaper', 'fixup'), 'no-sleep:blocked')).toBe('holds');
    },
  },
  {
    kind: 'pairing:unbalanced-end',
    title: "the 2021 unwind of a failed start, carried onto v4.19, ends amdgpu's refused start; v4.19 itself never does",
    run() {
      const e = explore(mutated(scenarioOf('kvm-pairing-under-reaper'), { fns: [startWithUnwind], names: ['pairing'] }));
      const f = violation(e, 'pairing:unbalanced-end');
      expect(f.header).toBe('WARNING: unbalanced invalidate_range_end');
      expect(f.details).toMatch(/^oom_reaper calls amdgpu0's amdgpu_mn_invalidate_range_end\(\) for \[0, 4\) but no invalidate_range_start of amdgpu0 for that range is owed an end/);
      expect(f.details).toContain('__mmu_notifier_invalidate_range_start() mm/mmu_notifier.c: mn->ops->invalidate_range_end(mn, mm, start, end);');
      expect(verdict(builtin('kvm-pairing-under-reaper'), 'pairing:unbalanced-end')).toBe('holds');
    },
  },
  {
    kind: 'pairing:missing-end',
    title: "the reaper skips every end after amdgpu refuses, so KVM's approved start never gets one; the 2021 unwind gives it",
    run() {
      const f = violation(builtin('kvm-pairing-under-reaper'), 'pairing:missing-end');
      expect(f.header).toBe('WARNING: invalidate_range_start without its invalidate_range_end');
      expect(f.details).toMatch(/^oom_reaper finished, but the non-blockable invalidate_range_start of kvm0 for \[0, 4\) that returned 0 never got its invalidate_range_end/);
      // The unwind does what it was written for: KVM's approved start gets its end.
      expect(verdict(explore(mutated(scenarioOf('kvm-pairing-under-reaper'), { fns: [startWithUnwind], names: ['pairing'] })), 'pairing:missing-end')).toBe('holds');
    },
  },
  {
    kind: 'pairing:unbalanced-state',
    title: "the reaper as posted leaves the failed VMA's mmu_gather open; v4.19's tlb_finish_mmu() closes it",
    run() {
      const f = violation(builtin('oom-reap-return-value', '93065ac753e4'), 'pairing:unbalanced-state');
      expect(f.header).toBe('WARNING: state not balanced after every thread finished');
      expect(f.details).toMatch(/mm\.tlb_flush_pending = 10 \(initially 0\)/);
      expect(verdict(builtin('oom-reap-return-value', 'v4.19'), 'pairing:unbalanced-state')).toBe('holds');
    },
  },
  {
    kind: 'lock-discipline:bad-unlock',
    title: "4a2de54dc1d7's error path releases amn->lock it never took; the 4.19.y ioctl does not",
    run() {
      const f = violation(builtin('amdgpu-ioctl-alloc-under-lock', '4a2de54dc1d7'), 'lock-discipline:bad-unlock');
      expect(f.header).toBe('WARNING: bad unlock balance detected! up_write() of a lock not held');
      expect(f.details).toMatch(/^cs_fixed is about to call up_write\(&amdgpu0\.lock\)/);
      expect(verdict(builtin('amdgpu-ioctl-alloc-under-lock', 'v4.19.y'), 'lock-discipline:bad-unlock')).toBe('holds');
    },
  },
  {
    kind: 'lock-discipline:sleep-under-spinlock',
    title: "hmm's mirror walk moved under hmm->lock sleeps holding the spinlock; v4.19's drops it first",
    run() {
      const e = explore(mutated(HMM_MADVISE, { fns: [hmmInvalidateRangeUnderSpinlock], names: ['lock-discipline'] }));
      const f = violation(e, 'lock-discipline:sleep-under-spinlock');
      expect(f.header).toBe('BUG: sleeping function called from invalid context (spinlock held)');
      expect(f.details).toMatch(/^madvise is about to call down_read\(\), which may sleep, holding hmm0\.lock/);
      expect(f.details).toContain('hmm_invalidate_range() mm/hmm.c: down_read(&hmm->mirrors_sem);');
      expect(verdict(explore(mutated(HMM_MADVISE, { names: ['lock-discipline'] })), 'lock-discipline:sleep-under-spinlock')).toBe('holds');
    },
  },
  {
    kind: 'lock-discipline:held-at-exit',
    title: "radeon's start returning -EAGAIN without its unlock leaves the reaper holding rmn->lock; the patch's goto out_unlock does not",
    run() {
      const sc = scenarioOf('radeon-reaper', 'v4.19');
      const e = explore(mutated(sc, { fns: [radeonStartReturnsLocked], names: ['lock-discipline'] }));
      const f = violation(e, 'lock-discipline:held-at-exit');
      expect(f.header).toBe('WARNING: lock held when returning to user space!');
      expect(f.details).toMatch(/^oom_reaper has finished holding radeon0\.lock \(mutex\)/);
      expect(f.statements).toContain('oom_reaper: return -EAGAIN;');
      expect(verdict(builtin('radeon-reaper', 'v4.19'), 'lock-discipline:held-at-exit')).toBe('holds');
    },
  },
  {
    kind: 'lock-discipline:recursive-read',
    title: "without the recursion counter a nested start reads amn->lock again behind a queued writer; with it, never",
    run() {
      const f = violation(builtin('several-starts-in-flight', 'tetsuo'), 'lock-discipline:recursive-read');
      expect(f.header).toBe('WARNING: possible recursive locking detected (down_read with a writer queued)');
      expect(f.details).toMatch(/madvise2? already holds amdgpu0\.lock for read and is about to down_read it again while cs_v4_19 waits to write/);
      expect(verdict(builtin('several-starts-in-flight', 'recursion'), 'lock-discipline:recursive-read')).toBe('holds');
    },
  },
  {
    kind: 'deadlock',
    title: "the CS ioctl's direct reclaim, under amn->lock held for write, reaches amdgpu's blockable start; 4a2de54dc1d7 allocates first",
    run() {
      const f = violation(builtin('amdgpu-cs-reclaim', 'alloc-under-lock'), 'deadlock');
      expect(f.header).toBe('WARNING: possible deadlock: no thread can make progress');
      expect(f.details).toMatch(/cs_alloc_under_lock: amdgpu_mn_read_lock\(\)[\s\S]*waits: down_read_non_owner\(&amdgpu0\.lock\): held for write by cs_alloc_under_lock/);
      expect(f.statements).toContain('cs_alloc_under_lock: try_to_unmap_one(alloc->reclaim_page, alloc->reclaim_vma, alloc->reclaim_address);');
      expect(verdict(builtin('amdgpu-cs-reclaim', '4a2de54dc1d7'), 'deadlock')).toBe('holds');
    },
  },
  {
    kind: 'deadlock:partial',
    title: 'a reaper retrying forever keeps running while the ioctl is stuck for good in its own reclaim; 4a2de54dc1d7 allocates before taking amn->lock',
    run() {
      // The calls of oom_reap_task_mm() are not counted here: the count would grow without bound
      // under the unbounded loop, and only reaper-progress (not checked here) reads it.
      const e = explore(mutated(RETRY_VS_RECLAIM_UNDER_LOCK, { fns: [oomReapTaskUnbounded(false)], countCalls: [], names: ['deadlock'] }));
      const f = violation(e, 'deadlock:partial:cs_alloc_under_lock');
      expect(f.header).toBe('WARNING: cs_alloc_under_lock can never run again (partial deadlock)');
      expect(f.details).toMatch(/cs_alloc_under_lock: [\s\S]*waits: down_read\(&amdgpu0\.lock\): held for write by cs_alloc_under_lock/);
      // Not a whole deadlock: the reaper can always move (and is never stuck itself).
      expect(verdict(e, 'deadlock')).toBe('holds');
      expect(verdict(e, 'deadlock:partial:oom_reaper')).toBe('holds');
      const fixed = explore(
        mutated({ ...RETRY_VS_RECLAIM_UNDER_LOCK, threads: [{ kind: 'oom_reaper' }, { kind: 'amdgpu:cs_v4_19', name: 'cs_alloc_under_lock' }] }, { fns: [oomReapTaskUnbounded(false)], countCalls: [], names: ['deadlock'] }),
      );
      expect(fixed.result.verdicts.map((v) => `${v.property}=${v.status}`)).toEqual([
        'deadlock=holds',
        'deadlock:partial:oom_reaper=holds',
        'deadlock:partial:cs_alloc_under_lock=holds',
      ]);
    },
  },
  {
    kind: 'reaper-progress:attempts',
    title: "an off-by-one retry loop makes an eleventh attempt; v4.19's makes exactly ten",
    run() {
      const sc = scenarioOf('oom-reap-return-value', 'v4.19');
      const e = explore(mutated(sc, { fns: [oomReapTaskOffByOne], names: ['reaper-progress'] }));
      const f = violation(e, 'reaper-progress:attempts');
      expect(f.header).toBe('WARNING: oom_reaper made more than MAX_OOM_REAP_RETRIES (10, v4.19 mm/oom_kill.c) attempts');
      expect(f.details).toBe('oom_reap_task_mm() calls so far: 11');
      expect(f.statements).toContain('oom_reaper: while (attempts++ <= MAX_OOM_REAP_RETRIES && !oom_reap_task_mm(tsk, mm))');
      // The unmodified v4.19 loop holds, and reaches the bound: the check is not vacuous.
      const tenth = Property.sometimes<KState>('ten attempts', (s) => s.mem['ghost.calls_oom_reap_task_mm'] === V419_MAX_OOM_REAP_RETRIES);
      const v419 = explore(mutated(sc, { names: ['reaper-progress'], extra: [tenth] }));
      expect(verdict(v419, 'reaper-progress:attempts')).toBe('holds');
      expect(verdict(v419, 'ten attempts')).toBe('holds');
    },
  },
  {
    kind: 'reaper-progress:reachable',
    title: 'the reaper waits for amn->lock held by an ioctl stuck in its own reclaim; after 4a2de54dc1d7 it finishes',
    run() {
      const f = violation(builtin('amdgpu-ioctl-alloc-under-lock', 'alloc-under-lock'), 'reaper-progress:reachable');
      expect(f.header).toBe('WARNING: oom_reaper can no longer finish: it waits forever');
      expect(verdict(builtin('amdgpu-ioctl-alloc-under-lock', '4a2de54dc1d7'), 'reaper-progress:reachable')).toBe('holds');
    },
  },
  {
    kind: 'reaper-progress:fair',
    title: 'on a fair schedule the reaper still ends waiting for amn->lock; after 4a2de54dc1d7 every fair run finishes it',
    run() {
      const f = violation(builtin('amdgpu-ioctl-alloc-under-lock', 'alloc-under-lock'), 'reaper-progress:fair');
      expect(f.header).toBe('WARNING: oom_reaper does not finish on a fair schedule');
      expect(f.details).toMatch(/oom_reaper: amdgpu_mn_read_lock\(\)[\s\S]*waits: down_read_non_owner\(&amdgpu0\.lock\): held for write by cs_alloc_under_lock/);
      expect(verdict(builtin('amdgpu-ioctl-alloc-under-lock', '4a2de54dc1d7'), 'reaper-progress:fair')).toBe('holds');
    },
  },
  {
    kind: 'no-premature-victim',
    title: 'a failed partial reap returning true lets a new victim be chosen after one attempt; v4.19 retries',
    run() {
      const f = violation(builtin('oom-reap-return-value', 'returns-true'), 'no-premature-victim');
      expect(f.header).toBe('WARNING: MMF_OOM_SKIP set while the victim still holds its memory (premature new OOM victim)');
      expect(f.details).toMatch(/set by: oom_reap_task\(\)\nreaper attempts: 1, of which obstructed .*: 0\nVMAs still mapped: vma0 \[0, 4\)/);
      expect(verdict(builtin('oom-reap-return-value', 'v4.19'), 'no-premature-victim')).toBe('holds');
    },
  },
  {
    kind: 'coherency:mapped',
    title: "v4.19's hmm approves the reaper's start and the mirror maps again before the end; v4.20's hmm syncs in the start",
    run() {
      const f = violation(builtin('end-after-nonblock-start', '93065ac753e4'), 'coherency:mapped');
      expect(f.header).toBe('BUG: secondary mapping inside an invalidated range');
      expect(f.details).toBe('hmm0 approved invalidate_range_start for [0, 4) (called by oom_reaper), but hmm0.obj0 is mapped (still, or again) before the end');
      expect(verdict(builtin('end-after-nonblock-start', 'jglisse'), 'coherency:mapped')).toBe('holds');
    },
  },
  {
    kind: 'coherency:failed-start',
    title: "v4.19's gntdev fails a blockable start whose caller ignores it; Michal Hocko's fixup does not",
    run() {
      const f = violation(builtin('gntdev-reaper', 'v4.19'), 'coherency:failed-start');
      expect(f.header).toBe('WARNING: blockable invalidate_range_start failed; its caller ignores the error');
      expect(f.details).toBe("gntdev0's start for [8, 10) called by munmap returned -11");
      expect(verdict(builtin('gntdev-reaper', 'fixup'), 'coherency:failed-start')).toBe('holds');
    },
  },
  {
    kind: 'no-bug',
    title: "KVM's count raised only when the start zaps, but lowered by every end, goes negative; v4.19 raises it on every start",
    run() {
      const e = explore(mutated(KVM_MADVISE_OUTSIDE_MEMSLOTS, { fns: [kvmStartCountsOnlyZaps], names: ['no-bug'] }));
      const f = violation(e, 'no-bug');
      expect(f.header).toBe('kernel BUG: BUG_ON() condition true');
      expect(f.details).toBe('kvm0: BUG_ON fired');
      expect(f.statements).toContain('madvise: BUG_ON(kvm->mmu_notifier_count < 0);');
      expect(f.statements).toContain('madvise: if (need_tlb_flush)');
      expect(verdict(explore(mutated(KVM_MADVISE_OUTSIDE_MEMSLOTS, { names: ['no-bug'] })), 'no-bug')).toBe('holds');
    },
  },
  {
    kind: 'no-bug:oops',
    title: "mlx5's leaf-free race: madvise's invalidation passes the `!dying` test, the leaf's free work runs and clears mr->parent, and mlx5_ib_invalidate_range dereferences it",
    run() {
      const f = violation(builtin('mlx5-implicit-mr', '93065ac753e4'), 'no-bug:oops');
      expect(f.header).toBe('BUG: unable to handle kernel NULL pointer dereference');
      expect(f.details).toBe('madvise oopsed (NULL pointer dereference reading ->num_leaf_free) at mlx5_ib_invalidate_range() at drivers/infiniband/hw/mlx5/odp.c: atomic_inc(&mr->parent->num_leaf_free);');
      expect(f.statements).toContain('kworker/umem_odp0.obj0.work: mr->parent = NULL;');
      expect(f.statements).toContain('free_implicit_mr: schedule_work(&umem->odp_data->work);');
      expect(verdict(builtin('umem-odp-reaper', '93065ac753e4'), 'no-bug:oops')).toBe('holds');
    },
  },
];

/**
 * A mistake, not a real patch: a start callback that backs off with -EAGAIN whatever the mode, as
 * the posted gntdev hunk of 93065ac753e4 did for any overlap (the gntdev-reaper@v4.19 finding
 * coherency:failed-start), here on SCIF's v5.0 callback (src/model/kernel/drivers/scif.ts).
 */
const scifStartAlwaysEagain: FnDef = fn({
  name: 'scif_mmu_notifier_invalidate_range_start',
  file: 'drivers/misc/mic/scif/scif_dma.c',
  version: 'test: -EAGAIN in every mode',
  source: 'the v5.0 callback (5d6527a784f7) returning -EAGAIN before it destroys anything, in blockable mode too',
  signature: 'static int scif_mmu_notifier_invalidate_range_start(struct mmu_notifier *mn, const struct mmu_notifier_range *range)',
  params: ['mn', 'range'],
  body: [c('return -EAGAIN;')],
});

/** A madvise over SCIF's window: the blockable start zap_page_range() makes, on a core of issue 14. */
const scifMadviseOn = (core: string): Scenario => ({
  name: 'scif-madvise',
  core,
  vmas: [{ start: 0, end: 8 }],
  notifiers: [{ use: 'scif', objects: [{ start: 0, end: 4 }] }],
  threads: [{ kind: 'madvise', params: { start: 0, len: 2 } }],
});

/** A scenario with a patch of examples/patches/ applied as mailed (`mnc check --patch`). */
function withPatch(sc: Scenario, file: string): Scenario {
  const r = applyInOrder([parsePatch(readFileSync(new URL(`../../examples/patches/${file}`, import.meta.url), 'utf8'), file)], scenarioBase(sc));
  expect(r.refused, file).toBeUndefined();
  expect(r.fns.length, file).toBeGreaterThan(0);
  return { ...sc, replaceFns: r.fns };
}

function exploreScenario(sc: Scenario, names: readonly string[] = ALL): Explored {
  return explore(scenarioModel(sc, { names }));
}

/** The interval-notifier cases (v5.5): lib/test_hmm.c with a broken hunk, and without it. */
const INTERVAL_CASES: readonly Case[] = [
  {
    kind: 'interval-coherency:stale-use',
    title: "test_hmm's fault path without mmu_interval_read_retry() installs what it read before madvise's invalidation; with it, it retries",
    run() {
      const sc = scenarioOf('test-hmm-fault-vs-munmap', 'madvise');
      const f = violation(exploreScenario(withPatch(sc, 'test_hmm-fault-no-read-retry.patch'), ['interval-coherency']), 'interval-coherency:stale-use');
      expect(f.header).toBe('BUG: interval notifier reader used a mapping invalidated after its mmu_interval_read_begin()');
      expect(f.details).toMatch(/^the device maps test_hmm0\.obj0 from a read that an invalidation of it overtook/);
      expect(f.statements).toContain('madvise: ret = mni->ops->invalidate(mni, range, cur_seq);');
      expect(f.statements).toContain('fault: ret = dmirror_do_fault(dmirror, range);');
      // An invalidate without mmu_interval_set_seq() lets the unchanged reader through as well.
      expect(verdict(exploreScenario(withPatch(sc, 'test_hmm-invalidate-no-set-seq.patch'), ['interval-coherency']), 'interval-coherency:stale-use')).toBe('violated');
      expect(verdict(exploreScenario(sc, ['interval-coherency']), 'interval-coherency:stale-use')).toBe('holds');
    },
  },
  {
    kind: 'interval-coherency:mapped',
    title: "without mmu_interval_set_seq() a fault maps test_hmm's pages again inside the reaper's approved invalidation; test_hmm as it is never does",
    run() {
      const sc = scenarioOf('test-hmm-reaper', undefined);
      const f = violation(exploreScenario(withPatch(sc, 'test_hmm-invalidate-no-set-seq.patch'), ['interval-coherency']), 'interval-coherency:mapped');
      expect(f.header).toBe('BUG: secondary mapping inside a range an interval notifier invalidated');
      expect(f.details).toMatch(/^test_hmm0's invalidate returned true for \[0, 4\) \(called by oom_reaper\), but test_hmm0\.obj0 is mapped \(still, or again\) before mn_itree_inv_end\(\)/);
      expect(verdict(exploreScenario(sc, ['interval-coherency']), 'interval-coherency:mapped')).toBe('holds');
    },
  },
  {
    kind: 'interval-coherency:blockable-false',
    title: "a test_hmm invalidate that trylocks in every mode returns false to munmap's blockable range (the core's WARN_ON); the reaper's non-blockable one may refuse",
    run() {
      const sc = scenarioOf('test-hmm-fault-vs-munmap', 'munmap');
      const f = violation(exploreScenario(withPatch(sc, 'test_hmm-invalidate-always-trylock.patch'), ['interval-coherency']), 'interval-coherency:blockable-false');
      expect(f.header).toBe('WARNING: mm/mmu_notifier.c mn_itree_invalidate: WARN_ON(mmu_notifier_range_blockable(range))');
      expect(f.details).toMatch(/^test_hmm0's invalidate returned false in a blockable range/);
      expect(f.statements).toContain('munmap: if (WARN_ON(mmu_notifier_range_blockable(range)))');
      expect(verdict(exploreScenario(sc, ['interval-coherency']), 'interval-coherency:blockable-false')).toBe('holds');
      expect(verdict(exploreScenario(withPatch(scenarioOf('test-hmm-reaper', undefined), 'test_hmm-invalidate-always-trylock.patch'), ['interval-coherency']), 'interval-coherency:blockable-false')).toBe('holds');
    },
  },
];

const WARN_CASE: Case = {
  kind: 'no-bug:warn',
  title: "v5.4's WARN_ON in the core fires when a start fails in blockable mode; the callback that does not fail leaves it quiet",
  run() {
    const f = violation(explore(mutated(scifMadviseOn('v5.4'), { fns: [scifStartAlwaysEagain], names: ['no-bug'] })), 'no-bug:warn');
    expect(f.header).toBe('WARNING: mm/mmu_notifier.c __mmu_notifier_invalidate_range_start: WARN_ON(mmu_notifier_range_blockable(range) || _ret != -EAGAIN)');
    expect(f.details).toContain("scif0's invalidate_range_start returned -11 (-EAGAIN) to a blockable start");
    expect(f.statements).toContain('madvise: WARN_ON(mmu_notifier_range_blockable(range) || _ret != -EAGAIN);');
    expect(verdict(explore(mutated(scifMadviseOn('v5.4'), { names: ['no-bug'] })), 'no-bug:warn')).toBe('holds');
    // v5.2 has no such WARN_ON: the check does not apply there.
    expect(explore(mutated(scifMadviseOn('v5.2'), { fns: [scifStartAlwaysEagain], names: ['no-bug'] })).result.verdicts.map((v) => v.property)).not.toContain('no-bug:warn');
  },
};

const FAILED_START_END_CASE: Case = {
  kind: 'pairing:failed-start-end',
  title: "v5.12's WARN_ON(ops->invalidate_range_end) fires for amdgpu, whose start fails and which has an end; i915, which has no end, leaves it quiet",
  run() {
    const onV512 = applyVariant(scenarioOf('kvm-pairing-under-reaper'), { core: 'v5.12' }, 'v5.12');
    const f = violation(explore(scenarioModel(onV512, { names: ['pairing'] })), 'pairing:failed-start-end');
    expect(f.header).toBe('WARNING: mm/mmu_notifier.c mn_hlist_invalidate_range_start: WARN_ON(ops->invalidate_range_end)');
    expect(f.details).toMatch(/^amdgpu0's invalidate_range_start failed, and amdgpu0 has an invalidate_range_end/);
    expect(f.statements).toContain('oom_reaper: WARN_ON(ops->invalidate_range_end);');
    const i915OnV512 = applyVariant(scenarioOf('i915-reaper', 'v4.19'), { core: 'v5.12' }, 'v5.12');
    expect(verdict(explore(scenarioModel(i915OnV512, { names: ['pairing'] })), 'pairing:failed-start-end')).toBe('holds');
  },
};

describe('every property can fail', () => {
  for (const k of [...CASES, WARN_CASE, FAILED_START_END_CASE, ...INTERVAL_CASES]) test(`${k.kind}: ${k.title}`, k.run);
});

describe('reaper-progress:attempts checks the C, not the model: its bound is v4.19\'s MAX_OOM_REAP_RETRIES', () => {
  const sc = scenarioOf('oom-reap-return-value', 'v4.19');

  test('a loop retrying until success, without a bound, is caught at the eleventh attempt', () => {
    // The space is infinite (the reaper retries forever): stop at the first violation found on the fly.
    const m = mutated(sc, { fns: [oomReapTaskUnbounded(true)], names: ['reaper-progress'] });
    const e = explore(m, { findAll: false, maxStates: 20_000 });
    expect(e.result.status).toBe('violation');
    const f = violation(e, 'reaper-progress:attempts');
    expect(f.header).toBe('WARNING: oom_reaper made more than MAX_OOM_REAP_RETRIES (10, v4.19 mm/oom_kill.c) attempts');
    expect(f.details).toBe('oom_reap_task_mm() calls so far: 11');
    expect(f.statements).toContain('oom_reaper: while (!oom_reap_task_mm(tsk, mm))');
  });

  test('a model whose MAX_OOM_REAP_RETRIES a patch raised fails it, although its loop is v4.19\'s', () => {
    // `#define MAX_OOM_REAP_RETRIES 20`: a patch giving the reaper two seconds instead of one. The
    // model's loop then keeps to its own constant, and the property, reading the C's 10, objects.
    const e = explore(mutated(sc, { constants: { MAX_OOM_REAP_RETRIES: 20 }, names: ['reaper-progress'] }));
    const f = violation(e, 'reaper-progress:attempts');
    expect(f.details).toBe('oom_reap_task_mm() calls so far: 11');
    expect(f.statements).toContain('oom_reaper: while (attempts++ < MAX_OOM_REAP_RETRIES && !oom_reap_task_mm(tsk, mm))');
    // Everything else about the reaper still holds: only the bound differs.
    expect(verdict(e, 'reaper-progress:reachable')).toBe('holds');
    expect(verdict(e, 'reaper-progress:fair')).toBe('holds');
  });

  test('the unmodified model holds it in every built-in scenario with a reaper (every core version has v4.19\'s loop)', () => {
    let checked = 0;
    for (const name of builtinNames()) {
      for (const v of variantsOf(loadBuiltin(name))) {
        if (!v.scenario.threads.some((t) => t.kind === 'oom_reaper')) continue;
        checked++;
        // That sub-property alone: the reduction may hide all that reaper-progress does not read
        // (test/scenarios/matrix.test.ts checks every property of these rows together).
        const e = explore(scenarioModel(v.scenario, { names: ['reaper-progress:attempts'] }));
        expect(e.result.verdicts.map((x) => x.property)).toEqual(['reaper-progress:attempts']);
        expect(verdict(e, 'reaper-progress:attempts'), `${name} ${v.label ?? ''}`).toBe('holds');
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});

describe('the table covers every kind of sub-property', () => {
  /** `deadlock:partial:<thread>` folded into one kind. */
  const kindOf = (engineName: string): string => (engineName.startsWith('deadlock:partial:') ? 'deadlock:partial' : engineName);

  test('the kinds the kernel properties build over every built-in scenario, on its own core and on every other, are exactly the table\'s', () => {
    const built = new Set<string>();
    for (const name of builtinNames()) {
      for (const v of variantsOf(loadBuiltin(name))) {
        for (const core of [undefined, ...Object.keys(CORE_VERSIONS)]) {
          let m: KernelModel;
          try {
            // Unreduced: the properties a model builds depend on its program alone, and the
            // reduction's analyses are most of a model's construction.
            m = scenarioModel(core ? applyVariant(v.scenario, { core }, core) : v.scenario, { names: ALL, coalesce: false });
          } catch (e) {
            // An interval notifier's scenario on a core before v5.5, a driver that inserts and removes
            // one while it runs (nouveau) on a core before v6.6, a process_mrelease thread on a core
            // without the system call (refused, as `--core` refuses them), or a scenario whose driver's
            // variant for that core lacks its thread, parameters or object count (an older core without a v6.6
            // reader thread; v6.6, which ships its own drivers, without a v4.19-era one).
            if (e instanceof ScenarioError && /is an mmu_interval_notifier|inserts and removes an mmu_interval_notifier while it runs|process_mrelease\(2\) entered in v5\.15|^(threads\[\d+\]\.(kind|params\.\w+)|notifiers\[\d+\]\.objects): /.test(e.message)) continue;
            throw e;
          }
          for (const p of engineProperties(m)) built.add(kindOf(p.name));
        }
      }
    }
    const cases = [...CASES, WARN_CASE, FAILED_START_END_CASE, ...INTERVAL_CASES];
    const covered = new Set(cases.map((k) => k.kind));
    expect(cases.length, 'one case per kind').toBe(covered.size);
    expect([...built].sort()).toEqual([...covered].sort());
  });
});
