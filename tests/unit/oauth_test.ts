// The interactive OAuth 2 login (§7.1 "Sigstore signing details") against a fake OIDC provider on
// 127.0.0.1; an injected opener plays the browser, following the redirect to the loopback listener.
import assert from "node:assert/strict";
import { SigstoreError } from "../../src/errors.ts";
import { jwtClaims } from "../../src/methods/sigstore/jwt.ts";
import {
  browserCommand,
  oauthLogin,
  type OAuthLoginOptions,
  OOB_REDIRECT_URI,
} from "../../src/methods/sigstore/oauth.ts";
import { browse, type FakeProvider, startFakeProvider } from "../fake_oidc_provider.ts";

/** Keeps every line the flow writes for the user. */
function logger() {
  const lines: string[] = [];
  return { lines, log: (message: string) => void lines.push(message) };
}

/** The authorization URL as printed for the user. */
function printedUrl(lines: readonly string[]): string {
  const match = lines.join("\n").match(/\t(http\S+)/);
  assert.ok(match, "the authorization URL is printed");
  return match[1];
}

/** Runs the login and expects a SigstoreError matching `message`. */
async function loginFails(options: OAuthLoginOptions, message: RegExp): Promise<void> {
  await assert.rejects(oauthLogin(options), (error) => {
    assert.ok(error instanceof SigstoreError);
    assert.match(error.message, message);
    return true;
  });
}

/** Options for a login against `provider` whose browser visits the URL; generous timeout so a broken flow fails, not hangs. */
function browserLogin(provider: FakeProvider, pages: string[] = []) {
  const { lines, log } = logger();
  const options = {
    issuerUrl: provider.issuer,
    log,
    timeoutMs: 20_000,
    openBrowser: async (url: string) => void pages.push(await browse(url)),
  };
  return { options, lines, pages };
}

Deno.test("OAuth: browser flow with PKCE, state and nonce returns the provider's id_token", async () => {
  await using provider = startFakeProvider();
  const { options, lines, pages } = browserLogin(provider);
  const token = await oauthLogin(options);

  assert.deepEqual(provider.issuedTokens, [token]);
  const [query] = provider.authorizeRequests;
  assert.equal(query.get("client_id"), "sigstore");
  assert.match(query.get("redirect_uri")!, /^http:\/\/localhost:\d+\/auth\/callback$/);
  assert.equal(jwtClaims(token)?.nonce, query.get("nonce"));
  // The provider checked code, redirect URI, client and PKCE verifier; a public client sends no secret.
  const [form] = provider.tokenRequests;
  assert.equal(form.get("grant_type"), "authorization_code");
  assert.equal(form.get("redirect_uri"), query.get("redirect_uri"));
  assert.equal(form.has("client_secret"), false);
  assert.equal(form.get("code_verifier")!.length, 43);
  // The user sees the URL on stderr and is told to close the page; the token is never printed.
  assert.equal(new URL(printedUrl(lines)).searchParams.get("state"), query.get("state"));
  assert.match(pages[0], /succeeded\. You can close this window/);
  assert.ok(!lines.join("\n").includes(token));
});

Deno.test("OAuth: the loopback listener is closed after the login", async () => {
  await using provider = startFakeProvider();
  const { options } = browserLogin(provider);
  await oauthLogin(options);
  const redirectUri = provider.authorizeRequests[0].get("redirect_uri")!;
  await assert.rejects(fetch(redirectUri.replace("localhost", "127.0.0.1")), TypeError);
});

Deno.test("OAuth: a client id and a non-empty client secret go to both endpoints", async () => {
  await using provider = startFakeProvider({ clientSecret: "s3cret" });
  const { options } = browserLogin(provider);
  const token = await oauthLogin({ ...options, clientId: "my-client", clientSecret: "s3cret" });
  assert.equal(jwtClaims(token)?.aud, "my-client");
  assert.equal(provider.authorizeRequests[0].get("client_id"), "my-client");
  assert.equal(provider.tokenRequests[0].get("client_secret"), "s3cret");
});

Deno.test("OAuth: a redirect with a wrong state aborts before any token request", async () => {
  await using provider = startFakeProvider({ wrongState: true });
  const { options, pages } = browserLogin(provider);
  await loginFails(options, /^The OAuth redirect carried a wrong state/);
  assert.equal(provider.tokenRequests.length, 0);
  assert.match(pages[0], /login failed; the terminal says why\. You can close this window/);
});

Deno.test("OAuth: an id_token whose nonce is not the one sent is refused", async () => {
  await using provider = startFakeProvider({ wrongNonce: true });
  const { options } = browserLogin(provider);
  await loginFails(options, /^The identity token is not a JWT with the login request's nonce$/);
  assert.equal(provider.issuedTokens.length, 1);
});

Deno.test("OAuth: a denied consent is reported as such", async () => {
  await using provider = startFakeProvider({ consent: "deny" });
  const { options } = browserLogin(provider);
  await loginFails(options, /^OAuth consent was denied$/);
  assert.equal(provider.tokenRequests.length, 0);
});

Deno.test("OAuth: another authorization error names the provider's error code", async () => {
  await using provider = startFakeProvider({ consent: "server_error" });
  const { options } = browserLogin(provider);
  await loginFails(options, /^OAuth authorization failed: server_error$/);
});

Deno.test("OAuth: a failing browser opener prints the URL and the login still completes", async () => {
  await using provider = startFakeProvider();
  const { lines, log } = logger();
  // The "user" opens the printed URL by hand once told the browser could not be opened.
  let visit: Promise<string> | undefined;
  const token = await oauthLogin({
    issuerUrl: provider.issuer,
    timeoutMs: 20_000,
    log: (message) => {
      log(message);
      if (message.startsWith("Could not open a browser")) visit = browse(printedUrl(lines));
    },
    openBrowser: () => Promise.reject(new Error("xdg-open not found")),
  });
  assert.match(await visit!, /succeeded/);
  assert.deepEqual(provider.issuedTokens, [token]);
  assert.ok(lines.some((l) => l.includes("Could not open a browser (xdg-open not found)")));
});

Deno.test("OAuth: requests to other loopback paths are ignored and the listener keeps waiting", async () => {
  await using provider = startFakeProvider();
  const { options } = browserLogin(provider);
  const token = await oauthLogin({
    ...options,
    openBrowser: async (url) => {
      const redirectUri = new URL(url).searchParams.get("redirect_uri")!;
      const stray = await fetch(new URL("/favicon.ico", redirectUri));
      assert.equal(stray.status, 404);
      await stray.body?.cancel();
      await browse(url);
    },
  });
  assert.deepEqual(provider.issuedTokens, [token]);
});

Deno.test("OAuth: no redirect within the timeout fails and closes the listener", async () => {
  await using provider = startFakeProvider();
  const { lines, log } = logger();
  await loginFails(
    { issuerUrl: provider.issuer, log, timeoutMs: 1, openBrowser: () => Promise.resolve() },
    /^No OAuth redirect arrived in time/,
  );
  const redirectUri = new URL(printedUrl(lines)).searchParams.get("redirect_uri")!;
  await assert.rejects(fetch(redirectUri.replace("localhost", "127.0.0.1")), TypeError);
});

Deno.test("OAuth: the timeout also bounds an opener that never returns", async () => {
  await using provider = startFakeProvider();
  await loginFails(
    {
      issuerUrl: provider.issuer,
      log: () => {},
      timeoutMs: 1,
      openBrowser: () => new Promise(() => {}),
    },
    /^No OAuth redirect arrived in time/,
  );
});

Deno.test("OAuth: out-of-band flow prints the URL, reads the pasted code, never opens a browser", async () => {
  await using provider = startFakeProvider();
  const { lines, log } = logger();
  const token = await oauthLogin({
    issuerUrl: provider.issuer,
    oauthForceOob: true,
    log,
    openBrowser: () => Promise.reject(new Error("must not be called")),
    // The user opens the printed URL elsewhere and pastes the code the provider shows.
    readCode: async () => (await browse(printedUrl(lines))).replace("Your verification code: ", ""),
  });
  assert.deepEqual(provider.issuedTokens, [token]);
  assert.equal(provider.authorizeRequests[0].get("redirect_uri"), OOB_REDIRECT_URI);
  assert.equal(provider.tokenRequests[0].get("redirect_uri"), OOB_REDIRECT_URI);
  assert.ok(lines.some((l) => l.startsWith("Go to the following link in a browser:")));
});

Deno.test("OAuth: out-of-band flow with an empty code fails without a token request", async () => {
  await using provider = startFakeProvider();
  await loginFails(
    {
      issuerUrl: provider.issuer,
      oauthForceOob: true,
      log: () => {},
      readCode: () => Promise.resolve(" \n"),
    },
    /^No OAuth verification code was entered$/,
  );
  assert.equal(provider.tokenRequests.length, 0);
});

Deno.test("OAuth: a token endpoint error names the OAuth error code", async () => {
  await using provider = startFakeProvider({ clientSecret: "expected" });
  const { options } = browserLogin(provider);
  await loginFails(options, /^OAuth token request failed: HTTP 400 \(invalid_grant\)$/);
});

Deno.test("OAuth: discovery failures are SigstoreErrors naming what is wrong", async (t) => {
  const serve = (body: unknown, status = 200) =>
    Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => Response.json(body, { status }),
    );
  const cases: [string, unknown, number, RegExp][] = [
    ["404", { error: "nope" }, 404, /^OIDC discovery failed: HTTP 404 \(nope\)$/],
    [
      "no token endpoint",
      { authorization_endpoint: "http://x/a" },
      200,
      /no valid token_endpoint$/,
    ],
    ["bad URL", { authorization_endpoint: "not a url" }, 200, /no valid authorization_endpoint$/],
  ];
  for (const [name, body, status, message] of cases) {
    await t.step(name, async () => {
      const server = serve(body, status);
      try {
        await loginFails({ issuerUrl: `http://127.0.0.1:${server.addr.port}/auth/` }, message);
      } finally {
        await server.shutdown();
      }
    });
  }
  await loginFails({ issuerUrl: "http://127.0.0.1:1" }, /^OIDC discovery failed: /);
});

Deno.test("jwtClaims decodes a base64url payload and refuses what is not a JWT", () => {
  const payload = new TextEncoder().encode(JSON.stringify({ nonce: "n", x: "??>" }))
    .toBase64({ alphabet: "base64url", omitPadding: true });
  assert.deepEqual(jwtClaims(`e30.${payload}.sig`), { nonce: "n", x: "??>" });
  const notUtf8 = Uint8Array.of(0x22, 0xff, 0x22).toBase64({ alphabet: "base64url" });
  for (
    const bad of ["", "a.b", "e30.!!!.s", `e30.${btoa("[1]")}.s`, "e30.e30.s.t", `e30.${notUtf8}.s`]
  ) {
    assert.equal(jwtClaims(bad), undefined, bad);
  }
});

Deno.test("browserCommand: xdg-open on Linux, open on macOS, rundll32 on Windows", () => {
  const url = "https://issuer/authorize?a=1&b=2";
  assert.deepEqual(browserCommand("linux", url), ["xdg-open", [url]]);
  assert.deepEqual(browserCommand("freebsd", url), ["xdg-open", [url]]);
  assert.deepEqual(browserCommand("darwin", url), ["open", [url]]);
  assert.deepEqual(browserCommand("windows", url), [
    "rundll32",
    ["url.dll,FileProtocolHandler", url],
  ]);
});

/** Runs `openInBrowser(url)` in a child Deno whose PATH holds only a fake `xdg-open` script. */
async function openWithFakeXdgOpen(script: string, permissions: string[]) {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/xdg-open`, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    const module = new URL("../../src/methods/sigstore/oauth.ts", import.meta.url).href;
    const code = `import { openInBrowser } from ${JSON.stringify(module)};
      try { await openInBrowser("https://issuer/authorize?a=1&b=2"); console.log("opened"); }
      catch (e) { console.log("failed: " + e.message); }`;
    await Deno.writeTextFile(`${dir}/open.ts`, code);
    const child = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--no-prompt", ...permissions, `${dir}/open.ts`],
      env: { PATH: `${dir}:/bin:/usr/bin`, OUT: `${dir}/out` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = await Deno.readTextFile(`${dir}/out`).catch(() => "");
    return { stdout: new TextDecoder().decode(child.stdout).trim(), out };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "openInBrowser runs xdg-open with the URL on Linux and reports its failure",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const ok = await openWithFakeXdgOpen(`printf '%s' "$1" > "$OUT"`, ["--allow-run=xdg-open"]);
    assert.deepEqual(ok, { stdout: "opened", out: "https://issuer/authorize?a=1&b=2" });
    const bad = await openWithFakeXdgOpen("exit 3", ["--allow-run=xdg-open"]);
    assert.equal(bad.stdout, "failed: xdg-open exited with status 3");
    // Without --allow-run the opener fails (and the login then falls back to the printed URL).
    const denied = await openWithFakeXdgOpen(`printf x > "$OUT"`, []);
    assert.match(denied.stdout, /^failed: .*run access/i);
    assert.equal(denied.out, "");
  },
});

Deno.test("OAuth: out-of-band flow with the default terminal I/O: URL on stderr, code from stdin", async () => {
  await using provider = startFakeProvider();
  const dir = await Deno.makeTempDir();
  try {
    const module = new URL("../../src/methods/sigstore/oauth.ts", import.meta.url).href;
    await Deno.writeTextFile(
      `${dir}/login.ts`,
      `import { oauthLogin } from ${JSON.stringify(module)};
      console.log(await oauthLogin({ issuerUrl: Deno.args[0], oauthForceOob: true }));`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--no-prompt",
        "--allow-net=127.0.0.1",
        `${dir}/login.ts`,
        provider.issuer,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let errText = "";
    while (!errText.includes("Enter verification code:")) {
      const { value, done } = await stderr.read();
      if (done) break;
      errText += value;
    }
    const page = await browse(printedUrl([errText]));
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${page.replace("Your verification code: ", "")}`));
    await writer.close();
    for (let r = await stderr.read(); !r.done; r = await stderr.read()) errText += r.value;
    const stdout = await new Response(child.stdout).text();
    assert.equal((await child.status).code, 0, errText);
    assert.deepEqual(provider.issuedTokens, [stdout.trim()]);
    assert.ok(!errText.includes(stdout.trim()), "the token is not on stderr");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
