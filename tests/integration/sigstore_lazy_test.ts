// The Sigstore packages load only when the sigstore method runs: help, version, digest and the key
// and certificate methods never load them (start-up time, and no environment access they need).
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { ROOT } from "../cli.ts";
import { VECTORS } from "../fixtures.ts";
import { sigstoreVerifyArgs } from "../sigstore_vector.ts";

/**
 * Runs the CLI in-process in a child and reports whether the node:crypto fix, which the Sigstore
 * dependency modules import first, was evaluated.
 */
async function loadsSigstore(args: string[]): Promise<boolean> {
  const main = nodePath.join(ROOT, "src", "cli", "main.ts");
  const code = `
    import crypto from "node:crypto";
    import { run } from ${JSON.stringify(`file://${main}`)};
    const io = { out: () => {}, errRaw: () => {}, stderrIsTerminal: false };
    await run(${JSON.stringify(args)}, io);
    console.log(crypto[Symbol.for("model-signing.node-crypto-default-digest")] === true);
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    cwd: VECTORS,
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.ok(text === "true" || text === "false", new TextDecoder().decode(out.stderr));
  return text === "true";
}

Deno.test("help, version, digest, key and certificate do not load the Sigstore packages", async () => {
  const key = [
    "verify",
    "key",
    "--public-key",
    "keys/certificate/signing-key-pub.pem",
    "--ignore-paths",
    "v1.1.0-elliptic-key/ignore-me",
    "--signature",
    "v1.1.0-elliptic-key/model.sig",
    "v1.1.0-elliptic-key",
  ];
  for (
    const args of [
      ["--help"],
      ["--version"],
      ["sign", "--help"],
      ["verify", "sigstore", "--help"],
      ["digest", "v1.1.0-elliptic-key"],
      key,
      ["verify", "certificate", "--signature", "x.sig", "v1.0.1-certificate"],
    ]
  ) {
    assert.equal(await loadsSigstore(args), false, args.join(" "));
  }
  // The probe works: verify sigstore does load them.
  const sigstore = sigstoreVerifyArgs();
  assert.equal(await loadsSigstore(sigstore), true);
});
