/**
 * The Xen grant device as v6.6 has it (gntdev.c: an interval notifier per grant map) on the v6.6 core (the built-in scenarios; a test that builds its own says its core):
 * the invalidate refuses a non-blockable range before any range test and otherwise unmaps without a
 * lock or a sleep; gntdev_mmap's bare mmu_interval_read_begin() (no retry) is enough only because the
 * mmap holds mmap_lock for write: without the lock, a madvise's invalidation between the read_begin
 * and the grant mapping makes the mmap map pages the invalidation overtook.
 */
import { describe, expect, test } from 'vitest';
import { c, cAs, fn } from '../../../../src/model/lang/ir.ts';
import type { Scenario } from '../../../../src/model/kernel/scenario.ts';
import { propertyVerdicts, runScenario, variantsOf } from '../../../../src/report/run.ts';
import { loadBuiltin } from '../../../../src/model/kernel/scenario-file.ts';
import { finding } from '../../../scenarios/helpers.ts';

const reaper = (): Scenario => variantsOf(loadBuiltin('gntdev-mmap-reaper'))[0]!.scenario;

/** vm_mmap_pgoff without mmap_lock: what the comment of gntdev_mmap relies on, taken away. */
const unlockedMmap = fn({
  name: 'vm_mmap_pgoff',
  file: 'mm/util.c',
  version: 'v6.6',
  source: 'test: vm_mmap_pgoff without its mmap_lock',
  signature: 'unsigned long vm_mmap_pgoff(struct file *file, unsigned long addr, unsigned long len, unsigned long prot, unsigned long flag, unsigned long pgoff)',
  params: ['map', 'vma'],
  body: [c('unsigned long ret;'), cAs('ret = do_mmap(file, addr, len, prot, flag, 0, pgoff, &populate, &uf);', 'ret = gntdev_mmap(map, vma)'), c('return ret;')],
});

describe('gntdev@v6.6 on v6.6', () => {
  test('gntdev-mmap-reaper holds every check; a blockable madvise and munmap of the map hold too', () => {
    for (const [p, x] of Object.entries(propertyVerdicts(runScenario(reaper())))) expect(x, p).not.toBe('violated');
    const sc: Scenario = {
      ...reaper(),
      oom: false,
      threads: [
        { kind: 'madvise', params: { start: 9, len: 2 } },
        { kind: 'munmap', params: { start: 8, len: 4 } },
      ],
    };
    const v = propertyVerdicts(runScenario(sc));
    for (const [p, x] of Object.entries(v)) expect(x, p).not.toBe('violated');
    expect(v['interval-coherency']).toBe('holds');
  });

  test("the mmap's bare read_begin needs the mmap_lock: without it, a madvise invalidation between read_begin and the grant mapping is overtaken (stale-use)", () => {
    const sc: Scenario = { ...reaper(), oom: false, threads: [{ kind: 'gntdev:mmap' }, { kind: 'madvise', params: { start: 8, len: 2 } }] };
    expect(propertyVerdicts(runScenario(sc))['interval-coherency']).toBe('holds');
    const run = runScenario({ ...sc, replaceFns: [unlockedMmap] });
    expect(propertyVerdicts(run)['interval-coherency']).toBe('violated');
    expect(finding(run, 'interval-coherency:stale-use').details).toMatch(/^the device maps gntdev0\.obj0 from a read that an invalidation of it overtook/);
  });

  test('a grant map is mmapped once, and a notifier is one map', () => {
    expect(() => runScenario({ ...reaper(), threads: [{ kind: 'gntdev:mmap' }, { kind: 'gntdev:mmap' }] })).toThrow(/threads\[1\]\.kind: .*a grant map is mmapped once/);
    expect(() => runScenario({ ...reaper(), notifiers: [{ use: 'gntdev@v6.6', objects: [{ start: 8, end: 9 }, { start: 10, end: 11 }] }] })).toThrow(
      /^notifiers\[0\]\.objects: gntdev@v6\.6 takes exactly one object \(it has 2\): one mmu_interval_notifier per grant map/,
    );
  });
});
