/**
 * The `certificate` method's verifier (docs/format.md §5.3): the bundle's chain
 * must lead to a trusted self-signed CA at the validation time of
 * {@linkcode validationTimes}, the leaf must be allowed to sign, and its key
 * must have signed the DSSE PAE (0.2.0 fallback: legacy PAE with SHA-256
 * whatever the curve).
 *
 * @module
 */

import { CertificateError, ConfigError, SignatureError } from "../../errors.ts";
import { curveHash, verifyDsseEcdsa } from "../../crypto/ec_keys.ts";
import type {
  BundleJson,
  BundleVerifier,
  VerificationLog,
  VerifiedPayload,
} from "../../format/contracts.ts";
import { type DsseBundle, readDsseBundle } from "../../format/bundle.ts";
import { type KeyObject, X509Certificate } from "node:crypto";
import {
  certificateFingerprint,
  describeCertificates,
  readPemCertificates,
  systemTrustAnchors,
  validateCertificateChain,
  type ValidationTime,
} from "../../crypto/x509_chain.ts";
import type { TimestampVerifier, VerifiedTimestamp } from "../../crypto/timestamp_verifier.ts";

/** Options of {@linkcode CertificateVerifier}. */
export interface CertificateVerifierOptions {
  /** PEM files whose certificates are all trusted; empty: the system's roots. */
  readonly certificateChain?: readonly string[];
  /** Log the SHA-256 fingerprint of every certificate at INFO level. */
  readonly logFingerprints?: boolean;
  /** Receives log lines. */
  readonly log?: VerificationLog;
  /**
   * Verify the bundle's RFC 3161 timestamps with these TSA certificates; the chain is then
   * checked at each timestamp's time. A bundle without a timestamp fails.
   */
  readonly timestamps?: TimestampVerifier;
  /**
   * Without timestamps, check the chain at the signing certificate's notBefore, as the Python
   * tool does (an expired certificate verifies), instead of now. Not with `timestamps`.
   */
  readonly validateAtNotBefore?: boolean;
}

/**
 * The time rule of docs/format.md §5.3, in one place: when the chain must be valid. With verified
 * timestamps, at each one's `genTime` (the signature existed then, whatever the date today);
 * otherwise at the signing certificate's notBefore if asked (the Python tool's rule); otherwise
 * now, so an expired or not yet valid signing certificate fails.
 */
function validationTimes(
  timestamps: readonly VerifiedTimestamp[] | undefined,
  validateAtNotBefore: boolean,
  now: Date = new Date(),
): ValidationTime[] {
  if (timestamps) return timestamps.map((t) => t.genTime);
  return [validateAtNotBefore ? "leaf-not-before" : now];
}

/** Verifies certificate-method signatures against trusted CA certificates. */
export class CertificateVerifier implements BundleVerifier {
  readonly #anchors: readonly Uint8Array[];
  readonly #logFingerprints: boolean;
  readonly #log: VerificationLog;
  readonly #timestamps: TimestampVerifier | undefined;
  readonly #atNotBefore: boolean;

  /**
   * Loads the trust anchors.
   *
   * @throws {CertificateError} for unreadable or empty certificate files.
   * @throws {ConfigError} for `timestamps` with `validateAtNotBefore`.
   */
  constructor(options: CertificateVerifierOptions = {}) {
    if (options.timestamps && options.validateAtNotBefore) {
      throw new ConfigError(
        "validate-at-not-before",
        "--validate-at-not-before cannot be combined with --tsa-certificate-chain: a verified timestamp decides the time.",
      );
    }
    this.#timestamps = options.timestamps;
    this.#atNotBefore = options.validateAtNotBefore ?? false;
    const files = options.certificateChain ?? [];
    this.#anchors = files.length > 0
      ? files.flatMap((f) => readPemCertificates(f))
      : systemTrustAnchors();
    this.#logFingerprints = options.logFingerprints ?? false;
    this.#log = options.log ?? (() => {});
    if (this.#logFingerprints) {
      for (const a of this.#anchors) {
        this.#log("INFO", `[  init  ] sha256 Fingerprint: ${certificateFingerprint(a)}`);
      }
    }
  }

  /** Checks the chain and the signature and returns the signed payload. */
  async verify(bundle: BundleJson): Promise<VerifiedPayload> {
    const b = readDsseBundle(bundle);
    if (b.material.kind !== "x509CertificateChain") {
      throw new CertificateError(
        "The signature carries no X.509 certificate chain; it was not made with the certificate method.",
      );
    }
    const [leaf, ...intermediates] = b.material.certificates;
    if (this.#logFingerprints) {
      for (const c of [...intermediates, leaf]) {
        this.#log("INFO", `[ verify ] sha256 Fingerprint: ${certificateFingerprint(c)}`);
      }
    }
    const stamped = await this.#timestamps?.verify(b.timestamps, b.signature, this.#log);
    const [first, ...others] = validationTimes(stamped, this.#atNotBefore);
    const result = await validateCertificateChain(leaf, intermediates, [...this.#anchors], first);
    for (const time of others) {
      await validateCertificateChain(leaf, intermediates, [...this.#anchors], time);
    }
    for (const w of result.warnings) this.#log("WARNING", w);
    let hash;
    try {
      hash = curveHash(result.leafPublicKey);
    } catch (e) {
      throw new CertificateError(
        `The signing certificate's key cannot be used: ${(e as Error).message}`,
      );
    }
    checkLeafSignature(b, result.leafPublicKey, hash);
    return {
      payloadType: b.payloadType,
      payload: b.payload,
      signer: {
        ...describeCertificates(b.material.certificates),
        ...(stamped && this.#timestamps?.describe(stamped)),
      },
    };
  }
}

function checkLeafSignature(
  b: DsseBundle,
  key: KeyObject,
  hash: ReturnType<typeof curveHash>,
): void {
  // 0.2.0 always hashed with SHA-256, whatever the curve (docs/format.md §6.2).
  if (!verifyDsseEcdsa(key, b, hash, "sha256")) {
    throw new SignatureError("The signature does not verify with the signing certificate's key.");
  }
}

/**
 * Accepts only signatures whose bundle names exactly the given signing
 * certificate and that its key made: how a signer checks its own old
 * signature before reusing its digests. No chain validation: the signer
 * trusts its own certificate.
 */
export class SameCertificateVerifier implements BundleVerifier {
  readonly #leaf: Uint8Array;

  /** @param leafDer The signing certificate (DER). */
  constructor(leafDer: Uint8Array) {
    this.#leaf = leafDer;
  }

  /** Checks the bundle's signing certificate and signature. */
  verify(bundle: BundleJson): Promise<VerifiedPayload> {
    const b = readDsseBundle(bundle);
    const certificates = b.material.kind === "x509CertificateChain" ? b.material.certificates : [];
    const leaf = certificates[0];
    if (leaf === undefined || !equalBytes(leaf, this.#leaf)) {
      throw new CertificateError("The signature was not made with this signing certificate.");
    }
    const key = new X509Certificate(leaf).publicKey;
    checkLeafSignature(b, key, curveHash(key));
    return Promise.resolve({
      payloadType: b.payloadType,
      payload: b.payload,
      signer: describeCertificates(certificates),
    });
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
