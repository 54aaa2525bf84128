/**
 * Adam as one pass over each variable: tfjs's `AdamOptimizer` spends about 15 element-wise
 * kernels per variable per step (moments, bias corrections, square root, update), each a
 * pass over memory and a kernel dispatch. While the blas kernels are installed, every
 * `AdamOptimizer` on the wasm backend (`tf.train.adam`'s included) updates through
 * {@linkcode ADAM_KERNEL} instead: one loop that reads the value, both moments and the
 * gradient and writes the three new tensors, which the optimizer's variables then hold as
 * tfjs's update would have them hold its own.
 *
 * The state is tfjs's own (the same moment variables, names, `accBeta1`/`accBeta2` and
 * iteration count), so `getWeights`, `setWeights` and checkpoints see no difference; the
 * maths is tfjs's too, each operation rounded to float32 in the same order, so the
 * results are the same to the bit. Elsewhere (another backend, a dtype other than float32)
 * tfjs's own update runs.
 *
 * @module
 */
import * as tf from "../tf.ts";
import {
  adamFields,
  type ApplyGradients,
  countIteration,
  type NamedGradients,
  registeredVariable,
  replaceAdamUpdate,
  runKernel,
} from "./_engine.ts";
import { address, type Args, output, simdFor, state, values } from "./_kernel_common.ts";
import { ADAM_KERNEL } from "./_kernel_names.ts";

const f = Math.fround;

/**
 * The {@linkcode ADAM_KERNEL} kernel: inputs `value`, `m`, `v`, `gradient` (float32, one
 * shape) and the scalars `accBeta1`, `accBeta2` (beta^t); attributes `learningRate`,
 * `beta1`, `beta2`, `epsilon`; outputs `[value, m, v]` after one Adam step, as tfjs
 * computes them.
 */
export function adamUpdate(args: Args): tf.TensorInfo[] {
  const { value, m, v, gradient, accBeta1, accBeta2 } = args.inputs;
  const attrs = args.attrs ?? {};
  const backend = args.backend;
  const outs = [value, m, v].map(() => output(backend, value.shape));
  // Views after every allocation: the heap may have grown.
  const [x, m0, v0, g] = [value, m, v, gradient].map((t) => values(backend, t));
  const [x1, m1, v1] = outs.map((t) => values(backend, t));
  const b1 = f(attrs.beta1 as number), b2 = f(attrs.beta2 as number);
  // tfjs multiplies by 1 - beta and -lr as float32 scalars, adds epsilon as one.
  const c1 = f(1 - (attrs.beta1 as number)), c2 = f(1 - (attrs.beta2 as number));
  const step = f(-(attrs.learningRate as number)), eps = f(attrs.epsilon as number);
  // sub(1, accBeta): float32 in, float32 out.
  const d1 = f(1 - values(backend, accBeta1)[0]), d2 = f(1 - values(backend, accBeta2)[0]);
  const n = x.length;
  const simd = simdFor(backend);
  let start = 0;
  if (simd) {
    start = n - (n % 4);
    const [xa, ma, va, ga] = [value, m, v, gradient].map((t) => address(backend, t));
    const [xo, mo, vo] = outs.map((t) => address(backend, t));
    simd.adam(xa, ma, va, ga, xo, mo, vo, start, b1, b2, c1, c2, d1, d2, eps, step);
  }
  for (let i = start; i < n; i++) {
    const gi = g[i];
    const mi = f(f(m0[i] * b1) + f(gi * c1));
    const vi = f(f(v0[i] * b2) + f(f(gi * gi) * c2));
    m1[i] = mi;
    v1[i] = vi;
    const denominator = f(f(Math.sqrt(f(vi / d2))) + eps);
    x1[i] = f(f(f(mi / d1) / denominator) * step) + x[i];
  }
  return outs;
}

/** Whether the fused update can take these gradients here. */
function fusable(grads: (tf.Tensor | null | undefined)[]): boolean {
  return tf.getBackend() === "wasm" && state.replaced.size > 0 &&
    grads.every((g) => g == null || g.dtype === "float32");
}

/** `AdamOptimizer.applyGradients` through {@linkcode ADAM_KERNEL} (tfjs's own elsewhere). */
function applyFused(
  optimizer: tf.AdamOptimizer,
  gradients: NamedGradients,
  own: ApplyGradients,
): void {
  const names = Array.isArray(gradients) ? gradients.map((g) => g.name) : Object.keys(gradients);
  const grads = Array.isArray(gradients)
    ? gradients.map((g) => g.tensor)
    : names.map((name) => gradients[name]);
  const variables = names.map(registeredVariable);
  if (!fusable(grads) || variables.some((v) => v.dtype !== "float32")) {
    own.call(optimizer, gradients);
    return;
  }
  const s = adamFields(optimizer);
  const attrs = {
    learningRate: s.learningRate,
    beta1: s.beta1,
    beta2: s.beta2,
    epsilon: s.epsilon,
  };
  tf.tidy(() => {
    names.forEach((name, i) => {
      const value = variables[i];
      // The moments as tfjs makes them: same names, not trainable, zeros at first.
      s.accumulatedFirstMoment[i] ??= {
        originalName: `${name}/m`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      s.accumulatedSecondMoment[i] ??= {
        originalName: `${name}/v`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      const gradient = grads[i];
      if (gradient == null) return;
      const m = s.accumulatedFirstMoment[i].variable, v = s.accumulatedSecondMoment[i].variable;
      const [newValue, newM, newV] = runKernel(
        ADAM_KERNEL,
        { value, m, v, gradient, accBeta1: s.accBeta1, accBeta2: s.accBeta2 },
        attrs,
      ) as tf.Tensor[];
      m.assign(newM);
      v.assign(newV);
      value.assign(newValue);
    });
    s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
    s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
  });
  countIteration(optimizer);
}

let restore: (() => void) | undefined;

/** Routes every `AdamOptimizer`'s update through the fused kernel (once). */
export function installFusedAdam(): void {
  restore ??= replaceAdamUpdate(applyFused);
}

/** Puts tfjs's own Adam update back. */
export function uninstallFusedAdam(): void {
  restore?.();
  restore = undefined;
}
