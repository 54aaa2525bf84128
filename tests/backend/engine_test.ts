import assert from "node:assert/strict";
import {
  assertEngineVersions,
  ENGINE_VERSIONS,
  engineVersionProblem,
  loadedEngineVersions,
} from "../../lib/backend/_engine.ts";
import { ONEDNN_VERSION, oneDnnVersionProblem } from "../../lib/backend/onednn.ts";
import { installFastGradients, uninstallFastGradients } from "../../lib/backend/fast_gradients.ts";

Deno.test("the tfjs packages loaded are the versions the native kernels were written against", () => {
  assert.deepEqual(loadedEngineVersions(), ENGINE_VERSIONS);
  assert.equal(engineVersionProblem(), null);
  assertEngineVersions();
});

Deno.test("another tfjs-core or tfjs-backend-wasm version is refused in one line naming it", () => {
  const core = engineVersionProblem({ ...ENGINE_VERSIONS, "tfjs-core": "4.21.0" });
  assert.equal(
    core,
    "metriclab's native kernels read the internals of tfjs-core 4.22.0, found tfjs-core 4.21.0",
  );
  const wasm = { ...ENGINE_VERSIONS, "tfjs-backend-wasm": "4.23.1" };
  assert.match(engineVersionProblem(wasm)!, /^[^\n]*tfjs-backend-wasm 4\.22\.0, found .*4\.23\.1$/);
  assert.throws(() => assertEngineVersions(wasm), /found tfjs-backend-wasm 4\.23\.1/);
});

Deno.test("oneDNN is taken at the minor version its bindings were written for, any patch", () => {
  assert.equal(ONEDNN_VERSION, "2.6");
  for (const ok of ["2.6.0", "2.6.3", "2.6.10"]) assert.equal(oneDnnVersionProblem(ok), null, ok);
  for (const bad of ["2.7.0", "2.5.4", "3.6.0", "2.60.0"]) {
    const problem = oneDnnVersionProblem(bad);
    assert.ok(problem !== null, bad);
    assert.ok(!problem.includes("\n"));
    assert.ok(problem.includes(`found oneDNN ${bad}`) && problem.includes("oneDNN 2.6"), problem);
  }
});

Deno.test("the fast gradient kernels install on the versions written for", () => {
  const { kernels, warnings } = installFastGradients("cpu");
  assert.deepEqual(warnings, []);
  assert.ok(kernels.length > 0);
  uninstallFastGradients("cpu");
});
