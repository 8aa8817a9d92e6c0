// The packed manifest must keep every name exactly (WTF-8), order like compareCanonicalPaths,
// and print resources as the generic protobuf-JSON printer prints them.
import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteList } from "../../src/util/byte_list.ts";
import { ItemTable } from "../../src/manifest/item_table.ts";
import { Manifest } from "../../src/manifest/manifest.ts";
import { compareCanonicalPaths } from "../../src/manifest/order.ts";
import { buildStatement, parseStatement, PAYLOAD_TYPE } from "../../src/format/statement.ts";
import { printProtoJson } from "../../src/format/proto_json.ts";
import { toHex } from "../../src/util/encoding.ts";

/** Strings of ASCII, '/', controls, BMP, astral characters and lone surrogates. */
const name = fc.array(
  fc.oneof(
    fc.constantFrom("/", "a", "z", ".", '"', "\\", "\n", "\u0000", "\u007f", "é", "\ufeff"),
    fc.constantFrom("\ud800", "\udfff", "\u{1f600}", "\uffff", "\u{10000}", "模"),
    fc.string({ maxLength: 3 }),
  ),
  { maxLength: 8 },
).map((parts) => parts.join(""));

Deno.test("ByteList keeps every JavaScript string exactly, lone surrogates included", () => {
  fc.assert(
    fc.property(fc.array(name), (names) => {
      const list = new ByteList(1, 1);
      for (const n of names) list.pushString(n);
      assert.deepEqual(names.map((_, i) => list.string(i)), names);
    }),
  );
  const long = "x".repeat(100_000) + "é" + "\ud800";
  const list = new ByteList();
  list.pushString(long);
  assert.equal(list.string(0), long);
});

Deno.test("the packed order is compareCanonicalPaths' order, then shard start and end", () => {
  // Names from a file system are well-formed. With a lone surrogate the packed order is plain
  // code point order (Python's), which compareCanonicalPaths does not quite give.
  const wellFormed = name.filter((n) => n.isWellFormed());
  fc.assert(
    fc.property(fc.array(wellFormed, { minLength: 2 }), (names) => {
      const table = new ItemTable();
      for (const n of names) table.push(n, "sha256", new Uint8Array(32));
      const sorted = table.sorted();
      const got = Array.from({ length: sorted.length }, (_, i) => sorted.path(i));
      assert.deepEqual(got, [...names].sort(compareCanonicalPaths));
    }),
  );
  const item = (path: string, start: number, end: number) => ({
    path,
    range: { start, end },
    algorithm: "sha256-sharded-8",
    digest: new Uint8Array(32),
  });
  const manifest = new Manifest(
    "m",
    [item("f", 16, 24), item("f", 8, 16), item("e", 0, 8), item("f", 0, 8), item("f/g", 0, 8)],
    { method: "shards", hashType: "sha256", shardSize: 8, allowSymlinks: false, ignorePaths: [] },
  );
  assert.deepEqual(
    manifest.items.map((i) => `${i.path}:${i.range!.start}`),
    ["e:0", "f:0", "f:8", "f:16", "f/g:0"],
  );
});

Deno.test("resources printed from the packed items equal the generic printer's, any name", () => {
  fc.assert(
    fc.property(fc.uniqueArray(name, { minLength: 1 }), fc.boolean(), (names, shards) => {
      const digest = (i: number) => new Uint8Array(32).fill(i);
      const manifest = new Manifest(
        "model",
        names.map((path, i) => ({
          path,
          algorithm: shards ? "sha256-sharded-8" : "sha256",
          digest: digest(i),
          range: shards ? { start: 0, end: 8 } : undefined,
        })),
        shards
          ? {
            method: "shards",
            hashType: "sha256",
            shardSize: 8,
            allowSymlinks: false,
            ignorePaths: [],
          }
          : { method: "files", hashType: "sha256", allowSymlinks: false, ignorePaths: [] },
      );
      const text = new TextDecoder().decode(buildStatement(manifest));
      const resources = manifest.items.map((i) => ({
        algorithm: i.algorithm,
        digest: toHex(i.digest),
        name: i.range ? `${i.path}:${i.range.start}:${i.range.end}` : i.path,
      }));
      const printed = printProtoJson({ resources });
      const body = printed.slice(printed.indexOf("["), printed.lastIndexOf("]") + 1)
        .replaceAll("\n", "\n  ");
      assert.ok(text.includes(`"resources": ${body}\n  }\n}`), text);
    }),
    { numRuns: 200 },
  );
});

Deno.test("a statement of odd names parses back to the same items", () => {
  const names = ['a"b', "c\\d", "e\u0001", "é/模", "\u{1f600}", "x\u007f"];
  const manifest = new Manifest(
    "m",
    names.map((path, i) => ({ path, algorithm: "sha256", digest: new Uint8Array(32).fill(i) })),
    { method: "files", hashType: "sha256", allowSymlinks: false, ignorePaths: [] },
  );
  const expected = parseStatement(PAYLOAD_TYPE, buildStatement(manifest));
  assert.deepEqual(
    [...expected.items.keys()],
    manifest.items.map((i) => i.path),
  );
  for (const item of manifest.items) {
    assert.equal(expected.items.get(item.path)!.digest, toHex(item.digest));
  }
});
