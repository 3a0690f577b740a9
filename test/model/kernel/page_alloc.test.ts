/**
 * The page allocator (src/model/kernel/core/page_alloc.ts) as v4.19 __alloc_pages_slowpath decides it: an
 * OOM victim is served from the reserves or gets NULL and never waits for the reaper; any other task
 * waits until the OOM is resolved; a sleeping allocation may enter direct reclaim, which calls the
 * blockable notifiers of the page it unmaps; a task already in reclaim does not reclaim again.
 */
import { describe, expect, test } from 'vitest';
import { check } from '../../../src/checker/index.ts';
import type { Scenario } from '../../../src/model/kernel/scenario.ts';
import { scenarioModel } from '../../../src/properties/index.ts';

/** One write fault (wp_page_copy allocates the new page with GFP_HIGHUSER_MOVABLE) in an OOM nobody resolves. */
const faultInOom = (victim: boolean, extra: Partial<Scenario> = {}): Scenario => ({
  name: 'fault-in-oom',
  core: 'v4.19',
  oom: true,
  vmas: [{ start: 0, end: 4 }],
  notifiers: [],
  threads: [{ kind: 'fault', params: { address: 1 }, victim }],
  ...extra,
});

function explore(sc: Scenario, names: string[]) {
  const m = scenarioModel(sc, { names, verifyReduction: true });
  return { m, r: check(m, { findAll: true }) };
}

describe('allocation under OOM', () => {
  test('a thread of the OOM victim is served from the reserves: its fault completes though nobody reaps', () => {
    // Before issue 10 every sleeping allocation waited for the victim's memory: this was a deadlock.
    const { r } = explore(faultInOom(true), ['deadlock']);
    expect(r.status).toBe('pass');
  });

  test("a task that is not the victim waits in out_of_memory() until the OOM is resolved: here, forever", () => {
    const { r } = explore(faultInOom(false), ['deadlock']);
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    expect(r.violation.property).toBe('deadlock');
    expect(r.violation.threads![0]!.waitingFor).toMatch(/^out_of_memory\(\): the OOM killer waits for its victim's memory/);
    expect(r.violation.threads![0]!.location).toMatch(/^__alloc_pages_slowpath\(\)/);
  });

  test("where allocations may fail, the victim's reserves can run out: the fault returns VM_FAULT_OOM", () => {
    const m = scenarioModel(faultInOom(true, { allocation: { mayFail: true } }), { names: ['deadlock'] });
    expect(check(m, { findAll: true }).status).toBe('pass');
    // Walk the whole space for the values wp_page_copy returns.
    const seen = new Set<string>();
    const stack = [...m.initStates()];
    const done = new Set<string>();
    while (stack.length) {
      const s = stack.pop()!;
      const acts: { tid: number; choice: number }[] = [];
      m.actions(s, acts);
      for (const a of acts) {
        const st = m.step(s, a);
        for (const e of st.executed) if (e.fn === 'wp_page_copy' && e.op === 'return') seen.add(String(e.detail));
        const key = JSON.stringify(st.state);
        if (!done.has(key)) (done.add(key), stack.push(st.state));
      }
    }
    expect([...seen].sort()).toEqual(['1', '2048']); // VM_FAULT_OOM, VM_FAULT_WRITE
  });
});

describe('direct reclaim', () => {
  test('a sleeping allocation below the min watermark may unmap the named page: the blockable start of its notifier runs inside the allocation', () => {
    const sc: Scenario = {
      name: 'fault-reclaims',
      core: 'v4.19',
      allocation: { reclaim: 2 },
      vmas: [{ start: 0, end: 4 }],
      notifiers: [{ use: 'gntdev@93065ac753e4', objects: [{ start: 2, end: 3 }] }],
      threads: [{ kind: 'fault', params: { address: 0 } }],
    };
    // gntdev as posted fails a blockable start over a mapped grant: found only through the reclaim.
    const { m, r } = explore(sc, ['coherency']);
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    expect(r.violation.property).toBe('coherency:failed-start');
    const chain = r.violation.path.steps.at(-1)!.state.threads[0]!.frames.map((f) => m.program.fn(f.fn).def.name);
    expect(chain.slice(0, 7)).toEqual(['__do_page_fault', 'wp_page_copy', 'alloc_page_vma', '__alloc_pages_nodemask', '__alloc_pages_slowpath', '__alloc_pages_direct_reclaim', 'try_to_free_pages']);
    // Without the reclaim knob the allocation is served at once and the grant is never touched.
    expect(explore({ ...sc, allocation: {} }, ['coherency']).r.status).toBe('pass');
  });

  test('PF_MEMALLOC, the task\'s own flag, is set around try_to_free_pages, and a task with it set takes the reserves and does not reclaim again', () => {
    const sc: Scenario = {
      name: 'reclaim-in-reclaim',
      core: 'v4.19',
      allocation: { reclaim: 2 },
      vmas: [{ start: 0, end: 4 }],
      notifiers: [],
      threads: [{ kind: 'fault', params: { address: 0 } }],
    };
    const m = scenarioModel(sc, { names: ['deadlock'] });
    const p = m.program;
    const slow = p.fn(p.fnId('__alloc_pages_slowpath'));
    const texts = slow.instrs.map((i) => i.src.text);
    expect(texts).toContain('if (current->flags & PF_MEMALLOC)');
    // PF_MEMALLOC is the task's own flag, set around try_to_free_pages and restored after.
    const reclaim = p.fn(p.fnId('__alloc_pages_direct_reclaim')).instrs.map((i) => i.src.text);
    expect(reclaim.indexOf('current->flags |= PF_MEMALLOC;')).toBeLessThan(reclaim.indexOf('progress = try_to_free_pages(ac->zonelist, order, gfp_mask, ac->nodemask);'));
    expect(reclaim.indexOf('current->flags = (current->flags & ~PF_MEMALLOC) | noreclaim_flag;')).toBeGreaterThan(reclaim.indexOf('progress = try_to_free_pages(ac->zonelist, order, gfp_mask, ac->nodemask);'));
    expect(check(m, { findAll: true }).status).toBe('pass');
  });
});
