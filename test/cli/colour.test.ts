/**
 * Colour on a terminal, and never elsewhere: FAIL red, ok green, ? yellow, a finding's header bold
 * red; NO_COLOR (set and not empty) turns it off, a pipe or a file gets none, FORCE_COLOR forces it.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { wantColour } from '../../src/cli/colour.ts';
import { main } from '../../src/cli/main.ts';

const ESC = '\x1b[';

async function run(colour: boolean | undefined, ...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: () => {}, ...(colour === undefined ? {} : { colour }) });
  return { code, out: out.join('\n') };
}

describe('when to colour', () => {
  test('a terminal gets colour; a pipe or file does not; NO_COLOR turns it off; FORCE_COLOR forces it', () => {
    expect(wantColour({ isTTY: true }, {})).toBe(true);
    expect(wantColour({ isTTY: false }, {})).toBe(false);
    expect(wantColour({}, {})).toBe(false);
    expect(wantColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    // An empty NO_COLOR does not count (no-color.org).
    expect(wantColour({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(wantColour({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(wantColour({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantColour({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(false);
    expect(wantColour({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
  });
});

describe('what is coloured', () => {
  test('check: the verdicts and the finding header; the text is the same without the escapes', async () => {
    const plain = await run(false, 'check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '-q');
    const coloured = await run(true, 'check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '-q');
    expect(plain.out).not.toContain(ESC);
    expect(coloured.out).toContain(`  ${ESC}31mFAIL${ESC}0m no-sleep:might-sleep`);
    expect(coloured.out).toMatch(new RegExp(`^ {2}\\x1b\\[33m\\?\\x1b\\[0m {4}no-sleep:blocked$`, 'm'));
    expect(coloured.out).toContain(`${ESC}1;31mBUG: sleeping function called from non-blockable invalidate_range_start${ESC}0m`);
    const untimed = (t: string): string => t.replace(/[\d.]+ s$/m, 'T s');
    expect(untimed(coloured.out.replace(/\x1b\[[0-9;]*m/g, ''))).toBe(untimed(plain.out));
  });
  test('matrix: each cell', async () => {
    const r = await run(true, 'matrix', '--scenario', 'amdgpu-read-lock-nonblock', '--jobs', '1', '-q');
    expect(r.out).toMatch(/^amdgpu-read-lock-nonblock +clarify +\x1b\[31mFAIL\x1b\[0m +\x1b\[32mok\x1b\[0m /m);
    const plain = await run(false, 'matrix', '--scenario', 'amdgpu-read-lock-nonblock', '--jobs', '1', '-q');
    expect(r.out.replace(/\x1b\[[0-9;]*m/g, '').replace(/\d+\n/g, 'N\n')).toBe(plain.out.replace(/\d+\n/g, 'N\n'));
  });
  test('the real command: FORCE_COLOR colours a pipe, NO_COLOR wins, and by default a pipe gets none', async () => {
    const root = join(import.meta.dirname, '../..');
    const go = async (env: Record<string, string>): Promise<string> => {
      const r = await promisify(execFile)(process.execPath, ['bin/mnc.js', 'check', 'amdgpu-read-lock-nonblock', '--variant', 'tetsuo', '-q'], { cwd: root, env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env } });
      return r.stdout;
    };
    expect(await go({})).not.toContain(ESC);
    expect(await go({ FORCE_COLOR: '1' })).toContain(`${ESC}32mok${ESC}0m`);
    expect(await go({ FORCE_COLOR: '1', NO_COLOR: '1' })).not.toContain(ESC);
  });
});
