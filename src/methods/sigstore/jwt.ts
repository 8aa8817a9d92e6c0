/**
 * OIDC identity tokens (JWTs) read without checking their signature: that is
 * Fulcio's job. The claims are only used to tie a login to its request, to
 * check an ambient token's audience, and to refuse a token that the signing
 * library would refuse, since that library's error quotes the whole token.
 *
 * @module
 */

import { SigstoreError } from "../../errors.ts";
import { fromBase64Url } from "../../util/encoding.ts";
import { isJsonObject } from "../../util/json.ts";

/** The claims of a JWT, or `undefined` when it is not three base64url parts with a JSON-object payload. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  const payload = parts.length === 3 ? fromBase64Url(parts[1]) : undefined;
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
    return isJsonObject(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuses, without quoting it, a token whose subject Fulcio's client cannot
 * take (`@sigstore/sign` `extractJWTSubject`): the email when the token has
 * one, which its issuer must then have verified, else `sub`.
 *
 * @throws {SigstoreError} naming the claim that is wrong or missing.
 */
export function checkIdentityToken(token: string): void {
  const claims = jwtClaims(token);
  if (!claims) {
    throw new SigstoreError(
      "The identity token is not a JWT (three base64url parts, the second a JSON object)",
    );
  }
  if (claims.email) {
    if (!claims.email_verified) {
      throw new SigstoreError(
        "The identity token's email is not verified by its issuer (claim email_verified)",
      );
    }
  } else if (!claims.sub) {
    throw new SigstoreError("The identity token names no subject (claims email and sub)");
  }
}
