// Keyless signing end to end against a private Sigstore instance on 127.0.0.1 (the @sigstore/mock
// Fulcio, Rekor and timestamp authority): the CLI signs with an identity token and the instance's
// trust config, writes the bundle sigstore-python writes, and verifies it; bundles with an expired
// certificate, another payload's log entry or no log entry fail.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { ConfigError, IdentityError, SigstoreError } from "../../src/errors.ts";
import { HashingConfig } from "../../src/api/hashing_config.ts";
import { SigningConfig } from "../../src/api/signing_config.ts";
import { fromBase64 } from "../../src/util/encoding.ts";
import { buildStatement } from "../../src/format/statement.ts";
import { VerifyingConfig } from "../../src/api/verifying_config.ts";
import { runCli, runInProcess, signKeyArgs } from "../cli.ts";
import { writeKeyPair } from "../helpers.ts";
import { tempDir } from "../fixtures.ts";
import {
  MOCK_IDENTITY,
  MOCK_ISSUER,
  mockIdentityToken,
  type MockSigstore,
  mockVerifyArgs,
  startMockSigstore,
} from "../sigstore_mock.ts";

/** The narrowest permissions keyless signing needs with a local instance. */
const SIGN_PERMISSIONS = ["--allow-read", "--allow-write", "--allow-env", "--allow-net=127.0.0.1"];

function model(root: string, name = "model", content = "weights"): string {
  const dir = nodePath.join(root, name);
  Deno.mkdirSync(dir);
  Deno.writeTextFileSync(nodePath.join(dir, "w.bin"), content);
  Deno.writeTextFileSync(nodePath.join(dir, "config.json"), "{}");
  return dir;
}

/** Signs `modelPath` through the library into `signature`. */
async function librarySign(mock: MockSigstore, dir: string, modelPath: string, signature: string) {
  await new SigningConfig()
    .useSigstoreSigner({
      identityToken: mockIdentityToken(),
      trustConfig: mock.writeTrustConfig(dir),
    })
    .sign(modelPath, signature);
}

function libraryVerify(trustConfig: string, modelPath: string, signature: string) {
  return new VerifyingConfig()
    .useSigstoreVerifier({ identity: MOCK_IDENTITY, oidcIssuer: MOCK_ISSUER, trustConfig })
    .verify(modelPath, signature);
}

Deno.test("CLI: sign sigstore with a token and a trust config, then verify sigstore", async () => {
  using tmp = tempDir();
  await using mock = await startMockSigstore();
  const trustConfig = mock.writeTrustConfig(tmp.path);
  const m = model(tmp.path);
  const sig = nodePath.join(tmp.path, "model.sig");
  const token = mockIdentityToken();
  const signed = await runCli(
    [
      "sign",
      "sigstore",
      "--identity-token",
      token,
      "--trust-config",
      trustConfig,
      "--signature",
      sig,
      m,
    ],
    { permissions: SIGN_PERMISSIONS },
  );
  assert.equal(signed.code, 0, signed.stderr);
  assert.equal(signed.stdout, "Signing succeeded\n");
  assert.ok(!signed.stderr.includes(token) && !signed.stdout.includes(token));
  assert.deepEqual(
    [...mock.requests.keys()].sort(),
    ["/api/v1/log/entries", "/api/v1/timestamp", "/api/v2/signingCert"],
  );

  // The bundle sigstore-python writes (docs/format.md §4.4), over exactly our statement bytes.
  const text = Deno.readTextFileSync(sig);
  assert.ok(!text.endsWith("\n"));
  const bundle = JSON.parse(text);
  assert.deepEqual(Object.keys(bundle), ["mediaType", "verificationMaterial", "dsseEnvelope"]);
  assert.equal(bundle.mediaType, "application/vnd.dev.sigstore.bundle.v0.3+json");
  const material = bundle.verificationMaterial;
  assert.deepEqual(Object.keys(material).sort(), [
    "certificate",
    "timestampVerificationData",
    "tlogEntries",
  ]);
  assert.equal(material.timestampVerificationData.rfc3161Timestamps.length, 1);
  assert.equal(material.tlogEntries.length, 1);
  const entry = material.tlogEntries[0];
  assert.deepEqual(entry.kindVersion, { kind: "dsse", version: "0.0.1" });
  assert.ok(entry.inclusionPromise.signedEntryTimestamp);
  assert.ok(entry.inclusionProof.checkpoint.envelope);
  assert.equal(typeof entry.integratedTime, "string");
  assert.equal(bundle.dsseEnvelope.payloadType, "application/vnd.in-toto+json");
  assert.deepEqual(bundle.dsseEnvelope.signatures.map(Object.keys), [["sig"]]);
  const manifest = await new HashingConfig().hash(m);
  assert.deepEqual(fromBase64(bundle.dsseEnvelope.payload), buildStatement(manifest));

  const verifyArgs = ["--trust-config", trustConfig, "--signature", sig, m];
  const verified = await runCli(
    mockVerifyArgs(...verifyArgs),
    { permissions: ["--allow-read"] },
  );
  assert.equal(verified.code, 0, verified.stderr);
  assert.equal(verified.stdout, "Verification succeeded\n");
  const other = await runInProcess([
    "verify",
    "--identity",
    MOCK_IDENTITY.slice(0, -4),
    "--identity-provider",
    MOCK_ISSUER,
    ...verifyArgs,
  ]);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /^Verification failed with error: The signature was made by/);
});

Deno.test("CLI: the default method signs with Sigstore; a signing failure writes nothing and never shows the token", async () => {
  using tmp = tempDir();
  const m = model(tmp.path);
  const sig = nodePath.join(tmp.path, "model.sig");
  const token = mockIdentityToken({ sub: "https://example.com/secret-subject" });
  let trustConfig: string;
  {
    await using mock = await startMockSigstore();
    trustConfig = mock.writeTrustConfig(tmp.path);
    const signed = await runCli(
      ["sign", "--identity_token", token, "--trust_config", trustConfig, "--signature", sig, m],
      { permissions: SIGN_PERMISSIONS },
    );
    assert.equal(signed.code, 0, signed.stderr);
    // The token's subject is the identity, not the default one.
    await assert.rejects(libraryVerify(trustConfig, m, sig), IdentityError);
  }
  // The instance is gone now: signing fails, leaves the old signature alone and prints no secret.
  const before = Deno.readTextFileSync(sig);
  const failed = await runCli(
    ["sign", "--identity-token", token, "--trust-config", trustConfig, "--signature", sig, m],
    { permissions: SIGN_PERMISSIONS },
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /^Signing failed with error: Sigstore signing with '.*' failed: /);
  assert.ok(!failed.stderr.includes(token) && !failed.stdout.includes(token));
  assert.equal(Deno.readTextFileSync(sig), before);
});

Deno.test("CLI: a token without a verified email is refused before hashing, without being shown", async () => {
  using tmp = tempDir();
  await using mock = await startMockSigstore();
  const m = model(tmp.path);
  // Hashing would fail on this FIFO with another message: the token is checked first.
  new Deno.Command("mkfifo", { args: [nodePath.join(m, "pipe")] }).outputSync();
  const sig = nodePath.join(tmp.path, "model.sig");
  const token = mockIdentityToken({ emailVerified: false });
  const r = await runCli(
    [
      "sign",
      "sigstore",
      "--identity-token",
      token,
      "--trust-config",
      mock.writeTrustConfig(tmp.path),
      "--signature",
      sig,
      m,
    ],
    { permissions: SIGN_PERMISSIONS },
  );
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^Signing failed with error: The identity token's email is not verified by its issuer/,
  );
  assert.ok(!r.stderr.includes(token) && !r.stdout.includes(token));
  assert.equal(mock.requests.size, 0);
  assert.throws(() => Deno.statSync(sig), Deno.errors.NotFound);
});

Deno.test("signing prefers --use-staging over --trust-config (docs/format.md §5.4)", async () => {
  using tmp = tempDir();
  await using mock = await startMockSigstore();
  const m = model(tmp.path);
  // Network only to 127.0.0.1: staging cannot be reached, and the mock must not be asked.
  const r = await runCli(
    [
      "sign",
      "--use-staging",
      "--trust-config",
      mock.writeTrustConfig(tmp.path),
      "--identity-token",
      mockIdentityToken(),
      m,
    ],
    { cwd: tmp.path, permissions: SIGN_PERMISSIONS },
  );
  assert.equal(r.code, 1);
  // Checked before hashing: the staging instance's Fulcio is the host asked for.
  assert.equal(
    r.stderr,
    "Signing failed with error: Sigstore signing with the staging instance needs network access to fulcio.sigstage.dev: run with --allow-net=fulcio.sigstage.dev\n",
  );
  assert.equal(mock.requests.size, 0);
});

Deno.test("CLI: network access is asked for before hashing (--tsa-url, Sigstore) and refused without a terminal", async () => {
  using tmp = tempDir();
  const m = model(tmp.path);
  // Hashing would fail on this FIFO with another message.
  new Deno.Command("mkfifo", { args: [nodePath.join(m, "pipe")] }).outputSync();
  const { key } = writeKeyPair(tmp.path);
  const sig = nodePath.join(tmp.path, "model.sig");
  const noNet = ["--allow-read", "--allow-write", "--allow-env"];
  const tsa = await runCli(
    signKeyArgs(key, sig, "--tsa-url", "https://tsa.example.com/tsr", m),
    { permissions: noNet },
  );
  assert.equal(tsa.code, 1);
  assert.equal(
    tsa.stderr,
    "Signing failed with error: --tsa-url needs network access to tsa.example.com: run with --allow-net=tsa.example.com\n",
  );
  const keyless = await runCli(
    ["sign", "sigstore", "--identity-token", mockIdentityToken(), "--signature", sig, m],
    { permissions: noNet },
  );
  assert.equal(keyless.code, 1);
  assert.match(
    keyless.stderr,
    /^Signing failed with error: Sigstore signing with the production instance needs network access to fulcio\.sigstore\.dev/,
  );
  assert.throws(() => Deno.statSync(sig), Deno.errors.NotFound);
});

Deno.test("signing needs a signing config in the trust config", async () => {
  using tmp = tempDir();
  const m = model(tmp.path);
  const trustConfig = nodePath.join(tmp.path, "trust.json");
  Deno.writeTextFileSync(trustConfig, JSON.stringify({ trustedRoot: {} }));
  const sig = nodePath.join(tmp.path, "model.sig");
  const r = await runInProcess([
    "sign",
    "sigstore",
    "--identity-token",
    mockIdentityToken(),
    "--trust-config",
    trustConfig,
    "--signature",
    sig,
    m,
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /has no signing config, which signing needs/);
  assert.throws(() => Deno.statSync(sig), Deno.errors.NotFound);
});

Deno.test("a wrong trust config fails before the model is hashed", async () => {
  using tmp = tempDir();
  const missing = nodePath.join(tmp.path, "no-such-trust.json");
  // sign() reads the trust config before it hashes: a missing model would fail otherwise.
  const config = new SigningConfig().useSigstoreSigner({ trustConfig: missing });
  await assert.rejects(
    config.sign(nodePath.join(tmp.path, "no-such-model"), nodePath.join(tmp.path, "model.sig")),
    ConfigError,
    "Cannot read trust config",
  );
  // Through the CLI the trust config is named although the model path is wrong too.
  const r = await runCli(
    ["sign", "--trust-config", missing, nodePath.join(tmp.path, "no-such-model")],
    { cwd: tmp.path, permissions: SIGN_PERMISSIONS },
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Signing failed with error: Cannot read trust config '.*': no such file/);
});

Deno.test("a certificate that expired before the log time fails", async () => {
  using tmp = tempDir();
  // Fulcio's clock is an hour behind: the ten-minute certificate expired when Rekor logged it.
  await using mock = await startMockSigstore({ ca: new Date(Date.now() - 3_600_000) });
  const m = model(tmp.path);
  const sig = nodePath.join(tmp.path, "model.sig");
  await librarySign(mock, tmp.path, m, sig);
  await assert.rejects(
    libraryVerify(mock.writeTrustConfig(tmp.path), m, sig),
    (e: Error) => e instanceof SigstoreError && /CERTIFICATE|expired|valid/i.test(e.message),
  );
});

Deno.test("a log entry for a different payload, or no log entry, fails", async () => {
  using tmp = tempDir();
  await using mock = await startMockSigstore();
  const trustConfig = mock.writeTrustConfig(tmp.path);
  const a = model(tmp.path, "a", "weights a");
  const b = model(tmp.path, "b", "weights b");
  const sigA = nodePath.join(tmp.path, "a.sig");
  const sigB = nodePath.join(tmp.path, "b.sig");
  await librarySign(mock, tmp.path, a, sigA);
  await librarySign(mock, tmp.path, b, sigB);
  await libraryVerify(trustConfig, a, sigA);

  const bundleA = JSON.parse(Deno.readTextFileSync(sigA));
  const bundleB = JSON.parse(Deno.readTextFileSync(sigB));
  const swapped = nodePath.join(tmp.path, "swapped.sig");
  bundleA.verificationMaterial.tlogEntries = bundleB.verificationMaterial.tlogEntries;
  Deno.writeTextFileSync(swapped, JSON.stringify(bundleA));
  await assert.rejects(
    libraryVerify(trustConfig, a, swapped),
    (e: Error) => e instanceof SigstoreError && /TLOG_BODY_ERROR/.test(e.message),
  );

  bundleA.verificationMaterial.tlogEntries = [];
  const none = nodePath.join(tmp.path, "none.sig");
  Deno.writeTextFileSync(none, JSON.stringify(bundleA));
  await assert.rejects(
    libraryVerify(trustConfig, a, none),
    (e: Error) => e instanceof SigstoreError && /tlog entries/.test(e.message),
  );
});
