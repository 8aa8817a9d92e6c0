/**
 * The `pkcs11-key` signer (docs/format.md §4.2, §7.4): the key method's
 * bundle and public-key hint, with the private key on a PKCS #11 token.
 *
 * @module
 */

import { keyBundle } from "../../format/bundle.ts";
import { pae } from "../../format/dsse.ts";
import { PAYLOAD_TYPE } from "../../format/statement.ts";
import { publicKeyHint } from "../../crypto/ec_keys.ts";
import type { BundleJson, PayloadSigner } from "../../format/contracts.ts";
import { Pkcs11TokenKey } from "./token_key.ts";

/** Signs with a token key; the bundle is the `key` method's. */
export class Pkcs11Signer implements PayloadSigner {
  readonly #key: Pkcs11TokenKey;

  /** Wraps an opened token key (see {@linkcode Pkcs11Signer.open}). */
  constructor(key: Pkcs11TokenKey) {
    this.#key = key;
  }

  /**
   * Opens the key the PKCS #11 URI names (module, token, login, key objects).
   *
   * @throws {Pkcs11Error}
   */
  static async open(uri: string): Promise<Pkcs11Signer> {
    return new Pkcs11Signer(await Pkcs11TokenKey.open(uri));
  }

  /** Signs the statement bytes on the token and returns the key bundle (§4.2). */
  sign(payload: Uint8Array): Promise<BundleJson> {
    const signature = this.#key.sign(pae(PAYLOAD_TYPE, payload));
    return Promise.resolve(keyBundle(payload, signature, publicKeyHint(this.#key.publicKey)));
  }

  /** Releases the token session and the module. */
  close(): void {
    this.#key.close();
  }
}
