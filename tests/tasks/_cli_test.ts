import assert from "node:assert/strict";
import { durationFlag, formatSeconds } from "../../tasks/_cli.ts";

Deno.test("formatSeconds() rounds to the second before splitting into minutes and hours", () => {
  assert.equal(formatSeconds(42.4), "42s");
  assert.equal(formatSeconds(59.6), "1m00s");
  assert.equal(formatSeconds(479.6), "8m00s");
  assert.equal(formatSeconds(425), "7m05s");
  assert.equal(formatSeconds(4440), "1h14m");
  assert.equal(formatSeconds(NaN), "?");
});

Deno.test("durationFlag() reads seconds, minutes and hours, and names the flag otherwise", () => {
  assert.equal(durationFlag("stale-after", undefined, 5), 5);
  assert.equal(durationFlag("stale-after", "90", 0), 90_000);
  assert.equal(durationFlag("stale-after", "90s", 0), 90_000);
  assert.equal(durationFlag("stale-after", "10m", 0), 600_000);
  assert.equal(durationFlag("stale-after", "1.5h", 0), 5_400_000);
  for (const bad of ["", "0", "-1m", "10 minutes", "m"]) {
    assert.throws(() => durationFlag("stale-after", bad, 0), /^Error: Invalid --stale-after/);
  }
});
