/**
 * The cases a `verify:*` script runs: the whole matrix (src/report/differential.ts,
 * differentialCases, with the examples), or those whose label contains one of the script's
 * arguments; none matching is one line and exit 2.
 */
import { join } from 'node:path';
import { differentialCases, type DifferentialCase } from '../src/report/differential.ts';

export function casesFromArgs(script: string): DifferentialCase[] {
  const filters = process.argv.slice(2);
  const cases = differentialCases(join(import.meta.dirname, '..', 'examples')).filter((c) => filters.length === 0 || filters.some((f) => c.label.includes(f)));
  if (cases.length === 0) {
    process.stderr.write(`${script}: no case matches ${filters.join(', ')}\n`);
    process.exit(2);
  }
  return cases;
}
