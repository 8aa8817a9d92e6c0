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
}

/** Computes the digest of every job; `result[i]` belongs to `jobs[i]`. */
export interface HashEngine {
  /** Hashes `jobs` with `algorithm`. */
  hashAll(
    jobs: readonly HashJob[],
    algorithm: HashAlgorithm,
    options?: EngineOptions,
  ): Promise<Uint8Array[]>;
}
