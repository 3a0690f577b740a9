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
    // isolated, 14.7 min not, in one sitting on this project's Intel 2-core container). src/ keeps no
    // module state but caches of what it derives from its own inputs (compiled programs, parsed
    // seed patches, the schema validators); the one test that sets process.env restores it after
    // each test, and every spy is restored after each test (restoreMocks), whether it passed or not.
    isolate: false,
    restoreMocks: true,
  },
});
