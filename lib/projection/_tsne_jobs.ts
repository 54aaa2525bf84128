/**
 * One iteration of FFT t-SNE (`fftTsne` in tsne_fft.ts) as jobs over one block of memory
 * that threads can share: the attraction in {@linkcode ATTRACTION_CHUNKS} runs of edges and
 * the repulsion's steps (_fft_repulsion.ts), in three phases whose jobs are independent of
 * each other. Each job writes to its own part of the memory, and the parts are added in a
 * fixed order afterwards, so that the layout is the same whichever thread takes which job.
 *
 * @module
 */
import {
  carve,
  cellList,
  forwardFft,
  hasNearField,
  inverseFft,
  NEAR_CHUNKS,
  nearPiece,
  type RepulsionMemory,
  repulsionMemory,
  spread,
  type ThreadCache,
  viewMemory,
} from "./_fft_repulsion.ts";

/** Runs of edges the attraction is cut into, each with its own forces. */
export const ATTRACTION_CHUNKS = 4;
/** Phase 1: the attraction's runs, spreading the charges, the near field's cell list. */
export const PHASE_SPREAD = 1;
/** Phase 2: the two forward FFTs and the near field's pieces. */
export const PHASE_FORWARD = 2;
/** Phase 3: the two inverse FFTs. */
export const PHASE_INVERSE = 3;

/** Each pair of the symmetric sparse P once (i < j), with its p_ij, sorted by `from`. */
export interface Edges {
  from: Int32Array;
  to: Int32Array;
  p: Float64Array;
}

/** The sizes a thread needs to view a {@linkcode TsneMemory} on its buffers. */
export interface TsneMemorySpec {
  n: number;
  edges: number;
  boxWidth: number;
  nodes: number;
  maxBoxes: number;
  cutoff: number;
}

/** The memory of one FFT t-SNE run. */
export interface TsneMemory {
  /** What another thread needs to view it: the spec, the buffer, the grid's memory. */
  spec: TsneMemorySpec;
  buffer: ArrayBufferLike;
  grid: WebAssembly.Memory;
  /** The layout, row-interleaved x0, y0, x1, y1, ... */
  y: Float64Array;
  /** The edges of P. */
  edges: Edges;
  /** Each run's first edge, and the end. */
  edgeChunks: Int32Array;
  /** Each run's attraction, `2n` each. */
  attract: Float64Array;
  /** The repulsion's memory. */
  repulsion: RepulsionMemory;
}

/** Float64 lengths (y, p, attract) and Int32 lengths (from, to, chunks) of the t-SNE part. */
function lengthsOf(n: number, edges: number) {
  return {
    floats: [2 * n, edges, 2 * n * ATTRACTION_CHUNKS],
    ints: [edges, edges, ATTRACTION_CHUNKS + 1],
  };
}

/** The memory of a run viewed on its buffer and grid memory (from another thread, too). */
export function viewTsneMemory(
  spec: TsneMemorySpec,
  buffer: ArrayBufferLike,
  grid: WebAssembly.Memory,
): TsneMemory {
  const { floats, ints } = lengthsOf(spec.n, spec.edges);
  const { f, i } = carve(buffer, floats, ints);
  const { n, boxWidth, nodes, maxBoxes, cutoff } = spec;
  return {
    spec,
    buffer,
    grid,
    y: f[0],
    edges: { from: i[0], to: i[1], p: f[1] },
    edgeChunks: i[2],
    attract: f[2],
    repulsion: viewMemory(grid, n, nodes, boxWidth, maxBoxes, cutoff),
  };
}

/**
 * Allocates the memory of a run over `n` points with the edges `edges` (copied in), in
 * shared buffers when `shared`; `repulsion` sets the grid (see `repulsionMemory`).
 */
export function tsneMemory(
  n: number,
  edges: Edges,
  shared: boolean,
  repulsion: Omit<TsneMemorySpec, "n" | "edges">,
): TsneMemory {
  const spec: TsneMemorySpec = { n, edges: edges.from.length, ...repulsion };
  const { floats, ints } = lengthsOf(n, spec.edges);
  const bytes = 8 * floats.reduce((a, b) => a + b, 0) + 4 * ints.reduce((a, b) => a + b, 0);
  const { boxWidth, nodes, maxBoxes, cutoff } = spec;
  const grid = repulsionMemory(n, shared, boxWidth, nodes, maxBoxes, cutoff).memory;
  const own = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const mem = viewTsneMemory(spec, own, grid);
  mem.edges.from.set(edges.from);
  mem.edges.to.set(edges.to);
  mem.edges.p.set(edges.p);
  for (let c = 0; c <= ATTRACTION_CHUNKS; c++) {
    mem.edgeChunks[c] = Math.floor((c * spec.edges) / ATTRACTION_CHUNKS);
  }
  return mem;
}

/**
 * The attraction `Σ_j p_ij w_ij (y_i - y_j)` over run `chunk` of the edges into the run's
 * own forces, each pair applied to both of its points (P is symmetric).
 */
function attractionChunk(mem: TsneMemory, chunk: number): void {
  const { y, edges: { from, to, p } } = mem, n = mem.spec.n;
  const out = mem.attract.subarray(2 * n * chunk, 2 * n * (chunk + 1)).fill(0);
  for (let e = mem.edgeChunks[chunk]; e < mem.edgeChunks[chunk + 1]; e++) {
    const i = from[e], j = to[e];
    const dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
    const w = p[e] / (1 + dx * dx + dy * dy), fx = w * dx, fy = w * dy;
    out[2 * i] += fx;
    out[2 * i + 1] += fy;
    out[2 * j] -= fx;
    out[2 * j + 1] -= fy;
  }
}

/** How many jobs phase `phase` has now (the near field's pieces only when there is one). */
export function jobCount(mem: TsneMemory, phase: number): number {
  if (phase === PHASE_SPREAD) return 2 + ATTRACTION_CHUNKS;
  if (phase === PHASE_FORWARD) return 2 + (hasNearField(mem.repulsion) ? NEAR_CHUNKS : 0);
  return 2;
}

/** Runs job `job` of phase `phase` (see the phase constants) with this thread's FFTs. */
export function runJob(mem: TsneMemory, cache: ThreadCache, phase: number, job: number): void {
  const grid = mem.repulsion;
  if (phase === PHASE_SPREAD) {
    if (job === 0) spread(grid, mem.y);
    else if (job === 1) cellList(grid, mem.y);
    else attractionChunk(mem, job - 2);
  } else if (phase === PHASE_FORWARD) {
    if (job < 2) forwardFft(grid, cache, job);
    else nearPiece(grid, job - 2, cache);
  } else if (phase === PHASE_INVERSE) {
    inverseFft(grid, cache, job);
  } else {
    throw new RangeError(`Unknown t-SNE phase ${phase}`);
  }
}
