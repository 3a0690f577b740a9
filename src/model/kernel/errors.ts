/**
 * The error a bad scenario gives: which field, what is allowed. In a module of its own, without
 * the model, so that the command line can tell it from a bug without loading the model.
 */
export class ScenarioError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/**
 * The error a bad patch file gives (src/model/patch): which line of the file, what is wrong with it.
 * One line, exit 2, like a bad scenario.
 */
export class PatchError extends Error {}

/**
 * The error a bad declaration of a callee gives (`--declare FILE.json`, src/model/patch/declare.ts):
 * the file, the callee and field, what is allowed. One line, exit 2.
 */
export class DeclareError extends Error {}
