// `deno run <url>` of main.ts verifies a keyless signature with only read permission: the Sigstore
// modules and the shipped trusted root resolve without this repository's import map.
import assert from "node:assert/strict";
import { ROOT } from "../cli.ts";
import { VECTORS } from "../fixtures.ts";
import { serveDirectory } from "../http_server.ts";

Deno.test("deno run <url>: verify sigstore of the golden vector, read permission only", async () => {
  await using server = serveDirectory(ROOT);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      `--allow-import=${server.host}`,
      `${server.url}/main.ts`,
      "verify",
      "sigstore",
      "--identity",
      "stefanb@us.ibm.com",
      "--identity-provider",
      "https://sigstore.verify.ibm.com/oauth2",
      "--ignore-paths",
      "v1.0.1-sigstore/ignore-me",
      "--signature",
      "v1.0.1-sigstore/model.sig",
      "v1.0.1-sigstore",
    ],
    cwd: VECTORS,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  assert.equal(dec.decode(out.stdout), "Verification succeeded\n");
});
