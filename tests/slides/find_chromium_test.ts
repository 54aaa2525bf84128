import assert from "node:assert/strict";
import { findChromium } from "../../lib/slides/find_chromium.ts";
import { CHROMIUM, hasChromium } from "./_test_deck.ts";

Deno.test("findChromium() tries only an explicit path", () => {
  assert.equal(findChromium("/nonexistent/chromium"), undefined);
  const file = Deno.makeTempFileSync();
  try {
    assert.equal(findChromium(file), file);
  } finally {
    Deno.removeSync(file);
  }
});

Deno.test({
  name: "findChromium() finds Debian's Chromium",
  ignore: !hasChromium,
  fn() {
    const found = findChromium();
    assert.ok(found !== undefined);
    // $CHROMIUM wins when set; otherwise the Debian path.
    if (!Deno.env.get("CHROMIUM")) assert.equal(found, CHROMIUM);
  },
});
