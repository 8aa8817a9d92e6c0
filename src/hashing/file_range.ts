/**
 * Streaming hash of a byte range of a file with positional reads into one
 * reused buffer: memory stays constant whatever the file size.
 *
 * @module
 */

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { ModelPathError } from "../errors.ts";
import type { HasherFactory } from "./algorithms.ts";

/** Default read size: 1 MiB, the Python tool's default chunk size. */
export const DEFAULT_CHUNK_SIZE = 1 << 20;

/**
 * Allocates a read buffer whose start is not 1–31 bytes past a page boundary.
 * A large fresh `Uint8Array` starts 16 bytes past one, and the kernel's
 * page-cache copy into such a destination is 4–5× slower
 * (`../shared/notes/hashing-perf.md`); skipping 64 bytes avoids it.
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
 * Hashes bytes `[start, end)` of an open file descriptor.
 *
 * @param path Only used in error messages.
 * @throws {ModelPathError} when the file ends before `end` (it shrank while being hashed).
 */
export function hashFdRange(
  fd: number,
  path: string,
  start: number,
  end: number,
  newHash: HasherFactory,
  buffer: Uint8Array,
): Uint8Array {
  const h = newHash();
  let pos = start;
  while (pos < end) {
    const want = Math.min(buffer.length, end - pos);
    const got = readSync(fd, buffer, 0, want, pos);
    if (got === 0) {
      throw new ModelPathError(
        path,
        `File '${path}' changed while it was being hashed (it shrank).`,
      );
    }
    h.update(got === buffer.length ? buffer : buffer.subarray(0, got));
    pos += got;
  }
  return h.digest();
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
  let fd: number;
  try {
    fd = openSync(task.path, "r");
  } catch (e) {
    const reason = describeFsError(e) === "no such file or directory"
      ? `File '${task.path}' disappeared while the model was being hashed.`
      : `Cannot read '${task.path}': ${describeFsError(e)}`;
    throw new ModelPathError(task.path, reason, { cause: e });
  }
  try {
    const before = fstatSync(fd);
    if (!before.isFile()) {
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
    let digest: Uint8Array;
    try {
      digest = hashFdRange(fd, task.path, task.start, task.end, newHash, buffer);
    } catch (e) {
      if (e instanceof ModelPathError) throw e;
      throw new ModelPathError(task.path, `Cannot read '${task.path}': ${describeFsError(e)}`, {
        cause: e,
      });
    }
    // A write during the reads changes the size or the modification time: the
    // digest may then mix old and new bytes, so it must not be used.
    const after = fstatSync(fd);
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      throw new ModelPathError(
        task.path,
        `File '${task.path}' changed while it was being hashed (size or modification time changed).`,
      );
    }
    return digest;
  } finally {
    closeSync(fd);
  }
}

/** Short reason for a file system error, without a stack trace. */
export function describeFsError(e: unknown): string {
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.NotFound) return "no such file or directory";
  if (e instanceof Deno.errors.IsADirectory) return "is a directory";
  const code = (e as { code?: string })?.code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EISDIR") return "is a directory";
  return e instanceof Error ? e.message : String(e);
}
