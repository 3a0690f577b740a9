/**
 * The progress display: redrawn in place on a terminal once a run passes a second, one plain line
 * every five seconds at most elsewhere; a forecast printed once on a line of its own, then noted at
 * the end of the progress line.
 */
import { describe, expect, test } from 'vitest';
import { approx, compact, duration, makeProgress } from '../../src/cli/progress.ts';
import type { Forecast, Progress } from '../../src/checker/index.ts';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, columns: 80, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

const fc: Forecast = { states: 42_137, low: 39_020, high: 45_980, seen: 30_511, once: 20_000, twice: 5_000, walks: 300, steps: 40_000, longestWalk: 250, elapsedMs: 900, interrupted: false };

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

  test('a forecast on a terminal: its line once, under the erased progress line, then a note at the end of each redrawn line', () => {
    const s = fakeStream(true);
    s.columns = 200;
    const p = makeProgress('scn', s);
    p.update(at(1200, 6000));
    const before = s.text.length;
    p.forecast(fc);
    const added = s.text.slice(before);
    // 6,000 states in 1.2 s: 5,000 states/s; (42,137 - 6,000) / 5,000 = 7.2 s more.
    expect(added).toBe(
      '\r\x1b[K' +
        'scn: forecast: at least ~42,000 states, at least ~7.2 s more at this run\'s 5,000 states/s (a lower estimate from 300 random walks, 39,000-46,000 by their variance; the whole space can be many times larger)\n' +
        '\rscn: 6,000 states, 5,000 states/s, depth 12, frontier 40, 1.2 s, forecast >= ~42k\x1b[K',
    );
    p.forecast({ ...fc, states: 1 });
    expect(s.text.length).toBe(before + added.length);
    p.update(at(5000, 50_000));
    expect(s.text).toMatch(/scn: 50,000 states, .*, 5\.0 s, past the forecast \(~42k\)\x1b\[K$/);
  });
  test('a forecast elsewhere: one plain line, no escape codes; quiet: nothing', () => {
    const s = fakeStream(false);
    const p = makeProgress('scn', s);
    p.forecast({ ...fc, low: 42_137, high: 42_137 });
    expect(s.text).toBe('scn: forecast: at least ~42,000 states (a lower estimate from 300 random walks; the whole space can be many times larger)\n');
    p.update(at(6000, 7000));
    expect(s.text.split('\n')[1]).toMatch(/^scn: 7,000 states, .*, 6\.0 s, forecast >= ~42k$/);
    const q = fakeStream(true);
    const quiet = makeProgress('scn', q, { quiet: true });
    quiet.forecast(fc);
    expect(q.text).toBe('');
  });
  test('numbers and durations as the forecast shows them', () => {
    expect([approx(42), approx(42_137), approx(1_249_000)]).toEqual(['42', '42,000', '1,200,000']);
    expect([compact(950), compact(4_200), compact(42_137), compact(1_249_000), compact(25_000_000)]).toEqual(['950', '4.2k', '42k', '1.2M', '25M']);
    expect([duration(0.42), duration(12.4), duration(200), duration(2 * 3600), duration(3 * 86400)]).toEqual(['0.4 s', '12 s', '3 min', '2 h', '3 days']);
  });
});
