/**
 * The progress display on stderr: on a terminal, one line redrawn in place once a run has taken
 * about a second; elsewhere (CI logs, pipes), one plain line every few seconds at most.
 */
import type { Progress } from '../checker/index.ts';

export interface ProgressSink {
  update(p: Progress): void;
  /** Erase the line (terminal) before other output. */
  done(): void;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export function progressLine(label: string, p: Progress): string {
  return `${label}: ${fmt(p.states)} states, ${fmt(p.statesPerSecond)} states/s, depth ${p.depth}, frontier ${fmt(p.frontier)}, ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

export function makeProgress(label: string, stream: NodeJS.WriteStream = process.stderr, options: { quiet?: boolean } = {}): ProgressSink {
  if (options.quiet) return { update: () => {}, done: () => {} };
  const tty = stream.isTTY === true;
  let lastPlain = 0;
  let drawn = false;
  return {
    update(p) {
      if (p.elapsedMs < 1000) return;
      const line = progressLine(label, p);
      if (tty) {
        const width = (stream.columns ?? 100) - 1;
        stream.write(`\r${line.slice(0, width).padEnd(Math.min(width, line.length))}\x1b[K`);
        drawn = true;
      } else if (p.elapsedMs - lastPlain >= 5000) {
        stream.write(`${line}\n`);
        lastPlain = p.elapsedMs;
      }
    },
    done() {
      if (tty && drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
