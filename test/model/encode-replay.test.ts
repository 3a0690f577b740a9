/**
 * The kernel model fingerprints a successor by replaying the recorded words of the parts it shares
 * with the state it was stepped from (issue 12, item 3). The fingerprint must be the one the full
 * walk of the state gives, for every successor.
 */
import { describe, expect, test, vi } from 'vitest';
import { FingerprintEncoder } from '../../src/checker/fingerprint.ts';
import type { Encoder } from '../../src/checker/model.ts';
import type { KAction } from '../../src/model/lang/interp.ts';
import { KernelModel } from '../../src/model/kernel-model.ts';
import { loadBuiltin } from '../../src/model/kernel/scenario-file.ts';
import { buildProgram } from '../../src/model/kernel/scenario.ts';
import type { KState } from '../../src/model/lang/state.ts';
import { variantsOf } from '../../src/report/run.ts';

/** Forwards to a FingerprintEncoder without being one: the model walks the whole state. */
class Walk implements Encoder {
  constructor(readonly fp: FingerprintEncoder) {}
  int(v: number): void {
    this.fp.int(v);
  }
  bool(v: boolean): void {
    this.fp.bool(v);
  }
  str(v: string): void {
    this.fp.str(v);
  }
}

const models: [string, () => KernelModel][] = (['several-starts-in-flight', 'exit-mmap-vs-reaper', 'kvm-pairing-under-reaper', 'i915-overlapping-invalidations', 'amdgpu-ioctl-alloc-under-lock'] as const).flatMap((n) =>
  variantsOf(loadBuiltin(n))
    .slice(0, 2)
    .flatMap((v): [string, () => KernelModel][] => [
      [`${n}${v.label ? ` @ ${v.label}` : ''}`, () => new KernelModel(buildProgram(v.scenario))],
      [`${n}${v.label ? ` @ ${v.label}` : ''}, one statement per step`, () => new KernelModel(buildProgram(v.scenario), { coalesce: false })],
    ]),
);

describe('fingerprints replayed from the predecessor', () => {
  test.each(models)('%s: every successor has the fingerprint of its full walk', (_name, make) => {
    const m = make();
    const fast = new FingerprintEncoder();
    const slow = new FingerprintEncoder();
    const walk = new Walk(slow);
    const replay = vi.spyOn(FingerprintEncoder.prototype, 'replay');
    const key = (s: KState, e: Encoder, fp: FingerprintEncoder): string => {
      fp.reset();
      m.encode(s, e);
      fp.finish();
      return `${fp.hi}:${fp.lo}`;
    };
    const seen = new Set<string>();
    const queue = [...m.initStates()];
    for (const s of queue) seen.add(key(s, walk, slow));
    const acts: KAction[] = [];
    const firstActs: KAction[] = [];
    m.actions(queue[0]!, firstActs);
    let successors = 0;
    for (let i = 0; i < queue.length && seen.size < 4000; i++) {
      const s = queue[i]!;
      acts.length = 0;
      m.actions(s, acts);
      for (const a of acts) {
        const n = m.nextState(s, a);
        const k = key(n, fast, fast);
        expect(k).toBe(key(n, walk, slow));
        // And again, now that the last step came from elsewhere (the first state of the queue).
        if (successors % 50 === 0) {
          m.nextState(queue[0]!, firstActs[0]!);
          expect(key(n, fast, fast)).toBe(k);
        }
        successors++;
        if (!seen.has(k)) {
          seen.add(k);
          queue.push(n);
        }
      }
    }
    expect(successors).toBeGreaterThan(200);
    expect(replay).toHaveBeenCalled();
    replay.mockRestore();
  });
});
