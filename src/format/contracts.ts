/**
 * The contract between the format layers and the signing methods: a signer
 * turns the exact statement bytes into a bundle (the signature file's JSON
 * object); a verifier checks a parsed bundle and returns the signed bytes
 * and reports what it noticed through a {@linkcode VerificationLog}.
 *
 * @module
 */

/** A parsed signature file: one JSON object (a Sigstore bundle). */
export type BundleJson = Record<string, unknown>;

/** Signs DSSE payloads for one method (key, certificate, Sigstore). */
export interface PayloadSigner {
  /**
   * Signs `payload` (the in-toto statement bytes) as a DSSE envelope of type
   * `application/vnd.in-toto+json` and returns the complete bundle object.
   */
  sign(payload: Uint8Array): Promise<BundleJson>;
  /** Releases what the signer holds open (a PKCS #11 session); called after signing or on failure. */
  close?(): void;
}

/** The signed content, available only after the cryptographic check succeeded. */
export interface VerifiedPayload {
  /** DSSE `payloadType`. */
  readonly payloadType: string;
  /** Exact payload bytes that were signed; parse them, never re-serialise. */
  readonly payload: Uint8Array;
}

/** Verifies bundles for one method. */
export interface BundleVerifier {
  /**
   * Checks the bundle's material and signature and returns the payload.
   * Throws a typed `ModelSigningError` (src/errors.ts) on any failure.
   */
  verify(bundle: BundleJson): Promise<VerifiedPayload>;
}

/** Receives log lines of a verification: INFO details and WARNING notices. */
export type VerificationLog = (level: "INFO" | "WARNING", message: string) => void;
