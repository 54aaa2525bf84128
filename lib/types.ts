/**
 * The shared contracts of metriclab: datasets, distances, reducers, miners and losses.
 *
 * Only types live here. Every area of `lib/` depends on this file and on nothing else
 * of its siblings' internals.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";

/** A tfjs scalar tensor (`tf.Scalar`), named here so the public API can refer to it. */
export type Scalar = tf.Scalar;
/** A tfjs tensor of any rank (`tf.Tensor`). */
export type Tensor = tf.Tensor;
/** A tfjs rank-1 tensor (`tf.Tensor1D`). */
export type Tensor1D = tf.Tensor1D;
/** A tfjs rank-2 tensor (`tf.Tensor2D`), e.g. a batch of embeddings. */
export type Tensor2D = tf.Tensor2D;
/** A tfjs rank-4 tensor (`tf.Tensor4D`), e.g. a batch of NHWC images. */
export type Tensor4D = tf.Tensor4D;
/** A tfjs trainable variable (`tf.Variable`). */
export type Variable = tf.Variable;

/** A plain JSON value, as written to `config.json` and `metrics.jsonl`. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What every configurable component returns from `config()`: its registry name and options. */
export interface ComponentConfig {
  /** Registry name, kebab-case (`"triplet-margin"`, `"batch-hard"`, `"lp"`). */
  name: string;
  /** Any other option, JSON-valued. */
  [option: string]: Json | undefined;
}

/** One class of a class hierarchy (TT100K's `class, top, family, value, meaning`). */
export interface ClassInfo {
  /** The class name as used for folders and labels (`"pl40"`). */
  class: string;
  /** Top category (`"prohibitory"`, `"mandatory"`, `"warning"`). */
  top: string;
  /** Family inside the top category (`"speed-limit"`, `"pictogram"`). */
  family: string;
  /** Value carried by the sign, if any (`"40"`). */
  value?: string;
  /** Human-readable meaning. */
  meaning?: string;
}

/**
 * An in-memory image dataset. Images are kept as bytes (0..255), NHWC, so that
 * 24,000 images of 64x64x3 take 295 MB rather than 1.2 GB; batches are converted
 * to float on the fly.
 */
export interface ImageDataset {
  /** Where the data came from (`"synthetic"`, a folder path, `"fashion-mnist"`). */
  source: string;
  /** N*H*W*C bytes, sample-major, then rows, columns, channels. */
  images: Uint8Array;
  /** N class indices into `classNames`. */
  labels: Int32Array;
  /** Class names, indexed by label. */
  classNames: string[];
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** 1 (grey) or 3 (RGB). */
  channels: number;
  /** Source file of each sample, when the data came from files. */
  files?: string[];
  /** A split that comes with the data (IDX train/test files, `root/{train,test}` folders). */
  predefinedSplit?: Split;
  /** The class hierarchy, when known (the synthetic generator always exports one). */
  hierarchy?: ClassInfo[];
  /** Things the loader skipped or changed, for the caller to print. */
  warnings: string[];
}

/** Indices of the train and test samples of a dataset. */
export interface Split {
  /** Indices of the training samples. */
  train: Int32Array;
  /** Indices of the test samples. */
  test: Int32Array;
}

/** Pairs mined from a batch: positive pairs (a, p) and negative pairs (a, n), independent lists. */
export interface PairIndices {
  /** Discriminant: pairs. */
  kind: "pairs";
  /** Anchor of each positive pair. */
  posAnchors: Int32Array;
  /** Positive of each positive pair (same label as its anchor). */
  positives: Int32Array;
  /** Anchor of each negative pair. */
  negAnchors: Int32Array;
  /** Negative of each negative pair (different label from its anchor). */
  negatives: Int32Array;
}

/** Triplets mined from a batch: (anchors[i], positives[i], negatives[i]). */
export interface TripletIndices {
  /** Discriminant: triplets. */
  kind: "triplets";
  /** Anchor of each triplet. */
  anchors: Int32Array;
  /** Positive of each triplet (same label as its anchor). */
  positives: Int32Array;
  /** Negative of each triplet (different label from its anchor). */
  negatives: Int32Array;
}

/** What a miner returns and a loss accepts, as PML's `indices_tuple`. */
export type IndicesTuple = PairIndices | TripletIndices;

/** A plain matrix of embeddings: `rows` x `dim`, row-major. */
export interface EmbeddingMatrix {
  /** `rows * dim` values, row-major. */
  data: Float32Array | Float64Array;
  /** Number of embeddings. */
  rows: number;
  /** Length of each embedding. */
  dim: number;
}

/**
 * A distance or similarity between embeddings (PML's `BaseDistance`).
 * A similarity has `isInverted: true`: bigger means closer, and every margin flips.
 */
export interface Distance {
  /** True for a similarity (bigger means closer), false for a distance. */
  readonly isInverted: boolean;
  /** Whether embeddings are L2-normalised before measuring. */
  readonly normalize: boolean;
  /** Registry name and options, enough to rebuild this distance. */
  config(): ComponentConfig;
  /** Differentiable N x M matrix between the rows of `a` and of `b` (default `a`). Caller disposes. */
  matrix(a: Tensor2D, b?: Tensor2D): Tensor2D;
  /** The same matrix on plain arrays in float64, for miners and evaluation. */
  matrixArray(a: EmbeddingMatrix, b?: EmbeddingMatrix): Float64Array;
  /**
   * PML's `margin(x, y)`: `x - y` for a distance, `y - x` for a similarity, so that a
   * loss or miner never tests `isInverted` itself. On numbers it returns a number; with a
   * tensor on either side it returns the differentiable `tf.sub` (caller disposes).
   */
  margin(x: number, y: number): number;
  /** The same margin with a tensor on either side: the differentiable `tf.sub` (caller disposes). */
  margin(x: number | Tensor, y: number | Tensor): Tensor;
}

/**
 * What a loss's terms are, PML's `reduction_type`: one term per embedding (`element`),
 * per positive pair (`pos_pair`), per negative pair (`neg_pair`), per triplet
 * (`triplet`), or a loss already reduced to a scalar (`already_reduced`).
 */
export type ReductionKind = "element" | "pos_pair" | "neg_pair" | "triplet" | "already_reduced";

/**
 * The loss terms a loss hands to its reducer, PML's `{"losses", "indices",
 * "reduction_type"}`.
 */
export interface ReductionInput {
  /** The terms, one per element, pair or triplet (a single term when already reduced). */
  losses: Tensor1D;
  /**
   * The batch indices that produced each term, as PML's `indices`: `[elements]` for
   * `element`, `[anchors, positives]` for `pos_pair`, `[anchors, negatives]` for
   * `neg_pair`, `[anchors, positives, negatives]` for `triplet`; absent when unknown.
   */
  indices?: readonly Int32Array[];
  /** What each term is. */
  kind: ReductionKind;
}

/** Reduces a loss's terms to a scalar (PML's reducers). */
export interface Reducer {
  /** Registry name and options, enough to rebuild this reducer. */
  config(): ComponentConfig;
  /**
   * Differentiable reduction of `input.losses`; a vector of length 0 gives 0. The kind
   * and indices let a reducer weigh terms by what produced them. Caller disposes.
   */
  reduce(input: ReductionInput): Scalar;
}

/**
 * Reference embeddings for a miner (PML's `ref_emb`, `ref_labels`): anchors come from the
 * batch, positives and negatives from these rows, and no pair is dropped as a
 * self-comparison.
 */
export interface MinerReferences {
  /** The reference rows, as wide as the batch. */
  embeddings: EmbeddingMatrix;
  /** One label per reference row. */
  labels: Int32Array;
}

/**
 * Reference embeddings for a loss (PML's `ref_emb`, `ref_labels`): anchors come from the
 * batch, positives and negatives from these rows. They are constants to the loss: pass a
 * tensor built outside the gradient scope (or detached) to keep them out of the gradient.
 */
export interface LossReferences {
  /** The reference rows, as wide as the batch. */
  embeddings: Tensor2D;
  /** One label per reference row. */
  labels: Int32Array;
}

/** Chooses informative pairs or triplets from a batch; works on plain arrays. */
export interface Miner {
  /** Registry name and options, enough to rebuild this miner. */
  config(): ComponentConfig;
  /**
   * The pairs or triplets chosen from a batch of embeddings and their labels. With `ref`,
   * anchors index the batch and positives and negatives index `ref` (PML's
   * `miner(embeddings, labels, ref_emb, ref_labels)`); a miner that PML runs without
   * references only throws a TypeError for one.
   */
  mine(embeddings: EmbeddingMatrix, labels: Int32Array, ref?: MinerReferences): IndicesTuple;
  /**
   * The state of the miner's random generator, for miners that draw at random (saved in
   * checkpoints, so that a resumed run draws what an uninterrupted one would).
   */
  randomState?(): number;
  /** Continues the random sequence from a state that `randomState()` returned. */
  setRandomState?(state: number): void;
}

/** A metric-learning loss: a differentiable scalar from embeddings, labels and optional tuples. */
export interface MetricLoss {
  /** Registry name and options, enough to rebuild this loss. */
  config(): ComponentConfig;
  /**
   * The loss of a batch. `indices` of `undefined` means all pairs or triplets.
   * With `ref` (PML's `loss(embeddings, labels, indices_tuple, ref_emb, ref_labels)`),
   * anchors index the batch and positives and negatives index `ref`, and all pairs are
   * every batch-reference pair (none is a self-comparison); a loss that PML refuses
   * references for throws a TypeError. Caller disposes the result. Must be called inside a
   * gradient scope to train.
   */
  compute(
    embeddings: Tensor2D,
    labels: Int32Array,
    indices?: IndicesTuple,
    ref?: LossReferences,
  ): Scalar;
  /** Trainable weights the loss owns (ArcFace class weights, ProxyAnchor proxies). */
  trainableVariables?(): Variable[];
}

/** One option of a component, as its description gives it. */
export interface OptionSpec {
  /**
   * What the option holds: a finite number, an integer, one of `choices`, or the config of
   * a nested distance or reducer.
   */
  kind: "number" | "integer" | "choice" | "distance" | "reducer";
  /** One line for help texts. */
  doc: string;
  /**
   * The factory's default (for a nested component, its name); absent when the option is
   * required and the experiment fills it in (`numClasses`).
   */
  default?: number | string;
  /** The smallest value the factory accepts. */
  min?: number;
  /** `min` itself is rejected (the value must be greater). */
  minExclusive?: boolean;
  /** The value must be smaller than this (exclusive). */
  below?: number;
  /** The values a `choice` option accepts. */
  choices?: readonly string[];
  /** PML's name of the hyper-parameter (`pos_margin`); absent where PML has none. */
  pml?: string;
}

/**
 * How a component's PML reference entries map onto it (for the conformance check); the
 * options map through their `pml` names.
 */
export interface PmlMapping {
  /** False when the numbers cannot match PML's (random sampling): never compared. */
  comparable?: boolean;
  /** PML hyper-parameters implemented at one value only (null: only when absent). */
  fixed?: Readonly<Record<string, Json>>;
  /** Reducer class names the reference must use. */
  reducers?: readonly string[];
  /** The only distance (registry name) implemented. */
  distance?: string;
}

/** The options a description's `create` receives: numbers, strings, built components. */
export interface FactoryOptions {
  /** An option by its camelCase name (a number, a string or a built distance or reducer). */
  readonly [key: string]: unknown;
}

/**
 * One description of a loss or miner: everything the registry, the config validation, the
 * CLI and the conformance check derive from it.
 */
export interface ComponentDescription<T> {
  /** The registry name, as in `config().name` (kebab-case). */
  name: string;
  /** The PML class it follows (`TripletMarginLoss`). */
  pmlName: string;
  /** The options `config()` gives and the registry accepts, in `config()` order. */
  options: Readonly<Record<string, OptionSpec>>;
  /** How PML's reference entries map onto it (default: by the options' `pml` names). */
  pml?: PmlMapping;
  /**
   * Builds the component; nested distances and reducers come built, absent options
   * undefined (the factory fills its defaults and validates).
   */
  create(options: FactoryOptions): T;
}

/** The description of a loss. */
export interface LossDescription extends ComponentDescription<MetricLoss> {
  /**
   * Whether the loss learns per-class weights (ArcFace's, ProxyAnchor's proxies): then it
   * needs `numClasses`, `embeddingSize` and `seed`, which the experiment fills in.
   */
  learnsClassWeights: boolean;
}

/** The description of a miner. */
export interface MinerDescription extends ComponentDescription<Miner> {
  /**
   * A `choice` option whose values name the miner on the CLI (`--miner semihard` for the
   * triplet-margin miner of type semihard), and the options such a name presets.
   */
  namedBy?: { option: string; preset: Readonly<Record<string, Json>> };
}

/** Adam's state: step count, bias-correction powers and the moments of each variable. */
export interface AdamState {
  /** Steps taken. */
  iterations: number;
  /** beta1 to the power `iterations + 1`, as Adam accumulated it (float32). */
  beta1Power: number;
  /** beta2 to the power `iterations + 1`, as Adam accumulated it (float32). */
  beta2Power: number;
  /** First moments, one per trained variable (network first, then loss weights). */
  firstMoments: Float32Array[];
  /** Second moments, in the same order. */
  secondMoments: Float32Array[];
}

/**
 * Everything `train` needs to continue after a whole number of epochs: plain
 * arrays, no tensors. The batches and the augmentation of an epoch depend only on the seed
 * and the epoch number, so the epoch count is the sampler's position and random state.
 */
export interface TrainState {
  /** Epochs completed. */
  epoch: number;
  /** Batches completed. */
  step: number;
  /** Seconds spent in training steps so far. */
  trainSeconds: number;
  /** Training images seen so far. */
  images: number;
  /** Mean loss of the last completed epoch. */
  finalLoss: number;
  /** The network's weights, in `net.variables` order. */
  weights: Float32Array[];
  /** The loss's trainable weights (ArcFace's class weights, ProxyAnchor's proxies). */
  lossWeights: Float32Array[];
  /** The optimiser. */
  optimizer: AdamState;
  /** The miner's random state, for miners that draw at random (`Miner.randomState`). */
  minerRandomState?: number;
  /** The cross-batch memory's queue, when training uses one. */
  memory?: MemoryState;
}

/** A cross-batch memory's queue (PML's `CrossBatchMemory`), as checkpoints keep it. */
export interface MemoryState {
  /** `memorySize * embeddingSize` values, slot-major (zeros where nothing was written). */
  embeddings: Float32Array;
  /** The label of each slot (0 where nothing was written). */
  labels: Int32Array;
  /** The slot the next batch is written to. */
  queueIdx: number;
  /** Whether every slot has been written once. */
  hasBeenFilled: boolean;
}
