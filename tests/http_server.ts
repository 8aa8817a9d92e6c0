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

/** Serves the files under `root` read-only; stops when disposed. */
export function serveDirectory(root: string): { url: string; host: string } & AsyncDisposable {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const rel = decodeURIComponent(new URL(req.url).pathname);
    const path = nodePath.join(root, nodePath.normalize(rel));
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
  return { url: `http://${host}`, host, [Symbol.asyncDispose]: () => server.shutdown() };
}
