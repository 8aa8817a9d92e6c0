// Incremental re-signing, partial verification, OCI image manifests and --json through the CLI.
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import * as nodePath from "node:path";
import { runCli, signKeyArgs, verifyKeyArgs } from "../cli.ts";
import { nextStatusChangeSecond, tempDir } from "../fixtures.ts";
import { writeKeyPair } from "../helpers.ts";

function setup(root: string) {
  const model = nodePath.join(root, "model");
  Deno.mkdirSync(nodePath.join(model, "onnx"), { recursive: true });
  Deno.writeTextFileSync(nodePath.join(model, "weights.bin"), "w".repeat(5000));
  Deno.writeTextFileSync(nodePath.join(model, "onnx", "model.onnx"), "o".repeat(3000));
  Deno.writeTextFileSync(nodePath.join(model, "README.md"), "readme");
  const { key, pub } = writeKeyPair(root);
  return { model, key, pub, sig: nodePath.join(root, "model.sig") };
}

/** `sign key` with the setup's key over an OCI manifest (`extra` arguments appended). */
function signKeyOci(s: ReturnType<typeof setup>, manifest: string, ...extra: string[]) {
  return runCli(signKeyArgs(s.key, s.sig, "--oci-manifest", manifest, ...extra));
}

const payloadOf = (sig: string) =>
  atob(JSON.parse(Deno.readTextFileSync(sig)).dsseEnvelope.payload);

/** Sets a file's modification time to `ms` milliseconds before now. */
function age(path: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  Deno.utimeSync(path, t, t);
}

Deno.test("--reuse-signature hashes only the changed file; the result equals a full sign", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  for (const f of ["weights.bin", "onnx/model.onnx", "README.md"]) {
    age(nodePath.join(s.model, f), 60_000);
  }
  await nextStatusChangeSecond();
  const sign = (extra: string[], sig: string) => runCli(signKeyArgs(s.key, sig, ...extra, s.model));
  assert.equal((await sign([], s.sig)).code, 0);
  Deno.writeTextFileSync(nodePath.join(s.model, "README.md"), "new readme");
  Deno.writeTextFileSync(nodePath.join(s.model, "added.txt"), "added");
  const resig = nodePath.join(tmp.path, "new.sig");
  const r = await sign(["--reuse-signature", s.sig], resig);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    "Reused 2 files (8000 bytes), hashed 2 files (15 bytes)\nSigning succeeded\n",
  );
  const full = nodePath.join(tmp.path, "full.sig");
  assert.equal((await sign([], full)).code, 0);
  // Same statement apart from the signature file name recorded as ignored.
  const norm = (p: string) => payloadOf(p).replace(/"(model|new|full)\.sig"/g, '"X"');
  assert.equal(norm(resig), norm(full));
  const v = await runCli(verifyKeyArgs(s.pub, resig, s.model));
  assert.equal(v.code, 0, v.stderr);

  // --rehash forces a file; --json reports the counts.
  const j = await sign(["--reuse-signature", s.sig, "--rehash", "onnx", "--json"], resig);
  assert.equal(j.code, 0, j.stderr);
  const report = JSON.parse(j.stdout);
  assert.equal(report.files.hashed, 3);
  assert.equal(report.files.reused, 1);
  assert.equal(report.files.bytesReused, 5000);
});

Deno.test("--reuse-signature refuses a tampered or foreign old signature in one line", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  assert.equal(
    (await runCli(signKeyArgs(s.key, s.sig, s.model))).code,
    0,
  );
  const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const otherKey = nodePath.join(tmp.path, "other.pem");
  Deno.writeTextFileSync(otherKey, other.export({ type: "sec1", format: "pem" }) as string);
  const out = nodePath.join(tmp.path, "new.sig");
  const foreign = await runCli(signKeyArgs(otherKey, out, "--reuse-signature", s.sig, s.model));
  assert.equal(foreign.code, 1);
  assert.match(foreign.stderr, /^Signing failed with error: Refusing to reuse .*\n$/);
  const bundle = JSON.parse(Deno.readTextFileSync(s.sig));
  const statement = JSON.parse(atob(bundle.dsseEnvelope.payload));
  statement.predicate.resources[0].digest = "00".repeat(32);
  bundle.dsseEnvelope.payload = btoa(JSON.stringify(statement));
  Deno.writeTextFileSync(s.sig, JSON.stringify(bundle));
  const tampered = await runCli(signKeyArgs(s.key, out, "--reuse-signature", s.sig, s.model));
  assert.equal(tampered.code, 1);
  assert.match(tampered.stderr, /Refusing to reuse/);
  assert.throws(() => Deno.statSync(out));
});

Deno.test("--rehash must name a file of the model and comes with --reuse-signature; --oci-index-manifest with --oci-manifest", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  assert.equal((await runCli(signKeyArgs(s.key, s.sig, s.model))).code, 0);
  const resig = nodePath.join(tmp.path, "new.sig");
  for (const typo of ["nothere", "../model"]) {
    const r = await runCli(
      signKeyArgs(s.key, resig, "--reuse-signature", s.sig, "--rehash", typo, s.model),
    );
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr,
      `Signing failed with error: --rehash '${typo}' matches no file of the model.\n`,
    );
  }
  const usage: [string[], RegExp][] = [
    [
      signKeyArgs(s.key, resig, "--rehash", "onnx", s.model),
      /Error: --rehash applies only with --reuse-signature\.$/,
    ],
    [
      signKeyArgs(s.key, resig, "--oci-index-manifest", "sha256:00", s.model),
      /Error: --oci-index-manifest applies only with --oci-manifest\.$/,
    ],
    [
      verifyKeyArgs(s.pub, s.sig, "--oci-index-manifest", "sha256:00", s.model),
      /Error: --oci-index-manifest applies only with --oci-manifest\.$/,
    ],
  ];
  for (const [args, says] of usage) {
    const r = await runCli(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trimEnd(), says);
  }
  assert.throws(() => Deno.statSync(resig), Deno.errors.NotFound);
});

Deno.test("--only checks the chosen files only and refuses an unsigned path", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  assert.equal(
    (await runCli(signKeyArgs(s.key, s.sig, s.model))).code,
    0,
  );
  Deno.writeTextFileSync(nodePath.join(s.model, "weights.bin"), "tampered");
  const verify = (extra: string[]) => runCli(verifyKeyArgs(s.pub, s.sig, ...extra, s.model));
  const partial = await verify(["--only", "onnx/"]);
  assert.equal(partial.code, 0, partial.stderr);
  assert.equal(partial.stdout, "Verification succeeded (1 of 3 signed files checked)\n");
  assert.equal((await verify([])).code, 1);
  const unsigned = await verify(["--only", "nothing.bin"]);
  assert.equal(unsigned.code, 1);
  assert.match(unsigned.stderr, /'nothing\.bin' matches no file the signature lists/);
  Deno.writeTextFileSync(nodePath.join(s.model, "onnx", "extra.bin"), "x");
  const extra = await verify(["--only", "onnx", "--json"]);
  assert.equal(extra.code, 1);
  const report = JSON.parse(extra.stdout);
  assert.deepEqual(report.error.extra, ["onnx/extra.bin"]);
});

/** Pins the documented --json field names. */
Deno.test("--json: one object with the documented fields, mismatch lists on failure", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  const signed = await runCli(signKeyArgs(s.key, s.sig, "--json", s.model));
  assert.equal(signed.code, 0, signed.stderr);
  const sr = JSON.parse(signed.stdout);
  assert.deepEqual(Object.keys(sr), [
    "command",
    "outcome",
    "method",
    "signature",
    "model",
    "ociManifest",
    "signer",
    "rootDigest",
    "files",
    "error",
  ]);
  assert.equal(sr.outcome, "success");
  assert.equal(sr.method, "key");
  assert.match(sr.signer.keyHint, /^[0-9a-f]{64}$/);
  assert.match(sr.rootDigest, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(sr.files, { signed: 3 });
  for (let i = 0; i < 30; i++) Deno.writeTextFileSync(nodePath.join(s.model, `x${i}`), "x");
  Deno.removeSync(nodePath.join(s.model, "README.md"));
  const failed = await runCli(verifyKeyArgs(s.pub, s.sig, "--json", s.model));
  assert.equal(failed.code, 1);
  const fr = JSON.parse(failed.stdout);
  assert.equal(fr.outcome, "failure");
  assert.equal(fr.error.code, "MISMATCH");
  assert.equal(fr.error.extra.length, 30);
  assert.deepEqual(fr.error.missing, ["README.md"]);
  assert.deepEqual(fr.error.changed, []);
  assert.match(failed.stderr, /^Verification failed with error: /);
});

function sha256(path: string): string {
  return createHash("sha256").update(Deno.readFileSync(path)).digest("hex");
}

/** An ORAS-style manifest of the model's files (uncompressed layers). */
function orasManifest(model: string, names: string[]) {
  return {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    artifactType: "application/vnd.unknown.artifact.v1",
    config: {
      mediaType: "application/vnd.oci.empty.v1+json",
      digest: `sha256:${"44".repeat(32)}`,
      size: 2,
    },
    layers: names.map((n) => ({
      mediaType: "application/vnd.oci.image.layer.v1.tar",
      digest: `sha256:${sha256(nodePath.join(model, n))}`,
      size: Deno.statSync(nodePath.join(model, n)).size,
      annotations: { "org.opencontainers.image.title": n },
    })),
  };
}

Deno.test("--oci-manifest: signs layers by title; verifies the pulled files and the manifest", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  const manifestPath = nodePath.join(tmp.path, "manifest.json");
  const m = orasManifest(s.model, ["README.md", "onnx/model.onnx", "weights.bin"]);
  Deno.writeTextFileSync(manifestPath, JSON.stringify(m));
  const signed = await signKeyOci(s, manifestPath);
  assert.equal(signed.code, 0, signed.stderr);
  const statement = JSON.parse(payloadOf(s.sig));
  assert.equal(statement.subject[0].name, "manifest");
  assert.deepEqual(statement.predicate.serialization, {
    method: "files",
    hash_type: "sha256",
    allow_symlinks: false,
  });
  assert.deepEqual(
    statement.predicate.resources.map((r: { name: string }) => r.name),
    ["README.md", "onnx/model.onnx", "weights.bin"],
  );
  const verify = (extra: string[]) => runCli(verifyKeyArgs(s.pub, s.sig, ...extra));
  assert.equal((await verify([s.model])).code, 0);
  assert.equal((await verify(["--oci-manifest", manifestPath])).code, 0);
  m.layers[0].digest = `sha256:${"00".repeat(32)}`;
  Deno.writeTextFileSync(manifestPath, JSON.stringify(m));
  assert.equal((await verify(["--oci-manifest", manifestPath])).code, 1);
});

Deno.test("--oci-manifest refuses every malformed manifest with one line", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  const base = () => orasManifest(s.model, ["README.md", "weights.bin"]);
  const cases: [string, (m: ReturnType<typeof base>) => unknown, RegExp][] = [
    [
      "no title",
      (
        m,
      ) => (delete (m.layers[0].annotations as Record<string, string>)[
        "org.opencontainers.image.title"
      ],
        m),
      /has no 'org\.opencontainers\.image\.title'/,
    ],
    [
      "duplicate",
      (m) => (m.layers[1].annotations["org.opencontainers.image.title"] = "README.md", m),
      /appears twice/,
    ],
    [
      "dotdot",
      (m) => (m.layers[0].annotations["org.opencontainers.image.title"] = "../x", m),
      /leaves the model/,
    ],
    [
      "absolute",
      (m) => (m.layers[0].annotations["org.opencontainers.image.title"] = "/etc/x", m),
      /absolute/,
    ],
    ["sha512", (m) => (m.layers[0].digest = `sha512:${"00".repeat(64)}`, m), /not sha256/],
    ["schema", (m) => ({ ...m, schemaVersion: 1 }), /not schemaVersion 2/],
    [
      "index",
      () => ({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [],
      }),
      /image index: name one/,
    ],
  ];
  for (const [label, change, says] of cases) {
    const path = nodePath.join(tmp.path, `${label}.json`);
    Deno.writeTextFileSync(path, JSON.stringify(change(base())));
    const r = await signKeyOci(s, path);
    assert.equal(r.code, 1, label);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, says, label);
  }
  const dir = await signKeyOci(s, s.model);
  assert.match(dir.stderr, /not a regular file/);
});

Deno.test("--oci-manifest with an index signs the manifest it names", async () => {
  using tmp = tempDir();
  const s = setup(tmp.path);
  const bytes = new TextEncoder().encode(JSON.stringify(orasManifest(s.model, ["weights.bin"])));
  const digest = createHash("sha256").update(bytes).digest("hex");
  Deno.mkdirSync(nodePath.join(tmp.path, "blobs", "sha256"), { recursive: true });
  Deno.writeFileSync(nodePath.join(tmp.path, "blobs", "sha256", digest), bytes);
  const index = nodePath.join(tmp.path, "index.json");
  Deno.writeTextFileSync(
    index,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: `sha256:${digest}`,
        size: bytes.length,
      }],
    }),
  );
  const r = await signKeyOci(s, index, "--oci-index-manifest", `sha256:${digest}`);
  assert.equal(r.code, 0, r.stderr);
  const v = await runCli(verifyKeyArgs(s.pub, s.sig, "--ignore-unsigned-files", s.model));
  assert.equal(v.code, 0, v.stderr);
});
