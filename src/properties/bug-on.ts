/**
 * **No BUG_ON.** A modelled `BUG_ON(cond)` whose condition is true records it in a shared variable
 * `<object>.bug` (for example KVM's `BUG_ON(kvm->mmu_notifier_count < 0)` in
 * `kvm_mmu_notifier_invalidate_range_end`). Violated in a reachable state where any such variable is
 * set.
 */
import { Property } from '../checker/model.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { KState } from '../model/state.ts';
import type { Finding, KernelProperty } from './types.ts';

function bugKeys(m: KernelModel): string[] {
  return m.program.memKeys.filter((k) => k.endsWith('.bug'));
}

export const bugOn: KernelProperty = {
  name: 'no-bug',
  summary: 'no modelled BUG_ON() fires',
  build(m) {
    const keys = bugKeys(m);
    return keys.length ? [Property.always<KState>('no-bug', (s) => keys.every((k) => !s.mem[k]))] : [];
  },
  reads: (p) => (p.memKeys.some((k) => k.endsWith('.bug')) ? { fields: ['bug'] } : {}),
  explain(m, _engineName, s): Finding {
    const fired = bugKeys(m).filter((k) => s.mem[k]);
    return { header: 'kernel BUG: BUG_ON() condition true', details: fired.map((k) => `${k.replace(/\.bug$/, '')}: BUG_ON fired`) };
  },
};
