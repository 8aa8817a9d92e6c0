// Where the Sigstore identity token comes from (§7.1): --identity-token, then ambient credentials
// (SIGSTORE_ID_TOKEN, the GitHub Actions ID-token endpoint faked on 127.0.0.1), then the
// interactive login against the fake OIDC provider.
import assert from "node:assert/strict";
import { SigstoreError } from "../../src/errors.ts";
import {
  getIdentityToken,
  type IdentityTokenOptions,
} from "../../src/methods/sigstore/identity_token.ts";
import { sigstoreFailure } from "../../src/methods/sigstore/trust.ts";
import { browse, startFakeProvider } from "../fake_oidc_provider.ts";
import { jwt } from "../ambient_fakes.ts";

const NO_ISSUER = "http://127.0.0.1:1/auth";

/** An environment holding exactly `vars`. */
const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

/** Hooks that fail the test if the interactive login or the network is reached. */
const offline = {
  fetch: () => Promise.reject(new Error("no network expected")),
  openBrowser: () => Promise.reject(new Error("no browser expected")),
  log: (message: string) => assert.fail(`unexpected output: ${message}`),
};

/** A fake GitHub Actions ID-token endpoint; records each request's URL and authorization. */
function startGithubEndpoint(
  answer: (req: Request) => Response = (req) =>
    Response.json({ value: jwt(new URL(req.url).searchParams.get("audience")!) }),
) {
  const requests: { url: URL; authorization: string | null }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    requests.push({ url: new URL(req.url), authorization: req.headers.get("authorization") });
    return answer(req);
  });
  return {
    requests,
    // The runner's URL already carries a query, so the audience is appended with `&`.
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${server.addr.port}/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runner-request-token",
    },
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function fails(options: IdentityTokenOptions, message: RegExp): Promise<SigstoreError> {
  let caught: SigstoreError | undefined;
  await assert.rejects(getIdentityToken(options), (error) => {
    assert.ok(error instanceof SigstoreError);
    assert.match(error.message, message);
    caught = error;
    return true;
  });
  return caught!;
}

Deno.test("identity token: an explicit token wins over every other source", async () => {
  const explicit = jwt("sigstore", { sub: "explicit" });
  const token = await getIdentityToken({
    identityToken: explicit,
    useAmbientCredentials: true,
    issuerUrl: NO_ISSUER,
    env: () => assert.fail("the environment must not be read"),
    ...offline,
  });
  assert.equal(token, explicit);
});

Deno.test("identity token: a token without a subject Fulcio can certify is refused without being quoted", async () => {
  const unverified = jwt("sigstore", { email_verified: false });
  const noSubject = jwt("sigstore", { email: undefined, sub: undefined });
  const cases: [string, RegExp][] = [
    ["not.a.jwt", /^The identity token is not a JWT \(three base64url parts/],
    [unverified, /^The identity token's email is not verified by its issuer/],
    [noSubject, /^The identity token names no subject/],
  ];
  for (const [token, message] of cases) {
    const error = await fails({ identityToken: token, issuerUrl: NO_ISSUER, ...offline }, message);
    assert.ok(!error.message.includes(token));
    // The same check on a token from the environment.
    const ambient = await fails(
      {
        useAmbientCredentials: true,
        issuerUrl: NO_ISSUER,
        env: envOf({ SIGSTORE_ID_TOKEN: token }),
        ...offline,
      },
      /./,
    );
    assert.ok(!ambient.message.includes(token), ambient.message);
  }
  // A verified email, or no email but a `sub`, is a subject.
  for (const token of [jwt("sigstore"), jwt("sigstore", { email: undefined })]) {
    assert.equal(
      await getIdentityToken({ identityToken: token, issuerUrl: NO_ISSUER, ...offline }),
      token,
    );
  }
});

Deno.test("identity token: SIGSTORE_ID_TOKEN with ambient credentials, before the GitHub endpoint", async () => {
  const token = await getIdentityToken({
    useAmbientCredentials: true,
    issuerUrl: NO_ISSUER,
    env: envOf({
      SIGSTORE_ID_TOKEN: jwt("sigstore"),
      ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:1/x?y=1",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "t",
    }),
    ...offline,
  });
  assert.equal(token, jwt("sigstore"));
});

Deno.test("identity token: GitHub Actions endpoint with bearer request token and audience sigstore", async () => {
  await using gha = startGithubEndpoint();
  const token = await getIdentityToken({
    useAmbientCredentials: true,
    issuerUrl: NO_ISSUER,
    env: envOf(gha.env),
    ...offline,
    fetch,
  });
  assert.equal(token, jwt("sigstore"));
  assert.equal(gha.requests.length, 1);
  const [{ url, authorization }] = gha.requests;
  assert.equal(url.search, "?api-version=2.0&audience=sigstore");
  assert.equal(authorization, "bearer runner-request-token");
});

Deno.test("identity token: the GitHub audience is the client id", async () => {
  await using gha = startGithubEndpoint();
  await getIdentityToken({
    useAmbientCredentials: true,
    clientId: "my-client",
    issuerUrl: NO_ISSUER,
    env: envOf(gha.env),
    ...offline,
    fetch,
  });
  assert.equal(gha.requests[0].url.searchParams.get("audience"), "my-client");
});

Deno.test("identity token: a GitHub endpoint failure is an error that does not echo tokens", async () => {
  await using gha = startGithubEndpoint(() =>
    Response.json({ message: "secret-in-body" }, { status: 403 })
  );
  const error = await fails(
    { useAmbientCredentials: true, issuerUrl: NO_ISSUER, env: envOf(gha.env), ...offline, fetch },
    /^Ambient credentials from GitHub Actions: the ID-token request failed: HTTP 403$/,
  );
  assert.ok(!error.message.includes("runner-request-token"));
});

Deno.test("identity token: a GitHub answer without a value is refused", async () => {
  await using gha = startGithubEndpoint(() => Response.json({ count: 1 }));
  await fails(
    { useAmbientCredentials: true, issuerUrl: NO_ISSUER, env: envOf(gha.env), ...offline, fetch },
    /^Ambient credentials from GitHub Actions: the response carried no value$/,
  );
});

Deno.test("identity token: inside GitHub Actions without id-token permission, a hint instead of a login", async () => {
  await fails(
    {
      useAmbientCredentials: true,
      issuerUrl: NO_ISSUER,
      env: envOf({ GITHUB_ACTIONS: "true" }),
      ...offline,
    },
    /permissions: id-token: write/,
  );
});

Deno.test("identity token: ambient credentials asked for but absent fall through to the interactive login", async () => {
  await using provider = startFakeProvider();
  const lines: string[] = [];
  const token = await getIdentityToken({
    useAmbientCredentials: true,
    issuerUrl: provider.issuer,
    env: envOf({ SIGSTORE_ID_TOKEN: "" }),
    log: (message) => void lines.push(message),
    openBrowser: async (url) => void await browse(url),
    timeoutMs: 20_000,
  });
  assert.deepEqual(provider.issuedTokens, [token]);
  assert.equal(lines[0], "No ambient credentials found; starting the interactive Sigstore login.");
});

Deno.test("identity token: without --use-ambient-credentials the environment is not consulted", async () => {
  await using provider = startFakeProvider();
  const token = await getIdentityToken({
    issuerUrl: provider.issuer,
    env: () => assert.fail("the environment must not be read"),
    log: () => {},
    openBrowser: async (url) => void await browse(url),
    timeoutMs: 20_000,
  });
  assert.deepEqual(provider.issuedTokens, [token]);
});

Deno.test("sigstoreFailure: a library message that quotes a token is cut, and not kept as the cause", () => {
  const token = jwt("sigstore");
  const quoted = Object.assign(new Error(`invalid identity token: ${token}`), {
    code: "IDENTITY_TOKEN_PARSE_ERROR",
  });
  const cut = sigstoreFailure("Sigstore signing failed", quoted, ["opaque-secret"]);
  assert.equal(
    cut.message,
    "Sigstore signing failed: IDENTITY_TOKEN_PARSE_ERROR: invalid identity token: [token]",
  );
  assert.equal(cut.cause, undefined);
  const opaque = sigstoreFailure("x", new Error("bad opaque-secret here"), ["opaque-secret"]);
  assert.equal(opaque.message, "x: bad [token] here");
  const plain = new Error("HTTP 503");
  assert.equal(sigstoreFailure("x", plain, [token]).cause, plain);
});
