// Elliptic-curve keys (docs/format.md §3, §4.2, §7.1): PEM loading in every accepted form, the
// curve rules with their exact messages, DER signatures with the curve's hash, the key hint.
import assert from "node:assert/strict";
import {
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
} from "node:crypto";
import * as nodePath from "node:path";
import { KeyError } from "../../src/errors.ts";
import {
  canonicalPublicKeyPem,
  curveHash,
  loadPrivateKey,
  loadPublicKey,
  publicKeyHint,
  samePublicKey,
  signEcdsa,
  verifyEcdsa,
} from "../../src/crypto/ec_keys.ts";
import { CERT_KEYS } from "../certs.ts";
import { tempDir } from "../fixtures.ts";
import { privateKeyForms, thrown } from "../helpers.ts";

const GOLDEN_HINT = "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e";

const CURVES = [
  { curve: "P-256", hash: "sha256" },
  { curve: "P-384", hash: "sha384" },
  { curve: "P-521", hash: "sha512" },
] as const;

function write(dir: string, name: string, text: string): string {
  const path = nodePath.join(dir, name);
  Deno.writeTextFileSync(path, text);
  return path;
}

const keyError = (action: () => unknown) => thrown(KeyError, action);

for (const { curve, hash } of CURVES) {
  Deno.test(`${curve}: every private key form loads to the same key, hash ${hash}`, () => {
    using tmp = tempDir();
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
    for (const { form, pem, password } of privateKeyForms(privateKey)) {
      const loaded = loadPrivateKey(write(tmp.path, "key.pem", pem), password);
      assert.ok(samePublicKey(loaded, publicKey), form);
      assert.equal(curveHash(loaded), hash, form);
    }
  });

  Deno.test(`${curve}: DER signature over the data with ${hash}; verifyEcdsa agrees`, () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
    const data = new TextEncoder().encode("DSSEv1 28 application/vnd.in-toto+json 2 {}");
    const signature = signEcdsa(privateKey, data);
    assert.equal(signature[0], 0x30); // DER SEQUENCE, not raw r||s
    assert.ok(nodeVerify(hash, data, { key: publicKey, dsaEncoding: "der" }, signature));
    assert.ok(verifyEcdsa(publicKey, data, signature, hash));
    assert.ok(!verifyEcdsa(publicKey, data.subarray(1), signature, hash));
    // A raw r||s (IEEE P1363) signature over the same data is not accepted: DER only.
    const raw = nodeSign(hash, data, { key: privateKey, dsaEncoding: "ieee-p1363" });
    assert.ok(!verifyEcdsa(publicKey, data, raw, hash));
  });
}

Deno.test("an encrypted key without a password, or with a wrong one, is a KeyError", () => {
  using tmp = tempDir();
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  for (const { form, pem, password } of privateKeyForms(privateKey)) {
    if (!password) continue;
    const path = write(tmp.path, "key.pem", pem);
    const missing = keyError(() => loadPrivateKey(path));
    assert.equal(
      missing.message,
      `Cannot load private key '${path}': it is encrypted; give its password`,
      form,
    );
    const wrong = keyError(() => loadPrivateKey(path, "wrong password"));
    assert.equal(
      wrong.message,
      `Cannot load private key '${path}': wrong password, or a damaged key`,
      form,
    );
    assert.ok(!wrong.message.includes(password), form);
  }
});

Deno.test("messages never include the password", () => {
  using tmp = tempDir();
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const secret = "s3cr3t-Pa55";
  const path = write(
    tmp.path,
    "key.pem",
    privateKey.export({
      type: "pkcs8",
      format: "pem",
      cipher: "aes-256-cbc",
      passphrase: "x",
    }) as string,
  );
  const e = keyError(() => loadPrivateKey(path, secret));
  assert.ok(!e.message.includes(secret));
  assert.ok(!String(e.cause).includes(secret));
});

Deno.test("a key passed in place of its file's path is refused without quoting it", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  const pubPem = publicKey.export({ type: "spki", format: "pem" }) as string;
  for (
    const [load, text, what] of [
      [loadPrivateKey, pem, "private key"],
      [loadPublicKey, pubPem, "public key"],
    ] as const
  ) {
    const e = keyError(() => load(text));
    assert.equal(e.message, `Cannot read ${what}: expected the path of a file, not its contents`);
    assert.equal(e.path, undefined);
    assert.ok(!JSON.stringify(e).includes("BEGIN") && !String(e.stack).includes("BEGIN"));
  }
});

Deno.test("missing and non-PEM key files are KeyErrors naming the file", () => {
  using tmp = tempDir();
  const missing = nodePath.join(tmp.path, "absent.pem");
  assert.equal(
    keyError(() => loadPrivateKey(missing)).message,
    `Cannot read private key '${missing}': no such file or directory`,
  );
  assert.equal(
    keyError(() => loadPublicKey(missing)).message,
    `Cannot read public key '${missing}': no such file or directory`,
  );
  const junk = write(tmp.path, "junk.pem", "hello\n");
  assert.equal(
    keyError(() => loadPrivateKey(junk)).message,
    `Cannot load private key '${junk}': not a PEM private key`,
  );
  assert.equal(
    keyError(() => loadPublicKey(junk)).message,
    `Cannot load public key '${junk}': not a PEM public key`,
  );
  assert.equal(keyError(() => loadPublicKey(junk)).path, junk);
});

/** Key pairs of kinds the tool refuses, each with the PKCS #8 or SEC1 form and the message. */
const REFUSED_KEYS = [
  { pair: generateKeyPairSync("rsa", { modulusLength: 2048 }), type: "pkcs8" },
  { pair: generateKeyPairSync("ed25519"), type: "pkcs8" },
].map(({ pair, type }) => ({ pair, type, message: "Only elliptic curve keys are supported" }))
  .concat([["secp256k1", "secp256k1"], ["P-224", "secp224r1"]].map(([curve, name]) => ({
    pair: generateKeyPairSync("ec", { namedCurve: curve }),
    type: "sec1",
    message: `Unsupported key for curve '${name}'`,
  })));

Deno.test("RSA, Ed25519 and other curves are refused with Python's messages", () => {
  using tmp = tempDir();
  for (const { pair, type, message } of REFUSED_KEYS) {
    const priv = write(
      tmp.path,
      "priv.pem",
      pair.privateKey.export({ type: type as "pkcs8" | "sec1", format: "pem" }) as string,
    );
    const pub = write(
      tmp.path,
      "pub.pem",
      pair.publicKey.export({ type: "spki", format: "pem" }) as string,
    );
    assert.equal(keyError(() => loadPrivateKey(priv)).message, message);
    assert.equal(keyError(() => loadPublicKey(pub)).message, message);
  }
});

Deno.test("hint of the golden public key (text preamble in the file) is e8450dec…3f8e", () => {
  const pub = loadPublicKey(nodePath.join(CERT_KEYS, "signing-key-pub.pem"));
  assert.equal(publicKeyHint(pub), GOLDEN_HINT);
  // The same hint from the SEC1 private key (also behind a preamble).
  const priv = loadPrivateKey(nodePath.join(CERT_KEYS, "signing-key.pem"));
  assert.equal(publicKeyHint(priv), GOLDEN_HINT);
  // …and from the public key in the golden leaf certificate.
  const cert = Deno.readTextFileSync(nodePath.join(CERT_KEYS, "signing-key-cert.pem"));
  assert.equal(publicKeyHint(createPublicKey(cert)), GOLDEN_HINT);
});

Deno.test("canonical PEM: 64-column lines, final newline, whatever the file looked like", () => {
  const pub = loadPublicKey(nodePath.join(CERT_KEYS, "signing-key-pub.pem"));
  const pem = canonicalPublicKeyPem(pub);
  const lines = pem.split("\n");
  assert.equal(lines[0], "-----BEGIN PUBLIC KEY-----");
  assert.equal(lines.at(-2), "-----END PUBLIC KEY-----");
  assert.equal(lines.at(-1), "");
  const body = lines.slice(1, -2);
  assert.ok(body.slice(0, -1).every((l) => l.length === 64));
  assert.ok(body.at(-1)!.length <= 64);
  // Same text as OpenSSL's SPKI PEM export.
  assert.equal(pem, pub.export({ type: "spki", format: "pem" }));
});

Deno.test("samePublicKey compares private and public halves", () => {
  const a = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const b = generateKeyPairSync("ec", { namedCurve: "P-256" });
  assert.ok(samePublicKey(a.privateKey, a.publicKey));
  assert.ok(!samePublicKey(a.privateKey, b.publicKey));
});
