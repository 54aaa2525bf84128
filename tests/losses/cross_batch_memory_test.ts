import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { randomBatch, tf } from "./_helpers.ts";
import { crossBatchMemory } from "../../lib/losses/cross_batch_memory.ts";
import { contrastiveLoss } from "../../lib/losses/contrastive_loss.ts";
import { tripletMarginLoss } from "../../lib/losses/triplet_margin_loss.ts";
import { arcFaceLoss } from "../../lib/losses/arc_face_loss.ts";
import { tripletMarginMiner } from "../../lib/miners/triplet_margin_miner.ts";
import { pairsFrom } from "../../lib/miners/tuples.ts";

const TOL = { atol: 1e-6, rtol: 1e-5 };
const a = randomBatch(81, 2, 2, 3, 0.8);
const c = randomBatch(82, 2, 2, 3, 0.8);

function value(t: tf.Scalar): number {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}

Deno.test("crossBatchMemory() equals its loss against the filled slots, without self pairs", () => {
  const loss = contrastiveLoss({ posMargin: 0.1, negMargin: 1.2 });
  const xbm = crossBatchMemory(loss, { memorySize: 6, embeddingSize: 3 });
  // step 1: slots 0..3 hold the batch; without the self pairs that is the plain loss
  const first = value(xbm.compute(tf.tensor2d(a.rows), a.labels));
  assertClose(first, value(loss.compute(tf.tensor2d(a.rows), a.labels)), TOL);
  assert.deepEqual(xbm.state().queueIdx, 4);
  assert.equal(xbm.state().hasBeenFilled, false);
  // step 2: slots 4, 5, 0, 1 take the batch (it wraps), so all six slots are references
  const got = value(xbm.compute(tf.tensor2d(c.rows), c.labels));
  const slots = [c.rows[2], c.rows[3], a.rows[2], a.rows[3], c.rows[0], c.rows[1]];
  const slotLabels = Int32Array.from([
    c.labels[2],
    c.labels[3],
    a.labels[2],
    a.labels[3],
    c.labels[0],
    c.labels[1],
  ]);
  const pa: number[] = [], pp: number[] = [], na: number[] = [], nn: number[] = [];
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 6; j++) {
      if (slotLabels[j] !== c.labels[i]) na.push(i), nn.push(j);
      else if (j !== (4 + i) % 6) pa.push(i), pp.push(j);
    }
  }
  const want = value(
    tf.tidy(() =>
      loss.compute(tf.tensor2d(c.rows), c.labels, pairsFrom(pa, pp, na, nn), {
        embeddings: tf.tensor2d(slots),
        labels: slotLabels,
      })
    ),
  );
  assertClose(got, want, TOL);
  assert.equal(xbm.state().queueIdx, 2);
  assert.equal(xbm.state().hasBeenFilled, true);
  assert.deepEqual(Array.from(xbm.state().labels), Array.from(slotLabels));
  assertClose(xbm.state().embeddings.subarray(3, 6), c.rows[3], { atol: 1e-6 });
});

Deno.test("crossBatchMemory() with an enqueue mask: masked rows only go to memory, no gradient", () => {
  const xbm = crossBatchMemory(contrastiveLoss(), { memorySize: 5, embeddingSize: 3 });
  const mask = [true, false, true, false];
  const x = tf.tensor2d(a.rows);
  const before = tf.memory().numTensors;
  const { value: v, grad } = tf.valueAndGrad((e: tf.Tensor) =>
    xbm.computeMasked(e as tf.Tensor2D, a.labels, mask)
  )(x);
  const g = grad.arraySync() as number[][];
  assert.deepEqual(g[0], [0, 0, 0]);
  assert.deepEqual(g[2], [0, 0, 0]);
  assert(g[1].some((e) => e !== 0) || g[3].some((e) => e !== 0));
  tf.dispose([v, grad]);
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  x.dispose();
  assert.equal(xbm.state().queueIdx, 2);
  const t = xbm.lastIndices();
  assert(t?.kind === "pairs");
  assert([...t.posAnchors, ...t.negAnchors].every((i) => i === 0 || i === 1));
  assert([...t.positives, ...t.negatives].every((j) => j === 0 || j === 1));
});

Deno.test("crossBatchMemory() state() and setState() resume a queue exactly", () => {
  const make = () =>
    crossBatchMemory(tripletMarginLoss({ margin: 0.1 }), {
      memorySize: 6,
      embeddingSize: 3,
      miner: tripletMarginMiner({ margin: 0.5 }),
    });
  const one = make();
  value(one.compute(tf.tensor2d(a.rows), a.labels));
  const saved = one.state();
  saved.labels[0] = 99; // a copy: the queue is not changed
  assert.notEqual(one.state().labels[0], 99);
  const two = make();
  two.setState(one.state());
  const v1 = value(one.compute(tf.tensor2d(c.rows), c.labels));
  const v2 = value(two.compute(tf.tensor2d(c.rows), c.labels));
  assert.equal(v1, v2);
  assert.deepEqual(one.state(), two.state());
  two.reset();
  assert.deepEqual(
    two.state(),
    crossBatchMemory(contrastiveLoss(), {
      memorySize: 6,
      embeddingSize: 3,
    }).state(),
  );
  assert.throws(
    () => two.setState({ ...one.state(), queueIdx: 6 }),
    /Cannot restore crossBatchMemory state: queueIdx must be an integer in \[0, 6\), got 6/,
  );
  assert.throws(
    () => two.setState({ ...one.state(), labels: new Int32Array(2) }),
    /2 labels, expected 6/,
  );
});

Deno.test("crossBatchMemory() rejects bad sizes, batches, masks and losses with one line", () => {
  const loss = contrastiveLoss();
  for (const memorySize of [0, -3, 2.5, NaN]) {
    assert.throws(
      () => crossBatchMemory(loss, { memorySize, embeddingSize: 3 }),
      /Cannot create crossBatchMemory: memorySize must be a positive integer/,
    );
  }
  assert.throws(
    () => crossBatchMemory(loss, { memorySize: 4 } as never),
    /embeddingSize must be a positive integer, got undefined/,
  );
  assert.throws(
    () => crossBatchMemory(arcFaceLoss({ numClasses: 2, embeddingSize: 3 }), { embeddingSize: 3 }),
    /Cannot create crossBatchMemory: PML's CrossBatchMemory does not support ArcFaceLoss/,
  );
  const xbm = crossBatchMemory(loss, { memorySize: 3, embeddingSize: 3 });
  const x = tf.tensor2d(a.rows);
  assert.throws(
    () => xbm.compute(x, a.labels),
    /Cannot compute crossBatchMemory: 4 samples to enqueue exceed memorySize 3 \(use a larger memory or an enqueue mask\)/,
  );
  assert.throws(() => xbm.computeMasked(x, a.labels, [true]), /enqueue mask has 1 entries for 4/);
  assert.throws(
    () => xbm.compute(x, a.labels, undefined, { embeddings: x, labels: a.labels }),
    /the memory is the reference/,
  );
  assert.throws(
    () => crossBatchMemory(loss, { memorySize: 8, embeddingSize: 2 }).compute(x, a.labels),
    /embeddings must be 2-D and 2 wide, got shape \[4,3\]/,
  );
  // a mask that enqueues 2 of 4 fits a memory of 3; nothing changed by the failed calls
  assert.equal(xbm.state().queueIdx, 0);
  value(xbm.computeMasked(x, a.labels, [true, true, false, false]));
  assert.equal(xbm.state().queueIdx, 2);
  x.dispose();
});

Deno.test("crossBatchMemory() config() names the loss, miner and sizes", () => {
  const xbm = crossBatchMemory(contrastiveLoss(), {
    memorySize: 16,
    embeddingSize: 3,
    miner: tripletMarginMiner(),
  });
  const cfg = xbm.config();
  assert.equal(cfg.name, "cross-batch-memory");
  assert.equal(cfg.memorySize, 16);
  assert.equal(cfg.embeddingSize, 3);
  assert.deepEqual(cfg.loss, contrastiveLoss().config());
  assert.deepEqual(cfg.miner, tripletMarginMiner().config());
  assert.equal(crossBatchMemory(contrastiveLoss(), { embeddingSize: 3 }).memorySize, 1024);
});
