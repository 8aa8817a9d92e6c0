/**
 * The `key` method's signer (docs/format.md §4.2): ECDSA over the DSSE PAE with
 * the curve's hash, bundle with the public-key hint.
 *
 * @module
 */

import type { KeyObject } from "node:crypto";
import { keyBundle } from "../../format/bundle.ts";
import { paeChunks } from "../../format/dsse.ts";
import { PAYLOAD_TYPE } from "../../format/statement.ts";
import { loadPrivateKey, publicKeyHint, publicKeyOf, signEcdsa } from "../../crypto/ec_keys.ts";
import type {
  BundleJson,
  BundleVerifier,
  PayloadSigner,
  SignerInfo,
} from "../../format/contracts.ts";
import { EllipticKeyVerifier } from "./verifier.ts";

/** Signs with an EC private key (P-256, P-384, P-521). */
export class EllipticKeySigner implements PayloadSigner {
  readonly #key: KeyObject;

  /** Wraps an already loaded private key. */
  constructor(privateKey: KeyObject) {
    this.#key = privateKey;
  }

  /**
   * Loads the PEM private key at `path` (SEC1 or PKCS#8, optionally encrypted).
   *
   * @throws {KeyError}
   */
  static fromFile(path: string, password?: string): EllipticKeySigner {
    return new EllipticKeySigner(loadPrivateKey(path, password));
  }

  /** Signs the statement bytes and returns the key bundle (§4.2). */
  sign(payload: Uint8Array): Promise<BundleJson> {
    const signature = signEcdsa(this.#key, paeChunks(PAYLOAD_TYPE, payload));
    return Promise.resolve(keyBundle(payload, signature, publicKeyHint(this.#key)));
  }

  /** A verifier for the public half of this key. */
  ownVerifier(): BundleVerifier {
    return new EllipticKeyVerifier(publicKeyOf(this.#key));
  }

  /** The key hint this signer writes. */
  describe(): SignerInfo {
    return { keyHint: publicKeyHint(this.#key) };
  }
}
