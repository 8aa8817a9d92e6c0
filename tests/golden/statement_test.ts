// The statements we sign equal, byte for byte, the ones the Python tool wrote for the fixture
// models (docs/format.md §2.2, §9.4), and they parse back into the manifest they came from.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { HashingConfig } from "../../src/api/hashing_config.ts";
import { Manifest } from "../../src/manifest/manifest.ts";
import { Double, printProtoJson, quoteAscii } from "../../src/format/proto_json.ts";
import { buildStatement, parseStatement, PAYLOAD_TYPE } from "../../src/format/statement.ts";
import { buildFixture, FIXTURES, tempDir, VECTORS } from "../fixtures.ts";

const GOLDEN = nodePath.join(VECTORS, "fixtures", "signing", "signing", "TestPayload");
const decoder = new TextDecoder();

/** §9.4: symlinks allowed, no ignore paths at all (not even the git entries). */
function config(): HashingConfig {
  return new HashingConfig().setAllowSymlinks(true).setIgnoredPaths({
    paths: [],
    ignoreGitPaths: false,
  });
}

const VARIANTS = [
  { suffix: "", configure: (c: HashingConfig) => c.useFileSerialization() },
  { suffix: "_shard", configure: (c: HashingConfig) => c.useShardSerialization() },
  {
    suffix: "_small_shards",
    configure: (c: HashingConfig) => c.useShardSerialization({ shardSize: 8 }),
  },
] as const;

for (const fixture of FIXTURES) {
  for (const { suffix, configure } of VARIANTS) {
    const golden = fixture + suffix;
    Deno.test(`statement of ${golden} equals the Python golden byte for byte`, async () => {
      using tmp = tempDir();
      const manifest = await configure(config()).hash(buildFixture(tmp.path, fixture));
      const expected = Deno.readFileSync(nodePath.join(GOLDEN, golden));
      const ours = buildStatement(manifest);
      assert.equal(decoder.decode(ours) + "\n", decoder.decode(expected));
      assert.deepEqual([...ours, 0x0a], [...expected]);
    });

    Deno.test(`golden ${golden} parses back into our manifest's items`, async () => {
      using tmp = tempDir();
      const manifest = await configure(config()).hash(buildFixture(tmp.path, fixture));
      const parsed = parseStatement(
        PAYLOAD_TYPE,
        Deno.readFileSync(nodePath.join(GOLDEN, golden)),
      );
      assert.equal(parsed.modelName, manifest.modelName);
      assert.deepEqual(
        [...parsed.items].map(([name, i]) => ({ name, algorithm: i.algorithm, digest: i.digest })),
        manifest.resourceDescriptors(),
      );
      const s = manifest.serialization;
      assert.deepEqual(
        parsed.serialization,
        s.method === "files"
          ? { method: "files", hashType: s.hashType }
          : { method: "shards", hashType: s.hashType, shardSize: s.shardSize },
      );
      assert.deepEqual(parsed.ignorePaths, []);
    });
  }
}

Deno.test("quoteAscii: short escapes for quote, backslash and \\b \\f \\n \\r \\t", () => {
  assert.equal(quoteAscii('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(quoteAscii("\b\f\n\r\t"), '"\\b\\f\\n\\r\\t"');
});

Deno.test("quoteAscii: other controls and DEL as lowercase \\u00xx", () => {
  assert.equal(quoteAscii("\0\x01\x1f\x7f"), '"\\u0000\\u0001\\u001f\\u007f"');
  assert.equal(quoteAscii("\x1b[31m"), '"\\u001b[31m"');
});

Deno.test("quoteAscii: non-ASCII escaped with lowercase hex, astral as a surrogate pair", () => {
  assert.equal(quoteAscii("é"), '"\\u00e9"');
  assert.equal(quoteAscii("—"), '"\\u2014"');
  assert.equal(quoteAscii("模型"), '"\\u6a21\\u578b"');
  assert.equal(quoteAscii("😀"), '"\\ud83d\\ude00"');
  assert.equal(quoteAscii("\u0080\u00ff\uffff"), '"\\u0080\\u00ff\\uffff"');
});

Deno.test("quoteAscii: '/' and printable ASCII are written as they are", () => {
  assert.equal(quoteAscii("d0/f00 ~!@#$%^&*()'"), `"d0/f00 ~!@#$%^&*()'"`);
  // Valid JSON that reads back to the same string.
  const hard = 'a/"\\\b\f\n\r\t\0\x7fé😀';
  assert.equal(JSON.parse(quoteAscii(hard)), hard);
});

Deno.test("printProtoJson: layout of nested containers, empty ones, booleans and doubles", () => {
  const text = printProtoJson({
    a: [],
    b: {},
    c: [true, { d: new Double(8) }],
    e: new Double(1_000_000_000),
  });
  assert.equal(
    text,
    [
      "{",
      '  "a": [],',
      '  "b": {},',
      '  "c": [',
      "    true,",
      "    {",
      '      "d": 8.0',
      "    }",
      "  ],",
      '  "e": 1000000000.0',
      "}",
    ].join("\n"),
  );
});

Deno.test("printProtoJson: a double that is not a safe integer is refused", () => {
  assert.throws(() => printProtoJson(new Double(1.5)), RangeError);
  assert.throws(() => printProtoJson(new Double(2 ** 53)), RangeError);
});

function statementText(manifest: Manifest): string {
  return decoder.decode(buildStatement(manifest));
}

Deno.test("serialization layout: method, hash_type, allow_symlinks, shard_size, ignore_paths", () => {
  const manifest = new Manifest("m", [], {
    method: "shards",
    hashType: "blake2b",
    shardSize: 1024,
    allowSymlinks: false,
    ignorePaths: [".git", "model.sig"],
  });
  const text = statementText(manifest);
  assert.ok(text.includes(
    [
      '    "serialization": {',
      '      "method": "shards",',
      '      "hash_type": "blake2b",',
      '      "allow_symlinks": false,',
      '      "shard_size": 1024.0,',
      '      "ignore_paths": [',
      '        ".git",',
      '        "model.sig"',
      "      ]",
      "    },",
      '    "resources": []',
    ].join("\n"),
  ));
  assert.ok(!text.endsWith("\n"));
});

Deno.test("serialization layout: files method has no shard_size; empty ignore_paths is omitted", () => {
  const text = statementText(
    new Manifest("m", [], {
      method: "files",
      hashType: "sha256",
      allowSymlinks: true,
      ignorePaths: [],
    }),
  );
  assert.ok(!text.includes("shard_size"));
  assert.ok(!text.includes("ignore_paths"));
  assert.ok(text.includes('"allow_symlinks": true\n    },'));
});

Deno.test("statement: the subject name is always written, escaped like every string", () => {
  const text = statementText(
    new Manifest("", [], {
      method: "files",
      hashType: "sha256",
      allowSymlinks: false,
      ignorePaths: [],
    }),
  );
  assert.ok(text.includes('"name": "",'));
  const named = statementText(
    new Manifest("modèle/😀", [], {
      method: "files",
      hashType: "sha256",
      allowSymlinks: false,
      ignorePaths: [],
    }),
  );
  assert.ok(named.includes('"name": "mod\\u00e8le/\\ud83d\\ude00",'));
  assert.ok([...named].every((c) => c.charCodeAt(0) < 0x80));
});
