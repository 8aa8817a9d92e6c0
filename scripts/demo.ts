/**
 * `deno task demo`: builds a small example model in a temporary folder,
 * shows its manifest and digest, signs it with a throwaway P-256 key,
 * verifies it, changes one byte and shows the verification failure.
 *
 * @module
 */

import { generateKeyPairSync } from "node:crypto";
import * as nodePath from "node:path";
import { HashingConfig, ModelSigningError, SigningConfig, VerifyingConfig } from "../mod.ts";

const dir = Deno.makeTempDirSync({ prefix: "model-signing-demo-" });
try {
  const model = nodePath.join(dir, "example-model");
  Deno.mkdirSync(nodePath.join(model, "weights"), { recursive: true });
  Deno.writeTextFileSync(nodePath.join(model, "config.json"), '{"layers": 2, "hidden": 16}\n');
  Deno.writeFileSync(nodePath.join(model, "weights", "layer-0.bin"), new Uint8Array(4096).fill(1));
  Deno.writeFileSync(nodePath.join(model, "weights", "layer-1.bin"), new Uint8Array(4096).fill(2));
  Deno.writeTextFileSync(nodePath.join(model, "README.md"), "An example model.\n");

  console.log(`Example model: ${model}\n`);
  const manifest = await new HashingConfig().hash(model);
  console.log("Manifest (files method, SHA-256):");
  for (const r of manifest.resourceDescriptors()) {
    console.log(`  ${r.name.padEnd(20)} ${r.algorithm}:${r.digest}`);
  }
  console.log(`\nRoot digest: ${manifest.rootDigestString()}\n`);

  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const keyPath = nodePath.join(dir, "demo-key.pem");
  const pubPath = nodePath.join(dir, "demo-key.pub");
  Deno.writeTextFileSync(keyPath, privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  Deno.writeTextFileSync(pubPath, publicKey.export({ type: "spki", format: "pem" }) as string);
  const signature = nodePath.join(dir, "model.sig");

  await new SigningConfig().useEllipticKeySigner({ privateKey: keyPath }).sign(model, signature);
  console.log(`Signed with a throwaway P-256 key: ${signature}`);
  const verifier = new VerifyingConfig().useEllipticKeyVerifier({ publicKey: pubPath });
  await verifier.verify(model, signature);
  console.log("Verification succeeded");

  const weights = nodePath.join(model, "weights", "layer-1.bin");
  const bytes = Deno.readFileSync(weights);
  bytes[100] ^= 0x01;
  Deno.writeFileSync(weights, bytes);
  console.log("\nChanged one bit of weights/layer-1.bin; verifying again:");
  try {
    await verifier.verify(model, signature);
    throw new Error("a tampered model must not verify");
  } catch (e) {
    if (!(e instanceof ModelSigningError)) throw e;
    console.log(`Verification failed with error: ${e.message}`);
  }
} finally {
  Deno.removeSync(dir, { recursive: true });
}
