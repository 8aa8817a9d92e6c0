/**
 * Hash engines turn a list of byte ranges into digests. The serial engine is
 * the reference; faster engines must give identical results.
 *
 * @module
 */

import { type HashAlgorithm, hasherFactory } from "./algorithms.ts";
import {
  allocReadBuffer,
  DEFAULT_CHUNK_SIZE,
  hashRangeTask,
  type RangeTask,
} from "./file_range.ts";
import { WorkerPoolEngine } from "./pool.ts";

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

/** Hashes the jobs one after the other on the calling thread with one reused buffer. */
export class SerialEngine implements HashEngine {
  /** Hashes `jobs` in order on this thread; `result[i]` belongs to `jobs[i]`. */
  async hashAll(
    jobs: readonly HashJob[],
    algorithm: HashAlgorithm,
    options: EngineOptions = {},
  ): Promise<Uint8Array[]> {
    const newHash = await hasherFactory(algorithm);
    const buffer = allocReadBuffer(options.chunkSize || DEFAULT_CHUNK_SIZE);
    return jobs.map((job) => {
      const digest = hashRangeTask(job, job.fileSize, newHash, buffer);
      options.onBytes?.(job.end - job.start);
      return digest;
    });
  }
}

/** Options for {@linkcode createEngine}. */
export interface CreateEngineOptions {
  /** Parallel workers; `undefined` chooses one per core. */
  readonly workers?: number;
}

/** The engine the library and CLI use by default: a worker pool. */
export function createEngine(options: CreateEngineOptions = {}): HashEngine {
  return new WorkerPoolEngine({ workers: options.workers });
}
