/**
 * `assertModel`: the vitest-friendly form of `check`, in the way fast-check's `assert` wraps its
 * `check`: it returns quietly when every property holds over the whole space, and otherwise
 * throws an Error whose message is the formatted result (counterexample, replay token, stats).
 */
import type { Model } from './model.ts';
import type { CheckOptions, CheckResult } from './result.ts';
import { check } from './check.ts';
import { formatResult } from './format.ts';

/** Thrown by {@link assertModel}; carries the result it formatted. */
export class ModelCheckError<S = unknown, A = unknown> extends Error {
  readonly result: CheckResult<S, A>;
  constructor(message: string, result: CheckResult<S, A>) {
    super(message);
    this.name = 'ModelCheckError';
    this.result = result;
  }
}

/**
 * Check `model` and throw a {@link ModelCheckError} unless the result is `pass`: on a violation
 * and on an incomplete exploration alike (a bound that stopped the search is not a pass).
 * Returns the passing result.
 */
export function assertModel<S, A>(model: Model<S, A>, options: CheckOptions = {}): CheckResult<S, A> & { status: 'pass' } {
  const result = check(model, options);
  if (result.status !== 'pass') throw new ModelCheckError(`\n${formatResult(model, result)}`, result);
  return result;
}
