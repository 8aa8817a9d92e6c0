/**
 * The manifest: the model's items (files or shards) with their digests, in
 * canonical order, and the root digest over them (docs/format.md §1.8–1.12).
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { HashAlgorithm } from "../hashing/algorithms.ts";
import { toHex } from "../util/encoding.ts";
import { compareCanonicalPaths } from "./order.ts";

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

/** One manifest entry: a whole file, or one shard `[start, end)` of a file. */
export interface ManifestItem {
  /** File path relative to the model (POSIX), `.` for a single-file model. */
  readonly path: string;
  /** Shard range, absent for whole files. */
  readonly range?: { readonly start: number; readonly end: number };
  /** Algorithm string as recorded per resource: `sha256`, `blake2b`, `sha256-sharded-8`… */
  readonly algorithm: string;
  /** Raw digest bytes. */
  readonly digest: Uint8Array;
}

/** Resource identifier: the path, or `path:start:end` for a shard (§1.9). */
export function itemName(item: ManifestItem): string {
  return item.range ? `${item.path}:${item.range.start}:${item.range.end}` : item.path;
}

/** Canonical order (§1.10): by path component-wise, then shard start, then end, numerically. */
export function compareItems(a: ManifestItem, b: ManifestItem): number {
  return compareCanonicalPaths(a.path, b.path) ||
    (a.range?.start ?? 0) - (b.range?.start ?? 0) ||
    (a.range?.end ?? 0) - (b.range?.end ?? 0);
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

/** A hashed model: its name, items in canonical order, and how it was serialized. */
export class Manifest {
  /** Subject name (§1.6); informational, never compared. */
  readonly modelName: string;
  /** Items in canonical order. */
  readonly items: readonly ManifestItem[];
  /** Parameters recorded in the signature. */
  readonly serialization: Serialization;

  /**
   * Creates a manifest.
   * @param modelName Subject name.
   * @param items Items in any order; they are sorted canonically.
   * @param serialization How the items were produced.
   */
  constructor(modelName: string, items: Iterable<ManifestItem>, serialization: Serialization) {
    this.modelName = modelName;
    this.items = [...items].sort(compareItems);
    this.serialization = serialization;
  }

  /** The root digest (§1.11) over the items in canonical order. */
  rootDigest(): Uint8Array {
    return rootDigest(this.items.map((i) => i.digest));
  }

  /** `sha256:<hex>` of the root digest, as the `digest` command prints it. */
  rootDigestString(): string {
    return `sha256:${toHex(this.rootDigest())}`;
  }

  /** The items as `{ name, algorithm, digest (hex) }` records, in canonical order. */
  resourceDescriptors(): { name: string; algorithm: string; digest: string }[] {
    return this.items.map((i) => ({
      name: itemName(i),
      algorithm: i.algorithm,
      digest: toHex(i.digest),
    }));
  }
}
