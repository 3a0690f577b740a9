/**
 * The explored state space of every built-in scenario in every variant and every example, as data:
 * `{ label: [distinct states, transitions, violated engine properties, fingerprint digest] }` from
 * `runScenario(c.scenario, {})` (the default reduction, every property decided). The digest folds
 * every fingerprint the engine looks up in its visited set (`VisitedTable.insert`), in the order it
 * does, into 64 bits: equal digests mean the same fingerprints of the same successors in the same
 * order (so saved replay tokens, which carry fingerprints, still match). A change meant to make exploration cheaper
 * without changing what it explores records this before and compares after (issue 12, item 3):
 *
 *     npx tsx scripts/state-space.ts --out before.json [--skip-large] [FILTER...]
 *     npx tsx scripts/state-space.ts --compare before.json [--skip-large] [FILTER...]
 *
 * `--skip-large` leaves out the cases test/report/differential.test.ts lists as LARGE (over ~100k
 * unreduced states), `--large-only` runs only those. `--no-coalesce` adds each case without the reduction (`label [no-coalesce]`).
 * `--compare` exits 1 on any difference (a case missing from the file counts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VisitedTable } from '../src/checker/fingerprint.ts';
import { differentialCases } from '../src/report/differential.ts';
import { runScenario } from '../src/report/run.ts';

const LARGE = [
  'amdgpu-ioctl-alloc-under-lock @ 4a2de54dc1d7',
  'amdgpu-ioctl-alloc-under-lock @ alloc-under-lock',
  'amdgpu-ioctl-alloc-under-lock @ tetsuo+fix',
  'amdgpu-ioctl-alloc-under-lock @ v4.19.y',
  'examples/amdgpu-ioctl-vs-reaper.json @ 4a2de54dc1d7',
  'examples/amdgpu-ioctl-vs-reaper.json @ before-fix',
  'examples/amdgpu-ioctl-vs-reaper.json @ v4.19.y',
  'examples/starts-in-flight.json @ plain-down-read',
  'examples/starts-in-flight.json @ recursion-counter',
  'exit-mmap-vs-reaper @ 93065ac753e4',
  'exit-mmap-vs-reaper @ tetsuo',
  'exit-mmap-vs-reaper @ v4.18',
  'exit-mmap-vs-reaper @ v4.19',
  'i915-reaper @ 93065ac753e4',
  'kvm-pairing-under-reaper',
  'mlx5-implicit-mr @ 93065ac753e4',
  'mlx5-implicit-mr @ v4.18',
  'radeon-reaper @ 93065ac753e4',
  'several-starts-in-flight @ recursion',
  'several-starts-in-flight @ tetsuo',
];

type Entry = [states: number, transitions: number, violated: string[], fingerprints: string];

// Every fingerprint inserted, folded in order (two 32-bit FNV-style lanes).
let d1 = 0x811c9dc5;
let d2 = 0x01000193;
const insert = VisitedTable.prototype.insert;
VisitedTable.prototype.insert = function (this: VisitedTable, hi: number, lo: number, parent: number): number {
  d1 = Math.imul(d1 ^ hi, 0x01000193) ^ (lo >>> 7);
  d2 = Math.imul(d2 ^ lo, 0x5bd1e995) + hi;
  return insert.call(this, hi, lo, parent);
};
const digest = (): string => (d1 >>> 0).toString(16).padStart(8, '0') + (d2 >>> 0).toString(16).padStart(8, '0');

const args = process.argv.slice(2);
let out: string | undefined;
let compare: string | undefined;
let skipLarge = false;
let unreduced = false;
let largeOnly = false;
const filters: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--out') out = args[++i];
  else if (a === '--compare') compare = args[++i];
  else if (a === '--skip-large') skipLarge = true;
  else if (a === '--no-coalesce') unreduced = true;
  else if (a === '--large-only') largeOnly = true;
  else filters.push(a);
}
const cases = differentialCases(join(import.meta.dirname, '..', 'examples')).filter(
  (c) => (!skipLarge || !LARGE.includes(c.label)) && (!largeOnly || LARGE.includes(c.label)) && (filters.length === 0 || filters.some((f) => c.label.includes(f))),
);
const before: Record<string, Entry> | undefined = compare === undefined ? undefined : (JSON.parse(readFileSync(compare, 'utf8')) as Record<string, Entry>);
const got: Record<string, Entry> = {};
let bad = 0;
let states = 0;
const t0 = performance.now();
const runs = cases.flatMap((c) => [{ label: c.label, scenario: c.scenario, coalesce: true }, ...(unreduced ? [{ label: `${c.label} [no-coalesce]`, scenario: c.scenario, coalesce: false }] : [])]);
for (const c of runs) {
  const t = performance.now();
  d1 = 0x811c9dc5;
  d2 = 0x01000193;
  const r = runScenario(c.scenario, c.coalesce ? {} : { coalesce: false });
  const s = r.result.stats;
  const violated = r.result.verdicts.filter((v) => v.status === 'violated').map((v) => v.property).sort();
  const e: Entry = [s.states, s.transitions, violated, digest()];
  got[c.label] = e;
  states += s.states;
  const sec = (performance.now() - t) / 1000;
  let mark = '';
  if (before) {
    const b = before[c.label];
    mark = b === undefined ? 'MISSING ' : JSON.stringify(b) === JSON.stringify(e) ? 'same ' : 'DIFFERENT ';
    if (mark !== 'same ') bad++;
    if (mark === 'DIFFERENT ') mark += `(was ${JSON.stringify(b)}) `;
  }
  process.stdout.write(`${mark}${c.label}: ${JSON.stringify(e)} ${r.result.status} ${sec.toFixed(1)} s, ${((sec * 1e6) / s.states).toFixed(1)} us/state\n`);
}
const sec = (performance.now() - t0) / 1000;
process.stdout.write(`${runs.length} runs, ${states} states, ${sec.toFixed(0)} s${before ? `, ${bad} differences` : ''}\n`);
if (out !== undefined) writeFileSync(out, JSON.stringify(got, null, 1) + '\n');
process.exit(bad ? 1 : 0);
