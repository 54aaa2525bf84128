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
import { env } from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-core";

// PROD silences tfjs's console banners ("looks like you are running TensorFlow.js in
// Node.js"): metriclab chooses and reports its backend itself, and lib/ never prints.
env().set("PROD", true);
