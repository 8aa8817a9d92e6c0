/**
 * What the worker pool and its workers share: the messages between them and
 * the hashing loop both run (the pool on the calling thread for small jobs).
 * The worker imports this module, never the main-thread pool.
 *
 * @module
 */

import type { HashAlgorithm, HasherFactory } from "./algorithms.ts";
import type { HashJob } from "./engine_types.ts";
import { allocReadBuffer, hashRangeTaskOverlapped } from "./file_range.ts";

/**
 * A job as the pool hands it out: a whole range, or one part of a range that
 * a tree hash (BLAKE3) splits across threads.
 */
export interface PoolJob extends HashJob {
  /**
   * Set on a part: the range is the subtree of the message that starts at this
   * chunk, and its digest is the subtree's chaining value.
   */
  readonly subtreeChunk?: number;
}

/** A batch of jobs for one worker (main thread → worker). */
export interface WorkerRequest {
  /** Content hash to use. */
  readonly algorithm: HashAlgorithm;
  /** Read size in bytes. */
  readonly chunkSize: number;
  /** Jobs, hashed in this order. */
  readonly jobs: readonly PoolJob[];
  /** One shared counter: how many workers are idle (the worker overlaps reads while > 0). */
  readonly idle: Int32Array;
}

/** What a worker reports (worker → main thread). */
export type WorkerReply =
  | { readonly kind: "bytes"; readonly bytes: number }
  | { readonly kind: "done"; readonly digests: Uint8Array; readonly bytes: number }
  | { readonly kind: "error"; readonly message: string; readonly path?: string };

/**
 * Hashes `jobs` in order on the calling thread with two reused buffers,
 * overlapping reads with hashing while `overlap()` allows.
 */
export async function hashJobsHere(
  jobs: readonly PoolJob[],
  newHash: HasherFactory,
  buffers: readonly [Uint8Array, Uint8Array],
  overlap: () => boolean,
  onBytes?: (bytes: number) => void,
): Promise<Uint8Array[]> {
  const digests: Uint8Array[] = [];
  for (const job of jobs) {
    const first = job.subtreeChunk;
    const hash = first === undefined ? newHash : () => newHash.tree!.subtree(first);
    digests.push(
      await hashRangeTaskOverlapped(job, job.fileSize, hash, buffers, overlap, onBytes),
    );
  }
  return digests;
}

/**
 * Two aligned read buffers of `chunkSize` bytes for `newHash`: its own when
 * it has them (hashed without a copy), fresh ones otherwise.
 */
export function readBuffers(chunkSize: number, newHash: HasherFactory): [Uint8Array, Uint8Array] {
  return newHash.readBuffers?.(chunkSize) ??
    [allocReadBuffer(chunkSize), allocReadBuffer(chunkSize)];
}
