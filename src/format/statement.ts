/**
 * The in-toto statement that is signed (docs/format.md §2): built from a manifest
 * in the exact bytes the Python tool writes, and parsed back (without ever
 * re-serialising) into the manifest a signature promises, including the
 * legacy 0.2.0 predicate (§6.2).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { PayloadError } from "../errors.ts";
import { DIGEST_SIZE, type HashAlgorithm, parseHashAlgorithm } from "../hashing/algorithms.ts";
import { fromHex, toHex } from "../util/encoding.ts";
import { couldLeaveModel, normalizeRelative } from "../hashing/paths.ts";
import { isJsonObject } from "../util/json.ts";
import {
  itemName,
  type Manifest,
  resourceAlgorithm,
  type Serialization,
} from "../manifest/manifest.ts";
import { Double, encodeProtoJson, LazyArray, type ProtoJsonValue } from "./proto_json.ts";
import { findDuplicateKey } from "./strict_json.ts";

/** in-toto statement type. */
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
/** Predicate type of every signature since 0.3. */
export const PREDICATE_TYPE = "https://model_signing/signature/v1.0";
/** Predicate type of 0.2.0 signatures (one subject per file). */
export const LEGACY_PREDICATE_TYPE = "https://model_signing/Digests/v0.1";
/** DSSE payload type of the statement. */
export const PAYLOAD_TYPE = "application/vnd.in-toto+json";

function serializationJson(s: Serialization): ProtoJsonValue {
  return {
    method: s.method,
    hash_type: s.hashType,
    allow_symlinks: s.allowSymlinks,
    ...(s.method === "shards" ? { shard_size: new Double(s.shardSize) } : {}),
    ...(s.ignorePaths.length > 0 ? { ignore_paths: [...s.ignorePaths] } : {}),
  };
}

/**
 * The statement bytes for `manifest` (§2.2 layout, no trailing newline).
 * Resources are in canonical order; the subject digest is the root digest.
 */
export function buildStatement(manifest: Manifest): Uint8Array {
  const statement: ProtoJsonValue = {
    _type: STATEMENT_TYPE,
    subject: [{ name: manifest.modelName, digest: { sha256: toHex(manifest.rootDigest()) } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      serialization: serializationJson(manifest.serialization),
      // Made one at a time as they are written; digests stay bytes until here.
      resources: new LazyArray(
        (function* () {
          for (const item of manifest.items) {
            yield { algorithm: item.algorithm, digest: toHex(item.digest), name: itemName(item) };
          }
        })(),
      ),
    },
  };
  return encodeProtoJson(statement);
}

/** One item a signature promises: algorithm string and digest, keyed by resource name. */
export interface ExpectedItem {
  /** File path relative to the model (normalised), for `ignore_unsigned_files`. */
  readonly path: string;
  /** Per-resource algorithm string. */
  readonly algorithm: string;
  /** Lowercase hex digest. */
  readonly digest: string;
}

/** How the signed model was hashed, as far as the verifier needs it. */
export type ExpectedSerialization =
  | { readonly method: "files"; readonly hashType: HashAlgorithm }
  | { readonly method: "shards"; readonly hashType: HashAlgorithm; readonly shardSize: number };

/** What a signature promises about the model. */
export interface ExpectedManifest {
  /** Subject name (`""` when absent, as in ≤1.0 signatures of `.`). */
  readonly modelName: string;
  /** Items by resource key (`path` or `path:start:end`). */
  readonly items: ReadonlyMap<string, ExpectedItem>;
  /** Method and algorithm the signer used. */
  readonly serialization: ExpectedSerialization;
  /** Model-relative paths the signer ignored (1.1+); absent in older signatures. */
  readonly ignorePaths: readonly string[];
}

type Json = unknown;

/** A signed value quoted in a message: bounded, so a hostile statement cannot flood the output. */
function shown(v: Json): string {
  const text = typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** `value` as an object, or a PayloadError naming the field `where`. */
function asObject(value: Json, where: string): Record<string, Json> {
  if (!isJsonObject(value)) {
    throw new PayloadError(where, `Statement field '${where}' is not an object.`);
  }
  return value;
}

function field(obj: Record<string, Json>, name: string, where: string): Json {
  if (!(name in obj)) {
    throw new PayloadError(`${where}.${name}`, `Statement has no '${where}.${name}'.`);
  }
  return obj[name];
}

function stringField(obj: Record<string, Json>, name: string, where: string): string {
  const v = field(obj, name, where);
  if (typeof v !== "string") {
    throw new PayloadError(
      `${where}.${name}`,
      `Statement field '${where}.${name}' is not a string.`,
    );
  }
  return v;
}

/**
 * Checks a signed path and returns it. Refused before any file is opened:
 * names that could reach outside the model (absolute, `..`, a NUL, a
 * backslash on Windows: {@linkcode couldLeaveModel}) and names that are not in the canonical form every signer writes
 * (empty or `.` components, a trailing `/`; `.` alone is the single-file
 * model), which could otherwise alias another name. Python would normalise
 * or accept them; none can come from a genuine signer.
 */
function signedPath(name: string, where: string): string {
  if (name === ".") return name;
  if (couldLeaveModel(name)) {
    throw new PayloadError(
      where,
      `Refusing resource name '${shown(name)}': it could point outside the model.`,
    );
  }
  if (name.split("/").some((p) => p === "" || p === ".")) {
    throw new PayloadError(
      where,
      `Refusing resource name '${shown(name)}': it has an empty or '.' component.`,
    );
  }
  return name;
}

/** A decimal integer as signers write it: no sign, no leading zero, a safe integer. */
function offset(text: string): number | undefined {
  const n = Number(text);
  return /^(0|[1-9][0-9]*)$/.test(text) && Number.isSafeInteger(n) ? n : undefined;
}

function resourceKey(
  name: string,
  method: "files" | "shards",
  where: string,
): { key: string; path: string; start?: number; end?: number } {
  if (method === "files") {
    const path = signedPath(name, where);
    return { key: path, path };
  }
  const parts = name.split(":");
  if (parts.length !== 3) {
    throw new PayloadError(
      where,
      `Invalid resource name: expected 3 components separated by \`:\`, got ${shown(name)}`,
    );
  }
  const [rawPath, rawStart, rawEnd] = parts;
  const start = offset(rawStart);
  const end = offset(rawEnd);
  if (start === undefined || end === undefined || start >= end) {
    throw new PayloadError(where, `Invalid shard range in resource name '${shown(name)}'.`);
  }
  const path = signedPath(rawPath, where);
  return { key: `${path}:${start}:${end}`, path, start, end };
}

/**
 * Every file's shards must be exactly the split the shards method makes:
 * `[0,N)`, `[N,2N)`, …, last one shorter or equal. Overlaps, gaps and odd
 * sizes can come only from a hand-made statement.
 */
function checkShardLayout(
  shards: ReadonlyMap<string, { start: number; end: number }[]>,
  shardSize: number,
): void {
  for (const [path, ranges] of shards) {
    ranges.sort((a, b) => a.start - b.start);
    ranges.forEach((r, i) => {
      const last = i === ranges.length - 1;
      const size = r.end - r.start;
      if (r.start !== i * shardSize || (last ? size > shardSize : size !== shardSize)) {
        throw new PayloadError(
          "predicate.resources",
          `Invalid shards for '${
            shown(path)
          }': ${r.start}:${r.end} is not the split into ${shardSize}-byte shards (overlap, gap or wrong size).`,
        );
      }
    });
  }
}

function parseSerialization(predicate: Record<string, Json>): {
  serialization: ExpectedSerialization;
  ignorePaths: string[];
} {
  const s = asObject(field(predicate, "serialization", "predicate"), "predicate.serialization");
  const method = stringField(s, "method", "predicate.serialization");
  if (method !== "files" && method !== "shards") {
    throw new PayloadError(
      "predicate.serialization.method",
      `Unknown serialization type ${shown(method)}`,
    );
  }
  let hashType: HashAlgorithm;
  const rawHashType = stringField(s, "hash_type", "predicate.serialization");
  try {
    hashType = parseHashAlgorithm(rawHashType);
  } catch {
    throw new PayloadError(
      "predicate.serialization.hash_type",
      `Unknown hash algorithm '${shown(rawHashType)}' in the statement.`,
    );
  }
  if (typeof field(s, "allow_symlinks", "predicate.serialization") !== "boolean") {
    throw new PayloadError(
      "predicate.serialization.allow_symlinks",
      "Statement field 'allow_symlinks' is not a boolean.",
    );
  }
  const rawIgnore = s.ignore_paths ?? [];
  if (!Array.isArray(rawIgnore) || !rawIgnore.every((p) => typeof p === "string")) {
    throw new PayloadError(
      "predicate.serialization.ignore_paths",
      "Statement field 'ignore_paths' is not a list of strings.",
    );
  }
  const ignorePaths = rawIgnore as string[];
  // An entry naming the model root would ignore every file: with no resources
  // such a statement would "verify" any folder.
  const root = ignorePaths.find((p) => normalizeRelative(p) === ".");
  if (root !== undefined) {
    throw new PayloadError(
      "predicate.serialization.ignore_paths",
      `Refusing ignore path '${
        shown(root)
      }': it names the model root, which would ignore every file.`,
    );
  }
  if (method === "files") return { serialization: { method, hashType }, ignorePaths };
  const shardSize = field(s, "shard_size", "predicate.serialization");
  if (typeof shardSize !== "number" || !Number.isSafeInteger(shardSize) || shardSize <= 0) {
    throw new PayloadError(
      "predicate.serialization.shard_size",
      `Invalid shard size ${JSON.stringify(shardSize)} in the statement.`,
    );
  }
  return { serialization: { method, hashType, shardSize }, ignorePaths };
}

function parseV1(statement: Record<string, Json>): ExpectedManifest {
  const subjects = field(statement, "subject", "statement");
  if (!Array.isArray(subjects) || subjects.length !== 1 || !isJsonObject(subjects[0])) {
    throw new PayloadError("subject", `Expected only one subject, got ${shown(subjects)}`);
  }
  const subject = subjects[0];
  const modelName = subject.name === undefined ? "" : stringField(subject, "name", "subject[0]");
  const digestMap = asObject(field(subject, "digest", "subject[0]"), "subject[0].digest");
  const rootHex = stringField(digestMap, "sha256", "subject[0].digest");
  const predicate = asObject(field(statement, "predicate", "statement"), "predicate");
  const { serialization, ignorePaths } = parseSerialization(predicate);
  const algorithm = resourceAlgorithm(serialization);
  const resources = field(predicate, "resources", "predicate");
  if (!Array.isArray(resources)) {
    throw new PayloadError(
      "predicate.resources",
      "Statement field 'predicate.resources' is not a list.",
    );
  }
  const root = createHash("sha256");
  const items = new Map<string, ExpectedItem>();
  const shards = new Map<string, { start: number; end: number }[]>();
  resources.forEach((raw, i) => {
    const where = `predicate.resources[${i}]`;
    const r = asObject(raw, where);
    const name = stringField(r, "name", where);
    const itemAlgorithm = stringField(r, "algorithm", where);
    const digest = fromHex(stringField(r, "digest", where));
    if (!digest) {
      throw new PayloadError(
        `${where}.digest`,
        `Resource '${shown(name)}' has a digest that is not hex.`,
      );
    }
    if (digest.length !== DIGEST_SIZE[serialization.hashType]) {
      throw new PayloadError(
        `${where}.digest`,
        `Resource '${
          shown(name)
        }' has a ${digest.length}-byte digest; ${serialization.hashType} digests have ${
          DIGEST_SIZE[serialization.hashType]
        }.`,
      );
    }
    if (itemAlgorithm !== algorithm) {
      throw new PayloadError(
        `${where}.algorithm`,
        `Resource '${shown(name)}' uses algorithm '${
          shown(itemAlgorithm)
        }', but the statement's serialization implies '${algorithm}'.`,
      );
    }
    const { key, path, start, end } = resourceKey(name, serialization.method, `${where}.name`);
    if (items.has(key)) {
      throw new PayloadError(
        `${where}.name`,
        `Resource '${shown(name)}' appears twice in the statement.`,
      );
    }
    if (start !== undefined && end !== undefined) {
      const list = shards.get(path) ?? [];
      list.push({ start, end });
      shards.set(path, list);
    }
    root.update(digest);
    items.set(key, { path, algorithm: itemAlgorithm, digest: toHex(digest) });
  });
  if (serialization.method === "shards") checkShardLayout(shards, serialization.shardSize);
  const computed = root.digest("hex");
  if (computed !== rootHex) {
    throw new PayloadError(
      "subject[0].digest.sha256",
      `Manifest is inconsistent. Root digest is ${
        shown(rootHex)
      }, but the included resources hash to ${computed}`,
    );
  }
  return { modelName, items, serialization, ignorePaths };
}

function parseLegacy(statement: Record<string, Json>): ExpectedManifest {
  const subjects = field(statement, "subject", "statement");
  if (!Array.isArray(subjects)) {
    throw new PayloadError("subject", "Statement field 'subject' is not a list.");
  }
  const items = new Map<string, ExpectedItem>();
  subjects.forEach((raw, i) => {
    const where = `subject[${i}]`;
    const s = asObject(raw, where);
    const name = stringField(s, "name", where);
    const digestMap = asObject(field(s, "digest", where), `${where}.digest`);
    const digest = fromHex(stringField(digestMap, "sha256", `${where}.digest`));
    if (!digest) {
      throw new PayloadError(
        `${where}.digest.sha256`,
        `Subject '${shown(name)}' has a digest that is not hex.`,
      );
    }
    const path = signedPath(name, `${where}.name`);
    if (digest.length !== DIGEST_SIZE.sha256) {
      throw new PayloadError(
        `${where}.digest.sha256`,
        `Subject '${shown(name)}' has a ${digest.length}-byte digest; sha256 digests have 32.`,
      );
    }
    if (items.has(path)) {
      throw new PayloadError(
        `${where}.name`,
        `Subject '${shown(name)}' appears twice in the statement.`,
      );
    }
    items.set(path, { path, algorithm: "sha256", digest: toHex(digest) });
  });
  // 0.2.0 had no model name, no root digest and always hashed files with SHA-256.
  return {
    modelName: "compat-undefined-not-present",
    items,
    serialization: { method: "files", hashType: "sha256" },
    ignorePaths: [],
  };
}

/**
 * Parses verified payload bytes into the manifest they promise (§2.3), with
 * the exact Python error messages where Python has one. Stricter than Python
 * where only a hand-made statement differs: no duplicate keys, canonical
 * resource names, the exact shard split, digests of the algorithm's size.
 *
 * @throws {PayloadError} for any payload that is not a consistent statement.
 */
export function parseStatement(payloadType: string, payload: Uint8Array): ExpectedManifest {
  if (payloadType !== PAYLOAD_TYPE) {
    throw new PayloadError(
      "payloadType",
      `Expected DSSE payload ${PAYLOAD_TYPE}, but got ${shown(payloadType)}`,
    );
  }
  let statement: Json;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(payload);
    statement = JSON.parse(text);
  } catch {
    throw new PayloadError("payload", "The signed payload is not UTF-8 JSON.");
  }
  if (!isJsonObject(statement)) {
    throw new PayloadError("payload", "The signed payload is not a JSON object.");
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    throw new PayloadError(
      duplicate,
      `The key '${duplicate}' appears twice in the signed statement.`,
    );
  }
  if (statement._type !== STATEMENT_TYPE) {
    throw new PayloadError(
      "_type",
      `Expected in-toto ${STATEMENT_TYPE} payload, but got ${shown(statement._type)}`,
    );
  }
  if (statement.predicateType === PREDICATE_TYPE) return parseV1(statement);
  if (statement.predicateType === LEGACY_PREDICATE_TYPE) return parseLegacy(statement);
  throw new PayloadError(
    "predicateType",
    `Predicate type mismatch, expected ${PREDICATE_TYPE}, got ${shown(statement.predicateType)}`,
  );
}
