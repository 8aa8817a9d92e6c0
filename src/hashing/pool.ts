/**
 * The parallel hash engine: a pool of Web Workers, one per core by default.
 * Jobs go out largest first (so the last job to finish is a small one), tiny
 * jobs in batches (so per-message cost does not dominate many small files),
 * a large BLAKE3 range in power-of-two subtrees hashed on several workers and
 * combined into the same root, and a small model is hashed on the calling
 * thread, where it is faster than starting workers. None of these choices
 * changes a digest.
 *
 * @module
 */

import { DIGEST_SIZE, type HashAlgorithm, hasherFactory } from "./algorithms.ts";
import type { EngineOptions, HashEngine, HashJob } from "./engine_types.ts";
import { ModelPathError } from "../errors.ts";
import { DEFAULT_CHUNK_SIZE } from "./file_range.ts";
import {
  hashJobsHere,
  type PoolJob,
  readBuffers,
  type WorkerReply,
  type WorkerRequest,
} from "./worker_protocol.ts";

/** Tuning of {@linkcode WorkerPoolEngine}; no value changes a digest. */
export interface PoolOptions {
  /** Parallel workers, ≥ 1 (default: one per core). */
  readonly workers?: number;
  /** A batch stops growing at this many bytes (default 8 MiB); larger jobs go alone. */
  readonly batchBytes?: number;
  /** A batch stops growing at this many jobs (default 256). */
  readonly batchJobs?: number;
  /**
   * Work under both this many bytes and {@linkcode inThreadJobs} jobs is
   * hashed on the calling thread (default 160 MiB and 5,000). Measured here:
   * starting workers costs ~85 ms, one thread is faster below ~185 MiB of
   * large files or ~5,500 small ones.
   */
  readonly inThreadBytes?: number;
  /** See {@linkcode inThreadBytes}. */
  readonly inThreadJobs?: number;
  /**
   * A BLAKE3 range longer than this is split into parts of this size, hashed
   * as subtrees on several workers (default 32 MiB; a power of two ≥ 1024).
   */
  readonly treePartBytes?: number;
}

/** One worker per core. */
export function defaultWorkerCount(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

function jobBytes(job: HashJob): number {
  return job.end - job.start;
}

/** Hashes with a pool of workers; see the module documentation. */
export class WorkerPoolEngine implements HashEngine {
  /** Most threads used for one {@linkcode hashAll}. */
  readonly workers: number;
  readonly #tuning: Required<Omit<PoolOptions, "workers">>;

  /**
   * Creates the engine; workers start per {@linkcode hashAll} call and stop when it ends.
   * @param options Worker count and tuning.
   */
  constructor(options: PoolOptions = {}) {
    this.workers = options.workers ?? defaultWorkerCount();
    this.#tuning = {
      batchBytes: options.batchBytes ?? 8 << 20,
      batchJobs: options.batchJobs ?? 256,
      inThreadBytes: options.inThreadBytes ?? 160 << 20,
      inThreadJobs: options.inThreadJobs ?? 5_000,
      treePartBytes: options.treePartBytes ?? 32 << 20,
    };
    const part = this.#tuning.treePartBytes;
    if (!(part >= 1024 && (part & (part - 1)) === 0)) {
      throw new RangeError(`treePartBytes must be a power of two ≥ 1024, not ${part}`);
    }
  }

  /** Hashes `jobs` on the pool (or this thread when small); `result[i]` belongs to `jobs[i]`. */
  async hashAll(
    jobs: readonly HashJob[],
    algorithm: HashAlgorithm,
    options: EngineOptions = {},
  ): Promise<Uint8Array[]> {
    const chunkSize = options.chunkSize || DEFAULT_CHUNK_SIZE;
    const total = jobs.reduce((n, j) => n + jobBytes(j), 0);
    const t = this.#tuning;
    const small = total < t.inThreadBytes && jobs.length < t.inThreadJobs;
    const newHash = await hasherFactory(algorithm);
    const parts = newHash.tree && !small ? splitTrees(jobs, t.treePartBytes) : undefined;
    const poolJobs = parts?.jobs ?? jobs;
    if (this.workers === 1 || poolJobs.length <= 1 || small) {
      // Nothing else runs on this thread, so a second core can always take the reads.
      const overlap = defaultWorkerCount() > 1;
      const buffers = readBuffers(chunkSize, newHash);
      return hashJobsHere(jobs, newHash, buffers, () => overlap, options.onBytes);
    }
    const count = Math.min(this.workers, poolJobs.length);
    const digests = await runPool(poolJobs, algorithm, chunkSize, count, t, options);
    if (!parts) return digests;
    return parts.owners.map((range) =>
      range.length === 1 ? digests[range[0]] : newHash.tree!.combine(range.map((i) => digests[i]))
    );
  }
}

/**
 * Splits every range longer than `part` bytes into subtree parts of `part`
 * bytes (the last one shorter); `owners[i]` lists the indices of job `i`'s
 * parts (or of the job itself) in `jobs`.
 */
function splitTrees(
  ranges: readonly HashJob[],
  part: number,
): { jobs: PoolJob[]; owners: number[][] } {
  const jobs: PoolJob[] = [];
  const owners = ranges.map((job) => {
    if (job.end - job.start <= part) return [jobs.push(job) - 1];
    const indices: number[] = [];
    for (let start = job.start; start < job.end; start += part) {
      const { path, fileSize } = job;
      const end = Math.min(start + part, job.end);
      const subtreeChunk = (start - job.start) / 1024;
      indices.push(jobs.push({ path, start, end, fileSize, subtreeChunk }) - 1);
    }
    return indices;
  });
  return { jobs, owners };
}

interface PoolWorker {
  readonly worker: Worker;
  /** Batches sent and not yet answered, oldest first (job indices). */
  readonly inFlight: number[][];
}

/** Yields to the event loop (a macrotask, unlike `await`), so worker replies get handled. */
function eventLoopTurn(port: MessagePort, peer: MessagePort): Promise<void> {
  return new Promise((resolve) => {
    port.onmessage = () => resolve();
    peer.postMessage(null);
  });
}

function runPool(
  jobs: readonly PoolJob[],
  algorithm: HashAlgorithm,
  chunkSize: number,
  count: number,
  { batchBytes, batchJobs }: { batchBytes: number; batchJobs: number },
  options: EngineOptions,
): Promise<Uint8Array[]> {
  const order = jobs.map((_, i) => i).sort((a, b) =>
    jobBytes(jobs[b]) - jobBytes(jobs[a]) || a - b
  );
  const results: Uint8Array[] = new Array(jobs.length);
  const size = DIGEST_SIZE[algorithm];
  const idle = new Int32Array(new SharedArrayBuffer(4));
  // With only small jobs the calling thread takes batches too, in place of
  // one worker: it is idle anyway, and it starts at once (a worker takes
  // ~50 ms). Large jobs would keep it from answering the workers for too long.
  const callerHelps = jobBytes(jobs[order[0]]) < batchBytes;
  let next = 0;
  let remaining = jobs.length;

  const takeBatch = (): number[] => {
    const batch: number[] = [];
    let bytes = 0;
    while (next < order.length && batch.length < batchJobs) {
      const n = jobBytes(jobs[order[next]]);
      if (batch.length > 0 && bytes + n > batchBytes) break;
      batch.push(order[next++]);
      bytes += n;
    }
    return batch;
  };

  return new Promise((resolve, reject) => {
    const pool: PoolWorker[] = [];
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      for (const p of pool) p.worker.terminate();
      if (error === undefined) resolve(results);
      else reject(error);
    };
    const complete = (batch: number[], digestAt: (k: number) => Uint8Array) => {
      batch.forEach((job, k) => results[job] = digestAt(k));
      remaining -= batch.length;
      if (remaining === 0) finish();
    };
    const updateIdle = () =>
      Atomics.store(idle, 0, pool.filter((p) => p.inFlight.length === 0).length);
    // Small batches queue up to three deep per worker (hiding message latency);
    // a large job waits so that it goes to whichever worker frees up first,
    // except tree parts, which are alike: two deep, so a worker never waits.
    const fill = (p: PoolWorker) => {
      while (next < order.length && p.inFlight.length < 3) {
        const job = jobs[order[next]];
        const deep = job.subtreeChunk === undefined ? 1 : 2;
        if (p.inFlight.length >= deep && jobBytes(job) >= batchBytes) break;
        const batch = takeBatch();
        p.inFlight.push(batch);
        const request: WorkerRequest = {
          algorithm,
          chunkSize,
          jobs: batch.map((i) => {
            const { path, start, end, fileSize, subtreeChunk } = jobs[i];
            return { path, start, end, fileSize, subtreeChunk };
          }),
          idle,
        };
        p.worker.postMessage(request);
      }
    };
    const onReply = (p: PoolWorker, reply: WorkerReply) => {
      if (settled) return;
      if (reply.kind === "error") {
        finish(
          reply.path === undefined
            ? new Error(reply.message)
            : new ModelPathError(reply.path, reply.message),
        );
        return;
      }
      if (reply.bytes > 0) options.onBytes?.(reply.bytes);
      if (reply.kind === "bytes") return;
      complete(p.inFlight.shift()!, (k) => reply.digests.subarray(k * size, (k + 1) * size));
      if (settled) return;
      fill(p);
      updateIdle();
    };
    const helpHere = async () => {
      const newHash = await hasherFactory(algorithm);
      const buffers = readBuffers(chunkSize, newHash);
      const { port1, port2 } = new MessageChannel();
      try {
        while (!settled && next < order.length) {
          const batch = takeBatch();
          const digests = await hashJobsHere(
            batch.map((i) => jobs[i]),
            newHash,
            buffers,
            () => false,
            options.onBytes,
          );
          complete(batch, (k) => digests[k]);
          await eventLoopTurn(port1, port2);
        }
      } finally {
        port1.close();
        port2.close();
      }
    };
    for (let i = callerHelps ? 1 : 0; i < count; i++) {
      const p: PoolWorker = {
        worker: new Worker(new URL("./hash_worker.ts", import.meta.url), { type: "module" }),
        inFlight: [],
      };
      p.worker.onmessage = (e: MessageEvent<WorkerReply>) => onReply(p, e.data);
      p.worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        finish(new Error(`A hashing worker failed: ${e.message}`));
      };
      pool.push(p);
    }
    for (const p of pool) fill(p);
    updateIdle();
    if (callerHelps) helpHere().catch(finish);
  });
}
