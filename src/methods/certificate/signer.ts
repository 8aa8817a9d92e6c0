/**
 * The `certificate` method's signer (docs/format.md §4.3): ECDSA with the private
 * key of the signing certificate; the bundle carries the certificate and the
 * given chain, unvalidated and in order, as the Python tool writes them.
 *
 * @module
 */

import { type KeyObject, X509Certificate } from "node:crypto";
import { KeyError } from "../../errors.ts";
import { certificateBundle } from "../../format/bundle.ts";
import { paeChunks } from "../../format/dsse.ts";
import { PAYLOAD_TYPE } from "../../format/statement.ts";
import { describeCertificates, readPemCertificates } from "../../crypto/x509_chain.ts";
import { loadPrivateKey, samePublicKey, signEcdsa } from "../../crypto/ec_keys.ts";
import type {
  BundleJson,
  BundleVerifier,
  PayloadSigner,
  SignerInfo,
} from "../../format/contracts.ts";
import { SameCertificateVerifier } from "./verifier.ts";

/** Options of {@linkcode CertificateSigner.fromFiles}. */
export interface CertificateSignerFiles {
  /** PEM private key of the signing certificate. */
  readonly privateKey: string;
  /** PEM signing certificate (its first certificate is used). */
  readonly signingCertificate: string;
  /** PEM files of certificates to include after the signing certificate. */
  readonly certificateChain?: readonly string[];
  /** Password of an encrypted private key. */
  readonly password?: string;
}

/** Signs with a private key and its X.509 certificate. */
export class CertificateSigner implements PayloadSigner {
  readonly #key: KeyObject;
  readonly #certificates: readonly Uint8Array[];

  /**
   * Pairs a private key with its certificate and chain.
   * @param privateKey The signing key.
   * @param certificatesDer Signing certificate first, then the chain.
   * @throws {KeyError} when the certificate's public key is not the private key's.
   */
  constructor(privateKey: KeyObject, certificatesDer: readonly Uint8Array[]) {
    const leaf = new X509Certificate(certificatesDer[0]);
    if (!samePublicKey(leaf.publicKey, privateKey)) {
      throw new KeyError(
        "The public key from the certificate does not match the public key paired with the private key",
      );
    }
    this.#key = privateKey;
    this.#certificates = certificatesDer;
  }

  /**
   * Loads the key, the signing certificate and the chain files.
   *
   * @throws {KeyError | CertificateError}
   */
  static fromFiles(files: CertificateSignerFiles): CertificateSigner {
    const key = loadPrivateKey(files.privateKey, files.password);
    const [leaf] = readPemCertificates(files.signingCertificate);
    const chain = (files.certificateChain ?? []).flatMap((p) => readPemCertificates(p));
    return new CertificateSigner(key, [leaf, ...chain]);
  }

  /** Signs the statement bytes and returns the certificate bundle (§4.3). */
  sign(payload: Uint8Array): Promise<BundleJson> {
    const signature = signEcdsa(this.#key, paeChunks(PAYLOAD_TYPE, payload));
    return Promise.resolve(certificateBundle(payload, signature, this.#certificates));
  }

  /** A verifier that accepts only signatures by this signing certificate's key. */
  ownVerifier(): BundleVerifier {
    return new SameCertificateVerifier(this.#certificates[0]);
  }

  /** Subject, issuer and fingerprints of the certificates this signer writes. */
  describe(): SignerInfo {
    return describeCertificates(this.#certificates);
  }
}
