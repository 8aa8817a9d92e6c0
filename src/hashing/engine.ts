/**
 * Hash engines turn a list of byte ranges into digests. The serial engine is
 * the reference; faster engines must give identical results.
 *
 * @module
 */

import { DIGEST_SIZE, type HashAlgorithm, hasherFactory } from "./algorithms.ts";
import {
  allocReadBuffer,
  DEFAULT_CHUNK_SIZE,
  type FileRef,
  hashRangeTask,
  hashWholeFile,
} from "./file_range.ts";
import {
  type EngineOptions,
  type HashEngine,
  type HashJob,
  PackedDigests,
} from "./engine_types.ts";
import { WorkerPoolEngine } from "./pool.ts";

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

  /** Opens and hashes each file in order on this thread. */
  async hashFiles(
    files: Iterable<FileRef>,
    algorithm: HashAlgorithm,
    options: EngineOptions = {},
  ): Promise<Uint8Array> {
    const newHash = await hasherFactory(algorithm);
    const buffer = allocReadBuffer(options.chunkSize || DEFAULT_CHUNK_SIZE);
    const buffers = { buffers: [buffer], readSize: buffer.length };
    const out = new PackedDigests(DIGEST_SIZE[algorithm]);
    let i = 0;
    for (const file of files) {
      const f = await hashWholeFile(file, Infinity, newHash, buffers, () => false);
      options.onSize?.(f.size);
      options.onBytes?.(f.size);
      out.set(i++, f.digest!);
    }
    return out.bytes();
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
