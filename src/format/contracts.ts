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

/**
 * Who signed, as far as the method can tell: the fields a method does not
 * have are absent. Stable names: the CLI's `--json` output prints them as is.
 */
export interface SignerInfo {
  /** Key method: the public-key hint (hex SHA-256 of the canonical PEM). */
  readonly keyHint?: string;
  /** Certificate method: the signing certificate's subject (RFC 2253-like, one line). */
  readonly subject?: string;
  /** Certificate method: the signing certificate's issuer. */
  readonly issuer?: string;
  /** Certificate method: SHA-256 fingerprints, signing certificate first, then the chain. */
  readonly fingerprints?: readonly string[];
  /** Sigstore: the certified identity (email, URI or other name). */
  readonly identity?: string;
  /** Sigstore: the OIDC issuer recorded in the certificate. */
  readonly oidcIssuer?: string;
  /** Sigstore: the Rekor log index of the first transparency-log entry, as a decimal string. */
  readonly logIndex?: string;
  /**
   * Key and certificate methods with `--tsa-certificate-chain`: the verified RFC 3161
   * timestamps, in bundle order (`genTime` as an ISO 8601 UTC string, the TSA's subject).
   */
  readonly timestamps?: readonly { readonly genTime: string; readonly tsa: string }[];
}

/** Signs DSSE payloads for one method (key, certificate, Sigstore). */
export interface PayloadSigner {
  /**
   * Signs `payload` (the in-toto statement bytes) as a DSSE envelope of type
   * `application/vnd.in-toto+json` and returns the complete bundle object.
   */
  sign(payload: Uint8Array): Promise<BundleJson>;
  /** Releases what the signer holds open (a PKCS #11 session); called after signing or on failure. */
  close?(): void;
  /**
   * A verifier that accepts exactly the signatures this signer's own
   * material makes (the same key; the same signing certificate), used to
   * check an old signature before reusing its digests. Methods whose
   * material cannot check their own signatures (Sigstore) leave it out; the
   * caller must then name a verifier.
   */
  ownVerifier?(): BundleVerifier;
  /** Describes the signer of `bundle`, one this signer just made. */
  describe?(bundle: BundleJson): SignerInfo;
}

/** The signed content, available only after the cryptographic check succeeded. */
export interface VerifiedPayload {
  /** DSSE `payloadType`. */
  readonly payloadType: string;
  /** Exact payload bytes that were signed; parse them, never re-serialise. */
  readonly payload: Uint8Array;
  /** Who signed, once the signature verified. */
  readonly signer?: SignerInfo;
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
