/**
 * Enumerates the files of a model (docs/format.md §1.2–1.3, HEAD order): ignored
 * paths are skipped before any other check, symlinks are refused unless
 * allowed, special files and unreadable directories are errors, symlinked
 * directories are never descended.
 *
 * @module
 */

import { realpathSync } from "node:fs";
import * as nodePath from "node:path";
import { ModelPathError } from "../errors.ts";
import { type ByteList, decodeWtf8 } from "../util/byte_list.ts";
import { fileKind, fsErrorReason } from "../util/fs_errors.ts";
import { identityOf } from "./file_range.ts";
import type { IgnoreSet } from "./ignore.ts";
import {
  couldLeaveModel,
  existsHere,
  joinModelPath,
  normalizeUserPath,
  outsideBase,
  toPosix,
} from "./paths.ts";

/** A regular file of the model (a symlink to one, when allowed). */
export interface ModelFile {
  /** Item name: the POSIX path relative to the model, `.` for a single-file model. */
  readonly name: string;
  /** Path to open, as Python prints it: the normalised model path joined with `name`. */
  readonly path: string;
  /** Size in bytes at enumeration time (following symlinks). */
  readonly size: number;
  /** Device, inode and modification time at enumeration time, to detect a swap or a write. */
  readonly identity: { readonly dev: number; readonly ino: number; readonly mtimeMs: number };
  /** When it last changed at the latest ({@linkcode changedAt}), for incremental re-signing. */
  readonly changedMs: number;
}

/**
 * The later of a file's modification time and its status-change time. The
 * latter is set by every write and cannot be set back, unlike the former
 * (`touch -r`, `cp -p`, `rsync -a` and `tar x` restore old modification
 * times on new content). Deno gives it in whole seconds: rounded up.
 */
function changedAt(stat: Deno.FileInfo): number {
  const modified = stat.mtime?.getTime() ?? Infinity;
  return stat.ctime ? Math.max(modified, stat.ctime.getTime() + 999) : modified;
}

function modelFile(name: string, path: string, stat: Deno.FileInfo): ModelFile {
  return { name, path, size: stat.size, identity: identityOf(stat), changedMs: changedAt(stat) };
}

/** A file of the model found by {@linkcode walkModelEntries}, not yet opened. */
export interface ModelEntry {
  /** Item name, as in {@linkcode ModelFile}. */
  readonly name: string;
  /** Path to open, as in {@linkcode ModelFile}. */
  readonly path: string;
  /** The entry is a symlink (allowed) to a file, not a regular file. */
  readonly link: boolean;
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

/** Python's §1.3 message, then the actual reason: the error's, or the kind of special file. */
function notFileOrDirectory(path: string, cause: unknown, stat?: Deno.FileInfo): ModelPathError {
  const reason = stat ? `it is ${fileKind(stat)}` : fsErrorReason(cause);
  return new ModelPathError(
    path,
    `Cannot use '${path}' as file or directory. Reason: ${reason}.`,
    { cause },
  );
}

/**
 * Checks one candidate (§1.3 steps 2–4) and returns its stat (following
 * symlinks) and whether it is itself a symlink, or throws.
 */
function inspect(path: string, allowSymlinks: boolean): { stat: Deno.FileInfo; isLink: boolean } {
  let stat: Deno.FileInfo;
  try {
    stat = Deno.lstatSync(path);
  } catch (e) {
    throw notFileOrDirectory(path, e);
  }
  const isLink = stat.isSymlink;
  if (isLink && !allowSymlinks) throw symlinkRefused(path);
  if (isLink) {
    try {
      stat = Deno.statSync(path);
    } catch (e) {
      throw notFileOrDirectory(path, e);
    }
  }
  if (!stat.isFile && !stat.isDirectory) throw notFileOrDirectory(path, undefined, stat);
  return { stat, isLink };
}

function listDirectory(path: string): Deno.DirEntry[] {
  let entries: Deno.DirEntry[];
  try {
    entries = Array.from(Deno.readDirSync(path));
  } catch (e) {
    throw new ModelPathError(path, `Cannot list directory '${path}': ${fsErrorReason(e)}`, {
      cause: e,
    });
  }
  // Deno decodes names lossily: a U+FFFD that does not exist on disk was an invalid byte, and
  // two entries with one decoded name (`a\xff` beside a real `a\uFFFD`) hide one.
  const decoded = new Set<string>();
  for (const { name } of entries) {
    if (!name.includes("\uFFFD")) continue;
    if (decoded.has(name) || !existsHere(nodePath.join(path, name))) {
      const shown = joinModelPath(path, name);
      throw new ModelPathError(
        shown,
        `Cannot use '${shown}': its name is not valid UTF-8, which the signature format cannot record.`,
      );
    }
    decoded.add(name);
  }
  return entries;
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
  const warnIfOutside = outsideWarner(root, options.onWarning);

  const stack: string[] = ["."];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    if (options.ignore.matches(rel)) continue;
    const path = joinModelPath(root, rel);
    const { stat, isLink } = inspect(path, options.allowSymlinks);
    if (stat.isFile) {
      if (isLink) warnIfOutside(path);
      files.push(modelFile(rel, path, stat));
    } else if (rel === "." || !isLink) {
      for (const { name } of listDirectory(path)) {
        stack.push(rel === "." ? toPosix(name) : `${rel}/${name}`);
      }
    }
  }
  return files;
}

/** Warns (through `onWarning`) about a symlink whose target lies outside the model. */
function outsideWarner(
  root: string,
  onWarning?: (message: string) => void,
): (path: string) => void {
  let rootReal: string | undefined;
  return (path) => {
    if (!onWarning) return;
    rootReal ??= realpathSync(root);
    const target = realpathSync(path);
    if (outsideBase(nodePath.relative(rootReal, target))) {
      onWarning(
        `Symlink '${path}' points outside the model to '${target}'; the target's content is hashed.`,
      );
    }
  };
}

/**
 * Lists the files of the model as {@linkcode walkModel} does, lazily (hashing
 * can start before the walk ends) and without a path operation per regular
 * file: directory entries carry their type, so only symlinks are inspected.
 * Sizes come later, from the opened files. Check the result with
 * {@linkcode assertEntriesUnchanged} after hashing.
 *
 * @throws {ModelPathError} as {@linkcode walkModel}.
 */
export function* walkModelEntries(
  modelPath: string,
  options: WalkOptions,
): Generator<ModelEntry, void, undefined> {
  const root = normalizeUserPath(modelPath);
  const warnIfOutside = outsideWarner(root, options.onWarning);
  if (options.ignore.matches(".")) return;
  const top = inspect(root, options.allowSymlinks);
  if (top.stat.isFile) {
    if (top.isLink) warnIfOutside(root);
    yield { name: ".", path: root, link: top.isLink };
    return;
  }
  const stack: string[] = ["."];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const dirPath = joinModelPath(root, dir);
    for (const entry of listDirectory(dirPath)) {
      const rel = dir === "." ? toPosix(entry.name) : `${dir}/${entry.name}`;
      if (options.ignore.matches(rel)) continue;
      const path = joinModelPath(root, rel);
      if (entry.isDirectory) stack.push(rel);
      else if (entry.isFile) yield { name: rel, path, link: false };
      else {
        // A symlink (refused unless allowed; followed to a file only) or a special file.
        const { stat, isLink } = inspect(path, options.allowSymlinks);
        if (stat.isFile) {
          warnIfOutside(path);
          yield { name: rel, path, link: true };
        } else if (!isLink) stack.push(rel); // cannot happen: the entry was not a directory
      }
    }
  }
}

/** The real path of `path`, or undefined when it cannot be resolved (a missing model fails later). */
export function realPathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Re-checks, after hashing, the model root (against `rootAtStart`, its real
 * path when hashing began) and the directories of the files
 * {@linkcode walkModelEntries} found: none was replaced by a symlink or
 * removed (one `realpath` per directory, not an operation per file). Each
 * file was checked by its own path's stat before and after its reads (a
 * regular file that became a symlink is caught there), but a path's stat
 * follows a symlinked directory on the way. `names` are the item names
 * (WTF-8) in walk order, where the files of a directory follow each other;
 * they are read from their bytes, only each directory's name becomes a string.
 *
 * @throws {ModelPathError} naming the first directory that changed or disappeared.
 */
export function assertDirectoriesInPlace(
  modelPath: string,
  names: ByteList,
  rootAtStart: string | undefined,
): void {
  const root = normalizeUserPath(modelPath);
  const raw = names.raw;
  let rootReal: string | undefined;
  if (rootAtStart !== undefined) {
    // A model path that is (or passes through) a symlink may have been pointed elsewhere.
    rootReal = realPathOrUndefined(root);
    if (rootReal !== rootAtStart) {
      throw new ModelPathError(
        root,
        `Model '${root}' was replaced while it was being hashed (it leads elsewhere now).`,
      );
    }
  }
  /** Where the last checked directory's name lies in `raw`, `[dirStart, dirEnd)`. */
  let dirStart = 0;
  let dirEnd = -1;
  for (let i = 0; i < names.length; i++) {
    const start = names.start(i);
    const end = names.end(i);
    let slash = end - 1;
    while (slash >= start && raw[slash] !== 0x2f) slash--;
    if (slash < start) continue; // a file at the top (or "." for a one-file model)
    const dirLength = slash - start;
    let same = dirLength === dirEnd - dirStart;
    for (let k = 0; same && k < dirLength; k++) same = raw[start + k] === raw[dirStart + k];
    if (same) continue;
    dirStart = start;
    dirEnd = slash;
    const dir = decodeWtf8(raw, start, slash);
    rootReal ??= realpathSync(root);
    assertDirectoryInPlace(rootReal, dir, joinModelPath(root, dir));
  }
}

/**
 * Checks only the named model-relative files (the verifier's
 * `ignore_unsigned_files` mode, §5.6): each goes through the same ignore,
 * symlink and type checks as in a walk; directories add nothing.
 *
 * @throws {ModelPathError} for a name that is absolute, leaves the model or
 *   passes through a symlinked directory, or that fails a check (a signed
 *   file missing locally fails here).
 */
export function statNamedFiles(
  modelPath: string,
  names: Iterable<string>,
  options: WalkOptions,
): ModelFile[] {
  const root = normalizeUserPath(modelPath);
  const files: ModelFile[] = [];
  const checkedDirs = new Set<string>();
  const seen = new Set<string>();
  for (const name of names) {
    if (couldLeaveModel(name)) {
      throw new ModelPathError(
        name,
        `Refusing signed name '${name}': it points outside the model.`,
      );
    }
    const rel = name.split("/").filter((c) => c !== "" && c !== ".").join("/") || ".";
    // Two spellings of one file (`a`, `./a`) are one item.
    if (seen.has(rel) || options.ignore.matches(rel)) continue;
    seen.add(rel);
    refuseSymlinkedDirectories(root, rel, checkedDirs);
    const path = joinModelPath(root, rel);
    const { stat } = inspect(path, options.allowSymlinks);
    if (stat.isFile) files.push(modelFile(rel, path, stat));
  }
  return files;
}

/**
 * A walk never descends into a symlinked directory, so a signed name must not
 * reach a file through one either (it could lead out of the model). Checked
 * with `lstat` only: nothing behind the link is touched.
 */
function refuseSymlinkedDirectories(root: string, rel: string, checked: Set<string>): void {
  const parts = rel.split("/");
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join("/");
    if (checked.has(dir)) continue;
    const path = joinModelPath(root, dir);
    let isLink = false;
    try {
      isLink = Deno.lstatSync(path).isSymlink;
    } catch {
      // Missing: the file's own check reports it.
    }
    if (isLink) {
      throw new ModelPathError(
        path,
        `Refusing signed name '${rel}': '${path}' is a symlink, and files reached through a symlinked directory are not part of the model.`,
      );
    }
    checked.add(dir);
  }
}

/**
 * Re-checks, after hashing, that every file is still the one the walk found
 * (same device, inode, size and modification time) and that no directory on
 * its path was replaced by a symlink. Together with the checks around each
 * read this makes a model that changes while it is hashed an error instead
 * of a digest of a mix of old and new content or of files outside the model.
 *
 * @throws {ModelPathError} naming the first file or directory that changed or disappeared.
 */
export function assertUnchanged(modelPath: string, files: readonly ModelFile[]): void {
  const root = normalizeUserPath(modelPath);
  let rootReal: string | undefined;
  const checkedDirs = new Set<string>();
  for (const f of files) {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(f.path);
    } catch (e) {
      throw new ModelPathError(
        f.path,
        `File '${f.path}' disappeared while the model was being hashed.`,
        { cause: e },
      );
    }
    const now = identityOf(info);
    const was = f.identity;
    if (
      now.dev !== was.dev || now.ino !== was.ino || info.size !== f.size ||
      now.mtimeMs !== was.mtimeMs
    ) {
      throw new ModelPathError(
        f.path,
        `File '${f.path}' changed or was replaced while the model was being hashed.`,
      );
    }
    const slash = f.name.lastIndexOf("/");
    const dir = slash > 0 ? f.name.slice(0, slash) : undefined;
    if (dir === undefined || checkedDirs.has(dir)) continue;
    const dirPath = joinModelPath(root, dir);
    rootReal ??= realpathSync(root);
    assertDirectoryInPlace(rootReal, dir, dirPath);
    checkedDirs.add(dir);
  }
}

/**
 * Refuses a model directory `dir` (at `dirPath`) that no longer resolves to
 * the same place under the model's real root: it was replaced, e.g. by a
 * symlink, or removed while the model was being hashed.
 */
function assertDirectoryInPlace(rootReal: string, dir: string, dirPath: string): void {
  let real: string | undefined;
  try {
    real = realpathSync(dirPath);
  } catch {
    // Gone: reported as replaced.
  }
  if (real !== nodePath.join(rootReal, ...dir.split("/"))) {
    throw new ModelPathError(
      dirPath,
      `Directory '${dirPath}' was replaced while the model was being hashed.`,
    );
  }
}
