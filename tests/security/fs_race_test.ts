/**
 * The model folder may change while it is hashed. Every change the hashing
 * could otherwise absorb silently (a digest of a mix of old and new bytes,
 * or of a file outside the model) must be an error. Races are made
 * deterministic: the change is made from inside a hash update or between
 * the walk and the reads (through the engine hook of the helpers).
 *
 * @module
 */

import assert from "node:assert/strict";
import { appendFileSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import * as nodePath from "node:path";
import { ModelPathError } from "../../src/errors.ts";
import type { HasherFactory } from "../../src/hashing/algorithms.ts";
import { allocReadBuffers, hashRangeTask, hashWholeFile } from "../../src/hashing/file_range.ts";
import { HashingConfig } from "../../src/api/hashing_config.ts";
import type { Manifest } from "../../src/manifest/manifest.ts";
import { tempDir } from "../fixtures.ts";
import {
  RecordingEngine,
  sha256Hex,
  signStatement,
  statementJson,
  verifyBundle,
} from "./helpers.ts";
import { ecKeyPair, rejection } from "../helpers.ts";

const SIZE = 64 * 1024;

/** A hasher factory that runs `sideEffect` once, on the first update, then hashes nothing. */
function meddlingHasher(sideEffect: () => void): HasherFactory {
  let done = false;
  return () => ({
    update: () => {
      if (!done) {
        done = true;
        sideEffect();
      }
    },
    digest: () => new Uint8Array(32),
  });
}

function bigFile(dir: string): string {
  const path = nodePath.join(dir, "weights.bin");
  writeFileSync(path, new Uint8Array(SIZE).fill(7));
  return path;
}

/** Changes to a file in the middle of its hashing, and what the error must say. */
const MEDDLING: { name: string; change: (path: string) => void; says: RegExp }[] = [
  {
    name: "a file that grows",
    change: (path) => appendFileSync(path, "more"),
    says: /changed while it was being hashed/,
  },
  {
    name: "a file that shrinks",
    change: (path) => truncateSync(path, 10),
    says: /changed while it was being hashed/,
  },
  {
    name: "a file rewritten at the same size (modification time)",
    change: (path) => {
      writeFileSync(path, new Uint8Array(SIZE).fill(9));
      // The kernel's clock for file times is coarse (milliseconds to
      // jiffies); a rewrite that lands in the next tick looks like this.
      const later = new Date(Deno.statSync(path).mtime!.getTime() + 1000);
      utimesSync(path, later, later);
    },
    says: /size or modification time changed/,
  },
];

for (const { name, change, says } of MEDDLING) {
  Deno.test(`${name} while it is hashed is an error`, () => {
    using dir = tempDir();
    const path = bigFile(dir.path);
    assert.throws(
      () =>
        hashRangeTask(
          { path, start: 0, end: SIZE },
          SIZE,
          meddlingHasher(() => change(path)),
          new Uint8Array(1024),
        ),
      (e: unknown) => e instanceof ModelPathError && says.test(e.message),
    );
  });
}

// A whole file (files method) is checked by its path's stat before and after the reads, not on
// the handle: the same changes, and a swap for a symlink, which the open would have followed.
const WHOLE_FILE_MEDDLING = [...MEDDLING, {
  name: "a file replaced by a symlink to a copy outside the model",
  change: (path: string) => {
    const outside = `${path}.outside`;
    Deno.copyFileSync(path, outside);
    Deno.removeSync(path);
    Deno.symlinkSync(outside, path);
  },
  says: /changed or was replaced while the model was being hashed/,
}];

for (const { name, change, says } of WHOLE_FILE_MEDDLING) {
  Deno.test(`${name} while it is hashed whole is an error`, async () => {
    using dir = tempDir();
    const path = bigFile(dir.path);
    const hashing = hashWholeFile(
      { path },
      Infinity,
      meddlingHasher(() => change(path)),
      allocReadBuffers(1024),
      () => false,
    );
    const e = await rejection(() => hashing);
    assert.ok(e instanceof ModelPathError && says.test(e.message), e.message);
  });
}

/** parent/model/{a, sub/b}; returns the model path. */
function model(parent: string): string {
  const m = nodePath.join(parent, "model");
  Deno.mkdirSync(nodePath.join(m, "sub"), { recursive: true });
  Deno.writeTextFileSync(nodePath.join(m, "a"), "file a");
  Deno.writeTextFileSync(nodePath.join(m, "sub", "b"), "file b");
  return m;
}

/**
 * Hashes `m` while `change` runs between the walk and the reads. The shards
 * method stats every file in its walk (it needs the sizes to cut shards); the
 * files method only lists directories and opens each file once.
 */
function hashWithChange(m: string, change: () => void, shards = false): Promise<Manifest> {
  const engine = new RecordingEngine();
  engine.beforeHash = change;
  const config = new HashingConfig().setEngine(engine);
  if (shards) config.useShardSerialization();
  return config.hash(m);
}

Deno.test("baseline: the race hook changes nothing by itself", async () => {
  using dir = tempDir();
  const m = model(dir.path);
  const manifest = await hashWithChange(m, () => {});
  assert.ok(manifest);
});

/** Replaces `m/sub` by a symlink to a copy of it outside the model. */
function subReplacedByOutsideCopy(m: string, parent: string): void {
  const outside = nodePath.join(parent, "copy");
  Deno.mkdirSync(outside);
  Deno.writeTextFileSync(nodePath.join(outside, "b"), "file b");
  Deno.removeSync(nodePath.join(m, "sub"), { recursive: true });
  Deno.symlinkSync(outside, nodePath.join(m, "sub"));
}

const BETWEEN_WALK_AND_READ: [string, (m: string, parent: string) => void, RegExp][] = [
  [
    "a file that disappears",
    (m) => Deno.removeSync(nodePath.join(m, "sub", "b")),
    /'.*sub\/b' disappeared while the model was being hashed/,
  ],
  [
    "a file that changes size",
    (m) => appendFileSync(nodePath.join(m, "a"), "!"),
    /'.*\/a' changed while it was being hashed \(size 6 became 7\)/,
  ],
  ["a same-size rewrite", (m) => {
    const p = nodePath.join(m, "a");
    writeFileSync(p, "FILE A");
    const later = new Date(Deno.statSync(p).mtime!.getTime() + 1000);
    utimesSync(p, later, later);
  }, /'.*\/a' changed or was replaced/],
  ["a file replaced by another with the same content", (m) => {
    const p = nodePath.join(m, "a");
    writeFileSync(`${p}.new`, "file a");
    Deno.renameSync(`${p}.new`, p);
  }, /'.*\/a' changed or was replaced/],
  ["a file replaced by a directory", (m) => {
    const p = nodePath.join(m, "a");
    Deno.removeSync(p);
    Deno.mkdirSync(p);
  }, /'.*\/a' was replaced by something that is not a regular file/],
  ["a directory moved out and replaced by a symlink to it", (m, parent) => {
    const outside = nodePath.join(parent, "moved-out");
    Deno.renameSync(nodePath.join(m, "sub"), outside);
    Deno.symlinkSync(outside, nodePath.join(m, "sub"));
  }, /Directory '.*\/sub' was replaced/],
  [
    "a directory replaced by a symlink to a copy outside",
    subReplacedByOutsideCopy,
    /'.*sub\/b' changed or was replaced/,
  ],
];

for (const [what, change, expected] of BETWEEN_WALK_AND_READ) {
  Deno.test(`between walk and read (shards: the walk stats each file): ${what} is an error`, async () => {
    using dir = tempDir();
    const m = model(dir.path);
    const e = await rejection(() => hashWithChange(m, () => change(m, dir.path), true));
    assert.ok(e instanceof ModelPathError, `${e.name}: ${e.message}`);
    assert.match(e.message, expected);
  });
}

// The files method's walk does not open or stat files: what it cannot see, each file's stat
// before and after its reads and the realpath of each directory after hashing must.
const FILES_BETWEEN_WALK_AND_READ: [string, (m: string, parent: string) => void, RegExp][] = [
  ...BETWEEN_WALK_AND_READ.filter(([what]) =>
    ["a file that disappears", "a file replaced by a directory"].includes(what) ||
    what.startsWith("a directory moved out")
  ),
  [
    "a directory replaced by a symlink to a copy outside",
    subReplacedByOutsideCopy,
    /Directory '.*\/sub' was replaced/,
  ],
  ["a file replaced by a symlink to a file outside the model", (m, parent) => {
    const outside = nodePath.join(parent, "secret");
    Deno.writeTextFileSync(outside, "file a");
    Deno.removeSync(nodePath.join(m, "a"));
    Deno.symlinkSync(outside, nodePath.join(m, "a"));
  }, /'.*\/a' changed or was replaced/],
];

for (const [what, change, expected] of FILES_BETWEEN_WALK_AND_READ) {
  Deno.test(`between walk and read (files): ${what} is an error`, async () => {
    using dir = tempDir();
    const m = model(dir.path);
    const e = await rejection(() => hashWithChange(m, () => change(m, dir.path)));
    assert.ok(e instanceof ModelPathError, `${e.name}: ${e.message}`);
    assert.match(e.message, expected);
  });
}

// A file is read from one open handle, checked for writes during the read (tests above): a
// change before the open is hashed as the one version the handle shows, never a mix.
const FILES_CONSISTENT: [string, (m: string) => void, string][] = [
  ["a file that changes size", (m) => appendFileSync(nodePath.join(m, "a"), "!"), "file a!"],
  ["a same-size rewrite", (m) => writeFileSync(nodePath.join(m, "a"), "FILE A"), "FILE A"],
  ["a file replaced by another with the same content", (m) => {
    const p = nodePath.join(m, "a");
    writeFileSync(`${p}.new`, "file a");
    Deno.renameSync(`${p}.new`, p);
  }, "file a"],
];

for (const [what, change, content] of FILES_CONSISTENT) {
  Deno.test(`between walk and open (files): ${what} is hashed as one version`, async () => {
    using dir = tempDir();
    const m = model(dir.path);
    const manifest = await hashWithChange(m, () => change(m));
    const a = manifest.resourceDescriptors().find((d) => d.name === "a");
    assert.equal(a?.digest, sha256Hex(content));
  });
}

Deno.test("between walk and read (files): an allowed symlink replaced by a regular file is an error", async () => {
  using dir = tempDir();
  const m = model(dir.path);
  Deno.symlinkSync("a", nodePath.join(m, "link"));
  const engine = new RecordingEngine();
  engine.beforeHash = () => {
    Deno.removeSync(nodePath.join(m, "link"));
    Deno.writeTextFileSync(nodePath.join(m, "link"), "file a");
  };
  const config = new HashingConfig().setEngine(engine).setAllowSymlinks(true);
  const e = await rejection(() => config.hash(m));
  assert.ok(e instanceof ModelPathError, `${e.name}: ${e.message}`);
  assert.match(e.message, /'.*\/link' changed or was replaced/);
});

Deno.test("a verification whose model changes while hashed fails, even if the digests would match", async () => {
  using dir = tempDir();
  const m = model(dir.path);
  const { privateKey, publicKey } = ecKeyPair();
  const bundle = signStatement(
    privateKey,
    statementJson([
      { name: "a", algorithm: "sha256", digest: sha256Hex("file a") },
      { name: "sub/b", algorithm: "sha256", digest: sha256Hex("file b") },
    ]),
  );
  await verifyBundle(m, bundle, publicKey); // unchanged: verifies
  const engine = new RecordingEngine();
  engine.beforeHash = () => {
    const outside = nodePath.join(dir.path, "moved-out");
    Deno.renameSync(nodePath.join(m, "sub"), outside);
    Deno.symlinkSync(outside, nodePath.join(m, "sub"));
  };
  const e = await rejection(() => verifyBundle(m, bundle, publicKey, { engine }));
  assert.ok(e instanceof ModelPathError, `${e.name}: ${e.message}`);
});

Deno.test("symlink loops: a self-link is an error, a link to an ancestor is not descended", async () => {
  using dir = tempDir();
  const m = model(dir.path);
  const self = nodePath.join(m, "loop");
  Deno.symlinkSync(self, self);
  const refused = await rejection(() => new HashingConfig().hash(m));
  assert.ok(refused instanceof ModelPathError);
  assert.match(refused.message, /because it is a symlink/);
  const broken = await rejection(() => new HashingConfig().setAllowSymlinks(true).hash(m));
  assert.ok(broken instanceof ModelPathError);
  assert.match(broken.message, /Cannot use '.*loop' as file or directory/);
  Deno.removeSync(self);
  // A directory link back up would be an endless tree if it were followed.
  Deno.symlinkSync("..", nodePath.join(m, "sub", "up"));
  const manifest = await new HashingConfig().setAllowSymlinks(true).hash(m);
  assert.deepEqual(manifest.items.map((i) => i.path), ["a", "sub/b"]);
  const e = await rejection(() =>
    new HashingConfig().setAllowSymlinks(true).hash(m, { filesToHash: ["sub/up/sub/up/a"] })
  );
  assert.ok(e instanceof ModelPathError);
  assert.match(e.message, /symlinked directory/);
});

const ROOT = Deno.uid() === 0;

Deno.test({
  name: "an unreadable file is a ModelPathError naming it" +
    (ROOT ? " (ignored: tests run as root, and root reads files whatever their mode)" : ""),
  ignore: ROOT,
  fn: async () => {
    using dir = tempDir();
    const m = model(dir.path);
    Deno.chmodSync(nodePath.join(m, "a"), 0o000);
    const e = await rejection(() => new HashingConfig().hash(m));
    assert.ok(e instanceof ModelPathError);
    assert.match(e.message, /Cannot read '.*\/a': permission denied/);
  },
});

Deno.test({
  name: "an unlistable directory is a ModelPathError naming it" +
    (ROOT ? " (ignored: tests run as root, and root lists directories whatever their mode)" : ""),
  ignore: ROOT,
  fn: async () => {
    using dir = tempDir();
    const m = model(dir.path);
    Deno.chmodSync(nodePath.join(m, "sub"), 0o000);
    try {
      const e = await rejection(() => new HashingConfig().hash(m));
      assert.ok(e instanceof ModelPathError);
      assert.match(e.message, /Cannot list directory '.*sub': permission denied/);
    } finally {
      Deno.chmodSync(nodePath.join(m, "sub"), 0o755);
    }
  },
});
