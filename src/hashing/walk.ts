/**
 * Enumerates the files of a model (FORMAT.md §1.2–1.3, HEAD order): ignored
 * paths are skipped before any other check, symlinks are refused unless
 * allowed, special files and unreadable directories are errors, symlinked
 * directories are never descended.
 *
 * @module
 */

import { lstatSync, readdirSync, realpathSync, type Stats, statSync } from "node:fs";
import * as nodePath from "node:path";
import { ModelPathError } from "../errors.ts";
import { describeFsError } from "./file_range.ts";
import type { IgnoreSet } from "./ignore.ts";
import { joinModelPath, normalizeUserPath, toPosix } from "./paths.ts";

/** A regular file of the model (a symlink to one, when allowed). */
export interface ModelFile {
  /** Item name: the POSIX path relative to the model, `.` for a single-file model. */
  readonly name: string;
  /** Path to open, as Python prints it: the normalised model path joined with `name`. */
  readonly path: string;
  /** Size in bytes at enumeration time (following symlinks). */
  readonly size: number;
}

/** How to walk. */
export interface WalkOptions {
  /** Model-relative entries to skip (with everything below them). */
  readonly ignore: IgnoreSet;
  /** Accept symlinks to files (hashed through their target, named by the link). */
  readonly allowSymlinks: boolean;
  /** Receives non-fatal notices, e.g. a symlink that points outside the model. */
  readonly onWarning?: (message: string) => void;
}

function symlinkRefused(path: string): ModelPathError {
  return new ModelPathError(
    path,
    `Cannot use '${path}' because it is a symlink. This behavior can be changed with \`allow_symlinks\`.`,
  );
}

function notFileOrDirectory(path: string, cause?: unknown): ModelPathError {
  return new ModelPathError(
    path,
    `Cannot use '${path}' as file or directory. It could be a special file, it could be missing, or there might be a permission issue.`,
    { cause },
  );
}

/**
 * Checks one candidate (§1.3 steps 2–4) and returns its stat (following
 * symlinks) and whether it is itself a symlink, or throws.
 */
function inspect(path: string, allowSymlinks: boolean): { stat: Stats; isLink: boolean } {
  let isLink = false;
  try {
    isLink = lstatSync(path).isSymbolicLink();
  } catch (e) {
    throw notFileOrDirectory(path, e);
  }
  if (isLink && !allowSymlinks) throw symlinkRefused(path);
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (e) {
    throw notFileOrDirectory(path, e);
  }
  if (!stat.isFile() && !stat.isDirectory()) throw notFileOrDirectory(path);
  return { stat, isLink };
}

function listDirectory(path: string): string[] {
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (e) {
    throw new ModelPathError(path, `Cannot list directory '${path}': ${describeFsError(e)}`, {
      cause: e,
    });
  }
  for (const name of names) {
    // Deno decodes names lossily; a U+FFFD that does not exist on disk was an invalid byte.
    if (name.includes("\uFFFD")) {
      try {
        lstatSync(nodePath.join(path, name));
      } catch {
        const shown = joinModelPath(path, name);
        throw new ModelPathError(
          shown,
          `Cannot use '${shown}': its name is not valid UTF-8, which the signature format cannot record.`,
        );
      }
    }
  }
  return names;
}

/**
 * Lists the files of the model at `modelPath` in no particular order.
 *
 * @throws {ModelPathError} for a refused symlink, a special or missing file,
 *   a broken link, an unlistable directory or a name that is not UTF-8.
 */
export function walkModel(modelPath: string, options: WalkOptions): ModelFile[] {
  const root = normalizeUserPath(modelPath);
  const files: ModelFile[] = [];
  let rootReal: string | undefined;
  const warnIfOutside = (path: string) => {
    if (!options.onWarning) return;
    rootReal ??= realpathSync(root);
    const target = realpathSync(path);
    const rel = nodePath.relative(rootReal, target);
    if (rel.split(nodePath.sep)[0] === ".." || nodePath.isAbsolute(rel)) {
      options.onWarning(
        `Symlink '${path}' points outside the model to '${target}'; the target's content is hashed.`,
      );
    }
  };

  const stack: string[] = ["."];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    if (options.ignore.matches(rel)) continue;
    const path = joinModelPath(root, rel);
    const { stat, isLink } = inspect(path, options.allowSymlinks);
    if (stat.isFile()) {
      if (isLink) warnIfOutside(path);
      files.push({ name: rel, path, size: stat.size });
    } else if (rel === "." || !isLink) {
      for (const name of listDirectory(path)) {
        stack.push(rel === "." ? toPosix(name) : `${rel}/${name}`);
      }
    }
  }
  return files;
}

/**
 * Checks only the named model-relative files (the verifier's
 * `ignore_unsigned_files` mode, §5.6): each goes through the same ignore,
 * symlink and type checks as in a walk; directories add nothing.
 *
 * @throws {ModelPathError} for a name that is absolute or leaves the model, or
 *   that fails a check (a signed file missing locally fails here).
 */
export function statNamedFiles(
  modelPath: string,
  names: Iterable<string>,
  options: WalkOptions,
): ModelFile[] {
  const root = normalizeUserPath(modelPath);
  const files: ModelFile[] = [];
  for (const name of names) {
    const parts = name.split("/");
    if (
      name.startsWith("/") || parts.includes("..") || name.includes("\\") || name.includes("\0")
    ) {
      throw new ModelPathError(
        name,
        `Refusing signed name '${name}': it points outside the model.`,
      );
    }
    const rel = parts.filter((c) => c !== "" && c !== ".").join("/") || ".";
    if (options.ignore.matches(rel)) continue;
    const path = joinModelPath(root, rel);
    const { stat } = inspect(path, options.allowSymlinks);
    if (stat.isFile()) files.push({ name: rel, path, size: stat.size });
  }
  return files;
}
