/**
 * The progress display on stderr: on a terminal, one line redrawn in place once a run has taken
 * about a second; elsewhere (CI logs, pipes), one plain line every few seconds at most. A forecast
 * of the run's size (src/checker/forecast.ts), when one arrives, is printed once on a line of its
 * own and then noted at the end of the progress line.
 */
import type { Forecast, Progress } from '../checker/index.ts';

export interface ProgressSink {
  update(p: Progress): void;
  /** Show a forecast: once on a line of its own, then at the end of every progress line. */
  forecast(f: Forecast): void;
  /** Erase the line (terminal) before other output. */
  done(): void;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A count rounded to two significant digits: 42,000; 1,200,000. */
export function approx(n: number): string {
  if (n < 100) return fmt(n);
  const p = 10 ** (Math.floor(Math.log10(n)) - 1);
  return fmt(Math.round(n / p) * p);
}

/** A count in a few characters: 950, 42k, 1.2M. */
export function compact(n: number): string {
  if (n < 1000) return fmt(n);
  if (n < 1e6) return `${n < 10_000 ? (n / 1e3).toFixed(1).replace(/\.0$/, '') : Math.round(n / 1e3)}k`;
  return `${n < 1e7 ? (n / 1e6).toFixed(1).replace(/\.0$/, '') : Math.round(n / 1e6)}M`;
}

/** A duration for a reader deciding whether to wait: 0.4 s, 12 s, 3 min, 1.5 h, 2 days. */
export function duration(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${(seconds / 3600).toFixed(1).replace(/\.0$/, '')} h`;
  return `${Math.round(seconds / 86400)} days`;
}

export function progressLine(label: string, p: Progress): string {
  return `${label}: ${fmt(p.states)} states, ${fmt(p.statesPerSecond)} states/s, depth ${p.depth}, frontier ${fmt(p.frontier)}, ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

/**
 * The forecast's line: the estimate is a lower one (the module comment of src/checker/forecast.ts
 * says why), so it reads "at least", with the interval from the sample's variance beside it; the
 * time is the estimate at the run's own rate so far (`p`), when there is one.
 */
export function forecastLine(label: string, f: Forecast, p?: Progress): string {
  const rate = p !== undefined && p.elapsedMs > 0 ? (p.states * 1000) / p.elapsedMs : 0;
  const time =
    rate > 0
      ? f.states > p!.states
        ? `, at least ~${duration((f.states - p!.states) / rate)} more at this run's ${fmt(rate)} states/s`
        : `; this run has already recorded ${fmt(p!.states)}`
      : '';
  const spread = f.low === f.high ? '' : `, ${approx(f.low)}-${approx(f.high)} by their variance`;
  return `${label}: forecast: at least ~${approx(f.states)} states${time} (a lower estimate from ${fmt(f.walks)} random walks${spread}; the whole space can be many times larger)`;
}

/** The forecast's note at the end of a progress line. */
export function forecastNote(f: Forecast, p: Progress): string {
  return p.states > f.states ? `, past the forecast (~${compact(f.states)})` : `, forecast >= ~${compact(f.states)}`;
}

export function makeProgress(label: string, stream: NodeJS.WriteStream = process.stderr, options: { quiet?: boolean } = {}): ProgressSink {
  if (options.quiet) return { update: () => {}, forecast: () => {}, done: () => {} };
  const tty = stream.isTTY === true;
  let lastPlain = 0;
  let drawn = false;
  let last: Progress | undefined;
  let fc: Forecast | undefined;
  const line = (p: Progress): string => progressLine(label, p) + (fc === undefined ? '' : forecastNote(fc, p));
  const draw = (p: Progress): void => {
    const text = line(p);
    const width = (stream.columns ?? 100) - 1;
    stream.write(`\r${text.slice(0, width).padEnd(Math.min(width, text.length))}\x1b[K`);
    drawn = true;
  };
  return {
    update(p) {
      if (p.elapsedMs < 1000) return;
      last = p;
      if (tty) draw(p);
      else if (p.elapsedMs - lastPlain >= 5000) {
        stream.write(`${line(p)}\n`);
        lastPlain = p.elapsedMs;
      }
    },
    forecast(f) {
      if (fc !== undefined) return;
      fc = f;
      if (tty && drawn) stream.write('\r\x1b[K');
      stream.write(`${forecastLine(label, f, last)}\n`);
      if (tty && last !== undefined) draw(last);
    },
    done() {
      if (tty && drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
