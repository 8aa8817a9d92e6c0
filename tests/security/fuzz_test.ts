/**
 * Property-based fuzzing of verification, in process through the library:
 * random mutations of golden and freshly signed bundles (bytes, JSON
 * structure, signed payload) and of signed models (file contents, file
 * set). Properties: verification never succeeds when the mutation changed
 * signed content, and never fails with anything but a ModelSigningError.
 *
 * `FUZZ_RUNS=<n>` multiplies the number of cases (default 1, a few thousand
 * cases in all); `FUZZ_SEED=<n>` replays a run.
 *
 * @module
 */

import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import * as nodePath from "node:path";
import fc from "fast-check";
import { ModelSigningError } from "../../src/errors.ts";
import { HashingConfig } from "../../src/api/hashing_config.ts";
import { EllipticKeySigner } from "../../src/methods/key/signer.ts";
import { SigningConfig } from "../../src/api/signing_config.ts";
import type { BundleVerifier } from "../../src/format/contracts.ts";
import { parseBundle, readDsseBundle, serializeBundle } from "../../src/format/bundle.ts";
import { toBase64 } from "../../src/util/encoding.ts";
import { CertificateVerifier } from "../../src/methods/certificate/verifier.ts";
import { EllipticKeyVerifier } from "../../src/methods/key/verifier.ts";
import { verifyModel } from "../../src/api/pipeline.ts";
import { VECTORS } from "../fixtures.ts";

const MULTIPLIER = Math.max(1, Number(Deno.env.get("FUZZ_RUNS") ?? "1") || 1);
const SEED = Deno.env.get("FUZZ_SEED") ? Number(Deno.env.get("FUZZ_SEED")) : undefined;
const runs = (n: number) => ({ numRuns: n * MULTIPLIER, seed: SEED, endOnFailure: true });

const KEYS = nodePath.join(VECTORS, "keys", "certificate");
const WORK = Deno.makeTempDirSync({ prefix: "msig-fuzz-" });
globalThis.addEventListener("unload", () => Deno.removeSync(WORK, { recursive: true }));

/** A signed model to mutate. */
interface Target {
  readonly name: string;
  readonly model: string;
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly signature: Uint8Array;
  readonly verifier: BundleVerifier;
  readonly hashing: () => HashingConfig;
}

function readFiles(dir: string, names: string[]): Map<string, Uint8Array> {
  return new Map(names.map((n) => [n, Deno.readFileSync(nodePath.join(dir, n))]));
}

const goldenHashing = () =>
  new HashingConfig().setIgnoredPaths({ paths: ["ignore-me", "model.sig"] });

function golden(name: string, verifier: BundleVerifier): Target {
  const model = nodePath.join(VECTORS, name);
  return {
    name,
    model,
    files: readFiles(model, ["signme-1", "signme-2"]),
    signature: Deno.readFileSync(nodePath.join(model, "model.sig")),
    verifier,
    hashing: goldenHashing,
  };
}

/** A model signed here with the shards method, so shard manifests are fuzzed too. */
async function freshShardModel(): Promise<Target> {
  const model = nodePath.join(WORK, "fresh");
  Deno.mkdirSync(nodePath.join(model, "dir"), { recursive: true });
  const contents: [string, string][] = [
    ["a.bin", "0123456789"],
    ["dir/b.bin", "shards of four"],
    ["dir/empty", ""],
    ["c", "x"],
  ];
  for (const [n, c] of contents) Deno.writeTextFileSync(nodePath.join(model, n), c);
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "secp384r1" });
  const sig = nodePath.join(WORK, "fresh.sig");
  const hashing = () => new HashingConfig().useShardSerialization({ shardSize: 4 });
  await new SigningConfig().setHashingConfig(hashing()).useSigner(new EllipticKeySigner(privateKey))
    .sign(model, sig);
  return {
    name: "fresh-shards",
    model,
    // The empty file has no shard: changing its content is a change of signed content,
    // but removing it is not. It stays out of the mutation list.
    files: readFiles(model, ["a.bin", "dir/b.bin", "c"]),
    signature: Deno.readFileSync(sig),
    verifier: new EllipticKeyVerifier(publicKey),
    hashing,
  };
}

const keyVerifier = () => EllipticKeyVerifier.fromFile(nodePath.join(KEYS, "signing-key-pub.pem"));
const certVerifier = () =>
  new CertificateVerifier({ certificateChain: [nodePath.join(KEYS, "ca-cert.pem")] });

const TARGETS: Target[] = [
  golden("v1.0.1-elliptic-key", keyVerifier()),
  golden("v1.1.0-elliptic-key", keyVerifier()),
  golden("v0.2.0-certificate", certVerifier()),
  golden("v1.0.1-certificate", certVerifier()),
  await freshShardModel(),
];

let counter = 0;

/**
 * Verifies `model` against signature bytes. Returns true on success, false
 * on a ModelSigningError; anything else is rethrown (a crash).
 */
async function verifies(t: Target, signature: Uint8Array, model = t.model): Promise<boolean> {
  const sig = nodePath.join(WORK, `case-${counter++}.sig`);
  Deno.writeFileSync(sig, signature);
  try {
    await verifyModel(model, sig, t.verifier, { hashing: t.hashing() });
    return true;
  } catch (e) {
    if (e instanceof ModelSigningError) return false;
    throw new Error(`crash (${(e as Error)?.name}): ${(e as Error)?.message}`, { cause: e });
  } finally {
    Deno.removeSync(sig);
  }
}

/** The signed content of a bundle: what must be unchanged if a mutated bundle verifies. */
function signedContent(bytes: Uint8Array): string | undefined {
  try {
    const b = readDsseBundle(parseBundle(bytes, "x"));
    return JSON.stringify([b.payloadType, toBase64(b.payload), toBase64(b.signature)]);
  } catch {
    return undefined;
  }
}

Deno.test("baseline: every fuzz target verifies unmutated", async () => {
  for (const t of TARGETS) assert.ok(await verifies(t, t.signature), t.name);
});

const target = fc.constantFrom(...TARGETS);

/** Byte edits: flip, insert, delete or overwrite at random positions. */
const byteEdits = fc.array(
  fc.record({
    op: fc.constantFrom("flip", "insert", "delete", "set"),
    pos: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  { minLength: 1, maxLength: 4 },
);

function applyByteEdits(bytes: Uint8Array, edits: { op: string; pos: number; byte: number }[]) {
  const out = [...bytes];
  for (const { op, pos, byte } of edits) {
    const at = out.length === 0 ? 0 : pos % out.length;
    if (op === "flip" && out.length) out[at] ^= 1 << (byte % 8);
    else if (op === "insert") out.splice(at, 0, byte);
    else if (op === "delete") out.splice(at, 1);
    else if (op === "set" && out.length) out[at] = byte;
  }
  return new Uint8Array(out);
}

Deno.test("fuzz: byte mutations of the signature file never verify with changed signed content", async () => {
  await fc.assert(
    fc.asyncProperty(target, byteEdits, async (t, edits) => {
      const mutated = applyByteEdits(t.signature, edits);
      if (await verifies(t, mutated)) {
        assert.equal(
          signedContent(mutated),
          signedContent(t.signature),
          "changed content verified",
        );
      }
    }),
    runs(1500),
  );
});

type Json = unknown;

/** Every path (list of keys and indexes) inside a JSON value. */
function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  }
  return out;
}

const structuralEdit = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom("delete", "replace", "wrap", "stringEdit", "duplicate"),
  value: fc.jsonValue({ maxDepth: 2 }),
  edits: byteEdits,
});

/** Applies one structural edit to a JSON document, returning the new JSON text. */
function applyStructuralEdit(
  doc: Json,
  e: { pick: number; op: string; value: Json; edits: { op: string; pos: number; byte: number }[] },
): string {
  const copy = structuredClone(doc) as Record<string, Json>;
  const all = paths(copy).filter((p) => p.length > 0);
  const path = all[e.pick % all.length];
  const parent = path.slice(0, -1).reduce((o: Json, k) => (o as Record<string, Json>)[k], copy) as
    | Record<string | number, Json>
    | Json[];
  const key = path.at(-1)!;
  const old = (parent as Record<string | number, Json>)[key];
  if (e.op === "delete") {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, Json>)[key];
  } else if (e.op === "replace") (parent as Record<string | number, Json>)[key] = e.value;
  else if (e.op === "wrap") (parent as Record<string | number, Json>)[key] = [old];
  else if (e.op === "stringEdit" && typeof old === "string") {
    const bytes = applyByteEdits(new TextEncoder().encode(old), e.edits);
    (parent as Record<string | number, Json>)[key] = new TextDecoder().decode(bytes);
  } else if (e.op === "duplicate" && !Array.isArray(parent)) {
    // A second member with the same name, written by hand into the text.
    const text = JSON.stringify(copy);
    const needle = `${JSON.stringify(key)}:`;
    const at = text.indexOf(needle);
    if (at >= 0) {
      return `${text.slice(0, at)}${needle}${JSON.stringify(e.value)},${text.slice(at)}`;
    }
  }
  return JSON.stringify(copy);
}

Deno.test("fuzz: JSON-structure mutations of the bundle never verify with changed signed content", async () => {
  await fc.assert(
    fc.asyncProperty(target, structuralEdit, async (t, edit) => {
      const doc = JSON.parse(new TextDecoder().decode(t.signature));
      const mutated = new TextEncoder().encode(applyStructuralEdit(doc, edit));
      if (await verifies(t, mutated)) {
        assert.equal(
          signedContent(mutated),
          signedContent(t.signature),
          "changed content verified",
        );
      }
    }),
    runs(1500),
  );
});

Deno.test("fuzz: a re-encoded, changed payload (bytes or statement structure) never verifies", async () => {
  await fc.assert(
    fc.asyncProperty(
      target,
      fc.boolean(),
      byteEdits,
      structuralEdit,
      async (t, asBytes, edits, edit) => {
        const bundle = parseBundle(t.signature, "x");
        const env = bundle.dsseEnvelope as Record<string, string>;
        const payload = Uint8Array.from(atob(env.payload), (c) => c.charCodeAt(0));
        const changed = asBytes ? applyByteEdits(payload, edits) : new TextEncoder().encode(
          applyStructuralEdit(JSON.parse(new TextDecoder().decode(payload)), edit),
        );
        env.payload = toBase64(changed);
        const mutated = serializeBundle(bundle);
        if (await verifies(t, mutated)) {
          assert.deepEqual(changed, payload, "a changed payload verified");
        }
      },
    ),
    runs(1000),
  );
});

const modelEdit = fc.record({
  op: fc.constantFrom("flip", "append", "truncate", "delete", "add", "rename", "directory"),
  file: fc.nat(),
  pos: fc.nat(),
  bit: fc.integer({ min: 0, max: 7 }),
  extra: fc.uint8Array({ minLength: 0, maxLength: 8 }),
  newName: fc.stringMatching(/^[a-z0-9._-]{1,12}$/).filter((n) =>
    ![".", "..", "ignore-me", "model.sig", ".git", ".github", ".gitignore", ".gitattributes"]
      .includes(n)
  ),
});

Deno.test("fuzz: a signed model whose signed files or file set changed never verifies", async () => {
  await fc.assert(
    fc.asyncProperty(target, modelEdit, async (t, e) => {
      const model = Deno.makeTempDirSync({ dir: WORK });
      try {
        for (const [name, bytes] of t.files) {
          Deno.mkdirSync(nodePath.dirname(nodePath.join(model, name)), { recursive: true });
          Deno.writeFileSync(nodePath.join(model, name), bytes);
        }
        const names = [...t.files.keys()];
        const name = names[e.file % names.length];
        const path = nodePath.join(model, name);
        const content = t.files.get(name)!;
        if (e.op === "flip") {
          const changed = content.slice();
          changed[e.pos % changed.length] ^= 1 << e.bit;
          Deno.writeFileSync(path, changed);
        } else if (e.op === "append") {
          Deno.writeFileSync(path, new Uint8Array([...content, ...e.extra, 0x0a]));
        } else if (e.op === "truncate") {
          Deno.writeFileSync(path, content.subarray(0, e.pos % content.length));
        } else if (e.op === "delete") {
          Deno.removeSync(path);
        } else if (e.op === "add") {
          const extra = nodePath.join(model, nodePath.dirname(name), `${e.newName}.new`);
          // Not empty: under the shards method an empty file has no item (docs/format.md §1.9).
          Deno.writeFileSync(extra, new Uint8Array([...e.extra, 0x0a]));
        } else if (e.op === "rename") {
          Deno.renameSync(path, nodePath.join(nodePath.dirname(path), `${e.newName}.renamed`));
        } else {
          Deno.removeSync(path);
          Deno.mkdirSync(path);
          Deno.writeFileSync(nodePath.join(path, "inner"), content);
        }
        assert.equal(await verifies(t, t.signature, model), false, `${e.op} ${name} verified`);
      } finally {
        Deno.removeSync(model, { recursive: true });
      }
    }),
    runs(600),
  );
});
