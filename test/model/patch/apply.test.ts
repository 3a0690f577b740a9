/**
 * Applying patches to the model. The seeds are the proof: each real patch of the review thread,
 * applied to its base variant, gives the hand-modelled variant's statements (golden listings) and
 * its verdicts; and every refusal has its test.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { compileFn, listing } from '../../../src/model/lang/compile.ts';
import { CORE_VERSIONS } from '../../../src/model/kernel/core/versions.ts';
import { MM_PRIMITIVES } from '../../../src/model/kernel/core/mm-primitives.ts';
import { DRIVERS } from '../../../src/model/kernel/drivers/index.ts';
import type { FnDef } from '../../../src/model/lang/ir.ts';
import { CORE_PRIMITIVES } from '../../../src/model/lang/primitives.ts';
import { applyPatch, type PatchResult } from '../../../src/model/patch/apply.ts';
import { parsePatch } from '../../../src/model/patch/diff.ts';
import { modelGhosts } from '../../../src/model/patch/use.ts';
import { loadBuiltin } from '../../../src/model/kernel/scenario-file.ts';
import { propertyVerdicts, runScenario, variantsOf } from '../../../src/report/run.ts';

const read = (f: string): string => readFileSync(new URL(`../../../examples/patches/${f}`, import.meta.url), 'utf8');

function primsOf(...variants: { primitives?: Record<string, unknown> }[]): Record<string, unknown> {
  return Object.assign({ ...CORE_PRIMITIVES, ...MM_PRIMITIVES }, ...variants.map((v) => v.primitives ?? {}));
}
const GLOBALS = new Set(['oom_reaper_list']);

function apply(text: string, fns: readonly FnDef[], prims: Record<string, unknown>, name = 'test.patch'): PatchResult {
  return applyPatch(parsePatch(text, name), { fns, isPrimitive: (n) => n in prims, isGlobal: (n) => GLOBALS.has(n) });
}

/** A function's golden listing without its first line (which names the version). */
function body(f: FnDef, prims: Record<string, unknown>): string {
  return listing(compileFn(f, { isPrimitive: (n) => n in prims, isGlobal: (n) => GLOBALS.has(n) }))
    .split('\n')
    .slice(1)
    .join('\n');
}
const signature = (f: FnDef): string | undefined => f.signature;

function variant(driver: string, v: string) {
  return DRIVERS[driver]!.variants[v]!;
}

function verdictsOf(scenario: string, label: string, replaceFns?: readonly FnDef[]) {
  const v = variantsOf(loadBuiltin(scenario)).find((x) => x.label === label)!;
  return propertyVerdicts(runScenario(replaceFns ? { ...v.scenario, replaceFns } : v.scenario, {}, label));
}

describe('seed: Michal Hocko, "drm/amd: clarify amdgpu_mn_read_lock !blocking mode" (#34)', () => {
  for (const driver of ['amdgpu', 'amdgpu-hsa']) {
    test(`on ${driver}@93065ac753e4: amdgpu_mn_read_lock as the clarify variant has it`, () => {
      const base = variant(driver, '93065ac753e4');
      const want = variant(driver, 'clarify');
      const prims = primsOf(base);
      const r = apply(read('amdgpu-clarify-read-lock.patch'), base.fns, prims);
      expect(r.applied).toBe(true);
      expect(r.outcomes.map((o) => o.kind)).toEqual(['applied']);
      // The patch's tree names the amdgpu_mn `amn` where the posted 93065ac753e4 named it `rmn`.
      expect(r.outcomes[0]!.kind === 'applied' && r.outcomes[0]!.notes).toEqual(["amdgpu_mn_read_lock(): parameter rmn renamed amn as the patch's tree names it"]);
      expect(r.changed.map((f) => f.name)).toEqual(['amdgpu_mn_read_lock']);
      const got = r.changed[0]!;
      const hand = want.fns.find((f) => f.name === 'amdgpu_mn_read_lock')!;
      expect(body(got, prims)).toBe(body(hand, prims));
      expect(signature(got)).toBe(signature(hand));
      expect(got.version).toBe('93065ac753e4+drm/amd: clarify amdgpu_mn_read_lock !blocking mode');
    });
  }
  test('verdicts on amdgpu-read-lock-nonblock: the patched 93065ac753e4 gives the clarify variant\'s', () => {
    const base = variant('amdgpu', '93065ac753e4');
    const r = apply(read('amdgpu-clarify-read-lock.patch'), base.fns, primsOf(base));
    // The other functions of the clarify variant differ from 93065ac753e4's only in the `amn`
    // naming (the rename is not part of the patch), which no verdict depends on.
    expect(verdictsOf('amdgpu-read-lock-nonblock', '93065ac753e4', r.changed)).toEqual(verdictsOf('amdgpu-read-lock-nonblock', 'clarify'));
  }, 120_000);
});

describe("seed: Tetsuo Handa's alternative without the recursion counter (#42)", () => {
  test('on amdgpu@93065ac753e4: read_lock and read_unlock as the tetsuo variant has them; the struct and amdgpu_mn_get() are outside the model', () => {
    const base = variant('amdgpu', '93065ac753e4');
    const want = variant('amdgpu', 'tetsuo');
    const prims = primsOf(base);
    const r = apply(read('amdgpu-tetsuo-no-recursion.patch'), base.fns, prims);
    expect(r.applied).toBe(true);
    expect(r.outcomes.map((o) => (o.kind === 'applied' ? `applied ${o.fns.join(',')}` : `${o.kind}: ${o.reason}`))).toEqual([
      'outside: changes only comments or blank lines',
      'outside: outside any modelled function: patch line 47 (`struct mutex\t\tread_lock;`)',
      'applied amdgpu_mn_read_lock',
      'applied amdgpu_mn_read_unlock',
      'outside: amdgpu_mn_get() is not modelled (outside the model)',
    ]);
    for (const name of ['amdgpu_mn_read_lock', 'amdgpu_mn_read_unlock']) {
      const got = r.changed.find((f) => f.name === name)!;
      const hand = want.fns.find((f) => f.name === name)!;
      expect(body(got, prims)).toBe(body(hand, prims));
      expect(signature(got)).toBe(signature(hand));
    }
  });
  test("verdicts on amdgpu-read-lock-nonblock: the tetsuo variant's", () => {
    const base = variant('amdgpu', '93065ac753e4');
    const r = apply(read('amdgpu-tetsuo-no-recursion.patch'), base.fns, primsOf(base));
    // The instance still declares read_lock and recursion (the model's struct is its state): unused
    // by the patched code, as by the hand-modelled tetsuo variant, whose instance is the same.
    expect(verdictsOf('amdgpu-read-lock-nonblock', '93065ac753e4', r.changed)).toEqual(verdictsOf('amdgpu-read-lock-nonblock', 'tetsuo'));
  }, 120_000);
});

describe("seed: Michal Hocko's oom_reap_task_mm return-value fix and cleanup (#11)", () => {
  const core = CORE_VERSIONS['93065ac753e4-returns-true']!;
  const prims = primsOf();
  const r = apply(read('oom-reap-task-mm-return-value-and-cleanup.patch'), core.fns, prims);
  test("on core 93065ac753e4-returns-true: the fix, then the cleanup on top of it, give v4.19's oom_reap_task_mm", () => {
    expect(r.applied).toBe(true);
    expect(r.outcomes.map((o) => o.kind)).toEqual(['applied', 'applied', 'applied']);
    const got = r.changed.find((f) => f.name === 'oom_reap_task_mm')!;
    const hand = CORE_VERSIONS['v4.19']!.fns.find((f) => f.name === 'oom_reap_task_mm')!;
    // The ghost effect the model attaches to the trylock failure's statement is kept as modelled.
    expect(body(got, prims)).toBe(body(hand, prims));
  });
  test('verdicts on oom-reap-return-value: the v4.19 variant\'s', () => {
    // v4.19 differs from the returns-true core also in __oom_reap_task_mm (tlb_finish_mmu on the
    // failure branch), which this patch does not touch: the patched core is compared with v4.19
    // whose __oom_reap_task_mm is the returns-true one, i.e. the returns-true run with the patched
    // function against the v4.19 run with that one function put back.
    const reapMm = core.fns.find((f) => f.name === '__oom_reap_task_mm')!;
    const patched = verdictsOf('oom-reap-return-value', 'returns-true', r.changed);
    const merged = verdictsOf('oom-reap-return-value', 'v4.19', [reapMm]);
    expect(patched).toEqual(merged);
    // And the patch matters: the unpatched returns-true core gives other verdicts.
    expect(patched).not.toEqual(verdictsOf('oom-reap-return-value', 'returns-true'));
  }, 120_000);
});

describe('refusals: one precise line, and the patch applies whole or not at all', () => {
  const base = variant('amdgpu', '93065ac753e4');
  const prims = primsOf(base);
  const FILE = 'drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c';
  /** A one-file diff of amdgpu_mn.c with the given hunks (each: function context and tagged lines). */
  const diff = (...hunks: [string, string[]][]): string =>
    [
      `--- a/${FILE}`,
      `+++ b/${FILE}`,
      ...hunks.flatMap(([ctx, lines]) => {
        const o = lines.filter((l) => !l.startsWith('+')).length;
        const n = lines.filter((l) => !l.startsWith('-')).length;
        return [`@@ -10,${o} +10,${n} @@ ${ctx}`, ...lines.map((l) => (/^[-+ ]/.test(l) || l === '' ? l : ` ${l}`))];
      }),
      '',
    ].join('\n');
  const CTX = 'static int amdgpu_mn_read_lock(struct amdgpu_mn *rmn, bool blockable)';
  const good: [string, string[]] = [CTX, ['\tif (atomic_inc_return(&rmn->recursion) == 1)', '\t\tdown_read_non_owner(&rmn->lock);', '-\tmutex_unlock(&rmn->read_lock);', '+\tmutex_unlock(&rmn->read_lock); /* unlock */', '', '\treturn 0;']];
  const refused = (r: PatchResult): string[] => r.outcomes.flatMap((o) => (o.kind === 'refused' ? [o.reason] : []));

  test('a good hunk applies (the control for the refusals below)', () => {
    const r = apply(diff(good), base.fns, prims);
    expect(r.applied).toBe(true);
    expect(r.changed.map((f) => f.name)).toEqual(['amdgpu_mn_read_lock']);
  });
  test('a removed line the model does not have (an abstraction, or another version)', () => {
    const r = apply(diff([CTX, ['\tmutex_unlock(&rmn->read_lock);', '-\tlockdep_assert_held(&rmn->lock);', '\treturn 0;']]), base.fns, prims);
    expect(refused(r)).toEqual([
      "hunk 1: amdgpu_mn_read_lock(), patch line 5: `lockdep_assert_held(&rmn->lock);` is not in the model's function (it leaves it out as an abstraction, or the patch was made against another version of it)",
    ]);
  });
  test('a call with no modelled semantics', () => {
    const r = apply(diff([CTX, ['\tmutex_unlock(&rmn->read_lock);', '+\tfoo_wait(&rmn->lock);', '\treturn 0;']]), base.fns, prims);
    // The line says how to declare it (before, it did not name --declare).
    expect(refused(r)).toEqual(['hunk 1: amdgpu_mn_read_lock(), patch line 5: `foo_wait()` is not modelled: declare whether it may sleep and what it touches (--declare FILE.json, docs/patches.md)']);
  });
  test('a statement the parser cannot read', () => {
    const r = apply(diff([CTX, ['\tmutex_unlock(&rmn->read_lock);', '+\trmn->last = rmn->ranges[0];', '\treturn 0;']]), base.fns, prims);
    expect(refused(r)).toEqual(["hunk 1: amdgpu_mn_read_lock(), patch line 5: the model's C parser cannot read `rmn->last = rmn->ranges[0];` (unexpected '[' after statement)"]);
  });
  test('switch/case is not in the C subset', () => {
    const r = apply(diff([CTX, ['\tmutex_unlock(&rmn->read_lock);', '+\tswitch (blockable) {', '+\tcase 0:', '+\t\tbreak;', '+\t}', '\treturn 0;']]), base.fns, prims);
    expect(refused(r)[0]).toMatch(/^hunk 1: amdgpu_mn_read_lock\(\), patch line 5: `switch \(blockable\)`: switch\/case is not in the model's C subset$/);
  });
  test('a hunk none of whose lines is a statement of the model', () => {
    const r = apply(diff([CTX, ['\ttrace_amdgpu_mn_lock(rmn);', '+\tmutex_unlock(&rmn->read_lock);', '\ttrace_amdgpu_mn_done(rmn);']]), base.fns, prims);
    expect(refused(r)).toEqual(["hunk 1: amdgpu_mn_read_lock(), patch line 4: none of the hunk's lines is a statement of the model's function: cannot place it"]);
  });
  test('a patched function that does not compile (a goto without its label)', () => {
    const r = apply(diff([CTX, ['\tmutex_unlock(&rmn->read_lock);', '+\tgoto out;', '\treturn 0;']]), base.fns, prims);
    expect(refused(r)).toEqual(['hunk 1: the patched amdgpu_mn_read_lock() does not compile: amdgpu_mn_read_lock: label out is used but never placed']);
  });
  test('never half-way: a good hunk and a refused one change nothing', () => {
    const r = apply(diff(good, [CTX, ['\tmutex_unlock(&rmn->read_lock);', '+\tfoo_wait(&rmn->lock);', '\treturn 0;']]), base.fns, prims);
    expect(r.applied).toBe(false);
    expect(r.outcomes.map((o) => o.kind)).toEqual(['applied', 'refused']);
    expect(r.changed).toEqual([]);
    expect(r.fns).toBe(base.fns);
  });
  test('outside the model: another file, or a function the model does not have; they do not stop the rest', () => {
    const other = ['--- a/drivers/gpu/drm/amd/amdgpu/amdgpu_ttm.c', '+++ b/drivers/gpu/drm/amd/amdgpu/amdgpu_ttm.c', '@@ -1,1 +1,1 @@ int f(void)', '-\ta();', '+\tb();'].join('\n');
    const r = apply(`${other}\n${diff(['struct amdgpu_mn *amdgpu_mn_get(struct amdgpu_device *adev,', ['\tamn->type = type;', '-\tmutex_init(&amn->read_lock);', '\tr = 0;']], good)}`, base.fns, prims);
    expect(r.applied).toBe(true);
    expect(r.outcomes.map((o) => (o.kind === 'outside' ? o.reason : o.kind))).toEqual([
      'drivers/gpu/drm/amd/amdgpu/amdgpu_ttm.c has no modelled function',
      'amdgpu_mn_get() is not modelled (outside the model)',
      'applied',
    ]);
  });
  test('a new static helper in the same file, and a call of it', () => {
    const text = diff([
      'void amdgpu_mn_unlock(struct amdgpu_mn *mn)',
      [
        ' */',
        '+static bool amdgpu_mn_busy(struct amdgpu_mn *amn)',
        '+{',
        '+\treturn atomic_read(&amn->recursion) > 1;',
        '+}',
        '+',
        ' static int amdgpu_mn_read_lock(struct amdgpu_mn *rmn, bool blockable)',
        ' {',
        '+\tif (!blockable && amdgpu_mn_busy(rmn))',
        '+\t\treturn -EAGAIN;',
        ' \tif (blockable)',
      ],
    ]);
    const r = apply(text, base.fns, prims);
    expect(refused(r)).toEqual([]);
    expect(r.changed.map((f) => f.name)).toEqual(['amdgpu_mn_busy', 'amdgpu_mn_read_lock']);
    expect(body(r.changed[1]!, prims).split('\n').slice(0, 4).join('\n')).toMatchInlineSnapshot(`
      "  0       if (!blockable && amdgpu_mn_busy(rmn))                           branch [blockable] -> 4 : 1
        1       if (!blockable && amdgpu_mn_busy(rmn))                           call amdgpu_mn_busy => $t0
        2       if (!blockable && amdgpu_mn_busy(rmn))                           branch [$t0] -> 3 : 4
        3       return -EAGAIN;                                                  return"
    `);
    expect(r.fns.map((f) => f.name)).toContain('amdgpu_mn_busy');
  });
});

describe('seed: 93065ac753e4 itself, on the v4.18 functions', () => {
  const core = CORE_VERSIONS['v4.18']!;
  const after = CORE_VERSIONS['93065ac753e4']!;
  const fns = [...core.fns];
  const want = [...after.fns];
  const prims = primsOf();
  for (const d of Object.values(DRIVERS)) {
    const v = d.variants['v4.18'];
    const w = d.variants['93065ac753e4'];
    if (v) {
      Object.assign(prims, v.primitives ?? {});
      for (const f of v.fns) if (!fns.some((g) => g.name === f.name && g.file === f.file)) fns.push(f);
    }
    if (w) {
      Object.assign(prims, w.primitives ?? {});
      want.push(...w.fns);
    }
  }
  const patch = read('93065ac753e4-blockable-mode.patch');
  const r = applyPatch(parsePatch(patch, '93065ac753e4-blockable-mode.patch'), { fns, isPrimitive: (n) => n in prims, isGlobal: (n) => GLOBALS.has(n), ghosts: modelGhosts() });
  test('every hunk applies or is outside the model; none is refused', () => {
    const line = (o: (typeof r.outcomes)[number]): string => `${o.hunk.index} ${o.kind}${o.kind === 'applied' ? '' : `: ${o.reason}`}`;
    expect(r.outcomes.filter((o) => o.kind !== 'applied').map(line)).toEqual([
      '21 outside: outside any modelled function: patch line 449 (`static void mmu_notifier_range_start(struct mmu_notifier *,`)',
      '24 outside: mlx5_ib_free_implicit_mr() is not modelled (outside the model)',
      '30 outside: include/linux/kvm_host.h has no modelled function',
      '31 outside: outside any modelled function: patch line 647 (`* If both of these callbacks cannot block, and invalidate_range`)',
      '32 outside: outside any modelled function: patch line 668 (`extern void __mmu_notifier_invalidate_range_start(struct mm_struct *mm,`); outside any modelled function: patch line 670 (`extern int __mmu_notifier_invalidate_range_start(struct mm_struct *mm,`)',
      // The CONFIG_MMU_NOTIFIER=n stubs: the model is the =y side, which hunk 33 changes.
      "34 outside: its context shows mmu_notifier_invalidate_range_start() with an empty body where the model's has statements: the code of another configuration (an #else stub), not the model's",
      '35 outside: include/linux/oom.h has no modelled function',
      '36 outside: include/rdma/ib_umem_odp.h has no modelled function',
      '44 outside: kvm_arch_mmu_notifier_invalidate_range() is not modelled (outside the model)',
    ]);
    expect(r.applied).toBe(true);
  });
  test('the statements it adds carry the ghost effects the model gives them in the same function, and none where the model is ambiguous', () => {
    const notes = r.outcomes.flatMap((o) => (o.kind === 'applied' ? o.notes : [])).filter((n) => /ghost/.test(n));
    expect(notes).toEqual([
      expect.stringMatching(/^__oom_reap_task_mm\(\): `ret = false;` \(patch line \d+\) records ghost->oom_obstructed = 1 as the model's __oom_reap_task_mm\(\) does/),
      expect.stringMatching(/^oom_reap_task_mm\(\): `ret = false;` \(patch line \d+\) records no ghost state: the model's oom_reap_task_mm\(\) writes it with different ghost effects/),
    ]);
  });
  test('23 of the 24 functions it changes or adds are the hand-modelled 93065ac753e4 ones, statement for statement; the one that differs is explained', () => {
    const equal = r.changed.filter((f) => want.some((g) => g.name === f.name && body(g, prims) === body(f, prims))).map((f) => f.name);
    const differ = r.changed.map((f) => f.name).filter((n) => !equal.includes(n));
    expect(r.changed).toHaveLength(24);
    // Each of these was wrong before the fix named: a `}` taken for the wrong block's (the hsa start's
    // `return 0;` inside the loop, radeon's `out_unlock:` before the loop), an initializer's braces
    // taken for a block (radeon's declarations reordered), an argument added inside a call over
    // several lines (umem_odp's ->release refused), a `{` on a for head's continuation line
    // (rbt_ib_umem_for_each_in_range refused), a hunk whose only anchor is the function's `{`
    // (__oom_reap_task_mm refused), ghost state (__oom_reap_task_mm's `ret = false;`).
    expect(equal).toEqual(expect.arrayContaining(['amdgpu_mn_invalidate_range_start_hsa', 'radeon_mn_invalidate_range_start', 'ib_umem_notifier_release', 'rbt_ib_umem_for_each_in_range', '__oom_reap_task_mm', 'exit_mmap', '__mmu_notifier_invalidate_range_start', 'oom_reap_task_mm']));
    // The patch as mailed sets `ret` and returns it; the model's 93065ac753e4 core has the form
    // Andrew Morton's simplification gave it in the merged header (seed 002), with the same meaning.
    expect(differ).toEqual(['mmu_notifier_invalidate_range_start_nonblock']);
    const mailed = r.changed.find((f) => f.name === 'mmu_notifier_invalidate_range_start_nonblock')!;
    expect(body(mailed, prims)).toMatch(/int ret = 0;[\s\S]*ret = __mmu_notifier_invalidate_range_start\(mm, start, end, false\);[\s\S]*return ret;/);
  });
});
