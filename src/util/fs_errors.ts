/**
 * The one mapping from a file-system error to the short reason a message
 * gives ("permission denied", "no such file or directory"), for Deno's error
 * classes and Node's `code`s alike, without a stack trace or the call name
 * Deno puts into its own messages.
 *
 * @module
 */

/** True when `e` says the path (or a parent directory) does not exist. */
export function isNotFound(e: unknown): boolean {
  return e instanceof Deno.errors.NotFound || (e as { code?: string })?.code === "ENOENT";
}

/** Short reason for a file system error. */
export function fsErrorReason(e: unknown): string {
  if (isNotFound(e)) return "no such file or directory";
  const code = (e as { code?: string })?.code;
  if (e instanceof Deno.errors.PermissionDenied || code === "EACCES" || code === "EPERM") {
    return "permission denied";
  }
  if (e instanceof Deno.errors.IsADirectory || code === "EISDIR") return "is a directory";
  return e instanceof Error ? e.message : String(e);
}
