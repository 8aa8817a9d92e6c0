/**
 * Where a Sigstore signer gets its OIDC identity token (§7.1 "Sigstore signing
 * details"): an explicit token, else ambient CI credentials when asked for,
 * else an interactive OAuth 2 flow against the instance's OIDC issuer.
 *
 * @module
 */

import { SigstoreError } from "../../errors.ts";
import { isJsonObject } from "../../util/json.ts";
import { requestJson } from "./http_json.ts";
import { DEFAULT_CLIENT_ID, logToStderr, oauthLogin, type OAuthLoginOptions } from "./oauth.ts";

/** Options of {@linkcode getIdentityToken}. */
export interface IdentityTokenOptions extends OAuthLoginOptions {
  /** A token given on the command line (`--identity-token`); used as is when present. */
  readonly identityToken?: string;
  /** Look for ambient CI credentials (`--use-ambient-credentials`). */
  readonly useAmbientCredentials?: boolean;
  /** Reads an environment variable; default `Deno.env.get` (tests inject a map). */
  readonly env?: (name: string) => string | undefined;
}

/**
 * Returns an identity token for signing, from the first source that has one:
 *
 * 1. `identityToken` (`--identity-token`);
 * 2. with `useAmbientCredentials`, the `SIGSTORE_ID_TOKEN` variable (GitLab
 *    CI's `id_tokens` convention, or set by hand), then the GitHub Actions
 *    ID-token endpoint with audience = client id;
 * 3. the interactive OAuth login ({@linkcode oauthLogin}).
 *
 * When ambient credentials are asked for but none exist, the interactive
 * login follows, as sigstore-python does when its detection finds nothing.
 * Inside GitHub Actions without the endpoint variables, though, it fails at
 * once: a login nobody can answer would only wait for its timeout.
 *
 * @throws {SigstoreError} when no token can be obtained.
 */
export async function getIdentityToken(options: IdentityTokenOptions): Promise<string> {
  if (options.identityToken) return options.identityToken;
  if (options.useAmbientCredentials) {
    const ambient = await ambientCredential(options);
    if (ambient) return ambient;
    (options.log ?? logToStderr)(
      "No ambient credentials found; starting the interactive Sigstore login.",
    );
  }
  return await oauthLogin(options);
}

/** The token of the CI environment, or `undefined` when it offers none. */
async function ambientCredential(options: IdentityTokenOptions): Promise<string | undefined> {
  const env = options.env ?? readEnv;
  // A variable someone set on purpose wins over the platform's endpoint, and needs no network.
  const explicit = env("SIGSTORE_ID_TOKEN");
  if (explicit) return explicit;
  const requestUrl = env("ACTIONS_ID_TOKEN_REQUEST_URL");
  const requestToken = env("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
  if (requestUrl && requestToken) {
    return await githubActionsToken(
      options.fetch ?? fetch,
      requestUrl,
      requestToken,
      options.clientId ?? DEFAULT_CLIENT_ID,
    );
  }
  if (env("GITHUB_ACTIONS") === "true") {
    throw new SigstoreError(
      "GitHub Actions offers no ID token (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN unset): " +
        "give the job `permissions: id-token: write`",
    );
  }
  return undefined;
}

/** `GET <request URL>&audience=<audience>` with the request token as bearer; the answer is `{"value": <JWT>}`. */
async function githubActionsToken(
  fetchFn: typeof fetch,
  requestUrl: string,
  requestToken: string,
  audience: string,
): Promise<string> {
  if (!URL.canParse(requestUrl)) {
    throw new SigstoreError("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL");
  }
  const url = new URL(requestUrl);
  url.searchParams.set("audience", audience);
  const body = await requestJson(fetchFn, url, {
    headers: { authorization: `bearer ${requestToken}`, accept: "application/json" },
  }, "GitHub Actions ID-token request");
  const value = isJsonObject(body) ? body.value : undefined;
  if (typeof value !== "string" || !value) {
    throw new SigstoreError("The GitHub Actions ID-token response carried no value");
  }
  return value;
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
