import assert from "node:assert/strict";
import { assertClose } from "../_assert.ts";
import { commonLossChecks, lossValue, plain, randomBatch } from "./_helpers.ts";
import { proxyAnchorLoss } from "../../lib/losses/proxy_anchor_loss.ts";
import { lossFromConfig } from "../../lib/losses/registry.ts";

function reference(rows: number[][], labels: Int32Array, P: number[][], m: number, alpha: number) {
  const e = rows.map(plain.normalize);
  const p = P.map(plain.normalize);
  let pos = 0, neg = 0;
  p.forEach((proxy, c) => {
    let sp = 0, sn = 0, hp = false, hn = false;
    e.forEach((x, i) => {
      const cos = plain.dot(x, proxy);
      if (labels[i] === c) {
        sp += Math.exp(-alpha * (cos - m));
        hp = true;
      } else {
        sn += Math.exp(alpha * (cos + m));
        hn = true;
      }
    });
    if (hp) pos += Math.log(1 + sp);
    if (hn) neg += Math.log(1 + sn);
  });
  return pos / new Set(labels).size + neg / P.length;
}

Deno.test("proxyAnchorLoss() matches a brute-force loop (pos over classes present, neg over all)", () => {
  const { rows, labels } = randomBatch(67, 3, 3, 4, 0.8);
  const P = randomBatch(68, 1, 4, 4).rows; // 4 classes, one absent from the batch
  const loss = proxyAnchorLoss({ numClasses: 4, embeddingSize: 4, weights: P.flat() });
  assertClose([lossValue(loss, rows, labels)], [reference(rows, labels, P, 0.1, 32)], {
    atol: 5e-4,
  });
  loss.dispose();
});

Deno.test("proxyAnchorLoss() lowers under SGD (embeddings and proxies) and leaks nothing", () => {
  const made: ReturnType<typeof proxyAnchorLoss>[] = [];
  commonLossChecks(() => {
    const l = proxyAnchorLoss({ numClasses: 3, embeddingSize: 4, seed: 2 });
    made.push(l);
    return l;
  }, { zeroOnEdges: false, lr: 0.01 });
  made.forEach((l) => l.dispose());
});

Deno.test("proxyAnchorLoss() validates options and round-trips its config", () => {
  const l = proxyAnchorLoss({ numClasses: 3, embeddingSize: 2, alpha: 16, seed: 4 });
  assert.deepEqual(l.trainableVariables()[0].shape, [3, 2]);
  assert.deepEqual(lossFromConfig(l.config()).config(), l.config());
  assert.throws(
    () => proxyAnchorLoss({ numClasses: 3, embeddingSize: 2, alpha: -1 }),
    /alpha must be > 0, got -1/,
  );
  l.dispose();
});
