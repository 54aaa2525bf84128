/**
 * `deno task serve --dir reports/site --port 8000`: serve the static report on 127.0.0.1.
 *
 * @module
 */
import { serveSite } from "../lib/report/serve.ts";
import { numberFlag, parseFlags, runTask, UsageError } from "./_cli.ts";

const HELP = `Usage: deno task serve [--dir reports/site] [--port 8000] [--host 127.0.0.1]

Serves the report site (deno task report) over HTTP on a loopback address only,
GET and HEAD only; a folder answers its index.html; nothing outside --dir is served.

Options:
  --dir DIR     the folder to serve (default: reports/site)
  --port N      the TCP port, 0 for any free one (default: 8000)
  --host ADDR   a loopback address: 127.0.0.1, another 127.x.y.z, ::1 (default: 127.0.0.1)
  -h, --help    this help

Stop it with Ctrl+C. Exit codes: 0 stopped, 1 failed (port in use, no such folder), 2 bad usage.`;

await runTask(async () => {
  const { values, positionals } = parseFlags({
    dir: { type: "string", default: "reports/site" },
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}": use --dir DIR`);
  }
  const port = numberFlag("port", values.port, 8000);
  const controller = new AbortController();
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  const server = await serveSite({
    dir: values.dir,
    port,
    host: values.host,
    signal: controller.signal,
  }).catch((error) => {
    // A bad --port or --host is bad usage (exit 2), not a failure.
    throw error instanceof RangeError ? new UsageError(error.message) : error;
  });
  console.log(`Serving ${values.dir} at ${server.url} (Ctrl+C to stop)`);
  await server.finished;
});
