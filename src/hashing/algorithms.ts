/**
 * The three content hashes of the format (docs/format.md §1.7) behind one
 * incremental interface.
 *
 * @module
 */

import { createHash as nodeCreateHash } from "node:crypto";
import { ConfigError } from "../errors.ts";

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

/** An incremental hash: feed bytes, then take the digest once. */
export interface IncrementalHash {
  /** Adds bytes. The caller may reuse `data` as soon as this returns. */
  update(data: Uint8Array): void;
  /** Returns the digest; the hash must not be used afterwards. */
  digest(): Uint8Array;
}

/**
 * Makes fresh incremental hashes of one algorithm, synchronously. Hashes from
 * one factory must be used one after the other, never interleaved (BLAKE3
 * reuses a single WebAssembly instance).
 */
export type HasherFactory = () => IncrementalHash;

function nodeHasher(name: string): HasherFactory {
  return () => {
    const h = nodeCreateHash(name);
    return {
      update: (data) => void h.update(data),
      digest: () => new Uint8Array(h.digest()),
    };
  };
}

/**
 * Returns a factory of incremental hashes for `algorithm`.
 *
 * SHA-256 and BLAKE2b-512 come from `node:crypto` (native, SHA-NI); BLAKE3
 * from WebAssembly (`hash-wasm`), whose module must be loaded asynchronously
 * once, hence the promise.
 */
export async function hasherFactory(algorithm: HashAlgorithm): Promise<HasherFactory> {
  switch (algorithm) {
    case "sha256":
      return nodeHasher("sha256");
    case "blake2b":
      return nodeHasher("blake2b512");
    case "blake3": {
      // One WASM instance per factory, re-initialised per digest: creating an
      // instance per file would dominate on many small files.
      // Loaded only when used: the module is large, and every process and
      // hashing worker would otherwise pay for it at start-up.
      const { createBLAKE3 } = await import("../deps/hash_wasm.ts");
      const wasm = await createBLAKE3();
      return () => {
        wasm.init();
        return {
          update: (data) => void wasm.update(data),
          digest: () => wasm.digest("binary"),
        };
      };
    }
  }
}

/** Hashes a whole in-memory byte string. */
export async function hashBytes(algorithm: HashAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  const h = (await hasherFactory(algorithm))();
  h.update(data);
  return h.digest();
}
