/**
 * Fakes of the ambient identity-token sources for tests: one HTTP server on
 * 127.0.0.1 playing the GitHub Actions ID-token endpoint, the Google metadata
 * server and the IAM Credentials API, and fake `buildkite-agent` /
 * `circleci` executables in a temporary directory for `PATH`.
 *
 * @module
 */

import * as nodePath from "node:path";

/** How a fake answers. */
export type Behaviour = "ok" | "fail" | "wrong-audience" | "malformed" | "slow";

const base64url = (text: string) =>
  btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

/** An unsigned JWT with `aud`, and the claims the mock Fulcio needs. */
export function jwt(aud: string | string[], claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: "https://token.actions.example.com",
    sub: "https://github.com/example/models/.github/workflows/sign.yml@refs/heads/main",
    email: "signer@example.com",
    email_verified: true,
    aud,
    iat: now,
    exp: now + 600,
    ...claims,
  };
  return `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${
    base64url(JSON.stringify(payload))
  }.`;
}

/** The token a fake hands out for `behaviour`, given the audience asked for. */
export function tokenFor(
  behaviour: Behaviour,
  audience: string,
  good: (audience: string) => string = jwt,
): string {
  if (behaviour === "wrong-audience") return jwt("not-sigstore");
  if (behaviour === "malformed") return "not-a-jwt";
  return good(audience);
}

/** A request the fake server received. */
export interface SeenRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: string;
}

/** The HTTP fake; `behaviour` may be changed between requests. */
export interface FakeServer extends AsyncDisposable {
  behaviour: Behaviour;
  /** `127.0.0.1:<port>` */
  readonly host: string;
  readonly requests: SeenRequest[];
  /** Environment that points each HTTP source at this server. */
  readonly env: {
    readonly github: Record<string, string>;
    readonly metadata: Record<string, string>;
    readonly impersonation: Record<string, string>;
  };
}

/** Starts the HTTP fake; `token(audience)` makes the good token (default {@linkcode jwt}). */
export function startFakeServer(token: (audience: string) => string = jwt): FakeServer {
  const requests: SeenRequest[] = [];
  const state = { behaviour: "ok" as Behaviour };
  // Slow answers are held until the fake stops, so shutdown never waits on them.
  const held: (() => void)[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const url = new URL(req.url);
      requests.push({ method: req.method, url, headers: req.headers, body: await req.text() });
      if (state.behaviour === "slow") {
        await new Promise<void>((resolve) => held.push(resolve));
        return new Response(null, { status: 504 });
      }
      if (state.behaviour === "fail") return Response.json({ message: "nope" }, { status: 503 });
      const isMetadata = url.pathname.startsWith("/computeMetadata/");
      if (isMetadata && req.headers.get("metadata-flavor") !== "Google") {
        return new Response("missing Metadata-Flavor", { status: 403 });
      }
      if (url.pathname === "/computeMetadata/v1/instance/service-accounts/default/identity") {
        return new Response(tokenFor(state.behaviour, url.searchParams.get("audience")!, token));
      }
      if (url.pathname === "/computeMetadata/v1/instance/service-accounts/default/token") {
        return Response.json({ access_token: "machine-access-token", expires_in: 3599 });
      }
      if (url.pathname.endsWith(":generateIdToken")) {
        const { audience } = JSON.parse(requests.at(-1)!.body);
        return Response.json({ token: tokenFor(state.behaviour, audience, token) });
      }
      if (url.pathname === "/github/token") {
        return Response.json({
          value: tokenFor(state.behaviour, url.searchParams.get("audience")!, token),
        });
      }
      return new Response("not found", { status: 404 });
    },
  );
  const host = `127.0.0.1:${server.addr.port}`;
  return {
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(value: Behaviour) {
      state.behaviour = value;
    },
    host,
    requests,
    env: {
      github: {
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://${host}/github/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runner-request-token",
      },
      metadata: { GCE_METADATA_HOST: host },
      impersonation: {
        GOOGLE_SERVICE_ACCOUNT_NAME: "signer@project.iam.gserviceaccount.com",
        GCE_METADATA_HOST: host,
        MODEL_SIGNING_IAM_CREDENTIALS_URL: `http://${host}`,
      },
    },
    [Symbol.asyncDispose]: () => {
      for (const release of held) release();
      return server.shutdown();
    },
  };
}

/**
 * Writes fake `buildkite-agent` and `circleci` scripts into `dir` that print
 * `token` (or fail, or hang, per `behaviour`) and record their arguments in
 * `<name>.args`.
 */
export function writeFakeTools(dir: string, behaviour: Behaviour, token: string): void {
  const body = {
    ok: `printf '%s\\n' '${token}'`,
    "wrong-audience": `printf '%s\\n' '${jwt("not-sigstore")}'`,
    malformed: "echo not-a-jwt",
    fail: "echo 'agent: not authorised' >&2; exit 3",
    slow: "exec sleep 30",
  }[behaviour];
  for (const name of ["buildkite-agent", "circleci"]) {
    const path = nodePath.join(dir, name);
    Deno.writeTextFileSync(
      path,
      `#!/bin/sh\nprintf '%s\\n' "$@" > "${path}.args"\n${body}\n`,
    );
    Deno.chmodSync(path, 0o755);
  }
}
