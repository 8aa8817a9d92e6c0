/**
 * `deno task demo`: builds a small example model in a temporary folder and
 * shows its manifest and root digest.
 *
 * @module
 */

import * as nodePath from "node:path";
import { HashingConfig } from "../mod.ts";

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
  console.log(`\nRoot digest: ${manifest.rootDigestString()}`);
} finally {
  Deno.removeSync(dir, { recursive: true });
}
