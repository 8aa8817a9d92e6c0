/**
 * Selecting manifest items by model-relative path: a file, or a folder
 * prefix matching everything below it (`--only`, `--rehash`).
 *
 * @module
 */

/** Model-relative form of a user path: no `./` or empty components, no trailing `/`; `.` for the whole model. */
export function normalizeModelRelative(path: string): string {
  return path.split("/").filter((c) => c !== "" && c !== ".").join("/") || ".";
}

/** True when the item name `name` is `prefix` or lies below it (`.` holds everything). */
export function isUnder(name: string, prefix: string): boolean {
  return prefix === "." || name === prefix || name.startsWith(`${prefix}/`);
}
