/**
 * What sleep sets would save (issue 12, item 1: "sleep sets where they help"), measured before they
 * were built (the explorer's, since 6 December 2026, name a transition's successor where it is in
 * the visited set already, instead of leaving states out: src/checker/explorer.ts,
 * `enableSleepSets`; this script measures the designs considered before): a breadth-first search of its own over the kernel model, with sleep sets and state
 * matching as Godefroid's thesis gives them (P. Godefroid, "Partial-Order Methods for the
 * Verification of Concurrent Systems", LNCS 1032, 1996, ch. 5: a state revisited with a sleep set
 * that lacks some of its stored one's transitions explores those), and the effects
 * `Interpreter.step` records as the independence relation. In `npm run bench` on two small examples
 * only ({@link run}): on the kernel bench a run takes minutes (every step records its reads and
 * writes, and states are matched by their full text encoding); docs/checker.md, "Sleep sets,
 * measured", has its figures.
 *
 *   npx tsx bench/sleep-sets.ts [scenario.json] [--no-por] [--no-chain | --static-chain] [--no-sleep] [--diamonds] [--closure] [--static-effects]
 *
 * `--diamonds` also runs each transition a sleep set leaves out and compares its successor with the
 * state the other order reached (carried along with the sleeping transition, one step per state it
 * passes): how often the effect relation calls two steps independent where they do not commute.
 * `--no-chain` keeps the partial-order reduction's ample sets but not its run-through
 * (`PartialOrder.chain`), whose extent depends on where the other threads are; `--static-chain`
 * judges the run-through against every other thread's whole program instead, so that its extent
 * does not depend on their positions. `--closure` (with
 * `--diamonds`'s runs) then explores the left-out transitions' successors the search never reached,
 * each with the sleep set it would have had had its transition been taken (the sleeping and taken
 * transitions independent of it: as a search that had not left it out), until every one has been
 * reached: what a liveness graph that names its missing edges' ends would have to explore on top.
 * `--static-effects` takes a step's effects from its statements' declared accesses (fields, not
 * keys), as a search that records no reads or writes could.
 *
 * Independence: two steps of different threads are independent in a state when neither writes a
 * memory or lock key the other reads or writes (the keys `Interpreter.step` records, coalesced
 * statements and the partial-order reduction's run-through included) and not both change the pair
 * list. A step's effects are those it had where it was taken: it stays asleep only while every step
 * taken is independent of it, so nothing it reads changes and it would have the same effects again,
 * where what a step does depends only on what it reads. The partial-order reduction's run-through
 * breaks that (how far a step runs on depends on where the other threads are): `--diamonds` counts
 * the diamonds it breaks, and `--no-chain` removes it. With `--no-por`, sleep sets alone must reach
 * every state the plain search reaches (compare with `--no-sleep`); beside the ample sets they may
 * reach fewer, and what the combination preserves is the open question docs/checker.md names.
 */
import { readFileSync } from 'node:fs';
import { FingerprintEncoder } from '../src/checker/fingerprint.ts';
import { expandedRange, StringEncoder } from '../src/checker/model.ts';
import { parseScenario } from '../src/model/kernel/scenario-file.ts';
import type { KAction } from '../src/model/lang/interp.ts';
import type { KState } from '../src/model/lang/state.ts';
import { modelOf } from '../src/report/run.ts';

interface Effects {
  readonly reads: ReadonlySet<string>;
  readonly writes: ReadonlySet<string>;
  /** Whether the step changed the pair list. */
  readonly pairs: boolean;
  /** What the step added to the fingerprint's two lane sums (KernelModel.encode), where it was taken. */
  readonly d1: number;
  readonly d2: number;
}

interface Sleeper {
  readonly action: KAction;
  readonly effects: Effects;
  /** With `diamonds`: the state the action leads to from the state whose sleep set holds it. */
  readonly target?: KState;
}

interface Visited {
  readonly state: KState;
  sleep: Sleeper[];
  expanded: boolean;
}

export interface SleepCounts {
  readonly states: number;
  readonly transitions: number;
  /** States explored again for transitions a later arrival's sleep set lacked. */
  readonly reexpansions: number;
  /** With `diamonds`: transitions left out that were run anyway to compare their successor with the one the other order reached. */
  readonly diamondsChecked?: number;
  /** ... of which the successors differed, or the action was not enabled in the other order. */
  readonly diamondsBroken?: number;
  /** With `diamonds`: distinct successors of left-out transitions that the search never reached (an edge the liveness graph could not get by naming its end). */
  readonly targetsUnvisited?: number;
  /**
   * With `diamonds`: of the left-out transitions run anyway, those whose successor's fingerprint the
   * part-hash sums do not name: the state's lane sums plus what the transition added where it was
   * taken differ from the successor's (KernelModel.encode sums its parts' hashes lane by lane).
   */
  readonly namesWrong?: number;
  /**
   * With `closure`: what exploring those successors after the search adds (each with the sleep set
   * it would have had had its transition been taken, by the same rules, until every left-out
   * transition's successor has been reached): the states, transitions and re-expansions it adds, and
   * how many rounds it took.
   */
  readonly closure?: { readonly states: number; readonly transitions: number; readonly reexpansions: number; readonly rounds: number };
}

const sameAction = (a: KAction, b: KAction): boolean => a.tid === b.tid && a.choice === b.choice;

/** A FingerprintEncoder that keeps the words it is fed: the kernel model feeds its the thread count and the two lane sums. */
class SumCapture extends FingerprintEncoder {
  readonly fed: number[] = [];
  override int(value: number): void {
    this.fed.push(value | 0);
    super.int(value);
  }
}

/** A statement's accesses unknown (`staticEffects`): it conflicts with every step. */
const EVERYTHING = '*';

function independent(a: Sleeper, b: Sleeper): boolean {
  if (a.action.tid === b.action.tid) return false;
  if (a.effects.pairs && b.effects.pairs) return false;
  if (a.effects.writes.has(EVERYTHING) || b.effects.writes.has(EVERYTHING)) return false;
  for (const k of a.effects.writes) if (b.effects.reads.has(k) || b.effects.writes.has(k)) return false;
  for (const k of b.effects.writes) if (a.effects.reads.has(k)) return false;
  return true;
}

/** What `staticChain` replaces of the partial-order reduction (PartialOrder, private to the model). */
interface ChainInternals {
  chain: (s: KState, tid: number) => KState | undefined;
  conflictsWith: (fut: unknown, mine: unknown, s: KState, tid: number) => boolean;
  raisesUnder: (fut: unknown, s: KState, tid: number) => boolean;
}

/**
 * The run-through judged against what every other thread can do from its start, not from where it
 * is (for this measurement only): a thread runs on through a statement only when it conflicts with
 * nothing any other thread's whole program (a kworker's too) can access, so that how far a step runs
 * on no longer depends on where the other threads are.
 */
function staticChain(model: ReturnType<typeof modelOf>): void {
  const po = (model as unknown as { po?: ChainInternals }).po;
  if (!po) return;
  const p = model.program;
  // Every thread at the start of its program; a kworker with no frame stands for its whole program already.
  const starts = { threads: p.spec.threads.map((t) => ({ frames: t.kworker === undefined ? [{ fn: p.fnId(t.fn), pc: 0 }] : [] })) } as unknown as KState;
  const conflictsWith = po.conflictsWith.bind(po);
  const raisesUnder = po.raisesUnder.bind(po);
  const chain = po.chain.bind(po);
  let whole = false;
  po.conflictsWith = (fut, mine, s, tid) => conflictsWith(fut, mine, whole ? starts : s, tid);
  po.raisesUnder = (fut, s, tid) => raisesUnder(fut, whole ? starts : s, tid);
  po.chain = (s, tid) => {
    whole = true;
    try {
      return chain(s, tid);
    } finally {
      whole = false;
    }
  };
}

/** What a run measures: {@link exploreWithSleepSets}'s options (the script's flags, in its header). */
export interface SleepOptions {
  readonly por: boolean;
  readonly sleep: boolean;
  readonly diamonds?: boolean;
  readonly chain?: boolean | 'static';
  readonly closure?: boolean;
  readonly effects?: 'static';
}

/** Explore the model of `scenarioText` (its file name `source`, for messages) breadth-first, with sleep sets unless `sleep` is false. */
export function exploreWithSleepSets(scenarioText: string, source: string, options: SleepOptions): SleepCounts {
  // The model without its own sleep sets, so with the run-through judged from where the other
  // threads are, as it was when these designs were measured (`chain: 'static'` judges it as the
  // model with sleep sets does).
  const model = modelOf(parseScenario(scenarioText, source), options.por ? { sleepSets: false } : { por: false });
  if (options.chain === false) {
    // The partial-order reduction's run-through (PartialOrder.chain, private to the model) turned
    // off for this measurement only: every state it would run through is kept.
    const po = (model as unknown as { po?: ChainInternals }).po;
    if (po) po.chain = () => undefined;
  }
  if (options.chain === 'static') staticChain(model);
  const key = (s: KState): string => StringEncoder.encode(model, s);
  /** The thread count and the fingerprint's two lane sums of `s` (the words KernelModel.encode feeds a FingerprintEncoder). */
  const capture = new SumCapture();
  const sums = (s: KState): { n: number; s1: number; s2: number } => {
    capture.reset();
    capture.fed.length = 0;
    model.encode(s, capture);
    const [n, s1, s2] = capture.fed;
    return { n: n!, s1: s1!, s2: s2! };
  };
  /**
   * A step's effects as the statements it ran declare them (`Reduction.effectsOf`: fields, not
   * keys; a write, an increment or a lock operation a write): what a search that records no reads
   * or writes could know of it from the statements' numbers alone. A statement whose accesses are
   * unknown conflicts with everything.
   */
  const staticEffects = (r: { executed: readonly { fn: string; pc: number }[] }): { reads: Set<string>; writes: Set<string> } => {
    const reads = new Set<string>();
    const writes = new Set<string>();
    for (const x of r.executed) {
      const e = model.interp.reduction.effectsOf(model.program.fn(model.program.fnId(x.fn)).instrs[x.pc]!);
      if (e.accesses === 'all') {
        reads.add(EVERYTHING);
        writes.add(EVERYTHING);
        continue;
      }
      for (const a of e.accesses) {
        reads.add(a.name);
        if (a.mode !== 'r') writes.add(a.name);
      }
    }
    return { reads, writes };
  };
  const seen = new Map<string, Visited>();
  let queue: string[] = [];
  let later: { key: string; only: Sleeper[]; sleep: Sleeper[] }[] = [];
  let transitions = 0;
  let reexpansions = 0;
  let diamondsChecked = 0;
  let diamondsBroken = 0;
  let namesWrong = 0;
  /**
   * With `diamonds`: the successors of the transitions left out (the liveness graph's missing edges'
   * ends), each with the sleep set it would have had had its transition been taken (`closure`).
   */
  const leftOutTargets = new Map<string, { state: KState; sleep: Sleeper[] }>();
  const closure = options.closure === true;
  const diamonds = options.diamonds === true || closure;
  /** `z` carried from `state` through `action` (its target moved along the other side of the diamond). */
  const carry = (z: Sleeper, action: KAction): Sleeper => {
    if (!diamonds || z.target === undefined) return z;
    const acts: KAction[] = [];
    model.actions(z.target, acts);
    if (!acts.some((a) => sameAction(a, action))) {
      diamondsBroken++;
      return { action: z.action, effects: z.effects };
    }
    return { action: z.action, effects: z.effects, target: model.step(z.target, action).state };
  };

  const arrive = (k: string, state: KState, sleep: Sleeper[]): void => {
    const v = seen.get(k);
    if (v === undefined) {
      seen.set(k, { state, sleep, expanded: false });
      queue.push(k);
      return;
    }
    const kept = v.sleep.filter((z) => sleep.some((y) => sameAction(y.action, z.action)));
    if (!v.expanded) {
      v.sleep = kept;
      return;
    }
    const missing = v.sleep.filter((z) => !sleep.some((y) => sameAction(y.action, z.action)));
    if (!missing.length) return;
    v.sleep = kept;
    reexpansions++;
    later.push({ key: k, only: missing, sleep });
  };

  const explore = (k: string, only: readonly Sleeper[] | null, sleep: readonly Sleeper[]): void => {
    const state = seen.get(k)!.state;
    const acts: KAction[] = [];
    model.actions(state, acts);
    const { from, to } = expandedRange(model, state, acts);
    const taken: Sleeper[] = [];
    const here = sums(state);
    for (const action of acts.slice(from, to)) {
      const wanted = only ? only.some((z) => sameAction(z.action, action)) : !sleep.some((z) => sameAction(z.action, action));
      if (!wanted) {
        const z = sleep.find((y) => sameAction(y.action, action));
        if (diamonds && !only && z?.target !== undefined) {
          diamondsChecked++;
          const target = model.step(state, action).state;
          const actual = key(target);
          if (actual !== key(z.target)) diamondsBroken++;
          const there = sums(target);
          if (here.n !== there.n || ((here.s1 + z.effects.d1) | 0) !== there.s1 || ((here.s2 + z.effects.d2) | 0) !== there.s2) namesWrong++;
          if (!leftOutTargets.has(actual)) {
            // As if it had been taken here: the sleeping and the taken transitions independent of it.
            const after: Sleeper[] = [];
            for (const y of sleep) if (y !== z && independent(y, z)) after.push(carry(y, action));
            for (const y of taken) if (independent(y, z)) after.push(carry(y, action));
            leftOutTargets.set(actual, { state: target, sleep: after });
          }
        }
        continue;
      }
      transitions++;
      const r = model.step(state, action);
      const effects = options.effects === 'static' ? staticEffects(r) : { reads: new Set(r.reads), writes: new Set(r.writes) };
      const after = sums(r.state);
      const me: Sleeper = {
        action,
        effects: { ...effects, pairs: r.state.pairs !== state.pairs, d1: (after.s1 - here.s1) | 0, d2: (after.s2 - here.s2) | 0 },
        ...(diamonds ? { target: r.state } : {}),
      };
      const next: Sleeper[] = [];
      if (options.sleep) {
        for (const z of sleep) if (independent(z, me)) next.push(carry(z, action));
        for (const z of taken) if (independent(z, me)) next.push(carry(z, action));
      }
      taken.push(me);
      arrive(key(r.state), r.state, next);
    }
  };

  const search = (): void => {
    while (queue.length || later.length) {
      const level = queue;
      queue = [];
      for (const k of level) {
        const v = seen.get(k)!;
        v.expanded = true;
        explore(k, null, v.sleep);
      }
      while (later.length) {
        const again = later;
        later = [];
        for (const l of again) explore(l.key, l.only, l.sleep);
      }
    }
  };
  const unvisited = (): [string, { state: KState; sleep: Sleeper[] }][] => [...leftOutTargets].filter(([k]) => !seen.has(k));
  for (const s of model.initStates()) if (!seen.has(key(s))) arrive(key(s), s, []);
  search();
  const targetsUnvisited = unvisited().length;
  const found = { states: seen.size, transitions, reexpansions };
  let rounds = 0;
  if (closure) {
    for (let missing = unvisited(); missing.length; missing = unvisited()) {
      rounds++;
      for (const [k, t] of missing) arrive(k, t.state, t.sleep);
      search();
    }
  }
  return {
    states: found.states,
    transitions: found.transitions,
    reexpansions: found.reexpansions,
    ...(options.diamonds === true || closure ? { diamondsChecked, diamondsBroken, targetsUnvisited, namesWrong } : {}),
    ...(closure ? { closure: { states: seen.size - found.states, transitions: transitions - found.transitions, reexpansions: reexpansions - found.reexpansions, rounds } } : {}),
  };
}

function line(file: string, o: SleepOptions, c: SleepCounts, seconds: number): string {
  const por = o.por ? (o.chain === false ? 'on without its run-through' : o.chain === 'static' ? 'on with the run-through judged statically' : 'on') : 'off';
  const d = c.diamondsChecked === undefined ? '' : `; ${c.diamondsChecked} left-out transitions run anyway, ${c.diamondsBroken} diamonds broken, ${c.namesWrong} successors the part-hash sums misname, ${c.targetsUnvisited} of their successors never reached`;
  const eff = o.effects === 'static' ? ', effects by field as declared' : '';
  const cl = c.closure === undefined ? '' : `; exploring those after the search adds ${c.closure.states} states, ${c.closure.transitions} transitions and ${c.closure.reexpansions} re-expansions (${c.closure.rounds} rounds)`;
  return `${file}: partial-order reduction ${por}, sleep sets ${o.sleep ? 'on' : 'off'}${eff}: ${c.states} states, ${c.transitions} transitions, ${c.reexpansions} re-expansions${d}${cl} (${seconds.toFixed(1)} s)`;
}

function measure(file: string, o: SleepOptions): SleepCounts {
  const t0 = performance.now();
  const c = exploreWithSleepSets(readFileSync(file, 'utf8'), file, o);
  console.log(`  ${line(file, o, c, (performance.now() - t0) / 1000)}`);
  return c;
}

/**
 * In `npm run bench`: the examples test/bench/sleep-sets.test.ts runs, each without and with sleep
 * sets, alone and beside the partial-order reduction, and beside its ample sets without the
 * run-through with the closure (a few seconds); the kernel bench too (several minutes) with
 * MNC_BENCH_SLEEP=1. Fails if sleep sets alone, or with the closure beside the ample sets without
 * the run-through, miss a state or break a diamond.
 */
export function run(): boolean {
  const files = ['examples/amdgpu-ioctl-vs-reaper.json', 'examples/reaper-retries-mmap-sem.json'];
  if (process.env.MNC_BENCH_SLEEP === '1') files.push('bench/scenarios/reaper-ioctl-two-pairs.json');
  console.log("Godefroid's sleep sets, the design measured before the explorer's (which name successors, leaving nothing out: the kernel bench above): what they would leave out (bench/sleep-sets.ts; MNC_BENCH_SLEEP=1 adds the kernel bench)");
  let ok = true;
  for (const file of files) {
    const plain = measure(file, { por: false, sleep: false });
    const alone = measure(file, { por: false, sleep: true, diamonds: true });
    if (alone.states !== plain.states || alone.diamondsBroken !== 0) {
      console.log(`  FAIL: sleep sets alone must reach every state (${alone.states} of ${plain.states}) and close every diamond (${alone.diamondsBroken} broken)`);
      ok = false;
    }
    const por = measure(file, { por: true, sleep: false });
    const both = measure(file, { por: true, sleep: true, diamonds: true });
    console.log(`  ${file}: transitions left out ${(100 * (1 - alone.transitions / plain.transitions)).toFixed(1)}% alone, ${(100 * (1 - both.transitions / por.transitions)).toFixed(1)}% beside partial-order reduction`);
    // Beside the ample sets without the run-through, and the unreached successors explored after.
    const nc = measure(file, { por: true, chain: false, sleep: false });
    const closed = measure(file, { por: true, chain: false, sleep: true, closure: true });
    const states = closed.states + closed.closure!.states;
    const transitions = closed.transitions + closed.closure!.transitions;
    console.log(`  ${file}: without the run-through, sleep sets and the closure: ${states} states (${nc.states} without sleep sets), ${(100 * (1 - transitions / nc.transitions)).toFixed(1)}% of the transitions left out`);
    if (states !== nc.states || closed.diamondsBroken !== 0) {
      console.log(`  FAIL: with the closure, sleep sets beside the ample sets without the run-through must reach every state (${states} of ${nc.states}) and close every diamond (${closed.diamondsBroken} broken)`);
      ok = false;
    }
  }
  return ok;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--')) ?? 'bench/scenarios/reaper-ioctl-two-pairs.json';
  measure(file, { por: !args.includes('--no-por'), sleep: !args.includes('--no-sleep'), diamonds: args.includes('--diamonds'), chain: args.includes('--no-chain') ? false : args.includes('--static-chain') ? 'static' : true, closure: args.includes('--closure'), ...(args.includes('--static-effects') ? { effects: 'static' as const } : {}) });
}
