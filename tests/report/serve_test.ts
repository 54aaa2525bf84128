import assert from "node:assert/strict";
import { join } from "node:path";
import { createStaticHandler, serveSite } from "../../lib/report/serve.ts";

const SECRET = '{"secret": true}';

/** A temp folder: `outside/deno.json` (must never be served) and `outside/site/` (served). */
async function makeSite(): Promise<{ top: string; root: string }> {
  const top = await Deno.makeTempDir({ prefix: "metriclab-serve-" });
  const root = join(top, "site");
  await Deno.mkdir(join(root, "sub"), { recursive: true });
  await Deno.mkdir(join(root, "empty"));
  await Deno.writeTextFile(join(top, "deno.json"), SECRET);
  const files: Record<string, string | Uint8Array> = {
    "index.html": "<!doctype html><title>é</title>",
    "style.css": "body{}",
    "app.js": "console.log(1)",
    "fig.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "img.png": new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    "photo.jpg": new Uint8Array([0xff, 0xd8, 0xff]),
    "data.json": '{"a":1}',
    "notes.txt": "hello",
    "mod.wasm": new Uint8Array([0x00, 0x61, 0x73, 0x6d]),
    "blob.bin": new Uint8Array([1, 2, 3]),
    "sub/index.html": "<p>sub</p>",
    "empty/readme.txt": "no index here",
  };
  for (const [name, data] of Object.entries(files)) {
    if (typeof data === "string") await Deno.writeTextFile(join(root, name), data);
    else await Deno.writeFile(join(root, name), data);
  }
  return { top, root };
}

const get = (handler: (req: Request) => Promise<Response>, path: string, method = "GET") =>
  handler(new Request(`http://127.0.0.1${path}`, { method }));

Deno.test("createStaticHandler() serves files with their content types, UTF-8 for text", async () => {
  const { top, root } = await makeSite();
  const handler = createStaticHandler(root);
  const expected: [string, string][] = [
    ["/index.html", "text/html; charset=utf-8"],
    ["/style.css", "text/css; charset=utf-8"],
    ["/app.js", "text/javascript; charset=utf-8"],
    ["/fig.svg", "image/svg+xml; charset=utf-8"],
    ["/img.png", "image/png"],
    ["/photo.jpg", "image/jpeg"],
    ["/data.json", "application/json; charset=utf-8"],
    ["/notes.txt", "text/plain; charset=utf-8"],
    ["/mod.wasm", "application/wasm"],
    ["/blob.bin", "application/octet-stream"],
  ];
  for (const [path, type] of expected) {
    const res = await get(handler, path);
    const body = new Uint8Array(await res.arrayBuffer());
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-type"), type, path);
    assert.deepEqual(body, await Deno.readFile(join(root, path)), path);
    assert.equal(res.headers.get("content-length"), String(body.byteLength), path);
  }
  const html = await get(handler, "/index.html");
  assert.equal(await html.text(), "<!doctype html><title>é</title>");
  await Deno.remove(top, { recursive: true });
});

Deno.test("createStaticHandler() answers HEAD with headers only and other methods with 405", async () => {
  const { top, root } = await makeSite();
  const handler = createStaticHandler(root);
  const head = await get(handler, "/notes.txt", "HEAD");
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(head.headers.get("content-length"), "5");
  assert.equal(head.body, null);
  for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    const res = await get(handler, "/notes.txt", method);
    await res.body?.cancel();
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get("allow"), "GET, HEAD", method);
  }
  await Deno.remove(top, { recursive: true });
});

Deno.test("createStaticHandler() serves index.html for folders and never lists one", async () => {
  const { top, root } = await makeSite();
  const handler = createStaticHandler(root);
  const home = await get(handler, "/");
  assert.equal(home.status, 200);
  assert.equal(home.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(await home.text(), "<!doctype html><title>é</title>");
  const sub = await get(handler, "/sub/");
  assert.equal(await sub.text(), "<p>sub</p>");
  const redirect = await get(handler, "/sub?x=1");
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get("location"), "/sub/?x=1");
  for (const path of ["/empty/", "/empty", "/missing.html", "/sub/missing/"]) {
    const res = await get(handler, path);
    await res.body?.cancel();
    assert.equal(res.status, 404, path);
  }
  await Deno.remove(top, { recursive: true });
});

Deno.test("createStaticHandler() answers 404 to paths that leave the folder", async () => {
  const { top, root } = await makeSite();
  const handler = createStaticHandler(root);
  const paths = [
    "/../deno.json",
    "/%2e%2e/deno.json",
    "/%2e%2E%2fdeno.json",
    "/..%2fdeno.json",
    "/sub/..%2f..%2fdeno.json",
    "/%252e%252e/deno.json",
    "/%252e%252e%252fdeno.json",
    "/..%5cdeno.json",
    "/sub%5c..%5c..%5cdeno.json",
    "/index.html%00.txt",
    "/%00",
    "/%E0%A4%A", // malformed percent-encoding
    "/C:%2fWindows",
  ];
  for (const path of paths) {
    const res = await get(handler, path);
    const text = await res.text();
    assert.equal(res.status, 404, path);
    assert.ok(!text.includes("secret"), path);
  }
  await Deno.remove(top, { recursive: true });
});

Deno.test({
  name: "createStaticHandler() follows symbolic links inside the folder only",
  ignore: Deno.build.os === "windows",
  async fn() {
    const { top, root } = await makeSite();
    await Deno.symlink(join(top, "deno.json"), join(root, "out.json"));
    await Deno.symlink(top, join(root, "up"));
    await Deno.writeTextFile(join(top, "index.html"), "outside");
    await Deno.symlink(join(root, "notes.txt"), join(root, "in.txt"));
    const handler = createStaticHandler(root);
    for (const path of ["/out.json", "/up/deno.json", "/up/", "/up/site/../deno.json"]) {
      const res = await get(handler, path);
      await res.body?.cancel();
      assert.equal(res.status, 404, path);
    }
    const inside = await get(handler, "/in.txt");
    assert.equal(inside.status, 200);
    assert.equal(await inside.text(), "hello");
    // The served folder itself may be reached through a link.
    await Deno.symlink(root, join(top, "alias"));
    const viaAlias = await get(createStaticHandler(join(top, "alias")), "/notes.txt");
    assert.equal(await viaAlias.text(), "hello");
    await Deno.remove(top, { recursive: true });
  },
});

Deno.test("createStaticHandler() answers 404 when the folder does not exist", async () => {
  const res = await get(createStaticHandler("/nonexistent/metriclab/site"), "/");
  await res.body?.cancel();
  assert.equal(res.status, 404);
});

/** Sends one raw HTTP/1.1 request (the path as is, unlike fetch) and returns the status. */
async function rawStatus(port: number, path: string): Promise<{ status: number; text: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(request));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(4096);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    return { status: Number(text.split(" ")[1]), text };
  } finally {
    conn.close();
  }
}

Deno.test("serveSite() serves on 127.0.0.1 and refuses raw traversal paths", async () => {
  const { top, root } = await makeSite();
  const server = await serveSite({ dir: root, port: 0 });
  try {
    assert.equal(server.host, "127.0.0.1");
    assert.ok(server.port > 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}/`);
    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await res.text(), "<!doctype html><title>é</title>");
    const post = await fetch(server.url, { method: "POST", body: "x" });
    await post.body?.cancel();
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    assert.equal((await rawStatus(server.port, "/notes.txt")).status, 200);
    for (
      const path of ["/../deno.json", "/%2e%2e/deno.json", "/..\\deno.json", "/sub/../../deno.json"]
    ) {
      const { status, text } = await rawStatus(server.port, path);
      assert.equal(status, 404, path);
      assert.ok(!text.includes("secret"), path);
    }
  } finally {
    await server.shutdown();
    await Deno.remove(top, { recursive: true });
  }
});

Deno.test("serveSite() says the port is in use in one line", async () => {
  const { top, root } = await makeSite();
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (blocker.addr as Deno.NetAddr).port;
  try {
    await assert.rejects(
      serveSite({ dir: root, port }),
      (error: Error) => {
        assert.equal(
          error.message,
          `Cannot serve on 127.0.0.1:${port}: the port is in use (try --port ${port + 1})`,
        );
        return true;
      },
    );
  } finally {
    blocker.close();
    await Deno.remove(top, { recursive: true });
  }
});

Deno.test("serveSite() rejects a non-loopback host, a bad port and a missing folder", async () => {
  const { top, root } = await makeSite();
  await assert.rejects(serveSite({ dir: root, port: 0, host: "0.0.0.0" }), RangeError);
  await assert.rejects(serveSite({ dir: root, port: 0, host: "192.168.1.1" }), RangeError);
  await assert.rejects(serveSite({ dir: root, port: 70000 }), RangeError);
  await assert.rejects(serveSite({ dir: root, port: 1.5 }), RangeError);
  await assert.rejects(
    serveSite({ dir: join(top, "missing"), port: 0 }),
    /Cannot serve ".*missing": no such folder/,
  );
  await assert.rejects(serveSite({ dir: join(root, "notes.txt"), port: 0 }), /not a folder/);
  await Deno.remove(top, { recursive: true });
});

Deno.test("serveSite() stops when its signal aborts", async () => {
  const { top, root } = await makeSite();
  const controller = new AbortController();
  const server = await serveSite({ dir: root, port: 0, signal: controller.signal });
  const res = await fetch(new URL("notes.txt", server.url));
  assert.equal(await res.text(), "hello");
  controller.abort();
  await server.finished;
  await assert.rejects(fetch(server.url), TypeError);
  await Deno.remove(top, { recursive: true });
});

Deno.test("createStaticHandler() refuses upper-case and mixed encodings of dots and slashes", async () => {
  const { top, root } = await makeSite();
  const handler = createStaticHandler(root);
  const paths = [
    "/..%2Fdeno.json",
    "/%2E%2E%2Fdeno.json",
    "/%2E%2e/deno.json",
    "/sub/%2E%2E%2F%2E%2E%2Fdeno.json",
    "/sub%2F..%2F..%2Fdeno.json",
    "/.%2E/deno.json",
    "/%2e./deno.json",
    "/..%5Cdeno.json",
    "//..//deno.json",
    `/${encodeURIComponent(join(top, "deno.json"))}`, // an absolute path, encoded
  ];
  for (const path of paths) {
    const res = await get(handler, path);
    const text = await res.text();
    assert.equal(res.status, 404, path);
    assert.ok(!text.includes("secret"), path);
  }
  // An encoded slash inside the folder names the file it spells: still served.
  const ok = await get(handler, "/sub%2Findex.html");
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), "<p>sub</p>");
  // A leading double slash is not a way to an absolute path.
  const abs = await get(handler, `//${top.replace(/^\//, "")}/deno.json`);
  await abs.body?.cancel();
  assert.equal(abs.status, 404);
  await Deno.remove(top, { recursive: true });
});
