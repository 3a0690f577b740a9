/**
 * `npm run bench`: run every bench in this directory (each `*.ts` file other than this one that
 * exports `run(): boolean | Promise<boolean>`), in name order, each in a process of its own (so
 * that the peak RSS a bench prints is its own). Exits non-zero if any fails. `--one FILE` runs one.
 *
 * What is timed is the checker compiled in dist/, the code `mnc` runs for a user (bin/mnc.js runs
 * dist/ while it is built from the sources; `npm ci` builds it): dist/ is rebuilt first if src/
 * changed since (`npm run build`), and each bench's process imports each source file in src/ as
 * the dist/ module compiled from it (bench/lib/use-dist.mjs). Not the sources as tsx runs them:
 * tsx's transform keeps function names, wrapping each function expression in a call that defines
 * its `name` every time the function is made, and the kernel bench's check ran 17% longer that way
 * (under cachegrind, 7 December 2026: 267.7 s against 229.0 s, the same 327,713 states). Should
 * the build fail, the bench times the sources and says so.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { distCurrent } from './lib/dist.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..');

async function runOne(file: string): Promise<boolean> {
  const mod = (await import(pathToFileURL(`${here}/${file}`).href)) as { run?: () => boolean | Promise<boolean> };
  if (typeof mod.run !== 'function') {
    console.error(`bench/${file}: exports no run()`);
    return false;
  }
  return await mod.run();
}

/**
 * The node options that make a bench's process import dist/ for src/ (bench/lib/use-dist.mjs),
 * dist/ built first where it is not built from the sources now; none if the build fails.
 */
function fromDist(): string[] {
  if (!distCurrent(ROOT)) {
    console.log('bench: dist/ is not built from these sources: building it (npm run build)');
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
    if (b.status !== 0 || !distCurrent(ROOT)) {
      console.log('bench: the build failed: timing the TypeScript sources through tsx instead (about 17% slower than the code mnc runs)');
      return [];
    }
  }
  console.log('bench: timing the checker compiled in dist/, as bin/mnc.js runs it');
  return ['--import', pathToFileURL(join(here, 'lib', 'use-dist.mjs')).href];
}

/** Run bench `file` in a process of its own, with `code` (fromDist); whether it passed. */
function spawnPart(file: string, code: readonly string[]): boolean {
  const r = spawnSync(process.execPath, [...process.execArgv, ...code, fileURLToPath(import.meta.url), '--part', file], { stdio: 'inherit' });
  if (r.status !== 0) console.error(`bench/${file}: FAILED`);
  return r.status === 0;
}

if (process.argv[2] === '--part') {
  process.exit((await runOne(process.argv[3]!)) ? 0 : 1);
} else if (process.argv[2] === '--one') {
  process.exit(spawnPart(process.argv[3]!, fromDist()) ? 0 : 1);
} else {
  const code = fromDist();
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
    .sort();
  let failed = 0;
  for (const file of files) if (!spawnPart(file, code)) failed++;
  if (failed > 0) process.exit(1);
}
