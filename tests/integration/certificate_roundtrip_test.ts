// Sign with a private key and its certificate chain, verify against a trusted root
// (docs/format.md §4.3, §5.3), through the library and the CLI, with freshly minted certificates.
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import * as nodePath from "node:path";
import { CertificateError, KeyError, SignatureError } from "../../src/errors.ts";
import { SigningConfig } from "../../src/api/signing_config.ts";
import { VerifyingConfig } from "../../src/api/verifying_config.ts";
import { CERT_KEYS, type LeafOptions, mintLeaf, newCa, writePemFile } from "../certs.ts";
import { runCli, runInProcess } from "../cli.ts";
import { tempDir, VECTORS } from "../fixtures.ts";

const GOLDEN_ROOT = nodePath.join(CERT_KEYS, "ca-cert.pem");

/** Files of one signing setup: a model, a leaf with its key, and the chain it came with. */
interface Setup {
  dir: string;
  model: string;
  signature: string;
  key: string;
  cert: string;
  /** PEM file of the leaf's intermediates (empty list if issued by a root). */
  chain: string;
  leafDer: Uint8Array;
  intermediates: Uint8Array[];
}

async function setup(dir: string, leaf: LeafOptions = {}): Promise<Setup> {
  const minted = await mintLeaf(leaf);
  const model = nodePath.join(dir, "model");
  Deno.mkdirSync(model);
  Deno.writeTextFileSync(nodePath.join(model, "weights"), "some weights");
  Deno.writeTextFileSync(nodePath.join(model, "config"), "some config");
  const key = nodePath.join(dir, "leaf-key.pem");
  Deno.writeTextFileSync(key, minted.privateKeyPem);
  const cert = nodePath.join(dir, "leaf.pem");
  Deno.writeTextFileSync(cert, minted.certPem);
  return {
    dir,
    model,
    signature: nodePath.join(dir, "model.sig"),
    key,
    cert,
    chain: writePemFile(dir, "chain.pem", ...minted.chain),
    leafDer: minted.certDer,
    intermediates: minted.chain,
  };
}

async function sign(s: Setup, chain: string[] = [s.chain]) {
  return await new SigningConfig()
    .useCertificateSigner({
      privateKey: s.key,
      signingCertificate: s.cert,
      certificateChain: chain,
    })
    .sign(s.model, s.signature);
}

function verify(s: Setup, roots: string[] = [GOLDEN_ROOT]) {
  const log: string[] = [];
  const config = new VerifyingConfig()
    .setLogHandler((level, message) => log.push(`${level} ${message}`))
    .useCertificateVerifier({ certificateChain: roots });
  return { log, done: config.verify(s.model, s.signature) };
}

const signCliArgs = (s: Setup) => [
  "sign",
  "certificate",
  "--private-key",
  s.key,
  "--signing-certificate",
  s.cert,
  "--certificate-chain",
  s.chain,
  "--signature",
  s.signature,
  s.model,
];

const verifyCliArgs = (s: Setup, extra: string[] = []) => [
  "verify",
  "certificate",
  "--certificate-chain",
  GOLDEN_ROOT,
  "--signature",
  s.signature,
  ...extra,
  s.model,
];

for (const curve of ["P-256", "P-384", "P-521"] as const) {
  Deno.test(`${curve} leaf under the golden intermediate: signs, and the golden root verifies`, async () => {
    using tmp = tempDir();
    const s = await setup(tmp.path, { curve });
    await sign(s);
    const bundle = JSON.parse(Deno.readTextFileSync(s.signature));
    const certs = bundle.verificationMaterial.x509CertificateChain.certificates.map(
      (c: { rawBytes: string }) => Uint8Array.fromBase64(c.rawBytes),
    );
    assert.deepEqual(certs, [s.leafDer, ...s.intermediates]);
    const { log, done } = verify(s);
    const verified = await done;
    assert.deepEqual([...verified.items.keys()], ["config", "weights"]);
    assert.deepEqual(log, []);
  });
}

Deno.test("a leaf that expired yesterday fails without a timestamp; --validate-at-not-before takes Python's rule", async () => {
  using tmp = tempDir();
  const day = 86_400_000;
  const s = await setup(tmp.path, {
    notBefore: new Date(Date.now() - 30 * day),
    notAfter: new Date(Date.now() - day),
  });
  await sign(s);
  await assert.rejects(
    verify(s).done,
    (e: Error) =>
      e instanceof CertificateError && /leaf "CN=test-signer" has expired/.test(e.message),
  );
  const failed = await runInProcess(verifyCliArgs(s));
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /has expired at/);
  const python = await runInProcess(verifyCliArgs(s, ["--validate-at-not-before"]));
  assert.equal(python.code, 0, python.stderr);
  await new VerifyingConfig()
    .useCertificateVerifier({ certificateChain: [GOLDEN_ROOT], validateAtNotBefore: true })
    .verify(s.model, s.signature);
});

Deno.test("a leaf with EKU codeSigning and no KeyUsage verifies, with a warning on stderr", async () => {
  using tmp = tempDir();
  const s = await setup(tmp.path, { keyUsage: false, codeSigning: true });
  const signed = await runInProcess(signCliArgs(s));
  assert.equal(signed.code, 0, signed.stderr);
  const r = await runInProcess(verifyCliArgs(s));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "Verification succeeded\n");
  assert.match(r.stderr, /Certificate does not specify 'KeyUsage'\./);
});

Deno.test("a leaf with neither KeyUsage nor EKU codeSigning fails", async () => {
  using tmp = tempDir();
  const s = await setup(tmp.path, { keyUsage: false, codeSigning: false });
  await sign(s);
  await assert.rejects(
    verify(s).done,
    CertificateError,
    "Signing certificate cannot be used for signing",
  );
  const r = await runInProcess(verifyCliArgs(s));
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /Verification failed with error: Signing certificate cannot be used for signing/,
  );
});

Deno.test("a chain from another CA fails against the golden root, and vice versa", async () => {
  using tmp = tempDir();
  const otherRoot = await newCa("other-root");
  const otherIntermediate = await newCa("other-intermediate", { issuer: otherRoot });
  const s = await setup(tmp.path, { issuer: otherIntermediate });
  await sign(s);
  await assert.rejects(verify(s).done, CertificateError, "Certificate chain does not validate");
  // It does verify against its own root…
  const ownRoot = writePemFile(tmp.path, "other-root.pem", otherRoot.certDer);
  await verify(s, [ownRoot]).done;
  // …and a golden chain does not verify against that root.
  using tmp2 = tempDir();
  const golden = await setup(tmp2.path);
  await sign(golden);
  await assert.rejects(verify(golden, [ownRoot]).done, CertificateError);
});

Deno.test("a signature whose chain lacks the intermediate fails", async () => {
  using tmp = tempDir();
  const s = await setup(tmp.path);
  await sign(s, []);
  const bundle = JSON.parse(Deno.readTextFileSync(s.signature));
  assert.equal(bundle.verificationMaterial.x509CertificateChain.certificates.length, 1);
  await assert.rejects(verify(s).done, CertificateError, "Certificate chain does not validate");
  // Trusting the intermediate instead of the root is no way around it (no partial chains).
  const intermediate = nodePath.join(CERT_KEYS, "int-ca-cert.pem");
  await assert.rejects(verify(s, [intermediate]).done, CertificateError);
});

Deno.test("a leaf signed for another key: the signature does not verify", async () => {
  using tmp = tempDir();
  const s = await setup(tmp.path);
  await sign(s);
  // Swap in another valid leaf of the same CA: the chain validates, the signature does not.
  const other = await mintLeaf();
  const bundle = JSON.parse(Deno.readTextFileSync(s.signature));
  bundle.verificationMaterial.x509CertificateChain.certificates[0].rawBytes = other.certDer
    .toBase64();
  Deno.writeTextFileSync(s.signature, JSON.stringify(bundle));
  await assert.rejects(verify(s).done, SignatureError);
});

Deno.test("a signing certificate that does not match the private key fails at signing", async () => {
  using tmp = tempDir();
  const s = await setup(tmp.path);
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  Deno.writeTextFileSync(s.key, privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  const message =
    "The public key from the certificate does not match the public key paired with the private key";
  await assert.rejects(async () => await sign(s), KeyError, message);
  const r = await runInProcess(signCliArgs(s));
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split("\n").at(-1), `Signing failed with error: ${message}`);
  assert.throws(() => Deno.statSync(s.signature), Deno.errors.NotFound);
});

/** `AA:BB:…` SHA-256 fingerprint of a DER certificate. */
function fingerprint(der: Uint8Array): string {
  return createHash("sha256").update(der).digest("hex").toUpperCase().match(/../g)!.join(":");
}

Deno.test("--log-fingerprints: anchors at init, then intermediates and the leaf at verify", async () => {
  using tmp = tempDir();
  const s = await setup(tmp.path);
  await sign(s);
  const rootDer = Uint8Array.fromBase64(
    Deno.readTextFileSync(GOLDEN_ROOT).match(
      /-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/,
    )![1].replace(/\s/g, ""),
  );
  const r = await runInProcess(verifyCliArgs(s, ["--log-fingerprints"]));
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.deepEqual(lines, [
    `[  init  ] sha256 Fingerprint: ${fingerprint(rootDer)}`,
    `[ verify ] sha256 Fingerprint: ${fingerprint(s.intermediates[0])}`,
    `[ verify ] sha256 Fingerprint: ${fingerprint(s.leafDer)}`,
  ]);
  // Without the flag, nothing is logged.
  const quiet = await runInProcess(verifyCliArgs(s));
  assert.equal(quiet.stderr, "");
});

Deno.test("CLI: verify certificate without --certificate-chain and without --allow-sys says which permission the default roots need", async () => {
  const model = nodePath.join(VECTORS, "v1.0.1-certificate");
  const args = ["verify", "certificate", "--signature", nodePath.join(model, "model.sig"), model];
  const r = await runCli(args, { permissions: ["--allow-read", "--allow-env"] });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr,
    "Verification failed with error: Reading the root certificates Deno ships needs --allow-sys; or name the trusted CA certificates with --certificate-chain\n",
  );
  // With it, the roots are read and, not being this chain's, refused.
  const sys = await runCli(args, { permissions: ["--allow-read", "--allow-env", "--allow-sys"] });
  assert.equal(sys.code, 1, sys.stderr);
  assert.match(sys.stderr, /Certificate chain does not validate: issuer "CN=root-ca"/);
});
