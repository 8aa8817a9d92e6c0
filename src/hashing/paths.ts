/**
 * Path rules of the format: Python-pathlib normalisation of user paths, POSIX
 * item names, the model name (§1.2, §1.5, §1.6).
 *
 * @module
 */

import { realpathSync } from "node:fs";
import * as nodePath from "node:path";

const IS_WINDOWS = Deno.build.os === "windows";

/**
 * The one path-safety check of a model-relative name read from a signature or
 * given by a caller (an OCI title, `--only`): true when it could reach outside the model: absolute, a `..`
 * component, a NUL, or, on Windows only, a backslash (a separator there).
 * On POSIX systems a backslash is an ordinary name character: our signer
 * records `a\b` for a file of that name and this verifier accepts it; on
 * Windows the signer turns backslashes into `/` (see {@linkcode toPosix}), so
 * a signed backslash never comes from a genuine signature made there.
 * `kinds` is `name`'s {@linkcode componentKinds}, when the caller has it already.
 */
export function couldLeaveModel(name: string, kinds: number = componentKinds(name)): boolean {
  return name.startsWith("/") || (kinds & DOT_DOT_COMPONENT) !== 0 ||
    name.includes("\0") || (IS_WINDOWS && name.includes("\\"));
}

/** A {@linkcode componentKinds} flag: some component is empty (`a//b`, a leading or trailing `/`). */
export const EMPTY_COMPONENT = 1;
/** A {@linkcode componentKinds} flag: some component is `.`. */
export const DOT_COMPONENT = 2;
/** A {@linkcode componentKinds} flag: some component is `..`. */
export const DOT_DOT_COMPONENT = 4;

/**
 * Which odd `/`-separated components `name` has, as flags, in one pass and
 * without an array: a signed statement's 100,000 names are checked one by one.
 */
export function componentKinds(name: string): number {
  let kinds = 0;
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    if (i < name.length && name.charCodeAt(i) !== 0x2f) continue;
    const n = i - start;
    if (n === 0) kinds |= EMPTY_COMPONENT;
    else if (n <= 2 && name.charCodeAt(start) === 0x2e) {
      if (n === 1) kinds |= DOT_COMPONENT;
      else if (name.charCodeAt(start + 1) === 0x2e) kinds |= DOT_DOT_COMPONENT;
    }
    start = i + 1;
  }
  return kinds;
}

/** Turns OS separators into `/` (item names are POSIX on every OS, §1.5). */
export function toPosix(p: string): string {
  return IS_WINDOWS ? p.replaceAll("\\", "/") : p;
}

/**
 * Normalises a user-supplied path as Python's `pathlib` does: repeated `/`
 * collapsed, `.` components dropped (a lone `.` kept), trailing `/` dropped,
 * `..` kept.
 */
export function normalizeUserPath(p: string): string {
  const posix = toPosix(p);
  const drive = IS_WINDOWS ? /^[A-Za-z]:/.exec(posix)?.[0] ?? "" : "";
  const rest = posix.slice(drive.length);
  const absolute = rest.startsWith("/");
  const parts = rest.split("/").filter((c) => c !== "" && c !== ".");
  const body = parts.join("/");
  if (absolute) return `${drive}/${body}`;
  return drive + (body === "" ? "." : body);
}

/**
 * Joins a normalised model path and a relative item name the way Python's
 * `model_path / rel` prints (so messages name files as the Python tool does).
 */
export function joinModelPath(modelPath: string, rel: string): string {
  if (rel === ".") return modelPath;
  if (modelPath === ".") return rel;
  return modelPath.endsWith("/") ? modelPath + rel : `${modelPath}/${rel}`;
}

/**
 * Lexically normalises a relative POSIX path, collapsing `.`, `..` and `//`.
 * Returns `undefined` when the result would leave its base (starts with `..`).
 */
export function normalizeRelative(p: string): string | undefined {
  const out: string[] = [];
  for (const c of toPosix(p).split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (out.length === 0) return undefined;
      out.pop();
    } else {
      out.push(c);
    }
  }
  return out.length === 0 ? "." : out.join("/");
}

/** True when `rel`, a native path from `nodePath.relative(base, p)`, lies outside `base`. */
export function outsideBase(rel: string): boolean {
  return rel.split(nodePath.sep)[0] === ".." || nodePath.isAbsolute(rel);
}

/** Absolute path of `p` with symlinks resolved when it exists, lexically otherwise. */
export function resolveAbsolute(p: string): string {
  const abs = nodePath.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/**
 * The model name recorded as the in-toto subject name (§1.6): the last
 * component of the normalised path, or, for `.`, `/` and `..`, the last
 * component of the resolved absolute path.
 */
export function modelName(modelPath: string): string {
  const normalized = normalizeUserPath(modelPath);
  const last = normalized.split("/").pop() ?? "";
  if (last !== "" && last !== "." && last !== "..") return last;
  return nodePath.basename(toPosix(resolveAbsolute(modelPath)));
}

/** Whether something is at `path` itself, by `lstat` (a symlink is not followed). */
export function existsHere(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
