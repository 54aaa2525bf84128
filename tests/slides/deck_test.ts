import assert from "node:assert/strict";
import {
  type Deck,
  figureExtension,
  figureReferences,
  validateDeck,
} from "../../lib/slides/deck.ts";
import { samplePng, testDeck } from "./_test_deck.ts";

/** The deck with `change` applied to a copy. */
function variant(change: (deck: Deck) => void): Deck {
  const deck = testDeck();
  change(deck);
  return deck;
}

Deno.test("validateDeck() accepts the test deck", () => {
  validateDeck(testDeck());
});

Deno.test("validateDeck() rejects duplicate and malformed figure names, naming them", () => {
  assert.throws(
    () => validateDeck(variant((d) => d.figures.push({ ...d.figures[0] }))),
    (e) => e instanceof TypeError && e.message.includes('two figures are named "accuracy"'),
  );
  for (const name of ["Accuracy", "a b", "a/b", "-a", "", "a.svg"]) {
    assert.throws(
      () => validateDeck(variant((d) => (d.figures[0].name = name))),
      (e) => e instanceof TypeError && e.message.includes(JSON.stringify(name)),
      name,
    );
  }
});

Deno.test("validateDeck() rejects a slide that refers to a missing figure or the wrong file", () => {
  assert.throws(
    () => validateDeck(variant((d) => (d.slides[1].markdown = "![x](figures/missing.svg)"))),
    (e) =>
      e instanceof TypeError && e.message.includes("slide 2") &&
      e.message.includes('"figures/missing.svg"'),
  );
  assert.throws(
    () => validateDeck(variant((d) => (d.slides[1].markdown = "![x](figures/accuracy.png)"))),
    (e) => e instanceof TypeError && e.message.includes("written as .svg"),
  );
  assert.throws(
    () => validateDeck(variant((d) => (d.slides[1].markdown = "![x](figures/sample.svg)"))),
    (e) => e instanceof TypeError && e.message.includes("written as .png"),
  );
  assert.throws(
    () => validateDeck(variant((d) => (d.slides[1].markdown = '<img src="figures/nope.png">'))),
    (e) => e instanceof TypeError && e.message.includes('"figures/nope.png"'),
  );
});

Deno.test("validateDeck() rejects figures without exactly one source, bad PNGs, bad classes", () => {
  assert.throws(
    () => validateDeck(variant((d) => (d.figures[0].svg = "<svg></svg>"))),
    /exactly one of plot, svg, png; found 2/,
  );
  assert.throws(
    () => validateDeck(variant((d) => (d.figures[2].png = new Uint8Array([1, 2, 3])))),
    /PNG signature/,
  );
  assert.throws(
    () => validateDeck(variant((d) => (d.slides[0].className = "lead --> <!-- x"))),
    /slide 1 has the class/,
  );
  assert.throws(() => validateDeck(variant((d) => (d.slides = []))), /no slides/);
  assert.throws(() => validateDeck(variant((d) => (d.footer = "a\nb"))), /one line/);
  assert.throws(() => validateDeck(variant((d) => (d.figures[0].alt = " "))), /no alt text/);
});

Deno.test("figureReferences() finds image, link and src targets, with ./ or not", () => {
  const refs = figureReferences(
    '![a](figures/a.svg) [b](./figures/b-2.png "t") <img src="figures/c.svg"> ![d](<figures/d.svg>)',
    4,
  );
  assert.deepEqual(
    refs.map((r) => [r.slide, r.name, r.ext]).sort(),
    [[4, "a", "svg"], [4, "b-2", "png"], [4, "c", "svg"], [4, "d", "svg"]],
  );
  assert.deepEqual(figureReferences("the figures/ folder, ![x](other/x.svg)", 0), []);
});

Deno.test("figureExtension() is png for PNG figures only", () => {
  assert.equal(figureExtension({ name: "a", alt: "a", png: samplePng() }), "png");
  assert.equal(figureExtension({ name: "a", alt: "a", svg: "<svg/>" }), "svg");
  assert.equal(figureExtension({ name: "a", alt: "a", plot: { marks: [] } }), "svg");
});
