/**
 * The contract every hash engine implements (serial, worker pool), apart
 * from the engines so that they and their callers share it without a cycle,
 * and the packed digest list {@linkcode HashEngine.hashFiles} returns.
 *
 * @module
 */

import type { HashAlgorithm } from "./algorithms.ts";
import type { FileRef, RangeTask } from "./file_range.ts";

/** A range to hash, with the file size seen when the model was walked. */
export interface HashJob extends RangeTask {
  /** File size at walk time; a different size at hash time is an error. */
  readonly fileSize: number;
}

/** Options common to every engine. */
export interface EngineOptions {
  /** Read size in bytes; never changes a digest. */
  readonly chunkSize?: number;
  /** Called as bytes are hashed, with the count since the last call. */
  readonly onBytes?: (bytes: number) => void;
  /**
   * {@linkcode HashEngine.hashFiles} only: called with each file's size once
   * it is known (before its bytes are reported, or with them).
   */
  readonly onSize?: (bytes: number) => void;
}

/** Computes the digest of every job; `result[i]` belongs to `jobs[i]`. */
export interface HashEngine {
  /** Hashes `jobs` with `algorithm`. */
  hashAll(
    jobs: readonly HashJob[],
    algorithm: HashAlgorithm,
    options?: EngineOptions,
  ): Promise<Uint8Array[]>;
  /**
   * Hashes whole files of unknown size, each opened once (size and checks
   * from the path's stat before and after the reads; sizes through
   * `onSize`). The result is packed: the `i`-th file's digest is bytes
   * `[i × size, (i + 1) × size)`, `size` being the algorithm's `DIGEST_SIZE`
   * (one buffer, not an object per file). Optional: without it, callers stat
   * each file and use {@linkcode hashAll}.
   */
  hashFiles?(
    files: Iterable<FileRef>,
    algorithm: HashAlgorithm,
    options?: EngineOptions,
  ): Promise<Uint8Array>;
}

/** Digests of one size stored by index in one growing buffer, for {@linkcode HashEngine.hashFiles}. */
export class PackedDigests {
  readonly #size: number;
  #bytes: Uint8Array;
  #count = 0;

  /** Creates an empty list of `size`-byte digests. */
  constructor(size: number) {
    this.#size = size;
    this.#bytes = new Uint8Array(size * 1024);
  }

  /** Stores `digest` as entry `i` (entries may arrive in any order). */
  set(i: number, digest: Uint8Array): void {
    const end = (i + 1) * this.#size;
    if (end > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(end, 2 * this.#bytes.length));
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes.set(digest, i * this.#size);
    this.#count = Math.max(this.#count, i + 1);
  }

  /** Entries `0 … count-1`, packed. */
  bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#count * this.#size);
  }
}
