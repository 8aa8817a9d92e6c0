// Sign a model with an EC key through the library, verify it back, and check our signature
// independently with OpenSSL (docs/format.md §3, §4.2, §5.2).
import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import * as nodePath from "node:path";
import { KeyError, ManifestMismatchError, PayloadError } from "../../src/errors.ts";
import { Manifest } from "../../src/manifest/manifest.ts";
import { HashingConfig } from "../../src/api/hashing_config.ts";
import { publicKeyHint } from "../../src/crypto/ec_keys.ts";
import { SigningConfig } from "../../src/api/signing_config.ts";
import { fromBase64 } from "../../src/util/encoding.ts";
import { pae } from "../../src/format/dsse.ts";
import { VerifyingConfig } from "../../src/api/verifying_config.ts";
import { CERT_KEYS } from "../certs.ts";
import { tempDir } from "../fixtures.ts";
import { privateKeyForms, writeKeyPair } from "../helpers.ts";

const CURVES = [
  { curve: "P-256", digest: "-sha256" },
  { curve: "P-384", digest: "-sha384" },
  { curve: "P-521", digest: "-sha512" },
] as const;

/** A small model: two files and a sub-directory. */
function writeModel(parent: string): string {
  const model = nodePath.join(parent, "model");
  Deno.mkdirSync(nodePath.join(model, "sub"), { recursive: true });
  Deno.writeTextFileSync(nodePath.join(model, "weights.bin"), "0123456789".repeat(100));
  Deno.writeTextFileSync(nodePath.join(model, "sub", "config.json"), '{"layers": 2}');
  return model;
}

function write(path: string, text: string): string {
  Deno.writeTextFileSync(path, text);
  return path;
}

async function openssl(args: string[]): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command("openssl", { args, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

for (const { curve, digest } of CURVES) {
  Deno.test(`${curve}: each key file form signs, and the public key verifies`, async () => {
    using tmp = tempDir();
    const model = writeModel(tmp.path);
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
    const pub = write(
      nodePath.join(tmp.path, "pub.pem"),
      publicKey.export({ type: "spki", format: "pem" }) as string,
    );
    for (const { form, pem, password } of privateKeyForms(privateKey)) {
      const key = write(nodePath.join(tmp.path, "key.pem"), pem);
      const sig = nodePath.join(tmp.path, "model.sig");
      const signed = await new SigningConfig()
        .useEllipticKeySigner({ privateKey: key, password })
        .sign(model, sig);
      assert.deepEqual(signed.resourceDescriptors().map((r) => r.name), [
        "sub/config.json",
        "weights.bin",
      ]);
      const bundle = JSON.parse(Deno.readTextFileSync(sig));
      assert.equal(bundle.verificationMaterial.publicKey.hint, publicKeyHint(publicKey), form);
      const verified = await new VerifyingConfig()
        .useEllipticKeyVerifier({ publicKey: pub })
        .verify(model, sig);
      assert.equal(verified.modelName, "model", form);
      assert.deepEqual([...verified.items.keys()], ["sub/config.json", "weights.bin"], form);
    }
  });

  Deno.test(`${curve}: OpenSSL verifies our DER signature over the PAE with ${digest}`, async () => {
    using tmp = tempDir();
    const model = writeModel(tmp.path);
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
    const key = write(
      nodePath.join(tmp.path, "key.pem"),
      privateKey.export({ type: "sec1", format: "pem" }) as string,
    );
    const sig = nodePath.join(tmp.path, "model.sig");
    await new SigningConfig().useEllipticKeySigner({ privateKey: key }).sign(model, sig);
    const env = JSON.parse(Deno.readTextFileSync(sig)).dsseEnvelope;
    const pub = write(
      nodePath.join(tmp.path, "pub.pem"),
      publicKey.export({ type: "spki", format: "pem" }) as string,
    );
    const paeBin = nodePath.join(tmp.path, "pae.bin");
    const sigDer = nodePath.join(tmp.path, "sig.der");
    Deno.writeFileSync(paeBin, pae(env.payloadType, fromBase64(env.payload)!));
    Deno.writeFileSync(sigDer, fromBase64(env.signatures[0].sig)!);
    const args = ["dgst", digest, "-verify", pub, "-signature", sigDer, paeBin];
    const good = await openssl(args);
    assert.equal(good.code, 0, good.output);
    assert.match(good.output, /Verified OK/);
    // The signature covers the PAE, not the bare payload.
    Deno.writeFileSync(paeBin, fromBase64(env.payload)!);
    const bare = await openssl(args);
    assert.notEqual(bare.code, 0, bare.output);
  });
}

Deno.test("a changed file after signing fails verification with the file named", async () => {
  using tmp = tempDir();
  const model = writeModel(tmp.path);
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const key = write(
    nodePath.join(tmp.path, "k.pem"),
    privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  );
  const pub = write(
    nodePath.join(tmp.path, "p.pem"),
    publicKey.export({ type: "spki", format: "pem" }) as string,
  );
  const sig = nodePath.join(tmp.path, "model.sig");
  await new SigningConfig().useEllipticKeySigner({ privateKey: key }).sign(model, sig);
  Deno.writeTextFileSync(nodePath.join(model, "sub", "config.json"), '{"layers": 3}');
  await assert.rejects(
    () => new VerifyingConfig().useEllipticKeyVerifier({ publicKey: pub }).verify(model, sig),
    (e) =>
      e instanceof ManifestMismatchError && /Hash mismatch for 'sub\/config.json'/.test(e.message),
  );
});

Deno.test("the public key of another key pair is a key mismatch", async () => {
  using tmp = tempDir();
  const model = writeModel(tmp.path);
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const other = generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey;
  const key = write(
    nodePath.join(tmp.path, "k.pem"),
    privateKey.export({ type: "sec1", format: "pem" }) as string,
  );
  const pub = write(
    nodePath.join(tmp.path, "p.pem"),
    other.export({ type: "spki", format: "pem" }) as string,
  );
  const sig = nodePath.join(tmp.path, "model.sig");
  await new SigningConfig().useEllipticKeySigner({ privateKey: key }).sign(model, sig);
  await assert.rejects(
    () => new VerifyingConfig().useEllipticKeyVerifier({ publicKey: pub }).verify(model, sig),
    KeyError,
    "Key mismatch: The public key hash in the signature's verification material does not match the provided public key. ",
  );
});

Deno.test("the golden key signs with hint e8450dec…3f8e and its public key verifies", async () => {
  using tmp = tempDir();
  const model = writeModel(tmp.path);
  const sig = nodePath.join(tmp.path, "model.sig");
  await new SigningConfig()
    .setHashingConfig(new HashingConfig().useFileSerialization({ hashingAlgorithm: "blake2b" }))
    .useEllipticKeySigner({ privateKey: nodePath.join(CERT_KEYS, "signing-key.pem") })
    .sign(model, sig);
  const bundle = JSON.parse(Deno.readTextFileSync(sig));
  assert.equal(
    bundle.verificationMaterial.publicKey.hint,
    "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e",
  );
  const verified = await new VerifyingConfig()
    .useEllipticKeyVerifier({ publicKey: nodePath.join(CERT_KEYS, "signing-key-pub.pem") })
    .verify(model, sig);
  assert.deepEqual(verified.serialization, { method: "files", hashType: "blake2b" });
});

Deno.test("RSA, Ed25519 and secp256k1 private keys are refused with the §3 messages", () => {
  using tmp = tempDir();
  const cases: [KeyObject, string][] = [
    [
      generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey,
      "Only elliptic curve keys are supported",
    ],
    [generateKeyPairSync("ed25519").privateKey, "Only elliptic curve keys are supported"],
    [
      generateKeyPairSync("ec", { namedCurve: "secp256k1" }).privateKey,
      "Unsupported key for curve 'secp256k1'",
    ],
  ];
  for (const [key, message] of cases) {
    const path = write(
      nodePath.join(tmp.path, "k.pem"),
      key.export({ type: "pkcs8", format: "pem" }) as string,
    );
    assert.throws(
      () => new SigningConfig().useEllipticKeySigner({ privateKey: path }),
      (e) => e instanceof KeyError && e.message === message,
    );
  }
});

Deno.test("signManifest refuses a manifest no verifier would accept, and writes nothing", async () => {
  using tmp = tempDir();
  const { key } = writeKeyPair(tmp.path);
  const files = {
    method: "files",
    hashType: "sha256",
    allowSymlinks: false,
    ignorePaths: [],
  } as const;
  const item = (path: string, digest = new Uint8Array(32)) => ({
    path,
    algorithm: "sha256",
    digest,
  });
  const cases: [string, ReturnType<typeof item>[], RegExp][] = [
    ["a name leaving the model", [item("../x")], /could point outside the model/],
    ["a name twice", [item("a"), item("a")], /appears twice/],
    ["a digest of the wrong size", [item("a", new Uint8Array(3))], /3-byte digest/],
  ];
  const out = nodePath.join(tmp.path, "m.sig");
  for (const [what, items, says] of cases) {
    const manifest = new Manifest("m", items, files);
    await assert.rejects(
      new SigningConfig().useEllipticKeySigner({ privateKey: key }).signManifest(manifest, out),
      (e) =>
        e instanceof PayloadError &&
        /^Refusing to sign a manifest that no verifier would accept: /.test(e.message) &&
        says.test(e.message),
      what,
    );
    assert.throws(() => Deno.statSync(out), Deno.errors.NotFound, what);
  }
});
