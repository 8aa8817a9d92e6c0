// JSON requests of the identity-token sources: bounded in time, bodies never quoted in errors.
import assert from "node:assert/strict";
import { SigstoreError } from "../../src/errors.ts";
import { requestJson } from "../../src/methods/sigstore/http_json.ts";

/** Serves one fixed response on 127.0.0.1 for the duration of `use`. */
async function withServer(response: () => Response, use: (url: string) => Promise<void>) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, response);
  try {
    await use(`http://127.0.0.1:${server.addr.port}/x`);
  } finally {
    await server.shutdown();
  }
}

const rejectsWith = (promise: Promise<unknown>, message: RegExp) =>
  assert.rejects(promise, (error) => {
    assert.ok(error instanceof SigstoreError);
    assert.match(error.message, message);
    return true;
  });

Deno.test("requestJson returns the parsed body of a 2xx answer", async () => {
  await withServer(() => Response.json({ value: 1 }), async (url) => {
    assert.deepEqual(await requestJson(fetch, url, {}, "Test request"), { value: 1 });
  });
});

Deno.test("requestJson: a non-2xx answer names the status and OAuth error code, never the body", async () => {
  await withServer(
    () =>
      Response.json({ error: "invalid_grant", error_description: "token abc" }, { status: 400 }),
    (url) =>
      rejectsWith(
        requestJson(fetch, url, {}, "Test request"),
        /^Test request failed: HTTP 400 \(invalid_grant\)$/,
      ),
  );
  await withServer(
    () => new Response("<html>secret</html>", { status: 502 }),
    (url) =>
      rejectsWith(requestJson(fetch, url, {}, "Test request"), /^Test request failed: HTTP 502$/),
  );
});

Deno.test("requestJson: a 2xx answer that is not JSON is refused", async () => {
  await withServer(
    () => new Response("value=1"),
    (url) =>
      rejectsWith(
        requestJson(fetch, url, {}, "Test request"),
        /^Test request failed: the response is not JSON$/,
      ),
  );
});

Deno.test("requestJson: a server that accepts but never answers times out", async () => {
  // A bare TCP listener: the connection is accepted, no response ever comes.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  try {
    await rejectsWith(
      requestJson(fetch, `http://127.0.0.1:${listener.addr.port}/`, {}, "Test request", 20),
      /^Test request timed out after 0\.02 s$/,
    );
  } finally {
    (await accepted).close();
    listener.close();
  }
});

Deno.test("requestJson: an unreachable server is a SigstoreError", async () => {
  await rejectsWith(
    requestJson(fetch, "http://127.0.0.1:1/", {}, "Test request"),
    /^Test request failed: /,
  );
});
