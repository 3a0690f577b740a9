/**
 * The exploration engine's public API. Everything here is generic: it explores any {@link Model}.
 */
export { Property, StringEncoder } from './model.ts';
export type {
  AlwaysProperty,
  DeadlockProperty,
  Encoder,
  EventuallyProperty,
  Fairness,
  Model,
  PropertyKind,
  ReachableProperty,
  SometimesProperty,
  Symmetry,
  ThreadInfo,
} from './model.ts';
export type {
  CheckOptions,
  CheckResult,
  Counterexample,
  IncompleteReason,
  Path,
  PathStep,
  Progress,
  Stats,
  Strategy,
  Verdict,
} from './result.ts';
export { check, checkAsync, SLICE_MS } from './check.ts';
export { shorten, type Shortened, type ShortenOptions } from './shorten.ts';
export { assertModel, ModelCheckError } from './assert.ts';
export { formatResult, formatCounterexample, formatPath, formatStats, type FormatOptions } from './format.ts';
export { replay, parseToken, formatToken, buildPath, ReplayError, type ParsedToken } from './path.ts';
export { FingerprintEncoder, VisitedTable, digest, fingerprint, fingerprintHex, NO_PARENT, type RehashListener } from './fingerprint.ts';
export { SplitMix32 } from './random.ts';
export { forecast, chaoEstimate, FORECAST_BUDGET, type Forecast, type ForecastOptions } from './forecast.ts';
