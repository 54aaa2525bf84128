/**
 * `deno task tfjs-node`: the opt-in route to the `tensorflow` backend. Installs the
 * project's npm packages and @tensorflow/tfjs-node into a node_modules folder, running
 * tfjs-node's install script (it downloads libtensorflow and its prebuilt binding from
 * storage.googleapis.com). deno.lock stays as it is: the install resolves against a copy
 * of it, node_modules/.tfjs-node.lock, so the default route never fetches tfjs-node.
 *
 * @module
 */
import { parseFlags, runTask, UsageError } from "./_cli.ts";

const TFJS_NODE = "npm:@tensorflow/tfjs-node@4.22.0";

const HELP = `Usage: deno task tfjs-node

Opt-in install of ${TFJS_NODE} for --backend tensorflow (and auto):
  deno install --node-modules-dir=auto --lock=node_modules/.tfjs-node.lock
  deno cache --node-modules-dir=auto --lock=node_modules/.tfjs-node.lock \\
    --allow-scripts=${TFJS_NODE} ${TFJS_NODE}
The second runs tfjs-node's install script, which downloads libtensorflow (needs
internet access to storage.googleapis.com). Where its binding is still missing, the
package is reinstalled first so that the script runs again.

Then run tasks from that folder, e.g.
  deno run -A --node-modules-dir=manual tasks/train.ts --data synthetic --backend tensorflow
(deno task ... keeps reading npm packages from Deno's global cache, without tfjs-node).
Undo: delete node_modules/.

Exit codes: 0 installed with its binding, 1 failed (the install script, or no binding), 2 bad usage.`;

const root = new URL("../", import.meta.url);
const nodeModules = new URL("node_modules/", root);
const installed = new URL("@tensorflow/tfjs-node/", nodeModules);

function bindingFound(): boolean {
  try {
    for (const entry of Deno.readDirSync(new URL("lib/", installed))) {
      const binding = new URL(`lib/${entry.name}/tfjs_binding.node`, installed);
      if (entry.name.startsWith("napi-v") && Deno.statSync(binding).isFile) return true;
    }
  } catch {
    // no lib/ folder: the install script did not finish
  }
  return false;
}

async function deno(args: string[]): Promise<boolean> {
  console.error(`$ deno ${args.join(" ")}`);
  const command = new Deno.Command(Deno.execPath(), { args, cwd: root, stdin: "null" });
  return (await command.spawn().status).success;
}

await runTask(async () => {
  const { values, positionals } = parseFlags({
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return void console.log(HELP);
  if (positionals.length > 0) throw new UsageError(`Unexpected argument ${positionals[0]}`);
  await Deno.mkdir(nodeModules, { recursive: true });
  const lock = "node_modules/.tfjs-node.lock";
  await Deno.copyFile(new URL("deno.lock", root), new URL(lock, root));
  if (!bindingFound()) {
    // Deno marks a package's scripts as run even when they failed: reinstall it so
    // that its install script runs again.
    await Deno.remove(new URL(".deno/@tensorflow+tfjs-node@4.22.0/", nodeModules), {
      recursive: true,
    }).catch(() => {});
  }
  const common = ["--node-modules-dir=auto", `--lock=${lock}`];
  if (!(await deno(["install", ...common]))) return 1;
  const scripts = await deno(["cache", ...common, `--allow-scripts=${TFJS_NODE}`, TFJS_NODE]);
  if (!scripts || !bindingFound()) {
    console.error(
      "tfjs-node is installed without its native binding: its install script could not " +
        "download libtensorflow (see above); --backend auto falls back to onednn, blas or wasm",
    );
    return 1;
  }
  console.error(
    "tfjs-node is installed with its binding. Run tasks with it: deno run -A " +
      "--node-modules-dir=manual tasks/train.ts --data synthetic --backend tensorflow",
  );
});
