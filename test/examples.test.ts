/**
 * The examples in examples/ find what examples/README.md says they find.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadScenarioFile } from '../src/model/scenario-file.ts';
import { propertyVerdicts, runScenario, variantsOf } from '../src/report/run.ts';

const dir = join(import.meta.dirname, '..', 'examples');

function verdicts(file: string, variant: string): Record<string, string> {
  const sf = loadScenarioFile(join(dir, file));
  const v = variantsOf(sf).find((x) => x.label === variant)!;
  const run = runScenario(v.scenario, {}, variant);
  expect(run.result.status).not.toBe('incomplete');
  return propertyVerdicts(run);
}

describe('examples', () => {
  test('amdgpu-ioctl-vs-reaper: the deadlock before the fix; after it, the error path\'s bad unlock', () => {
    const before = verdicts('amdgpu-ioctl-vs-reaper.json', 'before-fix');
    expect(before).toMatchObject({ deadlock: 'violated', 'reaper-progress': 'violated', 'no-sleep': 'violated' });
    const fix = verdicts('amdgpu-ioctl-vs-reaper.json', '4a2de54dc1d7');
    expect(fix).toMatchObject({ deadlock: 'holds', 'lock-discipline': 'violated', 'no-sleep': 'violated' });
    expect(verdicts('amdgpu-ioctl-vs-reaper.json', 'v4.19.y')['lock-discipline']).toBe('holds');
  });
  test('starts-in-flight: the recursion counter holds, a plain down_read per start deadlocks', () => {
    const rec = verdicts('starts-in-flight.json', 'recursion-counter');
    for (const [p, v] of Object.entries(rec)) expect(v, p).not.toBe('violated');
    expect(verdicts('starts-in-flight.json', 'plain-down-read')).toMatchObject({ deadlock: 'violated', 'lock-discipline': 'violated' });
  });
  test('reaper-retries-mmap-sem: every property holds with munmap and with madvise', () => {
    for (const variant of ['munmap', 'madvise']) {
      const v = verdicts('reaper-retries-mmap-sem.json', variant);
      expect(v['reaper-progress'], variant).toBe('holds');
      expect(v['no-premature-victim'], variant).toBe('holds');
      for (const [p, x] of Object.entries(v)) expect(x, `${variant} ${p}`).not.toBe('violated');
    }
  });
});
