// Keyless signing with every ambient identity source (src/methods/sigstore/ambient.ts) against the
// local mock Sigstore: the CLI child sees only the source's variables (fake endpoints on 127.0.0.1,
// fake agents on PATH), signs with --use-ambient-credentials, and the signature verifies.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { runCli } from "../cli.ts";
import { tempDir } from "../fixtures.ts";
import { startFakeServer, writeFakeTools } from "../ambient_fakes.ts";
import {
  mockIdentityToken,
  type MockSigstore,
  mockVerifyArgs,
  startMockSigstore,
} from "../sigstore_mock.ts";

/** Keyless signing's permissions with a local instance, plus the agents' executables. */
const SIGN_PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net=127.0.0.1",
  "--allow-run=buildkite-agent,circleci",
];

/** Signs a fresh model in `dir` with `--use-ambient-credentials` and the child environment `env`. */
async function ambientSign(
  mock: MockSigstore,
  dir: string,
  env: Record<string, string>,
  permissions = SIGN_PERMISSIONS,
) {
  const model = nodePath.join(dir, "model");
  Deno.mkdirSync(model, { recursive: true });
  Deno.writeTextFileSync(nodePath.join(model, "w.bin"), "weights");
  const sig = nodePath.join(dir, "model.sig");
  const trustConfig = mock.writeTrustConfig(dir);
  const result = await runCli(
    ["sign", "sigstore", "--use-ambient-credentials", "--trust-config", trustConfig]
      .concat("--signature", sig, model),
    { permissions, env, isolatedEnv: true },
  );
  return { result, model, sig, trustConfig };
}

/** Signs with ambient credentials from `env`, then verifies the signature offline. */
async function signAndVerify(mock: MockSigstore, dir: string, env: Record<string, string>) {
  const { result: signed, model, sig, trustConfig } = await ambientSign(mock, dir, env);
  assert.equal(signed.code, 0, signed.stderr);
  assert.equal(signed.stdout, "Signing succeeded\n");
  const verified = await runCli(
    mockVerifyArgs("--trust-config", trustConfig, "--signature", sig, model),
    { permissions: ["--allow-read"], isolatedEnv: true },
  );
  assert.equal(verified.code, 0, verified.stderr);
}

const withFakeTools = (dir: string, env: Record<string, string>) => {
  const bin = nodePath.join(dir, "bin");
  Deno.mkdirSync(bin);
  writeFakeTools(bin, "ok", mockIdentityToken());
  return { ...env, PATH: `${bin}${nodePath.delimiter}${Deno.env.get("PATH") ?? ""}` };
};

const SOURCES: {
  name: string;
  env: (dir: string, fake: ReturnType<typeof startFakeServer>) => Record<string, string>;
  http?: boolean;
}[] = [
  { name: "SIGSTORE_ID_TOKEN (GitLab)", env: () => ({ SIGSTORE_ID_TOKEN: mockIdentityToken() }) },
  {
    name: "SIGSTORE_ID_TOKEN_FILE (Kubernetes)",
    env: (dir) => {
      const file = nodePath.join(dir, "token");
      Deno.writeTextFileSync(file, mockIdentityToken());
      return { SIGSTORE_ID_TOKEN_FILE: file };
    },
  },
  { name: "GitHub Actions", env: (_, fake) => fake.env.github, http: true },
  { name: "Buildkite", env: (dir) => withFakeTools(dir, { BUILDKITE: "true" }) },
  { name: "CircleCI", env: (dir) => withFakeTools(dir, { CIRCLECI: "true" }) },
  { name: "Google Cloud impersonation", env: (_, fake) => fake.env.impersonation, http: true },
  { name: "Google Cloud metadata server", env: (_, fake) => fake.env.metadata, http: true },
];

for (const source of SOURCES) {
  Deno.test(`ambient signing: ${source.name} signs against the mock Sigstore`, async () => {
    using tmp = tempDir();
    await using mock = await startMockSigstore();
    await using fake = startFakeServer(() => mockIdentityToken());
    await signAndVerify(mock, tmp.path, source.env(tmp.path, fake));
    assert.equal(mock.requests.get("/api/v2/signingCert"), 1);
    assert.equal(fake.requests.length > 0, source.http === true);
  });
}

Deno.test("ambient signing: a failing source is one line naming it, and nothing is written", async () => {
  using tmp = tempDir();
  await using mock = await startMockSigstore();
  const env = withFakeTools(tmp.path, { BUILDKITE: "true" });
  writeFakeTools(nodePath.join(tmp.path, "bin"), "wrong-audience", mockIdentityToken());
  const { result, sig } = await ambientSign(mock, tmp.path, env);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^Signing failed with error: Ambient credentials from Buildkite: the token's audience is 'not-sigstore', not 'sigstore'\n$/,
  );
  assert.equal(mock.requests.size, 0);
  assert.throws(() => Deno.statSync(sig), Deno.errors.NotFound);
});

Deno.test("ambient signing: without --allow-run for the agent, the message names the flag", async () => {
  using tmp = tempDir();
  await using mock = await startMockSigstore();
  const { result } = await ambientSign(
    mock,
    tmp.path,
    withFakeTools(tmp.path, { CIRCLECI: "true" }),
    SIGN_PERMISSIONS.slice(0, 4).concat("--no-prompt"),
  );
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /Ambient credentials from CircleCI: running circleci needs --allow-run=circleci\n$/,
  );
});
