/**
 * `tasks/train.ts` on a disk that is full for the files matching `$METRICLAB_FULL_DISK`
 * (a regular expression): those writes fail as `ENOSPC` does.
 *
 * @module
 */
import { injectWriteFault } from "../../lib/run/run_folder.ts";

const pattern = new RegExp(Deno.env.get("METRICLAB_FULL_DISK") ?? "$^");
injectWriteFault((path) =>
  pattern.test(path)
    ? Object.assign(new Error(`No space left on device (os error 28): writefile '${path}'`), {
      code: "ENOSPC",
    })
    : undefined
);
await import("../../tasks/train.ts");
