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
import {
  type EngineOptions,
  type HashEngine,
  type HashJob,
  PackedDigests,
} from "./engine_types.ts";
import { ModelPathError } from "../errors.ts";
import {
  DEFAULT_CHUNK_SIZE,
  type FileIdentity,
  type FileRef,
  hashWholeFile,
  type WholeFile,
} from "./file_range.ts";
import {
  FILE_FIELDS,
  hashJobsHere,
  type JobResult,
  type PoolJob,
  readBuffers,
  unpackResult,
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
      return await hashJobsHere(
        jobs,
        newHash,
        buffers,
        () => overlap,
        options.onBytes,
      ) as Uint8Array[];
    }
    const count = Math.min(this.workers, poolJobs.length);
    const source = sizedSource(poolJobs, t.batchBytes, t.batchJobs);
    const digests: Uint8Array[] = new Array(poolJobs.length);
    await runPool(source, algorithm, chunkSize, count, t, options, (i, r) => {
      digests[i] = r as Uint8Array;
    });
    if (!parts) return digests;
    return parts.owners.map((range) =>
      range.length === 1 ? digests[range[0]] : newHash.tree!.combine(range.map((i) => digests[i]))
    );
  }

  /**
   * Hashes whole files found by a walk, opening each once (size and identity
   * from the handle). The walk is pulled lazily a batch at a time, so hashing
   * starts before it ends. A file larger than one batch, or met when its batch
   * already hashed a batch's worth, is only sized at first, then hashed with
   * the large jobs (largest first, BLAKE3 split), opened again and checked to
   * be the same file. Fewer files than the in-thread limit are opened here.
   */
  async hashFiles(
    files: Iterable<FileRef>,
    algorithm: HashAlgorithm,
    options: EngineOptions = {},
  ): Promise<Uint8Array> {
    const t = this.#tuning;
    const chunkSize = options.chunkSize || DEFAULT_CHUNK_SIZE;
    const it = files[Symbol.iterator]();
    const head: FileRef[] = [];
    while (head.length < t.inThreadJobs) {
      const r = it.next();
      if (r.done) break;
      head.push(r.value);
    }
    let k = 0;
    const all: Iterator<FileRef> = {
      next: () => k < head.length ? { done: false, value: head[k++] } : it.next(),
    };
    // Packed: a view per file would be 100,000 objects that V8 copies on every scavenge.
    const digests = new PackedDigests(DIGEST_SIZE[algorithm]);
    /** Files only sized so far: index, path, size, identity. */
    const later: { i: number; path: string; size: number; identity: FileIdentity }[] = [];
    const keep = (i: number, path: string, f: WholeFile) => {
      if (f.digest) digests.set(i, f.digest);
      else later.push({ i, path, size: f.size, identity: f.identity });
    };
    if (this.workers === 1 || head.length < t.inThreadJobs) {
      // Few files (or one thread): hashed here up to the in-thread byte limit, the rest sized for hashAll.
      let budget = this.workers === 1 ? Infinity : t.inThreadBytes;
      const newHash = await hasherFactory(algorithm);
      const buffers = readBuffers(chunkSize, newHash);
      const overlap = () => defaultWorkerCount() > 1;
      const { onBytes, onSize } = options;
      let i = 0;
      for (let r = all.next(); !r.done; r = all.next(), i++) {
        const f = await hashWholeFile(r.value, budget, newHash, buffers, overlap, onBytes, onSize);
        if (f.digest) budget -= f.size;
        keep(i, r.value.path, f);
      }
    } else {
      const source = wholeFileSource(all, t.batchBytes, t.batchJobs);
      await runPool(source, algorithm, chunkSize, this.workers, t, options, (i, r) => {
        keep(i, source.paths[i]!, r as WholeFile);
        source.paths[i] = undefined;
      });
    }
    if (later.length === 0) return digests.bytes();
    for (const f of later) options.onSize?.(f.size);
    const rest = await this.hashAll(
      later.map(({ path, size, identity }) => ({
        path,
        start: 0,
        end: size,
        fileSize: size,
        identity,
      })),
      algorithm,
      options,
    );
    later.forEach(({ i }, k) => digests.set(i, rest[k]));
    return digests.bytes();
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
      const { path, fileSize, identity } = job;
      const end = Math.min(start + part, job.end);
      const subtreeChunk = (start - job.start) / 1024;
      indices.push(jobs.push({ path, start, end, fileSize, identity, subtreeChunk }) - 1);
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

/** Where the pool takes its batches from. */
interface JobSource {
  /** Job `i` (batches hold indices). */
  job(i: number): PoolJob;
  /** The next job (its range empty when its size is unknown), `undefined` when none is left. */
  peek(): PoolJob | undefined;
  /** The next batch (job indices); empty when none is left. */
  take(): number[];
}

/** Sized jobs, largest first, in batches of up to `batchJobs` jobs or `batchBytes` bytes. */
function sizedSource(jobs: readonly PoolJob[], batchBytes: number, batchJobs: number): JobSource {
  const order = jobs.map((_, i) => i).sort((a, b) =>
    jobBytes(jobs[b]) - jobBytes(jobs[a]) || a - b
  );
  let next = 0;
  return {
    job: (i) => jobs[i],
    peek: () => next < order.length ? jobs[order[next]] : undefined,
    take: () => {
      const batch: number[] = [];
      let bytes = 0;
      while (next < order.length && batch.length < batchJobs) {
        const n = jobBytes(jobs[order[next]]);
        if (batch.length > 0 && bytes + n > batchBytes) break;
        batch.push(order[next++]);
        bytes += n;
      }
      return batch;
    },
  };
}

/**
 * Whole files of unknown size, pulled from `files` (a lazy walk) a batch at a
 * time, so hashing starts before the walk ends.
 */
function wholeFileSource(
  files: Iterator<FileRef>,
  limit: number,
  batchJobs: number,
): JobSource & { paths: (string | undefined)[] } {
  // Only the paths are kept (dropped once hashed), and the few allowed symlinks' indices:
  // a 100,000-file model notices every object per file.
  const taken: (string | undefined)[] = [];
  const links = new Set<number>();
  const job = (path: string, link: boolean): PoolJob => ({
    path,
    start: 0,
    end: 0,
    fileSize: -1,
    wholeLimit: limit,
    link,
  });
  let pending: PoolJob | undefined;
  const peek = (): PoolJob | undefined => {
    if (pending) return pending;
    const r = files.next();
    if (!r.done) pending = job(r.value.path, r.value.link ?? false);
    return pending;
  };
  return {
    paths: taken,
    job: (i) => job(taken[i]!, links.has(i)),
    peek,
    take: () => {
      const batch: number[] = [];
      while (batch.length < batchJobs && peek()) {
        const i = taken.push(pending!.path) - 1;
        if (pending!.link) links.add(i);
        batch.push(i);
        pending = undefined;
      }
      return batch;
    },
  };
}

/** Yields to the event loop (a macrotask, unlike `await`), so worker replies get handled. */
function eventLoopTurn(port: MessagePort, peer: MessagePort): Promise<void> {
  return new Promise((resolve) => {
    port.onmessage = () => resolve();
    peer.postMessage(null);
  });
}

function runPool(
  source: JobSource,
  algorithm: HashAlgorithm,
  chunkSize: number,
  count: number,
  { batchBytes }: { batchBytes: number },
  options: EngineOptions,
  onResult: (job: number, result: JobResult) => void,
): Promise<void> {
  const size = DIGEST_SIZE[algorithm];
  const idle = new Int32Array(new SharedArrayBuffer(4));
  // With only small jobs or tree parts the calling thread takes batches too,
  // in place of one worker: it is idle anyway, and it starts at once (a worker
  // takes ~50 ms). Larger jobs would keep it from answering the workers for
  // too long; a part (32 MiB) takes ~20 ms, and workers have two queued.
  const first = source.peek();
  const callerHelps = first === undefined || jobBytes(first) < batchBytes ||
    first.subtreeChunk !== undefined;
  /** Jobs taken and not yet done. */
  let outstanding = 0;

  return new Promise((resolve, reject) => {
    const pool: PoolWorker[] = [];
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      for (const p of pool) {
        // A terminated worker stays reachable from the runtime with its handlers,
        // which would keep this run's results (100,000 digests) alive.
        p.worker.onmessage = null;
        p.worker.onerror = null;
        p.worker.terminate();
      }
      if (error === undefined) resolve();
      else reject(error);
    };
    const take = () => {
      const batch = source.take();
      outstanding += batch.length;
      return batch;
    };
    const complete = (batch: number[], resultAt: (k: number) => JobResult) => {
      batch.forEach((job, k) => onResult(job, resultAt(k)));
      outstanding -= batch.length;
      if (outstanding === 0 && !source.peek()) finish();
    };
    const updateIdle = () =>
      Atomics.store(idle, 0, pool.filter((p) => p.inFlight.length === 0).length);
    // Small batches queue up to three deep per worker (hiding message latency);
    // a large job waits so that it goes to whichever worker frees up first,
    // except tree parts, which are alike: two deep, so a worker never waits.
    const fill = (p: PoolWorker) => {
      for (let job = source.peek(); job && p.inFlight.length < 3; job = source.peek()) {
        const deep = job.subtreeChunk === undefined ? 1 : 2;
        if (p.inFlight.length >= deep && jobBytes(job) >= batchBytes) break;
        const batch = take();
        p.inFlight.push(batch);
        const request: WorkerRequest = {
          algorithm,
          chunkSize,
          batchBytes,
          jobs: batch.map((i) => {
            const { path, start, end, fileSize, identity, subtreeChunk, wholeLimit, link } = source
              .job(i);
            return { path, start, end, fileSize, identity, subtreeChunk, wholeLimit, link };
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
      if (reply.kind === "done" && reply.files && options.onSize) {
        for (let k = 0; k < reply.files.length; k += FILE_FIELDS) {
          if (reply.files[k + 4]) options.onSize(reply.files[k]);
        }
      }
      if (reply.bytes > 0) options.onBytes?.(reply.bytes);
      if (reply.kind === "bytes") return;
      const { digests, files } = reply;
      complete(p.inFlight.shift()!, (k) => unpackResult(digests, files, k, size));
      if (settled) return;
      fill(p);
      updateIdle();
    };
    const helpHere = async () => {
      const newHash = await hasherFactory(algorithm);
      const buffers = readBuffers(chunkSize, newHash);
      const { port1, port2 } = new MessageChannel();
      try {
        while (!settled && source.peek()) {
          const batch = take();
          const found = await hashJobsHere(
            batch.map((i) => source.job(i)),
            newHash,
            buffers,
            () => false,
            options.onBytes,
            batchBytes,
            options.onSize,
          );
          complete(batch, (k) => found[k]);
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
      // The reply handler pulls the lazy walk and calls the caller's progress handler: what
      // they throw must end this run (a rejected promise), never escape as uncaught.
      p.worker.onmessage = (e: MessageEvent<WorkerReply>) => {
        try {
          onReply(p, e.data);
        } catch (error) {
          finish(error);
        }
      };
      p.worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        finish(new Error(`A hashing worker failed: ${e.message}`));
      };
      pool.push(p);
    }
    try {
      for (const p of pool) fill(p);
      updateIdle();
    } catch (error) {
      finish(error); // also stops the workers just started
      return;
    }
    if (callerHelps) helpHere().catch(finish);
    if (!source.peek() && outstanding === 0) finish();
  });
}
