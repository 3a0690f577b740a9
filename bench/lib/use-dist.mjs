// `node --import bench/lib/use-dist.mjs`: register bench/lib/dist-hooks.mjs (src/**/*.ts imported
// as dist/**/*.js). Passed by bench/run.ts to each bench's process, only once dist/ is built from
// the sources now. Node runs it on the main thread only: a bench's worker threads import it
// themselves (bench/lib/worker.ts); the checker's own workers load dist/ directly.
import { register } from 'node:module';

register('./dist-hooks.mjs', import.meta.url);
globalThis.mncBenchFromDist = true;
