/**
 * bench/run.ts times the checker compiled in dist/ (bench/lib/use-dist.mjs registers
 * bench/lib/dist-hooks.mjs): an import of a source file in src/ resolves to the module compiled from
 * it, anything else as without the hooks. And a process and its bench worker (bench/lib/worker.ts)
 * started that way run dist/'s code, not tsx's transform of the sources (which wraps function
 * expressions in `__name` calls: what made the bench 17% slower than the code mnc runs).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module of hooks, without declarations
import { resolve } from '../../bench/lib/dist-hooks.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const url = (p: string): string => pathToFileURL(join(ROOT, p)).href;
type Resolved = { url: string; format?: string };
const hook = resolve as (s: string, c: object, next: (s: string, c: object) => Promise<Resolved>) => Promise<Resolved>;

describe('bench/lib/dist-hooks.mjs', () => {
  it('resolves a source file in src/ to its module in dist/', async () => {
    const r = await hook('../src/report/run.ts', {}, async () => ({ url: url('src/report/run.ts'), format: 'module-typescript' }));
    expect(r).toEqual({ url: url('dist/report/run.js'), format: 'module' });
  });

  it('leaves the bench files, node modules and anything not TypeScript in src/ alone', async () => {
    for (const u of [url('bench/kernel.ts'), url('src/model/kernel/scenario.schema.json'), 'node:fs', url('node_modules/immer/dist/immer.mjs')]) {
      const r = await hook('x', {}, async () => ({ url: u }));
      expect(r.url).toBe(u);
    }
  });

  it('makes a bench process and its workers run dist/, not the sources through tsx', () => {
    const probe = join(ROOT, 'test', 'bench', 'fixtures', 'dist-probe.ts');
    const tsx = ['--import', 'tsx'];
    const withDist = execFileSync(process.execPath, [...tsx, '--import', url('bench/lib/use-dist.mjs'), probe], { cwd: ROOT, encoding: 'utf8' });
    expect(withDist.trim().split('\n')).toEqual(['main: dist', 'worker: dist']);
    const without = execFileSync(process.execPath, [...tsx, probe], { cwd: ROOT, encoding: 'utf8' });
    expect(without.trim().split('\n')).toEqual(['main: sources', 'worker: sources']);
  });
});
