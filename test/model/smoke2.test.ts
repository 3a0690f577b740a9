import { test, expect } from 'vitest';
import { buildProgram } from '../../src/model/scenario.ts';
import { Interpreter, type KAction } from '../../src/model/interp.ts';
import { StringEncoder } from '../../src/checker/model.ts';

test('explore reaper + munmap over amdgpu', () => {
  const p = buildProgram({
    name: 't', core: 'v4.19', oom: true,
    vmas: [{ start: 0, end: 4 }, { start: 8, end: 12 }],
    notifiers: [{ use: 'amdgpu@93065ac753e4', objects: [{ start: 8, end: 10 }] }],
    threads: [{ kind: 'oom_reaper' }, { kind: 'munmap', params: { start: 0, len: 4 } }],
  });
  const ip = new Interpreter(p);
  const init = ip.initial();
  const seen = new Map<string, unknown>();
  const stack = [init];
  let trans = 0; let deadlocks = 0;
  while (stack.length) {
    const s = stack.pop()!;
    const key = JSON.stringify(s);
    if (seen.has(key)) continue;
    seen.set(key, s);
    const acts: KAction[] = [];
    ip.actions(s, acts);
    if (acts.length === 0 && s.threads.some((t) => t.frames.length)) deadlocks++;
    for (const a of acts) { trans++; stack.push(ip.step(s, a).state); }
  }
  console.log('states', seen.size, 'transitions', trans, 'deadlocks', deadlocks);
  expect(seen.size).toBeGreaterThan(10);
});
