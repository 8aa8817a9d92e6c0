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
import {
  hashJobsHere,
  readBuffers,
  type WorkerReply,
  type WorkerRequest,
} from "./worker_protocol.ts";

/** Progress is posted at most once per this many bytes (plus once per batch). */
const REPORT_BYTES = 64 << 20;

// Kept across batches: a BLAKE3 factory holds a WebAssembly instance.
const factories: Partial<Record<HashAlgorithm, HasherFactory>> = {};
let buffers: [Uint8Array, Uint8Array] | undefined;

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
    factories[request.algorithm] ??= await hasherFactory(request.algorithm);
    if (buffers?.[0].length !== request.chunkSize) buffers = readBuffers(request.chunkSize);
    const digests = await hashJobsHere(
      request.jobs,
      factories[request.algorithm]!,
      buffers,
      // Overlap the next read only when a core would otherwise sit idle.
      () => Atomics.load(request.idle, 0) > 0,
      onBytes,
    );
    const size = DIGEST_SIZE[request.algorithm];
    const packed = new Uint8Array(digests.length * size);
    digests.forEach((d, k) => packed.set(d, k * size));
    post({ kind: "done", digests: packed, bytes: unreported }, [packed.buffer]);
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
