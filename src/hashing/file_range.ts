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
 * Read size once a range's reads are found to wait on the device: large reads, each started
 * before the previous buffer is hashed, keep the disk busy while the cores hash (a cold cache).
 */
export const COLD_READ_SIZE = 8 << 20;

/**
 * Full reads are timed together in windows of this many bytes: on a cold file most 1 MiB reads
 * find their pages already read ahead and take 0.1 ms, but about one in eight waits ~12 ms for
 * the kernel's next read-ahead window, so single reads say little. Per 16 MiB, cold reads took
 * 11–32 ms and warm ones 2.2–2.8 ms, 6 ms with a preemption (measured here).
 */
const COLD_WINDOW = 16 << 20;

/**
 * Shorter ranges keep 1 MiB reads even when cold. Measured on a cold 2 GiB file hashed as
 * 32 MiB BLAKE3 parts on 2 threads: 1.47–1.70 s with the switch against 1.35–1.44 s without
 * (the A files, 512 MiB each: 1.23–1.29 s against 1.42–1.48 s).
 */
const COLD_MIN_RANGE = 64 << 20;

/**
 * Whether full reads of `bytes` that took `ms` in all, in a range of `rangeBytes`, waited on
 * the device: slower than 2 GB/s (copies from the page cache run at 6.7–9 GB/s here,
 * `docs/benchmarks.md`); `undefined` until they make a {@linkcode COLD_WINDOW}, and always in a
 * range shorter than {@linkcode COLD_MIN_RANGE}.
 */
function waitedOnDevice(bytes: number, ms: number, rangeBytes: number): boolean | undefined {
  if (rangeBytes < COLD_MIN_RANGE || bytes < COLD_WINDOW) return undefined;
  return ms * 2e6 > bytes;
}

/** A thread's reused read buffers. */
export interface ReadBuffers {
  /** One buffer (reads never overlap) or two of the same length, at least `readSize`. */
  readonly buffers: readonly Uint8Array[];
  /**
   * Bytes per read. With two buffers, a range whose reads wait on the device reads whole
   * buffers from then on, each started before the previous one is hashed.
   */
  readonly readSize: number;
  /**
   * Whether full reads of `bytes` that took `ms` since the last answer, in a range of
   * `rangeBytes`, waited on the device, `undefined` to wait for more (default: 16 MiB slower
   * than 2 GB/s in a range of at least 64 MiB); tests force it.
   */
  readonly waited?: (bytes: number, ms: number, rangeBytes: number) => boolean | undefined;
}

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

/**
 * Two buffers for reads of `readSize` bytes, large enough for {@linkcode COLD_READ_SIZE}
 * (pages never written are never resident, so a warm run's memory stays the read size).
 */
export function allocReadBuffers(readSize: number): ReadBuffers {
  const size = Math.max(readSize, COLD_READ_SIZE);
  return { buffers: [allocReadBuffer(size), allocReadBuffer(size)], readSize };
}

/** How a thread hashes what it reads: the steps below all take it whole. */
interface HashReads {
  readonly newHash: HasherFactory;
  readonly buffers: ReadBuffers;
  /** Whether the next read may start before the current buffer is hashed (an idle core). */
  readonly overlap: () => boolean;
  /** Receives the length of each hashed read. */
  readonly onBytes?: (bytes: number) => void;
}

/** One unit of hashing work: bytes `[start, end)` of the file at `path`. */
export interface RangeTask {
  /** File system path to open. */
  readonly path: string;
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, exclusive. */
  readonly end: number;
  /** When set, the opened file must be this one (it was seen before, e.g. by an earlier open). */
  readonly identity?: FileIdentity;
}

/** A whole file to hash (see {@linkcode hashWholeFile}). */
export interface FileRef {
  /** File system path to open. */
  readonly path: string;
  /** The path is an allowed symlink to a file (hashed through it), not a regular file. */
  readonly link?: boolean;
}

/** Device, inode and modification time of a file: what recognises it when it is opened again. */
export interface FileIdentity {
  /** Device. */
  readonly dev: number;
  /** Inode. */
  readonly ino: number;
  /** Modification time, milliseconds. */
  readonly mtimeMs: number;
}

// Deno's own stat calls: node:fs `Stats` objects cost ~6× more, which a
// 100,000-file model notices.
/** The identity of a file from its stat. */
export function identityOf(stat: Deno.FileInfo): FileIdentity {
  return { dev: stat.dev, ino: stat.ino ?? 0, mtimeMs: stat.mtime?.getTime() ?? 0 };
}

/**
 * Hashes bytes `[start, end)` of `file`, reading sequentially from `start`.
 * A generator so that one body serves both the synchronous path (never
 * yields) and the overlapped one: when `overlap()` allows it, or once the
 * reads wait on the device (then in whole buffers), the next read is started
 * into the other buffer before the current one is hashed, and the pending
 * read is yielded for the driver to await.
 *
 * @param path Only used in error messages.
 * @throws {ModelPathError} when the file ends before `end` (it shrank while being hashed).
 */
function* rangeSteps(
  file: Deno.FsFile,
  path: string,
  start: number,
  end: number,
  { newHash, buffers: reads, overlap, onBytes }: HashReads,
): Generator<Promise<number | null>, Uint8Array, number | null> {
  const { buffers, readSize, waited = waitedOnDevice } = reads;
  const h = newHash();
  if (start > 0) file.seekSync(start, Deno.SeekMode.Start); // a fresh file is at 0
  let pos = start;
  let index = 0;
  let pending: Promise<number | null> | undefined;
  const canOverlap = buffers.length > 1;
  let cold = false;
  let timedBytes = 0;
  let timedMs = 0;
  const window = (pos: number) =>
    buffers[index].subarray(0, Math.min(cold ? buffers[index].length : readSize, end - pos));
  try {
    while (pos < end) {
      const buffer = window(pos);
      let got: number | null;
      if (pending) got = yield pending;
      else if (canOverlap && buffer.length === readSize) {
        // Only full reads are timed: a small file's one read says nothing of the device.
        const before = performance.now();
        got = file.readSync(buffer);
        if (got === readSize) {
          timedMs += performance.now() - before;
          timedBytes += got;
          const answer = waited(timedBytes, timedMs, end - start);
          if (answer !== undefined) {
            cold = answer;
            timedBytes = timedMs = 0;
          }
        }
      } else got = file.readSync(buffer);
      pending = undefined;
      if (!got) {
        throw new ModelPathError(
          path,
          `File '${path}' changed while it was being hashed (it shrank).`,
        );
      }
      pos += got;
      if (pos < end && canOverlap && (cold || overlap())) {
        index ^= 1;
        pending = file.read(window(pos));
      }
      h.update(got === buffer.length ? buffer : buffer.subarray(0, got));
      try {
        onBytes?.(got);
      } catch (e) {
        throw new CallerError(e);
      }
    }
    return h.digest();
  } finally {
    // Never close the file under a read still in flight.
    if (pending) yield pending.catch(() => null);
  }
}

/** The error for a path that names another file (or no longer a regular one) than before. */
function replacedError(path: string): ModelPathError {
  return new ModelPathError(
    path,
    `File '${path}' changed or was replaced while the model was being hashed.`,
  );
}

/** The error for a path that is no longer a regular file. */
function notRegularError(path: string): ModelPathError {
  return new ModelPathError(
    path,
    `File '${path}' was replaced by something that is not a regular file while the model was being hashed.`,
  );
}

/** A failed open or stat of `path` as the error the user sees. */
function pathError(e: unknown, path: string): ModelPathError {
  const reason = isNotFound(e)
    ? `File '${path}' disappeared while the model was being hashed.`
    : `Cannot read '${path}': ${fsErrorReason(e)}`;
  return new ModelPathError(path, reason, { cause: e });
}

function openPath(path: string): Deno.FsFile {
  try {
    return Deno.openSync(path);
  } catch (e) {
    throw pathError(e, path);
  }
}

interface OpenRange {
  readonly file: Deno.FsFile;
  readonly before: Deno.FileInfo;
}

/**
 * Opens `task.path` and checks that it is a regular file, of `expectedSize`
 * bytes when given, and the file `task.identity` names when given.
 */
function openChecked(task: RangeTask, expectedSize: number | undefined): OpenRange {
  const file = openPath(task.path);
  try {
    const before = file.statSync();
    if (!before.isFile) throw notRegularError(task.path);
    if (expectedSize !== undefined && before.size !== expectedSize) {
      throw new ModelPathError(
        task.path,
        `File '${task.path}' changed while it was being hashed (size ${expectedSize} became ${before.size}).`,
      );
    }
    const was = task.identity;
    const now = was && identityOf(before);
    if (was && (now!.dev !== was.dev || now!.ino !== was.ino || now!.mtimeMs !== was.mtimeMs)) {
      throw replacedError(task.path);
    }
    return { file, before };
  } catch (e) {
    file.close();
    throw e;
  }
}

/** What the caller's `onBytes` threw, carried through {@linkcode readError} unchanged. */
class CallerError {
  constructor(readonly error: unknown) {}
}

/**
 * Wraps a read failure (not already one of ours) into a {@linkcode ModelPathError};
 * what the caller's progress callback threw passes through as it is.
 */
function readError(e: unknown, path: string): unknown {
  if (e instanceof CallerError) return e.error;
  if (e instanceof ModelPathError) return e;
  return new ModelPathError(path, `Cannot read '${path}': ${fsErrorReason(e)}`, { cause: e });
}

/**
 * A write during the reads changes the size or the modification time: the
 * digest may then mix old and new bytes, so it must not be used.
 */
function assertNotWritten(path: string, before: Deno.FileInfo, after: Deno.FileInfo): void {
  if (after.size !== before.size || after.mtime?.getTime() !== before.mtime?.getTime()) {
    throw new ModelPathError(
      path,
      `File '${path}' changed while it was being hashed (size or modification time changed).`,
    );
  }
}

/**
 * Hashes `[start, end)` of an opened file, then runs `checkAfter` (which
 * throws when the file changed meanwhile); yields as {@linkcode rangeSteps} does.
 */
function* checkedReadSteps(
  file: Deno.FsFile,
  path: string,
  start: number,
  end: number,
  how: HashReads,
  checkAfter: () => void,
): Generator<Promise<number | null>, Uint8Array, number | null> {
  let digest: Uint8Array;
  try {
    digest = yield* rangeSteps(file, path, start, end, how);
  } catch (e) {
    throw readError(e, path);
  }
  checkAfter();
  return digest;
}

/** {@linkcode checkedReadSteps} re-checked on the handle. */
function openRangeSteps(
  open: OpenRange,
  path: string,
  start: number,
  end: number,
  how: HashReads,
): Generator<Promise<number | null>, Uint8Array, number | null> {
  const checkAfter = () => assertNotWritten(path, open.before, open.file.statSync());
  return checkedReadSteps(open.file, path, start, end, how, checkAfter);
}

/** Open, check, hash and re-check one task; yields pending reads as {@linkcode rangeSteps} does. */
function* checkedRangeSteps(
  task: RangeTask,
  expectedSize: number,
  how: HashReads,
): Generator<Promise<number | null>, Uint8Array, number | null> {
  const open = openChecked(task, expectedSize);
  try {
    return yield* openRangeSteps(open, task.path, task.start, task.end, how);
  } finally {
    open.file.close();
  }
}

/** What {@linkcode hashWholeFile} found. */
export interface WholeFile {
  /** The digest; absent when the file was larger than the limit (then it was only opened). */
  readonly digest?: Uint8Array;
  /** Size when opened. */
  readonly size: number;
  /** Identity when opened (to open it again as the same file). */
  readonly identity: FileIdentity;
}

/** The path's own stat (a symlink is not followed). */
function lstatEntry(path: string): Deno.FileInfo {
  try {
    return Deno.lstatSync(path);
  } catch (e) {
    throw pathError(e, path);
  }
}

/**
 * Besides a write ({@linkcode assertNotWritten}), a swap of the path for
 * another file or a symlink during the reads shows in the path's stat: the
 * digest may then not be the file's.
 */
function assertPathSameAfter(path: string, before: Deno.FileInfo): void {
  const after = lstatEntry(path);
  if (!after.isFile || after.dev !== before.dev || after.ino !== before.ino) {
    throw replacedError(path);
  }
  assertNotWritten(path, before, after);
}

/**
 * A regular file is checked by its path's stat before it is opened and again
 * after the reads: Deno checks the read permission of a path operation
 * cheaply, but re-resolves the whole path (a `readlink` per component) on
 * every `open` and on every stat of an open handle, which on a model of
 * 100,000 small files cost more than the reads (`docs/benchmarks.md`). An
 * allowed symlink is followed and checked on the handle. A regular file that
 * became a symlink (which the open would follow), or the reverse, is an error.
 */
function* wholeFileSteps(
  { path, link = false }: FileRef,
  limit: number,
  how: HashReads,
  onSize?: (bytes: number) => void,
): Generator<Promise<number | null>, WholeFile, number | null> {
  const before = lstatEntry(path);
  if (before.isSymlink !== link) throw replacedError(path);
  if (link) return yield* openedWholeFileSteps(path, limit, how, onSize);
  if (!before.isFile) throw notRegularError(path);
  const { size } = before;
  const identity = identityOf(before);
  if (size > limit) return { size, identity };
  onSize?.(size);
  const file = openPath(path);
  try {
    const checkAfter = () => assertPathSameAfter(path, before);
    const digest = yield* checkedReadSteps(file, path, 0, size, how, checkAfter);
    return { digest, size, identity };
  } finally {
    file.close();
  }
}

/** {@linkcode wholeFileSteps} through a symlink: size and identity from the opened handle. */
function* openedWholeFileSteps(
  path: string,
  limit: number,
  how: HashReads,
  onSize?: (bytes: number) => void,
): Generator<Promise<number | null>, WholeFile, number | null> {
  const open = openChecked({ path, start: 0, end: 0 }, undefined);
  try {
    const { size } = open.before;
    const identity = identityOf(open.before);
    if (size > limit) return { size, identity };
    onSize?.(size);
    const digest = yield* openRangeSteps(open, path, 0, size, how);
    return { digest, size, identity };
  } finally {
    open.file.close();
  }
}

/** Runs steps to the end, awaiting the reads they yield; a failed read is thrown back into them. */
async function drive<T>(steps: Generator<Promise<number | null>, T, number | null>): Promise<T> {
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

/**
 * Hashes a whole file of unknown size: takes size and identity from the
 * path's stat (from the opened handle for an allowed symlink), hashes it
 * when it is at most `limit` bytes (else only reports them), and checks that
 * the path still names the same file, of the same size and modification
 * time. Reads overlap as in {@linkcode hashRangeTaskOverlapped}.
 *
 * @param onSize Receives the size of a file about to be hashed.
 * @throws {ModelPathError} when the file disappeared, is not a regular file (or not the allowed
 *   symlink it was), cannot be read, or changed.
 */
export function hashWholeFile(
  file: FileRef,
  limit: number,
  newHash: HasherFactory,
  buffers: ReadBuffers,
  overlap: () => boolean,
  onBytes?: (bytes: number) => void,
  onSize?: (bytes: number) => void,
): Promise<WholeFile> {
  return drive(wholeFileSteps(file, limit, { newHash, buffers, overlap, onBytes }, onSize));
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
  // With one buffer the steps never yield: the first `next()` runs them to the end.
  const buffers = { buffers: [buffer], readSize: buffer.length };
  return checkedRangeSteps(task, expectedSize, { newHash, buffers, overlap: () => false }).next()
    .value as Uint8Array;
}

/**
 * {@linkcode hashRangeTask} with read/hash overlap: with two buffers, while
 * `overlap()` returns true (an idle core exists), or once the reads wait on
 * the device (a cold cache: then whole buffers are read), the next read runs
 * while the current buffer is hashed. The digest and every check are the same.
 *
 * @param onBytes Receives the length of each hashed read.
 * @throws {ModelPathError} when the file disappeared, cannot be opened or read, or changed.
 */
export function hashRangeTaskOverlapped(
  task: RangeTask,
  expectedSize: number,
  newHash: HasherFactory,
  buffers: ReadBuffers,
  overlap: () => boolean,
  onBytes?: (bytes: number) => void,
): Promise<Uint8Array> {
  return drive(checkedRangeSteps(task, expectedSize, { newHash, buffers, overlap, onBytes }));
}
