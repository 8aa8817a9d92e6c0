// The configurations behave as Python's: use* and set* return the configuration itself (so calls
// chain), and every failure of sign() and verify() is a rejected promise, never a synchronous throw.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import {
  CertificateError,
  ConfigError,
  KeyError,
  SigningConfig,
  VerifyingConfig,
} from "../../mod.ts";
import { tempDir } from "../fixtures.ts";

Deno.test("use* methods return the configuration itself", () => {
  const signing = new SigningConfig();
  assert.equal(signing.useSigstoreSigner(), signing);
  assert.equal(
    signing.useCertificateSigner({ privateKey: "k.pem", signingCertificate: "c.pem" }),
    signing,
  );
  const verifying = new VerifyingConfig();
  assert.equal(verifying.useSigstoreVerifier({ identity: "i", oidcIssuer: "o" }), verifying);
  assert.equal(verifying.useCertificateVerifier(), verifying);
});

Deno.test("verify() and sign() reject their promise; they do not throw", async () => {
  using tmp = tempDir();
  const missing = nodePath.join(tmp.path, "missing.pem");
  const model = nodePath.join(tmp.path, "model");
  const sig = nodePath.join(tmp.path, "model.sig");
  const calls: [() => Promise<unknown>, new (...a: never[]) => Error, RegExp][] = [
    [() => new VerifyingConfig().verify(model, sig), ConfigError, /no configured verifier/],
    [
      () =>
        new VerifyingConfig().useCertificateVerifier({ certificateChain: [missing] }).verify(
          model,
          sig,
        ),
      CertificateError,
      /Cannot read certificate file '.*missing\.pem': no such file or directory/,
    ],
    [
      () =>
        new SigningConfig()
          .useCertificateSigner({ privateKey: missing, signingCertificate: missing })
          .sign(model, sig),
      KeyError,
      /Cannot read private key/,
    ],
  ];
  for (const [call, type, message] of calls) {
    let promise: Promise<unknown> | undefined;
    assert.doesNotThrow(() => void (promise = call()));
    await assert.rejects(promise!, (e: Error) => e instanceof type && message.test(e.message));
  }
  // Nothing was written by the failed signing.
  assert.throws(() => Deno.statSync(sig), Deno.errors.NotFound);
});
