/**
 * A worker thread of a parallel search (parallel.ts): it opens a side of the search
 * (parallel-side.ts: its own copy of the model and an explorer on the shared table) and answers
 * each request of the main thread with one message.
 *
 * A worker started ahead of its search ({@link PreparedWorkers}) is given only the modules to load
 * (`{ preload }`): it loads them, then waits for its {@link WorkerData} in an `open` message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSide } from './parallel-side.ts';
import { workerErrorData } from './workers.ts';
import type { PreloadData, Reply, Request, WorkerData } from './parallel.ts';

const port = parentPort!;

/** The search's data: given at the start, or, for a worker started ahead, in the first message. */
async function dataOf(d: WorkerData | PreloadData): Promise<WorkerData> {
  if (!('preload' in d)) return d;
  const opened = new Promise<WorkerData>((resolve) => port.once('message', (m: Request) => resolve((m as Extract<Request, { t: 'open' }>).data)));
  // Loaded while the main thread does other work (a failure is reported once the search asks).
  const loaded = Promise.all(d.preload.map((m) => import(m)));
  loaded.catch(() => undefined);
  const data = await opened;
  await loaded;
  return data;
}

async function main(): Promise<void> {
  const side = await openSide(await dataOf(workerData as WorkerData | PreloadData));
  port.on('message', (m: Request) => {
    // An answer that cannot be sent (a state that does not clone) is an error reported like any other.
    side
      .answer(m)
      .then((r) => port.postMessage(r))
      .catch((e: unknown) => port.postMessage({ t: 'error', error: workerErrorData(e) } satisfies Reply));
  });
  port.postMessage({ t: 'ready', properties: side.properties } satisfies Reply);
}

main().catch((e: unknown) => port.postMessage({ t: 'error', error: workerErrorData(e) } satisfies Reply));
