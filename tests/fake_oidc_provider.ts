/**
 * A fake OIDC provider on 127.0.0.1 for the OAuth tests: discovery,
 * `/authorize` (which checks the request and redirects like a provider after
 * the user's consent, or shows the code for the out-of-band redirect) and
 * `/token` (which checks the code, redirect URI, client and PKCE verifier
 * and returns an unsigned JWT carrying the request's nonce).
 *
 * @module
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";

/** How the fake provider answers. */
export interface FakeProviderOptions {
  /** The user's answer on the consent page; default `approve`. */
  readonly consent?: "approve" | "deny" | "server_error";
  /** Redirect with a different `state` than requested. */
  readonly wrongState?: boolean;
  /** Put another nonce into the id_token than requested. */
  readonly wrongNonce?: boolean;
  /** The client secret the token endpoint requires; default none (a public client). */
  readonly clientSecret?: string;
}

/** A running fake provider. */
export interface FakeProvider extends AsyncDisposable {
  /** Issuer URL (no trailing slash). */
  readonly issuer: string;
  /** The query of every authorization request, in order. */
  readonly authorizeRequests: URLSearchParams[];
  /** The form of every token request, in order. */
  readonly tokenRequests: URLSearchParams[];
  /** Every id_token issued. */
  readonly issuedTokens: string[];
}

const b64url = (bytes: Uint8Array) => bytes.toBase64({ alphabet: "base64url", omitPadding: true });
const json = (value: unknown) => b64url(new TextEncoder().encode(JSON.stringify(value)));

/** Starts the provider; dispose it to stop it. */
export function startFakeProvider(options: FakeProviderOptions = {}): FakeProvider {
  const authorizeRequests: URLSearchParams[] = [];
  const tokenRequests: URLSearchParams[] = [];
  const issuedTokens: string[] = [];
  const grants = new Map<string, URLSearchParams>();
  let issuer = "";

  const authorize = (query: URLSearchParams): Response => {
    authorizeRequests.push(query);
    assert.equal(query.get("response_type"), "code");
    assert.equal(query.get("code_challenge_method"), "S256");
    assert.match(query.get("code_challenge") ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.match(query.get("state") ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.match(query.get("nonce") ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.ok(query.get("scope")?.split(" ").includes("openid"));
    const redirectUri = query.get("redirect_uri")!;
    const code = crypto.randomUUID();
    grants.set(code, query);
    if (redirectUri === "urn:ietf:wg:oauth:2.0:oob") {
      return new Response(`Your verification code: ${code}\n`);
    }
    assert.match(redirectUri, /^http:\/\/localhost:\d+\/auth\/callback$/);
    const target = new URL(redirectUri);
    const state = query.get("state")!;
    target.searchParams.set("state", options.wrongState ? `${state}x` : state);
    const consent = options.consent ?? "approve";
    if (consent === "approve") target.searchParams.set("code", code);
    else target.searchParams.set("error", consent === "deny" ? "access_denied" : consent);
    return new Response(null, { status: 302, headers: { location: target.href } });
  };

  const token = (form: URLSearchParams): Response => {
    tokenRequests.push(form);
    const grant = grants.get(form.get("code") ?? "");
    grants.delete(form.get("code") ?? "");
    const verifier = form.get("code_verifier") ?? "";
    const ok = grant !== undefined &&
      form.get("grant_type") === "authorization_code" &&
      form.get("redirect_uri") === grant.get("redirect_uri") &&
      form.get("client_id") === grant.get("client_id") &&
      form.get("client_secret") === (options.clientSecret ?? null) &&
      b64url(createHash("sha256").update(verifier).digest()) === grant.get("code_challenge");
    if (!ok) return Response.json({ error: "invalid_grant" }, { status: 400 });
    const nonce = options.wrongNonce ? "another-nonce" : grant.get("nonce");
    const claims = {
      iss: issuer,
      aud: grant.get("client_id"),
      sub: "user-1",
      email: "user@example.com",
      email_verified: true,
      nonce,
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 60,
    };
    const idToken = `${json({ alg: "none" })}.${json(claims)}.`;
    issuedTokens.push(idToken);
    return Response.json({ access_token: "opaque", token_type: "bearer", id_token: idToken });
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/auth/.well-known/openid-configuration") {
      return Response.json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
      });
    }
    if (url.pathname === "/auth/authorize") return authorize(url.searchParams);
    if (url.pathname === "/auth/token" && req.method === "POST") {
      assert.equal(req.headers.get("content-type"), "application/x-www-form-urlencoded");
      return token(new URLSearchParams(await req.text()));
    }
    return new Response("not found", { status: 404 });
  });
  issuer = `http://127.0.0.1:${server.addr.port}/auth`;
  return {
    issuer,
    authorizeRequests,
    tokenRequests,
    issuedTokens,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/**
 * Plays the browser: loads the authorization URL and follows the provider's
 * redirect to the loopback listener. Returns the page the listener served.
 */
export async function browse(url: string): Promise<string> {
  const response = await fetch(url);
  return await response.text();
}
