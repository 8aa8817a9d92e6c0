/**
 * The signature file is untrusted input: every malformed bundle or signed
 * statement must be refused with a typed error naming the field, never a
 * crash; through the CLI, exit status 1 and one line without a stack trace.
 *
 * @module
 */

import assert from "node:assert/strict";
import * as nodePath from "node:path";
import {
  BundleFormatError,
  type ModelSigningError,
  PayloadError,
  SignatureError,
} from "../../src/errors.ts";
import { MAX_BUNDLE_BYTES, serializeBundle } from "../../src/format/bundle.ts";
import { toBase64 } from "../../src/util/encoding.ts";
import { readSignatureFile } from "../../src/api/pipeline.ts";
import { runInProcess } from "../cli.ts";
import { tempDir } from "../fixtures.ts";
import { sha256Hex, signPayload, signStatement, statementJson, verifyBundle } from "./helpers.ts";
import { ecKeyPair, rejection } from "../helpers.ts";

const { privateKey, publicKey } = ecKeyPair();
const CONTENT = "model weights";
const RESOURCES = [{ name: "weights.bin", algorithm: "sha256", digest: sha256Hex(CONTENT) }];

function withModel<T>(fn: (model: string) => Promise<T>): Promise<T> {
  const dir = tempDir();
  const model = nodePath.join(dir.path, "model");
  Deno.mkdirSync(model);
  Deno.writeTextFileSync(nodePath.join(model, "weights.bin"), CONTENT);
  return fn(model).finally(() => dir[Symbol.dispose]());
}

/** A valid bundle, as a fresh mutable object. */
function goodBundle(): Record<string, unknown> {
  return signStatement(privateKey, statementJson(RESOURCES));
}

type Json = Record<string, unknown>;
const env = (b: Json) => b.dsseEnvelope as Json;
const vm = (b: Json) => b.verificationMaterial as Json;

function assertOneLine(e: ModelSigningError): void {
  assert.ok(!/[\n\r]/.test(e.message), `multi-line message: ${JSON.stringify(e.message)}`);
  assert.ok(e.message.length > 0 && e.message.length < 1000, "message empty or unbounded");
}

Deno.test("a valid hand-made bundle verifies (the baseline of every case below)", async () => {
  await withModel(async (model) => {
    const m = await verifyBundle(model, goodBundle(), publicKey);
    assert.deepEqual([...m.items.keys()], ["weights.bin"]);
  });
});

const BUNDLE_CASES: [string, (b: Json) => unknown, string, string][] = [
  // [case, mutation (returns a replacement or undefined), expected field, text the message names]
  [
    "media type of a bundle v0.1",
    (b) => void (b.mediaType = "application/vnd.dev.sigstore.bundle+json;version=0.1"),
    "mediaType",
    "media type",
  ],
  [
    "media type v0.2",
    (b) => void (b.mediaType = "application/vnd.dev.sigstore.bundle.v0.2+json"),
    "mediaType",
    "media type",
  ],
  ["media type not a string", (b) => void (b.mediaType = 3), "mediaType", "media type"],
  ["media type missing", (b) => void delete b.mediaType, "mediaType", "media type"],
  [
    "verificationMaterial missing",
    (b) => void delete b.verificationMaterial,
    "bundle.verificationMaterial",
    "verificationMaterial",
  ],
  [
    "verificationMaterial a string",
    (b) => void (b.verificationMaterial = "x"),
    "bundle.verificationMaterial",
    "verificationMaterial",
  ],
  [
    "no key material",
    (b) => void delete vm(b).publicKey,
    "verificationMaterial",
    "verification material",
  ],
  [
    "two kinds of key material",
    (b) => void (vm(b).certificate = { rawBytes: "AA==" }),
    "verificationMaterial",
    "verification material",
  ],
  [
    "publicKey an array",
    (b) => void (vm(b).publicKey = []),
    "verificationMaterial.publicKey",
    "publicKey",
  ],
  [
    "hint a number",
    (b) => void (vm(b).publicKey = { hint: 7 }),
    "verificationMaterial.publicKey.hint",
    "hint",
  ],
  [
    "empty certificate chain",
    (b) => void (b.verificationMaterial = { x509CertificateChain: { certificates: [] } }),
    "verificationMaterial.x509CertificateChain.certificates",
    "certificate chain",
  ],
  [
    "certificate not an object",
    (b) => void (b.verificationMaterial = { x509CertificateChain: { certificates: ["AA=="] } }),
    "verificationMaterial.x509CertificateChain.certificates[0]",
    "certificates[0]",
  ],
  [
    "certificate bytes not base64",
    (b) =>
      void (b.verificationMaterial = {
        x509CertificateChain: { certificates: [{ rawBytes: "%%%%" }] },
      }),
    "verificationMaterial.x509CertificateChain.certificates[0].rawBytes",
    "rawBytes",
  ],
  [
    "dsseEnvelope missing",
    (b) => void delete b.dsseEnvelope,
    "bundle.dsseEnvelope",
    "dsseEnvelope",
  ],
  [
    "message signature instead of DSSE",
    (b) => void (b.messageSignature = {}),
    "messageSignature",
    "message signature",
  ],
  [
    "signatures missing",
    (b) => void delete env(b).signatures,
    "dsseEnvelope.signatures",
    "no signature",
  ],
  [
    "signatures empty",
    (b) => void (env(b).signatures = []),
    "dsseEnvelope.signatures",
    "no signature",
  ],
  [
    "signature not an object",
    (b) => void (env(b).signatures = ["MEUCIQ=="]),
    "dsseEnvelope.signatures",
    "no signature",
  ],
  [
    "sig missing",
    (b) => void (env(b).signatures = [{ keyid: "" }]),
    "dsseEnvelope.signatures[0].sig",
    "sig",
  ],
  [
    "sig a number",
    (b) => void (env(b).signatures = [{ sig: 5 }]),
    "dsseEnvelope.signatures[0].sig",
    "sig",
  ],
  [
    "sig with invalid base64 characters",
    (b) => void (env(b).signatures = [{ sig: "MEU*CIQ=" }]),
    "dsseEnvelope.signatures[0].sig",
    "base64",
  ],
  [
    "sig with a bad base64 length",
    (b) => void (env(b).signatures = [{ sig: "MEUCI" }]),
    "dsseEnvelope.signatures[0].sig",
    "base64",
  ],
  [
    "sig with padding in the middle",
    (b) => void (env(b).signatures = [{ sig: "ME==CIQA" }]),
    "dsseEnvelope.signatures[0].sig",
    "base64",
  ],
  ["payload missing", (b) => void delete env(b).payload, "dsseEnvelope.payload", "payload"],
  ["payload an object", (b) => void (env(b).payload = {}), "dsseEnvelope.payload", "payload"],
  ["payload not base64", (b) => void (env(b).payload = "eyJ9 "), "dsseEnvelope.payload", "base64"],
  [
    "payloadType missing",
    (b) => void delete env(b).payloadType,
    "dsseEnvelope.payloadType",
    "payloadType",
  ],
  [
    "payloadType null",
    (b) => void (env(b).payloadType = null),
    "dsseEnvelope.payloadType",
    "payloadType",
  ],
];

for (const [name, mutate, field, mentions] of BUNDLE_CASES) {
  Deno.test(`bundle: ${name} is a BundleFormatError on '${field || "(file)"}'`, async () => {
    await withModel(async (model) => {
      const bundle = goodBundle();
      mutate(bundle);
      const e = await rejection(() => verifyBundle(model, bundle, publicKey));
      assert.ok(e instanceof BundleFormatError, `${e.name}: ${e.message}`);
      assert.equal(e.field, field);
      assert.ok(e.message.includes(mentions), e.message);
      assertOneLine(e);
    });
  });
}

const RAW_CASES: [string, Uint8Array, string, string][] = [
  ["not JSON", new TextEncoder().encode('{"mediaType": '), "", "not valid JSON"],
  ["empty file", new Uint8Array(), "", "not valid JSON"],
  ["not UTF-8", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), "", "not valid JSON"],
  ["a JSON array", new TextEncoder().encode("[]"), "", "not a JSON object"],
  ["JSON null", new TextEncoder().encode("null"), "", "not a JSON object"],
  [
    "a duplicate payload (which one was signed?)",
    new TextEncoder().encode(
      new TextDecoder().decode(serializeBundle(goodBundle())).replace(
        '"payload":',
        `"payload":"${toBase64(new TextEncoder().encode("{}"))}","payload":`,
      ),
    ),
    "dsseEnvelope.payload",
    "appears twice",
  ],
  [
    "a duplicate media type spelled with an escape",
    new TextEncoder().encode(
      new TextDecoder().decode(serializeBundle(goodBundle())).replace(
        "{",
        '{"media\\u0054ype":"x",',
      ),
    ),
    "mediaType",
    "appears twice",
  ],
];

for (const [name, bytes, field, mentions] of RAW_CASES) {
  Deno.test(`bundle bytes: ${name} is a BundleFormatError`, async () => {
    await withModel(async (model) => {
      const e = await rejection(() => verifyBundle(model, bytes, publicKey));
      assert.ok(e instanceof BundleFormatError, `${e.name}: ${e.message}`);
      assert.equal(e.field, field);
      assert.ok(e.message.includes(mentions), e.message);
      assertOneLine(e);
    });
  });
}

Deno.test("bundle: a signature file over 64 MiB is refused before it is read", async () => {
  using dir = tempDir();
  const sig = nodePath.join(dir.path, "model.sig");
  // Sparse: costs no disk; reading it would cost 64 MiB of memory.
  Deno.writeFileSync(sig, serializeBundle(goodBundle()));
  Deno.truncateSync(sig, MAX_BUNDLE_BYTES + 1);
  const e = await rejection(() => readSignatureFile(sig));
  assert.ok(e instanceof BundleFormatError, `${e.name}: ${e.message}`);
  assert.match(e.message, /larger than 67108864 bytes, the limit for a signature/);
  assertOneLine(e);
});

// Statements that are validly signed but malformed: the signature holds, the content is refused.
const enc = new TextEncoder();
const STATEMENT_CASES: [string, () => Json, string][] = [
  [
    "wrong payload type",
    () =>
      signPayload(
        privateKey,
        enc.encode(JSON.stringify(statementJson(RESOURCES))),
        "application/json",
      ),
    "payloadType",
  ],
  ["payload not JSON", () => signPayload(privateKey, enc.encode("{not json")), "payload"],
  [
    "payload not UTF-8",
    () => signPayload(privateKey, new Uint8Array([0x7b, 0xc3, 0x28, 0x7d])),
    "payload",
  ],
  ["payload a JSON array", () => signPayload(privateKey, enc.encode("[1]")), "payload"],
  [
    "_type missing",
    () => signStatement(privateKey, { ...statementJson(RESOURCES), _type: undefined }),
    "_type",
  ],
  [
    "other predicate type",
    () =>
      signStatement(privateKey, {
        ...statementJson(RESOURCES),
        predicateType: "https://slsa.dev/provenance/v1",
      }),
    "predicateType",
  ],
  ["two subjects", () => {
    const s = statementJson(RESOURCES);
    s.subject = [...(s.subject as unknown[]), ...(s.subject as unknown[])];
    return signStatement(privateKey, s);
  }, "subject"],
  ["subject digest not a map", () => {
    const s = statementJson(RESOURCES);
    (s.subject as Json[])[0].digest = "abc";
    return signStatement(privateKey, s);
  }, "subject[0].digest"],
  ["subject digest without sha256", () => {
    const s = statementJson(RESOURCES);
    (s.subject as Json[])[0].digest = { sha512: "00" };
    return signStatement(privateKey, s);
  }, "subject[0].digest.sha256"],
  [
    "predicate missing",
    () => signStatement(privateKey, { ...statementJson(RESOURCES), predicate: undefined }),
    "statement.predicate",
  ],
  [
    "serialization a list",
    () =>
      signStatement(privateKey, statementJson(RESOURCES, { serialization: [] as unknown as Json })),
    "predicate.serialization",
  ],
  [
    "unknown method",
    () =>
      signStatement(
        privateKey,
        statementJson(RESOURCES, {
          serialization: { method: "chunks", hash_type: "sha256", allow_symlinks: false },
        }),
      ),
    "predicate.serialization.method",
  ],
  [
    "method a number",
    () =>
      signStatement(
        privateKey,
        statementJson(RESOURCES, {
          serialization: { method: 1, hash_type: "sha256", allow_symlinks: false },
        }),
      ),
    "predicate.serialization.method",
  ],
  [
    "unknown hash type",
    () =>
      signStatement(
        privateKey,
        statementJson(RESOURCES, {
          serialization: { method: "files", hash_type: "md5", allow_symlinks: false },
        }),
      ),
    "predicate.serialization.hash_type",
  ],
  [
    "allow_symlinks a string",
    () =>
      signStatement(
        privateKey,
        statementJson(RESOURCES, {
          serialization: { method: "files", hash_type: "sha256", allow_symlinks: "false" },
        }),
      ),
    "predicate.serialization.allow_symlinks",
  ],
  [
    "ignore_paths not strings",
    () =>
      signStatement(
        privateKey,
        statementJson(RESOURCES, {
          serialization: {
            method: "files",
            hash_type: "sha256",
            allow_symlinks: false,
            ignore_paths: [1],
          },
        }),
      ),
    "predicate.serialization.ignore_paths",
  ],
  [
    "shard_size missing",
    () =>
      signStatement(
        privateKey,
        statementJson(RESOURCES, {
          serialization: { method: "shards", hash_type: "sha256", allow_symlinks: false },
        }),
      ),
    "predicate.serialization.shard_size",
  ],
  [
    "shard_size a string",
    () =>
      signStatement(
        privateKey,
        statementJson(RESOURCES, {
          serialization: {
            method: "shards",
            hash_type: "sha256",
            allow_symlinks: false,
            shard_size: "8",
          },
        }),
      ),
    "predicate.serialization.shard_size",
  ],
  [
    "shard_size fractional",
    () =>
      signStatement(
        privateKey,
        statementJson(RESOURCES, {
          serialization: {
            method: "shards",
            hash_type: "sha256",
            allow_symlinks: false,
            shard_size: 1.5,
          },
        }),
      ),
    "predicate.serialization.shard_size",
  ],
  [
    "shard_size zero",
    () =>
      signStatement(
        privateKey,
        statementJson(RESOURCES, {
          serialization: {
            method: "shards",
            hash_type: "sha256",
            allow_symlinks: false,
            shard_size: 0,
          },
        }),
      ),
    "predicate.serialization.shard_size",
  ],
  ["resources an object", () => {
    const s = statementJson(RESOURCES);
    (s.predicate as Json).resources = {};
    return signStatement(privateKey, s);
  }, "predicate.resources"],
  [
    "resource a string",
    () =>
      signStatement(privateKey, statementJson(["x" as unknown as never], { root: sha256Hex("") })),
    "predicate.resources[0]",
  ],
  [
    "resource name missing",
    () =>
      signStatement(
        privateKey,
        statementJson([{ algorithm: "sha256" } as never], { root: sha256Hex("") }),
      ),
    "predicate.resources[0].name",
  ],
  [
    "resource digest a number",
    () =>
      signStatement(
        privateKey,
        statementJson([{ ...RESOURCES[0], digest: 5 as unknown as string }], {
          root: sha256Hex(""),
        }),
      ),
    "predicate.resources[0].digest",
  ],
  [
    "resource digest not hex",
    () =>
      signStatement(
        privateKey,
        statementJson([{ ...RESOURCES[0], digest: "zz".repeat(32) }], { root: sha256Hex("") }),
      ),
    "predicate.resources[0].digest",
  ],
  [
    "resource digest of odd length",
    () =>
      signStatement(
        privateKey,
        statementJson([{ ...RESOURCES[0], digest: "abc" }], { root: sha256Hex("") }),
      ),
    "predicate.resources[0].digest",
  ],
  [
    "resource digest too short for sha256",
    () => signStatement(privateKey, statementJson([{ ...RESOURCES[0], digest: "ab".repeat(20) }])),
    "predicate.resources[0].digest",
  ],
  [
    "duplicate key in the statement",
    () =>
      signPayload(
        privateKey,
        enc.encode(
          JSON.stringify(statementJson(RESOURCES)).replace(
            '"predicate":{',
            '"predicate":{"resources":[],',
          ),
        ),
      ),
    "predicate.resources",
  ],
];

for (const [name, make, field] of STATEMENT_CASES) {
  Deno.test(`signed statement: ${name} is a PayloadError on '${field}'`, async () => {
    await withModel(async (model) => {
      const e = await rejection(() => verifyBundle(model, make(), publicKey));
      assert.ok(e instanceof PayloadError, `${e.name}: ${e.message}`);
      assert.equal(e.field, field);
      assertOneLine(e);
    });
  });
}

Deno.test("a valid bundle signed by another key is a SignatureError", async () => {
  await withModel(async (model) => {
    const other = ecKeyPair();
    const bundle = signStatement(other.privateKey, statementJson(RESOURCES));
    // Same hint as the verifier's key, so the signature check itself must catch it.
    (vm(bundle).publicKey as Json).hint = (vm(goodBundle()).publicKey as Json).hint;
    const e = await rejection(() => verifyBundle(model, bundle, publicKey));
    assert.ok(e instanceof SignatureError, `${e.name}: ${e.message}`);
  });
});

Deno.test("untrusted text with line breaks and terminal escapes stays on one escaped line", async () => {
  await withModel(async (model) => {
    const bundle = goodBundle();
    bundle.mediaType = "evil\n\u001b[2Jline two\u2028";
    const e = await rejection(() => verifyBundle(model, bundle, publicKey));
    assertOneLine(e);
    assert.ok(!e.message.includes("\u001b"));
    assert.ok(e.message.includes("evil\\u000a\\u001b[2Jline two\\u2028"), e.message);
  });
});

Deno.test("CLI: malformed bundles exit 1 with one line naming the problem, no stack trace", async () => {
  await withModel(async (model) => {
    using dir = tempDir();
    const pub = nodePath.join(dir.path, "key.pub");
    Deno.writeTextFileSync(pub, publicKey.export({ type: "spki", format: "pem" }) as string);
    const bad = goodBundle();
    env(bad).signatures = [{ sig: "not base64!" }];
    const cases: [string, Uint8Array, RegExp][] = [
      ["json", enc.encode("{"), /not valid JSON/],
      ["sig", serializeBundle(bad), /dsseEnvelope\.signatures\[0\]\.sig/],
      ["media", serializeBundle({ ...goodBundle(), mediaType: "x" }), /media type x/],
      ["dup", RAW_CASES[5][1], /dsseEnvelope\.payload/],
    ];
    await Promise.all(cases.map(async ([name, bytes, expected]) => {
      const sig = nodePath.join(dir.path, `${name}.sig`);
      Deno.writeFileSync(sig, bytes);
      const r = await runInProcess([
        "verify",
        "key",
        "--public-key",
        pub,
        "--signature",
        sig,
        model,
      ]);
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, `${name}: ${r.stderr}`);
      assert.match(lines[0], /^Verification failed with error: /);
      assert.match(lines[0], expected);
      assert.ok(!/\bat .*:\d+:\d+/.test(r.stderr), `stack trace in: ${r.stderr}`);
    }));
  });
});
