// Ambient identity tokens (src/methods/sigstore/ambient.ts): every source against its fake (HTTP on
// 127.0.0.1, executables on PATH, token files): found, endpoint down, wrong audience, malformed
// token, timeout; one-line errors that name the source and never quote a token.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { SigstoreError } from "../../src/errors.ts";
import { ambientToken, MAX_TOKEN_FILE_BYTES } from "../../src/methods/sigstore/ambient.ts";
import { type Behaviour, jwt, startFakeServer, writeFakeTools } from "../ambient_fakes.ts";
import { tempDir } from "../fixtures.ts";

const AUD = "sigstore";
const TIMEOUT_MS = 500;
const envOf = (vars: Record<string, string>) => (name: string) => vars[name];
const noFetch = () => Promise.reject(new Error("no network expected"));

function run(vars: Record<string, string>, fetchFn: typeof fetch = fetch) {
  return ambientToken({ audience: AUD, env: envOf(vars), fetch: fetchFn, timeoutMs: TIMEOUT_MS });
}

async function failsWith(promise: Promise<unknown>, message: RegExp): Promise<string> {
  let text = "";
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof SigstoreError, String(e));
    assert.match(e.message, message);
    assert.ok(!e.message.includes("\n"), "one line");
    text = e.message;
    return true;
  });
  return text;
}

/** The failure each behaviour must report. */
const EXPECTED: Record<Exclude<Behaviour, "ok">, RegExp> = {
  fail: /(HTTP 503|exited with status 3|refused|failed)/,
  "wrong-audience": /the token's audience is 'not-sigstore', not 'sigstore'$/,
  malformed: /the token is not a JWT$/,
  slow: /(timed out after 0\.5 s|did not answer within 0\.5 s)$/,
};

Deno.test("ambient: nothing applies, nothing is tried", async () => {
  assert.equal(await run({}, noFetch), undefined);
});

Deno.test("ambient: SIGSTORE_ID_TOKEN (GitLab id_tokens) is used and checked", async () => {
  const token = jwt(AUD);
  assert.equal(await run({ SIGSTORE_ID_TOKEN: token, BUILDKITE: "true" }, noFetch), token);
  assert.equal(await run({ SIGSTORE_ID_TOKEN: jwt(["other", AUD]) }, noFetch), jwt(["other", AUD]));
  await failsWith(
    run({ SIGSTORE_ID_TOKEN: jwt("other") }, noFetch),
    /^Ambient credentials from SIGSTORE_ID_TOKEN: the token's audience is 'other', not 'sigstore'$/,
  );
  await failsWith(
    run({ SIGSTORE_ID_TOKEN: "a.b" }, noFetch),
    /^Ambient credentials from SIGSTORE_ID_TOKEN: the token is not a JWT$/,
  );
});

Deno.test("ambient: SIGSTORE_ID_TOKEN_FILE (Kubernetes projected token)", async () => {
  using tmp = tempDir();
  const file = nodePath.join(tmp.path, "token");
  const token = jwt(AUD);
  Deno.writeTextFileSync(file, `${token}\n`);
  assert.equal(await run({ SIGSTORE_ID_TOKEN_FILE: file }, noFetch), token);
  // Projected volumes reach the file through symlinks.
  const link = nodePath.join(tmp.path, "link");
  Deno.symlinkSync(file, link);
  assert.equal(await run({ SIGSTORE_ID_TOKEN_FILE: link }, noFetch), token);
  const name = /^Ambient credentials from SIGSTORE_ID_TOKEN_FILE: /;
  await failsWith(
    run({ SIGSTORE_ID_TOKEN_FILE: tmp.path }, noFetch),
    /: Cannot read token file '.*': it is a directory, not a regular file$/,
  );
  await failsWith(
    run({ SIGSTORE_ID_TOKEN_FILE: nodePath.join(tmp.path, "none") }, noFetch),
    /: Cannot read token file '.*none': no such file or directory$/,
  );
  await failsWith(
    run({ SIGSTORE_ID_TOKEN_FILE: "/dev/zero" }, noFetch),
    /: Cannot read token file '\/dev\/zero': it is a device, not a regular file$/,
  );
  Deno.writeTextFileSync(file, "x".repeat(MAX_TOKEN_FILE_BYTES + 1));
  await failsWith(
    run({ SIGSTORE_ID_TOKEN_FILE: file }, noFetch),
    /: Cannot read token file '.*': it is larger than 65536 bytes, the limit for a token file$/,
  );
  Deno.writeTextFileSync(file, jwt("other"));
  await failsWith(run({ SIGSTORE_ID_TOKEN_FILE: file }, noFetch), name);
  Deno.writeTextFileSync(file, "garbage");
  await failsWith(run({ SIGSTORE_ID_TOKEN_FILE: file }, noFetch), /not a JWT$/);
});

/** The HTTP sources: the environment that selects each, and what its request must look like. */
type Vars = Record<string, string>;
const HTTP_SOURCES: {
  name: string;
  env: (s: ReturnType<typeof startFakeServer>) => Vars;
  down: Vars;
  check: (s: ReturnType<typeof startFakeServer>) => void;
}[] = [
  {
    name: "GitHub Actions",
    env: (s: ReturnType<typeof startFakeServer>) => s.env.github,
    down: {
      ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:1/x?y",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "t",
    },
    check: (s: ReturnType<typeof startFakeServer>) => {
      const [req] = s.requests;
      assert.equal(req.url.search, "?api-version=2.0&audience=sigstore");
      assert.equal(req.headers.get("authorization"), "bearer runner-request-token");
    },
  },
  {
    name: "Google Cloud metadata server",
    env: (s: ReturnType<typeof startFakeServer>) => s.env.metadata,
    down: { GCE_METADATA_HOST: "127.0.0.1:1" },
    check: (s: ReturnType<typeof startFakeServer>) => {
      const [req] = s.requests;
      assert.equal(
        req.url.pathname,
        "/computeMetadata/v1/instance/service-accounts/default/identity",
      );
      assert.equal(req.url.search, "?audience=sigstore&format=full");
    },
  },
  {
    name: "Google Cloud service-account impersonation",
    env: (s: ReturnType<typeof startFakeServer>) => s.env.impersonation,
    down: { GOOGLE_SERVICE_ACCOUNT_NAME: "a@b", GCE_METADATA_HOST: "127.0.0.1:1" },
    check: (s: ReturnType<typeof startFakeServer>) => {
      const [access, generate] = s.requests;
      assert.equal(
        access.url.pathname,
        "/computeMetadata/v1/instance/service-accounts/default/token",
      );
      assert.equal(
        generate.url.pathname,
        "/v1/projects/-/serviceAccounts/signer%40project.iam.gserviceaccount.com:generateIdToken",
      );
      assert.equal(generate.method, "POST");
      assert.equal(generate.headers.get("authorization"), "Bearer machine-access-token");
      assert.deepEqual(JSON.parse(generate.body), { audience: "sigstore", includeEmail: true });
    },
  },
];

for (const source of HTTP_SOURCES) {
  Deno.test(`ambient: ${source.name} against its fake on 127.0.0.1`, async () => {
    await using server = startFakeServer();
    assert.equal(await run(source.env(server)), jwt(AUD));
    source.check(server);
    const prefix = `Ambient credentials from ${source.name}: `;
    for (const behaviour of ["fail", "wrong-audience", "malformed", "slow"] as const) {
      server.behaviour = behaviour;
      const message = await failsWith(run(source.env(server)), EXPECTED[behaviour]);
      assert.ok(message.startsWith(prefix), message);
      assert.ok(!message.includes("runner-request-token") && !message.includes("machine-access"));
    }
    const down = await failsWith(run(source.down), /failed: /);
    assert.ok(down.startsWith(prefix), down);
  });
}

Deno.test("ambient: inside GitHub Actions without id-token permission, a hint", async () => {
  await failsWith(
    run({ GITHUB_ACTIONS: "true" }, noFetch),
    /^Ambient credentials from GitHub Actions: .*permissions: id-token: write`$/,
  );
});

/** Runs `body` with `dir` first on PATH. */
async function withPath<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const saved = Deno.env.get("PATH") ?? "";
  Deno.env.set("PATH", `${dir}${nodePath.delimiter}${saved}`);
  try {
    return await body();
  } finally {
    Deno.env.set("PATH", saved);
  }
}

const TOOL_SOURCES: { name: string; env: Vars; tool: string; args: string[] }[] = [
  {
    name: "Buildkite",
    env: { BUILDKITE: "true" },
    tool: "buildkite-agent",
    args: ["oidc", "request-token", "--audience", "sigstore"],
  },
  {
    name: "CircleCI",
    env: { CIRCLECI: "true" },
    tool: "circleci",
    args: ["run", "oidc", "get", "--claims", '{"aud":"sigstore"}'],
  },
];

for (const source of TOOL_SOURCES) {
  Deno.test(`ambient: ${source.name} through a fake ${source.tool} on PATH`, async () => {
    using tmp = tempDir();
    const token = jwt(AUD);
    await withPath(tmp.path, async () => {
      writeFakeTools(tmp.path, "ok", token);
      assert.equal(await run(source.env, noFetch), token);
      const args = Deno.readTextFileSync(nodePath.join(tmp.path, `${source.tool}.args`));
      assert.deepEqual(args.trimEnd().split("\n"), source.args);
      for (const behaviour of ["fail", "wrong-audience", "malformed", "slow"] as const) {
        writeFakeTools(tmp.path, behaviour, token);
        const message = await failsWith(run(source.env, noFetch), EXPECTED[behaviour]);
        assert.ok(message.startsWith(`Ambient credentials from ${source.name}: `), message);
      }
    });
    // Not installed: PATH without the fakes (and without the real tools).
    const saved = Deno.env.get("PATH") ?? "";
    Deno.env.set("PATH", tmp.path + "-missing");
    try {
      await failsWith(run(source.env, noFetch), new RegExp(`${source.tool} is not on PATH$`));
    } finally {
      Deno.env.set("PATH", saved);
    }
  });
}
