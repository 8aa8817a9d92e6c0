/**
 * The one mapping from a file-system error to the reason a message gives
 * ("permission denied", "name too long", …), from the error's class or code,
 * so that every "Cannot read/use" line says what actually went wrong.
 *
 * @module
 */

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "a component of the path is not a directory",
  ENAMETOOLONG: "name too long for the operating system",
  ELOOP: "too many levels of symbolic links",
  EMFILE: "too many open files",
  ENFILE: "too many open files",
  EIO: "input/output error",
};

/** True when `e` says the path (or a parent directory) does not exist. */
export function isNotFound(e: unknown): boolean {
  return e instanceof Deno.errors.NotFound || (e as { code?: string })?.code === "ENOENT";
}

/** A short reason for a failed file-system call, without the path (the caller names it). */
export function fsErrorReason(e: unknown): string {
  if (e instanceof Deno.errors.PermissionDenied) return REASONS.EACCES;
  if (e instanceof Deno.errors.NotFound) return REASONS.ENOENT;
  if (e instanceof Deno.errors.IsADirectory) return REASONS.EISDIR;
  if (e instanceof Deno.errors.NotADirectory) return REASONS.ENOTDIR;
  if (e instanceof Deno.errors.FilesystemLoop) return REASONS.ELOOP;
  const code = (e as { code?: string })?.code;
  if (code && code in REASONS) return REASONS[code];
  return e instanceof Error ? e.message : String(e);
}

/** The parts of a stat that say what kind of file it is. */
export type FileKindStat = Pick<
  Deno.FileInfo,
  "isDirectory" | "isFifo" | "isCharDevice" | "isBlockDevice" | "isSocket" | "isSymlink"
>;

/** What kind of non-regular file a stat describes ("a FIFO", "a device", …), for refusals. */
export function fileKind(stat: FileKindStat): string {
  if (stat.isDirectory) return "a directory";
  if (stat.isFifo) return "a FIFO";
  if (stat.isCharDevice || stat.isBlockDevice) return "a device";
  if (stat.isSocket) return "a socket";
  if (stat.isSymlink) return "a symlink";
  return "a special file";
}
