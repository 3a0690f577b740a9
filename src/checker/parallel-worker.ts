/**
 * A worker thread of a parallel search (parallel.ts): it opens a side of the search
 * (parallel-side.ts: its own copy of the model and an explorer on the shared table) and answers
 * each request of the main thread with one message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSide } from './parallel-side.ts';
import { workerErrorData } from './workers.ts';
import type { Reply, Request, WorkerData } from './parallel.ts';

const port = parentPort!;

async function main(): Promise<void> {
  const side = await openSide(workerData as WorkerData);
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
