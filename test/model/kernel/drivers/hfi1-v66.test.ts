/**
 * hfi1's TID cache as v6.6 has it (user_exp_rcv.c with the v6.2 fixes) on the v6.6 core (the built-in scenarios; a test that builds its own says its core): the
 * oom_reaper's non-blockable MMU_NOTIFY_UNMAP range reaches mutex_lock(&node->invalidate_mutex) and
 * the page unpin (the finding of examples/README.md); a blockable munmap clears the node; a madvise
 * (MMU_NOTIFY_CLEAR) leaves it programmed, hfi1's deliberate choice for its pinned pages.
 */
import { describe, expect, test } from 'vitest';
import type { Scenario } from '../../../../src/model/kernel/scenario.ts';
import { propertyVerdicts, runScenario, variantsOf } from '../../../../src/report/run.ts';
import { loadBuiltin } from '../../../../src/model/kernel/scenario-file.ts';
import { finding } from '../../../scenarios/helpers.ts';

const reaper = (): Scenario => variantsOf(loadBuiltin('hfi1-tid-reaper'))[0]!.scenario;
const mrelease = (): Scenario => variantsOf(loadBuiltin('hfi1-tid-mrelease'))[0]!.scenario;

describe('hfi1@v6.6 on v6.6', () => {
  test("the reaper's non-blocking start calls mutex_lock() and the sleeping unpin in tid_rb_invalidate; nothing else fails", () => {
    const run = runScenario(reaper());
    const v = propertyVerdicts(run);
    expect(v['no-sleep']).toBe('violated');
    for (const [p, x] of Object.entries(v)) if (p !== 'no-sleep') expect(x, p).not.toBe('violated');
    const f = finding(run, 'no-sleep:might-sleep');
    expect(f.details).toMatch(/^oom_reaper is about to call mutex_lock\(\), which may sleep, in hfi10 invalidate \[0, 4\) non-blockable/);
  });

  test('the event filter is what lets the reaper in: a blockable munmap of the whole VMA (MMU_NOTIFY_UNMAP, no split) clears the node, a madvise (MMU_NOTIFY_CLEAR) leaves it programmed', () => {
    const munmap = propertyVerdicts(runScenario({ ...reaper(), oom: false, threads: [{ kind: 'munmap', params: { start: 0, len: 4 } }] }));
    for (const [p, x] of Object.entries(munmap)) expect(x, p).not.toBe('violated');
    const run = runScenario({ ...reaper(), oom: false, threads: [{ kind: 'madvise', params: { start: 1, len: 2 } }] });
    expect(propertyVerdicts(run)['interval-coherency']).toBe('violated');
    expect(finding(run, 'interval-coherency:mapped').details).toMatch(/^hfi10's invalidate returned true for \[1, 3\) \(called by madvise\), but hfi10\.obj0 is mapped/);
  });

  test('two non-blocking callers at once (the oom_reaper and process_mrelease(2), hfi1-tid-mrelease): one really waits for node->invalidate_mutex, which the other holds across the unpin; without the second caller nothing waits', () => {
    const run = runScenario(mrelease());
    const f = finding(run, 'no-sleep:blocked');
    expect(f.details).toMatch(/^(oom_reaper|process_mrelease) sleeps in hfi10 invalidate \[0, 4\) non-blockable: mutex_lock\(&hfi10\.invalidate_mutex\): held by (oom_reaper|process_mrelease)/);
    const [, waiter, holder] = /^(\S+) sleeps .*held by (\S+)/.exec(f.details)!;
    expect(waiter).not.toBe(holder);
    // The second caller finds node->freed set and returns true before the first has cleared the entry.
    expect(finding(run, 'interval-coherency:mapped').details).toMatch(/^hfi10's invalidate returned true for \[0, 4\) \(called by (oom_reaper|process_mrelease)\), but hfi10\.obj0 is mapped/);
    const alone = runScenario({ ...mrelease(), threads: [{ kind: 'oom_reaper' }] });
    expect(alone.result.verdicts.find((v) => v.property === 'no-sleep:blocked')?.status).toBe('holds');
    expect(alone.result.verdicts.find((v) => v.property === 'interval-coherency:mapped')?.status).toBe('holds');
  });
});
