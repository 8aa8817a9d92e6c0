// RFC 3161 timestamps end to end (docs/format.md §4.6, §5.3, §5.8) with a real TSA on 127.0.0.1
// (tests/tsa.ts): `sign key|certificate --tsa-url` stores a token, `verify --tsa-certificate-chain`
// checks it, an expired signing certificate verifies with a timestamp inside its validity and fails
// without, each attack fails with one line naming the timestamp, a TSA that is down or answers
// wrongly fails the signing with nothing written, and the bundle keeps the shape the Python tool
// reads. The PKCS #11 case is in pkcs11_test.ts (it shares that file's SoftHSM2 token).
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { SigningConfig } from "../../src/api/signing_config.ts";
import { VerifyingConfig } from "../../src/api/verifying_config.ts";
import { bundleFromJSON } from "../../src/deps/sigstore.ts";
import { readDsseBundle } from "../../src/format/bundle.ts";
import { CertificateError, ConfigError, TimestampError } from "../../src/errors.ts";
import { fromBase64, toBase64 } from "../../src/util/encoding.ts";
import { CERT_KEYS, mintLeaf, writePemFile } from "../certs.ts";
import { runCli, runInProcess } from "../cli.ts";
import { tempDir, VECTORS } from "../fixtures.ts";
import { writeKeyPair } from "../helpers.ts";
import { newTsa, serveTsa, type TsaMode, verifyCertificateArgs } from "../tsa.ts";

const GOLDEN_ROOT = nodePath.join(CERT_KEYS, "ca-cert.pem");
const DAY = 86_400_000;

const tmp = tempDir();
const tsa = await newTsa();
const other = await newTsa("other-tsa");
const server = serveTsa(tsa);
const tsaChain = nodePath.join(tmp.path, "tsa-chain.pem");
Deno.writeTextFileSync(tsaChain, tsa.chainPem);
const otherChain = nodePath.join(tmp.path, "other-tsa-chain.pem");
Deno.writeTextFileSync(otherChain, other.chainPem);

const model = nodePath.join(tmp.path, "model");
Deno.mkdirSync(model);
Deno.writeTextFileSync(nodePath.join(model, "weights"), "some weights");
const keys = writeKeyPair(tmp.path);

/** A leaf that expired ten days ago after thirty days of validity, with its files. */
const expired = await (async () => {
  const leaf = await mintLeaf({
    notBefore: new Date(Date.now() - 40 * DAY),
    notAfter: new Date(Date.now() - 10 * DAY),
  });
  const key = nodePath.join(tmp.path, "expired-key.pem");
  Deno.writeTextFileSync(key, leaf.privateKeyPem);
  const cert = nodePath.join(tmp.path, "expired-cert.pem");
  Deno.writeTextFileSync(cert, leaf.certPem);
  return { key, cert, chain: writePemFile(tmp.path, "expired-chain.pem", ...leaf.chain) };
})();
/** Inside the expired leaf's validity. */
const THEN = new Date(Date.now() - 20 * DAY);

let counter = 0;
const sigPath = () => nodePath.join(tmp.path, `s${counter++}.sig`);

const signKey = (sig: string, extra: string[] = []) =>
  runInProcess(["sign", "key", "--private-key", keys.key, ...extra, "--signature", sig, model]);
const verifyKey = (sig: string, extra: string[] = []) =>
  runInProcess(["verify", "key", "--public-key", keys.pub, ...extra, "--signature", sig, model]);
const signExpired = (sig: string, extra: string[] = []) =>
  runInProcess([
    "sign",
    "certificate",
    "--private-key",
    expired.key,
    "--signing-certificate",
    expired.cert,
    "--certificate-chain",
    expired.chain,
    ...extra,
    "--signature",
    sig,
    model,
  ]);
const verifyCertificate = (sig: string, extra: string[] = []) =>
  runInProcess(verifyCertificateArgs(sig, model, extra));

const readJson = (path: string) => JSON.parse(Deno.readTextFileSync(path));
const tokensOf = (path: string): string[] =>
  readJson(path).verificationMaterial.timestampVerificationData.rfc3161Timestamps.map(
    (t: { signedTimestamp: string }) => t.signedTimestamp,
  );
/** Writes a copy of the bundle at `path` with its tokens replaced. */
function withTokens(path: string, tokens: string[]): string {
  const bundle = readJson(path);
  bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps = tokens.map((t) => ({
    signedTimestamp: t,
  }));
  const out = sigPath();
  Deno.writeTextFileSync(out, JSON.stringify(bundle));
  return out;
}

/**
 * Exit status 1 and one error line matching `pattern` (INFO lines of timestamps that verified
 * before the failure may precede it).
 */
function failedWith(r: { code: number; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split("\n").filter((l) => !/^Timestamp \d+: /.test(l));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

Deno.test("CLI: sign key --tsa-url, verify key --tsa-certificate-chain", async () => {
  server.genTime = undefined;
  const sig = sigPath();
  const signed = await signKey(sig, ["--tsa-url", server.url]);
  assert.equal(signed.code, 0, signed.stderr);
  assert.equal(tokensOf(sig).length, 1);
  const verified = await verifyKey(sig, ["--tsa-certificate-chain", tsaChain]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stderr, /^Timestamp 1: \d{4}-.*Z by CN=test-tsa$/m);
  // Without --tsa-certificate-chain the timestamp is ignored, as the Python tool does.
  const ignored = await verifyKey(sig);
  assert.equal(ignored.code, 0, ignored.stderr);
  assert.doesNotMatch(ignored.stderr, /Timestamp/);
  const json = await verifyKey(sig, ["--json"]);
  assert.equal(JSON.parse(json.stdout).signer.timestamps, undefined);
  // Another TSA's chain does not verify it.
  failedWith(
    await verifyKey(sig, ["--tsa-certificate-chain", otherChain]),
    /^Verification failed with error: timestamp 1: TSA certificate chain does not validate/,
  );
});

Deno.test("CLI: an expired leaf verifies with a timestamp inside its validity, and fails without", async () => {
  server.genTime = THEN;
  const stamped = sigPath();
  const signed = await signExpired(stamped, ["--tsa-url", server.url]);
  assert.equal(signed.code, 0, signed.stderr);
  const verified = await verifyCertificate(stamped, ["--tsa-certificate-chain", tsaChain]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stderr, new RegExp(`Timestamp 1: ${THEN.toISOString()} by CN=test-tsa`));
  const json = await verifyCertificate(stamped, ["--tsa-certificate-chain", tsaChain, "--json"]);
  assert.deepEqual(JSON.parse(json.stdout).signer.timestamps, [
    { genTime: THEN.toISOString(), tsa: "CN=test-tsa" },
  ]);
  // The same bundle with its timestamp ignored, and a bundle without one: checked now, expired.
  failedWith(await verifyCertificate(stamped), /leaf "CN=test-signer" has expired at/);
  const plain = sigPath();
  assert.equal((await signExpired(plain)).code, 0);
  failedWith(await verifyCertificate(plain), /leaf "CN=test-signer" has expired at/);
});

Deno.test("CLI: a timestamp outside the leaf's validity fails", async () => {
  server.genTime = new Date(Date.now() - 5 * DAY); // after the leaf expired
  const sig = sigPath();
  assert.equal((await signExpired(sig, ["--tsa-url", server.url])).code, 0);
  failedWith(
    await verifyCertificate(sig, ["--tsa-certificate-chain", tsaChain]),
    /^Verification failed with error: Certificate chain does not validate: leaf "CN=test-signer" has expired at/,
  );
  server.genTime = undefined;
});

Deno.test("CLI: --tsa-certificate-chain with no timestamp in the signature fails", async () => {
  const keySig = sigPath();
  assert.equal((await signKey(keySig)).code, 0);
  assert.equal(readJson(keySig).verificationMaterial.timestampVerificationData, undefined);
  const certSig = sigPath();
  assert.equal((await signExpired(certSig)).code, 0);
  for (const [run, sig] of [[verifyKey, keySig], [verifyCertificate, certSig]] as const) {
    failedWith(
      await run(sig, ["--tsa-certificate-chain", tsaChain]),
      /carries no RFC 3161 timestamp, but TSA certificates were given/,
    );
  }
});

Deno.test("CLI: a timestamp over another signature, and a tampered token, fail", async () => {
  server.genTime = undefined;
  const first = sigPath();
  const second = sigPath();
  assert.equal((await signKey(first, ["--tsa-url", server.url])).code, 0);
  // Another model, so another statement and other signature bytes.
  using otherModel = tempDir();
  Deno.writeTextFileSync(nodePath.join(otherModel.path, "weights"), "other weights");
  const r = await runInProcess([
    "sign",
    "key",
    "--private-key",
    keys.key,
    "--tsa-url",
    server.url,
    "--signature",
    second,
    otherModel.path,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const swapped = withTokens(first, tokensOf(second));
  failedWith(
    await verifyKey(swapped, ["--tsa-certificate-chain", tsaChain]),
    /timestamp 1: the message imprint is not the hash of this signature$/,
  );
  const token = fromBase64(tokensOf(first)[0])!;
  token[token.length - 1] ^= 0x01; // inside the TSA's signature
  failedWith(
    await verifyKey(withTokens(first, [toBase64(token)]), ["--tsa-certificate-chain", tsaChain]),
    /timestamp 1: the TSA's signature does not verify$/,
  );
  // A second, bad timestamp fails the signature although the first is good.
  failedWith(
    await verifyKey(withTokens(first, [tokensOf(first)[0], toBase64(token)]), [
      "--tsa-certificate-chain",
      tsaChain,
    ]),
    /timestamp 2: /,
  );
});

Deno.test("CLI: a TSA that is down or answers wrongly fails the signing; nothing is written", async () => {
  const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadUrl = `http://127.0.0.1:${dead.addr.port}/tsr`;
  dead.close(); // nothing listens there now
  const cases: [string, TsaMode, RegExp][] = [
    [deadUrl, "honest", /Timestamp request to http:\/\/127\.0\.0\.1:\d+\/tsr failed: /],
    [
      deadUrl.replace("http://", "http://user:secret@") + "?token=secret",
      "honest",
      /^Signing failed with error: Timestamp request to http:\/\/127\.0\.0\.1:\d+\/tsr failed: (?!.*secret)/,
    ],
    [server.url, "rejection", /the TSA refused the request \(status 2\)/],
    [server.url, "wrong-nonce", /does not echo the request's nonce/],
    [server.url, "wrong-imprint", /message imprint is not the one requested/],
    [server.url, "garbage", /not a DER TimeStampResp/],
    [server.url, "http-500", /failed: HTTP 500/],
    [server.url, "wrong-type", /not application\/timestamp-reply/],
  ];
  try {
    for (const [url, mode, pattern] of cases) {
      server.mode = mode;
      using out = tempDir();
      const sig = nodePath.join(out.path, "model.sig");
      const r = await signKey(sig, ["--tsa-url", url]);
      failedWith(r, pattern);
      assert.match(r.stderr, /^Signing failed with error: /);
      assert.deepEqual([...Deno.readDirSync(out.path)], [], mode);
    }
  } finally {
    server.mode = "honest";
  }
});

Deno.test("CLI: --tsa-url must be an http(s) URL; sign sigstore has no --tsa-url", async () => {
  const sig = sigPath();
  const r = await signKey(sig, ["--tsa-url", "file:///etc/passwd"]);
  failedWith(r, /--tsa-url must be an http:\/\/ or https:\/\/ URL/);
  const sigstore = await runInProcess(["sign", "sigstore", "--tsa-url", server.url, model]);
  assert.equal(sigstore.code, 2, sigstore.stderr);
});

Deno.test("CLI: --validate-at-not-before cannot be combined with --tsa-certificate-chain", async () => {
  const sig = sigPath();
  assert.equal((await signKey(sig, ["--tsa-url", server.url])).code, 0);
  failedWith(
    await verifyCertificate(sig, ["--validate-at-not-before", "--tsa-certificate-chain", tsaChain]),
    /cannot be combined with --tsa-certificate-chain/,
  );
});

Deno.test("library: setTsaUrl and tsaCertificateChain, key and certificate", async () => {
  server.genTime = THEN;
  const keySig = sigPath();
  await new SigningConfig().useEllipticKeySigner({ privateKey: keys.key }).setTsaUrl(server.url)
    .sign(model, keySig);
  await new VerifyingConfig()
    .useEllipticKeyVerifier({ publicKey: keys.pub, tsaCertificateChain: [tsaChain] })
    .verify(model, keySig);
  const certSig = sigPath();
  await new SigningConfig()
    .useCertificateSigner({
      privateKey: expired.key,
      signingCertificate: expired.cert,
      certificateChain: [expired.chain],
    })
    .setTsaUrl(server.url)
    .sign(model, certSig);
  await new VerifyingConfig()
    .useCertificateVerifier({ certificateChain: [GOLDEN_ROOT], tsaCertificateChain: [tsaChain] })
    .verify(model, certSig);
  await assert.rejects(
    new VerifyingConfig().useCertificateVerifier({ certificateChain: [GOLDEN_ROOT] })
      .verify(model, certSig),
    CertificateError,
  );
  await assert.rejects(
    new VerifyingConfig()
      .useCertificateVerifier({
        certificateChain: [GOLDEN_ROOT],
        tsaCertificateChain: [otherChain],
      })
      .verify(model, certSig),
    (e: Error) => e instanceof TimestampError && /^timestamp 1: /.test(e.message),
  );
  // Sigstore bundles carry their instance's timestamps: a TSA URL is refused before hashing.
  await assert.rejects(
    new SigningConfig().setTsaUrl(server.url).sign(model, sigPath()),
    ConfigError,
  );
  server.genTime = undefined;
});

Deno.test("the sign command needs only --allow-net for the TSA's host", async () => {
  const sig = sigPath();
  const host = new URL(server.url).host;
  const r = await runCli(
    ["sign", "key", "--private-key", keys.key, "--tsa-url", server.url, "--signature", sig, model],
    { permissions: ["--allow-read", "--allow-write", `--allow-net=${host}`] },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(tokensOf(sig).length, 1);
});

Deno.test("a timestamped bundle keeps the shape the Python tool reads", async () => {
  const sig = sigPath();
  assert.equal((await signKey(sig, ["--tsa-url", server.url])).code, 0);
  const bundle = readJson(sig);
  // Protobuf-JSON names, where Sigstore bundles put RFC 3161 timestamps.
  assert.deepEqual(Object.keys(bundle.verificationMaterial), [
    "publicKey",
    "tlogEntries",
    "timestampVerificationData",
  ]);
  assert.deepEqual(Object.keys(bundle.verificationMaterial.timestampVerificationData), [
    "rfc3161Timestamps",
  ]);
  assert.deepEqual(
    Object.keys(bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0]),
    ["signedTimestamp"],
  );
  // Without the timestamp it is the template the golden v1.1.0 vector has, member for member.
  const golden = readJson(nodePath.join(VECTORS, "v1.1.0-elliptic-key", "model.sig"));
  const { timestampVerificationData: _, ...material } = bundle.verificationMaterial;
  assert.deepEqual(paths({ ...bundle, verificationMaterial: material }), paths(golden));
  // Our reader (the one the golden-vector tests use) accepts it and finds the token.
  const read = readDsseBundle(bundle);
  assert.deepEqual(read.timestamps, [fromBase64(tokensOf(sig)[0])]);
  assert.equal(read.material.kind, readDsseBundle(golden).material.kind);
  // The Sigstore protobuf-JSON parser reads the field as a Sigstore RFC 3161 timestamp.
  const parsed = bundleFromJSON(bundle);
  const stamp = parsed.verificationMaterial.timestampVerificationData?.rfc3161Timestamps[0];
  assert.deepEqual(new Uint8Array(stamp!.signedTimestamp), fromBase64(tokensOf(sig)[0]));
});

/** Member paths of a JSON value, arrays by index: `{a: {b: 1}}` → `["a", "a.b"]`. */
function paths(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...paths(v, path)];
  });
}

globalThis.addEventListener("unload", () => Deno.removeSync(tmp.path, { recursive: true }));
