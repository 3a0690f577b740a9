/**
 * **No BUG_ON, no oops.** Two sub-properties:
 *
 * - `no-bug`: a modelled `BUG_ON(cond)` whose condition is true records it in a shared variable
 *   `<object>.bug` (for example KVM's `BUG_ON(kvm->mmu_notifier_count < 0)` in
 *   `kvm_mmu_notifier_invalidate_range_end`). Violated in a reachable state where any such variable
 *   is set. Built only where the model has such a BUG_ON.
 * - `no-bug:oops`: a modelled statement dereferences a NULL pointer (reads or writes `p->field` with
 *   `p == NULL`): the kernel oopses and the task is killed. The interpreter marks the thread
 *   (`<task>.oops`, src/model/lang/interp.ts) and it never runs again. Violated in a reachable state where
 *   a thread was killed so.
 */
import { Property } from '../checker/model.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { KState } from '../model/lang/state.ts';
import type { Finding, KernelProperty } from './types.ts';

function bugKeys(m: KernelModel): string[] {
  return m.program.memKeys.filter((k) => k.endsWith('.bug'));
}

/** Per thread, its oops mark, if the scenario has one. */
function oopsKeys(m: KernelModel): { tid: number; key: string }[] {
  return m.interp.oopsKeys.flatMap((key, tid) => (key === undefined ? [] : [{ tid, key }]));
}

export const bugOn: KernelProperty = {
  name: 'no-bug',
  summary: 'no modelled BUG_ON() fires, no NULL pointer is dereferenced',
  build(m) {
    const keys = bugKeys(m);
    const oops = oopsKeys(m);
    return [
      ...(keys.length ? [Property.always<KState>('no-bug', (s) => keys.every((k) => !s.mem[k]))] : []),
      ...(oops.length ? [Property.always<KState>('no-bug:oops', (s) => oops.every(({ key }) => !s.mem[key]))] : []),
    ];
  },
  notApplicable: (p) => [
    ...(p.memKeys.some((k) => k.endsWith('.bug')) ? [] : [{ property: 'no-bug', reason: 'no modelled function of the scenario has a BUG_ON()' }]),
    ...(p.memKeys.some((k) => k.endsWith('.oops')) ? [] : [{ property: 'no-bug:oops', reason: 'no thread of the scenario can oops' }]),
  ],
  reads: (p) => ({
    fields: [...(p.memKeys.some((k) => k.endsWith('.bug')) ? ['bug'] : []), ...(p.memKeys.some((k) => k.endsWith('.oops')) ? ['oops'] : [])],
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
    const fired = bugKeys(m).filter((k) => s.mem[k]);
    return { header: 'kernel BUG: BUG_ON() condition true', details: fired.map((k) => `${k.replace(/\.bug$/, '')}: BUG_ON fired`) };
  },
};
