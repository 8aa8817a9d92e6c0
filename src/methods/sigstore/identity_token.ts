/**
 * Where a Sigstore signer gets its OIDC identity token (§7.1 "Sigstore signing
 * details"): an explicit token, else ambient CI credentials when asked for,
 * else an interactive OAuth 2 flow against the instance's OIDC issuer.
 *
 * @module
 */

import { SigstoreError } from "../../errors.ts";
import { ambientToken } from "./ambient.ts";
import { checkIdentityToken } from "./jwt.ts";
import { DEFAULT_CLIENT_ID, logToStderr, oauthLogin, type OAuthLoginOptions } from "./oauth.ts";

/** Options of {@linkcode getIdentityToken}. */
export interface IdentityTokenOptions extends OAuthLoginOptions {
  /** A token given on the command line (`--identity-token`); used as is when present. */
  readonly identityToken?: string;
  /** Look for ambient CI credentials (`--use-ambient-credentials`). */
  readonly useAmbientCredentials?: boolean;
  /** Bound on each ambient-credential request or command (default 30 s). */
  readonly ambientTimeoutMs?: number;
  /** Reads an environment variable; default `Deno.env.get` (tests inject a map). */
  readonly env?: (name: string) => string | undefined;
}

/**
 * Returns an identity token for signing, from the first source that has one:
 *
 * 1. `identityToken` (`--identity-token`);
 * 2. with `useAmbientCredentials`, the first ambient source whose
 *    environment applies, in the order of `ambient.ts` (`SIGSTORE_ID_TOKEN`,
 *    `SIGSTORE_ID_TOKEN_FILE`, GitHub Actions, Buildkite, CircleCI, Google
 *    Cloud), with audience = client id;
 * 3. the interactive OAuth login ({@linkcode oauthLogin}).
 *
 * When ambient credentials are asked for but no source applies, the
 * interactive login follows, as sigstore-python does when its detection
 * finds nothing. A source that applies but fails (also GitHub Actions
 * without the endpoint variables) fails at once: a login nobody can answer
 * would only wait for its timeout.
 *
 * The token must name a subject Fulcio can certify ({@linkcode checkIdentityToken}).
 *
 * @throws {SigstoreError} when no token can be obtained, or it names no subject.
 */
export async function getIdentityToken(options: IdentityTokenOptions): Promise<string> {
  const token = await findIdentityToken(options);
  checkIdentityToken(token);
  return token;
}

async function findIdentityToken(options: IdentityTokenOptions): Promise<string> {
  if (options.identityToken) return options.identityToken;
  if (options.useAmbientCredentials) {
    const ambient = await ambientToken({
      audience: options.clientId ?? DEFAULT_CLIENT_ID,
      env: options.env ?? readEnv,
      fetch: options.fetch ?? fetch,
      timeoutMs: options.ambientTimeoutMs,
    });
    if (ambient) return ambient;
    (options.log ?? logToStderr)(
      "No ambient credentials found; starting the interactive Sigstore login.",
    );
  }
  return await oauthLogin(options);
}

/** `Deno.env.get`, with a missing `--allow-env` reported as a one-line SigstoreError. */
function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      throw new SigstoreError(`Reading ${name} for ambient credentials needs --allow-env`, {
        cause: error,
      });
    }
    throw error;
  }
}
