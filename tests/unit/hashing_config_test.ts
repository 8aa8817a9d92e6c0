// Model walking, naming, ignore rules, methods and symlink policy (§1.2–1.9).
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { ModelPathError } from "../../src/errors.ts";
import { HashingConfig } from "../../src/api/hashing_config.ts";
import { itemName } from "../../src/manifest/manifest.ts";
import { modelName } from "../../src/hashing/paths.ts";
import { assertDirectoriesInPlace, realPathOrUndefined } from "../../src/hashing/walk.ts";
import { ByteList } from "../../src/util/byte_list.ts";
import { tempDir } from "../fixtures.ts";

function write(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const path = nodePath.join(root, name);
    Deno.mkdirSync(nodePath.dirname(path), { recursive: true });
    Deno.writeTextFileSync(path, text);
  }
}

async function names(model: string, config = new HashingConfig()): Promise<string[]> {
  return (await config.hash(model)).items.map(itemName);
}

Deno.test("shard boundaries: multiples of N strictly below S, then S", async () => {
  using tmp = tempDir();
  write(tmp.path, { s22: "x".repeat(22), s16: "x".repeat(16), s8: "x".repeat(8), s1: "x" });
  const got = await names(tmp.path, new HashingConfig().useShardSerialization({ shardSize: 8 }));
  assert.deepEqual(got, [
    "s1:0:1",
    "s16:0:8",
    "s16:8:16",
    "s22:0:8",
    "s22:8:16",
    "s22:16:22",
    "s8:0:8",
  ]);
});

Deno.test("empty files are items with the files method and absent with shards", async () => {
  using tmp = tempDir();
  write(tmp.path, { empty: "", full: "abc" });
  assert.deepEqual(await names(tmp.path), ["empty", "full"]);
  assert.deepEqual(await names(tmp.path, new HashingConfig().useShardSerialization()), [
    "full:0:3",
  ]);
});

Deno.test("a single-file model has the item '.' and is named after the file", async () => {
  using tmp = tempDir();
  write(tmp.path, { "weights.bin": "0123456789" });
  const file = nodePath.join(tmp.path, "weights.bin");
  const m = await new HashingConfig().hash(file);
  assert.deepEqual(m.items.map(itemName), ["."]);
  assert.equal(m.modelName, "weights.bin");
  const shards = await new HashingConfig().useShardSerialization({ shardSize: 4 }).hash(file);
  assert.deepEqual(shards.items.map(itemName), [".:0:4", ".:4:8", ".:8:10"]);
});

Deno.test("model name: last component, or the resolved directory's name for '.', '..' and '/'", () => {
  using tmp = tempDir();
  const m = nodePath.join(tmp.path, "m");
  Deno.mkdirSync(nodePath.join(m, "sub"), { recursive: true });
  assert.equal(modelName(`${m}/`), "m");
  assert.equal(modelName(`${m}/.`), "m");
  assert.equal(modelName(`${m}/sub/..`), "m");
  assert.equal(modelName("a/b/file.bin"), "file.bin");
  assert.equal(modelName("."), nodePath.basename(Deno.cwd()));
  assert.equal(modelName(".."), nodePath.basename(nodePath.dirname(Deno.cwd())));
});

Deno.test("ignore entries match whole components as prefixes, relative to the model", async () => {
  using tmp = tempDir();
  write(tmp.path, { "a/x/y": "1", a2: "2", ab: "3", "b/c": "4", "b/cd": "5" });
  const config = new HashingConfig().setIgnoredPaths({
    paths: ["a", "b/c", "../outside", "ab/../a2"],
  });
  assert.deepEqual(await names(tmp.path, config), ["ab", "b/cd"]);
  const abs = new HashingConfig().setIgnoredPaths({ paths: [nodePath.join(tmp.path, "ab")] });
  assert.ok(!(await names(tmp.path, abs)).includes("ab"));
});

Deno.test("git entries are ignored by default as prefixes; .gitmodules is not", async () => {
  using tmp = tempDir();
  write(tmp.path, {
    ".git/HEAD": "x",
    ".github/workflows/ci.yml": "x",
    ".gitignore": "x",
    ".gitmodules": "x",
    m: "x",
  });
  assert.deepEqual(await names(tmp.path), [".gitmodules", "m"]);
  const all = await names(
    tmp.path,
    new HashingConfig().setIgnoredPaths({ paths: [], ignoreGitPaths: false }),
  );
  assert.deepEqual(all, [
    ".git/HEAD",
    ".github/workflows/ci.yml",
    ".gitignore",
    ".gitmodules",
    "m",
  ]);
});

Deno.test("recorded ignore_paths: normalised, sorted, deduplicated, never leaving the model", async () => {
  using tmp = tempDir();
  write(tmp.path, { m: "x" });
  const m = await new HashingConfig()
    .setIgnoredPaths({ paths: ["model.sig", "./x//y/", "../up", "model.sig"] })
    .hash(tmp.path);
  assert.deepEqual(m.serialization.ignorePaths, [
    ".git",
    ".gitattributes",
    ".github",
    ".gitignore",
    "model.sig",
    "x/y",
  ]);
});

Deno.test("symlinks are refused unless allowed, with the Python message", async () => {
  using tmp = tempDir();
  write(tmp.path, { "m/real": "data" });
  Deno.symlinkSync("real", nodePath.join(tmp.path, "m", "link"));
  const model = nodePath.join(tmp.path, "m");
  await assert.rejects(
    new HashingConfig().hash(model),
    (e) =>
      e instanceof ModelPathError &&
      e.message ===
        `Cannot use '${model}/link' because it is a symlink. This behavior can be changed with \`allow_symlinks\`.`,
  );
  const m = await new HashingConfig().setAllowSymlinks(true).hash(model);
  assert.deepEqual(m.resourceDescriptors().map((r) => r.name), ["link", "real"]);
  assert.deepEqual(m.items[0].digest, m.items[1].digest, "a link is hashed through its target");
  const ignored = await names(model, new HashingConfig().setIgnoredPaths({ paths: ["link"] }));
  assert.deepEqual(ignored, ["real"], "an ignored symlink is skipped before the symlink check");
});

Deno.test("directory symlinks are never descended; links outside the model warn", async () => {
  using tmp = tempDir();
  write(tmp.path, { "m/dir/f": "inside", "outside/secret": "outside" });
  const model = nodePath.join(tmp.path, "m");
  Deno.symlinkSync(nodePath.join(model, "dir"), nodePath.join(model, "dirlink"));
  Deno.symlinkSync(nodePath.join(tmp.path, "outside", "secret"), nodePath.join(model, "out"));
  const warnings: string[] = [];
  const config = new HashingConfig().setAllowSymlinks(true).setWarningHandler((w) =>
    warnings.push(w)
  );
  assert.deepEqual(await names(model, config), ["dir/f", "out"]);
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /Symlink '.*\/m\/out' points outside the model to '.*\/outside\/secret'/,
  );
});

Deno.test("broken links, special files and missing paths fail with the §1.3 message and the real reason", async () => {
  using tmp = tempDir();
  write(tmp.path, { "m/f": "x" });
  const model = nodePath.join(tmp.path, "m");
  const special = (p: string, reason = "it is a FIFO") => (e: unknown) =>
    e instanceof ModelPathError && e.path === p &&
    e.message.endsWith(`as file or directory. Reason: ${reason}.`);
  await assert.rejects(
    new HashingConfig().hash(nodePath.join(tmp.path, "missing")),
    special(`${tmp.path}/missing`, "no such file or directory"),
  );
  await assert.rejects(
    new HashingConfig().hash(nodePath.join(tmp.path, "n".repeat(300))),
    special(`${tmp.path}/${"n".repeat(300)}`, "name too long for the operating system"),
  );
  Deno.symlinkSync("nowhere", nodePath.join(model, "broken"));
  await assert.rejects(
    new HashingConfig().setAllowSymlinks(true).hash(model),
    special(`${model}/broken`, "no such file or directory"),
  );
  Deno.removeSync(nodePath.join(model, "broken"));
  const fifo = new Deno.Command("mkfifo", { args: [nodePath.join(model, "pipe")] }).outputSync();
  assert.ok(fifo.success);
  await assert.rejects(new HashingConfig().hash(model), special(`${model}/pipe`));
});

Deno.test("a file name that is not valid UTF-8 is refused", async () => {
  using tmp = tempDir();
  // Create the file through a shell: Deno paths are strings and cannot hold the byte 0xff.
  const made = new Deno.Command("sh", { args: ["-c", `touch "${tmp.path}/$(printf 'bad\\377')"`] })
    .outputSync();
  assert.ok(made.success);
  await assert.rejects(
    new HashingConfig().hash(tmp.path),
    (e) => e instanceof ModelPathError && /not valid UTF-8/.test(e.message),
  );
  // Beside a real file named with U+FFFD, which the invalid name decodes to.
  Deno.writeTextFileSync(nodePath.join(tmp.path, "bad\uFFFD"), "real");
  for (const method of ["files", "shards"]) {
    const config = method === "files"
      ? new HashingConfig()
      : new HashingConfig().useShardSerialization({ shardSize: 8 });
    await assert.rejects(
      config.hash(tmp.path),
      (e) => e instanceof ModelPathError && /not valid UTF-8/.test(e.message),
      method,
    );
  }
});

Deno.test("a model path that is a symlink pointed elsewhere while it is hashed is an error", async () => {
  using tmp = tempDir();
  for (const v of ["v1", "v2"]) write(nodePath.join(tmp.path, v), { "a": `${v}a`, "b": `${v}b` });
  const current = nodePath.join(tmp.path, "current");
  Deno.symlinkSync("v1", current);
  const config = new HashingConfig().setAllowSymlinks(true);
  // Pointed elsewhere during a file's reads: that file's own check sees it.
  let switched = false;
  const during = config.clone().setProgressHandler((p) => {
    if (p.bytesDone > 0 && !switched) {
      switched = true;
      Deno.removeSync(current);
      Deno.symlinkSync("v2", current);
    }
  });
  await assert.rejects(
    during.hash(current),
    (e) => e instanceof ModelPathError && /changed or was replaced/.test(e.message),
  );
  // Between two files no file's check can see it: the root's real path, taken as hashing
  // begins, is compared at the end.
  Deno.removeSync(current);
  Deno.symlinkSync("v1", current);
  const atStart = realPathOrUndefined(current);
  const names = new ByteList(16, 16);
  for (const n of ["a", "b"]) names.pushString(n);
  assertDirectoriesInPlace(current, names, atStart);
  Deno.removeSync(current);
  Deno.symlinkSync("v2", current);
  assert.throws(
    () => assertDirectoriesInPlace(current, names, atStart),
    (e) => e instanceof ModelPathError && /was replaced while it was being hashed/.test(e.message),
  );
});

Deno.test("the shards method refuses a ':' in a file name; the files method accepts it", async () => {
  using tmp = tempDir();
  write(tmp.path, { "a:b": "x" });
  assert.deepEqual(await names(tmp.path), ["a:b"]);
  await assert.rejects(
    new HashingConfig().useShardSerialization().hash(tmp.path),
    (e) => e instanceof ModelPathError && /contains ':'/.test(e.message),
  );
});

Deno.test({
  name: "an unreadable directory fails instead of being skipped",
  ignore: Deno.uid() === 0, // root reads everything: the failure cannot be produced
  async fn() {
    using tmp = tempDir();
    write(tmp.path, { "locked/f": "x" });
    Deno.chmodSync(nodePath.join(tmp.path, "locked"), 0o000);
    try {
      await assert.rejects(new HashingConfig().hash(tmp.path), /Cannot list directory/);
    } finally {
      Deno.chmodSync(nodePath.join(tmp.path, "locked"), 0o755);
    }
  },
});

Deno.test("invalid shard sizes are refused", () => {
  for (const shardSize of [0, -1, 1.5, Number.NaN]) {
    assert.throws(
      () => new HashingConfig().useShardSerialization({ shardSize }),
      /Invalid shard size/,
    );
  }
});

Deno.test("BLAKE3 with shards falls back to the files method", async () => {
  using tmp = tempDir();
  write(tmp.path, { f: "x".repeat(20) });
  const m = await new HashingConfig().useShardSerialization({
    hashingAlgorithm: "blake3",
    shardSize: 8,
  }).hash(tmp.path);
  assert.equal(m.serialization.method, "files");
  assert.deepEqual(m.resourceDescriptors().map((r) => [r.name, r.algorithm]), [["f", "blake3"]]);
});

Deno.test("an error met while workers hash (the walk's, the progress handler's) rejects hash(), and no worker is left", async () => {
  using dir = tempDir();
  const m = nodePath.join(dir.path, "model");
  // A first file larger than one batch keeps the calling thread from hashing, so every later
  // part of the walk is pulled while a worker's reply is handled.
  Deno.mkdirSync(nodePath.join(m, "b", "z"), { recursive: true });
  Deno.writeFileSync(nodePath.join(m, "a.bin"), new Uint8Array(9 << 20));
  for (let i = 0; i < 6000; i++) Deno.writeTextFileSync(nodePath.join(m, "b", `f${i}`), `${i}`);
  Deno.symlinkSync("../f0", nodePath.join(m, "b", "z", "link"));
  const config = new HashingConfig().useFileSerialization({ maxWorkers: 2 });
  await assert.rejects(
    config.hash(m),
    (e) => e instanceof ModelPathError && /symlink/.test(e.message),
  );
  Deno.removeSync(nodePath.join(m, "b", "z", "link"));
  let calls = 0;
  const failing = config.clone().setProgressHandler(() => {
    if (++calls > 1) throw new Error("progress handler failed");
  });
  await assert.rejects(failing.hash(m), /progress handler failed/);
});

Deno.test("what the progress handler throws on the calling thread reaches the caller as it is, not as a file error", async () => {
  using dir = tempDir();
  const m = nodePath.join(dir.path, "model");
  Deno.mkdirSync(m);
  Deno.writeFileSync(nodePath.join(m, "w.bin"), new Uint8Array(1000));
  const boom = new Error("progress handler failed");
  const config = new HashingConfig().setProgressHandler((p) => {
    if (p.bytesDone > 0) throw boom;
  });
  await assert.rejects(config.hash(m), (e) => e === boom);
});

Deno.test("one string where a list of paths is expected is one path; two spellings of a file are one item", async () => {
  using dir = tempDir();
  const m = nodePath.join(dir.path, "model");
  Deno.mkdirSync(m);
  Deno.writeTextFileSync(nodePath.join(m, "README.md"), "r");
  Deno.writeTextFileSync(nodePath.join(m, "w.bin"), "w");
  // A string is iterable: its characters ("." among them) would ignore the whole model.
  const one = await new HashingConfig().setIgnoredPaths({ paths: "README.md" }).hash(m);
  assert.deepEqual(one.items.map(itemName), ["w.bin"]);
  const named = await new HashingConfig().hash(m, { filesToHash: ["w.bin", "./w.bin", "w.bin/"] });
  assert.deepEqual(named.items.map(itemName), ["w.bin"]);
});
