/**
 * Options of the Sigstore signer and verifier, in a module of their own so
 * that the library's API names them without loading the Sigstore packages.
 *
 * @module
 */

import type { VerificationLog } from "../../format/contracts.ts";

/** Options of the Sigstore signer (Python `use_sigstore_signer`, §8). */
export interface SigstoreSignerOptions {
  /** Sign with the staging instance; takes precedence over `trustConfig` (§5.4). */
  readonly useStaging?: boolean;
  /** A ClientTrustConfig JSON file whose signing config names the instance's services. */
  readonly trustConfig?: string;
  /** The OIDC issuer for the interactive flow (default: the signing config's). */
  readonly oidcIssuer?: string;
  /** Take the identity token from the CI environment. */
  readonly useAmbientCredentials?: boolean;
  /** A fixed identity token; used as is. */
  readonly identityToken?: string;
  /** OAuth client id (default `sigstore`). */
  readonly clientId?: string;
  /** OAuth client secret (default empty). */
  readonly clientSecret?: string;
  /** Interactive login without a browser (print the URL, read the code). */
  readonly forceOob?: boolean;
}

/** Options of the Sigstore verifier (Python `use_sigstore_verifier`, §8). */
export interface SigstoreVerifierOptions {
  /** The signer's identity: exactly one SAN value (email, URI or Sigstore other name). */
  readonly identity: string;
  /** The OIDC issuer the identity was verified by, compared exactly. */
  readonly oidcIssuer: string;
  /** Verify against the staging instance. */
  readonly useStaging?: boolean;
  /** A ClientTrustConfig JSON file for a private instance; takes precedence over `useStaging`. */
  readonly trustConfig?: string;
  /** Receives notices (e.g. the fallback to the shipped trusted root). */
  readonly log?: VerificationLog;
}
