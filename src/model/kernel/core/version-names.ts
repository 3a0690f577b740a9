/**
 * The names of the core versions (versions.ts has them with their code), for the command line's
 * help, which must not load the model. test/model/kernel/scenario.test.ts checks that the two agree.
 */
export const CORE_VERSION_NAMES: readonly string[] = ['v4.18', '93065ac753e4', '93065ac753e4-returns-true', 'v4.19', 'mayfail', 'v5.0', 'v5.2', 'v5.4', 'v5.5', 'v5.12', 'v6.6'];
