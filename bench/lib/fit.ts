/**
 * Which growth a series of state counts f(1), f(2), ... follows as the number k of identical threads
 * grows (bench/growth.ts; issue 12: "growth in k must be polynomial: report the fit"). bench/lib
 * holds helpers of the benches: bench/run.ts runs only the files directly in bench/.
 *
 * With symmetry reduction a state is the rest of the state together with the *multiset* of the k
 * identical threads' local states. If one such thread has L local states, there are C(L + k - 1, k)
 * multisets: a polynomial in k of degree L - 1 (without symmetry, L^k sequences: exponential). So
 * the natural yardstick is the binomial f(k) = a C(k + d, k), whose ratios are
 *
 *   f(k + 1) / f(k) = (k + 1 + d) / (k + 1),   i.e.   d = (r_k - 1)(k + 1)   with r_k = f(k + 1) / f(k).
 *
 * For any polynomial of degree D these estimates d_k tend to D (r_k = 1 + D/k + O(1/k^2)); for an
 * exponential b^k they rise without bound, by about b - 1 per thread. The log-log slope
 * ln r_k / ln((k + 1)/k) also tends to D for a polynomial, but from far below when D is large
 * (a polynomial of degree 12 shows slopes 3, 4, 5 at k = 1..4), which is why it cannot tell the two
 * apart on the few rows a bench completes: the binomial estimates can.
 */
export interface Row {
  readonly k: number;
  readonly states: number;
}

export interface Fit {
  /**
   * 'polynomial': the degree estimates do not rise (by more than 5% of the one before). 'rising':
   * they do, as an exponential's do for ever and a polynomial's with a large constant term do until
   * they reach its degree; the rows cannot tell those two apart.
   */
  readonly kind: 'polynomial' | 'rising';
  /** r_k = f(k + 1) / f(k), one per consecutive pair of rows. */
  readonly ratios: readonly number[];
  /** d_k = (r_k - 1)(k + 1): the binomial degree estimates. */
  readonly degrees: readonly number[];
  /** The last estimate of d (polynomial), or the last ratio (rising). */
  readonly last: number;
  /** States forecast for k = last row + 1 .. `upTo`, from the last row and the last estimate. */
  readonly forecast: readonly Row[];
  /** One line for the bench's output. */
  readonly text: string;
}

/**
 * Fit `rows` (consecutive k, complete runs only, at least three) and forecast up to `upTo`.
 * Polynomial: every estimate after the first is no more than 5% above the one before it (the
 * estimates of a polynomial fall or level off towards its degree). Otherwise rising, forecast with
 * the last ratio held (as an exponential would go on).
 */
export function fitGrowth(rows: readonly Row[], upTo: number): Fit {
  if (rows.length < 3) throw new Error(`fitGrowth needs at least three rows, got ${rows.length}`);
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.k !== rows[i - 1]!.k + 1) throw new Error(`fitGrowth needs consecutive k: ${rows[i - 1]!.k} then ${rows[i]!.k}`);
  }
  const ratios = rows.slice(1).map((r, i) => r.states / rows[i]!.states);
  const degrees = ratios.map((r, i) => (r - 1) * (rows[i]!.k + 1));
  const steps = degrees.slice(1).map((d, i) => d - degrees[i]!);
  const kind = steps.every((s, i) => s <= 0.05 * degrees[i]!) ? 'polynomial' : 'rising';
  const lastRow = rows[rows.length - 1]!;
  const d = degrees[degrees.length - 1]!;
  const b = ratios[ratios.length - 1]!;
  const forecast: Row[] = [];
  let f = lastRow.states;
  for (let k = lastRow.k + 1; k <= upTo; k++) {
    // f(k) = f(k - 1) (k + d) / k for the binomial; the last ratio per thread while the estimates rise.
    f *= kind === 'rising' ? b : (k + d) / k;
    forecast.push({ k, states: Math.round(f) });
  }
  const list = (xs: readonly number[]): string => xs.map((x) => x.toFixed(2)).join(', ');
  const fc = forecast.length === 0 ? '' : `; forecast ${forecast.map((r) => `k=${r.k} ${fmt(r.states)}`).join(', ')}`;
  const text =
    kind === 'polynomial'
      ? `polynomial: the binomial degree estimates (r_k - 1)(k + 1) do not rise (${list(degrees)}): degree about ${d.toFixed(1)}${fc}`
      : `not polynomial so far: the binomial degree estimates (r_k - 1)(k + 1) rise (${list(degrees)}), as an exponential's do (about ${b.toFixed(2)}^k at the last ratio) or a polynomial's of degree above ${d.toFixed(1)}${fc}`;
  return { kind, ratios, degrees, last: kind === 'rising' ? b : d, forecast, text };
}

function fmt(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toPrecision(3)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n.toLocaleString('en-US');
}

/** Seconds as a reader takes them in: "125 s", "43 min", "7.2 h", "116 days". */
export function duration(seconds: number): string {
  if (seconds < 600) return `${seconds.toFixed(0)} s`;
  if (seconds < 3 * 3600) return `${(seconds / 60).toFixed(0)} min`;
  if (seconds < 3 * 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toPrecision(3)} days`;
}
