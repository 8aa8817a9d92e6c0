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

/** A batch of jobs for one worker (main thread → worker). */
export interface WorkerRequest {
  /** Content hash to use. */
  readonly algorithm: HashAlgorithm;
  /** Read size in bytes. */
  readonly chunkSize: number;
  /** Jobs, hashed in this order. */
  readonly jobs: readonly HashJob[];
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
  jobs: readonly HashJob[],
  newHash: HasherFactory,
  buffers: readonly [Uint8Array, Uint8Array],
  overlap: () => boolean,
  onBytes?: (bytes: number) => void,
): Promise<Uint8Array[]> {
  const digests: Uint8Array[] = [];
  for (const job of jobs) {
    digests.push(
      await hashRangeTaskOverlapped(job, job.fileSize, newHash, buffers, overlap, onBytes),
    );
  }
  return digests;
}

/** Two aligned read buffers of `chunkSize` bytes. */
export function readBuffers(chunkSize: number): [Uint8Array, Uint8Array] {
  return [allocReadBuffer(chunkSize), allocReadBuffer(chunkSize)];
}
