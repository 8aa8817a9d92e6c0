// The Deno fix for node:crypto's default digest (src/deps/node_crypto_fix.ts) is in place once
// the Sigstore packages are loaded, and gives Node's semantics: a `null` digest means SHA-256 for EC
// and RSA keys, and stays `null` for Ed25519.
import assert from "node:assert/strict";
import crypto from "node:crypto";
// Through the deps module, as the verifier and signer load it: fails if that import is dropped.
import "../../src/deps/sigstore.ts";

const data = new TextEncoder().encode("DSSEv1 28 application/vnd.in-toto+json 2 {}");

Deno.test("EC and RSA: sign/verify with a null digest use SHA-256", () => {
  const keys = [
    crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }),
    crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }),
  ];
  for (const { privateKey, publicKey } of keys) {
    const signature = crypto.sign(null, data, privateKey);
    assert.ok(crypto.verify("sha256", data, publicKey, signature), publicKey.asymmetricKeyType);
    const explicit = crypto.sign("sha256", data, privateKey);
    assert.ok(crypto.verify(null, data, publicKey, explicit), publicKey.asymmetricKeyType);
    // A PEM or DER key (as @sigstore/core passes some) gets the same default.
    const pem = publicKey.export({ type: "spki", format: "pem" });
    assert.ok(crypto.verify(undefined as unknown as null, data, pem, explicit));
    assert.ok(!crypto.verify(null, new Uint8Array([1, ...data]), publicKey, explicit));
  }
});

Deno.test("an explicit digest is kept", () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-384" });
  const signature = crypto.sign("sha384", data, privateKey);
  assert.ok(crypto.verify("sha384", data, publicKey, signature));
  assert.ok(!crypto.verify(null, data, publicKey, signature), "null means SHA-256, not SHA-384");
});

Deno.test("Ed25519 keeps its null digest", () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
  const signature = crypto.sign(null, data, privateKey);
  assert.ok(crypto.verify(null, data, publicKey, signature));
});
