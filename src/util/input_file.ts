/**
 * The one reader of files the user names (signature, keys, certificates,
 * trust config, OCI manifest, old signature, PKCS #11 PIN file, ambient token file):
 * opened once without blocking, checked to be a regular file on the opened
 * handle, and read with a hard byte limit that holds whatever size the file
 * claims. A FIFO, a device (`/dev/zero` reports size 0 and never ends), a
 * directory or a symlink to one is refused with one line before a byte is
 * read.
 *
 * @example
 * ```ts
 * import { readInputFile } from "./input_file.ts";
 * const bytes = readInputFile("model.sig", {
 *   what: "signature",
 *   maxBytes: 64 * 1024 * 1024,
 *   error: (message) => new Error(message),
 * });
 * ```
 *
 * @module
 */

import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { fileKind, fsErrorReason } from "./fs_errors.ts";

/** How to read one input file. */
export interface InputFileOptions {
  /** What the file is, for messages: `signature`, `public key`, `trust config`… */
  readonly what: string;
  /** Hard limit: more bytes than this are never read, and the file is refused. */
  readonly maxBytes: number;
  /** Read only the first `maxBytes` bytes, and refuse no file for being larger. */
  readonly prefixOnly?: boolean;
  /** Builds the caller's typed error from a one-line message naming the file and the reason. */
  readonly error: (message: string, cause?: unknown) => Error;
}

// O_NONBLOCK: open(2) of a FIFO without a writer would otherwise wait for
// one forever. It changes nothing for the regular files that are accepted.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Largest first read buffer when the size is unknown or implausible. */
const FIRST_BUFFER = 64 * 1024;

/**
 * Whether `path` can be a file path to name in a message: a string that is
 * not PEM text (a key or certificate passed where its file was expected).
 */
export function isPathArgument(path: unknown): path is string {
  return typeof path === "string" && !path.includes("-----BEGIN");
}

/**
 * Reads the regular file at `path` (symlinks followed) whole, refusing
 * anything else and anything larger than `maxBytes`.
 *
 * @throws whatever `options.error` builds, e.g. `Cannot read signature 'x': it is a FIFO, not a regular file`.
 */
export function readInputFile(path: string, options: InputFileOptions): Uint8Array {
  const { what, maxBytes, error } = options;
  if (!isPathArgument(path)) {
    // Never quoted: it may be the key itself, given in place of its file.
    throw error(`Cannot read ${what}: expected the path of a file, not its contents`);
  }
  const fail = (reason: string, cause?: unknown) =>
    error(`Cannot read ${what} '${path}': ${reason}`, cause);
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    throw fail(fsErrorReason(e), e);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      const kind = fileKind({
        isDirectory: stat.isDirectory(),
        isFifo: stat.isFIFO(),
        isCharDevice: stat.isCharacterDevice(),
        isBlockDevice: stat.isBlockDevice(),
        isSocket: stat.isSocket(),
        isSymlink: false,
      });
      throw fail(`it is ${kind}, not a regular file`);
    }
    const tooLarge = () => fail(`it is larger than ${maxBytes} bytes, the limit for a ${what}`);
    if (options.prefixOnly) {
      const head = new Uint8Array(Math.min(maxBytes, Math.max(stat.size, 0)) || maxBytes);
      let n = 0;
      for (let got = -1; got !== 0 && n < head.length; n += got) {
        got = readChecked(fd, head, n, fail);
      }
      return head.subarray(0, n);
    }
    if (stat.size > maxBytes) throw tooLarge();
    // The reported size only sizes the first buffer; the limit is enforced on
    // what is actually read (a file may grow while it is read).
    let buf = new Uint8Array(Math.min(maxBytes + 1, Math.max(stat.size + 1, FIRST_BUFFER)));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > maxBytes) throw tooLarge();
        const bigger = new Uint8Array(Math.min(maxBytes + 1, buf.length * 2));
        bigger.set(buf);
        buf = bigger;
      }
      const got = readChecked(fd, buf, n, fail);
      if (got === 0) break;
      n += got;
    }
    if (n > maxBytes) throw tooLarge();
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** One read into `buf` from `at` to its end; a failure becomes the caller's error. */
function readChecked(
  fd: number,
  buf: Uint8Array,
  at: number,
  fail: (reason: string, cause?: unknown) => Error,
): number {
  try {
    return readSync(fd, buf, at, buf.length - at, null);
  } catch (e) {
    throw fail(fsErrorReason(e), e);
  }
}

/**
 * {@linkcode readInputFile} decoded as UTF-8 text (invalid sequences become
 * U+FFFD; PEM and JSON readers then refuse what they cannot parse).
 */
export function readInputText(path: string, options: InputFileOptions): string {
  return new TextDecoder().decode(readInputFile(path, options));
}
