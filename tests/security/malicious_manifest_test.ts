/**
 * Signed but malicious manifests: a holder of a trusted key signs a
 * statement no honest signer writes. The verifier must refuse it, and must
 * do so before any file outside the model is opened (the recording engine
 * proves no file was handed to hashing at all).
 *
 * @module
 */

import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { ManifestMismatchError, ModelPathError, PayloadError } from "../../src/errors.ts";
import { tempDir } from "../fixtures.ts";
import {
  RecordingEngine,
  type Resource,
  sha256Hex,
  signStatement,
  statementJson,
  verifyBundle,
} from "./helpers.ts";
import { ecKeyPair, rejection } from "../helpers.ts";

const { privateKey, publicKey } = ecKeyPair();
const TEXT = "0123456789abcdefghij"; // 20 bytes: shards of 8 are 0:8, 8:16, 16:20
const SECRET = "outside the model";

/** parent/model/{f, sub/g} and parent/outside/secret. */
function setup(parent: string): { model: string; outside: string } {
  const model = nodePath.join(parent, "model");
  const outside = nodePath.join(parent, "outside");
  Deno.mkdirSync(nodePath.join(model, "sub"), { recursive: true });
  Deno.mkdirSync(outside);
  Deno.writeTextFileSync(nodePath.join(model, "f"), TEXT);
  Deno.writeTextFileSync(nodePath.join(model, "sub", "g"), "g");
  Deno.writeTextFileSync(nodePath.join(outside, "secret"), SECRET);
  return { model, outside };
}

const file = (name: string, content: string): Resource => ({
  name,
  algorithm: "sha256",
  digest: sha256Hex(content),
});
const HONEST = [file("f", TEXT), file("sub/g", "g")];
const SHARDS = { method: "shards", hash_type: "sha256", allow_symlinks: false, shard_size: 8 };
const shard = (start: number, end: number, name = "f"): Resource => ({
  name: `${name}:${start}:${end}`,
  algorithm: "sha256-sharded-8",
  digest: sha256Hex(TEXT.slice(start, end)),
});
const HONEST_SHARDS = [shard(0, 8), shard(8, 16), shard(16, 20), {
  name: "sub/g:0:1",
  algorithm: "sha256-sharded-8",
  digest: sha256Hex("g"),
}];

Deno.test("baseline: honest hand-made file and shard manifests verify", async () => {
  using dir = tempDir();
  const { model } = setup(dir.path);
  for (const ignoreUnsignedFiles of [false, true]) {
    await verifyBundle(model, signStatement(privateKey, statementJson(HONEST)), publicKey, {
      ignoreUnsignedFiles,
    });
    await verifyBundle(
      model,
      signStatement(privateKey, statementJson(HONEST_SHARDS, { serialization: SHARDS })),
      publicKey,
      { ignoreUnsignedFiles },
    );
  }
});

const BAD_NAMES: [string, string][] = [
  ["absolute", "/etc/passwd"],
  ["parent reference", "../outside/secret"],
  ["parent reference in the middle", "sub/../../outside/secret"],
  ["NUL", "f\u0000.txt"],
  ["empty name", ""],
  ["empty component", "sub//g"],
  ["trailing slash", "f/"],
  ["dot component", "./f"],
  ["inner dot component", "sub/./g"],
  // A separator only on Windows; on POSIX a name character (tests/security/hostile_inputs_test.ts).
  ...(Deno.build.os === "windows"
    ? [["backslash", "..\\outside\\secret"] as [string, string]]
    : []),
];

for (const [what, name] of BAD_NAMES) {
  for (const ignoreUnsignedFiles of [false, true]) {
    Deno.test(`signed name with ${what} is refused before hashing (ignore unsigned: ${ignoreUnsignedFiles})`, async () => {
      using dir = tempDir();
      const { model } = setup(dir.path);
      const engine = new RecordingEngine();
      const bundle = signStatement(
        privateKey,
        statementJson([...HONEST, file(name, SECRET)]),
      );
      const e = await rejection(() =>
        verifyBundle(model, bundle, publicKey, { ignoreUnsignedFiles, engine })
      );
      assert.ok(e instanceof PayloadError, `${e.name}: ${e.message}`);
      assert.match(e.field, /^predicate\.resources\[2\]\.name$/);
      assert.deepEqual(engine.paths, [], "no file may be hashed");
    });
  }
}

Deno.test("a shard name with a bad path is refused before hashing", async () => {
  using dir = tempDir();
  const { model } = setup(dir.path);
  const engine = new RecordingEngine();
  const bad = { ...shard(0, 8), name: "../outside/secret:0:8" };
  const bundle = signStatement(privateKey, statementJson([bad], { serialization: SHARDS }));
  const e = await rejection(() =>
    verifyBundle(model, bundle, publicKey, { ignoreUnsignedFiles: true, engine })
  );
  assert.ok(e instanceof PayloadError, e.message);
  assert.deepEqual(engine.paths, []);
});

Deno.test("a signed name through a symlinked directory is refused without opening the target", async () => {
  using dir = tempDir();
  const { model, outside } = setup(dir.path);
  Deno.symlinkSync(outside, nodePath.join(model, "link"));
  const bundle = signStatement(privateKey, statementJson([...HONEST, file("link/secret", SECRET)]));
  for (const allowSymlinks of [false, true]) {
    const engine = new RecordingEngine();
    const e = await rejection(() =>
      verifyBundle(model, bundle, publicKey, { ignoreUnsignedFiles: true, allowSymlinks, engine })
    );
    assert.ok(e instanceof ModelPathError, `${e.name}: ${e.message}`);
    assert.match(e.message, /is a symlink, and files reached through a symlinked directory/);
    assert.deepEqual(engine.paths, []);
  }
});

Deno.test("a walk never reads through a symlinked directory: the signed outside file is missing", async () => {
  using dir = tempDir();
  const { model, outside } = setup(dir.path);
  Deno.symlinkSync(outside, nodePath.join(model, "link"));
  const bundle = signStatement(privateKey, statementJson([...HONEST, file("link/secret", SECRET)]));
  // Symlinks refused: the link itself is an error.
  const refused = await rejection(() => verifyBundle(model, bundle, publicKey));
  assert.ok(refused instanceof ModelPathError, refused.message);
  // Symlinks allowed: the directory link is not descended, so the signed name is missing.
  const engine = new RecordingEngine();
  const e = await rejection(() =>
    verifyBundle(model, bundle, publicKey, { allowSymlinks: true, engine })
  );
  assert.ok(e instanceof ManifestMismatchError, e.message);
  assert.deepEqual(e.missing, ["link/secret"]);
  assert.ok(engine.paths.every((p) => !p.includes("secret")), String(engine.paths));
});

Deno.test("duplicate resource names are refused", async () => {
  using dir = tempDir();
  const { model } = setup(dir.path);
  const statements = [
    statementJson([...HONEST, HONEST[0]]),
    statementJson([...HONEST_SHARDS, HONEST_SHARDS[1]], { serialization: SHARDS }),
  ];
  for (const statement of statements) {
    const e = await rejection(() =>
      verifyBundle(model, signStatement(privateKey, statement), publicKey)
    );
    assert.ok(e instanceof PayloadError, e.message);
    assert.match(e.message, /appears twice/);
  }
});

const BAD_SHARDS: [string, Resource[]][] = [
  ["overlapping shards", [shard(0, 8), { ...shard(4, 12) }, shard(8, 16), shard(16, 20)]],
  ["a gap between shards", [shard(0, 8), shard(16, 20)]],
  ["a first shard not at 0", [shard(8, 16), shard(16, 20)]],
  ["a shard shorter than the shard size before the last", [shard(0, 4), shard(4, 12)]],
  ["a last shard longer than the shard size", [shard(0, 8), shard(8, 20)]],
  ["start equal to end", [shard(0, 8), { ...shard(8, 16), name: "f:8:8" }]],
  ["start after end", [{ ...shard(0, 8), name: "f:8:0" }]],
  ["non-numeric start", [{ ...shard(0, 8), name: "f:a:8" }]],
  ["hexadecimal start", [{ ...shard(0, 8), name: "f:0x0:8" }]],
  ["negative start", [{ ...shard(0, 8), name: "f:-0:8" }]],
  ["exponent end", [{ ...shard(0, 8), name: "f:0:8e0" }]],
  ["leading zero (an alias of 8)", [shard(0, 8), { ...shard(8, 16), name: "f:08:16" }]],
  ["end beyond 2^53", [{ ...shard(0, 8), name: "f:0:99999999999999999999" }]],
  ["two components", [{ ...shard(0, 8), name: "f:0" }]],
  ["four components", [{ ...shard(0, 8), name: "f:0:8:9" }]],
];

for (const [what, resources] of BAD_SHARDS) {
  Deno.test(`shard manifest with ${what} is refused before hashing`, async () => {
    using dir = tempDir();
    const { model } = setup(dir.path);
    const engine = new RecordingEngine();
    const bundle = signStatement(privateKey, statementJson(resources, { serialization: SHARDS }));
    const e = await rejection(() => verifyBundle(model, bundle, publicKey, { engine }));
    assert.ok(e instanceof PayloadError, `${e.name}: ${e.message}`);
    assert.deepEqual(engine.paths, []);
  });
}

Deno.test("shards past the end of the local file are a mismatch; nothing beyond the file is read", async () => {
  using dir = tempDir();
  const { model } = setup(dir.path);
  // A well-formed split of a 28-byte file, while the local file has 20 bytes.
  const longer = TEXT + "KLMNOPQR";
  const resources = [0, 8, 16, 24].map((s) => ({
    name: `f:${s}:${Math.min(s + 8, 28)}`,
    algorithm: "sha256-sharded-8",
    digest: sha256Hex(longer.slice(s, s + 8)),
  }));
  const bundle = signStatement(
    privateKey,
    statementJson([...resources, HONEST_SHARDS[3]], { serialization: SHARDS }),
  );
  for (const ignoreUnsignedFiles of [false, true]) {
    const e = await rejection(() =>
      verifyBundle(model, bundle, publicKey, { ignoreUnsignedFiles })
    );
    assert.ok(e instanceof ManifestMismatchError, `${e.name}: ${e.message}`);
    assert.deepEqual(e.missing, ["f:16:24", "f:24:28"]);
    assert.deepEqual(e.extra, ["f:16:20"]);
  }
});

Deno.test("a resource algorithm that does not match hash_type is refused", async () => {
  using dir = tempDir();
  const { model } = setup(dir.path);
  const cases: [Resource[], Record<string, unknown> | undefined][] = [
    [[{ ...HONEST[0], algorithm: "blake2b" }, HONEST[1]], undefined],
    [[{ ...HONEST[0], algorithm: "SHA256" }, HONEST[1]], undefined],
    [[HONEST[0], HONEST[1]], { method: "files", hash_type: "blake2b", allow_symlinks: false }],
    [HONEST_SHARDS.map((r) => ({ ...r, algorithm: "sha256" })), SHARDS],
    [HONEST_SHARDS.map((r) => ({ ...r, algorithm: "sha256-sharded-16" })), SHARDS],
  ];
  for (const [resources, serialization] of cases) {
    const engine = new RecordingEngine();
    const e = await rejection(() =>
      verifyBundle(
        model,
        signStatement(privateKey, statementJson(resources, { serialization })),
        publicKey,
        { engine },
      )
    );
    assert.ok(e instanceof PayloadError, `${e.name}: ${e.message}`);
    assert.match(e.field, /^predicate\.resources\[0\]\.(algorithm|digest)$/);
    assert.deepEqual(engine.paths, []);
  }
});

Deno.test("a subject digest that does not match the resources is refused", async () => {
  using dir = tempDir();
  const { model } = setup(dir.path);
  const roots = [
    sha256Hex("something else"),
    sha256Hex("").toUpperCase(),
    sha256Hex(""), // the root of an empty manifest
    (statementJson([...HONEST].reverse()).subject as { digest: { sha256: string } }[])[0]
      .digest.sha256, // the root of the resources in another order
  ];
  for (const root of roots) {
    const engine = new RecordingEngine();
    const e = await rejection(() =>
      verifyBundle(
        model,
        signStatement(privateKey, statementJson(HONEST, { root })),
        publicKey,
        { engine },
      )
    );
    assert.ok(e instanceof PayloadError, `${e.name}: ${e.message}`);
    assert.equal(e.field, "subject[0].digest.sha256");
    assert.match(e.message, /Manifest is inconsistent/);
    assert.deepEqual(engine.paths, []);
  }
});
