import assert from "node:assert/strict";
import { formatSeconds } from "../../tasks/_cli.ts";

Deno.test("formatSeconds() rounds to the second before splitting into minutes and hours", () => {
  assert.equal(formatSeconds(42.4), "42s");
  assert.equal(formatSeconds(59.6), "1m00s");
  assert.equal(formatSeconds(479.6), "8m00s");
  assert.equal(formatSeconds(425), "7m05s");
  assert.equal(formatSeconds(4440), "1h14m");
  assert.equal(formatSeconds(NaN), "?");
});
