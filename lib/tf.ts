/**
 * The tfjs-core entry point of metriclab: tfjs-core with every op's gradient registered.
 *
 * tfjs-core's own bundle registers no gradients; the `@tensorflow/tfjs` umbrella bundle
 * carries them (its ES module files cannot be loaded one by one under Deno: they import
 * without file extensions). Importing tfjs-core through this module makes `tf.grad` work
 * everywhere in the toolkit. Both resolve to the same tfjs-core instance.
 *
 * @module
 */
import "@tensorflow/tfjs";
export * from "@tensorflow/tfjs-core";
