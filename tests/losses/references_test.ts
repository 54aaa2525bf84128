/**
 * Reference embeddings (PML's `ref_emb`, `ref_labels`) in the losses: anchors from the
 * batch, positives and negatives from the references, checked against brute-force loops.
 */
import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { plain, randomBatch, tf } from "./_helpers.ts";
import { contrastiveLoss } from "../../lib/losses/contrastive_loss.ts";
import { tripletMarginLoss } from "../../lib/losses/triplet_margin_loss.ts";
import { multiSimilarityLoss } from "../../lib/losses/multi_similarity_loss.ts";
import { ntXentLoss } from "../../lib/losses/nt_xent_loss.ts";
import { arcFaceLoss } from "../../lib/losses/arc_face_loss.ts";
import { proxyAnchorLoss } from "../../lib/losses/proxy_anchor_loss.ts";
import { allPairs } from "../../lib/miners/tuples.ts";
import type { IndicesTuple, MetricLoss } from "../../lib/types.ts";

const batch = randomBatch(61, 3, 2, 4, 0.8);
const refs = randomBatch(62, 3, 3, 4, 0.8);

/** The loss of the batch against the references (tensors disposed). */
function withRef(loss: MetricLoss, indices?: IndicesTuple, ref = refs): number {
  return tf.tidy(() =>
    loss.compute(tf.tensor2d(batch.rows), batch.labels, indices, {
      embeddings: tf.tensor2d(ref.rows),
      labels: ref.labels,
    }).dataSync()[0]
  );
}

/** Every (batch i, reference j) distance, normalised rows, with whether the labels match. */
function crossPairs(): { i: number; j: number; d: number; s: number; same: boolean }[] {
  const a = batch.rows.map(plain.normalize), b = refs.rows.map(plain.normalize);
  return a.flatMap((x, i) =>
    b.map((y, j) => ({
      i,
      j,
      d: plain.dist(x, y),
      s: plain.dot(x, y),
      same: batch.labels[i] === refs.labels[j],
    }))
  );
}

const avgNonZero = (t: number[]) => {
  const nz = t.filter((v) => v > 0);
  return nz.length ? nz.reduce((a, b) => a + b, 0) / nz.length : 0;
};

Deno.test("contrastiveLoss() with references uses every batch-reference pair", () => {
  const pairs = crossPairs();
  const want = avgNonZero(pairs.filter((p) => p.same).map((p) => p.d)) +
    avgNonZero(pairs.filter((p) => !p.same).map((p) => Math.max(0, 1 - p.d)));
  assertClose(withRef(contrastiveLoss()), want, { atol: 1e-6, rtol: 1e-5 });
});

Deno.test("tripletMarginLoss() with references forms (batch a, reference p, reference n)", () => {
  const pairs = crossPairs();
  const terms: number[] = [];
  for (const p of pairs.filter((x) => x.same)) {
    for (const n of pairs.filter((x) => !x.same && x.i === p.i)) {
      terms.push(Math.max(0, p.d - n.d + 0.1));
    }
  }
  assertClose(withRef(tripletMarginLoss({ margin: 0.1 })), avgNonZero(terms), {
    atol: 1e-6,
    rtol: 1e-5,
  });
});

Deno.test("multiSimilarityLoss() with references averages over the batch rows", () => {
  const pairs = crossPairs();
  let total = 0;
  for (let i = 0; i < batch.labels.length; i++) {
    const mine = pairs.filter((p) => p.i === i);
    const pos = mine.filter((p) => p.same).reduce((s, p) => s + Math.exp(-2 * (p.s - 0.5)), 0);
    const neg = mine.filter((p) => !p.same).reduce((s, p) => s + Math.exp(50 * (p.s - 0.5)), 0);
    total += Math.log1p(pos) / 2 + Math.log1p(neg) / 50;
  }
  assertClose(withRef(multiSimilarityLoss()), total / batch.labels.length, {
    atol: 1e-6,
    rtol: 1e-5,
  });
});

Deno.test("losses with the batch as its own reference and the batch's pairs equal the plain loss", () => {
  const pairs = allPairs(batch.labels);
  for (
    const loss of [contrastiveLoss(), tripletMarginLoss(), multiSimilarityLoss(), ntXentLoss()]
  ) {
    const plainValue = tf.tidy(() =>
      loss.compute(tf.tensor2d(batch.rows), batch.labels).dataSync()[0]
    );
    assertClose(withRef(loss, pairs, batch), plainValue, {
      atol: 1e-6,
      rtol: 1e-5,
      what: String(loss.config().name),
    });
  }
});

Deno.test("losses with references: no leak, gradient to the batch only, clear errors", () => {
  const loss = contrastiveLoss();
  const x = tf.tensor2d(batch.rows);
  const r = tf.tensor2d(refs.rows);
  const before = tf.memory().numTensors;
  const g = tf.grad((t: tf.Tensor) =>
    loss.compute(t as tf.Tensor2D, batch.labels, undefined, {
      embeddings: r,
      labels: refs.labels,
    })
  )(x);
  assert.equal(g.shape.join(), x.shape.join());
  assert(g.dataSync().some((v) => v !== 0));
  g.dispose();
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  assert.throws(
    () => loss.compute(x, batch.labels, undefined, { embeddings: r, labels: batch.labels }),
    /Cannot compute contrastiveLoss: 6 reference labels for 9 reference embeddings/,
  );
  const narrow = tf.zeros([3, 2]) as tf.Tensor2D;
  assert.throws(
    () => loss.compute(x, batch.labels, undefined, { embeddings: narrow, labels: refs.labels }),
    /references must be 2-D and 4 wide/,
  );
  const far = { ...allPairs(batch.labels, refs.labels), positives: new Int32Array([9]) };
  far.posAnchors = new Int32Array([0]);
  assert.throws(
    () => loss.compute(x, batch.labels, far, { embeddings: r, labels: refs.labels }),
    /index 9 is outside the references of 9/,
  );
  for (
    const l of [
      arcFaceLoss({ numClasses: 3, embeddingSize: 4 }),
      proxyAnchorLoss({ numClasses: 3, embeddingSize: 4 }),
    ]
  ) {
    assert.throws(
      () => l.compute(x, batch.labels, undefined, { embeddings: r, labels: refs.labels }),
      /with reference embeddings: PML does not support them for this loss/,
    );
  }
  tf.dispose([x, r, narrow]);
});
