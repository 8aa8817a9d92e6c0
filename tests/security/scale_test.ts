/**
 * Scale: many small files and a deep tree sign and verify correctly, and a
 * change to one file among them is found. (Memory is measured by
 * `scripts/scale.ts`, not asserted here: CI machines vary.)
 *
 * @module
 */

import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import * as nodePath from "node:path";
import { ManifestMismatchError } from "../../src/errors.ts";
import { EllipticKeySigner } from "../../src/methods/key/signer.ts";
import { SigningConfig } from "../../src/api/signing_config.ts";
import { EllipticKeyVerifier } from "../../src/methods/key/verifier.ts";
import { verifyModel } from "../../src/api/pipeline.ts";
import { tempDir } from "../fixtures.ts";
import { rejection } from "../helpers.ts";

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });

async function signAndVerify(model: string, sig: string): Promise<number> {
  const manifest = await new SigningConfig().useSigner(new EllipticKeySigner(privateKey))
    .sign(model, sig);
  const expected = await verifyModel(model, sig, new EllipticKeyVerifier(publicKey));
  assert.equal(expected.items.size, manifest.items.length);
  return manifest.items.length;
}

Deno.test("20,000 small files sign and verify; one changed file among them is found", async () => {
  using dir = tempDir();
  const model = nodePath.join(dir.path, "model");
  const FILES = 20_000;
  for (let d = 0; d < 100; d++) {
    const sub = nodePath.join(model, `d${d}`);
    Deno.mkdirSync(sub, { recursive: true });
    for (let f = 0; f < FILES / 100; f++) {
      Deno.writeTextFileSync(nodePath.join(sub, `f${f}`), `file ${d}/${f}`);
    }
  }
  const sig = nodePath.join(dir.path, "model.sig");
  assert.equal(await signAndVerify(model, sig), FILES);
  Deno.writeTextFileSync(nodePath.join(model, "d57", "f123"), "changed");
  const e = await rejection(() => verifyModel(model, sig, new EllipticKeyVerifier(publicKey)));
  assert.ok(e instanceof ManifestMismatchError, e.message);
  assert.deepEqual(e.changed, ["d57/f123"]);
});

Deno.test("a tree 64 levels deep signs and verifies; a file at the bottom counts", async () => {
  using dir = tempDir();
  const model = nodePath.join(dir.path, "model");
  const parts = Array.from({ length: 64 }, (_, i) => `level${i}`);
  let path = model;
  for (const p of parts) {
    path = nodePath.join(path, p);
    Deno.mkdirSync(path, { recursive: true });
    Deno.writeTextFileSync(nodePath.join(path, "w"), p);
  }
  const sig = nodePath.join(dir.path, "model.sig");
  assert.equal(await signAndVerify(model, sig), 64);
  Deno.writeTextFileSync(nodePath.join(path, "w"), "deepest, changed");
  const e = await rejection(() => verifyModel(model, sig, new EllipticKeyVerifier(publicKey)));
  assert.ok(e instanceof ManifestMismatchError);
  assert.deepEqual(e.changed, [`${parts.join("/")}/w`]);
});
