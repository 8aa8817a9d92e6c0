/**
 * Deno compatibility for the Sigstore packages. Node's `crypto.sign` and
 * `crypto.verify` hash with SHA-256 when the digest algorithm is `null` or
 * `undefined` and the key is EC, RSA or DSA; Deno's `node:crypto` throws
 * instead. `@sigstore/core` relies on Node's default (DSSE signature, Rekor
 * signed entry timestamp, checkpoint) and turns the throw into "invalid", so
 * without this every keyless bundle fails verification. The libraries offer
 * no option to pass the algorithm, so this module gives `node:crypto`'s
 * default export Node's default. It must be loaded before the Sigstore
 * packages (src/deps/sigstore.ts imports it first). Keys of other types
 * (Ed25519, where `null` is the right value) are left alone.
 *
 * @module
 */

import crypto from "node:crypto";

type KeyInput = Parameters<typeof crypto.verify>[2];

/** Key types for which Node picks SHA-256 when no digest is named. */
const DEFAULT_SHA256_TYPES = new Set(["ec", "rsa", "rsa-pss", "dsa"]);

function keyType(key: KeyInput): string | undefined {
  try {
    if (key instanceof crypto.KeyObject) return key.asymmetricKeyType;
    // A private key in any input form also yields its public key.
    return crypto.createPublicKey(key as Parameters<typeof crypto.createPublicKey>[0])
      .asymmetricKeyType;
  } catch {
    return undefined;
  }
}

function nodeDefault(
  algorithm: string | null | undefined,
  key: KeyInput,
): string | null | undefined {
  if (algorithm !== null && algorithm !== undefined) return algorithm;
  const type = keyType(key);
  return type !== undefined && DEFAULT_SHA256_TYPES.has(type) ? "sha256" : algorithm;
}

// Marks the patch, so that a second copy of this module (a checkout and a URL import in one
// process) does not wrap twice; tests read it to see whether the Sigstore modules were loaded.
const PATCHED = Symbol.for("model-signing.node-crypto-default-digest");
const target = crypto as unknown as Record<PropertyKey, unknown>;

if (!target[PATCHED]) {
  const originalSign = crypto.sign;
  const originalVerify = crypto.verify;
  target.sign = (
    algorithm: string | null | undefined,
    data: unknown,
    key: KeyInput,
    cb?: unknown,
  ) =>
    // deno-lint-ignore no-explicit-any
    (originalSign as any)(nodeDefault(algorithm, key), data, key, cb);
  target.verify = (
    algorithm: string | null | undefined,
    data: unknown,
    key: KeyInput,
    signature: unknown,
    cb?: unknown,
  ) =>
    // deno-lint-ignore no-explicit-any
    (originalVerify as any)(nodeDefault(algorithm, key), data, key, signature, cb);
  target[PATCHED] = true;
}
