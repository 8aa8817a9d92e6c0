/**
 * What the worker pool and its workers share: the messages between them and
 * the hashing loop both run (the pool on the calling thread for small jobs).
 * The worker imports this module, never the main-thread pool.
 *
 * @module
 */

import type { HashAlgorithm, HasherFactory } from "./algorithms.ts";
import type { HashJob } from "./engine_types.ts";
import {
  allocReadBuffers,
  COLD_READ_SIZE,
  hashRangeTaskOverlapped,
  hashWholeFile,
  type ReadBuffers,
  type WholeFile,
} from "./file_range.ts";

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
  /**
   * Set on a whole file of unknown size (`start`, `end` and `fileSize` unused):
   * it is opened once and hashed when it has at most this many bytes, else
   * only its size and identity are reported.
   */
  readonly wholeLimit?: number;
  /** On a whole file: the path is an allowed symlink to a file (`FileRef.link`). */
  readonly link?: boolean;
}

/** Each job's result: a digest, or for a {@linkcode PoolJob.wholeLimit} job what was found. */
export type JobResult = Uint8Array | WholeFile;

/** Numbers per whole-file job in a reply's `files`: size, dev, ino, mtime, hashed (0/1). */
export const FILE_FIELDS = 5;

/** A batch of jobs for one worker (main thread → worker). */
export interface WorkerRequest {
  /** Content hash to use. */
  readonly algorithm: HashAlgorithm;
  /** Read size in bytes. */
  readonly chunkSize: number;
  /** Jobs, hashed in this order. */
  readonly jobs: readonly PoolJob[];
  /** Whole files of a batch stop being hashed once it has hashed this many bytes. */
  readonly batchBytes: number;
  /** One shared counter: how many workers are idle (the worker overlaps reads while > 0). */
  readonly idle: Int32Array;
}

/** What a worker reports (worker → main thread). */
export type WorkerReply =
  | { readonly kind: "bytes"; readonly bytes: number }
  | {
    readonly kind: "done";
    /** One digest per job, packed (zeros for a whole file that was not hashed). */
    readonly digests: Uint8Array;
    /** For a batch of whole files: {@linkcode FILE_FIELDS} numbers per job. */
    readonly files?: Float64Array;
    readonly bytes: number;
  }
  | { readonly kind: "error"; readonly message: string; readonly path?: string };

/**
 * Hashes `jobs` in order on the calling thread with two reused buffers,
 * overlapping reads with hashing while `overlap()` allows. Whole files of a
 * batch stop being hashed (only opened) once the batch has hashed
 * `batchBytes`, so one batch stays small whatever it holds.
 */
export async function hashJobsHere(
  jobs: readonly PoolJob[],
  newHash: HasherFactory,
  buffers: ReadBuffers,
  overlap: () => boolean,
  onBytes?: (bytes: number) => void,
  batchBytes = Infinity,
  onSize?: (bytes: number) => void,
): Promise<JobResult[]> {
  const results: JobResult[] = [];
  let hashed = 0;
  for (const job of jobs) {
    if (job.wholeLimit !== undefined) {
      const limit = hashed > 0 ? Math.min(job.wholeLimit, batchBytes - hashed) : job.wholeLimit;
      const found = await hashWholeFile(
        job,
        limit,
        newHash,
        buffers,
        overlap,
        onBytes,
        onSize,
      );
      if (found.digest) hashed += found.size;
      results.push(found);
      continue;
    }
    const first = job.subtreeChunk;
    const hash = first === undefined ? newHash : () => newHash.tree!.subtree(first);
    results.push(
      await hashRangeTaskOverlapped(job, job.fileSize, hash, buffers, overlap, onBytes),
    );
  }
  return results;
}

/** Packs results for a reply (see {@linkcode WorkerReply}). */
export function packResults(
  results: readonly JobResult[],
  digestSize: number,
  whole: boolean,
): { digests: Uint8Array; files?: Float64Array } {
  const digests = new Uint8Array(results.length * digestSize);
  const files = whole ? new Float64Array(results.length * FILE_FIELDS) : undefined;
  results.forEach((r, k) => {
    if (r instanceof Uint8Array) digests.set(r, k * digestSize);
    else {
      if (r.digest) digests.set(r.digest, k * digestSize);
      const { size, identity: { dev, ino, mtimeMs } } = r;
      files!.set([size, dev, ino, mtimeMs, r.digest ? 1 : 0], k * FILE_FIELDS);
    }
  });
  return { digests, files };
}

/** Unpacks result `k` of a reply. */
export function unpackResult(
  digests: Uint8Array,
  files: Float64Array | undefined,
  k: number,
  digestSize: number,
): JobResult {
  const digest = digests.subarray(k * digestSize, (k + 1) * digestSize);
  if (!files) return digest;
  const [size, dev, ino, mtimeMs, hashed] = files.subarray(k * FILE_FIELDS, (k + 1) * FILE_FIELDS);
  return { digest: hashed ? digest : undefined, size, identity: { dev, ino, mtimeMs } };
}

/**
 * Two aligned read buffers for reads of `chunkSize` bytes for `newHash` (as
 * {@linkcode allocReadBuffers}): its own when it has them (hashed without a
 * copy), fresh ones otherwise.
 */
export function readBuffers(chunkSize: number, newHash: HasherFactory): ReadBuffers {
  const own = newHash.readBuffers?.(Math.max(chunkSize, COLD_READ_SIZE));
  return own ? { buffers: own, readSize: chunkSize } : allocReadBuffers(chunkSize);
}
