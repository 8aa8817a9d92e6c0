// How a verifier turns signed payload bytes into the manifest they promise (docs/format.md §2.3),
// the legacy 0.2.0 predicate (§6.2), and the names and shapes no honest signer writes.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as nodePath from "node:path";
import { PayloadError } from "../../src/errors.ts";
import { fromBase64 } from "../../src/util/encoding.ts";
import {
  LEGACY_PREDICATE_TYPE,
  parseStatement,
  PAYLOAD_TYPE,
  PREDICATE_TYPE,
  STATEMENT_TYPE,
} from "../../src/format/statement.ts";
import { VECTORS } from "../fixtures.ts";
import { thrown } from "../helpers.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const D1 = sha256("one");
const D2 = sha256("two");

type Resource = { name: string; algorithm: string; digest: string };

function root(resources: readonly Resource[]): string {
  const h = createHash("sha256");
  for (const r of resources) h.update(Buffer.from(r.digest, "hex"));
  return h.digest("hex");
}

// deno-lint-ignore no-explicit-any
type Statement = Record<string, any>;

const FILES = { method: "files", hash_type: "sha256", allow_symlinks: false };

/** A v1.0 statement over `resources`; `edit` may change anything before it is encoded. */
function statement(
  resources: Resource[] = [
    { name: "a", algorithm: "sha256", digest: D1 },
    { name: "d/b", algorithm: "sha256", digest: D2 },
  ],
  edit: (s: Statement) => void = () => {},
  serialization: Record<string, unknown> = FILES,
): Uint8Array {
  const s: Statement = {
    _type: STATEMENT_TYPE,
    subject: [{ name: "model", digest: { sha256: root(resources) } }],
    predicateType: PREDICATE_TYPE,
    predicate: { serialization, resources },
  };
  edit(s);
  return new TextEncoder().encode(JSON.stringify(s, null, 2));
}

/** The PayloadError that parsing `payload` throws. */
const failure = (payload: Uint8Array, payloadType = PAYLOAD_TYPE) =>
  thrown(PayloadError, () => parseStatement(payloadType, payload));

Deno.test("a v1.0 statement gives its name, items, method and ignore paths", () => {
  const parsed = parseStatement(
    PAYLOAD_TYPE,
    statement(undefined, (s) => s.predicate.serialization.ignore_paths = ["model.sig"]),
  );
  assert.equal(parsed.modelName, "model");
  assert.deepEqual([...parsed.items], [
    ["a", { path: "a", algorithm: "sha256", digest: D1 }],
    ["d/b", { path: "d/b", algorithm: "sha256", digest: D2 }],
  ]);
  assert.deepEqual(parsed.serialization, { method: "files", hashType: "sha256" });
  assert.deepEqual(parsed.ignorePaths, ["model.sig"]);
});

Deno.test("§2.3 step 1: a wrong payload type", () => {
  assert.equal(
    failure(statement(), "application/json").message,
    "Expected DSSE payload application/vnd.in-toto+json, but got application/json",
  );
});

Deno.test("§2.3 step 2: a wrong _type", () => {
  const e = failure(statement(undefined, (s) => s._type = "https://in-toto.io/Statement/v0.1"));
  assert.equal(
    e.message,
    "Expected in-toto https://in-toto.io/Statement/v1 payload, but got https://in-toto.io/Statement/v0.1",
  );
});

Deno.test("§2.3 step 3: an unknown predicate type, including the other 0.2.0 ones", () => {
  for (
    const type of [
      "https://model_signing/signature/v2.0",
      "https://model_signing/Digest/v0.1",
      "https://model_signing/DigestOfDigests/v0.1",
      "https://model_signing/DigestOfShardDigests/v0.1",
      "https://model_signing/ShardDigests/v0.1",
    ]
  ) {
    assert.equal(
      failure(statement(undefined, (s) => s.predicateType = type)).message,
      `Predicate type mismatch, expected https://model_signing/signature/v1.0, got ${type}`,
    );
  }
});

Deno.test("§2.3 step 4: zero or two subjects", () => {
  const none = failure(statement(undefined, (s) => s.subject = []));
  assert.equal(none.message, "Expected only one subject, got []");
  const two = failure(statement(undefined, (s) => s.subject = [s.subject[0], s.subject[0]]));
  assert.match(two.message, /^Expected only one subject, got \[\{"name":"model"/);
});

Deno.test("§2.3 step 4: an absent subject name is accepted as '' (≤1.0 signatures of '.')", () => {
  const parsed = parseStatement(
    PAYLOAD_TYPE,
    statement(undefined, (s) => delete s.subject[0].name),
  );
  assert.equal(parsed.modelName, "");
  assert.equal(parsed.items.size, 2);
});

Deno.test("§2.3 step 5: an unknown serialization method", () => {
  const e = failure(statement(undefined, undefined, { ...FILES, method: "tar" }));
  assert.equal(e.message, "Unknown serialization type tar");
});

Deno.test("§2.3 step 5: hash_type and allow_symlinks are required", () => {
  const noHash = failure(
    statement(undefined, undefined, { method: "files", allow_symlinks: false }),
  );
  assert.equal(noHash.field, "predicate.serialization.hash_type");
  const noSymlinks = failure(
    statement(undefined, undefined, { method: "files", hash_type: "sha256" }),
  );
  assert.equal(noSymlinks.field, "predicate.serialization.allow_symlinks");
});

const SHARDS = { method: "shards", hash_type: "sha256", allow_symlinks: false, shard_size: 8 };

Deno.test("§2.3 step 6: a shard name without exactly 3 components", () => {
  for (const name of ["a:0", "a:0:8:9"]) {
    const e = failure(statement(
      [{ name, algorithm: "sha256-sharded-8", digest: D1 }],
      undefined,
      SHARDS,
    ));
    assert.equal(
      e.message,
      `Invalid resource name: expected 3 components separated by \`:\`, got ${name}`,
    );
  }
});

Deno.test("§2.3 step 6: shard ranges must be decimal integers", () => {
  for (const name of ["a:x:8", "a:0:y", "a:-0:8", "a:0:8.0", "a:0:0x8", "a: 0:8", "a:00:8"]) {
    const e = failure(statement(
      [{ name, algorithm: "sha256-sharded-8", digest: D1 }],
      undefined,
      SHARDS,
    ));
    assert.equal(e.field, "predicate.resources[0].name", name);
    assert.match(e.message, /^Invalid shard range in resource name/, name);
  }
});

Deno.test("shards: shard_size printed as 8.0 is read as 8; names keep their split", () => {
  const resources = [
    { name: "a:0:8", algorithm: "sha256-sharded-8", digest: D1 },
    { name: "a:8:10", algorithm: "sha256-sharded-8", digest: D2 },
  ];
  const text = new TextDecoder().decode(statement(resources, undefined, SHARDS))
    .replace('"shard_size": 8', '"shard_size": 8.0');
  assert.ok(text.includes("8.0"));
  const parsed = parseStatement(PAYLOAD_TYPE, new TextEncoder().encode(text));
  assert.deepEqual(parsed.serialization, { method: "shards", hashType: "sha256", shardSize: 8 });
  assert.deepEqual([...parsed.items.keys()], ["a:0:8", "a:8:10"]);
  assert.equal(parsed.items.get("a:8:10")!.path, "a");
});

Deno.test("§2.3 step 7: a root digest that does not match the resources", () => {
  const wrong = "00".repeat(32);
  const e = failure(statement(undefined, (s) => s.subject[0].digest.sha256 = wrong));
  assert.equal(
    e.message,
    `Manifest is inconsistent. Root digest is ${wrong}, but the included resources hash to ${
      root([{ name: "a", algorithm: "sha256", digest: D1 }, {
        name: "d/b",
        algorithm: "sha256",
        digest: D2,
      }])
    }`,
  );
});

Deno.test("the root digest is recomputed in payload order, not re-sorted", () => {
  const resources = [
    { name: "z", algorithm: "sha256", digest: D1 },
    { name: "a", algorithm: "sha256", digest: D2 },
  ];
  assert.deepEqual([...parseStatement(PAYLOAD_TYPE, statement(resources)).items.keys()], [
    "z",
    "a",
  ]);
  const sorted = root([...resources].reverse());
  const e = failure(statement(resources, (s) => s.subject[0].digest.sha256 = sorted));
  assert.match(e.message, /^Manifest is inconsistent/);
});

Deno.test("resource digests in upper case are accepted and read as lower case", () => {
  const resources = [{ name: "a", algorithm: "sha256", digest: D1.toUpperCase() }];
  const parsed = parseStatement(
    PAYLOAD_TYPE,
    statement(resources, (s) => s.subject[0].digest.sha256 = root(resources)),
  );
  assert.equal(parsed.items.get("a")!.digest, D1);
});

Deno.test("resource names that could leave the model are refused", () => {
  // A backslash is a separator only on Windows (on POSIX a name character: hostile_inputs_test.ts).
  const windows = Deno.build.os === "windows" ? ["d\\..\\a"] : [];
  for (const name of ["..", "../a", "d/../../a", "/etc/passwd", "a\0b", ...windows]) {
    const e = failure(statement([{ name, algorithm: "sha256", digest: D1 }]));
    assert.match(e.message, /it could point outside the model\.$/, JSON.stringify(name));
    assert.equal(e.field, "predicate.resources[0].name");
  }
  // Same rule for shard names.
  const e = failure(statement(
    [{ name: "../a:0:8", algorithm: "sha256-sharded-8", digest: D1 }],
    undefined,
    SHARDS,
  ));
  assert.match(e.message, /it could point outside the model\.$/);
});

Deno.test("non-canonical resource names are refused; '.' alone is the single-file model", () => {
  for (const name of ["", "a//b", "./a", "a/.", "a/", "a/./b"]) {
    const e = failure(statement([{ name, algorithm: "sha256", digest: D1 }]));
    assert.match(e.message, /empty or '\.' component/, JSON.stringify(name));
  }
  // Dots inside a component are ordinary characters.
  for (const name of [".a", "..a", "a..", "d/.hidden", "d/..b/c", "..."]) {
    const parsed = parseStatement(
      PAYLOAD_TYPE,
      statement(
        [{ name, algorithm: "sha256", digest: D1 }],
        (s) => s.subject[0].digest.sha256 = root([{ name, algorithm: "sha256", digest: D1 }]),
      ),
    );
    assert.equal(parsed.items.get(name)?.digest, D1, name);
  }
  const single = parseStatement(
    PAYLOAD_TYPE,
    statement([{ name: ".", algorithm: "sha256", digest: D1 }]),
  );
  assert.deepEqual([...single.items.keys()], ["."]);
});

Deno.test("a resource name that appears twice is refused", () => {
  const e = failure(statement([
    { name: "a", algorithm: "sha256", digest: D1 },
    { name: "a", algorithm: "sha256", digest: D2 },
  ]));
  assert.equal(e.message, "Resource 'a' appears twice in the statement.");
  assert.equal(e.field, "predicate.resources[1].name");
});

Deno.test("a resource algorithm that does not match hash_type (and shard size) is refused", () => {
  const blake = failure(statement([{ name: "a", algorithm: "blake2b", digest: D1 }]));
  assert.equal(blake.field, "predicate.resources[0].algorithm");
  assert.match(blake.message, /uses algorithm 'blake2b'.* implies 'sha256'/);
  const shard = failure(statement(
    [{ name: "a:0:8", algorithm: "sha256-sharded-1000000000", digest: D1 }],
    undefined,
    SHARDS,
  ));
  assert.match(shard.message, /implies 'sha256-sharded-8'/);
});

Deno.test("a key repeated inside the statement JSON is refused", () => {
  const text = new TextDecoder().decode(statement())
    .replace('"_type":', '"_type": "https://in-toto.io/Statement/v1", "_type":');
  const e = failure(new TextEncoder().encode(text));
  assert.equal(e.field, "_type");
});

Deno.test("bytes that are not UTF-8 JSON objects are refused", () => {
  assert.match(failure(Uint8Array.of(0xff, 0xfe)).message, /not UTF-8 JSON/);
  assert.match(failure(new TextEncoder().encode("[1]")).message, /not a JSON object/);
});

Deno.test("legacy Digests/v0.1: the v0.2.0 vector's subjects become sha256 file items", () => {
  const bundle = JSON.parse(
    Deno.readTextFileSync(nodePath.join(VECTORS, "v0.2.0-certificate", "model.sig")),
  );
  const parsed = parseStatement(
    bundle.dsseEnvelope.payloadType,
    fromBase64(bundle.dsseEnvelope.payload)!,
  );
  assert.equal(parsed.modelName, "compat-undefined-not-present");
  assert.deepEqual(parsed.serialization, { method: "files", hashType: "sha256" });
  assert.deepEqual(parsed.ignorePaths, []);
  assert.deepEqual([...parsed.items], [
    ["signme-1", {
      path: "signme-1",
      algorithm: "sha256",
      digest: "f6310066c7320497ea554260c32c43660bff648cb2a61194832cc086077085e1",
    }],
    ["signme-2", {
      path: "signme-2",
      algorithm: "sha256",
      digest: "32dcb1f8e1ae52d5963e56a6ba06ab58b424c15ed2a6b70d2feca1d089370028",
    }],
  ]);
});

Deno.test("legacy Digests/v0.1: no root digest check; annotations ignored; bad names refused", () => {
  const legacy = (subject: unknown[]) =>
    new TextEncoder().encode(JSON.stringify({
      _type: STATEMENT_TYPE,
      subject,
      predicateType: LEGACY_PREDICATE_TYPE,
      predicate: { unused: "Unused, just passed due to API requirements" },
    }));
  const parsed = parseStatement(
    PAYLOAD_TYPE,
    legacy([{
      name: "x",
      digest: { sha256: D1 },
      annotations: { actual_hash_algorithm: "file-blake2" },
    }]),
  );
  assert.deepEqual([...parsed.items.values()], [{ path: "x", algorithm: "sha256", digest: D1 }]);
  assert.match(
    failure(legacy([{ name: "../x", digest: { sha256: D1 } }])).message,
    /outside the model/,
  );
  assert.match(
    failure(legacy([{ name: "x", digest: { sha256: D1 } }, { name: "x", digest: { sha256: D2 } }]))
      .message,
    /appears twice/,
  );
});
