/**
 * Where a Sigstore signer gets its OIDC identity token (§7.1 "Sigstore signing
 * details"): an explicit token, else ambient CI credentials when asked for,
 * else an interactive OAuth 2 flow against the instance's OIDC issuer.
 *
 * @module
 */

import { SigstoreError } from "../errors.ts";

/** Options of {@linkcode getIdentityToken}. */
export interface IdentityTokenOptions {
  /** A token given on the command line (`--identity-token`); used as is when present. */
  readonly identityToken?: string;
  /** Look for ambient CI credentials (`--use-ambient-credentials`). */
  readonly useAmbientCredentials?: boolean;
  /** OIDC issuer URL of the instance, e.g. `https://oauth2.sigstore.dev/auth`. */
  readonly issuerUrl: string;
  /** OAuth client id (`--client-id`), default `sigstore`; also the audience of ambient tokens. */
  readonly clientId?: string;
  /** OAuth client secret (`--client-secret`), default empty. */
  readonly clientSecret?: string;
  /** Print the authorization URL and read the code from the terminal (`--oauth-force-oob`). */
  readonly oauthForceOob?: boolean;
}

/**
 * Returns an identity token for signing.
 *
 * @throws {SigstoreError} when no token can be obtained.
 */
export function getIdentityToken(options: IdentityTokenOptions): Promise<string> {
  if (options.identityToken) return Promise.resolve(options.identityToken);
  // Filled in by the OAuth/ambient-credentials work (issue 4).
  return Promise.reject(new SigstoreError("No identity token: pass --identity-token."));
}
