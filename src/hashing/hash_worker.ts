/**
 * Worker side of {@linkcode WorkerPoolEngine}: hashes each batch it receives,
 * one batch at a time, and reports digests, progress and typed errors.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import {
  DIGEST_SIZE,
  type HashAlgorithm,
  type HasherFactory,
  hasherFactory,
} from "./algorithms.ts";
import { ModelPathError } from "../errors.ts";
import type { ReadBuffers } from "./file_range.ts";
import {
  hashJobsHere,
  packResults,
  readBuffers,
  type WorkerReply,
  type WorkerRequest,
} from "./worker_protocol.ts";

/** Progress is posted at most once per this many bytes (plus once per batch). */
const REPORT_BYTES = 64 << 20;

// Kept across batches: a BLAKE3 factory holds a WebAssembly instance (and its read buffers).
const factories: Partial<Record<HashAlgorithm, HasherFactory>> = {};
const buffers: Partial<Record<HashAlgorithm, ReadBuffers>> = {};

function post(reply: WorkerReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer);
}

async function handle(request: WorkerRequest): Promise<void> {
  let unreported = 0;
  const onBytes = (n: number) => {
    unreported += n;
    if (unreported >= REPORT_BYTES) {
      post({ kind: "bytes", bytes: unreported });
      unreported = 0;
    }
  };
  try {
    const algorithm = request.algorithm;
    const newHash = factories[algorithm] ??= await hasherFactory(algorithm);
    if (buffers[algorithm]?.readSize !== request.chunkSize) {
      buffers[algorithm] = readBuffers(request.chunkSize, newHash);
    }
    const results = await hashJobsHere(
      request.jobs,
      newHash,
      buffers[algorithm]!,
      // Overlap the next read only when a core would otherwise sit idle.
      () => Atomics.load(request.idle, 0) > 0,
      onBytes,
      request.batchBytes,
    );
    const whole = request.jobs[0]?.wholeLimit !== undefined;
    const { digests, files } = packResults(results, DIGEST_SIZE[algorithm], whole);
    const transfer: Transferable[] = files
      ? [digests.buffer as ArrayBuffer, files.buffer as ArrayBuffer]
      : [digests.buffer as ArrayBuffer];
    post({ kind: "done", digests, files, bytes: unreported }, transfer);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    post({ kind: "error", message, path: e instanceof ModelPathError ? e.path : undefined });
  }
}

// Batches run strictly one after another: they share the hash state and buffers.
let queue = Promise.resolve();
self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  queue = queue.then(() => handle(e.data));
};
