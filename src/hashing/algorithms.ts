/**
 * The three content hashes of the format (docs/format.md §1.7) behind one
 * incremental interface.
 *
 * @module
 */

import { ConfigError } from "../errors.ts";
import { fromHex } from "../util/hex.ts";
import type { IncrementalHash } from "./incremental_hash.ts";

/** Content hash names as recorded in `hash_type`. */
export type HashAlgorithm = "sha256" | "blake2b" | "blake3";

/** Every supported algorithm, in the order shown to users. */
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ["sha256", "blake2b", "blake3"];

/** Digest length in bytes of each algorithm. */
export const DIGEST_SIZE: Readonly<Record<HashAlgorithm, number>> = {
  sha256: 32,
  blake2b: 64,
  blake3: 32,
};

/**
 * Parses an algorithm name. `blake2` (the Python API name) is accepted as an
 * alias of `blake2b` (the recorded name).
 *
 * @throws {ConfigError} for any other name.
 */
export function parseHashAlgorithm(name: string): HashAlgorithm {
  const lower = name.toLowerCase();
  if (lower === "blake2") return "blake2b";
  if ((HASH_ALGORITHMS as readonly string[]).includes(lower)) return lower as HashAlgorithm;
  throw new ConfigError(
    "hash-algorithm",
    `Unknown hash algorithm '${name}': expected one of ${HASH_ALGORITHMS.join(", ")}`,
  );
}

export type { IncrementalHash } from "./incremental_hash.ts";

/** BLAKE3's tree, for hashing one message in parts on several threads. */
export interface TreeHash {
  /**
   * A hash of the part of a message that starts at chunk `firstChunk` (1024
   * bytes each); its `digest()` is the part's chaining value. A part is a
   * power of two of whole chunks starting at a multiple of it, or the rest of
   * the message after such parts.
   */
  subtree(firstChunk: number): IncrementalHash;
  /** The message's digest from the chaining values of its parts, in order (≥ 2 of them). */
  combine(chainingValues: readonly Uint8Array[]): Uint8Array;
}

/**
 * Makes fresh incremental hashes of one algorithm, synchronously. Hashes from
 * one factory must be used one after the other, never interleaved (BLAKE3
 * reuses a single WebAssembly instance).
 */
export interface HasherFactory {
  /** A fresh hash. */
  (): IncrementalHash;
  /**
   * Two read buffers that this factory's hashes consume without a copy (BLAKE3:
   * inside its WebAssembly memory), when it has them.
   */
  readonly readBuffers?: (size: number) => [Uint8Array, Uint8Array];
  /** The tree of a tree hash (BLAKE3). */
  readonly tree?: TreeHash;
}

async function nodeHasher(name: string): Promise<HasherFactory> {
  // Loaded when first used: a BLAKE3 worker never needs it, and it is ~12 ms of a worker's start.
  const { createHash } = await import("node:crypto");
  return () => {
    const h = createHash(name);
    return {
      update: (data) => void h.update(data),
      // As hex: Deno builds `digest()`'s `Buffer` slowly (~1.2 µs more for each small file).
      digest: () => fromHex(h.digest("hex"))!,
    };
  };
}

/**
 * Returns a factory of incremental hashes for `algorithm`.
 *
 * SHA-256 and BLAKE2b-512 come from `node:crypto` (native, SHA-NI); BLAKE3
 * from our WebAssembly SIMD kernels (`blake3.ts`), compiled asynchronously
 * once per thread, hence the promise.
 */
export async function hasherFactory(algorithm: HashAlgorithm): Promise<HasherFactory> {
  switch (algorithm) {
    case "sha256":
      return await nodeHasher("sha256");
    case "blake2b":
      return await nodeHasher("blake2b512");
    case "blake3": {
      // Loaded only when used, so that other algorithms never compile it. One
      // instance per factory: creating one per file would dominate on many small files.
      const { Blake3 } = await import("./blake3.ts");
      const b3 = await Blake3.create();
      return Object.assign(() => b3.newHash(), {
        readBuffers: (size: number) => b3.readBuffers(size),
        tree: {
          subtree: (firstChunk: number) => b3.newSubtree(firstChunk),
          combine: (cvs: readonly Uint8Array[]) => b3.combine(cvs),
        },
      });
    }
  }
}

/** Hashes a whole in-memory byte string. */
export async function hashBytes(algorithm: HashAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  const h = (await hasherFactory(algorithm))();
  h.update(data);
  return h.digest();
}
