/**
 * The run folder (`config.json`, `metrics.jsonl`, embeddings, `summary.json`): atomic
 * writers ({@linkcode writeJsonAtomic}, {@linkcode appendJsonLine},
 * {@linkcode writeFloat32}), readers, checkpoints for resuming (and the training state in
 * them: {@linkcode toCheckpoint}), the trained artefacts ({@linkcode writeRunArtefacts}),
 * inspection and repair of an interrupted folder, and the claim ({@linkcode claimRun})
 * that keeps two processes from training one run at once.
 *
 * ```ts
 * import { appendJsonLine, readJsonLines } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await appendJsonLine(`${dir}/metrics.jsonl`, { epoch: 1, loss: 0.5 });
 * const { records } = await readJsonLines(`${dir}/metrics.jsonl`);
 * if (records.length !== 1) throw new Error("not read back");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./run_folder.ts";
export * from "./run_claim.ts";
export * from "./checkpoint_state.ts";
export * from "./artefacts.ts";
