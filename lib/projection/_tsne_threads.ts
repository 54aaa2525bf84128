/**
 * A few worker threads that take jobs with the calling thread, phase by phase, for FFT
 * t-SNE (tsne_fft.ts; the jobs are in _tsne_jobs.ts). The threads share the run's memory
 * and a small control block; the calling thread hands out a phase by bumping an epoch,
 * every thread (the caller too) takes job numbers from one atomic counter until none are
 * left, and the caller waits until each worker has said it is done. Blocking waits
 * (`Atomics.wait`) keep the caller synchronous: Deno allows them on the main thread.
 *
 * @module
 */
import type { TsneMemory } from "./_tsne_jobs.ts";

/** Slots of the control block. */
const EPOCH = 0, PHASE = 1, NEXT = 2, TOTAL = 3, DONE = 4, READY = 5, QUIT = 6, FAILED = 7;
/** Bytes of the control block: the slots, then a worker's error message. */
const SLOTS = 8, MESSAGE_BYTES = 1024;
/** How long workers may take to start before the run goes on without them. */
const START_TIMEOUT_MS = 30_000;
/** Checks of a slot before sleeping on it: a phase often ends within microseconds. */
const SPINS = 4000;

/** What a worker is sent once: the control block and the run's memory. */
export interface WorkerStart {
  control: SharedArrayBuffer;
  memory: Pick<TsneMemory, "spec" | "buffer" | "grid">;
}

/** Waits until `slot` is no longer `value`: a short spin, then sleeps. */
function waitChange(control: Int32Array, slot: number, value: number, timeoutMs = Infinity) {
  for (let spin = 0; spin < SPINS; spin++) if (Atomics.load(control, slot) !== value) return;
  Atomics.wait(control, slot, value, timeoutMs);
}

/** Worker threads for the jobs of one run; see the module's documentation. */
export class JobThreads {
  #workers: Worker[];
  #control: Int32Array;

  private constructor(workers: Worker[], control: Int32Array) {
    this.#workers = workers;
    this.#control = control;
  }

  /**
   * Starts `threads - 1` workers on the memory `memory`; null when they do not all start
   * within 30 s (the caller then runs every job itself).
   */
  static start(threads: number, memory: TsneMemory): JobThreads | null {
    const control = new SharedArrayBuffer(4 * SLOTS + MESSAGE_BYTES);
    const slots = new Int32Array(control, 0, SLOTS);
    const workers: Worker[] = [];
    const start: WorkerStart = {
      control,
      memory: { spec: memory.spec, buffer: memory.buffer, grid: memory.grid },
    };
    for (let t = 1; t < threads; t++) {
      const worker = new Worker(new URL("./_tsne_worker.ts", import.meta.url), { type: "module" });
      worker.postMessage(start);
      workers.push(worker);
    }
    const deadline = performance.now() + START_TIMEOUT_MS;
    for (;;) {
      const ready = Atomics.load(slots, READY);
      if (ready === workers.length) return new JobThreads(workers, slots);
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(slots, READY, ready, left);
    }
    for (const worker of workers) worker.terminate();
    return null;
  }

  /** The threads that take jobs, the caller included. */
  get threads(): number {
    return this.#workers.length + 1;
  }

  /**
   * Runs jobs `0 .. jobs - 1` of `phase` on all threads, the caller's share with `local`;
   * returns when all are done.
   *
   * @throws {Error} What a job threw, here or in a worker.
   */
  run(phase: number, jobs: number, local: (job: number) => void): void {
    const c = this.#control;
    Atomics.store(c, PHASE, phase);
    Atomics.store(c, TOTAL, jobs);
    Atomics.store(c, NEXT, 0);
    Atomics.store(c, DONE, 0);
    Atomics.add(c, EPOCH, 1);
    Atomics.notify(c, EPOCH);
    let failure: unknown = null;
    try {
      for (let job = Atomics.add(c, NEXT, 1); job < jobs; job = Atomics.add(c, NEXT, 1)) {
        local(job);
      }
    } catch (error) {
      failure = error;
    }
    for (
      let done = Atomics.load(c, DONE);
      done < this.#workers.length;
      done = Atomics.load(c, DONE)
    ) {
      waitChange(c, DONE, done);
    }
    if (failure) throw failure;
    if (Atomics.load(c, FAILED)) {
      const bytes = new Uint8Array(c.buffer, 4 * SLOTS, MESSAGE_BYTES);
      const text = new TextDecoder().decode(
        bytes.slice(0, bytes.indexOf(0) < 0 ? MESSAGE_BYTES : bytes.indexOf(0)),
      );
      throw new Error(`A t-SNE worker failed: ${text}`);
    }
  }

  /** Stops the workers. */
  close(): void {
    Atomics.store(this.#control, QUIT, 1);
    Atomics.add(this.#control, EPOCH, 1);
    Atomics.notify(this.#control, EPOCH);
    for (const worker of this.#workers) worker.terminate();
    this.#workers = [];
  }
}

/**
 * A worker's loop: says it is ready, then takes the jobs of each phase it is woken for
 * with `run`, until told to quit.
 */
export function serveJobs(control: SharedArrayBuffer, run: (phase: number, job: number) => void) {
  const c = new Int32Array(control, 0, SLOTS);
  let epoch = Atomics.load(c, EPOCH);
  Atomics.add(c, READY, 1);
  Atomics.notify(c, READY);
  for (;;) {
    waitChange(c, EPOCH, epoch);
    epoch = Atomics.load(c, EPOCH);
    if (Atomics.load(c, QUIT)) return;
    const phase = Atomics.load(c, PHASE), total = Atomics.load(c, TOTAL);
    try {
      for (let job = Atomics.add(c, NEXT, 1); job < total; job = Atomics.add(c, NEXT, 1)) {
        run(phase, job);
      }
    } catch (error) {
      const text = new TextEncoder().encode(String(error instanceof Error ? error.message : error));
      new Uint8Array(control, 4 * SLOTS, MESSAGE_BYTES).set(text.subarray(0, MESSAGE_BYTES - 1));
      Atomics.store(c, FAILED, 1);
    }
    Atomics.add(c, DONE, 1);
    Atomics.notify(c, DONE);
  }
}
