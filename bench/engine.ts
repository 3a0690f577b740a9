/**
 * Engine benchmark: the synthetic model of issue 3, explored breadth-first.
 *
 * Ten counters, each 0..3 and wrapping; in every state every counter's increment is enabled. So
 * there are 4^10 = 1,048,576 states and 10 transitions out of each: 10,485,760 transitions.
 *
 * The same model is explored twice: with plain states (a frozen-by-convention array of ten numbers,
 * copied on each step) and with Immer object states (`produce`, auto-freeze on, as the kernel model
 * uses it), so that the cost of the Immer layer is known. Targets (one core): at least 300,000
 * distinct states/s and at most 16 bytes per visited state, for the plain model. Wrong counts or
 * more than 16 bytes per state fail the run; a rate below target is reported as a warning.
 */
import { produce } from 'immer';
import { check } from '../src/checker/check.ts';
import type { Encoder, Model } from '../src/checker/model.ts';

const COUNTERS = 10;
const EXPECTED_STATES = 4 ** COUNTERS;
const EXPECTED_TRANSITIONS = EXPECTED_STATES * COUNTERS;
const TARGET_RATE = 300_000;
const TARGET_BYTES = 16;

const ACTIONS: readonly number[] = Array.from({ length: COUNTERS }, (_, i) => i);

/** Plain states: a tuple of ten numbers, never mutated once returned. */
export const plainCounters: Model<readonly number[], number> = {
  initStates: () => [new Array<number>(COUNTERS).fill(0)],
  actions(_state, out) {
    for (let i = 0; i < COUNTERS; i++) out.push(ACTIONS[i]!);
  },
  nextState(state, i) {
    const next = state.slice();
    next[i] = (next[i]! + 1) & 3;
    return next;
  },
  properties: () => [],
  formatAction: (i) => `inc c${i}`,
  formatState: (s) => s.join(' '),
  encode(state, out: Encoder) {
    for (let i = 0; i < COUNTERS; i++) out.int(state[i]!);
  },
};

interface ImmerState {
  readonly counters: readonly number[];
}

/** The same model with Immer object states. */
export const immerCounters: Model<ImmerState, number> = {
  initStates: () => [produce({ counters: new Array<number>(COUNTERS).fill(0) }, () => {})],
  actions(_state, out) {
    for (let i = 0; i < COUNTERS; i++) out.push(ACTIONS[i]!);
  },
  nextState: (state, i) =>
    produce(state, (draft) => {
      (draft.counters as number[])[i] = (draft.counters[i]! + 1) & 3;
    }),
  properties: () => [],
  formatAction: (i) => `inc c${i}`,
  formatState: (s) => s.counters.join(' '),
  encode(state, out: Encoder) {
    const c = state.counters;
    for (let i = 0; i < COUNTERS; i++) out.int(c[i]!);
  },
};

interface Figures {
  readonly states: number;
  readonly transitions: number;
  readonly seconds: number;
  readonly rate: number;
  readonly bytesPerState: number;
}

function measure<S>(name: string, model: Model<S, number>): Figures | null {
  const result = check(model, { strategy: 'bfs' });
  const { stats } = result;
  const seconds = stats.elapsedMs / 1000;
  const f: Figures = {
    states: stats.states,
    transitions: stats.transitions,
    seconds,
    rate: stats.states / seconds,
    bytesPerState: stats.visitedBytes / stats.states,
  };
  console.log(
    `${name.padEnd(14)} states ${f.states.toLocaleString('en-US')}, transitions ${f.transitions.toLocaleString('en-US')}, ` +
      `${f.seconds.toFixed(2)} s, ${Math.round(f.rate).toLocaleString('en-US')} states/s, ` +
      `${f.bytesPerState.toFixed(2)} bytes/visited state`,
  );
  if (result.status !== 'pass') {
    console.error(`  FAIL: expected a pass, got ${result.status}`);
    return null;
  }
  if (f.states !== EXPECTED_STATES || f.transitions !== EXPECTED_TRANSITIONS) {
    console.error(`  FAIL: expected ${EXPECTED_STATES} states and ${EXPECTED_TRANSITIONS} transitions`);
    return null;
  }
  return f;
}

/**
 * Run the bench. Returns false (npm run bench exits non-zero) when a count is wrong or the visited
 * set takes more than 16 bytes per state, both deterministic. The states/s target depends on the
 * machine and its load: missing it prints a warning, it does not fail the run.
 */
export function run(): boolean {
  console.log(`engine: ${COUNTERS} wrapping counters 0..3, breadth-first (expect ${EXPECTED_STATES.toLocaleString('en-US')} states)`);
  const plain = measure('plain states', plainCounters);
  const immer = measure('immer states', immerCounters);
  if (plain === null || immer === null) return false;
  console.log(`  immer states cost ${(plain.rate / immer.rate).toFixed(1)}x the time per state of plain states`);
  let ok = true;
  if (plain.bytesPerState > TARGET_BYTES || immer.bytesPerState > TARGET_BYTES) {
    console.error(`  FAIL: more than ${TARGET_BYTES} bytes per visited state`);
    ok = false;
  }
  if (plain.rate < TARGET_RATE) {
    console.warn(`  WARNING: plain states/s ${Math.round(plain.rate).toLocaleString('en-US')} is below the target of ${TARGET_RATE.toLocaleString('en-US')} (a loaded machine?)`);
  } else {
    console.log(`  targets met: ≥ ${TARGET_RATE.toLocaleString('en-US')} states/s and ≤ ${TARGET_BYTES} bytes per visited state`);
  }
  return ok;
}
