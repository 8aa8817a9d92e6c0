// Incremental re-signing through the library: the certificate method's own verifier, the shards
// size rule, a changed serialization, and a method with no own verifier.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { HashingConfig, ManifestMismatchError, SigningConfig, VerifyingConfig } from "../../mod.ts";
import { ConfigError, SignatureError } from "../../src/errors.ts";
import { mintLeaf } from "../certs.ts";
import { nextStatusChangeSecond, tempDir } from "../fixtures.ts";
import { writeKeyPair } from "../helpers.ts";

async function certificateSetup(dir: string) {
  const minted = await mintLeaf();
  const key = nodePath.join(dir, `key-${crypto.randomUUID()}.pem`);
  Deno.writeTextFileSync(key, minted.privateKeyPem);
  const cert = nodePath.join(dir, `cert-${crypto.randomUUID()}.pem`);
  Deno.writeTextFileSync(cert, minted.certPem);
  return { key, cert };
}

function model(dir: string): string {
  const m = nodePath.join(dir, "model");
  Deno.mkdirSync(m);
  Deno.writeTextFileSync(nodePath.join(m, "a.bin"), "a".repeat(250));
  Deno.writeTextFileSync(nodePath.join(m, "b.bin"), "b".repeat(100));
  const past = new Date(Date.now() - 60_000);
  for (const f of ["a.bin", "b.bin"]) Deno.utimeSync(nodePath.join(m, f), past, past);
  return m;
}

/** New content with the modification time set back a minute, as `cp -p` or `rsync -a` leave it. */
function rewriteKeepingOldTime(file: string, content: string): void {
  Deno.writeTextFileSync(file, content);
  const past = new Date(Date.now() - 60_000);
  Deno.utimeSync(file, past, past);
}

/** Signs `m` into `out` with `key`, reusing the digests of `old`. */
function resign(key: string, old: string, m: string, out: string) {
  return new SigningConfig().useEllipticKeySigner({ privateKey: key })
    .reuseSignature({ signature: old }).signDetailed(m, out);
}

Deno.test("certificate: reuse accepts the same certificate's signature and refuses another's", async () => {
  using tmp = tempDir();
  const m = model(tmp.path);
  await nextStatusChangeSecond();
  const mine = await certificateSetup(tmp.path);
  const other = await certificateSetup(tmp.path);
  const old = nodePath.join(tmp.path, "old.sig");
  const signer = (c: { key: string; cert: string }) =>
    new SigningConfig().useCertificateSigner({ privateKey: c.key, signingCertificate: c.cert });
  await (await signer(mine)).sign(m, old);
  const out = nodePath.join(tmp.path, "new.sig");
  const result = await (await signer(mine)).reuseSignature({ signature: old }).signDetailed(m, out);
  assert.deepEqual(result.reuse, {
    filesReused: 2,
    bytesReused: 350,
    filesHashed: 0,
    bytesHashed: 0,
  });
  assert.match(result.signer!.subject!, /CN=/);
  await assert.rejects(
    async () => await (await signer(other)).reuseSignature({ signature: old }).sign(m, out),
    (e) => e instanceof SignatureError && /Refusing to reuse/.test(e.message),
  );
});

Deno.test("shards: a file whose size differs from its last signed shard is hashed again", async () => {
  using tmp = tempDir();
  const m = model(tmp.path);
  await nextStatusChangeSecond();
  const { key } = writeKeyPair(tmp.path);
  const old = nodePath.join(tmp.path, "old.sig");
  const sharded = new HashingConfig().useShardSerialization({ shardSize: 100 });
  await new SigningConfig().setHashingConfig(sharded).useEllipticKeySigner({ privateKey: key })
    .sign(m, old);
  rewriteKeepingOldTime(nodePath.join(m, "b.bin"), "b".repeat(150));
  const out = nodePath.join(tmp.path, "new.sig");
  const r = await resign(key, old, m, out);
  assert.deepEqual(r.reuse, { filesReused: 1, bytesReused: 250, filesHashed: 1, bytesHashed: 150 });
  assert.equal(r.manifest.serialization.method, "shards");
  // A new serialization that differs from the old one hashes everything.
  const blake = new HashingConfig().useFileSerialization({ hashingAlgorithm: "blake2b" });
  const all = await new SigningConfig().setHashingConfig(blake)
    .useEllipticKeySigner({ privateKey: key })
    .reuseSignature({ signature: old, adoptSerialization: false }).signDetailed(m, out);
  assert.equal(all.reuse!.filesReused, 0);
  assert.equal(all.reuse!.filesHashed, 2);
});

Deno.test("files: new content under an old modification time (cp -p, rsync -a) is hashed again", async () => {
  using tmp = tempDir();
  const m = model(tmp.path);
  await nextStatusChangeSecond();
  const { key, pub } = writeKeyPair(tmp.path);
  const old = nodePath.join(tmp.path, "old.sig");
  await new SigningConfig().useEllipticKeySigner({ privateKey: key }).sign(m, old);
  rewriteKeepingOldTime(nodePath.join(m, "b.bin"), "c".repeat(400));
  const out = nodePath.join(tmp.path, "new.sig");
  const r = await resign(key, old, m, out);
  assert.deepEqual(r.reuse, { filesReused: 1, bytesReused: 250, filesHashed: 1, bytesHashed: 400 });
  await new VerifyingConfig().useEllipticKeyVerifier({ publicKey: pub }).verify(m, out);
});

Deno.test("a signer with no own verifier needs one named", async () => {
  using tmp = tempDir();
  const m = model(tmp.path);
  const bare = { sign: () => Promise.resolve({}) };
  await assert.rejects(
    () =>
      new SigningConfig().useSigner(bare).reuseSignature({ signature: "x.sig" }).sign(m, "y.sig"),
    ConfigError,
  );
});

Deno.test("library --only: setOnly checks the chosen files and reports counts", async () => {
  using tmp = tempDir();
  const m = model(tmp.path);
  await nextStatusChangeSecond();
  const { generateKeyPairSync } = await import("node:crypto");
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const key = nodePath.join(tmp.path, "k.pem");
  Deno.writeTextFileSync(key, pair.privateKey.export({ type: "sec1", format: "pem" }) as string);
  const pub = nodePath.join(tmp.path, "k.pub");
  Deno.writeTextFileSync(pub, pair.publicKey.export({ type: "spki", format: "pem" }) as string);
  const sig = nodePath.join(tmp.path, "m.sig");
  await new SigningConfig().useEllipticKeySigner({ privateKey: key }).sign(m, sig);
  Deno.writeTextFileSync(nodePath.join(m, "b.bin"), "tampered");
  const r = await new VerifyingConfig().useEllipticKeyVerifier({ publicKey: pub }).setOnly([
    "a.bin",
  ])
    .verifyDetailed(m, sig);
  assert.equal(r.filesChecked, 1);
  assert.equal(r.filesSigned, 2);
  await assert.rejects(
    () => new VerifyingConfig().useEllipticKeyVerifier({ publicKey: pub }).verify(m, sig),
    ManifestMismatchError,
  );
});
