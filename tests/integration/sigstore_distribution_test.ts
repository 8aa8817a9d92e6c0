// `deno run <url>` of main.ts verifies a keyless signature with only read permission: the Sigstore
// modules and the shipped trusted root resolve without this repository's import map.
import assert from "node:assert/strict";
import { ROOT } from "../cli.ts";
import { VECTORS } from "../fixtures.ts";
import { serveDirectory } from "../http_server.ts";
import { sigstoreVerifyArgs } from "../sigstore_vector.ts";

Deno.test("deno run <url>: verify sigstore of the golden vector, read permission only", async () => {
  await using server = serveDirectory(ROOT);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      `--allow-import=${server.host}`,
      `${server.url}/main.ts`,
      ...sigstoreVerifyArgs(),
    ],
    cwd: VECTORS,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  assert.equal(dec.decode(out.stdout), "Verification succeeded\n");
});
