/**
 * The in-toto statement that is signed (docs/format.md §2): built from a manifest
 * in the exact bytes the Python tool writes, and parsed back (without ever
 * re-serialising) into the manifest a signature promises, including the
 * legacy 0.2.0 predicate (§6.2).
 *
 * @module
 */

import { isUtf8 } from "node:buffer";
import { PayloadError } from "../errors.ts";
import { DIGEST_SIZE, type HashAlgorithm, parseHashAlgorithm } from "../hashing/algorithms.ts";
import { fromHex, toHex } from "../util/encoding.ts";
import {
  componentKinds,
  couldLeaveModel,
  DOT_COMPONENT,
  EMPTY_COMPONENT,
  normalizeRelative,
} from "../hashing/paths.ts";
import { isJsonObject } from "../util/json.ts";
import { ItemTable } from "../manifest/item_table.ts";
import {
  type Manifest,
  manifestTable,
  resourceAlgorithm,
  type Serialization,
} from "../manifest/manifest.ts";
import {
  Double,
  encodeProtoJson,
  type ProtoJsonValue,
  quoteAscii,
  Raw,
  type RawJson,
} from "./proto_json.ts";
import { forEachElement, readJson, SkippedArray } from "./json_reader.ts";

/** in-toto statement type. */
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
/** Predicate type of every signature since 0.3. */
export const PREDICATE_TYPE = "https://model_signing/signature/v1.0";
/** Predicate type of 0.2.0 signatures (one subject per file). */
export const LEGACY_PREDICATE_TYPE = "https://model_signing/Digests/v0.1";
/** DSSE payload type of the statement. */
export const PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** Where the resources are in a statement: read one at a time, never built as one array. */
const RESOURCES_PATH = ["predicate", "resources"];

function serializationJson(s: Serialization): ProtoJsonValue {
  return {
    method: s.method,
    hash_type: s.hashType,
    allow_symlinks: s.allowSymlinks,
    ...(s.method === "shards" ? { shard_size: new Double(s.shardSize) } : {}),
    ...(s.ignorePaths.length > 0 ? { ignore_paths: [...s.ignorePaths] } : {}),
  };
}

const ASCII = new TextEncoder();
const HEX_DIGITS = ASCII.encode("0123456789abcdef");

/** Bytes {@linkcode quoteAscii} makes of WTF-8 `bytes[start, end)`, quotes included. */
function quotedLength(bytes: Uint8Array, start: number, end: number): number {
  let n = 2;
  for (let i = start; i < end;) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      n += b === 0x22 || b === 0x5c || (b >= 0x08 && b <= 0x0d && b !== 0x0b)
        ? 2
        : b < 0x20 || b === 0x7f
        ? 6
        : 1;
    } else if (b >= 0xf0) {
      i += 4;
      n += 12; // a surrogate pair
    } else {
      i += b >= 0xe0 ? 3 : 2;
      n += 6;
    }
  }
  return n;
}

const SHORT_ESCAPE: Record<number, number> = {
  0x08: 0x62, // \b
  0x09: 0x74, // \t
  0x0a: 0x6e, // \n
  0x0c: 0x66, // \f
  0x0d: 0x72, // \r
  0x22: 0x22,
  0x5c: 0x5c,
};

function writeUnitEscape(out: Uint8Array, at: number, unit: number): number {
  out[at] = 0x5c;
  out[at + 1] = 0x75; // u
  out[at + 2] = HEX_DIGITS[unit >> 12];
  out[at + 3] = HEX_DIGITS[(unit >> 8) & 15];
  out[at + 4] = HEX_DIGITS[(unit >> 4) & 15];
  out[at + 5] = HEX_DIGITS[unit & 15];
  return at + 6;
}

/**
 * Writes WTF-8 `bytes[start, end)` quoted as {@linkcode quoteAscii} quotes
 * the string they encode (every UTF-16 unit ≥ 0x7F as `\\uXXXX`); returns the end.
 */
function writeQuoted(
  out: Uint8Array,
  at: number,
  bytes: Uint8Array,
  start: number,
  end: number,
): number {
  out[at++] = 0x22;
  for (let i = start; i < end;) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      const short = SHORT_ESCAPE[b];
      if (short !== undefined) {
        out[at++] = 0x5c;
        out[at++] = short;
      } else if (b < 0x20 || b === 0x7f) at = writeUnitEscape(out, at, b);
      else out[at++] = b;
      continue;
    }
    let cp: number;
    if (b >= 0xf0) {
      cp = ((b & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) |
        (bytes[i + 3] & 0x3f);
      i += 4;
      cp -= 0x10000;
      at = writeUnitEscape(out, at, 0xd800 | (cp >> 10));
      at = writeUnitEscape(out, at, 0xdc00 | (cp & 0x3ff));
      continue;
    }
    if (b >= 0xe0) {
      cp = ((b & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
      i += 3;
    } else {
      cp = ((b & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
      i += 2;
    }
    at = writeUnitEscape(out, at, cp);
  }
  out[at++] = 0x22;
  return at;
}

/**
 * The `predicate.resources` array of `table`, written from the packed items:
 * each element `{algorithm, digest, name}` in the layout
 * {@linkcode encodeProtoJson} gives objects, without making one.
 */
function resourcesJson(table: ItemTable): RawJson {
  const quotedAlgorithms = new Map<string, Uint8Array>();
  const quotedAlgorithm = (i: number) => {
    const a = table.algorithm(i);
    let q = quotedAlgorithms.get(a);
    if (!q) quotedAlgorithms.set(a, q = ASCII.encode(quoteAscii(a)));
    return q;
  };
  /** The fixed text around each element's values at an indentation. */
  const layout = (indent: string) => {
    const element = indent + "  ";
    const field = element + "  ";
    return {
      open: ASCII.encode(`[\n${element}`),
      separator: ASCII.encode(`,\n${element}`),
      algorithm: ASCII.encode(`{\n${field}"algorithm": `),
      digest: ASCII.encode(`,\n${field}"digest": "`),
      name: ASCII.encode(`",\n${field}"name": `),
      end: ASCII.encode(`\n${element}}`),
      close: ASCII.encode(`\n${indent}]`),
    };
  };
  const { paths, digests } = table;
  return {
    byteLength(indent) {
      if (table.length === 0) return 2;
      const l = layout(indent);
      const fixed = l.separator.length + l.algorithm.length + l.digest.length + l.name.length +
        l.end.length;
      let n = l.open.length - l.separator.length + l.close.length;
      for (let i = 0; i < table.length; i++) {
        const range = table.range(i);
        const shard = range ? `:${range.start}:${range.end}`.length : 0;
        n += fixed + quotedAlgorithm(i).length + 2 * (digests.end(i) - digests.start(i)) +
          quotedLength(paths.raw, paths.start(i), paths.end(i)) + shard;
      }
      return n;
    },
    writeInto(out, at, indent) {
      if (table.length === 0) {
        out.set(ASCII.encode("[]"), at);
        return at + 2;
      }
      const l = layout(indent);
      // Column buffers, not a view per item: 100,000 items would make 200,000 objects.
      const name = paths.raw;
      const digest = digests.raw;
      for (let i = 0; i < table.length; i++) {
        out.set(i === 0 ? l.open : l.separator, at);
        at += i === 0 ? l.open.length : l.separator.length;
        out.set(l.algorithm, at);
        at += l.algorithm.length;
        const algorithm = quotedAlgorithm(i);
        out.set(algorithm, at);
        at += algorithm.length;
        out.set(l.digest, at);
        at += l.digest.length;
        for (let k = digests.start(i); k < digests.end(i); k++) {
          out[at++] = HEX_DIGITS[digest[k] >> 4];
          out[at++] = HEX_DIGITS[digest[k] & 15];
        }
        out.set(l.name, at);
        at += l.name.length;
        const range = table.range(i);
        const end = writeQuoted(out, at, name, paths.start(i), paths.end(i));
        // A shard's name is `path:start:end` (§1.9): ASCII digits before the closing quote.
        at = range
          ? end - 1 +
            ASCII.encodeInto(`:${range.start}:${range.end}"`, out.subarray(end - 1)).written
          : end;
        out.set(l.end, at);
        at += l.end.length;
      }
      out.set(l.close, at);
      return at + l.close.length;
    },
  };
}

/**
 * The statement bytes for `manifest` (§2.2 layout, no trailing newline).
 * Resources are in canonical order; the subject digest is the root digest.
 * The resources are written straight from the packed items into the one
 * buffer: digests stay bytes until here.
 */
export function buildStatement(manifest: Manifest): Uint8Array {
  const table = manifestTable(manifest);
  const statement: ProtoJsonValue = {
    _type: STATEMENT_TYPE,
    subject: [{ name: manifest.modelName, digest: { sha256: toHex(table.rootDigest()) } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      serialization: serializationJson(manifest.serialization),
      resources: new Raw(resourcesJson(table)),
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
  /** Items by resource key (`path` or `path:start:end`); a parsed statement makes the map when it is first read. */
  readonly items: ReadonlyMap<string, ExpectedItem>;
  /** Method and algorithm the signer used. */
  readonly serialization: ExpectedSerialization;
  /** Model-relative paths the signer ignored (1.1+); absent in older signatures. */
  readonly ignorePaths: readonly string[];
}

/** The packed items of a manifest {@linkcode parseStatement} returned (not public). */
let signedItems: (expected: ExpectedManifest) => ItemTable | undefined;

/**
 * A parsed statement: its items stay packed, and the `items` map is made
 * only when it is read (the verification pipeline compares the packed form).
 */
class SignedManifest implements ExpectedManifest {
  readonly modelName: string;
  readonly serialization: ExpectedSerialization;
  readonly ignorePaths: readonly string[];
  readonly #table: ItemTable;
  #items: ReadonlyMap<string, ExpectedItem> | undefined;

  static {
    signedItems = (m) => #table in m ? m.#table : undefined;
  }

  constructor(
    base: Omit<ExpectedManifest, "items">,
    table: ItemTable,
  ) {
    this.modelName = base.modelName;
    this.serialization = base.serialization;
    this.ignorePaths = base.ignorePaths;
    this.#table = table;
  }

  get items(): ReadonlyMap<string, ExpectedItem> {
    const t = this.#table;
    return this.#items ??= new Map(
      Array.from({ length: t.length }, (_, i) => [
        t.key(i),
        { path: t.path(i), algorithm: t.algorithm(i), digest: t.digestHex(i) },
      ]),
    );
  }
}

/**
 * The items of `expected` in packed form, in the statement's order: its own
 * for a parsed statement, else made from its `items` map.
 */
export function expectedItems(expected: ExpectedManifest): ItemTable {
  const own = signedItems(expected);
  if (own) return own;
  const table = new ItemTable(expected.items.size);
  for (const [key, item] of expected.items) {
    // A shard's key is `path:start:end` (§1.9).
    const [start, end] = key === item.path
      ? []
      : key.slice(item.path.length + 1).split(":").map(Number);
    table.push(
      item.path,
      item.algorithm,
      fromHex(item.digest) ?? new Uint8Array(),
      start === undefined ? undefined : { start, end },
    );
  }
  return table;
}

/** `expected` with only the items `keep(i)` selects, packed. */
export function selectExpected(
  expected: ExpectedManifest,
  keep: (table: ItemTable, i: number) => boolean,
): ExpectedManifest {
  const table = expectedItems(expected);
  return new SignedManifest(expected, table.filter((i) => keep(table, i)));
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
  const kinds = componentKinds(name);
  if (couldLeaveModel(name, kinds)) {
    throw new PayloadError(
      where,
      `Refusing resource name '${shown(name)}': it could point outside the model.`,
    );
  }
  if (kinds & (EMPTY_COMPONENT | DOT_COMPONENT)) {
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

function parseV1(statement: Record<string, Json>, payload: Uint8Array): ExpectedManifest {
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
  if (!Array.isArray(resources) && !(resources instanceof SkippedArray)) {
    throw new PayloadError(
      "predicate.resources",
      "Statement field 'predicate.resources' is not a list.",
    );
  }
  const items = new ItemTable();
  /** Resource names so far, once they are not in canonical order (a hand-made statement). */
  let keys: Set<string> | undefined;
  const shards = new Map<string, { start: number; end: number }[]>();
  // Each digest is decoded here, then copied into the table.
  const decoded = new Uint8Array(DIGEST_SIZE[serialization.hashType]);
  const each = (raw: Json, i: number) => {
    const where = `predicate.resources[${i}]`;
    const r = asObject(raw, where);
    const name = stringField(r, "name", where);
    const itemAlgorithm = stringField(r, "algorithm", where);
    const digest = fromHex(stringField(r, "digest", where), decoded);
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
    const range = start !== undefined && end !== undefined ? { start, end } : undefined;
    const n = items.length;
    items.push(path, itemAlgorithm, digest, range);
    // In canonical order (every signer writes it) a name above the last is new.
    if (keys === undefined && (n === 0 || items.compare(n - 1, n) < 0)) {
      // New: above every earlier name.
    } else {
      keys ??= new Set(Array.from({ length: n }, (_, k) => items.key(k)));
      if (keys.has(key)) {
        throw new PayloadError(
          `${where}.name`,
          `Resource '${shown(name)}' appears twice in the statement.`,
        );
      }
      keys.add(key);
    }
    if (range) {
      const list = shards.get(path) ?? [];
      list.push(range);
      shards.set(path, list);
    }
  };
  if (resources instanceof SkippedArray) forEachElement(payload, resources, each);
  else resources.forEach(each);
  if (serialization.method === "shards") checkShardLayout(shards, serialization.shardSize);
  const computed = toHex(items.rootDigest());
  if (computed !== rootHex) {
    throw new PayloadError(
      "subject[0].digest.sha256",
      `Manifest is inconsistent. Root digest is ${
        shown(rootHex)
      }, but the included resources hash to ${computed}`,
    );
  }
  return new SignedManifest({ modelName, serialization, ignorePaths }, items);
}

function parseLegacy(statement: Record<string, Json>): ExpectedManifest {
  const subjects = field(statement, "subject", "statement");
  if (!Array.isArray(subjects)) {
    throw new PayloadError("subject", "Statement field 'subject' is not a list.");
  }
  const items = new ItemTable(subjects.length);
  const paths = new Set<string>();
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
    if (paths.has(path)) {
      throw new PayloadError(
        `${where}.name`,
        `Subject '${shown(name)}' appears twice in the statement.`,
      );
    }
    paths.add(path);
    items.push(path, "sha256", digest);
  });
  // 0.2.0 had no model name, no root digest and always hashed files with SHA-256.
  return new SignedManifest({
    modelName: "compat-undefined-not-present",
    serialization: { method: "files", hashType: "sha256" },
    ignorePaths: [],
  }, items);
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
  // Read from the bytes, the resources one at a time: no 17 MB text, no 100,000 objects at once.
  const read = isUtf8(payload) ? readJson(payload, { skip: RESOURCES_PATH }) : undefined;
  if (!read) throw new PayloadError("payload", "The signed payload is not UTF-8 JSON.");
  const statement = read.value;
  if (!isJsonObject(statement)) {
    throw new PayloadError("payload", "The signed payload is not a JSON object.");
  }
  if (read.duplicate !== undefined) {
    throw new PayloadError(
      read.duplicate,
      `The key '${read.duplicate}' appears twice in the signed statement.`,
    );
  }
  if (statement._type !== STATEMENT_TYPE) {
    throw new PayloadError(
      "_type",
      `Expected in-toto ${STATEMENT_TYPE} payload, but got ${shown(statement._type)}`,
    );
  }
  if (statement.predicateType === PREDICATE_TYPE) return parseV1(statement, payload);
  if (statement.predicateType === LEGACY_PREDICATE_TYPE) return parseLegacy(statement);
  throw new PayloadError(
    "predicateType",
    `Predicate type mismatch, expected ${PREDICATE_TYPE}, got ${shown(statement.predicateType)}`,
  );
}
