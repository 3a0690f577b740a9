/**
 * `npm run bench` (bench/run.ts) runs every `bench/*.ts` but itself and fails on one that exports no
 * `run()`: a script put there without one fails the whole bench, not any test. Checked here on the
 * files' text (importing every bench would run nothing, but loads them all).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('bench/', () => {
  const files = readdirSync('bench').filter((f) => f.endsWith('.ts') && f !== 'run.ts');
  it('has benches', () => expect(files.length).toBeGreaterThan(3));
  for (const f of files) {
    it(`bench/${f} exports run()`, () => {
      expect(readFileSync(`bench/${f}`, 'utf8')).toMatch(/^export (async )?function run\(\)/m);
    });
  }
});
