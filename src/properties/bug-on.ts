/**
 * **No BUG_ON, no oops.** Two sub-properties:
 *
 * - `no-bug`: a modelled `BUG_ON(cond)` whose condition is true records it in a shared variable
 *   `<object>.bug` (for example KVM's `BUG_ON(kvm->mmu_notifier_count < 0)` in
 *   `kvm_mmu_notifier_invalidate_range_end`). Violated in a reachable state where any such variable
 *   is set. Built only where the model has such a BUG_ON.
 * - `no-bug:warn`: the v5.4 core's `WARN_ON(mmu_notifier_range_blockable(range) || _ret != -EAGAIN)`
 *   in `__mmu_notifier_invalidate_range_start` (8402ce61bec2) fires: a start callback failed in
 *   blockable mode, or failed with something else than -EAGAIN. The kernel prints a WARNING and goes
 *   on, as the thread does; the model records the first one (`ghost.warn`, "<notifier>:<value>").
 *   Violated in a reachable state where it is set. Built only for a core that has the WARN_ON (the
 *   model's other WARN_ON sites, such as gntdev's `WARN_ON(err)`, are not checked: prints only).
 * - `no-bug:oops`: a modelled statement dereferences a NULL pointer (reads or writes `p->field` with
 *   `p == NULL`): the kernel oopses and the task is killed. The interpreter marks the thread
 *   (`<task>.oops`, src/model/lang/interp.ts) and it never runs again. Violated in a reachable state where
 *   a thread was killed so.
 */
import { Property } from '../checker/model.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import { allClear, type KState } from '../model/lang/state.ts';
import type { Finding, KernelProperty } from './types.ts';

/** The v5.4 core's WARN_ON on a failed start records here (mm-primitives.ts `mnc_warn_on`). */
const WARN = 'ghost.warn';

function bugKeys(m: KernelModel): string[] {
  return m.program.memKeys.filter((k) => k.endsWith('.bug'));
}

/** Per thread, its oops mark, if the scenario has one. */
function oopsKeys(m: KernelModel): { tid: number; key: string }[] {
  return m.interp.oopsKeys.flatMap((key, tid) => (key === undefined ? [] : [{ tid, key }]));
}

/** Whether none of the flags `keys` is set in a state's memory (compiled: {@link allClear}). */
function memClear(keys: readonly string[]): (s: KState) => boolean {
  const clear = allClear(keys);
  return (s) => clear(s.mem);
}

export const bugOn: KernelProperty = {
  name: 'no-bug',
  summary: 'no modelled BUG_ON() fires, no NULL pointer is dereferenced, no v5.4 WARN_ON() on a failed start',
  build(m) {
    const keys = bugKeys(m);
    const oops = oopsKeys(m);
    return [
      ...(keys.length ? [Property.always<KState>('no-bug', memClear(keys))] : []),
      ...(oops.length ? [Property.always<KState>('no-bug:oops', memClear(oops.map(({ key }) => key)))] : []),
      ...(m.program.memKeySet.has(WARN) ? [Property.always<KState>('no-bug:warn', memClear([WARN]))] : []),
    ];
  },
  notApplicable: (p) => [
    ...(p.memKeys.some((k) => k.endsWith('.bug')) ? [] : [{ property: 'no-bug', reason: 'no modelled function of the scenario has a BUG_ON()' }]),
    ...(p.memKeys.some((k) => k.endsWith('.oops')) ? [] : [{ property: 'no-bug:oops', reason: 'no thread of the scenario can oops' }]),
    ...(p.memKeySet.has(WARN) ? [] : [{ property: 'no-bug:warn', reason: `core ${p.spec.core} has no WARN_ON on a failed start (v5.4 on)` }]),
  ],
  reads: (p) => ({
    fields: [
      ...(p.memKeys.some((k) => k.endsWith('.bug')) ? ['bug'] : []),
      ...(p.memKeys.some((k) => k.endsWith('.oops')) ? ['oops'] : []),
      ...(p.memKeySet.has(WARN) ? ['warn'] : []),
    ],
  }),
  explain(m, engineName, s): Finding {
    if (engineName === 'no-bug:oops') {
      const dead = oopsKeys(m).filter(({ key }) => s.mem[key]);
      const uaf = dead.some(({ key }) => String(s.mem[key]).startsWith('use after free'));
      return {
        header: uaf ? 'BUG: KASAN: use-after-free' : 'BUG: unable to handle kernel NULL pointer dereference',
        details: dead.map(({ tid, key }) => `${m.threadName(tid)} oopsed (${String(s.mem[key])}) at ${m.location(s, tid) ?? '?'}`),
      };
    }
    if (engineName === 'no-bug:warn') {
      const [nid, ret] = String(s.mem[WARN]).split(':');
      const r = Number(ret);
      return {
        header: 'WARNING: mm/mmu_notifier.c __mmu_notifier_invalidate_range_start: WARN_ON(mmu_notifier_range_blockable(range) || _ret != -EAGAIN)',
        details: [
          `${nid}'s invalidate_range_start returned ${ret}${r === -11 ? ' (-EAGAIN) to a blockable start' : ' (not -EAGAIN)'}`,
          'the rule (8402ce61bec2, "mm/mmu_notifiers: check if mmu notifier callbacks are allowed to fail", v5.4): a start callback may fail only when the range is not blockable, and only with -EAGAIN; the kernel prints a WARNING and goes on',
        ],
      };
    }
    const fired = bugKeys(m).filter((k) => s.mem[k]);
    return { header: 'kernel BUG: BUG_ON() condition true', details: fired.map((k) => `${k.replace(/\.bug$/, '')}: BUG_ON fired`) };
  },
};
