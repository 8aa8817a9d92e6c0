/**
 * The `key` method's verifier (docs/format.md §5.2): media type, public-key hint,
 * then the signature over the DSSE PAE, falling back to the 0.2.0 PAE with
 * the same curve hash; then, when TSA certificates were given, the bundle's
 * RFC 3161 timestamps (§5.8).
 *
 * @module
 */

import type { KeyObject } from "node:crypto";
import { SignatureError } from "../../errors.ts";
import { curveHash, loadPublicKey, publicKeyHint, verifyDsseEcdsa } from "../../crypto/ec_keys.ts";
import type {
  BundleJson,
  BundleVerifier,
  VerificationLog,
  VerifiedPayload,
} from "../../format/contracts.ts";
import { readDsseBundle } from "../../format/bundle.ts";
import { KeyError } from "../../errors.ts";
import type { TimestampVerifier } from "../../crypto/timestamp_verifier.ts";

/** Python's notice for bundles without a key hint (pre-1.1 signatures). */
export const OLD_MATERIAL_WARNING =
  "This model's signature uses an older verification material format. Please re-sign with an updated signer to use a public key identifier hash.";

/** Verifies signatures made with an EC key against its public key. */
export class EllipticKeyVerifier implements BundleVerifier {
  readonly #key: KeyObject;
  readonly #log: VerificationLog;
  readonly #timestamps: TimestampVerifier | undefined;

  /**
   * Wraps a loaded public key; `log` receives warnings. With `timestamps`, every
   * RFC 3161 timestamp in the bundle must verify, and there must be one.
   */
  constructor(
    publicKey: KeyObject,
    log: VerificationLog = () => {},
    timestamps?: TimestampVerifier,
  ) {
    curveHash(publicKey);
    this.#key = publicKey;
    this.#log = log;
    this.#timestamps = timestamps;
  }

  /**
   * Loads the PEM public key at `path`.
   *
   * @throws {KeyError}
   */
  static fromFile(path: string, log?: VerificationLog): EllipticKeyVerifier {
    return new EllipticKeyVerifier(loadPublicKey(path), log);
  }

  /** The same verifier, also checking the bundle's timestamps with `timestamps`. */
  withTimestamps(timestamps: TimestampVerifier | undefined): EllipticKeyVerifier {
    return new EllipticKeyVerifier(this.#key, this.#log, timestamps);
  }

  /** Checks the bundle against the public key and returns the signed payload. */
  async verify(bundle: BundleJson): Promise<VerifiedPayload> {
    const b = readDsseBundle(bundle);
    if (b.material.kind === "publicKey" && b.material.hint !== undefined) {
      if (b.material.hint !== publicKeyHint(this.#key)) {
        throw new KeyError(
          "Key mismatch: The public key hash in the signature's verification material does not match the provided public key. ",
        );
      }
    } else {
      // No hint (≤1.0 bundles), or certificate material: the key given by the
      // user decides alone, as in Python ≤1.0 (Python ≥1.1 crashes on the latter).
      this.#log("WARNING", OLD_MATERIAL_WARNING);
    }
    // The 0.2.0 PAE with the curve's hash, not 0.2.0's SHA-256, as Python's key verifier does
    // (docs/format.md §6.2).
    const hash = curveHash(this.#key);
    if (!verifyDsseEcdsa(this.#key, b, hash, hash)) {
      throw new SignatureError("The signature does not verify with the given public key.");
    }
    const stamps = this.#timestamps;
    const stamped = await stamps?.verify(b.timestamps, b.signature, this.#log);
    return {
      payloadType: b.payloadType,
      payload: b.payload,
      signer: {
        keyHint: publicKeyHint(this.#key),
        ...(stamped && stamps?.describe(stamped)),
      },
    };
  }
}
