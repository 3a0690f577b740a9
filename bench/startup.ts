/**
 * Start-up: `mnc --help` as a user runs it (`node bin/mnc.js --help`), from the compiled dist/ that
 * `npm ci` builds (rebuilt here first if src/ changed since). Target: under 0.3 s, the median of
 * several runs, the node process included. For reference, the same through tsx, which compiles
 * the TypeScript at start-up: with tsx's cache warm, and with it disabled (a first run). Then a
 * small check from dist/, start-up bound (the whole process to a verdict: what a reviewer waits for
 * on the smallest configurations, where SPIN's whole process is compared). Missing the target
 * prints a warning (a loaded machine?), as the engine bench does; a run that fails fails.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { distCurrent } from './lib/dist.ts';

const ROOT = join(import.meta.dirname, '..');
const TARGET_S = 0.3;
const RUNS = 9;

const current = (): boolean => distCurrent(ROOT);

/** A command the bench times: its arguments, and whether a run of it went as it should. */
interface Timed {
  readonly argv: readonly string[];
  readonly ok: (status: number | null, stdout: string) => boolean;
}

const HELP: Timed = { argv: ['--help'], ok: (status, stdout) => status === 0 && /Usage: mnc/.test(stdout) };

/**
 * A small check, start-up bound (a few states): the process to a verdict, scenario file loaded and
 * validated, model built, report printed. Exit 0 or 1 is a verdict (no violation or one).
 */
const SMALL_CHECK: Timed = { argv: ['check', 'end-after-nonblock-start', '-q'], ok: (status, stdout) => (status === 0 || status === 1) && /end-after-nonblock-start: core /.test(stdout) };

/** The median wall-clock seconds of `node bin/mnc.js ARGV` with `env`, or null if a run fails. */
function median(env: Record<string, string>, runs = RUNS, cmd: Timed = HELP): number | null {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'mnc.js'), ...cmd.argv], { env: { ...process.env, ...env }, encoding: 'utf8' });
    const s = (performance.now() - t0) / 1000;
    if (!cmd.ok(r.status, r.stdout)) {
      console.error(`  FAIL: mnc ${cmd.argv.join(' ')} exited ${String(r.status)}: ${r.stderr}`);
      return null;
    }
    times.push(s);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function run(): boolean {
  console.log('startup: mnc --help (node bin/mnc.js --help), median of several runs');
  if (!current()) {
    console.log('  dist/ is not built from these sources: npm run build');
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
    if (b.status !== 0 || !current()) {
      console.error('  FAIL: the build failed');
      return false;
    }
  }
  const node = (() => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      spawnSync(process.execPath, ['-e', '0']);
      times.push((performance.now() - t0) / 1000);
    }
    return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
  })();
  const dist = median({});
  const warm = median({ MNC_FROM_SOURCE: '1' }, 3);
  const cold = median({ MNC_FROM_SOURCE: '1', TSX_DISABLE_CACHE: '1' }, 3);
  const small = median({}, RUNS, SMALL_CHECK);
  if (dist === null || warm === null || cold === null || small === null) return false;
  console.log(`  node -e 0 (the process alone):        ${node.toFixed(3)} s`);
  console.log(`  compiled (dist/, what npm ci builds): ${dist.toFixed(3)} s`);
  console.log(`  through tsx, its cache warm:          ${warm.toFixed(3)} s`);
  console.log(`  through tsx, no cache (a first run):  ${cold.toFixed(3)} s`);
  console.log(`  a small check from dist/ (mnc ${SMALL_CHECK.argv.join(' ')}, a few states: the process to its verdict): ${small.toFixed(3)} s`);
  if (dist > TARGET_S) console.warn(`  WARNING: ${dist.toFixed(3)} s is over the target of ${TARGET_S} s (a loaded machine?)`);
  else console.log(`  target met: under ${TARGET_S} s`);
  return true;
}
