/**
 * The interactive OAuth 2 login that gets a Sigstore identity token when no
 * explicit or ambient token exists (§7.1 "Sigstore signing details"): OIDC
 * discovery, an authorization-code request with PKCE (S256), `state` and
 * `nonce`, then either a loopback redirect listener on 127.0.0.1 with the
 * browser opened for the user, or (`--oauth-force-oob`) the out-of-band
 * redirect where the user pastes the code shown by the provider.
 *
 * @module
 */

import { SigstoreError } from "../../errors.ts";
import { toBase64Url } from "../../util/encoding.ts";
import { isJsonObject } from "../../util/json.ts";
import { requestJson } from "./http_json.ts";
import { jwtClaims } from "./jwt.ts";

/** Client id of the public-good Sigstore OIDC issuer; also the audience of ambient tokens. */
export const DEFAULT_CLIENT_ID = "sigstore";

/** Redirect URI of the out-of-band flow, as sigstore-python sends it. */
export const OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob";

/** How long the loopback listener waits for the browser's redirect by default (5 minutes). */
export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60 * 1000;

/** Path of the loopback redirect URI (the one sigstore-python and cosign register). */
const CALLBACK_PATH = "/auth/callback";

/**
 * How the flow reaches the outside world. Every field defaults to the real
 * thing; tests inject fakes (a browser that fetches the URL, a code reader).
 */
export interface OAuthIo {
  /** `fetch` for discovery, the token endpoint and the GitHub Actions endpoint. */
  readonly fetch?: typeof fetch;
  /**
   * Opens the authorization URL for the user; default {@linkcode openInBrowser}.
   * A rejection is not fatal: the URL is printed and the listener keeps waiting.
   */
  readonly openBrowser?: (url: string) => Promise<void>;
  /** Reads the code the user pastes in the out-of-band flow; default: one line of stdin. */
  readonly readCode?: () => Promise<string>;
  /** Writes a line for the user; default: stderr. Never given a token. */
  readonly log?: (message: string) => void;
  /** Bound on the wait for the loopback redirect, in milliseconds; default 5 minutes. */
  readonly timeoutMs?: number;
}

/** The default {@linkcode OAuthIo.log}: one line on stderr, never on stdout (the CLI's result goes there). */
export function logToStderr(message: string): void {
  console.error(message);
}

/** Options of {@linkcode oauthLogin}. */
export interface OAuthLoginOptions extends OAuthIo {
  /** OIDC issuer URL of the instance, e.g. `https://oauth2.sigstore.dev/auth`. */
  readonly issuerUrl: string;
  /** OAuth client id (`--client-id`), default `sigstore`; also the audience of ambient tokens. */
  readonly clientId?: string;
  /** OAuth client secret (`--client-secret`), default empty (then not sent). */
  readonly clientSecret?: string;
  /** Print the authorization URL and read the code from the terminal (`--oauth-force-oob`). */
  readonly oauthForceOob?: boolean;
}

/** The two endpoints of the issuer's discovery document the flow uses. */
interface OidcEndpoints {
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
}

/**
 * Logs in interactively and returns the OIDC identity token (the `id_token`
 * of the token response). The token is never logged.
 *
 * @throws {SigstoreError} when discovery or the token request fails, the
 * consent is denied, the redirect carries a wrong `state`, no redirect comes
 * within the timeout, or the token's `nonce` is not the one sent.
 */
export async function oauthLogin(options: OAuthLoginOptions): Promise<string> {
  const fetchFn = options.fetch ?? fetch;
  const log = options.log ?? logToStderr;
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const endpoints = await discover(options.issuerUrl, fetchFn);
  const state = randomToken();
  const nonce = randomToken();
  const codeVerifier = randomToken();
  const codeChallenge = await s256(codeVerifier);
  const authorizationUrl = (redirectUri: string) => {
    const url = new URL(endpoints.authorizationEndpoint);
    const params = {
      response_type: "code",
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: "openid email",
      state,
      nonce,
      code_challenge: codeChallenge,
      code_challenge_method: "S256",
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.href;
  };

  let redirectUri: string;
  let code: string;
  if (options.oauthForceOob) {
    redirectUri = OOB_REDIRECT_URI;
    log(`Go to the following link in a browser:\n\n\t${authorizationUrl(redirectUri)}\n`);
    log("Enter verification code:");
    code = (await (options.readCode ?? readLineFromStdin)()).trim();
    if (!code) throw new SigstoreError("No OAuth verification code was entered");
  } else {
    const listener = listenForRedirect(state);
    let outcome: RedirectOutcome | undefined;
    try {
      redirectUri = listener.redirectUri;
      const url = authorizationUrl(redirectUri);
      log(`Opening a browser for Sigstore login; if none opens, go to:\n\n\t${url}\n`);
      log("Waiting for browser interaction...");
      // The opener runs while the timeout runs, so a hanging opener cannot stall the login.
      const opened = (options.openBrowser ?? openInBrowser)(url).catch((error) => {
        const reason = error instanceof Error ? error.message : String(error);
        // The redirect goes to this host's loopback: elsewhere only the out-of-band flow works.
        log(
          `Could not open a browser (${reason}): open the link above in a browser on this ` +
            "host, or use --oauth-force-oob.",
        );
      });
      outcome = await beforeTimeout(listener.code, options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS);
      // A redirect came, so the opener is done or about to be (its page is served): let it end.
      if (outcome) await opened;
    } finally {
      await listener.close();
    }
    if (!outcome) {
      throw new SigstoreError(
        "No OAuth redirect arrived in time: the browser login was not completed",
      );
    }
    if ("error" in outcome) throw outcome.error;
    code = outcome.code;
  }

  const idToken = await exchangeCode(fetchFn, endpoints.tokenEndpoint, {
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri,
    code_verifier: codeVerifier,
    client_id: clientId,
    ...(options.clientSecret ? { client_secret: options.clientSecret } : {}),
  });
  // Only the nonce is checked here, to tie the token to this login; the
  // token's signature, issuer and audience are Fulcio's to verify.
  if (jwtClaims(idToken)?.nonce !== nonce) {
    throw new SigstoreError("The identity token is not a JWT with the login request's nonce");
  }
  return idToken;
}

/** Reads `<issuer>/.well-known/openid-configuration`. */
async function discover(issuerUrl: string, fetchFn: typeof fetch): Promise<OidcEndpoints> {
  const url = `${issuerUrl.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const doc = await requestJson(
    fetchFn,
    url,
    { headers: { accept: "application/json" } },
    "OIDC discovery",
  );
  const endpoint = (name: string): string => {
    const value = isJsonObject(doc) ? doc[name] : undefined;
    if (typeof value !== "string" || !URL.canParse(value)) {
      throw new SigstoreError(`OIDC discovery at ${url} gave no valid ${name}`);
    }
    return value;
  };
  return {
    authorizationEndpoint: endpoint("authorization_endpoint"),
    tokenEndpoint: endpoint("token_endpoint"),
  };
}

/** Redeems the authorization code at the token endpoint; returns the `id_token`. */
async function exchangeCode(
  fetchFn: typeof fetch,
  tokenEndpoint: string,
  form: Record<string, string>,
): Promise<string> {
  const body = await requestJson(fetchFn, tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(form),
  }, "OAuth token request");
  const idToken = isJsonObject(body) ? body.id_token : undefined;
  if (typeof idToken !== "string" || !idToken) {
    throw new SigstoreError("The OAuth token response carried no id_token");
  }
  return idToken;
}

/** 32 random bytes, base64url: state, nonce and PKCE code verifier (43 characters, RFC 7636 §4.1). */
function randomToken(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The PKCE S256 code challenge of a verifier (RFC 7636 §4.2). */
async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return toBase64Url(new Uint8Array(digest));
}

/** What the loopback redirect delivered: a code, or why the login failed. */
type RedirectOutcome = { code: string } | { error: SigstoreError };

/** The loopback listener of the browser flow. */
interface RedirectListener {
  /** `http://localhost:<port>/auth/callback`. */
  readonly redirectUri: string;
  /** Settles with the first redirect's outcome (never rejects, so no rejection goes unhandled). */
  readonly code: Promise<RedirectOutcome>;
  /** Stops listening. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1, a random port, for the provider's redirect. The
 * redirect URI names `localhost`, the host Sigstore's issuer accepts for
 * loopback clients with any port; browsers resolve it to the loopback.
 */
function listenForRedirect(expectedState: string): RedirectListener {
  let deliver!: (outcome: RedirectOutcome) => void;
  const code = new Promise<RedirectOutcome>((resolve) => deliver = resolve);
  let delivered = false;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    if (url.pathname !== CALLBACK_PATH) return new Response("Not found", { status: 404 });
    if (delivered) return page(409, "This login has already finished.");
    delivered = true;
    const outcome = redirectOutcome(url.searchParams, expectedState);
    deliver(outcome);
    return "code" in outcome
      ? page(200, "Sigstore login succeeded.")
      : page(400, "Sigstore login failed; the terminal says why.");
  });
  return {
    redirectUri: `http://localhost:${server.addr.port}${CALLBACK_PATH}`,
    code,
    close: () => server.shutdown(),
  };
}

/** Checks the redirect's `state` first: an unmatched redirect is not trusted for anything. */
function redirectOutcome(params: URLSearchParams, expectedState: string): RedirectOutcome {
  if (params.get("state") !== expectedState) {
    return { error: new SigstoreError("The OAuth redirect carried a wrong state; login aborted") };
  }
  const error = params.get("error");
  if (error === "access_denied") return { error: new SigstoreError("OAuth consent was denied") };
  if (error !== null) return { error: new SigstoreError(`OAuth authorization failed: ${error}`) };
  const code = params.get("code");
  if (!code) return { error: new SigstoreError("The OAuth redirect carried no code") };
  return { code };
}

function page(status: number, message: string): Response {
  const html = `<!doctype html><meta charset="utf-8"><title>Sigstore login</title>` +
    `<p>${message} You can close this window.</p>\n`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}

/** The redirect's outcome, or `undefined` after `ms`; the timer is cleared on every path. */
async function beforeTimeout(
  outcome: Promise<RedirectOutcome>,
  ms: number,
): Promise<RedirectOutcome | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) =>
    timer = setTimeout(() => resolve(undefined), ms)
  );
  try {
    return await Promise.race([outcome, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The platform's URL opener: `xdg-open` (Linux and other Unixes), `open`
 * (macOS), `rundll32 url.dll,FileProtocolHandler` (Windows).
 *
 * @param os A `Deno.build.os` value.
 * @param url The URL to open.
 * @returns The program and its arguments.
 */
export function browserCommand(os: typeof Deno.build.os, url: string): [string, string[]] {
  if (os === "windows") return ["rundll32", ["url.dll,FileProtocolHandler", url]];
  if (os === "darwin") return ["open", [url]];
  return ["xdg-open", [url]];
}

/**
 * Opens a URL in the user's browser with {@linkcode browserCommand} (needs
 * `--allow-run=xdg-open,open,rundll32`).
 *
 * @throws when the opener cannot be run or exits with a failure status.
 */
export async function openInBrowser(url: string): Promise<void> {
  const [program, args] = browserCommand(Deno.build.os, url);
  const command = new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  });
  const { success, code } = await command.output();
  if (!success) throw new Error(`${program} exited with status ${code}`);
}

/** Reads one line from stdin (the pasted verification code). */
async function readLineFromStdin(): Promise<string> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1024);
  let text = "";
  while (!text.includes("\n")) {
    const n = await Deno.stdin.read(buffer);
    if (n === null) break;
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
  }
  return text.split("\n")[0];
}
