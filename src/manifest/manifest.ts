/**
 * The manifest: the model's items (files or shards) with their digests, in
 * canonical order, and the root digest over them (docs/format.md §1.8–1.12).
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { HashAlgorithm } from "../hashing/algorithms.ts";
import { toHex } from "../util/encoding.ts";
import { ItemTable, type ManifestItem } from "./item_table.ts";

export type { ManifestItem } from "./item_table.ts";

/** Serialization parameters recorded in the signature (`predicate.serialization`, §1.12). */
export type Serialization =
  | {
    readonly method: "files";
    readonly hashType: HashAlgorithm;
    readonly allowSymlinks: boolean;
    readonly ignorePaths: readonly string[];
  }
  | {
    readonly method: "shards";
    readonly hashType: Exclude<HashAlgorithm, "blake3">;
    readonly shardSize: number;
    readonly allowSymlinks: boolean;
    readonly ignorePaths: readonly string[];
  };

/** Resource identifier: the path, or `path:start:end` for a shard (§1.9). */
export function itemName(item: ManifestItem): string {
  return item.range ? `${item.path}:${item.range.start}:${item.range.end}` : item.path;
}

/** Per-resource algorithm string for a content hash under a serialization (§1.7). */
export function resourceAlgorithm(
  serialization: {
    readonly method: "files" | "shards";
    readonly hashType: string;
    readonly shardSize?: number;
  },
): string {
  return serialization.method === "shards"
    ? `${serialization.hashType}-sharded-${serialization.shardSize}`
    : serialization.hashType;
}

/**
 * SHA-256 over the concatenated raw item digests, in the given order (§1.11).
 * Whatever the item algorithm, the root is SHA-256.
 */
export function rootDigest(digests: Iterable<Uint8Array>): Uint8Array {
  const h = createHash("sha256");
  for (const d of digests) h.update(d);
  return new Uint8Array(h.digest());
}

/** The packed items of a manifest (for the format and verification code; not public). */
export let manifestTable: (manifest: Manifest) => ItemTable;

/**
 * A hashed model: its name, items in canonical order, and how it was
 * serialized. The items are kept packed (paths and digests as bytes) and
 * made into objects only when {@linkcode Manifest.items} is read.
 */
export class Manifest {
  /** Subject name (§1.6); informational, never compared. */
  readonly modelName: string;
  /** Parameters recorded in the signature. */
  readonly serialization: Serialization;
  readonly #table: ItemTable;
  #items: readonly ManifestItem[] | undefined;

  static {
    manifestTable = (manifest) => manifest.#table;
  }

  /**
   * Creates a manifest.
   * @param modelName Subject name.
   * @param items Items in any order; they are sorted canonically (stable for equal names).
   * @param serialization How the items were produced.
   */
  constructor(modelName: string, items: Iterable<ManifestItem>, serialization: Serialization) {
    this.modelName = modelName;
    this.#table = ItemTable.from(items).sorted();
    this.serialization = serialization;
  }

  /** Items in canonical order, made on the first read (a fresh digest copy each). */
  get items(): readonly ManifestItem[] {
    return this.#items ??= [...this.#table];
  }

  /** The root digest (§1.11) over the items in canonical order. */
  rootDigest(): Uint8Array {
    return this.#table.rootDigest();
  }

  /** `sha256:<hex>` of the root digest, as the `digest` command prints it. */
  rootDigestString(): string {
    return `sha256:${toHex(this.rootDigest())}`;
  }

  /** The items as `{ name, algorithm, digest (hex) }` records, in canonical order. */
  resourceDescriptors(): { name: string; algorithm: string; digest: string }[] {
    const t = this.#table;
    return Array.from({ length: t.length }, (_, i) => ({
      name: t.key(i),
      algorithm: t.algorithm(i),
      digest: t.digestHex(i),
    }));
  }
}
