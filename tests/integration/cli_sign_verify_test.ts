// `sign` and `verify` with keys and certificates through the command line (docs/format.md §7.1):
// outputs, exit codes, option spellings, where the signature goes and that it is never hashed,
// recorded hashing methods, and that a failed signing never leaves or damages a signature file.
// In-process through run(); a child process only where the working directory matters.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import * as nodePath from "node:path";
import { CERT_KEYS, mintLeaf, writePemFile } from "../certs.ts";
import { type CliResult, runCli, runInProcess, signKeyArgs, verifyKeyArgs } from "../cli.ts";
import { tempDir } from "../fixtures.ts";
import { ecKeyPair, publicKeyPem, writeKeyPair } from "../helpers.ts";

/** A model folder with two files and a key pair beside it. */
function setup(root: string) {
  const model = nodePath.join(root, "model");
  Deno.mkdirSync(nodePath.join(model, "sub"), { recursive: true });
  Deno.writeTextFileSync(nodePath.join(model, "weights.bin"), "w".repeat(5000));
  Deno.writeTextFileSync(nodePath.join(model, "sub", "config.json"), "{}");
  const { key, pub } = writeKeyPair(root);
  return { model, key, pub, sig: nodePath.join(root, "model.sig") };
}

/** The resource names a signature file promises. */
function signedNames(signature: string): string[] {
  const bundle = JSON.parse(Deno.readTextFileSync(signature));
  const statement = JSON.parse(atob(bundle.dsseEnvelope.payload));
  return statement.predicate.resources.map((r: { name: string }) => r.name);
}

function assertSigned(r: CliResult): void {
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "Signing succeeded\n");
}

function assertVerified(r: CliResult): void {
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "Verification succeeded\n");
}

function assertFailure(r: CliResult, prefix: string, says: RegExp): void {
  assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].startsWith(`${prefix}: `), lines[0]);
  assert.match(lines[0], says);
}

function assertUsageError(r: CliResult, says: RegExp): void {
  assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /^Usage: model_signing/);
  assert.match(r.stderr, says);
}

Deno.test("sign key then verify key: the success lines on stdout, exit 0", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  assertSigned(
    await runInProcess(signKeyArgs(s.key, s.sig, s.model)),
  );
  assert.deepEqual(signedNames(s.sig), ["sub/config.json", "weights.bin"]);
  assertVerified(
    await runInProcess(verifyKeyArgs(s.pub, s.sig, s.model)),
  );
});

Deno.test("default --signature is model.sig in the cwd, left out of the hashing", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  // Signing from inside the model: model.sig lands in the model and is not signed.
  assertSigned(await runCli(["sign", "key", "--private-key", s.key, "."], { cwd: s.model }));
  const sig = nodePath.join(s.model, "model.sig");
  assert.deepEqual(signedNames(sig), ["sub/config.json", "weights.bin"]);
  assertVerified(
    await runCli(verifyKeyArgs(s.pub, "model.sig", "."), {
      cwd: s.model,
    }),
  );
  // Signing from outside writes model.sig into the cwd, not into the model.
  using other = tempDir();
  assertSigned(await runCli(["sign", "key", "--private-key", s.key, s.model], { cwd: other.path }));
  assert.ok(Deno.statSync(nodePath.join(other.path, "model.sig")).isFile);
});

Deno.test("a --signature inside the model is left out of the hashing and of verification", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  const sig = nodePath.join(s.model, "sub", "signature.json");
  assertSigned(
    await runInProcess(signKeyArgs(s.key, sig, s.model)),
  );
  assert.deepEqual(signedNames(sig), ["sub/config.json", "weights.bin"]);
  assertVerified(
    await runInProcess(verifyKeyArgs(s.pub, sig, s.model)),
  );
});

Deno.test("underscore spellings of options are accepted", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  Deno.writeTextFileSync(nodePath.join(s.model, "skip.txt"), "not signed");
  const skip = nodePath.join(s.model, "skip.txt");
  assertSigned(
    await runInProcess([
      "sign",
      "key",
      "--private_key",
      s.key,
      "--ignore_paths",
      skip,
      "--signature",
      s.sig,
      s.model,
    ]),
  );
  assert.deepEqual(signedNames(s.sig), ["sub/config.json", "weights.bin"]);
  assertVerified(
    await runInProcess([
      "verify",
      "key",
      "--public_key",
      s.pub,
      "--signature",
      s.sig,
      "--ignore_unsigned_files",
      s.model,
    ]),
  );

  const leaf = await mintLeaf();
  const leafKey = nodePath.join(tmp.path, "leaf-key.pem");
  Deno.writeTextFileSync(leafKey, leaf.privateKeyPem);
  const leafCert = writePemFile(tmp.path, "leaf.pem", leaf.certDer);
  const chain = writePemFile(tmp.path, "chain.pem", ...leaf.chain);
  assertSigned(
    await runInProcess([
      "sign",
      "certificate",
      "--private_key",
      leafKey,
      "--signing_certificate",
      leafCert,
      "--certificate_chain",
      chain,
      "--signature",
      s.sig,
      s.model,
    ]),
  );
  assertVerified(
    await runInProcess([
      "verify",
      "certificate",
      "--certificate_chain",
      nodePath.join(CERT_KEYS, "ca-cert.pem"),
      "--log_fingerprints",
      "--signature",
      s.sig,
      s.model,
    ]),
  );
});

Deno.test("usage errors exit 2: missing --signature, no arguments, missing --private-key", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  assertUsageError(
    await runInProcess(["verify", "key", "--public-key", s.pub, s.model]),
    /Missing option '--signature'/,
  );
  assertUsageError(await runInProcess(["sign"]), /Error: /);
  assertUsageError(await runInProcess(["verify"]), /Error: /);
  assertUsageError(await runInProcess(["sign", "key", s.model]), /Missing option '--private-key'/);
  assertUsageError(
    await runInProcess(["sign", "certificate", "--private-key", s.key, s.model]),
    /Missing option '--signing-certificate'/,
  );
  assertUsageError(
    await runInProcess(["verify", "key", "--signature", s.sig, s.model]),
    /Missing option '--public-key'/,
  );
  assert.throws(() => Deno.statSync(s.sig), Deno.errors.NotFound);
});

Deno.test("verify pkcs11-key/-certificate exit 2 and point at verify key/certificate", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  for (const [word, instead] of [["pkcs11-key", "key"], ["pkcs11-certificate", "certificate"]]) {
    // Also with the other method's options, which are not this one's.
    for (const extra of [[], ["--public-key", s.pub], ["--certificate-chain", s.pub]]) {
      assertUsageError(
        await runInProcess(["verify", word, "--signature", s.sig, ...extra, s.model]),
        new RegExp(`Verify a PKCS #11 signature with 'model_signing verify ${instead}'\\.`),
      );
    }
  }
});

const RECORDED_METHODS: { options: string[]; hashType: string }[] = [
  { options: ["--hash-algorithm", "blake2b"], hashType: "blake2b" },
  { options: ["--hash-algorithm", "blake3"], hashType: "blake3" },
  { options: ["--shard-size", "1000"], hashType: "sha256" },
  { options: ["--hash-algorithm", "blake2b", "--shard-size", "64"], hashType: "blake2b" },
];

for (const { options, hashType } of RECORDED_METHODS) {
  const what = options.join(" ");
  Deno.test(`a signature made with ${what} verifies without repeating the option`, async () => {
    using tmp = tempDir();
    const s = setup(tmp.path);
    assertSigned(
      await runInProcess([
        "sign",
        "key",
        "--private-key",
        s.key,
        ...options,
        "--signature",
        s.sig,
        s.model,
      ]),
    );
    const statement = JSON.parse(
      atob(JSON.parse(Deno.readTextFileSync(s.sig)).dsseEnvelope.payload),
    );
    assert.equal(statement.predicate.serialization.hash_type, hashType);
    assertVerified(
      await runInProcess(verifyKeyArgs(s.pub, s.sig, s.model)),
    );
    // The recorded method is really used: a changed file is still caught.
    Deno.writeTextFileSync(nodePath.join(s.model, "weights.bin"), "w".repeat(4999) + "x");
    assertFailure(
      await runInProcess(verifyKeyArgs(s.pub, s.sig, s.model)),
      "Verification failed with error",
      /Hash mismatch for 'weights\.bin/,
    );
  });
}

Deno.test("--ignore-unsigned-files with a shard signature hashes the signed files only", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  const sign = ["sign", "key", "--private-key", s.key, "--shard-size", "1024"];
  assertSigned(await runInProcess([...sign, "--signature", s.sig, s.model]));
  Deno.writeTextFileSync(nodePath.join(s.model, "unsigned.bin"), "extra");
  const verify = ["verify", "key", "--public-key", s.pub, "--signature", s.sig];
  assertFailure(
    await runInProcess([...verify, s.model]),
    "Verification failed with error",
    /Extra files found in model 'model': unsigned\.bin:0:5/,
  );
  assertVerified(await runInProcess([...verify, "--ignore-unsigned-files", s.model]));
});

Deno.test("a failed signing leaves no file: missing directory, a file where a directory is expected", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  const blocker = nodePath.join(tmp.path, "a-file");
  Deno.writeTextFileSync(blocker, "x");
  for (
    const target of [
      nodePath.join(tmp.path, "no", "such", "dir", "model.sig"),
      nodePath.join(blocker, "model.sig"),
    ]
  ) {
    const r = await runInProcess(signKeyArgs(s.key, target, s.model));
    assertFailure(r, "Signing failed with error", /Cannot write signature/);
    assert.throws(() => Deno.statSync(target));
  }
  assert.equal(Deno.readTextFileSync(blocker), "x");
  // Nothing but what setup made (and the blocker) is in the folder: no temporary files.
  assert.deepEqual(
    [...Deno.readDirSync(tmp.path)].map((e) => e.name).sort(),
    ["a-file", "key.pem", "key.pub", "model"],
  );
});

Deno.test("a failed signing does not touch an existing signature file", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  assert.equal(
    (await runInProcess(["sign", "key", "--private-key", s.key, "--signature", s.sig, s.model]))
      .code,
    0,
  );
  const previous = Deno.readTextFileSync(s.sig);
  const rsa = nodePath.join(tmp.path, "rsa.pem");
  Deno.writeTextFileSync(
    rsa,
    generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    }) as string,
  );
  const failures: [string[], RegExp][] = [
    [
      ["--private-key", rsa, s.model],
      /Only elliptic curve keys are supported \(file '.*rsa\.pem'\)$/,
    ],
    [["--private-key", s.key, nodePath.join(tmp.path, "nope")], /nope/],
  ];
  for (const [args, says] of failures) {
    const r = await runInProcess(["sign", "key", "--signature", s.sig, ...args]);
    assertFailure(r, "Signing failed with error", says);
    assert.equal(Deno.readTextFileSync(s.sig), previous);
  }
  // A directory in the signature's place is not replaced either.
  const dir = nodePath.join(tmp.path, "sigdir");
  Deno.mkdirSync(dir);
  const r = await runInProcess(signKeyArgs(s.key, dir, s.model));
  assertFailure(
    r,
    "Signing failed with error",
    /Refusing to write signature '.*sigdir': it is a directory/,
  );
  assert.ok(Deno.statSync(dir).isDirectory);
});

Deno.test("signing an empty model fails with exit 1 and writes nothing", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  const empty = nodePath.join(tmp.path, "empty");
  Deno.mkdirSync(nodePath.join(empty, "only-dirs"), { recursive: true });
  const r = await runInProcess(signKeyArgs(s.key, s.sig, empty));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Signing failed with error: /);
  assert.throws(() => Deno.statSync(s.sig), Deno.errors.NotFound);
});

Deno.test("the mismatch report names extra, missing and changed files", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  Deno.writeTextFileSync(nodePath.join(s.model, "gone.bin"), "soon removed");
  assertSigned(
    await runInProcess(signKeyArgs(s.key, s.sig, s.model)),
  );
  Deno.removeSync(nodePath.join(s.model, "gone.bin"));
  Deno.writeTextFileSync(nodePath.join(s.model, "new.bin"), "added");
  Deno.writeTextFileSync(nodePath.join(s.model, "sub", "config.json"), "{ }");
  const r = await runInProcess(verifyKeyArgs(s.pub, s.sig, s.model));
  assertFailure(
    r,
    "Verification failed with error",
    /^Verification failed with error: Signature mismatch: /,
  );
  assert.match(r.stderr, /Extra files found in model 'model': new\.bin/);
  assert.match(r.stderr, /Missing files in model 'model': gone\.bin/);
  assert.match(
    r.stderr,
    /Hash mismatch for 'sub\/config\.json': Expected 'sha256:[0-9a-f]{64}', Actual 'sha256:[0-9a-f]{64}'/,
  );
  // --ignore-unsigned-files leaves the extra file out, but not the others.
  const r2 = await runInProcess(verifyKeyArgs(s.pub, s.sig, "--ignore-unsigned-files", s.model));
  assert.equal(r2.code, 1);
  assert.doesNotMatch(r2.stderr, /new\.bin/);
});

Deno.test("a signed file that this verification ignores is reported as present but ignored", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  Deno.writeTextFileSync(nodePath.join(s.model, ".gitattributes"), "* text");
  assertSigned(
    await runInProcess(signKeyArgs(s.key, s.sig, "--no-ignore-git-paths", s.model)),
  );
  const r = await runInProcess(verifyKeyArgs(s.pub, s.sig, s.model));
  assertFailure(
    r,
    "Verification failed with error",
    /Missing files in model 'model': \.gitattributes; of the missing files, present but ignored by this verification: \.gitattributes \(verify with the signer's ignore options, e\.g\. --no-ignore-git-paths\)$/,
  );
  // Really missing, it is only missing.
  Deno.removeSync(nodePath.join(s.model, ".gitattributes"));
  const gone = await runInProcess(verifyKeyArgs(s.pub, s.sig, s.model));
  assertFailure(
    gone,
    "Verification failed with error",
    /Missing files in model 'model': \.gitattributes$/,
  );
});

Deno.test("verification failures exit 1 with one line: wrong key, missing signature file", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  assertSigned(
    await runInProcess(signKeyArgs(s.key, s.sig, s.model)),
  );
  const other = nodePath.join(tmp.path, "other.pem");
  Deno.writeTextFileSync(other, publicKeyPem(ecKeyPair().publicKey));
  assertFailure(
    await runInProcess(verifyKeyArgs(other, s.sig, s.model)),
    "Verification failed with error",
    /Key mismatch/,
  );
  assertFailure(
    await runInProcess(verifyKeyArgs(s.pub, nodePath.join(tmp.path, "absent.sig"), s.model)),
    "Verification failed with error",
    /absent\.sig/,
  );
});
