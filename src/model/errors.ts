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
