/**
 * The entry of an FFT t-SNE worker thread (started by `JobThreads` in _tsne_threads.ts):
 * views the run's shared memory and takes jobs until told to quit.
 *
 * @module
 */
import { ThreadCache } from "./_fft_repulsion.ts";
import { runJob, viewTsneMemory } from "./_tsne_jobs.ts";
import { serveJobs, type WorkerStart } from "./_tsne_threads.ts";

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<WorkerStart>) => void) | null;
  close(): void;
};

scope.onmessage = (event) => {
  scope.onmessage = null;
  const { control, memory } = event.data;
  const mem = viewTsneMemory(memory.spec, memory.buffer, memory.grid);
  const cache = new ThreadCache();
  serveJobs(control, (phase, job) => runJob(mem, cache, phase, job));
  scope.close();
};
