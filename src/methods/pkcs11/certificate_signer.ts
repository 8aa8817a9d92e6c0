/**
 * The `pkcs11-certificate` signer (docs/format.md §4.3, §7.4): the
 * certificate method's bundle, with the private key on a PKCS #11 token. The
 * token's public key must be the signing certificate's.
 *
 * @module
 */

import { X509Certificate } from "node:crypto";
import { Pkcs11Error } from "../../errors.ts";
import { certificateBundle } from "../../format/bundle.ts";
import { pae } from "../../format/dsse.ts";
import { PAYLOAD_TYPE } from "../../format/statement.ts";
import { samePublicKey } from "../../crypto/ec_keys.ts";
import { readPemCertificates } from "../../crypto/x509_chain.ts";
import type { BundleJson, PayloadSigner } from "../../format/contracts.ts";
import { Pkcs11TokenKey } from "./token_key.ts";

/** Options of {@linkcode Pkcs11CertificateSigner.open}. */
export interface Pkcs11CertificateSignerOptions {
  /** RFC 7512 URI of the private key. */
  readonly uri: string;
  /** PEM signing certificate (its first certificate is used). */
  readonly signingCertificate: string;
  /** PEM files of certificates to include after the signing certificate. */
  readonly certificateChain?: readonly string[];
}

/** Signs with a token key and its X.509 certificate. */
export class Pkcs11CertificateSigner implements PayloadSigner {
  readonly #key: Pkcs11TokenKey;
  readonly #certificates: readonly Uint8Array[];

  /**
   * Pairs an opened token key with its certificate and chain.
   * @throws {Pkcs11Error} when the certificate's public key is not the token key's.
   */
  constructor(key: Pkcs11TokenKey, certificatesDer: readonly Uint8Array[]) {
    if (!samePublicKey(new X509Certificate(certificatesDer[0]).publicKey, key.publicKey)) {
      throw new Pkcs11Error(
        `The public key from the certificate does not match the public key of PKCS #11 key ${key.name}`,
      );
    }
    this.#key = key;
    this.#certificates = certificatesDer;
  }

  /**
   * Reads the certificate files, then opens the token key and checks it
   * against the signing certificate.
   *
   * @throws {Pkcs11Error | CertificateError}
   */
  static async open(options: Pkcs11CertificateSignerOptions): Promise<Pkcs11CertificateSigner> {
    const [leaf] = readPemCertificates(options.signingCertificate);
    const chain = (options.certificateChain ?? []).flatMap((p) => readPemCertificates(p));
    const key = await Pkcs11TokenKey.open(options.uri);
    try {
      return new Pkcs11CertificateSigner(key, [leaf, ...chain]);
    } catch (e) {
      key.close();
      throw e;
    }
  }

  /** Signs the statement bytes on the token and returns the certificate bundle (§4.3). */
  sign(payload: Uint8Array): Promise<BundleJson> {
    const signature = this.#key.sign(pae(PAYLOAD_TYPE, payload));
    return Promise.resolve(certificateBundle(payload, signature, this.#certificates));
  }

  /** Releases the token session and the module. */
  close(): void {
    this.#key.close();
  }
}
