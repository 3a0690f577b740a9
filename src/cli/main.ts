/**
 * `mnc`: the command line.
 *
 * Exit codes: 0 every property holds (or, for `matrix`, every run completed); 1 a violation; 2 bad
 * input or usage; 3 incomplete (a bound was hit, Ctrl-C, or a counterexample failed its check on the
 * real states: a fingerprint collision); 70 an internal error (a bug in mnc).
 */
import { existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CORE_VERSIONS } from '../model/core/versions.ts';
import { DRIVERS } from '../model/drivers/index.ts';
import { applyVariant, builtinNames, loadBuiltin, loadScenarioFile, parseScenario, type ScenarioFile, type VariantOverride } from '../model/scenario-file.ts';
import { CORE_THREADS, ScenarioError, shippedVariant, type Scenario } from '../model/scenario.ts';
import { explain, KERNEL_PROPERTIES, scenarioModel } from '../properties/index.ts';
import { computeMatrix, formatMatrix, formatMatrixCounterexamples } from '../report/matrix.ts';
import { parseTrace, TraceError, traceJson } from '../report/json.ts';
import { replayTrace, violatedIn } from '../report/replay.ts';
import { runScenarioAsync, type RunOptions } from '../report/run.ts';
import { formatFinalState, formatSteps, formatTrace } from '../report/text.ts';
import { buildTrace, endOf, scenarioCommand, walkPath } from '../report/trace.ts';
import { CompareError, compareSides, formatComparison } from '../report/compare.ts';
import { makeProgress } from './progress.ts';
import { replay, ReplayError, type Strategy } from '../checker/index.ts';

export const EXIT = { ok: 0, violation: 1, usage: 2, incomplete: 3, internal: 70 } as const;

/** A user error: one line, exit 2. */
export class UsageError extends Error {}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

// ------------------------------------------------------------------------------------ helpers

function intArg(name: string, min: number) {
  return (v: string): number => {
    if (!/^-?\d+$/.test(v) || Number(v) < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${v}"`);
    return Number(v);
  };
}

function secondsArg(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0)) throw new InvalidArgumentError(`must be a number of seconds > 0, got "${v}"`);
  return n;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** A scenario argument: a path to a .json file, or the name of a built-in scenario. */
export function loadScenarioArg(arg: string): ScenarioFile {
  if (arg.endsWith('.json') || arg.includes('/') || existsSync(arg)) return loadScenarioFile(arg);
  if (!builtinNames().includes(arg)) {
    throw new UsageError(`unknown scenario "${arg}": not a file, and no built-in scenario has that name (built-in: ${builtinNames().join(', ')})`);
  }
  return loadBuiltin(arg);
}

/** The scenario file with its `--variant` applied (or as written). */
function withVariant(sf: ScenarioFile, variant: string | undefined): Scenario {
  if (variant === undefined) return sf;
  const v = sf.variants?.[variant];
  if (!v) throw new UsageError(`--variant ${variant}: scenario ${sf.name} has ${sf.variants ? `the variants ${Object.keys(sf.variants).join(', ')}` : 'no variants'}`);
  return applyVariant(sf, v, variant);
}

/** Check early that an output file can be written, so a long run does not end in an error. */
function checkWritable(path: string | undefined, flag: string): void {
  if (path === undefined) return;
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${path}: directory ${dir} does not exist`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${flag} ${path}: is a directory`);
}

/** Write a file all at once: a temporary file renamed into place, never a half-written file. */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
    throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function overrides(o: { core?: string; driver?: string[] }): VariantOverride {
  const drivers: Record<string, string> = {};
  for (const d of o.driver ?? []) {
    const [name, variant, extra] = d.split('@');
    if (!name || !variant || extra !== undefined) throw new UsageError(`--driver ${d}: expected name@variant, e.g. amdgpu@clarify`);
    const def = DRIVERS[name];
    if (!def) throw new UsageError(`--driver ${d}: unknown driver "${name}" (drivers: ${Object.keys(DRIVERS).join(', ')})`);
    if (!def.variants[variant]) throw new UsageError(`--driver ${d}: ${name} has no variant "${variant}" (variants: ${Object.keys(def.variants).join(', ')})`);
    drivers[name] = variant;
  }
  if (o.core !== undefined && !CORE_VERSIONS[o.core]) throw new UsageError(`--core ${o.core}: unknown core version (known: ${Object.keys(CORE_VERSIONS).join(', ')})`);
  return { ...(o.core === undefined ? {} : { core: o.core }), drivers };
}

function checkProperties(names: string[] | undefined): void {
  for (const p of names ?? []) {
    if (!KERNEL_PROPERTIES.some((k) => k.name === p)) throw new UsageError(`--property ${p}: unknown property (properties: ${KERNEL_PROPERTIES.map((k) => k.name).join(', ')})`);
  }
}

/** The flags that say which scenario is checked, and how: shared by `check` and `replay --token`. */
interface ScenarioFlags {
  variant?: string;
  core?: string;
  driver?: string[];
  property?: string[];
  coalesce: boolean;
}

/**
 * The scenario an argument and its flags name: the file or built-in, its `--variant`, then
 * `--core`/`--driver` (validated as a file is); and the arguments that name it again, for replay lines.
 */
function scenarioOf(arg: string, f: ScenarioFlags): { file: ScenarioFile; scenario: Scenario; command: string[] } {
  checkProperties(f.property);
  const sf = loadScenarioArg(arg);
  let sc = withVariant(sf, f.variant);
  const o = overrides(f);
  if (o.core || Object.keys(o.drivers ?? {}).length) sc = applyVariant(sc, o, 'command line');
  if (sc !== sf) loadCheck(sc);
  const command = scenarioCommand(arg, {
    ...(f.variant === undefined ? {} : { variant: f.variant }),
    ...(f.core === undefined ? {} : { core: f.core }),
    ...(f.driver ? { drivers: f.driver } : {}),
    ...(f.property ? { properties: f.property } : {}),
    coalesce: f.coalesce,
  });
  return { file: sf, scenario: sc, command };
}

// ------------------------------------------------------------------------------------ commands

interface CheckFlags extends ScenarioFlags {
  all?: boolean;
  strategy?: Strategy;
  seed?: number;
  walks?: number;
  maxStates?: number;
  maxDepth?: number;
  time?: number;
  json?: string;
  html?: string;
  quiet?: boolean;
}

async function cmdCheck(io: Io, arg: string, f: CheckFlags): Promise<number> {
  checkWritable(f.json, '--json');
  checkWritable(f.html, '--html');
  const { file: sf, scenario: sc, command } = scenarioOf(arg, f);
  const label = sf.name;
  const ac = new AbortController();
  let interrupts = 0;
  const onInt = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    io.err('mnc: interrupted: stopping and reporting what was explored (Ctrl-C again to quit at once)');
    ac.abort();
  };
  process.on('SIGINT', onInt);
  const progress = makeProgress(label, process.stderr, { quiet: f.quiet === true });
  const ro: RunOptions = {
    // Without --all, stop at the first violation (breadth-first: a shortest counterexample).
    findAll: f.all === true,
    coalesce: f.coalesce,
    ...(f.property ? { properties: f.property } : {}),
    ...(f.strategy ? { strategy: f.strategy } : {}),
    ...(f.seed !== undefined ? { seed: f.seed } : {}),
    ...(f.walks !== undefined ? { walks: f.walks } : {}),
    ...(f.maxStates !== undefined ? { maxStates: f.maxStates } : {}),
    ...(f.maxDepth !== undefined ? { maxDepth: f.maxDepth } : {}),
    ...(f.time !== undefined ? { timeMs: f.time * 1000 } : {}),
    signal: ac.signal,
    onProgress: (p) => progress.update(p),
    progressIntervalMs: 200,
  };
  let run;
  try {
    run = await runScenarioAsync(sc, ro, f.variant);
  } finally {
    progress.done();
    process.off('SIGINT', onInt);
  }
  // One trace, built once: the text, the JSON file and the HTML page are views of it.
  const trace = buildTrace(run, command);
  io.out(formatTrace(trace));
  const n = trace.counterexamples.length;
  const what = n === 1 ? `the counterexample of ${trace.counterexamples[0]!.property}` : `${n} counterexamples`;
  if (n) {
    if (f.json) {
      writeAtomic(f.json, traceJson(trace));
      io.err(`mnc: trace of ${what} written to ${f.json}`);
    }
    if (f.html) {
      const { renderHtml } = await import('../report/html.ts');
      writeAtomic(f.html, renderHtml(trace));
      io.err(`mnc: trace viewer of ${what} written to ${f.html}`);
    }
  } else if (f.json || f.html) {
    io.err('mnc: no violation was found, so there is no trace to write');
  }
  if (n) return EXIT.violation;
  return run.result.status === 'incomplete' ? EXIT.incomplete : EXIT.ok;
}

/** Validate a scenario changed on the command line exactly as a file is validated. */
function loadCheck(sc: Scenario): void {
  parseScenario(JSON.stringify(sc), 'command line');
}

function cmdList(io: Io): number {
  const out: string[] = ['Built-in scenarios (mnc check NAME [--variant V]):'];
  for (const n of builtinNames()) {
    const sf = loadBuiltin(n);
    out.push(`  ${n}${sf.variants ? `  [variants: ${Object.keys(sf.variants).join(', ')}]` : ''}`);
    if (sf.description) out.push(`      ${sf.description}`);
  }
  out.push('', 'Core versions (--core):');
  for (const v of Object.values(CORE_VERSIONS)) {
    out.push(`  ${v.name}`, `      ${v.description}`);
    const shipped = Object.keys(DRIVERS)
      .sort()
      .map((d) => `${d}@${shippedVariant(v, d)}`);
    out.push(`      drivers as this kernel shipped them (a notifier named without @variant): ${shipped.join(', ')}`);
    for (const [d, s] of Object.entries(v.ships ?? {})) out.push(`        ${d}@${s.variant}: ${s.why}`);
  }
  out.push('', 'Drivers and their variants (--driver name@variant):');
  for (const d of Object.values(DRIVERS)) {
    out.push(`  ${d.name}: ${d.description}`);
    for (const [vn, v] of Object.entries(d.variants)) out.push(`    @${vn}: ${v.description}`);
    // Threads the driver contributes, once each, with the variants that have them when not all do.
    const kinds = new Map<string, { description: string; params: string[]; variants: string[] }>();
    for (const [vn, v] of Object.entries(d.variants)) {
      for (const [tk, t] of Object.entries(v.threads ?? {})) {
        const k = kinds.get(tk) ?? { description: t.description, params: Object.keys(t.params ?? {}), variants: [] };
        k.variants.push(vn);
        kinds.set(tk, k);
      }
    }
    const all = Object.keys(d.variants).length;
    // Notifier parameters (a scenario's notifiers[i].params), once each, with the variants that take them when not all do.
    const nparams = new Map<string, { description: string; variants: string[] }>();
    for (const [vn, v] of Object.entries(d.variants)) {
      for (const [pn, pd] of Object.entries(v.params ?? {})) {
        const e = nparams.get(pn) ?? { description: pd, variants: [] };
        e.variants.push(vn);
        nparams.set(pn, e);
      }
    }
    for (const [pn, e] of nparams) {
      const only = e.variants.length < all ? ` [variants ${e.variants.join(', ')}]` : '';
      out.push(`    notifier param ${pn}${only}: ${e.description}`);
    }
    for (const [tk, k] of kinds) {
      const only = k.variants.length < all ? ` [variants ${k.variants.join(', ')}]` : '';
      out.push(`    thread ${d.name}:${tk}${k.params.length ? ` (${k.params.join(', ')})` : ''}${only}: ${k.description}`);
    }
  }
  out.push('', 'Core threads (scenario "threads": [{ "kind": ... }]):');
  for (const [k, t] of Object.entries(CORE_THREADS)) out.push(`  ${k}${Object.keys(t.params).length ? ` (${Object.keys(t.params).join(', ')})` : ''}: ${t.description}`);
  out.push('', 'Properties (--property):');
  for (const p of KERNEL_PROPERTIES) out.push(`  ${p.name}: ${p.summary}`);
  io.out(out.join('\n'));
  return EXIT.ok;
}

async function cmdMatrix(io: Io, f: { json?: string; scenario?: string[]; coalesce: boolean; maxStates?: number; time?: number; quiet?: boolean; all?: boolean }): Promise<number> {
  checkWritable(f.json, '--json');
  for (const s of f.scenario ?? []) if (!builtinNames().includes(s)) throw new UsageError(`--scenario ${s}: no built-in scenario has this name (built-in: ${builtinNames().join(', ')})`);
  const rows = computeMatrix({
    coalesce: f.coalesce,
    ...(f.scenario ? { scenarios: f.scenario } : {}),
    ...(f.maxStates !== undefined ? { maxStates: f.maxStates } : {}),
    ...(f.time !== undefined ? { timeMs: f.time * 1000 } : {}),
    onRow: (r) => {
      if (!f.quiet) io.err(`mnc: ${r.scenario}${r.variant ? ` @ ${r.variant}` : ''}: ${r.status}, ${r.states} states, ${r.seconds.toFixed(1)} s`);
    },
  });
  io.out(formatMatrix(rows));
  if (f.all) {
    const all = formatMatrixCounterexamples(rows);
    if (all) io.out(all);
  }
  if (f.json) {
    const data = rows.map((r) => ({ scenario: r.scenario, variant: r.variant ?? null, status: r.status, states: r.states, seconds: Number(r.seconds.toFixed(3)), verdicts: r.verdicts }));
    writeAtomic(f.json, `${JSON.stringify({ format: 'mnc-matrix', version: 1, rows: data }, null, 2)}\n`);
  }
  return rows.some((r) => r.status.startsWith('incomplete')) ? EXIT.incomplete : EXIT.ok;
}

async function cmdCompare(io: Io, scenarios: string[], f: { before: string; after: string; coalesce: boolean; quiet?: boolean; all?: boolean }): Promise<number> {
  const names = scenarios.length ? scenarios : builtinNames();
  const inputs = names.map((arg) => ({ file: loadScenarioArg(arg), arg }));
  const cmp = compareSides(inputs, f.before, f.after, { coalesce: f.coalesce }, (msg) => {
    if (!f.quiet) io.err(`mnc: ${msg}`);
  });
  io.out(formatComparison(cmp, f.all === true));
  if (cmp.pairs.some((p) => p.incomplete)) return EXIT.incomplete;
  return cmp.pairs.some((p) => p.introduced.length) ? EXIT.violation : EXIT.ok;
}

function cmdReplay(io: Io, arg: string, f: ScenarioFlags & { token?: string }): number {
  if (f.token !== undefined) return replayToken(io, arg, f.token, f);
  let text: string;
  try {
    text = readFileSync(arg, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read trace ${arg}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`trace ${arg} is not valid JSON (${(e as Error).message})`);
  }
  if (f.variant !== undefined || f.core !== undefined || f.driver || f.property || !f.coalesce) {
    throw new UsageError('--variant, --core, --driver, --property and --no-coalesce go with --token; a trace file records its scenario and options');
  }
  const trace = parseTrace(data, arg);
  const r = replayTrace(trace);
  const n = r.outcomes.length;
  const which = (k: number, property: string): string => (n === 1 ? `(${property})` : `(counterexample ${k + 1} of ${n}, ${property})`);
  r.outcomes.forEach((o, k) => {
    if (o.status === 'diverged') throw new UsageError(`replay of ${arg} diverged at step ${o.step} ${which(k, o.property)}: ${o.reason}`);
    if (o.status === 'not-reproduced') throw new UsageError(`replay of ${arg} followed every step but does not reproduce ${o.property} ${which(k, o.property)}: ${o.reason}`);
  });
  const out = [
    `replayed ${n === 1 ? 'the counterexample' : `all ${n} counterexamples`} of ${trace.scenario.name}${trace.variant ? ` (variant ${trace.variant})` : ''} from ${arg}`,
    r.version === 1
      ? 'this is a version-1 trace: its states are checked by fingerprints only (64-bit hashes; a collision would go unnoticed); mnc check --json now writes version 2, which records every state in full'
      : 'every state, initial and after each step, matches its recorded full encoding',
  ];
  for (const o of r.outcomes) {
    if (o.status !== 'confirmed') continue;
    out.push('', `the violation of ${o.property} is confirmed (${o.steps} ${o.steps === 1 ? 'step' : 'steps'}):`, o.finding.header, ...o.finding.details);
  }
  io.out(out.join('\n'));
  return EXIT.violation;
}

/** `mnc replay --token T SCENARIO [flags]`: re-run the path a report's replay token names and show it. */
function replayToken(io: Io, scenarioArg: string, token: string, f: ScenarioFlags): number {
  const { file: sf, scenario: sc } = scenarioOf(scenarioArg, f);
  const m = scenarioModel(sc, { coalesce: f.coalesce, ...(f.property ? { names: f.property } : {}) });
  let path;
  try {
    path = replay(m, token);
  } catch (e) {
    if (e instanceof ReplayError || /^malformed replay token/.test((e as Error).message)) throw new UsageError((e as Error).message);
    throw e;
  }
  const { steps, last } = walkPath(m, path);
  const violated = violatedIn(m, last);
  const out = [`replayed ${path.steps.length} steps of ${sf.name}${f.variant ? ` (variant ${f.variant})` : ''}:`, ...formatSteps(steps), '', 'State at the end:', ...formatFinalState(endOf(m, last)).map((l) => `  ${l}`)];
  for (const name of violated) {
    const fd = explain(m, name, last);
    out.push('', `violated in the last state: ${name}`, fd.header, ...fd.details);
  }
  if (!violated.length) {
    out.push('', 'no property is violated in the last state, nor by what can follow it (a liveness cycle is not in a token: replay the --json trace, or run mnc check).');
  }
  io.out(out.join('\n'));
  return violated.length ? EXIT.violation : EXIT.ok;
}

// ------------------------------------------------------------------------------------ program

export function buildCli(io: Io, setCode: (c: number) => void): Command {
  const program = new Command();
  program
    .name('mnc')
    .description('mmu-notifier-checker: explores every interleaving of the Linux mmu_notifier blockable protocol and the OOM reaper')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
      outputError: (s, write) => write(`mnc: ${s.replace(/^error: /, '')}`),
    })
    .showHelpAfterError(false);

  program.command('list').description('list the built-in scenarios, core versions, drivers with their variants and threads, and properties').action(() => setCode(cmdList(io)));

  program
    .command('check')
    .description('check one scenario (a built-in name or a .json file): stop at the first violation and print its trace; with --all, decide every property and print a counterexample of each violated one')
    .argument('<scenario>', 'built-in scenario name or path to a scenario .json file')
    .option('--variant <label>', "check one of the scenario file's variants")
    .option('--core <version>', `kernel core version (${Object.keys(CORE_VERSIONS).join(', ')})`)
    .option('--driver <name@variant>', 'use this variant for every notifier of that driver (repeatable)', collect)
    .option('--property <name>', 'check only this property (repeatable)', collect)
    .option('--all', 'go on after the first violation until every property is decided; report a counterexample of each violated property (breadth-first: a shortest one)')
    .addOption(new Option('--strategy <s>', 'search strategy').choices(['bfs', 'dfs', 'random']))
    .option('--seed <n>', 'seed of the random strategy', intArg('--seed', -2147483648))
    .option('--walks <n>', 'random strategy: number of walks', intArg('--walks', 1))
    .option('--max-states <n>', 'stop after this many distinct states (result: incomplete)', intArg('--max-states', 1))
    .option('--max-depth <n>', 'do not expand states deeper than this (result: incomplete)', intArg('--max-depth', 0))
    .option('--time <seconds>', 'stop after this many seconds (result: incomplete)', secondsArg)
    .option('--json <file>', 'write every counterexample found as a JSON trace (docs/trace-format.md)')
    .option('--html <file>', 'write every counterexample found as a self-contained HTML trace viewer')
    .option('--no-coalesce', 'one transition per C statement: no reduction, slower (npm run verify:reduction checks the reduction against it)')
    .option('-q, --quiet', 'no progress display')
    .action(async (arg: string, f: CheckFlags) => setCode(await cmdCheck(io, arg, f)));

  program
    .command('matrix')
    .description('the main job: run every built-in scenario in every variant and print the verdict table')
    .option('--scenario <name>', 'only this built-in scenario (repeatable)', collect)
    .option('--json <file>', 'also write the matrix as JSON')
    .option('--max-states <n>', 'bound each run (result: incomplete)', intArg('--max-states', 1))
    .option('--time <seconds>', 'bound each run (result: incomplete)', secondsArg)
    .option('--all', 'after the table, print every counterexample of every run in full')
    .option('--no-coalesce', 'one transition per C statement: no reduction, slower (npm run verify:reduction checks the reduction against it)')
    .option('-q, --quiet', 'no per-run progress lines')
    .action(async (f) => setCode(await cmdMatrix(io, f)));

  program
    .command('compare')
    .description('the patch review view: which counterexamples a change removes and which it introduces, over the same scenarios')
    .requiredOption('--before <side>', 'a core version, a driver@variant, or a scenario variant label')
    .requiredOption('--after <side>', 'a core version, a driver@variant, or a scenario variant label')
    .argument('[scenario...]', 'scenarios (default: every built-in scenario the two sides apply to)')
    .option('--all', 'after the table, print the counterexample of every finding removed and introduced in full')
    .option('--no-coalesce', 'one transition per C statement: no reduction, slower (npm run verify:reduction checks the reduction against it)')
    .option('-q, --quiet', 'no per-run progress lines')
    .action(async (scs: string[], f) => setCode(await cmdCompare(io, scs, f)));

  program
    .command('replay')
    .description('re-execute a JSON trace step by step and confirm its violation; or, with --token, re-run the path a report\'s replay token names')
    .argument('<trace-or-scenario>', 'a trace written by mnc check --json; with --token, the scenario (name or file)')
    .option('--token <token>', 'the replay token printed at the end of a counterexample (which prints the whole command)')
    .option('--variant <label>', 'with --token: the scenario variant the token was printed for')
    .option('--core <version>', 'with --token: the core version the run was given')
    .option('--driver <name@variant>', 'with --token: a driver variant the run was given (repeatable)', collect)
    .option('--property <name>', 'with --token: a property the run was limited to (repeatable)', collect)
    .option('--no-coalesce', 'with --token: the token was printed by a run with --no-coalesce')
    .action((arg: string, f: ScenarioFlags & { token?: string }) => setCode(cmdReplay(io, arg, f)));

  return program;
}

/** Run the command line; returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) }): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildCli(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      // commander already printed its one-line message ("error: unknown option ...").
      return EXIT.usage;
    }
    if (e instanceof UsageError || e instanceof ScenarioError || e instanceof TraceError || e instanceof CompareError) {
      io.err(`mnc: ${e.message}`);
      return EXIT.usage;
    }
    const err = e as Error;
    io.err(
      `mnc: internal error: ${err.message}\nThis is a bug in mnc, not in your scenario. Please report it with the command line you ran and this text:\n${err.stack ?? ''}`,
    );
    return EXIT.internal;
  }
}
