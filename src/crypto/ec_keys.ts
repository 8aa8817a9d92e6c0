/**
 * Elliptic-curve keys (docs/format.md §3, §4.2): PEM loading with text before the
 * block, SEC1 or PKCS#8, encrypted with a password; the curve's hash; DER
 * ECDSA signatures; and the public-key hint recorded in key bundles.
 *
 * @module
 */

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSign,
  createVerify,
  type KeyObject,
  verify as nodeVerify,
} from "node:crypto";
import { KeyError } from "../errors.ts";
import type { DsseBundle } from "../format/bundle.ts";
import { legacyPaeChunks, mayBeLegacyPayload, paeChunks } from "../format/dsse.ts";
import { isPathArgument, readInputText } from "../util/input_file.ts";
import { toBase64 } from "../util/encoding.ts";

/** Largest key file read: a PEM key is a few KiB, even with text before the block. */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

/** Hash used with each accepted curve (OpenSSL curve names as node:crypto reports them). */
const CURVE_HASH: Readonly<Record<string, "sha256" | "sha384" | "sha512">> = {
  prime256v1: "sha256",
  secp384r1: "sha384",
  secp521r1: "sha512",
};

/** Hash names of the accepted curves. */
export type CurveHash = "sha256" | "sha384" | "sha512";

/**
 * The hash the format pairs with `key`'s curve: P-256 → SHA-256, P-384 →
 * SHA-384, P-521 → SHA-512.
 *
 * @throws {KeyError} for a key that is not EC, or an EC key on another curve.
 */
export function curveHash(key: KeyObject, path?: string): CurveHash {
  if (key.asymmetricKeyType !== "ec") {
    throw new KeyError("Only elliptic curve keys are supported", path);
  }
  const curve = key.asymmetricKeyDetails?.namedCurve ?? "unknown";
  const hash = CURVE_HASH[curve];
  if (!hash) throw new KeyError(`Unsupported key for curve '${curve}'`, path);
  return hash;
}

function readKeyFile(path: string, what: string): string {
  return readInputText(path, {
    what,
    maxBytes: MAX_KEY_FILE_BYTES,
    error: (message, cause) =>
      new KeyError(message, isPathArgument(path) ? path : undefined, { cause }),
  });
}

/**
 * Loads a PEM private key (SEC1 or PKCS#8, optionally encrypted, text before
 * the block allowed) and checks it is EC on P-256, P-384 or P-521. The
 * password is never included in any message.
 *
 * @throws {KeyError}
 */
export function loadPrivateKey(path: string, password?: string): KeyObject {
  const pem = readKeyFile(path, "private key");
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem", passphrase: password });
  } catch (e) {
    const encrypted = /ENCRYPTED/.test(pem);
    const reason = encrypted
      ? password === undefined
        ? "it is encrypted; give its password"
        : "wrong password, or a damaged key"
      : "not a PEM private key";
    throw new KeyError(`Cannot load private key '${path}': ${reason}`, path, { cause: e });
  }
  curveHash(key, path);
  return key;
}

/**
 * Loads a PEM public key (SubjectPublicKeyInfo, text before the block
 * allowed) and checks it is EC on an accepted curve.
 *
 * @throws {KeyError}
 */
export function loadPublicKey(path: string): KeyObject {
  const pem = readKeyFile(path, "public key");
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch (e) {
    throw new KeyError(`Cannot load public key '${path}': not a PEM public key`, path, {
      cause: e,
    });
  }
  curveHash(key, path);
  return key;
}

/** The public half of a key (Deno's `createPublicKey` refuses a public `KeyObject`). */
export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === "public" ? key : createPublicKey(key);
}

/** The canonical PEM text of a public key: 64-column base64 lines, final newline. */
export function canonicalPublicKeyPem(key: KeyObject): string {
  const der = publicKeyOf(key).export({ type: "spki", format: "der" });
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join("\n")}\n-----END PUBLIC KEY-----\n`;
}

/** The key hint of §4.2: lowercase hex SHA-256 of the canonical PEM text. */
export function publicKeyHint(key: KeyObject): string {
  return createHash("sha256").update(canonicalPublicKeyPem(key)).digest("hex");
}

/**
 * ECDSA-signs `data` with the curve's hash; DER signature. `data` may come in
 * chunks (a DSSE PAE as its header and views of the payload), so that a
 * large payload is never copied into one buffer with its header.
 */
export function signEcdsa(key: KeyObject, data: Uint8Array | Iterable<Uint8Array>): Uint8Array {
  const signer = createSign(curveHash(key));
  for (const chunk of data instanceof Uint8Array ? [data] : data) signer.update(chunk);
  return new Uint8Array(signer.sign({ key, dsaEncoding: "der" }));
}

/**
 * Verifies a DER ECDSA signature over `data` with `hash` (the curve's, unless
 * a legacy rule says otherwise). `data` may come in chunks, so that an
 * encoding larger than its input (the legacy PAE) is never built whole.
 */
export function verifyEcdsa(
  key: KeyObject,
  data: Uint8Array | Iterable<Uint8Array>,
  signature: Uint8Array,
  hash: CurveHash,
): boolean {
  try {
    if (data instanceof Uint8Array) {
      return nodeVerify(hash, data, { key, dsaEncoding: "der" }, signature);
    }
    const verifier = createVerify(hash);
    for (const chunk of data) verifier.update(chunk);
    return verifier.verify({ key, dsaEncoding: "der" }, signature);
  } catch {
    return false;
  }
}

/**
 * Verifies a bundle's DSSE signature with `key`: over the v1 PAE with `hash`,
 * else over the 0.2.0 legacy PAE with `legacyHash` (docs/format.md §6.2),
 * tried only for a payload that could be a 0.2.0 one. Both are streamed, so
 * a hostile payload is never copied.
 */
export function verifyDsseEcdsa(
  key: KeyObject,
  b: Pick<DsseBundle, "payloadType" | "payload" | "signature">,
  hash: CurveHash,
  legacyHash: CurveHash,
): boolean {
  return verifyEcdsa(key, paeChunks(b.payloadType, b.payload), b.signature, hash) ||
    (mayBeLegacyPayload(b.payload) &&
      verifyEcdsa(key, legacyPaeChunks(b.payloadType, b.payload), b.signature, legacyHash));
}

/** True when two keys (private or public) have the same public key. */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const spki = (k: KeyObject) => publicKeyOf(k).export({ type: "spki", format: "der" });
  return spki(a).equals(spki(b));
}
