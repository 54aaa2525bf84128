/**
 * A small static file server for the report site: loopback only, GET and HEAD only,
 * `index.html` for folders, no listings, and nothing outside the served folder.
 *
 * @module
 */
import { extname, join, sep } from "node:path";

/** Content types by file extension (text types in UTF-8). */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".jsonl": "application/jsonl; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".tsv": "text/tab-separated-values; charset=utf-8",
  ".svg": "image/svg+xml; charset=utf-8",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".wasm": "application/wasm",
};

const ALLOW = "GET, HEAD";

function plain(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(text + "\n", {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
      ...headers,
    },
  });
}

const notFound = () => plain(404, "Not Found");

/**
 * The relative path segments a URL path names, or undefined when it could name something
 * outside the folder (a `..` segment, also percent-encoded; a backslash; a NUL byte) or
 * is malformed. Decoded once only: `%252e` stays the literal name `%2e`.
 */
function safeSegments(pathname: string): string[] | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined; // malformed percent-encoding
  }
  if (!decoded.startsWith("/") || decoded.includes("\0") || decoded.includes("\\")) {
    return undefined;
  }
  const segments = decoded.split("/").filter((s) => s !== "" && s !== ".");
  // A drive letter or a ".." could step out of the folder on some system: refuse both.
  if (segments.some((s) => s === ".." || s.includes(":"))) return undefined;
  return segments;
}

/** The real path of `path` if it exists and lies inside `rootReal`, else undefined. */
async function realInside(path: string, rootReal: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch {
    return undefined;
  }
  const prefix = rootReal.endsWith(sep) ? rootReal : rootReal + sep;
  return real === rootReal || real.startsWith(prefix) ? real : undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * Makes a request handler that serves the files under `root`.
 *
 * - GET and HEAD only; any other method answers 405 with an `Allow: GET, HEAD` header.
 * - A folder answers its `index.html` (a path without the trailing slash is redirected
 *   to it, so that relative links work); a folder without one is 404: no listings.
 * - Every path is resolved with `Deno.realPath` and must stay inside the real path of
 *   `root`: `..` (also percent-encoded), backslashes, NUL bytes and symbolic links that
 *   point outside all answer 404.
 * - Content types from {@linkcode CONTENT_TYPES} (UTF-8 for text), else
 *   `application/octet-stream`.
 *
 * @param root The folder to serve. It is resolved on the first request; when it does
 *   not exist, every request answers 404.
 * @returns A handler for `Deno.serve` (or any caller with a `Request`).
 *
 * @example
 * ```ts
 * import { createStaticHandler } from "./serve.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/index.html`, "<h1>hi</h1>");
 * const handler = createStaticHandler(dir);
 * const res = await handler(new Request("http://127.0.0.1/"));
 * if (res.status !== 200 || (await res.text()) !== "<h1>hi</h1>") throw new Error("not served");
 * const post = await handler(new Request("http://127.0.0.1/", { method: "POST" }));
 * if (post.status !== 405) throw new Error("POST was accepted");
 * await post.body?.cancel();
 * ```
 */
export function createStaticHandler(root: string): (req: Request) => Promise<Response> {
  let rootReal: Promise<string | undefined> | undefined;
  return async (req: Request): Promise<Response> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return plain(405, "Method Not Allowed", { allow: ALLOW });
    }
    rootReal ??= Deno.realPath(root).catch(() => undefined);
    const base = await rootReal;
    if (base === undefined) return notFound();
    const url = new URL(req.url);
    const segments = safeSegments(url.pathname);
    if (segments === undefined) return notFound();
    let path = await realInside(join(base, ...segments), base);
    if (path === undefined) return notFound();
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(path);
    } catch {
      return notFound();
    }
    if (stat.isDirectory) {
      const index = await realInside(join(path, "index.html"), base);
      if (index === undefined || !(await isFile(index))) return notFound();
      if (!url.pathname.endsWith("/")) {
        return new Response(null, {
          status: 301,
          headers: { location: `${url.pathname}/${url.search}` },
        });
      }
      path = index;
    } else if (!stat.isFile) {
      return notFound();
    }
    let body: Uint8Array;
    try {
      body = await Deno.readFile(path);
    } catch {
      return notFound();
    }
    const headers = {
      "content-type": CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream",
      "content-length": String(body.byteLength),
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    };
    return new Response(req.method === "HEAD" ? null : body as Uint8Array<ArrayBuffer>, {
      status: 200,
      headers,
    });
  };
}

/** Options of {@linkcode serveSite}. */
export interface ServeSiteOptions {
  /** The folder to serve. */
  dir: string;
  /** The TCP port; 0 picks a free one. @default 8000 */
  port?: number;
  /** A loopback address: 127.0.0.1 (or another 127.x.y.z), `::1` or `localhost`. @default "127.0.0.1" */
  host?: string;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
}

/** What {@linkcode serveSite} returns once it listens. */
export interface ServeSiteResult {
  /** The site's address, e.g. `http://127.0.0.1:8000/`. */
  url: string;
  /** The host it listens on. */
  host: string;
  /** The port it listens on (the chosen one when 0 was asked). */
  port: number;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
  /** Stops the server; resolves when it has stopped. */
  shutdown(): Promise<void>;
}

function isLoopback(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  const parts = host.split(".");
  return parts.length === 4 && parts[0] === "127" &&
    parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/**
 * Serves a folder over HTTP on a loopback address with {@linkcode createStaticHandler}.
 *
 * @param options The folder, port, host and an optional abort signal.
 * @returns The address and a way to stop, once the server listens.
 * @throws {RangeError} When the host is not a loopback address or the port is not 0-65535.
 * @throws {Deno.errors.NotFound} When the folder does not exist.
 * @throws {Error} `Cannot serve on 127.0.0.1:8000: the port is in use (try --port 8001)`.
 *
 * @example
 * ```ts
 * import { serveSite } from "./serve.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/index.html`, "<h1>hi</h1>");
 * const server = await serveSite({ dir, port: 0 });
 * const res = await fetch(server.url);
 * if ((await res.text()) !== "<h1>hi</h1>") throw new Error("not served");
 * await server.shutdown();
 * ```
 */
export async function serveSite(options: ServeSiteOptions): Promise<ServeSiteResult> {
  const { dir, port = 8000, host = "127.0.0.1", signal } = options;
  if (!isLoopback(host)) {
    throw new RangeError(
      `Cannot serve on ${host}: not a loopback address (use 127.0.0.1, another 127.x.y.z or ::1)`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Cannot serve on port ${port}: not an integer from 0 to 65535`);
  }
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`Cannot serve "${dir}": no such folder`);
    }
    throw error;
  }
  if (!info.isDirectory) throw new TypeError(`Cannot serve "${dir}": not a folder`);
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { hostname: host, port, signal, onListen: () => {} },
      createStaticHandler(dir),
    );
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      const next = port === 65535 ? port - 1 : port + 1;
      throw new Error(
        `Cannot serve on ${host}:${port}: the port is in use (try --port ${next})`,
      );
    }
    if (error instanceof Deno.errors.AddrNotAvailable) {
      throw new Error(`Cannot serve on ${host}:${port}: the address is not available here`);
    }
    throw error;
  }
  const addr = server.addr;
  const shown = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return {
    url: `http://${shown}:${addr.port}/`,
    host: addr.hostname,
    port: addr.port,
    finished: server.finished,
    async shutdown() {
      await server.shutdown();
    },
  };
}
