/**
 * Mutants of the kernel model's encoder, for test/model/encoding.test.ts: each one removes one line
 * of `encodeValue`, of `encodeLock` or of a KernelModel method the encoding is written by ({@link ENCODER_FNS}, in
 * src/model/kernel-model.ts; a line calling one of the methods counts as emitting) that contributes to the
 * encoding. The lines are found in the source text when the test runs, so the mutants follow the
 * file as it changes.
 *
 * A line that emits (calls `e.int`, `e.str`, `e.bool`, `encodeValue` or `encodeLock`) is deleted. Where deleting
 * it would not parse (`} else e.int(0);`, `if (v === null) e.int(0);` before an `else`), only its
 * emitting statements are removed (`} else {}`). A structure line cannot be deleted without breaking
 * the syntax, so it is neutralised instead, which removes what it governs: a loop header or an `if`
 * header becomes `if (false) {` (the body never runs), `} else {` becomes `} else if (false) {`, a
 * `switch` gets a discriminant no case matches; a `case` label or a `break` is deleted. A `break`
 * that ends the last case changes nothing when deleted and is not a mutant; nor are declarations
 * (`const l = ...`), which emit nothing.
 */
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

export type SiteKind = 'emit' | 'loop' | 'branch' | 'switch' | 'case' | 'break';

export interface MutationSite {
  /** 1-based line number in the source. */
  readonly line: number;
  /** The line, trimmed. */
  readonly text: string;
  /** The function: one of {@link ENCODER_FNS}. */
  readonly fn: string;
  readonly kind: SiteKind;
  /** The line in the mutant ('' when it is deleted). */
  readonly replacement: string;
}

export interface EncoderLines {
  readonly sites: readonly MutationSite[];
  /** Lines of the two functions that are not mutated, with why. */
  readonly skipped: readonly { readonly line: number; readonly text: string; readonly why: string }[];
}

/** The functions that write the canonical encoding (`encode` also hashes the parts of a fingerprint with them). */
export const ENCODER_FNS = ['encodeValue', 'encodeLock', 'encodeAll', 'encodeThread', 'threadHeader', 'encodeFrame', 'encodeMem', 'encodeLocks', 'encodePairs'] as const;
/** The encoder functions that are module-level functions (the others are KernelModel methods). */
const TOP_LEVEL: readonly string[] = ['encodeValue', 'encodeLock'];
const PARTS = 'encodeThread|threadHeader|encodeFrame|encodeMem|encodeLocks|encodePairs';
const EMIT = new RegExp(`\\b(?:e\\.(?:int|str|bool)|encodeValue|encodeLock|this\\.(?:${PARTS}))\\(`);
const EMIT_STATEMENT = new RegExp(`\\b(?:e\\.(?:int|str|bool)|encodeValue|encodeLock|this\\.(?:${PARTS}))\\((?:[^()]|\\([^()]*\\))*\\);`, 'g');

/** Syntax errors of a TypeScript module text (none: the empty list). */
export function syntaxErrors(text: string): string[] {
  const r = ts.transpileModule(text, { reportDiagnostics: true, fileName: 'mutant.ts', compilerOptions: { target: ts.ScriptTarget.ES2022 } });
  return (r.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** The lines `[first, last]` (0-based) of the one block that starts on a line matching `start`. */
function block(lines: readonly string[], start: RegExp, what: string): [number, number] {
  const at = lines.flatMap((l, i) => (start.test(l) ? [i] : []));
  if (at.length !== 1) throw new Error(`kernel-model.ts: expected one ${what}, found ${at.length} (renamed or restructured? update test/model/encoder-mutants.ts)`);
  let depth = 0;
  for (let i = at[0]!; i < lines.length; i++) {
    for (const ch of lines[i]!) depth += ch === '{' ? 1 : ch === '}' ? -1 : 0;
    if (depth === 0) {
      if (i === at[0]) throw new Error(`kernel-model.ts: ${what} is not a block`);
      return [at[0]!, i];
    }
  }
  throw new Error(`kernel-model.ts: ${what} never ends`);
}

/** The mutation sites of the encoder in `source` (the text of kernel-model.ts). */
export function encoderLines(source: string): EncoderLines {
  const lines = source.split('\n');
  const sites: MutationSite[] = [];
  const skipped: { line: number; text: string; why: string }[] = [];
  const fns: [string, RegExp][] = ENCODER_FNS.map((f) => [f, TOP_LEVEL.includes(f) ? new RegExp(`^function ${f}\\(`) : new RegExp(`^\\s+private ${f}\\(`)]);
  for (const [fn, start] of fns) {
    const [first, last] = block(lines, start, `${fn} function`);
    for (let i = first + 1; i < last; i++) {
      const raw = lines[i]!;
      const text = raw.trim();
      const indent = raw.slice(0, raw.length - raw.trimStart().length);
      const site = (kind: SiteKind, replacement: string): void => void sites.push({ line: i + 1, text, fn, kind, replacement });
      const skip = (why: string): void => void skipped.push({ line: i + 1, text, why });
      let m: RegExpMatchArray | null;
      if (text === '' || text.startsWith('//')) continue;
      if (/^\}[;,)]*$/.test(text)) continue;
      if (EMIT.test(text)) {
        const without = [...lines];
        without[i] = '';
        if (!syntaxErrors(without.join('\n')).length) site('emit', '');
        else site('emit', raw.replace(EMIT_STATEMENT, '{}'));
      } else if (/^for \(.*\) \{$/.test(text)) site('loop', `${indent}if (false) {`);
      else if ((m = /^((?:\} )?(?:else )?)if \(.*\) \{$/.exec(text))) site('branch', `${indent}${m[1]}if (false) {`);
      else if (text === '} else {') site('branch', `${indent}} else if (false) {`);
      else if (/^switch \(.*\) \{$/.test(text)) site('switch', `${indent}switch (undefined) {`);
      else if (/^(case .*|default):$/.test(text)) site('case', '');
      else if (text === 'break;') {
        const after = lines.slice(i + 1).find((l) => l.trim() !== '')!.trim();
        if (after.startsWith('}')) skip('a break that ends the last case: deleting it changes nothing');
        else site('break', '');
      } else if (/^(const|let) /.test(text)) skip('a declaration: emits nothing');
      else throw new Error(`kernel-model.ts:${i + 1}: an encoder line of a kind the mutation test does not know: ${text} (update test/model/encoder-mutants.ts)`);
    }
  }
  return { sites, skipped };
}

/**
 * The text of the module with one site mutated, its relative imports made absolute `file:` URLs of
 * the real modules (next to `modulePath`), so that it can be loaded from anywhere. Throws if the
 * mutant does not parse.
 */
export function mutantSource(source: string, site: MutationSite | undefined, modulePath: string): string {
  const lines = source.split('\n');
  if (site) lines[site.line - 1] = site.replacement;
  const text = lines.join('\n').replace(/(\bfrom\s+|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\2/g, (_, kw: string, q: string, rel: string) => `${kw}${q}${pathToFileURL(resolve(dirname(modulePath), rel)).href}${q}`);
  if (/(['"])\.{1,2}\//.test(text)) throw new Error('a relative import is left in the mutant');
  const errs = syntaxErrors(text);
  if (errs.length) throw new Error(`the mutant of line ${site?.line} does not parse: ${errs.join('; ')}`);
  return text;
}
