/**
 * sgi-gru, both variants: the start in blockable and non-blockable mode (no -EAGAIN path: it never
 * sleeps) counts ms_range_active up and flushes the GRU TLBs of the range; the end counts it down.
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../../../src/checker/index.ts';
import { KernelModel } from '../../../../src/model/kernel-model.ts';
import { buildProgram } from '../../../../src/model/kernel/scenario.ts';
import type { KState } from '../../../../src/model/lang/state.ts';
import { runCallback, runRelease } from '../../harness.ts';

const OBJS = [{ start: 8, end: 10 }, { start: 12, end: 14 }];

for (const [use, core] of [['sgi-gru@93065ac753e4', 'v4.19'], ['sgi-gru@v4.18', 'v4.18']] as const) {
  describe(use, () => {
    for (const blockable of core === 'v4.18' ? [true] : [true, false]) {
      test(`${blockable ? 'blockable' : 'non-blockable'} start: ms_range_active 1, the range flushed, 0 returned, nothing sleeps`, () => {
        const r = runCallback({ use, core, objects: OBJS, op: 'invalidate_range_start', start: 8, end: 10, blockable });
        expect(r.ret).toBe(0);
        expect(r.state.mem['sgi-gru0.ms_range_active']).toBe(1);
        expect(r.state.mem['sgi-gru0.obj0.mapped']).toBe(0);
        expect(r.state.mem['sgi-gru0.obj1.mapped']).toBe(1);
        expect(r.slept).toEqual([]);
      });
    }
    test('start away from every object still counts up, flushes nothing', () => {
      const r = runCallback({ use, core, objects: OBJS, op: 'invalidate_range_start', start: 0, end: 4 });
      expect(r.state.mem['sgi-gru0.ms_range_active']).toBe(1);
      expect(r.state.mem['sgi-gru0.obj0.mapped']).toBe(1);
    });
    test('end: ms_range_active back down, waiters woken, nothing sleeps', () => {
      const r = runCallback({ use, core, objects: OBJS, op: 'invalidate_range_end', start: 8, end: 10, mem: { 'sgi-gru0.ms_range_active': 2 } });
      expect(r.ret).toBe(0);
      expect(r.state.mem['sgi-gru0.ms_range_active']).toBe(1);
      expect(r.trace.map((t) => t.src.text)).toContain('wake_up_all(&gms->ms_wait_queue);');
      expect(r.slept).toEqual([]);
    });
  });
}

describe('->release (gru_release)', () => {
  for (const [use, core] of [['sgi-gru@93065ac753e4', 'v4.19'], ['sgi-gru@v4.18', 'v4.18']] as const) {
    test(`${use}: marks the gru_mm_struct released and nothing else; never sleeps`, () => {
      const r = runRelease({ use, core, objects: OBJS });
      expect(r.blocked).toBeUndefined();
      expect(r.state.mem['sgi-gru0.ms_released']).toBe(1);
      expect(r.state.mem['sgi-gru0.obj0.mapped']).toBe(1);
      expect(r.state.mem['sgi-gru0.ms_range_active']).toBe(0);
      expect(r.slept).toEqual([]);
    });
  }
});

describe('MMU_INVALIDATE_DOES_NOT_BLOCK under the v4.18 reaper', () => {
  test('sgi-gru sets the flag, so the v4.18 oom_reaper reaps an mm it is registered on (and flushes the GRU TLBs)', () => {
    const m = new KernelModel(
      buildProgram({ name: 'reaper', core: 'v4.18', oom: true, vmas: [{ start: 0, end: 16 }], notifiers: [{ use: 'sgi-gru@v4.18', objects: OBJS }], threads: [{ kind: 'oom_reaper' }] }),
    );
    m.setProperties([Property.sometimes<KState>('reaped', (s) => s.mem['vma0.unmapped'] === 1 && s.mem['sgi-gru0.obj0.mapped'] === 0)]);
    const r = check(m, {});
    expect(r.status).toBe('pass');
    if (r.status === 'pass') expect(r.verdicts[0]?.status).toBe('holds');
  });
});
