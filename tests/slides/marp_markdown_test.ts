import assert from "node:assert/strict";
import { escapeNotes, marpMarkdown } from "../../lib/slides/marp_markdown.ts";
import { testDeck } from "./_test_deck.ts";

Deno.test("marpMarkdown() writes Marp front matter with title, footer and style", () => {
  const md = marpMarkdown(testDeck());
  const front = md.split("\n---\n")[0];
  assert.ok(md.startsWith("---\nmarp: true\n"));
  for (const line of ["theme: default", "paginate: true", "size: 16:9"]) {
    assert.ok(front.includes(`\n${line}\n`), line);
  }
  assert.ok(front.includes('\ntitle: "Metric learning: a test deck"\n'));
  assert.ok(front.includes('\nfooter: "metriclab tests"\n'));
  assert.ok(front.includes("\nstyle: |\n  section {"));
});

Deno.test("marpMarkdown() separates the slides by --- and writes notes and classes as comments", () => {
  const deck = testDeck();
  const md = marpMarkdown(deck);
  const body = md.slice(md.indexOf("\n---\n", 4) + 5);
  const slides = body.split("\n\n---\n\n");
  assert.equal(slides.length, deck.slides.length);
  assert.ok(slides[0].startsWith("\n<!-- _class: lead -->\n\n# Metric learning"));
  assert.ok(slides[1].includes("<!--\nAccuracy rises with each epoch.\nSecond line.\n-->"));
  assert.ok(!slides[2].includes("<!--"));
  // One comment closer per note, none inside the notes.
  assert.equal(slides[0].match(/-->/g)?.length, 2); // the class directive and the notes
});

Deno.test("escapeNotes() leaves no comment closer, however many dashes", () => {
  for (const text of ["a --> b", "a ---> b", "a ----> b", "a --!> b", "-->-->", "x --"]) {
    const out = escapeNotes(text);
    assert.ok(!/--!?>/.test(out), `${text} -> ${out}`);
  }
  assert.equal(escapeNotes("  plain notes\n"), "plain notes");
});

Deno.test("marpMarkdown() keeps a title with quotes and colons as one YAML string", () => {
  const md = marpMarkdown({ title: 'A "deck": #1', slides: [{ markdown: "x" }], figures: [] });
  assert.ok(md.includes('\ntitle: "A \\"deck\\": #1"\n'));
});
