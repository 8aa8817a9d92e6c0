// Smoke test of scripts/conformance-adapter, the entry point the OpenSSF conformance suite calls:
// sign-model and verify-model with keys and certificates, and the exact shape of the bundles
// it produces (docs/format.md §4.2, §4.3).
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { CERT_KEYS, mintLeaf, writePemFile } from "../certs.ts";
import { adapterMain } from "../../scripts/conformance_adapter.ts";
import { ROOT } from "../cli.ts";
import { tempDir, VECTORS } from "../fixtures.ts";
import { ecKeyPair, publicKeyPem, writeKeyPair } from "../helpers.ts";
import {
  MOCK_IDENTITY,
  MOCK_ISSUER,
  mockIdentityToken,
  startMockSigstore,
} from "../sigstore_mock.ts";

const ADAPTER = nodePath.join(ROOT, "scripts", "conformance-adapter");

/** Runs the adapter in this process (its CLI through `run`), with stdout and stderr together. */
async function adapter(args: string[]): Promise<{ code: number; output: string }> {
  let output = "";
  const code = await adapterMain(args, {
    out: (line) => void (output += line + "\n"),
    errRaw: (text) => void (output += text),
    stderrIsTerminal: false,
  });
  return { code, output };
}

/** Runs the adapter as the conformance suite does: the `scripts/conformance-adapter` executable. */
async function wrapper(args: string[]): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command("bash", {
    args: [ADAPTER, ...args],
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

/** `sign-model --method METHOD --model-path MODEL --output-bundle BUNDLE EXTRA…`. */
const signModel = (method: string, model: string, bundle: string, ...extra: string[]) =>
  adapter([
    "sign-model",
    "--method",
    method,
    "--model-path",
    model,
    "--output-bundle",
    bundle,
    ...extra,
  ]);

/** `verify-model --method METHOD --model-path MODEL --bundle BUNDLE`, options to follow. */
const verifyModelArgs = (method: string, model: string, bundle: string) => [
  "verify-model",
  "--method",
  method,
  "--model-path",
  model,
  "--bundle",
  bundle,
];

/** A model whose canonical order differs from plain string order (`a/b` before `a.b`). */
function writeModel(root: string): string {
  const model = nodePath.join(root, "model");
  Deno.mkdirSync(nodePath.join(model, "a"), { recursive: true });
  Deno.writeTextFileSync(nodePath.join(model, "a.b"), "dot");
  Deno.writeTextFileSync(nodePath.join(model, "a", "b"), "slash");
  Deno.writeTextFileSync(nodePath.join(model, "README"), "readme");
  Deno.writeTextFileSync(nodePath.join(model, "ignored.txt"), "not signed");
  return model;
}

/** Member names of an object, recursively: `{a: {b: 1}}` → `["a", "a.b"]` (arrays by index). */
function members(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const path = Array.isArray(value) ? `${prefix}[${k}]` : prefix ? `${prefix}.${k}` : k;
    return [path, ...members(v, path)];
  });
}

const ENVELOPE = [
  "dsseEnvelope",
  "dsseEnvelope.payload",
  "dsseEnvelope.payloadType",
  "dsseEnvelope.signatures",
  "dsseEnvelope.signatures[0]",
  "dsseEnvelope.signatures[0].sig",
  "dsseEnvelope.signatures[0].keyid",
];

function assertSignedModel(bundlePath: string, material: string[]): void {
  const text = Deno.readTextFileSync(bundlePath);
  assert.ok(!text.endsWith("\n"));
  const bundle = JSON.parse(text);
  assert.deepEqual(members(bundle), [
    "mediaType",
    "verificationMaterial",
    ...material.map((m) => `verificationMaterial.${m}`),
    "verificationMaterial.tlogEntries",
    ...ENVELOPE,
  ]);
  assert.equal(bundle.mediaType, "application/vnd.dev.sigstore.bundle.v0.3+json");
  assert.equal(bundle.dsseEnvelope.signatures[0].keyid, "");
  const statement = JSON.parse(atob(bundle.dsseEnvelope.payload));
  assert.deepEqual(
    statement.predicate.resources.map((r: { name: string }) => r.name),
    ["README", "a/b", "a.b"],
  );
  // The absolute --ignore-paths value is recorded relative to the model.
  assert.ok(statement.predicate.serialization.ignore_paths.includes("ignored.txt"));
}

Deno.test("adapter: sign-model and verify-model with --method key", async () => {
  using tmp = tempDir();
  const model = writeModel(tmp.path);
  const { key, pub } = writeKeyPair(tmp.path, "P-384");
  const bundle = nodePath.join(tmp.path, "out", "bundle.json");
  Deno.mkdirSync(nodePath.dirname(bundle));
  const ignore = ["--ignore-paths", nodePath.join(model, "ignored.txt")];

  // Once through the executable; the other calls in this process.
  const signed = await wrapper([
    "sign-model",
    "--method",
    "key",
    "--model-path",
    model,
    "--output-bundle",
    bundle,
    "--private-key",
    key,
    ...ignore,
  ]);
  assert.equal(signed.code, 0, signed.output);
  assertSignedModel(bundle, ["publicKey", "publicKey.hint"]);

  const verifyArgs = verifyModelArgs("key", model, bundle);
  const verified = await adapter([...verifyArgs, "--public-key", pub, ...ignore]);
  assert.equal(verified.code, 0, verified.output);

  // The signature records the ignored path (§5.6), so it need not be repeated.
  const recorded = await adapter([...verifyArgs, "--public-key", pub]);
  assert.equal(recorded.code, 0, recorded.output);
  // A new unsigned file is an extra file: failure, non-zero.
  Deno.writeTextFileSync(nodePath.join(model, "new.txt"), "new");
  const extra = await adapter([...verifyArgs, "--public-key", pub, ...ignore]);
  assert.notEqual(extra.code, 0);
  assert.match(extra.output, /Extra files found in model 'model': new\.txt/);
  Deno.removeSync(nodePath.join(model, "new.txt"));
  // Another key: failure.
  const otherPub = nodePath.join(tmp.path, "other.pem");
  Deno.writeTextFileSync(otherPub, publicKeyPem(ecKeyPair("P-384").publicKey));
  const wrongKey = await adapter([...verifyArgs, "--public-key", otherPub, ...ignore]);
  assert.notEqual(wrongKey.code, 0);
});

Deno.test("adapter: sign-model and verify-model with --method certificate", async () => {
  using tmp = tempDir();
  const model = writeModel(tmp.path);
  const leaf = await mintLeaf({ curve: "P-256" });
  const key = nodePath.join(tmp.path, "leaf-key.pem");
  Deno.writeTextFileSync(key, leaf.privateKeyPem);
  const cert = writePemFile(tmp.path, "leaf.pem", leaf.certDer);
  const chain = writePemFile(tmp.path, "chain.pem", ...leaf.chain);
  const bundle = nodePath.join(tmp.path, "bundle.json");
  const ignore = ["--ignore-paths", nodePath.join(model, "ignored.txt")];

  const signed = await signModel(
    "certificate",
    model,
    bundle,
    "--private-key",
    key,
    "--signing-cert",
    cert,
    "--cert-chain",
    chain,
    ...ignore,
  );
  assert.equal(signed.code, 0, signed.output);
  assertSignedModel(bundle, [
    "x509CertificateChain",
    "x509CertificateChain.certificates",
    "x509CertificateChain.certificates[0]",
    "x509CertificateChain.certificates[0].rawBytes",
    "x509CertificateChain.certificates[1]",
    "x509CertificateChain.certificates[1].rawBytes",
  ]);

  const verifyArgs = [...verifyModelArgs("certificate", model, bundle), ...ignore];
  const root = nodePath.join(CERT_KEYS, "ca-cert.pem");
  const verified = await adapter([...verifyArgs, "--cert-chain", root]);
  assert.equal(verified.code, 0, verified.output);
  // The intermediate alone is not a trust anchor.
  const partial = await adapter([...verifyArgs, "--cert-chain", chain]);
  assert.notEqual(partial.code, 0);
  // A changed file fails.
  Deno.writeTextFileSync(nodePath.join(model, "a", "b"), "changed");
  const changed = await adapter([...verifyArgs, "--cert-chain", root]);
  assert.notEqual(changed.code, 0);
  assert.match(changed.output, /Hash mismatch for 'a\/b'/);
});

Deno.test("adapter: verify-model --method sigstore on the Python tool's keyless vector", async () => {
  const model = nodePath.join(VECTORS, "v1.0.1-sigstore");
  const args = [
    ...verifyModelArgs("sigstore", model, nodePath.join(model, "model.sig")),
    "--ignore-paths",
    nodePath.join(model, "ignore-me"),
    "--identity-provider",
    "https://sigstore.verify.ibm.com/oauth2",
  ];
  // Through the executable, with its permissions (network allowed: a TUF refresh may be tried).
  const verified = await wrapper([...args, "--identity", "stefanb@us.ibm.com"]);
  assert.equal(verified.code, 0, verified.output);
  const substring = await adapter([...args, "--identity", "ibm.com"]);
  assert.notEqual(substring.code, 0);
  assert.match(substring.output, /Verification failed with error: The signature was made by/);
});

Deno.test("adapter: sign-model and verify-model with --method sigstore on a private instance", async () => {
  using tmp = tempDir();
  await using mock = await startMockSigstore();
  const trustConfig = mock.writeTrustConfig(tmp.path);
  const model = writeModel(tmp.path);
  const bundle = nodePath.join(tmp.path, "bundle.json");
  const ignore = ["--ignore-paths", nodePath.join(model, "ignored.txt")];
  const signed = await signModel(
    "sigstore",
    model,
    bundle,
    "--identity-token",
    mockIdentityToken(),
    "--trust-config",
    trustConfig,
    ...ignore,
  );
  assert.equal(signed.code, 0, signed.output);
  const json = JSON.parse(Deno.readTextFileSync(bundle));
  assert.ok(json.verificationMaterial.certificate.rawBytes);
  assert.equal(json.verificationMaterial.tlogEntries.length, 1);
  const verifyArgs = [
    ...verifyModelArgs("sigstore", model, bundle),
    "--trust-config",
    trustConfig,
    "--identity-provider",
    MOCK_ISSUER,
    ...ignore,
  ];
  const verified = await adapter([...verifyArgs, "--identity", MOCK_IDENTITY]);
  assert.equal(verified.code, 0, verified.output);
  const other = await adapter([...verifyArgs, "--identity", `${MOCK_IDENTITY}x`]);
  assert.notEqual(other.code, 0);
});

Deno.test("adapter: an empty model is refused at signing and no bundle is written", async () => {
  using tmp = tempDir();
  const model = nodePath.join(tmp.path, "empty");
  Deno.mkdirSync(model);
  const { key } = writeKeyPair(tmp.path);
  const bundle = nodePath.join(tmp.path, "bundle.json");
  const r = await signModel("key", model, bundle, "--private-key", key);
  assert.notEqual(r.code, 0);
  assert.match(r.output, /Signing failed with error: /);
  assert.throws(() => Deno.statSync(bundle), Deno.errors.NotFound);
});

Deno.test("adapter: unknown commands and methods exit non-zero", async () => {
  const unknown = await wrapper(["frobnicate"]);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.output, /unknown command 'frobnicate'/);
  const method = await adapter(["sign-model", "--method", "magic", "--model-path", "x"]);
  assert.notEqual(method.code, 0);
  assert.match(method.output, /unknown method 'magic'/);
});
