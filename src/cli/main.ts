/**
 * `mnc`: the command line.
 *
 * Exit codes: 0 every property holds (or, for `matrix`, every run completed); 1 a violation; 2 bad
 * input or usage; 3 incomplete (a bound was hit, Ctrl-C, or a counterexample failed its check on the
 * real states: a fingerprint collision); 70 an internal error (a bug in mnc).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CORE_VERSION_NAMES } from '../model/kernel/core/version-names.ts';
import { DeclareError, PatchError, ScenarioError } from '../model/kernel/errors.ts';
import { CompareError, TraceError } from '../report/errors.ts';
import type { CheckFlags, PatchFlags, ScenarioFlags } from './commands.ts';
import { EXIT, UsageError, type Io } from './errors.ts';
import { OutputError } from './output.ts';

export { EXIT, UsageError, type Io };

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

/** `--declare FILE`: one file (a second one would silently replace the first). */
const oneDeclare = (v: string, prev: string | undefined): string => {
  if (prev !== undefined) throw new InvalidArgumentError(`give one declaration file (${prev}, then ${v}): put every declared callee in it`);
  return v;
};
const DECLARE_HELP = 'a JSON file declaring the callees the patches call that the model does not have: whether each may sleep, the locks it takes, the fields it touches (docs/patches.md)';

/** The exit codes a command's --help lists (the same in README.md, "Exit codes"). */
function exitCodes(lines: readonly string[]): string {
  const all = [...lines, '70  an internal error: a bug in mnc (the message says how to report it)'];
  return ['', 'Exit codes:', ...all.flatMap((l) => wrap(l, 78).map((w, i) => `${i ? '      ' : '  '}${w}`))].join('\n');
}

/** Words of `text` in lines of at most `width` characters (the first), the rest indented by the caller. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const w of text.split(' ')) {
    const limit = out.length ? width - 4 : width;
    if (cur && cur.length + 1 + w.length > limit) {
      out.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) out.push(cur);
  return out;
}
const USAGE = '2   bad input or usage (one line on stderr says what and how to fix it; nothing is run or written)';

/** The commands, loaded when one runs: `mnc --help` and a usage error never load the model. */
const commands = (): Promise<typeof import('./commands.ts')> => import('./commands.ts');

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
    .showHelpAfterError(false)
    .addHelpText(
      'after',
      exitCodes([
        '0   check: every property checked holds; matrix: every run completed; compare: the change introduces no finding',
        '1   check, replay: a violation (confirmed); compare: the change introduces a finding',
        USAGE,
        '3   incomplete: a bound (--time, --max-states, --max-depth) or a signal (Ctrl-C, SIGTERM) stopped a run, or a counterexample failed its check on the real states',
      ]) + '\n\n`mnc COMMAND --help` describes each command; README.md lists every option, exit code\nand limit.',
    );

  program
    .command('list')
    .description('list the built-in scenarios, core versions, drivers with their variants and threads, and properties')
    .option('--json', 'print it as JSON (format mnc-list, version 1)')
    .addHelpText('after', exitCodes(['0   listed']))
    .action(async (f: { json?: boolean }) => setCode((await commands()).cmdList(io, f)));

  program
    .command('check')
    .description('check one scenario (a built-in name or a .json file): stop at the first violation and print its trace; with --all, decide every property and print a counterexample of each violated one')
    .argument('<scenario>', 'built-in scenario name, path to a scenario .json file, or - to read it from standard input')
    .option('--variant <label>', "check one of the scenario file's variants")
    .option('--core <version>', `kernel core version (${CORE_VERSION_NAMES.join(', ')})`)
    .option('--driver <name@variant>', 'use this variant for every notifier of that driver (repeatable)', collect)
    .option('--patch <file>', 'apply this patch (a git format-patch mail or a diff -u; docs/patches.md) to the functions the scenario runs, and check the patched code (repeatable: applied in order)', collect)
    .option('--declare <file>', DECLARE_HELP, oneDeclare)
    .option('--property <name>', 'check only this property, or one of its checks as reports name them (no-sleep:might-sleep, deadlock:partial:munmap) (repeatable)', collect)
    .option('--all', 'go on after the first violation until every property is decided; report a counterexample of each violated property (breadth-first: a shortest one)')
    .option('--first', "search depth-first and stop at the first violation (often far sooner than breadth-first), then shorten its counterexample by depth-bounded re-runs, as SPIN's pan -i does")
    .addOption(new Option('--strategy <s>', 'search strategy').choices(['bfs', 'dfs', 'random']))
    .option('--seed <n>', 'seed of the random strategy and of the forecast\'s walks', intArg('--seed', -2147483648))
    .option('--walks <n>', 'random strategy: number of walks', intArg('--walks', 1))
    .option('--max-states <n>', 'stop after this many distinct states (result: incomplete)', intArg('--max-states', 1))
    .option('--max-depth <n>', 'do not expand states deeper than this (result: incomplete)', intArg('--max-depth', 0))
    .option('--time <seconds>', 'stop after this many seconds (result: incomplete)', secondsArg)
    .option('--json <file>', 'write every counterexample found as a JSON trace (docs/trace-format.md); - for standard output')
    .option('--html <file>', 'write every counterexample found as a self-contained HTML trace viewer; - for standard output')
    .option('--no-coalesce', 'one transition per C statement: no reduction, slower (npm run verify:reduction checks the reduction against it)')
    .option('--no-symmetry', 'explore every order of identical threads (same kind and parameters) instead of one per permutation: slower; the same verdicts (npm run verify:reduction checks it)')
    .option('-j, --jobs <n>', 'explore on this many threads, the main thread and the rest worker threads (breadth-first only; default 1): the same states, transitions and verdicts; each counterexample is a shortest one, though with several threads not always the same one from run to run', intArg('--jobs', 1))
    .option('--forecast', 'only forecast the run: a lower estimate of its states from random walks and of its time from its first second; no verdict (exit 0)')
    .option('-q, --quiet', 'no progress display (nor the forecast it shows after a second)')
    .addHelpText(
      'after',
      exitCodes([
        '0   every property checked holds (a property that does not apply is listed as such); with --forecast, the forecast is printed',
        '1   a violation: its counterexample is printed (with --all, one per violated property)',
        USAGE,
        '3   incomplete: a bound (--time, --max-states, --max-depth), a signal (Ctrl-C, SIGTERM), the random strategy finding nothing, or a counterexample that failed its check on the real states; properties marked ? are undecided',
      ]),
    )
    .action(async (arg: string, f: CheckFlags) => {
      // A breadth-first run on several threads: its workers start loading the model now, beside
      // this thread's own loading and the scenario's reading (src/report/prepare-workers.ts).
      const parallel = (f.jobs ?? 1) > 1 && f.first !== true && f.forecast !== true && (f.strategy ?? 'bfs') === 'bfs';
      const prepared = parallel ? (await import('../report/prepare-workers.ts')).prepareWorkers(f.jobs!) : undefined;
      try {
        setCode(await (await commands()).cmdCheck(io, arg, f, prepared));
      } finally {
        await prepared?.close();
      }
    });

  program
    .command('matrix')
    .description('the main job: run every built-in scenario in every variant and print the verdict table')
    .option('--scenario <name>', 'only this built-in scenario (repeatable)', collect)
    .option('--core <version>', `run every scenario on this core version, each notifier on the driver variant the core calls where the scenario's implements other callbacks (as check --core does); a scenario the core cannot have is listed as not run (${CORE_VERSION_NAMES.join(', ')})`)
    .option('--json <file>', 'also write the matrix as JSON; - for standard output (the table then goes to standard error)')
    .option('--max-states <n>', 'bound each run (result: incomplete)', intArg('--max-states', 1))
    .option('--time <seconds>', 'bound each run (result: incomplete)', secondsArg)
    .option('--all', 'after the table, print every counterexample of every run in full')
    .option('--no-coalesce', 'one transition per C statement: no reduction, slower (npm run verify:reduction checks the reduction against it)')
    .option('-j, --jobs <n>', 'runs at a time, each on a worker thread (default: one per core)', intArg('--jobs', 1))
    .option('-q, --quiet', 'no per-run progress lines')
    .addHelpText('after', exitCodes(['0   every run completed (FAIL cells are findings, not errors)', USAGE, '3   a run was stopped by a bound, or a signal (Ctrl-C, SIGTERM) stopped the matrix: the table shows the runs made']))
    .action(async (f) => setCode(await (await commands()).cmdMatrix(io, f)));

  program
    .command('compare')
    .description('the patch review view: which counterexamples a change removes and which it introduces, over the same scenarios; the change is two sides (--before, --after) or patches as mailed (--patch)')
    .option('--before <side>', 'a core version, a driver@variant, or a scenario variant label; with --patch, the configuration the patches apply to (default: each scenario as configured)')
    .option('--after <side>', 'a core version, a driver@variant, or a scenario variant label (not with --patch)')
    .option('--patch <file>', 'compare each scenario with itself with this patch applied (a git format-patch mail or a diff -u; docs/patches.md): per check fixed, introduced or unchanged, and the counterexample of each finding introduced (repeatable: applied in order)', collect)
    .option('--declare <file>', DECLARE_HELP, oneDeclare)
    .argument('[scenario...]', 'scenarios (default: every built-in scenario the two sides apply to; with --patch, every built-in scenario that runs a function the patches change)')
    .option('--all', 'after the table, print the counterexample of every finding removed and introduced in full')
    .option('--json <file>', 'also write the comparison as JSON (each finding with its replay line); - for standard output (the table then goes to standard error)')
    .option('--max-states <n>', 'bound each run (result: incomplete)', intArg('--max-states', 1))
    .option('--time <seconds>', 'bound each run (result: incomplete)', secondsArg)
    .option('--no-coalesce', 'one transition per C statement: no reduction, slower (npm run verify:reduction checks the reduction against it)')
    .option('-j, --jobs <n>', 'runs at a time, each on a worker thread above 1 (default: 1, one run after the other)', intArg('--jobs', 1))
    .option('-q, --quiet', 'no per-run progress lines')
    .addHelpText('after', exitCodes(['0   the change introduces no finding', '1   the change introduces a finding', `${USAGE}; a patch that does not apply to any scenario compared`, '3   a side was stopped by a bound, or a signal (Ctrl-C, SIGTERM) stopped the comparison: the table shows what was compared']))
    .action(async (scs: string[], f) => setCode(await (await commands()).cmdCompare(io, scs, f)));

  program
    .command('history')
    .description('check one scenario on every core version, oldest first, and print which checks each finds violated: the history of a finding across kernels (each core runs the driver variants it calls where the scenario names ones it cannot, as check --core does, and says so)')
    .argument('<scenario>', 'built-in scenario name, path to a scenario .json file, or - to read it from standard input')
    .option('--variant <label>', "the scenario file's variant to run on each core")
    .option('--property <name>', 'only this property, or one of its checks (repeatable)', collect)
    .option('--max-states <n>', 'bound each run (result: incomplete)', intArg('--max-states', 1))
    .option('--time <seconds>', 'bound each run (result: incomplete)', secondsArg)
    .option('--no-coalesce', 'one transition per C statement: no reduction, slower (npm run verify:reduction checks the reduction against it)')
    .option('-q, --quiet', 'no per-run progress lines')
    .addHelpText('after', exitCodes(['0   every core\'s run completed: the table is printed (violations are information here, not the exit code)', USAGE, '3   a bound or a signal (Ctrl-C, SIGTERM) stopped a run: the table shows what was decided']))
    .action(async (arg: string, f) => setCode(await (await commands()).cmdHistory(io, arg, f)));

  program
    .command('patch')
    .description('apply a patch (a git format-patch mail or a diff -u) to the model and print, per hunk, the modelled function it changed with its new statement listing, or why it is outside the model; a hunk the model cannot take refuses the whole patch')
    .argument('<file>', 'the patch file, as mailed (headers included) or as diff -u wrote it')
    .option('--core <version>', `the core version whose functions the patch applies to (default: v4.19; ${CORE_VERSION_NAMES.join(', ')})`)
    .option('--driver <name@variant>', 'apply to this variant of the driver (repeatable; default: the variant the core version shipped)', collect)
    .option('--declare <file>', DECLARE_HELP, oneDeclare)
    .addHelpText('after', exitCodes(['0   the patch applies (hunks outside the model are listed, and do not stop it)', '2   a hunk is refused (the line names the hunk, the patch line and what the model lacks), the patch is malformed or cannot be read, or bad usage; nothing is applied']))
    .action(async (file: string, f: PatchFlags) => setCode((await commands()).cmdPatch(io, file, f)));

  program
    .command('replay')
    .description('re-execute a JSON trace step by step and confirm its violation; or, with --token, re-run the path a report\'s replay token names')
    .argument('<trace-or-scenario>', 'a trace written by mnc check --json; with --token, the scenario (name or file)')
    .option('--token <token>', 'the replay token printed at the end of a counterexample (which prints the whole command)')
    .option('--variant <label>', 'with --token: the scenario variant the token was printed for')
    .option('--core <version>', 'with --token: the core version the run was given')
    .option('--driver <name@variant>', 'with --token: a driver variant the run was given (repeatable)', collect)
    .option('--patch <file>', 'with --token: a patch the run applied (repeatable, in the same order); a trace file re-applies its own', collect)
    .option('--declare <file>', 'with --token: the declarations the run was given; a trace file reads its own again', oneDeclare)
    .option('--property <name>', 'with --token: a property the run was limited to (repeatable)', collect)
    .option('--no-coalesce', 'with --token: the token was printed by a run with --no-coalesce')
    .addHelpText(
      'after',
      exitCodes([
        '0   with --token: no property is violated in the last state',
        '1   every counterexample of the trace is confirmed; with --token: a property is violated in the last state',
        '2   the replay diverged or does not reproduce the violation (the line names the counterexample, the step and why), or bad input',
      ]),
    )
    .action(async (arg: string, f: ScenarioFlags & { token?: string }) => setCode((await commands()).cmdReplay(io, arg, f)));

  return program;
}

/** Run the command line; returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`), colour: 'auto' }): Promise<number> {
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
    if (e instanceof UsageError || e instanceof ScenarioError || e instanceof PatchError || e instanceof DeclareError || e instanceof TraceError || e instanceof CompareError || e instanceof OutputError) {
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
