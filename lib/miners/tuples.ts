/**
 * Pairs and triplets of a batch: all of them (PML's `get_all_pairs_indices` and
 * `get_all_triplets_indices`), conversions between the two kinds (PML's
 * `convert_to_pairs` / `convert_to_triplets`), and a canonical order for comparing them.
 *
 * @module
 */
import type { IndicesTuple, PairIndices, TripletIndices } from "../types.ts";

/**
 * All ordered positive pairs (i, j), i != j, same label, and all ordered negative pairs
 * (i, j) with different labels, row-major (PML's `get_all_pairs_indices`). With
 * `refLabels`, j runs over the references and i == j is kept: a reference row is not the
 * batch row of the same index.
 *
 * @param labels The batch labels.
 * @param refLabels The reference labels, if the pairs go from the batch to references.
 * @returns The pairs.
 *
 * @example
 * ```ts
 * import { allPairs } from "./tuples.ts";
 * const p = allPairs(new Int32Array([0, 0, 1]));
 * if (p.posAnchors.length !== 2 || p.negAnchors.length !== 4) throw new Error();
 * ```
 */
export function allPairs(labels: Int32Array, refLabels?: Int32Array): PairIndices {
  const pa: number[] = [], pp: number[] = [], na: number[] = [], nn: number[] = [];
  const n = labels.length;
  const ref = refLabels ?? labels;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < ref.length; j++) {
      if (i === j && refLabels === undefined) continue;
      if (labels[i] === ref[j]) {
        pa.push(i);
        pp.push(j);
      } else {
        na.push(i);
        nn.push(j);
      }
    }
  }
  return pairsFrom(pa, pp, na, nn);
}

/**
 * All triplets (a, p, n) with p != a, label p = label a, label n != label a, in
 * lexicographic order; there are sum_a #pos(a) * #neg(a) of them (PML's
 * `get_all_triplets_indices`). With `refLabels`, p and n run over the references and
 * p == a is kept.
 *
 * @param labels The batch labels.
 * @param refLabels The reference labels, if positives and negatives are references.
 * @returns The triplets.
 *
 * @example
 * ```ts
 * import { allTriplets } from "./tuples.ts";
 * const t = allTriplets(new Int32Array([0, 0, 1]));
 * if (t.anchors.length !== 2) throw new Error();
 * ```
 */
export function allTriplets(labels: Int32Array, refLabels?: Int32Array): TripletIndices {
  const a: number[] = [], p: number[] = [], ng: number[] = [];
  const n = labels.length;
  const ref = refLabels ?? labels;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < ref.length; j++) {
      if ((j === i && refLabels === undefined) || ref[j] !== labels[i]) continue;
      for (let k = 0; k < ref.length; k++) {
        if (ref[k] === labels[i]) continue;
        a.push(i);
        p.push(j);
        ng.push(k);
      }
    }
  }
  return tripletsFrom(a, p, ng);
}

/**
 * The pairs a pair-based loss uses: all pairs when `indices` is undefined, the pairs
 * themselves, or, from triplets (a, p, n), the positive pairs (a, p) and the negative pairs
 * (a, n), duplicates kept.
 *
 * @param indices A miner's output, or undefined for all pairs.
 * @param labels The batch labels.
 * @param refLabels The reference labels, when positives and negatives are references.
 * @returns The pairs.
 *
 * @example
 * ```ts
 * import { toPairs } from "./tuples.ts";
 * const t = { kind: "triplets" as const, anchors: new Int32Array([0, 0]), positives: new Int32Array([1, 1]), negatives: new Int32Array([2, 3]) };
 * if (toPairs(t, new Int32Array([0, 0, 1, 1])).posAnchors.length !== 2) throw new Error();
 * ```
 */
export function toPairs(
  indices: IndicesTuple | undefined,
  labels: Int32Array,
  refLabels?: Int32Array,
): PairIndices {
  if (indices === undefined) return allPairs(labels, refLabels);
  if (indices.kind === "pairs") return indices;
  return {
    kind: "pairs",
    posAnchors: indices.anchors,
    positives: indices.positives,
    negAnchors: indices.anchors,
    negatives: indices.negatives,
  };
}

/**
 * The triplets a triplet loss uses: all triplets when `indices` is undefined, the triplets
 * themselves, or, from pairs (a1, p, a2, n), every (a1[i], p[i], n[j]) with a1[i] == a2[j]
 * (row-major over i, j).
 *
 * @param indices A miner's output, or undefined for all triplets.
 * @param labels The batch labels.
 * @param refLabels The reference labels, when positives and negatives are references.
 * @returns The triplets.
 *
 * @example
 * ```ts
 * import { toTriplets } from "./tuples.ts";
 * const pairs = { kind: "pairs" as const, posAnchors: new Int32Array([0, 1]), positives: new Int32Array([1, 0]), negAnchors: new Int32Array([0, 0]), negatives: new Int32Array([2, 3]) };
 * if (toTriplets(pairs, new Int32Array([0, 0, 1, 1])).anchors.length !== 2) throw new Error();
 * ```
 */
export function toTriplets(
  indices: IndicesTuple | undefined,
  labels: Int32Array,
  refLabels?: Int32Array,
): TripletIndices {
  if (indices === undefined) return allTriplets(labels, refLabels);
  if (indices.kind === "triplets") return indices;
  const a: number[] = [], p: number[] = [], ng: number[] = [];
  for (let i = 0; i < indices.posAnchors.length; i++) {
    for (let j = 0; j < indices.negAnchors.length; j++) {
      if (indices.posAnchors[i] !== indices.negAnchors[j]) continue;
      a.push(indices.posAnchors[i]);
      p.push(indices.positives[i]);
      ng.push(indices.negatives[j]);
    }
  }
  return tripletsFrom(a, p, ng);
}

function sortedColumns(cols: Int32Array[]): Int32Array[] {
  const n = cols[0].length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((x, y) => {
    for (const c of cols) if (c[x] !== c[y]) return c[x] - c[y];
    return 0;
  });
  return cols.map((c) => Int32Array.from(order, (i) => c[i]));
}

/**
 * A copy of `indices` in the canonical order of the reference vectors: triplets sorted by
 * (anchor, positive, negative); positive pairs by (anchor, positive) and negative pairs by
 * (anchor, negative), each list independently.
 *
 * @param indices Pairs or triplets.
 * @returns The sorted copy (the input is not changed).
 *
 * @example
 * ```ts
 * import { canonicalIndices } from "./tuples.ts";
 * const t = canonicalIndices({ kind: "triplets", anchors: new Int32Array([1, 0]), positives: new Int32Array([0, 1]), negatives: new Int32Array([2, 2]) });
 * if (t.kind !== "triplets" || t.anchors[0] !== 0) throw new Error();
 * ```
 */
export function canonicalIndices(indices: IndicesTuple): IndicesTuple {
  if (indices.kind === "triplets") {
    const [anchors, positives, negatives] = sortedColumns([
      indices.anchors,
      indices.positives,
      indices.negatives,
    ]);
    return { kind: "triplets", anchors, positives, negatives };
  }
  const [posAnchors, positives] = sortedColumns([indices.posAnchors, indices.positives]);
  const [negAnchors, negatives] = sortedColumns([indices.negAnchors, indices.negatives]);
  return { kind: "pairs", posAnchors, positives, negAnchors, negatives };
}

/**
 * Pair indices from plain lists (the form every pair miner builds).
 *
 * @param posAnchors Anchors of the positive pairs.
 * @param positives Their positives.
 * @param negAnchors Anchors of the negative pairs.
 * @param negatives Their negatives.
 * @returns The pairs as typed arrays.
 *
 * @example
 * ```ts
 * import { pairsFrom } from "./tuples.ts";
 * if (pairsFrom([0], [1], [0], [2]).negatives[0] !== 2) throw new Error("wrong");
 * ```
 */
export function pairsFrom(
  posAnchors: number[],
  positives: number[],
  negAnchors: number[],
  negatives: number[],
): PairIndices {
  return {
    kind: "pairs",
    posAnchors: Int32Array.from(posAnchors),
    positives: Int32Array.from(positives),
    negAnchors: Int32Array.from(negAnchors),
    negatives: Int32Array.from(negatives),
  };
}

/**
 * Triplet indices from plain lists (the form every triplet miner builds).
 *
 * @param anchors Anchors.
 * @param positives Positives.
 * @param negatives Negatives.
 * @returns The triplets as typed arrays.
 *
 * @example
 * ```ts
 * import { tripletsFrom } from "./tuples.ts";
 * if (tripletsFrom([0], [1], [2]).anchors.length !== 1) throw new Error("wrong");
 * ```
 */
export function tripletsFrom(
  anchors: number[],
  positives: number[],
  negatives: number[],
): TripletIndices {
  return {
    kind: "triplets",
    anchors: Int32Array.from(anchors),
    positives: Int32Array.from(positives),
    negatives: Int32Array.from(negatives),
  };
}
