/**
 * The progress display: redrawn in place on a terminal once a run passes a second, one plain line
 * every five seconds at most elsewhere.
 */
import { describe, expect, test } from 'vitest';
import { makeProgress } from '../../src/cli/progress.ts';
import type { Progress } from '../../src/checker/index.ts';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, columns: 80, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

const at = (ms: number, states = 1000): Progress => ({ states, transitions: states * 2, statesPerSecond: 5000, depth: 12, frontier: 40, elapsedMs: ms });

describe('progress', () => {
  test('on a terminal: nothing in the first second, then one line redrawn with \\r, erased at the end', () => {
    const s = fakeStream(true);
    const p = makeProgress('scn', s);
    p.update(at(500));
    expect(s.text).toBe('');
    p.update(at(1200, 6000));
    p.update(at(1400, 7000));
    expect(s.text.match(/\r/g)).toHaveLength(2);
    expect(s.text).toMatch(/scn: 7,000 states, 5,000 states\/s, depth 12, frontier 40, 1\.4 s/);
    expect(s.text).not.toMatch(/\n/);
    p.done();
    expect(s.text.endsWith('\r\x1b[K')).toBe(true);
  });
  test('elsewhere: plain lines, at most one every five seconds, no escape codes', () => {
    const s = fakeStream(false);
    const p = makeProgress('scn', s);
    for (let ms = 0; ms <= 12_000; ms += 250) p.update(at(ms));
    const lines = s.text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(s.text).not.toMatch(/\r|\x1b/);
    p.done();
    expect(s.text.trim().split('\n')).toHaveLength(2);
  });
  test('quiet draws nothing', () => {
    const s = fakeStream(true);
    const p = makeProgress('scn', s, { quiet: true });
    p.update(at(3000));
    p.done();
    expect(s.text).toBe('');
  });
});
