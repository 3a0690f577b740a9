/**
 * **No premature victim.** MMF_OOM_SKIP hides the victim from the OOM killer so another task can
 * be chosen (mm/oom_kill.c oom_evaluate_task; ../shared/kernel/README.md §2). Setting it while
 * the victim still holds its memory is "selecting a new oom victim prematurely because the previous
 * one still hasn't torn its memory down yet" (000_f4ebff145df8c0ac.txt), the problem the patch set
 * out to fix.
 *
 * Violated in a reachable state where MMF_OOM_SKIP is set, some VMA the reaper can reap is not yet
 * unmapped, and neither excuse holds:
 * - `exit_mmap` set it (the victim is tearing its memory down itself), or
 * - the reaper set it after all MAX_OOM_REAP_RETRIES attempts (10, v4.19 mm/oom_kill.c; the
 *   contract's number, as in reaper-progress.ts, not the model's constant), each of them obstructed for real:
 *   its `mmap_sem` trylock failed, or a notifier returned an error to the non-blocking start.
 *
 * Obstructions and who set the flag are ghost state written by the modelled reaper and exit_mmap
 * (src/model/kernel/core/oom_kill.ts).
 */
import { Property } from '../checker/model.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { KState } from '../model/lang/state.ts';
import { V419_MAX_OOM_REAP_RETRIES } from './reaper-progress.ts';
import type { Finding, KernelProperty } from './types.ts';


function unreaped(m: KernelModel, s: KState): string[] {
  const vmas = (m.program.spec.statics['mm.vmas'] ?? []) as readonly string[];
  return vmas.filter((v) => m.program.spec.statics[`${v}.reapable`] && !s.mem[`${v}.unmapped`]);
}

function premature(m: KernelModel, s: KState): boolean {
  if (!s.mem['mm.flags.MMF_OOM_SKIP']) return false;
  if (s.mem['ghost.oom_skip_by_exit']) return false;
  if (s.mem['ghost.oom_skip_by_reaper'] && Number(s.mem['ghost.oom_obstructed_attempts']) >= V419_MAX_OOM_REAP_RETRIES) return false;
  return unreaped(m, s).length > 0;
}

export const prematureVictim: KernelProperty = {
  name: 'no-premature-victim',
  summary: 'MMF_OOM_SKIP is set on an unreaped victim only by exit_mmap or after MAX_OOM_REAP_RETRIES truly obstructed attempts',
  build(m) {
    if (!m.program.spec.mem['oom.pending']) return [];
    return [Property.always<KState>('no-premature-victim', (s) => !premature(m, s))];
  },
  notApplicable: (p) => (p.spec.mem['oom.pending'] ? [] : [{ property: 'no-premature-victim', reason: 'the scenario has no OOM victim ("oom": true)' }]),
  reads: (p) =>
    p.spec.mem['oom.pending'] ? { fields: ['MMF_OOM_SKIP', 'unmapped', 'oom_skip_by_exit', 'oom_skip_by_reaper', 'oom_obstructed_attempts'] } : {},
  explain(m, _engineName, s): Finding {
    return {
      header: 'WARNING: MMF_OOM_SKIP set while the victim still holds its memory (premature new OOM victim)',
      details: [
        `set by: ${s.mem['ghost.oom_skip_by_reaper'] ? 'oom_reap_task()' : 'exit_mmap()'}`,
        `reaper attempts: ${String(s.mem['ghost.calls_oom_reap_task_mm'])}, of which obstructed (mmap_sem contended or a notifier failed): ${String(s.mem['ghost.oom_obstructed_attempts'])}`,
        `VMAs still mapped: ${unreaped(m, s).map((v) => `${v} [${String(m.program.spec.statics[`${v}.vm_start`])}, ${String(m.program.spec.statics[`${v}.vm_end`])})`).join(', ')}`,
      ],
    };
  },
};
