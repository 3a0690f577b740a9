/**
 * Colour on a terminal: FAIL red, ok green, ? and INCOMPLETE yellow, a finding's header bold red.
 * Only when standard output is a terminal, `NO_COLOR` is unset or empty (https://no-color.org) and
 * `TERM` is not `dumb`; `FORCE_COLOR` (set, not `0`) forces it. The reports themselves are plain
 * text: colour is added here, on the way out, so files, pipes and tests never see escape codes.
 */
const SGR = { red: '31', green: '32', yellow: '33', boldRed: '1;31', bold: '1' } as const;
export type Colour = keyof typeof SGR;

/** Whether to colour what goes to a stream. */
export function wantColour(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export type Paint = (text: string, c: Colour) => string;

export const paintWith = (on: boolean): Paint => (on ? (t, c) => `\x1b[${SGR[c]}m${t}\x1b[0m` : (t) => t);

/** A verdict mark (`ok`, `FAIL`, `?`, `-`) in its colour. */
export function mark(p: Paint): (m: string) => string {
  return (m) => (m === 'FAIL' ? p(m, 'red') : m === 'ok' ? p(m, 'green') : m === '?' ? p(m, 'yellow') : m);
}

/** A check or replay report: the verdict column, the INCOMPLETE line and every finding's header. */
export function paintReport(text: string, p: Paint): string {
  const lines = text.split('\n');
  return lines
    .map((l, i) => {
      const v = /^( {2})(ok|FAIL|\?)( +)(\S.*)$/.exec(l);
      if (v) return `${v[1]}${mark(p)(v[2]!)}${v[3]}${v[4]}`;
      if (/^INCOMPLETE:/.test(l)) return p(l, 'yellow');
      // A finding's header sits between two rules of '='.
      if (i > 0 && /^=+$/.test(lines[i - 1]!) && /^=+$/.test(lines[i + 1] ?? '')) return p(l, 'boldRed');
      return l;
    })
    .join('\n');
}

/** The comparison table: what the change removes (a patch fixes) green, what it introduces red. */
export function paintComparison(text: string, p: Paint): string {
  return text
    .split('\n')
    .map((l) => (/^ {2}- (removed|fixed):/.test(l) ? p(l, 'green') : /^ {2}\+ introduced:/.test(l) ? p(l, 'red') : /\(INCOMPLETE/.test(l) ? p(l, 'yellow') : l))
    .join('\n');
}
