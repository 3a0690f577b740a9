// `node --import bench/lib/use-dist.mjs`: register bench/lib/dist-hooks.mjs (src/**/*.ts imported
// as dist/**/*.js). Passed by bench/run.ts to each bench's process, only once dist/ is built from
// the sources now; worker threads inherit it with the rest of the process's node options.
import { register } from 'node:module';

register('./dist-hooks.mjs', import.meta.url);
globalThis.mncBenchFromDist = true;
