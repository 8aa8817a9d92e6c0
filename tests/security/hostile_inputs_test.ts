// Hostile inputs, part 2 (issue 17): empty statements (item 3), file content never echoed in
// errors (item 5), one backslash rule for sign and verify (item 6).
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { ManifestMismatchError, PayloadError } from "../../src/errors.ts";
import { readTrustConfig } from "../../src/methods/sigstore/trust.ts";
import { readSignatureFile } from "../../src/api/pipeline.ts";
import { runCli } from "../cli.ts";
import { tempDir } from "../fixtures.ts";
import { ecKeyPair, rejection } from "../helpers.ts";
import {
  RecordingEngine,
  type Resource,
  sha256Hex,
  signStatement,
  statementJson,
  verifyBundle,
} from "./helpers.ts";

const { privateKey, publicKey } = ecKeyPair();
const POSIX = Deno.build.os !== "windows";

const files = (serialization: Record<string, unknown>) => ({
  serialization: { method: "files", hash_type: "sha256", allow_symlinks: false, ...serialization },
});

function model(parent: string): string {
  const dir = nodePath.join(parent, "model");
  Deno.mkdirSync(dir);
  Deno.writeTextFileSync(nodePath.join(dir, "w.bin"), "weights");
  return dir;
}

for (const ignore of [undefined, ["."], [""], ["./"], ["sub/.."]]) {
  for (const ignoreUnsignedFiles of [false, true]) {
    Deno.test(`a validly signed empty statement never verifies (ignore_paths ${JSON.stringify(ignore)}, ignore unsigned: ${ignoreUnsignedFiles})`, async () => {
      using dir = tempDir();
      const engine = new RecordingEngine();
      const statement = statementJson([], files(ignore ? { ignore_paths: ignore } : {}));
      const e = await rejection(() =>
        verifyBundle(model(dir.path), signStatement(privateKey, statement), publicKey, {
          ignoreUnsignedFiles,
          engine,
        })
      );
      assert.ok(e instanceof PayloadError, `${e.name}: ${e.message}`);
      assert.match(e.field, /^predicate\.(resources|serialization\.ignore_paths)$/);
      assert.deepEqual(engine.paths, [], "nothing may be hashed");
    });
  }
}

Deno.test("a signed ignore path naming the model root is refused even with resources", async () => {
  using dir = tempDir();
  const m = model(dir.path);
  const resources: Resource[] = [{
    name: "w.bin",
    algorithm: "sha256",
    digest: sha256Hex("weights"),
  }];
  for (const root of [".", "", "./", "a/../", "//"]) {
    const statement = statementJson(resources, files({ ignore_paths: ["model.sig", root] }));
    const e = await rejection(() =>
      verifyBundle(m, signStatement(privateKey, statement), publicKey)
    );
    assert.ok(e instanceof PayloadError, `${JSON.stringify(root)}: ${e.message}`);
    assert.equal(e.field, "predicate.serialization.ignore_paths");
    assert.match(e.message, /names the model root/);
  }
  // The same statement without the root entry verifies: the refusal is about that entry alone.
  const honest = statementJson(resources, files({ ignore_paths: ["model.sig"] }));
  await verifyBundle(m, signStatement(privateKey, honest), publicKey);
});

Deno.test("an empty statement is refused through the CLI too: one line, exit 1", async () => {
  using dir = tempDir();
  const m = model(dir.path);
  const sig = nodePath.join(dir.path, "empty.sig");
  const pub = nodePath.join(dir.path, "pub.pem");
  Deno.writeTextFileSync(pub, publicKey.export({ type: "spki", format: "pem" }) as string);
  const bundle = signStatement(privateKey, statementJson([], files({ ignore_paths: ["."] })));
  Deno.writeTextFileSync(sig, JSON.stringify(bundle));
  const r = await runCli(["verify", "key", "--signature", sig, "--public-key", pub, m]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /ignore path '\.'.*model root|lists no file/);
});

const SECRET = "Pa55w0rd!xyz";

Deno.test("trust config and signature JSON errors never quote the file: name, position, reason", async () => {
  using dir = tempDir();
  const cases: [string, RegExp][] = [
    [SECRET, /an unexpected character/],
    [`${SECRET}\n`.repeat(50), /an unexpected character/],
    [`{"trustedRoot": {"a": ${SECRET}}}`, /an unexpected character|at line 1, column \d+/],
    [`{"trustedRoot": "${SECRET}" "x"}`, /at line 1, column \d+/],
    [`{"k": "${SECRET}"`, /at line 1, column \d+|ends before/],
    ["", /ends before the JSON value/],
  ];
  for (const [i, [text, reason]] of cases.entries()) {
    const path = nodePath.join(dir.path, `f${i}.json`);
    Deno.writeTextFileSync(path, text);
    for (const read of [readTrustConfig, readSignatureFile]) {
      const e = await rejection(() => read(path));
      assert.ok(!e.message.includes("Pa55"), `${read.name} quoted the file: ${e.message}`);
      assert.ok(!e.message.includes('"'), `${read.name} quoted the file: ${e.message}`);
      assert.ok(e.message.includes(path), e.message);
      assert.match(e.message, reason, `${read.name}: ${e.message}`);
    }
  }
  // Through the CLI, as the issue found it.
  const path = nodePath.join(dir.path, "password.txt");
  Deno.writeTextFileSync(path, SECRET);
  const r = await runCli([
    "verify",
    "sigstore",
    "--identity",
    "a@example.com",
    "--identity-provider",
    "https://issuer.example",
    "--trust-config",
    path,
    "--signature",
    path,
    dir.path,
  ]);
  assert.equal(r.code, 1);
  assert.ok(!r.stderr.includes("Pa55"), r.stderr);
});

Deno.test(
  "backslash: what sign writes, verify accepts on the same system",
  { ignore: !POSIX },
  async () => {
    using dir = tempDir();
    const m = model(dir.path);
    Deno.writeTextFileSync(nodePath.join(m, "a\\b"), "a backslash is a name character on POSIX");
    const key = nodePath.join(dir.path, "key.pem");
    const pub = nodePath.join(dir.path, "pub.pem");
    Deno.writeTextFileSync(key, privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    Deno.writeTextFileSync(pub, publicKey.export({ type: "spki", format: "pem" }) as string);
    const sig = nodePath.join(dir.path, "model.sig");
    const signed = await runCli(["sign", "key", "--private-key", key, "--signature", sig, m]);
    assert.equal(signed.code, 0, signed.stderr);
    const verified = await runCli(["verify", "key", "--signature", sig, "--public-key", pub, m]);
    assert.equal(verified.code, 0, verified.stderr);
  },
);

Deno.test(
  "backslash on POSIX: a signed '..\\outside\\secret' is a name inside the model, never a path out",
  { ignore: !POSIX },
  async () => {
    using dir = tempDir();
    const m = model(dir.path);
    Deno.mkdirSync(nodePath.join(dir.path, "outside"));
    Deno.writeTextFileSync(nodePath.join(dir.path, "outside", "secret"), "secret");
    const name = "..\\outside\\secret";
    const resources: Resource[] = [
      { name, algorithm: "sha256", digest: sha256Hex("secret") },
      { name: "w.bin", algorithm: "sha256", digest: sha256Hex("weights") },
    ];
    for (const ignoreUnsignedFiles of [false, true]) {
      const engine = new RecordingEngine();
      const e = await rejection(() =>
        verifyBundle(m, signStatement(privateKey, statementJson(resources)), publicKey, {
          ignoreUnsignedFiles,
          engine,
        })
      );
      assert.ok(e.message.includes(name), e.message);
      if (!ignoreUnsignedFiles) assert.ok(e instanceof ManifestMismatchError, e.message);
      assert.ok(engine.paths.every((p) => !p.includes("outside/secret")), engine.paths.join());
    }
  },
);

/** A key pair on disk for CLI signing; returns the private and public key paths. */
function keyFiles(dir: string): { key: string; pub: string } {
  const key = nodePath.join(dir, "key.pem");
  const pub = nodePath.join(dir, "pub.pem");
  Deno.writeTextFileSync(key, privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  Deno.writeTextFileSync(pub, publicKey.export({ type: "spki", format: "pem" }) as string);
  return { key, pub };
}

/** Names in `dir` (not recursive), sorted. */
const listing = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("sign refuses --signature naming a model file that is not a signature; nothing is written", async () => {
  using dir = tempDir();
  const m = model(dir.path);
  const { key } = keyFiles(dir.path);
  const target = nodePath.join(m, "w.bin");
  const r = await runCli(["sign", "key", "--private-key", key, "--signature", target, m]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
  assert.match(
    r.stderr,
    /Refusing to write signature '.*w\.bin': it is a file of the model, not a signature/,
  );
  assert.equal(Deno.readTextFileSync(target), "weights");
  assert.deepEqual(listing(m), ["w.bin"]);
});

Deno.test("sign refuses --signature naming an input outside the model (the private key), or a folder; nothing is written", async () => {
  using dir = tempDir();
  const m = model(dir.path);
  const { key } = keyFiles(dir.path);
  const pem = Deno.readTextFileSync(key);
  const r = await runCli(["sign", "key", "--private-key", key, "--signature", key, m]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /^Signing failed with error: Refusing to write signature '.*key\.pem': it exists and is not a signature/,
  );
  assert.equal(Deno.readTextFileSync(key), pem);
  const folder = nodePath.join(dir.path, "nodir") + "/";
  const f = await runCli(["sign", "key", "--private-key", key, "--signature", folder, m]);
  assert.equal(f.code, 1, f.stderr);
  assert.match(f.stderr, /Refusing to write signature '.*nodir\/': it names a folder/);
  assert.deepEqual(listing(dir.path), ["key.pem", "model", "pub.pem"]);
  // An empty file (a placeholder, e.g. from mktemp) may be written over.
  const empty = nodePath.join(dir.path, "empty.sig");
  Deno.writeTextFileSync(empty, "");
  const e = await runCli(["sign", "key", "--private-key", key, "--signature", empty, m]);
  assert.equal(e.code, 0, e.stderr);
  assert.ok(Deno.readTextFileSync(empty).startsWith('{"mediaType"'));
});

Deno.test("sign replaces an existing signature inside the model (re-signing)", async () => {
  using dir = tempDir();
  const m = model(dir.path);
  const { key, pub } = keyFiles(dir.path);
  const sig = nodePath.join(m, "model.sig");
  for (let i = 0; i < 2; i++) {
    const r = await runCli(["sign", "key", "--private-key", key, "--signature", sig, m]);
    assert.equal(r.code, 0, r.stderr);
  }
  const v = await runCli(["verify", "key", "--signature", sig, "--public-key", pub, m]);
  assert.equal(v.code, 0, v.stderr);
  assert.deepEqual(listing(m), ["model.sig", "w.bin"]);
});

Deno.test("sign refuses a --signature path that is a symlink (inside, dangling, outside; with and without --allow-symlinks)", async () => {
  using dir = tempDir();
  const m = model(dir.path);
  const { key } = keyFiles(dir.path);
  const elsewhere = nodePath.join(dir.path, "elsewhere.sig");
  Deno.writeTextFileSync(elsewhere, "not mine");
  const links = [
    [nodePath.join(m, "model.sig"), elsewhere],
    [nodePath.join(m, "dangling.sig"), nodePath.join(dir.path, "nowhere")],
    [nodePath.join(dir.path, "out.sig"), elsewhere],
  ];
  for (const [link, target] of links) Deno.symlinkSync(target, link);
  for (const [link, target] of links) {
    for (const flags of [[], ["--allow-symlinks"]]) {
      const r = await runCli([
        "sign",
        "key",
        "--private-key",
        key,
        "--signature",
        link,
        ...flags,
        m,
      ]);
      const what = `${link} ${flags.join(" ")}`;
      assert.equal(r.code, 1, `${what}: ${r.stderr}`);
      assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /Refusing to write signature '.*': it is a symlink/, what);
      assert.doesNotMatch(r.stderr, /allow_symlinks/, what);
      assert.equal(Deno.readLinkSync(link), target, `${what}: the link was replaced`);
    }
  }
  assert.equal(Deno.readTextFileSync(elsewhere), "not mine");
  assert.ok(listing(m).every((n) => !n.endsWith(".tmp")), listing(m).join());
});
