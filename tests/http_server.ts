/**
 * A static file server on 127.0.0.1 for tests that fetch the program over
 * HTTP (`deno run <url>`, `deno install <url>`).
 *
 * @module
 */

import * as nodePath from "node:path";

const TYPES: Record<string, string> = {
  ".ts": "application/typescript",
  ".js": "application/javascript",
  ".json": "application/json",
};

/**
 * Serves the files under `root` read-only below `url` (which ends in a random
 * folder: Deno caches remote modules by URL, and a port used again by a later
 * run, perhaps of another checkout, must not get this run's files); stops when
 * disposed.
 */
export function serveDirectory(root: string): { url: string; host: string } & AsyncDisposable {
  const prefix = `/${crypto.randomUUID()}`;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const pathname = decodeURIComponent(new URL(req.url).pathname);
    if (!pathname.startsWith(`${prefix}/`)) return new Response("not found", { status: 404 });
    const path = nodePath.join(root, nodePath.normalize(pathname.slice(prefix.length)));
    if (req.method !== "GET" || !path.startsWith(root + nodePath.sep)) {
      return new Response("forbidden", { status: 403 });
    }
    try {
      const body = Deno.readFileSync(path);
      const type = TYPES[nodePath.extname(path)] ?? "application/octet-stream";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const host = `127.0.0.1:${server.addr.port}`;
  return {
    url: `http://${host}${prefix}`,
    host,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
