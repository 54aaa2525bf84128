/**
 * The trainable weight matrix owned by a classification-style loss (ArcFace's W, the
 * proxies of ProxyAnchor): created lazily from a seed, settable, disposable.
 *
 * @module
 */
import * as tf from "../tf.ts";
import { createRng } from "../random.ts";

/** A lazily created tf.Variable of a fixed shape. */
export interface LossWeights {
  /** The variable (created on first use). */
  get(): tf.Variable<tf.Rank.R2>;
  /** Replaces the values (row-major, the variable's shape). */
  set(values: ArrayLike<number>): void;
  /** Frees the variable; a later `get()` creates it again from the seed. */
  dispose(): void;
}

/**
 * Weights of `shape`, initialised with `std * N(0, 1)` from `createRng(seed)`, or `initial`.
 */
export function lossWeights(
  action: string,
  shape: [number, number],
  seed: number,
  std: number,
  initial?: ArrayLike<number>,
): LossWeights {
  let v: tf.Variable<tf.Rank.R2> | undefined;
  const size = shape[0] * shape[1];
  const check = (values: ArrayLike<number>) => {
    if (values.length !== size) {
      throw new TypeError(
        `Cannot ${action}: expected ${size} weights (${shape.join("x")}), got ${values.length}`,
      );
    }
  };
  if (initial !== undefined) check(initial);
  const initialValues = (): Float32Array => {
    if (initial !== undefined) return Float32Array.from(initial);
    const rng = createRng(seed);
    return Float32Array.from({ length: size }, () => std * rng.normal());
  };
  return {
    get() {
      if (v === undefined || v.isDisposed) {
        v = tf.tidy(() => tf.variable(tf.tensor2d(initialValues(), shape), true));
      }
      return v;
    },
    set(values) {
      check(values);
      const t = tf.tensor2d(Float32Array.from(values), shape);
      if (v === undefined || v.isDisposed) v = tf.variable(t, true);
      else v.assign(t);
      t.dispose();
    },
    dispose() {
      v?.dispose();
      v = undefined;
    },
  };
}
