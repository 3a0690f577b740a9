import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Many tests explore every built-in scenario, or hundreds of random ones, and take 50-70 s on
    // this project's 2-core machines when the other core is busy: a 60 s limit failed runs on load
    // alone. Speed is measured in bench/ (`npm run bench`), never by a test's timeout.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Vitest's default is one worker fewer than the cores: one test file at a time on these 2-core
    // machines (the suite's wall time was its files' summed time). The files are CPU-bound and write
    // only to their own temporary directories, so every core runs one.
    maxWorkers: availableParallelism(),
    // Each worker runs its files one after another in one module graph instead of importing src/
    // afresh for each (the imports were 131 s of a 2,277 s suite; the whole suite ran 18.9 min
    // isolated, 14.7 min not, on this project's Intel 2-core container; fresh-clone CI 17.5 ->
    // 12.3 min). src/ keeps no module state but caches of what it derives from its own inputs
    // (compiled programs, parsed seed patches, the schema validators) and the count of open holds
    // on V8's scavenger (src/checker/scavenger.ts: each hold ends with its search or pool, so a
    // module shared between files sees it back at 0; tests replace `scavengerEnv`, never mock
    // `node:v8`, which a copy of the module loaded by an earlier file would not see); the tests that set
    // process.env restore it after each test, and every spy is restored before each test
    // (restoreMocks), so one a failing test left behind ends there. The cost is memory: what a file
    // keeps at module scope stays until its worker ends (a worker's RSS peaked at 2.4 GiB, sampled
    // every 10 s, under Node's 4 GiB heap limit on these 24 GiB machines): keep large results inside
    // the tests.
    isolate: false,
    restoreMocks: true,
  },
});
