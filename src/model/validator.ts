/**
 * The validators of mnc's JSON Schemas (scenario files, patch declarations), with Ajv.
 *
 * Loading Ajv (~45 ms) and compiling the scenario schema (~65 ms) were a fifth of a small
 * `mnc check` (0.5 s, the node process included), paid again by every matrix worker. So the build
 * (scripts/build.mjs) writes each schema's validator as Ajv's standalone code (a CommonJS module
 * that needs only Ajv's small runtime helpers) beside its module in dist/, and a module run from
 * dist/ loads that file; run from src/ (tsx, the tests), where the build wrote nothing, Ajv compiles
 * the schema at first use. Both are Ajv's code for the same schema and the same options: the same
 * verdict and the same errors (test/model/validator.test.ts compares them on every built-in
 * scenario, every example and invalid documents).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, Options } from 'ajv';

const require = createRequire(import.meta.url);

/** Ajv's options for every schema of mnc (`verbose`: an error carries its schema and data, which the messages quote). */
const OPTIONS: Options = { allErrors: false, strict: true, allowUnionTypes: true, verbose: true };

/** A compiled schema: true when `data` is valid, else false with `errors` set. */
export type ValidateFunction = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

type AjvModule = typeof import('ajv');
type StandaloneModule = typeof import('ajv/dist/standalone/index.js');

/** Ajv, loaded only when a schema is compiled here (not when the build's code is used). */
function compile(schema: object, source: boolean): { readonly ajv: InstanceType<AjvModule['Ajv']>; readonly validate: ValidateFunction } {
  const { Ajv } = require('ajv') as AjvModule;
  const ajv = new Ajv({ ...OPTIONS, ...(source ? { code: { source: true } } : {}) });
  return { ajv, validate: ajv.compile(schema) };
}

/**
 * A schema's validator: `file` (in dist/, a sibling of the module that asks: `new URL('./x.cjs',
 * import.meta.url)`) when the build wrote it, else compiled from `schema()` at first use.
 */
export class SchemaValidator {
  private fn: ValidateFunction | undefined;

  constructor(
    /** Where the build writes the standalone code. */
    readonly file: URL,
    private readonly schema: () => object,
  ) {}

  /** The errors of `data` (Ajv stops at the first: `allErrors` is off), none when it is valid. */
  errors(data: unknown): ErrorObject[] {
    const v = (this.fn ??= this.load());
    return v(data) ? [] : (v.errors ?? []);
  }

  /** Whether the build's code is used (false when run from src/). */
  get precompiled(): boolean {
    return existsSync(fileURLToPath(this.file));
  }

  private load(): ValidateFunction {
    if (this.precompiled) return require(fileURLToPath(this.file)) as ValidateFunction;
    return compile(this.schema(), false).validate;
  }

  /** The standalone code the build writes to {@link file}: a CommonJS module exporting the validator. */
  standalone(): string {
    const { ajv, validate } = compile(this.schema(), true);
    const { default: standaloneCode } = require('ajv/dist/standalone/index.js') as StandaloneModule;
    return standaloneCode(ajv, validate as Parameters<typeof standaloneCode>[1]);
  }
}
