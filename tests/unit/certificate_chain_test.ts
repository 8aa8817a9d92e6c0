import assert from "node:assert/strict";
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  X509Certificate as NodeX509Certificate,
} from "node:crypto";
import * as nodePath from "node:path";
import * as x509 from "../../src/deps/x509.ts";
import { CertificateError } from "../../src/errors.ts";
import {
  certificateFingerprint,
  leafUsageAllowsSigning,
  readPemCertificates,
  systemTrustAnchors,
  validateCertificateChain,
} from "../../src/crypto/x509_chain.ts";
import {
  type CaHandle,
  CERT_KEYS,
  goldenCas,
  type MintedLeaf,
  mintLeaf,
  newCa,
  readCertificateDer,
  toPem,
} from "../certs.ts";
import { tempDir, VECTORS } from "../fixtures.ts";

/** `[leaf, intermediate]` as the Python tool wrote them into the v1.0.1 certificate bundle. */
function goldenBundleChain(): Uint8Array[] {
  const bundle = JSON.parse(
    Deno.readTextFileSync(nodePath.join(VECTORS, "v1.0.1-certificate", "model.sig")),
  );
  return bundle.verificationMaterial.x509CertificateChain.certificates.map(
    (c: { rawBytes: string }) => Uint8Array.fromBase64(c.rawBytes),
  );
}

const ROOT = readCertificateDer("ca-cert.pem");
const INTERMEDIATE = readCertificateDer("int-ca-cert.pem");
const GOLDEN_LEAF = readCertificateDer("signing-key-cert.pem");

/** Asserts that validation fails with a CertificateError whose message matches `pattern`. */
async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CertificateError, `not a CertificateError: ${error}`);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("\n"), "message must be one line");
    return true;
  });
}

Deno.test("golden bundle chain validates against the golden root", async () => {
  const [leaf, ...intermediates] = goldenBundleChain();
  assert.deepEqual(leaf, GOLDEN_LEAF);
  assert.deepEqual(intermediates, [INTERMEDIATE]);
  const result = await validateCertificateChain(leaf, intermediates, [ROOT]);
  assert.equal(result.leaf.subject, "CN=intermediate-ca");
  assert.equal(result.leafPublicKey.asymmetricKeyType, "ec");
  assert.equal(result.leafPublicKey.asymmetricKeyDetails?.namedCurve, "secp384r1");
  assert.deepEqual(result.warnings, []);
  const pub = Deno.readTextFileSync(nodePath.join(CERT_KEYS, "signing-key-pub.pem"));
  const expectedSpki = new NodeX509Certificate(
    Deno.readTextFileSync(nodePath.join(CERT_KEYS, "signing-key-cert.pem")),
  ).publicKey.export({ type: "spki", format: "pem" });
  assert.ok(pub.includes((expectedSpki as string).trim()));
  assert.ok(result.leafPublicKey.equals(new NodeX509Certificate(leaf).publicKey));
});

Deno.test("golden chain also validates when the root sits among other anchors", async () => {
  const unrelated = await newCa("unrelated-root");
  const result = await validateCertificateChain(GOLDEN_LEAF, [INTERMEDIATE], [
    unrelated.certDer,
    ROOT,
  ]);
  assert.equal(result.fingerprints.trusted.length, 2);
});

Deno.test("fingerprints: SHA-256 of DER, upper-case pairs, anchors in order, bundle leaf last", async () => {
  const other = await newCa("other-root");
  const result = await validateCertificateChain(GOLDEN_LEAF, [INTERMEDIATE], [ROOT, other.certDer]);
  const fp = (der: Uint8Array) =>
    createHash("sha256").update(der).digest("hex").toUpperCase().replace(/(..)(?!$)/g, "$1:");
  assert.deepEqual(result.fingerprints, {
    trusted: [fp(ROOT), fp(other.certDer)],
    bundle: [fp(INTERMEDIATE), fp(GOLDEN_LEAF)],
  });
  for (const f of [...result.fingerprints.trusted, ...result.fingerprints.bundle]) {
    assert.match(f, /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
  }
  assert.equal(certificateFingerprint(ROOT), fp(ROOT));
});

Deno.test("trusting only the intermediate fails: no partial chains", async () => {
  await rejects(
    validateCertificateChain(GOLDEN_LEAF, [INTERMEDIATE], [INTERMEDIATE]),
    /trusted but not self-signed.*partial chains/,
  );
  await rejects(validateCertificateChain(GOLDEN_LEAF, [], [INTERMEDIATE]), /partial chains/);
});

Deno.test("a freshly minted unrelated CA does not validate the golden chain", async () => {
  const wrong = await newCa("wrong-ca");
  await rejects(
    validateCertificateChain(GOLDEN_LEAF, [INTERMEDIATE], [wrong.certDer]),
    /issuer "CN=root-ca" of bundle certificate 2 "CN=intermediate-ca" not found/,
  );
});

Deno.test("an unrelated CA that copies the root's name fails on the signature", async () => {
  // Same name and key identifier as the golden root, different key.
  const { root } = await goldenCas();
  const rootKeyId = root.cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
  const impostor = await newCa("root-ca", { subjectKeyId: rootKeyId });
  await rejects(
    validateCertificateChain(GOLDEN_LEAF, [INTERMEDIATE], [impostor.certDer]),
    /signature of bundle certificate 2 "CN=intermediate-ca" does not verify/,
  );
});

Deno.test("a missing intermediate fails", async () => {
  await rejects(
    validateCertificateChain(GOLDEN_LEAF, [], [ROOT]),
    /issuer "CN=intermediate-ca" of leaf "CN=intermediate-ca" not found/,
  );
});

Deno.test("a self-signed root present only in the bundle is not trusted", async () => {
  const other = await newCa("other-root");
  await rejects(
    validateCertificateChain(GOLDEN_LEAF, [INTERMEDIATE, ROOT], [other.certDer]),
    /self-signed bundle certificate 3 "CN=root-ca" is not a trust anchor/,
  );
  // With no anchors at all the same holds.
  await rejects(
    validateCertificateChain(GOLDEN_LEAF, [INTERMEDIATE, ROOT], []),
    /is not a trust anchor/,
  );
});

Deno.test("a leaf that expired long ago fails now, validates at its notBefore or inside its validity", async () => {
  const minted = await mintLeaf({
    notBefore: new Date("2025-06-01T00:00:00Z"),
    notAfter: new Date("2025-06-02T00:00:00Z"),
  });
  assert.ok(minted.cert.notAfter < new Date());
  await rejects(
    validateCertificateChain(minted.certDer, minted.chain, [ROOT]),
    /leaf "CN=test-signer" has expired at .* \(notAfter 2025-06-02T00:00:00.000Z\)/,
  );
  const result = await validateCertificateChain(
    minted.certDer,
    minted.chain,
    [ROOT],
    "leaf-not-before",
  );
  assert.deepEqual(new Uint8Array(result.leaf.raw), minted.certDer);
  await validateCertificateChain(
    minted.certDer,
    minted.chain,
    [ROOT],
    new Date("2025-06-01T12:00:00Z"),
  );
});

Deno.test("the golden window's bounds: notBefore inclusive, notAfter exclusive", async () => {
  // The golden chain's notBefore equals every CA's notBefore, so T == notBefore is accepted.
  const { intermediate } = await goldenCas();
  const atStart = await mintLeaf({ notBefore: intermediate.cert.notBefore });
  await validateCertificateChain(atStart.certDer, atStart.chain, [ROOT], "leaf-not-before");
  const atEnd = await mintLeaf({
    notBefore: intermediate.cert.notAfter,
    notAfter: new Date(intermediate.cert.notAfter.getTime() + 86_400_000),
  });
  await rejects(
    validateCertificateChain(atEnd.certDer, atEnd.chain, [ROOT], "leaf-not-before"),
    /bundle certificate 2 "CN=intermediate-ca" has expired/,
  );
});

Deno.test("a leaf whose notBefore lies before the issuer's validity fails", async () => {
  const minted = await mintLeaf({
    notBefore: new Date("2024-01-01T00:00:00Z"),
    notAfter: new Date("2030-01-01T00:00:00Z"),
  });
  await rejects(
    validateCertificateChain(minted.certDer, minted.chain, [ROOT], "leaf-not-before"),
    /bundle certificate 2 "CN=intermediate-ca" is not yet valid at 2024-01-01T00:00:00.000Z/,
  );
});

Deno.test("a leaf with notAfter not after notBefore fails", async () => {
  const at = new Date("2026-01-01T00:00:00Z");
  const minted = await mintLeaf({ notBefore: at, notAfter: at });
  await rejects(
    validateCertificateChain(minted.certDer, minted.chain, [ROOT]),
    /leaf "CN=test-signer" has expired/,
  );
});

Deno.test("leaf usage: EKU codeSigning without keyUsage passes with a warning", async () => {
  const minted = await mintLeaf({ keyUsage: false, codeSigning: true });
  const result = await validateCertificateChain(minted.certDer, minted.chain, [ROOT]);
  assert.deepEqual(result.warnings, ["Certificate does not specify 'KeyUsage'."]);
});

Deno.test("leaf usage: keyUsage digitalSignature without EKU passes silently", async () => {
  const minted = await mintLeaf({ keyUsage: true, codeSigning: false });
  const result = await validateCertificateChain(minted.certDer, minted.chain, [ROOT]);
  assert.deepEqual(result.warnings, []);
});

Deno.test("leaf usage: neither extension fails with the exact Python message", async () => {
  const minted = await mintLeaf({ keyUsage: false, codeSigning: false });
  await assert.rejects(
    validateCertificateChain(minted.certDer, minted.chain, [ROOT]),
    new CertificateError("Signing certificate cannot be used for signing"),
  );
  assert.deepEqual(leafUsageAllowsSigning(minted.certDer), {
    allowed: false,
    warnings: [
      "Certificate does not specify 'KeyUsage'.",
      "Certificate does not specify 'ExtendedKeyUsage'.",
    ],
  });
});

Deno.test("leaf usage: keyUsage without digitalSignature falls back to EKU", async () => {
  const keyAgreementOnly = new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyAgreement, true);
  const withEku = await mintLeaf({ keyUsage: false, extensions: [keyAgreementOnly] });
  assert.deepEqual(leafUsageAllowsSigning(withEku.certDer), { allowed: true, warnings: [] });
  const withoutEku = await mintLeaf({
    keyUsage: false,
    codeSigning: false,
    extensions: [keyAgreementOnly],
  });
  assert.deepEqual(leafUsageAllowsSigning(withoutEku.certDer), {
    allowed: false,
    warnings: ["Certificate does not specify 'ExtendedKeyUsage'."],
  });
  const serverAuthOnly = await mintLeaf({
    keyUsage: false,
    codeSigning: false,
    extensions: [keyAgreementOnly, new x509.ExtendedKeyUsageExtension(["1.3.6.1.5.5.7.3.1"])],
  });
  await assert.rejects(
    validateCertificateChain(serverAuthOnly.certDer, serverAuthOnly.chain, [ROOT]),
    new CertificateError("Signing certificate cannot be used for signing"),
  );
});

Deno.test("leaves on P-256, P-384 and P-521 issued by the root directly validate", async () => {
  for (const curve of ["P-256", "P-384", "P-521"] as const) {
    const minted = await mintLeaf({ curve, issuer: "root" });
    assert.deepEqual(minted.chain, []);
    const result = await validateCertificateChain(minted.certDer, minted.chain, [ROOT]);
    assert.ok(result.leafPublicKey.equals(createPublicKey(minted.privateKey)));
    assert.equal(
      result.leafPublicKey.asymmetricKeyDetails?.namedCurve,
      { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1" }[curve],
    );
  }
});

Deno.test("an ECDSA CA hierarchy of minted certificates validates", async () => {
  const root = await newCa("ec-root");
  const intermediate = await newCa("ec-intermediate", { issuer: root });
  const minted = await mintLeaf({ issuer: intermediate, curve: "P-384" });
  await validateCertificateChain(minted.certDer, minted.chain, [root.certDer]);
  // The bundle may list the intermediates in any order and carry extra certificates.
  const stray = await newCa("stray");
  await validateCertificateChain(minted.certDer, [stray.certDer, ...minted.chain], [
    root.certDer,
  ]);
});

Deno.test("an issuer without cA=TRUE fails", async () => {
  const { root } = await goldenCas();
  const notCa = await newCa("not-a-ca", { issuer: root, ca: false });
  const minted = await mintLeaf({ issuer: notCa });
  await rejects(
    validateCertificateChain(minted.certDer, minted.chain, [ROOT]),
    /bundle certificate 2 "CN=not-a-ca" is not a CA/,
  );
  const selfSignedNotCa = await newCa("root-not-ca", { ca: false });
  const underIt = await mintLeaf({ issuer: selfSignedNotCa });
  await rejects(
    validateCertificateChain(underIt.certDer, [], [selfSignedNotCa.certDer]),
    /trust anchor "CN=root-not-ca" is not a CA/,
  );
});

/** A self-signed version 1 root (no extensions) made by `openssl x509 -req`, as a CA handle. */
async function opensslV1Root(dir: string): Promise<CaHandle> {
  const key = nodePath.join(dir, "v1.key");
  const csr = nodePath.join(dir, "v1.csr");
  const pem = nodePath.join(dir, "v1.pem");
  const run = (args: string[]) => {
    const out = new Deno.Command("openssl", { args, stdout: "null", stderr: "piped" }).outputSync();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
  };
  run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
  run(["req", "-new", "-key", key, "-subj", "/CN=v1-root", "-out", csr]);
  run(["x509", "-req", "-in", csr, "-signkey", key, "-days", "30", "-out", pem]);
  const cert = new x509.X509Certificate(Deno.readTextFileSync(pem));
  const certDer = new Uint8Array(cert.rawData);
  const pkcs8 = createPrivateKey(Deno.readTextFileSync(key)).export({
    type: "pkcs8",
    format: "der",
  });
  const signingKey = await crypto.subtle.importKey(
    "pkcs8",
    new Uint8Array(pkcs8),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const signingAlgorithm = { name: "ECDSA", hash: "SHA-256" };
  return {
    cert,
    certDer,
    certPem: toPem(certDer),
    signingKey,
    signingAlgorithm,
    chain: [],
    rootDer: certDer,
  };
}

/** Whether `openssl verify` (default, non-strict checks) accepts `leaf` under `root` at `leaf`'s notBefore. */
function opensslAccepts(
  dir: string,
  root: Uint8Array,
  leaf: MintedLeaf,
  chain: Uint8Array[] = [],
): boolean {
  const write = (name: string, ...ders: Uint8Array[]) => {
    const path = nodePath.join(dir, name);
    Deno.writeTextFileSync(path, ders.map(toPem).join(""));
    return path;
  };
  const at = Math.floor(leaf.cert.notBefore.getTime() / 1000) + 1;
  const args = ["verify", "-attime", String(at), "-CAfile", write("root.pem", root)];
  if (chain.length > 0) args.push("-untrusted", write("chain.pem", ...chain));
  args.push(write("leaf.pem", leaf.certDer));
  return new Deno.Command("openssl", { args, stdout: "null", stderr: "null" }).outputSync().success;
}

Deno.test("a CA without basicConstraints, as OpenSSL decides: a version 1 root or a trust anchor with keyUsage keyCertSign, nothing else", async () => {
  using dir = tempDir();
  const v1 = await opensslV1Root(dir.path);
  const v3Bare = await newCa("v3-no-extensions", { noExtensions: true });
  const kuRoot = await newCa("ku-root", { ca: null });
  const kuIntermediate = await newCa("ku-intermediate", {
    issuer: (await goldenCas()).root,
    ca: null,
  });
  const soon = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000);
  const cases: [string, CaHandle, Uint8Array, boolean][] = [
    ["version 1 self-signed root", v1, v1.certDer, true],
    ["version 3 self-signed root without extensions", v3Bare, v3Bare.certDer, false],
    ["root with keyUsage keyCertSign, no basicConstraints", kuRoot, kuRoot.certDer, true],
    ["intermediate with keyUsage keyCertSign, no basicConstraints", kuIntermediate, ROOT, false],
  ];
  for (const [what, issuer, root, valid] of cases) {
    const leaf = await mintLeaf({ issuer, notBefore: soon });
    assert.equal(opensslAccepts(dir.path, root, leaf, leaf.chain), valid, `openssl: ${what}`);
    const ours = validateCertificateChain(leaf.certDer, leaf.chain, [root], leaf.cert.notBefore);
    if (valid) await ours;
    else {await rejects(ours, /is not a CA \(basicConstraints cA is not TRUE\)/).catch((e) => {
        throw new Error(what, { cause: e });
      });}
  }
});

Deno.test("an issuer whose keyUsage lacks keyCertSign fails", async () => {
  const { root } = await goldenCas();
  const noCertSign = await newCa("no-cert-sign", { issuer: root, keyCertSign: false });
  const minted = await mintLeaf({ issuer: noCertSign });
  await rejects(
    validateCertificateChain(minted.certDer, minted.chain, [ROOT]),
    /"CN=no-cert-sign" may not sign certificates/,
  );
});

Deno.test("path length constraints apply", async () => {
  const root = await newCa("len-root", { pathLength: 0 });
  const intermediate = await newCa("len-int", { issuer: root });
  const direct = await mintLeaf({ issuer: root });
  await validateCertificateChain(direct.certDer, [], [root.certDer]);
  const minted = await mintLeaf({ issuer: intermediate });
  await rejects(
    validateCertificateChain(minted.certDer, minted.chain, [root.certDer]),
    /trust anchor "CN=len-root" allows 0 intermediate certificate\(s\) below it, found 1/,
  );
});

Deno.test("an unknown critical extension fails, a known one does not", async () => {
  const unknown = new x509.Extension("1.3.6.1.4.1.55555.1", true, new Uint8Array([5, 0]));
  const minted = await mintLeaf({ extensions: [unknown] });
  await rejects(
    validateCertificateChain(minted.certDer, minted.chain, [ROOT]),
    /unsupported critical extension 1\.3\.6\.1\.4\.1\.55555\.1/,
  );
  const nonCritical = new x509.Extension("1.3.6.1.4.1.55555.1", false, new Uint8Array([5, 0]));
  const fine = await mintLeaf({ extensions: [nonCritical] });
  await validateCertificateChain(fine.certDer, fine.chain, [ROOT]);
});

Deno.test("a tampered leaf signature fails", async () => {
  const tampered = GOLDEN_LEAF.slice();
  tampered[tampered.length - 1] ^= 0x01; // last byte of the signature value
  await rejects(
    validateCertificateChain(tampered, [INTERMEDIATE], [ROOT]),
    /signature of leaf "CN=intermediate-ca" does not verify with the key of bundle certificate 2/,
  );
});

Deno.test("a leaf signed by a different key under the same issuer name fails", async () => {
  const { root } = await goldenCas();
  // Same name as the golden intermediate, different key: the leaf's AKI points at it.
  const twin = await newCa("intermediate-ca", { issuer: root });
  const minted = await mintLeaf({ issuer: twin });
  // Offering the golden intermediate instead of the twin: the key identifiers differ.
  await rejects(
    validateCertificateChain(minted.certDer, [INTERMEDIATE], [ROOT]),
    /issuer "CN=intermediate-ca" of leaf "CN=test-signer" not found/,
  );
  await validateCertificateChain(minted.certDer, [INTERMEDIATE, ...minted.chain], [ROOT]);
});

Deno.test("certificates issuing each other in a cycle terminate with an error", async () => {
  // a0 (CN=X, key A) issues b (CN=Y, key B), which issues a (CN=X, key A again): a and b
  // issued each other, and neither is trusted.
  const a0 = await newCa("X");
  const b = await newCa("Y", { issuer: a0 });
  const a = await newCa("X", { issuer: b, keyOf: a0 });
  const minted = await mintLeaf({ issuer: b });
  const unrelated = await newCa("unrelated");
  await rejects(
    validateCertificateChain(minted.certDer, [a.certDer, b.certDer], [unrelated.certDer]),
    /issuer "CN=Y" of bundle certificate 2 "CN=X" not found/,
  );
  // Trusting a0 ends the path at the anchor.
  await validateCertificateChain(minted.certDer, [a.certDer, b.certDer], [a0.certDer]);
});

Deno.test("a bundle of look-alike CAs sharing one key is searched within a bound", async () => {
  const root = await newCa("same");
  const lookAlikes: Uint8Array[] = [];
  for (let i = 0; i < 12; i++) {
    lookAlikes.push((await newCa("same", { issuer: root, keyOf: root })).certDer);
  }
  const minted = await mintLeaf({ issuer: root });
  const unrelated = await newCa("unrelated");
  await rejects(
    validateCertificateChain(minted.certDer, lookAlikes, [unrelated.certDer]),
    /no valid path found within 100 candidate issuers/,
  );
  // The genuine root as anchor is tried first and succeeds.
  await validateCertificateChain(minted.certDer, lookAlikes, [root.certDer]);
});

Deno.test("ECDSA P-384 and P-521 CAs verify what they sign", async () => {
  const root = await newCa("p521-root", { curve: "P-521" });
  const intermediate = await newCa("p384-int", { issuer: root, curve: "P-384" });
  const minted = await mintLeaf({ issuer: intermediate, curve: "P-521" });
  assert.equal(minted.cert.signatureAlgorithm.hash.name, "SHA-384");
  assert.equal(intermediate.cert.signatureAlgorithm.hash.name, "SHA-512");
  await validateCertificateChain(minted.certDer, minted.chain, [root.certDer]);
  const tampered = minted.certDer.slice();
  tampered[tampered.length - 3] ^= 0x01;
  await rejects(
    validateCertificateChain(tampered, minted.chain, [root.certDer]),
    /signature of leaf "CN=test-signer" does not verify with the key of bundle certificate 2/,
  );
});

Deno.test("garbage DER is a CertificateError naming the certificate", async () => {
  await rejects(
    validateCertificateChain(new Uint8Array([1, 2, 3]), [], [ROOT]),
    /signing certificate is not a valid X\.509 certificate/,
  );
  await rejects(
    validateCertificateChain(GOLDEN_LEAF, [new Uint8Array([0x30, 0x00])], [ROOT]),
    /bundle certificate 2 is not a valid X\.509 certificate/,
  );
});

Deno.test("readPemCertificates reads every block, ignoring text around them", () => {
  using dir = tempDir();
  const path = nodePath.join(dir.path, "chain.pem");
  Deno.writeTextFileSync(
    path,
    "Subject: root\nsome certtool dump\n" + toPem(ROOT) + "\ninterlude text\r\n" +
      toPem(INTERMEDIATE).replaceAll("\n", "\r\n") + "trailer\n",
  );
  assert.deepEqual(readPemCertificates(path), [ROOT, INTERMEDIATE]);
  // The golden PEM files themselves, including certtool's preamble when present.
  assert.deepEqual(readPemCertificates(nodePath.join(CERT_KEYS, "ca-cert.pem")), [ROOT]);
});

Deno.test("readPemCertificates errors name the file", () => {
  using dir = tempDir();
  const missing = nodePath.join(dir.path, "missing.pem");
  assert.throws(
    () => readPemCertificates(missing),
    new CertificateError(`Cannot read certificate file '${missing}': no such file or directory`),
  );
  const keyOnly = nodePath.join(CERT_KEYS, "signing-key-pub.pem");
  assert.throws(
    () => readPemCertificates(keyOnly),
    new CertificateError(`No PEM certificate found in certificate file ${keyOnly}`),
  );
  const badBase64 = nodePath.join(dir.path, "bad64.pem");
  Deno.writeTextFileSync(
    badBase64,
    "-----BEGIN CERTIFICATE-----\nMII*\n-----END CERTIFICATE-----\n",
  );
  assert.throws(
    () => readPemCertificates(badBase64),
    new CertificateError(`PEM certificate 1 in certificate file ${badBase64} is not valid base64`),
  );
  const badDer = nodePath.join(dir.path, "bad-der.pem");
  Deno.writeTextFileSync(
    badDer,
    toPem(ROOT) + "-----BEGIN CERTIFICATE-----\nAQIDBA==\n-----END CERTIFICATE-----\n",
  );
  assert.throws(
    () => readPemCertificates(badDer),
    (e: unknown) =>
      e instanceof CertificateError &&
      e.message.startsWith(
        `PEM certificate 2 in certificate file ${badDer} is not a valid X.509 certificate`,
      ),
  );
  const unterminated = nodePath.join(dir.path, "unterminated.pem");
  Deno.writeTextFileSync(unterminated, toPem(ROOT).replace("-----END CERTIFICATE-----", ""));
  assert.throws(
    () => readPemCertificates(unterminated),
    new CertificateError(`Malformed PEM certificate block in certificate file ${unterminated}`),
  );
});

Deno.test("systemTrustAnchors returns the bundled roots as parseable DER", () => {
  const anchors = systemTrustAnchors();
  assert.ok(anchors.length > 50);
  for (const der of anchors) assert.equal(new NodeX509Certificate(der).ca, true);
});

Deno.test("the golden chain does not validate against the system roots", async () => {
  await rejects(
    validateCertificateChain(GOLDEN_LEAF, [INTERMEDIATE], systemTrustAnchors()),
    /issuer "CN=root-ca" .* not found/,
  );
});
