// Keyless re-signing and --json against the local mock Sigstore instance: the old signature must be
// verified for the named identity; the JSON signer carries identity, issuer and Rekor log index.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { runCli } from "../cli.ts";
import { nextStatusChangeSecond, tempDir } from "../fixtures.ts";
import {
  MOCK_IDENTITY,
  MOCK_ISSUER,
  mockIdentityToken,
  startMockSigstore,
} from "../sigstore_mock.ts";

const SIGN_PERMISSIONS = ["--allow-read", "--allow-write", "--allow-env", "--allow-net=127.0.0.1"];

Deno.test("sigstore: --reuse-signature needs and checks the old identity; --json shows the signer", async () => {
  using tmp = tempDir();
  await using mock = await startMockSigstore();
  const trustConfig = mock.writeTrustConfig(tmp.path);
  const m = nodePath.join(tmp.path, "model");
  Deno.mkdirSync(m);
  Deno.writeTextFileSync(nodePath.join(m, "w.bin"), "weights");
  const past = new Date(Date.now() - 60_000);
  Deno.utimeSync(nodePath.join(m, "w.bin"), past, past);
  await nextStatusChangeSecond();
  const old = nodePath.join(tmp.path, "old.sig");
  const base = [
    "sign",
    "sigstore",
    "--identity-token",
    mockIdentityToken(),
    "--trust-config",
    trustConfig,
  ];
  const first = await runCli([...base, "--signature", old, "--json", m], {
    permissions: SIGN_PERMISSIONS,
  });
  assert.equal(first.code, 0, first.stderr);
  const report = JSON.parse(first.stdout);
  assert.equal(report.signer.identity, MOCK_IDENTITY);
  assert.equal(report.signer.oidcIssuer, MOCK_ISSUER);
  assert.match(report.signer.logIndex, /^\d+$/);

  const out = nodePath.join(tmp.path, "new.sig");
  const reuse = [...base, "--signature", out, "--reuse-signature", old];
  const missing = await runCli([...reuse, m], { permissions: SIGN_PERMISSIONS });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Missing option '--reuse-identity'/);
  const wrong = await runCli(
    [...reuse, "--reuse-identity", "someone@else", "--reuse-identity-provider", MOCK_ISSUER, m],
    { permissions: SIGN_PERMISSIONS },
  );
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /Refusing to reuse/);
  const ok = await runCli(
    [...reuse, "--reuse-identity", MOCK_IDENTITY, "--reuse-identity-provider", MOCK_ISSUER, m],
    { permissions: SIGN_PERMISSIONS },
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^Reused 1 file \(7 bytes\), hashed 0 files \(0 bytes\)\n/);
});
