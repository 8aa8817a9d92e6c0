// The PKCS #11 FFI code loads only with the PKCS #11 methods, so every other command runs without
// --allow-ffi and never evaluates src/methods/pkcs11/ffi.ts (it marks the performance timeline
// when it loads).
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { ROOT } from "../cli.ts";
import { VECTORS } from "../fixtures.ts";
import { sigstoreVerifyArgs } from "../sigstore_vector.ts";

/** Runs the CLI in-process in a child and reports whether the FFI module was loaded. */
async function loadsFfi(args: string[]): Promise<boolean> {
  const main = nodePath.join(ROOT, "src", "cli", "main.ts");
  const code = `
    import { run } from ${JSON.stringify(`file://${main}`)};
    const io = { out: () => {}, errRaw: () => {}, stderrIsTerminal: false };
    await run(${JSON.stringify(args)}, io);
    console.log(performance.getEntriesByName("model-signing:pkcs11-ffi-loaded").length > 0);
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

const verifyKey = [
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

Deno.test("commands other than sign pkcs11-* never load the FFI code", async () => {
  for (
    const args of [
      ["--help"],
      ["sign", "--help"],
      ["sign", "pkcs11-key", "--help"],
      ["digest", "v1.1.0-elliptic-key"],
      verifyKey,
      ["verify", "certificate", "--signature", "x.sig", "v1.0.1-certificate"],
      ["verify", "pkcs11-key", "--signature", "x.sig", "v1.0.1-certificate"],
      sigstoreVerifyArgs(),
    ]
  ) {
    assert.equal(await loadsFfi(args), false, args.join(" "));
  }
  // The probe works: sign pkcs11-key loads it (and then fails on the missing module).
  const pkcs11 = [
    "sign",
    "pkcs11-key",
    "--pkcs11-uri",
    "pkcs11:object=k?module-path=/nonexistent/p11.so&pin-value=0",
    "--signature",
    "/nonexistent/x.sig",
    "v1.1.0-elliptic-key",
  ];
  assert.equal(await loadsFfi(pkcs11), true);
});
