/**
 * SPIN side by side (issue 12): the same configurations through SPIN, with the hand-written
 * Promela models of bench/spin/*.pml, and through mnc, in one table.
 *
 * Per configuration: `spin -a`, `gcc -O2 -DSAFETY` and `pan -c0` (every safety error counted, the
 * whole space explored) with SPIN's partial-order reduction, the same with `-DNOREDUCE` (the
 * without-POR row), and the liveness run (`spin -DLIVENESS -a`, `gcc -O2`, `pan -a -f -A`: the
 * reaper-progress LTL property under weak fairness, assertions off). Then the matching mnc check in
 * this process (runScenario, every property decided, the default reductions) and a table: states
 * (SPIN with POR, without, mnc), mnc / SPIN-with-POR, transitions, SPIN's whole-process seconds
 * (spin -a + gcc + pan, safety and liveness runs) beside mnc's seconds, and whether the verdicts of
 * the properties the Promela models encode (no-sleep, pairing, deadlock, reaper-progress) agree.
 * A disagreement is printed loudly, with both sides' verdicts, and the bench fails: it is a bug in
 * mnc or in the hand model, to be investigated.
 *
 * Then both cores, on the configuration with the most SPIN states (the largest shared one): mnc's
 * check of the four properties on as many threads as there are cores (runScenarioAsync's
 * `workers`, what `mnc check --jobs N` runs) against SPIN's safety and liveness runs started at
 * once, each in a directory of its own (the two processes SPIN needs for these verdicts, side by
 * side on two cores), wall-clock seconds of each side measured in this run.
 *
 * Then the first counterexample: `pan -c1` (depth-first, stop at the first error) against mnc's
 * `check --first` search (depth-first, stop at the first violation), in states stored; issue 12's
 * target is mnc within 10x SPIN's.
 *
 * What the Promela models abstract is in bench/spin/mnc.pml's head comment and docs/checker.md
 * ("Performance"). Prints "spin: skipped (not installed; apt-get install spin)" where `spin` is not
 * on PATH. MNC_BENCH_SPIN=0 skips it; MNC_BENCH_SPIN_ONLY=name,name runs only those
 * configurations; MNC_BENCH_SPIN_SECONDS (default 300) bounds each mnc run (an incomplete run's
 * verdicts are not compared). Works in a temporary directory, removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenarioFile, parseScenario } from '../src/model/kernel/scenario-file.ts';
import type { Scenario } from '../src/model/kernel/scenario.ts';
import { propertyVerdicts, runScenario, runScenarioAsync, variantsOf, type PropertyVerdict } from '../src/report/run.ts';
import { scenario as growthScenario } from './growth.ts';
import { exec } from './lib/exec.ts';

const HERE = import.meta.dirname;
export const PML_DIR = join(HERE, 'spin');

/** One configuration: a Promela model with its -D options, and the mnc scenario it stands for. */
export interface SpinConfig {
  readonly name: string;
  readonly pml: string;
  readonly defines: readonly string[];
  readonly scenario: () => Scenario;
}

const growth = (k: number, ioctl: boolean): SpinConfig => ({
  name: `growth${ioctl ? '+ioctl' : ''} k=${k}`,
  pml: 'growth.pml',
  defines: [`-DK=${k}`, ...(ioctl ? ['-DIOCTL=1'] : [])],
  scenario: () => parseScenario(growthScenario(k, ioctl), `growth-${k}`),
});

export const CONFIGS: readonly SpinConfig[] = [
  growth(1, false),
  growth(2, false),
  growth(3, false),
  growth(1, true),
  growth(2, true),
  {
    name: 'reaper-ioctl-two-pairs',
    pml: 'reaper-ioctl-two-pairs.pml',
    defines: [],
    scenario: () => loadScenarioFile(join(HERE, 'scenarios', 'reaper-ioctl-two-pairs.json')),
  },
  {
    name: 'alloc-under-lock',
    pml: 'amdgpu-ioctl-alloc-under-lock.pml',
    defines: [],
    scenario: () => variantsOf(loadScenarioFile(join(HERE, '..', 'scenarios', 'amdgpu-ioctl-alloc-under-lock.json'))).find((v) => v.label === 'alloc-under-lock')!.scenario,
  },
  {
    name: 'kvm-pairing-under-reaper',
    pml: 'kvm-pairing-under-reaper.pml',
    defines: [],
    scenario: () => loadScenarioFile(join(HERE, '..', 'scenarios', 'kvm-pairing-under-reaper.json')),
  },
];

/** The properties the Promela models encode, as mnc names them. */
export const COMPARED = ['no-sleep', 'pairing', 'deadlock', 'reaper-progress'] as const;
export type Compared = (typeof COMPARED)[number];

/** Which mnc property a pan error message is a finding of (bench/spin/mnc.pml's head comment), or undefined. */
export function propertyOfPanError(message: string): Compared | undefined {
  const m = message.replace(/\s+/g, '');
  if (m === 'assertionviolatedblockable') return 'no-sleep';
  if (m === 'assertionviolated(pairs[_pid]==0)' || m === 'assertionviolated!(unbalanced)') return 'pairing';
  if (m === 'invalidendstate') return 'deadlock';
  if (m === 'acceptancecycle') return 'reaper-progress';
  return undefined;
}

/** What a pan run printed, parsed. */
export interface PanResult {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly errors: number;
  /** pan's own "elapsed time". */
  readonly panSeconds: number;
  /** The distinct error messages (`assertion violated blockable`, `invalid end state`, ...), without their depth. */
  readonly messages: readonly string[];
  /** The depth of the first error pan reported, if any. */
  readonly firstErrorDepth?: number;
  /** pan says the search was not completed (depth or memory bound). */
  readonly incomplete: boolean;
}

function num(re: RegExp, out: string, what: string): number {
  const m = re.exec(out);
  if (!m) throw new Error(`pan's output has no ${what}:\n${out}`);
  return Number(m[1]);
}

/** Parse pan's standard output (SPIN 6.x). Throws when a figure is missing. */
export function parsePan(out: string): PanResult {
  const messages: string[] = [];
  let firstErrorDepth: number | undefined;
  for (const m of out.matchAll(/^pan:\d+: (.*?)(?: \(at depth (\d+)\))?\s*$/gm)) {
    const msg = m[1]!.trim();
    if (!messages.includes(msg)) messages.push(msg);
    if (firstErrorDepth === undefined && m[2] !== undefined) firstErrorDepth = Number(m[2]);
  }
  const n = String.raw`([0-9.]+(?:e[+-]?[0-9]+)?)`;
  return {
    states: num(new RegExp(String.raw`^\s*${n} states, stored`, 'm'), out, 'states stored'),
    transitions: num(new RegExp(String.raw`^\s*${n} transitions \(=`, 'm'), out, 'transitions'),
    depth: num(/depth reached (\d+)/, out, 'depth reached'),
    errors: num(/errors: (\d+)/, out, 'errors'),
    panSeconds: num(new RegExp(String.raw`^pan: elapsed time ${n} seconds`, 'm'), out, 'elapsed time'),
    messages,
    ...(firstErrorDepth === undefined ? {} : { firstErrorDepth }),
    incomplete: /Search not completed|max search depth too small|reached -DMEMLIM bound/.test(out),
  };
}

/** The threads and notifiers a .pml configuration runs, from its #defines (and the config's -D options). */
export function pmlShape(c: SpinConfig): { threads: Record<string, number>; notifiers: string[] } {
  const text = readFileSync(join(PML_DIR, c.pml), 'utf8');
  const defs = new Map<string, string>();
  for (const d of c.defines) {
    const m = /^-D(\w+)(?:=(.*))?$/.exec(d);
    if (m) defs.set(m[1]!, m[2] ?? '1');
  }
  // The file's own #defines, in order; an #ifndef default does not override a -D option.
  for (const m of text.matchAll(/^#define (\w+)(?: (.*))?$/gm)) if (!defs.has(m[1]!)) defs.set(m[1]!, (m[2] ?? '1').trim());
  const value = (name: string): number => {
    let v = defs.get(name) ?? '0';
    for (let i = 0; i < 5 && defs.has(v); i++) v = defs.get(v)!;
    return Number(v);
  };
  const threads: Record<string, number> = {};
  for (const [def, kind] of [
    ['N_REAPER', 'oom_reaper'],
    ['N_IOCTL', 'amdgpu:cs_v4_19'],
    ['N_IOCTL_AUL', 'amdgpu:cs_alloc_under_lock'],
    ['N_MADVISE_BO', 'madvise [8, 10)'],
    ['N_MADVISE_KVM', 'madvise [0, 2)'],
    ['N_FAULT', 'kvm:tdp_fault(3)'],
  ] as const) {
    const v = value(def);
    if (v > 0) threads[kind] = v;
  }
  const notifiers: string[] = [];
  if (defs.has('HAVE_AMDGPU')) notifiers.push(defs.has('AMDGPU_TETSUO') ? 'amdgpu@tetsuo' : 'amdgpu@93065ac753e4');
  if (defs.has('HAVE_KVM')) notifiers.push('kvm');
  return { threads, notifiers };
}

/** The same shape read from an mnc scenario, in the names pmlShape uses. */
export function scenarioShape(sc: Scenario): { threads: Record<string, number>; notifiers: string[] } {
  const threads: Record<string, number> = {};
  for (const t of sc.threads) {
    const p = (t.params ?? {}) as Record<string, unknown>;
    const kind =
      t.kind === 'madvise'
        ? `madvise [${String(p.start)}, ${Number(p.start) + Number(p.len)})`
        : t.kind === 'kvm:tdp_fault'
          ? `kvm:tdp_fault(${String(p.address)})`
          : t.kind;
    threads[kind] = (threads[kind] ?? 0) + 1;
  }
  const notifiers = sc.notifiers.map((n) => (n.use === 'kvm' || n.use.startsWith('kvm@') ? 'kvm' : n.use));
  return { threads, notifiers };
}

interface Timed<T> {
  readonly result: T;
  readonly seconds: number;
}

type SpinMode = 'safety' | 'noreduce' | 'liveness' | 'first';

/** The Promela models (bench/spin/*.pml) into `dir`. */
function copyModels(dir: string): void {
  for (const f of readdirSync(PML_DIR)) if (f.endsWith('.pml')) copyFileSync(join(PML_DIR, f), join(dir, f));
}

/** The three processes of a SPIN run: spin -a, gcc, pan. */
function spinCommands(c: SpinConfig, mode: SpinMode): [string, string[]][] {
  const cflags = mode === 'liveness' ? [] : mode === 'noreduce' ? ['-DSAFETY', '-DNOREDUCE'] : ['-DSAFETY'];
  const panArgs = ['-m1000000', ...(mode === 'liveness' ? ['-a', '-f', '-A', '-c0'] : mode === 'first' ? ['-c1'] : ['-c0'])];
  return [
    ['spin', [...c.defines, ...(mode === 'liveness' ? ['-DLIVENESS'] : []), '-a', c.pml]],
    ['gcc', ['-O2', ...cflags, '-o', 'pan', 'pan.c']],
    ['./pan', panArgs],
  ];
}

/** spin -a, gcc, pan in `dir`: pan's parsed output and the three processes' seconds together. */
async function runSpin(dir: string, c: SpinConfig, mode: SpinMode): Promise<Timed<PanResult>> {
  let seconds = 0;
  let out = '';
  for (const [cmd, args] of spinCommands(c, mode)) {
    // pan exits non-zero when it found errors; spin and gcc must succeed.
    const r = await exec(cmd, args, { cwd: dir, mayFail: cmd === './pan' });
    seconds += r.seconds;
    out = r.out;
  }
  return { result: parsePan(out), seconds };
}

/**
 * Both cores on configuration `c` (the file's doc comment): mnc's four properties on `workers`
 * threads, and SPIN's safety and liveness runs at once in subdirectories of `dir`. The line to
 * print, and whether the verdicts of the two agree (a complete parallel search decides what one
 * thread does: a disagreement is a bug).
 */
async function bothCores(dir: string, c: SpinConfig, workers: number, seconds: number): Promise<{ readonly line: string; readonly ok: boolean }> {
  const sc = c.scenario();
  const t0 = performance.now();
  const r = await runScenarioAsync(sc, { timeMs: seconds * 1000, properties: [...COMPARED], workers });
  const mnc = (performance.now() - t0) / 1000;
  const dirs = ['safety', 'liveness'].map((m) => join(dir, m));
  for (const d of dirs) {
    mkdirSync(d);
    copyModels(d);
  }
  const t1 = performance.now();
  const [safety, live] = await Promise.all([runSpin(dirs[0]!, c, 'safety'), runSpin(dirs[1]!, c, 'liveness')]);
  const spin = (performance.now() - t1) / 1000;
  const complete = r.result.status !== 'incomplete' && !safety.result.incomplete && !live.result.incomplete;
  const sv = spinVerdicts(safety.result, live.result);
  const mv = propertyVerdicts(r);
  const differ = complete ? COMPARED.filter((p) => mv[p] !== sv[p]) : [];
  const done = r.result.status === 'incomplete' ? `incomplete (${r.result.reason}) at ${fmt(r.result.stats.states)} states` : `${fmt(r.result.stats.states)} states`;
  const verdicts = !complete ? 'verdicts not compared (a search incomplete)' : differ.length === 0 ? 'verdicts agree' : `!!! VERDICT DISAGREEMENT: ${differ.map((p) => `${p}: mnc ${mv[p]}, SPIN ${sv[p]}`).join('; ')}`;
  return {
    line: `  both cores, ${c.name}: mnc, the ${COMPARED.length} properties on ${workers} threads: ${mnc.toFixed(1)} s (${done}); SPIN's safety and liveness runs at once: ${spin.toFixed(2)} s (${safety.seconds.toFixed(2)} and ${live.seconds.toFixed(2)}): mnc ${(mnc / spin).toFixed(2)}x; ${verdicts}`,
    ok: differ.length === 0,
  };
}

/** SPIN's verdicts of the compared properties, from the safety run (POR) and the liveness run. */
export function spinVerdicts(safety: PanResult, liveness: PanResult): Record<Compared, PropertyVerdict> {
  const out = Object.fromEntries(COMPARED.map((p) => [p, 'holds'])) as Record<Compared, PropertyVerdict>;
  for (const r of [safety, liveness]) {
    for (const m of r.messages) {
      const p = propertyOfPanError(m);
      if (p) out[p] = 'violated';
    }
    if (r.incomplete) for (const p of COMPARED) if (out[p] === 'holds') out[p] = 'unknown';
  }
  return out;
}

function onPath(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return !r.error;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

export async function run(): Promise<boolean> {
  if (process.env.MNC_BENCH_SPIN === '0') {
    console.log('spin: skipped (MNC_BENCH_SPIN=0)');
    return true;
  }
  if (!onPath('spin', ['-V'])) {
    console.log('spin: skipped (not installed; apt-get install spin)');
    return true;
  }
  if (!onPath('gcc', ['--version'])) {
    console.log('spin: skipped (gcc not installed: pan is compiled C)');
    return true;
  }
  const only = process.env.MNC_BENCH_SPIN_ONLY?.split(',').map((s) => s.trim());
  const seconds = Number(process.env.MNC_BENCH_SPIN_SECONDS ?? 300);
  const configs = CONFIGS.filter((c) => !only || only.includes(c.name));
  const version = spawnSync('spin', ['-V'], { encoding: 'utf8' }).stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'mnc-spin-'));
  let ok = true;
  const firsts: string[] = [];
  let largest: { readonly c: SpinConfig; readonly states: number } | null = null;
  try {
    copyModels(dir);
    console.log(
      `SPIN side by side (${version}; hand-written Promela, bench/spin/*.pml; SPIN seconds: spin -a + gcc -O2 + pan, each run; mnc: in this process, default reductions, ${seconds} s at most, with every property (what \`mnc check\` runs) and then with the ${COMPARED.length} the Promela encodes (${COMPARED.join(', ')}: the like-for-like count, since what a property reads is visible and so not reduced))`,
    );
    console.log(
      `  ${'configuration'.padEnd(26)} ${'SPIN states POR'.padStart(15)} ${'no POR'.padStart(10)} ${'mnc states'.padStart(11)} ${'mnc/SPIN'.padStart(8)} ${'SPIN trans'.padStart(10)} ${'mnc trans'.padStart(10)} ${'SPIN s safety+live'.padStart(18)} ${'mnc s'.padStart(7)} ${'mnc 4 props'.padStart(11)} ${'/SPIN'.padStart(6)} ${'s'.padStart(6)}  verdicts`,
    );
    for (const c of configs) {
      const sc = c.scenario();
      const ps = pmlShape(c);
      const ss = scenarioShape(sc);
      if (JSON.stringify(ps) !== JSON.stringify(ss)) {
        console.log(`  ${c.name}: the .pml does not run the scenario's threads and notifiers: ${JSON.stringify(ps)} against ${JSON.stringify(ss)}`);
        ok = false;
        continue;
      }
      const safety = await runSpin(dir, c, 'safety');
      if (largest === null || safety.result.states > largest.states) largest = { c, states: safety.result.states };
      const noreduce = await runSpin(dir, c, 'noreduce');
      const live = await runSpin(dir, c, 'liveness');
      const t0 = performance.now();
      const r = runScenario(sc, { timeMs: seconds * 1000 });
      const mncSeconds = (performance.now() - t0) / 1000;
      const t4 = performance.now();
      const r4 = runScenario(sc, { timeMs: seconds * 1000, properties: [...COMPARED] });
      const mnc4Seconds = (performance.now() - t4) / 1000;
      const st = r.result.stats;
      const st4 = r4.result.stats;
      const complete = r.result.status !== 'incomplete' && r4.result.status !== 'incomplete';
      const mv = propertyVerdicts(r);
      const mv4 = propertyVerdicts(r4);
      const sv = spinVerdicts(safety.result, live.result);
      const spinComplete = !safety.result.incomplete && !live.result.incomplete;
      const differ = complete && spinComplete ? COMPARED.filter((p) => mv[p] !== sv[p] || mv4[p] !== sv[p]) : [];
      const verdicts = !complete
        ? `not compared (mnc incomplete: ${r.result.status === 'incomplete' ? r.result.reason : r4.result.status === 'incomplete' ? r4.result.reason : ''})`
        : !spinComplete
          ? 'not compared (pan did not complete its search: raise -m or the memory)'
          : differ.length === 0
          ? `agree (${COMPARED.map((p) => `${p} ${sv[p] === 'violated' ? 'FAIL' : sv[p]}`).join(', ')})`
          : 'DISAGREE';
      console.log(
        `  ${c.name.padEnd(26)} ${fmt(safety.result.states).padStart(15)} ${fmt(noreduce.result.states).padStart(10)} ${((complete ? '' : '>') + fmt(st.states)).padStart(11)} ${(st.states / safety.result.states).toFixed(2).padStart(8)} ${fmt(safety.result.transitions).padStart(10)} ${fmt(st.transitions).padStart(10)} ${`${safety.seconds.toFixed(2)}+${live.seconds.toFixed(2)}`.padStart(18)} ${mncSeconds.toFixed(1).padStart(7)} ${((r4.result.status === 'incomplete' ? '>' : '') + fmt(st4.states)).padStart(11)} ${(st4.states / safety.result.states).toFixed(2).padStart(6)} ${mnc4Seconds.toFixed(1).padStart(6)}  ${verdicts}`,
      );
      if (differ.length > 0) {
        ok = false;
        console.log(`  !!! VERDICT DISAGREEMENT on ${c.name}: a bug in mnc or in bench/spin/${c.pml}; investigate:`);
        for (const p of differ) console.log(`  !!!   ${p}: mnc ${mv[p]} (with the ${COMPARED.length} properties alone: ${mv4[p]}), SPIN ${sv[p]}`);
        console.log(`  !!!   SPIN's errors: ${[...safety.result.messages, ...live.result.messages].join('; ') || 'none'}`);
      }
      if (complete && COMPARED.some((p) => mv[p] === 'violated')) {
        const first = await runSpin(dir, c, 'first');
        const t1 = performance.now();
        const mf = runScenario(sc, { findAll: false, strategy: 'dfs', timeMs: seconds * 1000 });
        const mfSeconds = (performance.now() - t1) / 1000;
        const v = mf.result.status === 'violation' ? mf.result.violation : undefined;
        firsts.push(
          `  ${c.name.padEnd(26)} ${fmt(first.result.states).padStart(11)} ${String(first.result.firstErrorDepth ?? '-').padStart(6)} ${first.seconds.toFixed(2).padStart(7)}   ${fmt(mf.result.stats.states).padStart(10)} ${String(v?.path.steps.length ?? '-').padStart(6)} ${mfSeconds.toFixed(2).padStart(7)} ${(mf.result.stats.states / first.result.states).toFixed(2).padStart(8)}${mf.result.stats.states > 10 * first.result.states ? ' (over the 10x target)' : ''}  ${first.result.messages[0] ?? '-'} / ${v?.property ?? '-'}`,
        );
      }
    }
    const workers = availableParallelism();
    if (largest !== null && workers > 1) {
      const both = await bothCores(dir, largest.c, workers, seconds);
      console.log(both.line);
      if (!both.ok) ok = false;
    }
    if (firsts.length) {
      console.log('  first counterexample, depth-first (SPIN pan -c1 with POR; mnc check --first before shortening): states stored, depth, seconds');
      console.log(`  ${'configuration'.padEnd(26)} ${'SPIN states'.padStart(11)} ${'depth'.padStart(6)} ${'s'.padStart(7)}   ${'mnc states'.padStart(10)} ${'steps'.padStart(6)} ${'s'.padStart(7)} ${'mnc/SPIN'.padStart(8)}  first error (SPIN / mnc)`);
      for (const l of firsts) console.log(l);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ok;
}
