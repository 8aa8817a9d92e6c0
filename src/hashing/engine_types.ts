/**
 * The contract every hash engine implements (serial, worker pool), apart
 * from the engines so that they and their callers share it without a cycle.
 *
 * @module
 */

import type { HashAlgorithm } from "./algorithms.ts";
import type { RangeTask } from "./file_range.ts";

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
   * Hashes whole files of unknown size, each opened once by path (size and
   * checks on the handle; sizes through `onSize`); `result[i]` belongs to the `i`-th path. Optional:
   * without it, callers stat each file and use {@linkcode hashAll}.
   */
  hashFiles?(
    paths: Iterable<string>,
    algorithm: HashAlgorithm,
    options?: EngineOptions,
  ): Promise<Uint8Array[]>;
}
