/**
 * Streaming hash of a byte range of a file with positional reads into one
 * reused buffer: memory stays constant whatever the file size.
 *
 * @module
 */

import { ModelPathError } from "../errors.ts";
import { fsErrorReason, isNotFound } from "../util/fs_errors.ts";
import type { HasherFactory } from "./algorithms.ts";

/** Default read size: 1 MiB, the Python tool's default chunk size. */
export const DEFAULT_CHUNK_SIZE = 1 << 20;

/**
 * Allocates a read buffer whose start is not 1–31 bytes past a page boundary.
 * A large fresh `Uint8Array` starts 16 bytes past one, and the kernel's
 * page-cache copy into a destination 1–31 bytes past a page boundary runs at
 * ~1.55 GB/s against 6.7–9 GB/s at offset 0 or ≥ 32 (measured on the 2-core CI
 * machine kind, `docs/benchmarks.md`); skipping 64 bytes avoids it.
 */
export function allocReadBuffer(size: number = DEFAULT_CHUNK_SIZE): Uint8Array {
  return new Uint8Array(size + 64).subarray(64);
}

/** One unit of hashing work: bytes `[start, end)` of the file at `path`. */
export interface RangeTask {
  /** File system path to open. */
  readonly path: string;
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, exclusive. */
  readonly end: number;
}

/**
 * Hashes bytes `[start, end)` of `file`, reading sequentially from `start`.
 * A generator so that one body serves both the synchronous path (never
 * yields) and the overlapped one: when `overlap()` allows it, the next read
 * is started into the other buffer before the current one is hashed, and
 * the pending read is yielded for the driver to await.
 *
 * @param path Only used in error messages.
 * @param onBytes Receives the length of each hashed read.
 * @throws {ModelPathError} when the file ends before `end` (it shrank while being hashed).
 */
function* rangeSteps(
  file: Deno.FsFile,
  path: string,
  start: number,
  end: number,
  newHash: HasherFactory,
  buffers: readonly Uint8Array[],
  overlap: () => boolean,
  onBytes?: (bytes: number) => void,
): Generator<Promise<number | null>, Uint8Array, number | null> {
  const h = newHash();
  if (start > 0) file.seekSync(start, Deno.SeekMode.Start); // a fresh file is at 0
  let pos = start;
  let index = 0;
  let pending: Promise<number | null> | undefined;
  const window = (pos: number) =>
    buffers[index].subarray(0, Math.min(buffers[index].length, end - pos));
  try {
    while (pos < end) {
      const buffer = window(pos);
      const got = pending ? yield pending : file.readSync(buffer);
      pending = undefined;
      if (!got) {
        throw new ModelPathError(
          path,
          `File '${path}' changed while it was being hashed (it shrank).`,
        );
      }
      pos += got;
      if (pos < end && buffers.length > 1 && overlap()) {
        index ^= 1;
        pending = file.read(window(pos));
      }
      h.update(got === buffer.length ? buffer : buffer.subarray(0, got));
      onBytes?.(got);
    }
    return h.digest();
  } finally {
    // Never close the file under a read still in flight.
    if (pending) yield pending.catch(() => null);
  }
}

interface OpenRange {
  readonly file: Deno.FsFile;
  readonly before: Deno.FileInfo;
}

/** Opens `task.path` and checks that it is still a regular file of `expectedSize` bytes. */
function openChecked(task: RangeTask, expectedSize: number): OpenRange {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(task.path);
  } catch (e) {
    const reason = isNotFound(e)
      ? `File '${task.path}' disappeared while the model was being hashed.`
      : `Cannot read '${task.path}': ${fsErrorReason(e)}`;
    throw new ModelPathError(task.path, reason, { cause: e });
  }
  try {
    const before = file.statSync();
    if (!before.isFile) {
      throw new ModelPathError(
        task.path,
        `File '${task.path}' was replaced by something that is not a regular file while the model was being hashed.`,
      );
    }
    if (before.size !== expectedSize) {
      throw new ModelPathError(
        task.path,
        `File '${task.path}' changed while it was being hashed (size ${expectedSize} became ${before.size}).`,
      );
    }
    return { file, before };
  } catch (e) {
    file.close();
    throw e;
  }
}

/** Wraps a read failure (not already one of ours) into a {@linkcode ModelPathError}. */
function readError(e: unknown, path: string): unknown {
  if (e instanceof ModelPathError) return e;
  return new ModelPathError(path, `Cannot read '${path}': ${fsErrorReason(e)}`, { cause: e });
}

/**
 * A write during the reads changes the size or the modification time: the
 * digest may then mix old and new bytes, so it must not be used.
 */
function assertSameAfter({ file, before }: OpenRange, path: string): void {
  const after = file.statSync();
  if (after.size !== before.size || after.mtime?.getTime() !== before.mtime?.getTime()) {
    throw new ModelPathError(
      path,
      `File '${path}' changed while it was being hashed (size or modification time changed).`,
    );
  }
}

/** Open, check, hash and re-check one task; yields pending reads as {@linkcode rangeSteps} does. */
function* checkedRangeSteps(
  task: RangeTask,
  expectedSize: number,
  newHash: HasherFactory,
  buffers: readonly Uint8Array[],
  overlap: () => boolean,
  onBytes?: (bytes: number) => void,
): Generator<Promise<number | null>, Uint8Array, number | null> {
  const open = openChecked(task, expectedSize);
  try {
    let digest: Uint8Array;
    try {
      const { file } = open;
      digest = yield* rangeSteps(
        file,
        task.path,
        task.start,
        task.end,
        newHash,
        buffers,
        overlap,
        onBytes,
      );
    } catch (e) {
      throw readError(e, task.path);
    }
    assertSameAfter(open, task.path);
    return digest;
  } finally {
    open.file.close();
  }
}

/**
 * Opens `task.path`, checks that it is still a regular file of `expectedSize` bytes, hashes the
 * range, and checks that size and modification time did not change meanwhile.
 *
 * @throws {ModelPathError} when the file disappeared, cannot be opened or read, or changed.
 */
export function hashRangeTask(
  task: RangeTask,
  expectedSize: number,
  newHash: HasherFactory,
  buffer: Uint8Array,
): Uint8Array {
  // Without overlap the steps never yield: the first `next()` runs them to the end.
  return checkedRangeSteps(task, expectedSize, newHash, [buffer], () => false).next()
    .value as Uint8Array;
}

/**
 * {@linkcode hashRangeTask} with read/hash overlap: with two buffers, while
 * `overlap()` returns true (an idle core exists) the next read runs while the
 * current buffer is hashed. The digest and every check are the same.
 *
 * @param onBytes Receives the length of each hashed read.
 * @throws {ModelPathError} when the file disappeared, cannot be opened or read, or changed.
 */
export async function hashRangeTaskOverlapped(
  task: RangeTask,
  expectedSize: number,
  newHash: HasherFactory,
  buffers: readonly [Uint8Array, Uint8Array],
  overlap: () => boolean,
  onBytes?: (bytes: number) => void,
): Promise<Uint8Array> {
  const steps = checkedRangeSteps(task, expectedSize, newHash, buffers, overlap, onBytes);
  let step = steps.next();
  while (!step.done) {
    let got: number | null;
    try {
      got = await step.value;
    } catch (e) {
      // A failed read goes back into the steps, which wrap it and close the file.
      step = steps.throw(e);
      continue;
    }
    step = steps.next(got);
  }
  return step.value;
}
