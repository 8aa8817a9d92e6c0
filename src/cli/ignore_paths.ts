/**
 * The CLI's resolution of ignore paths (docs/format.md §1.4), which follows
 * the Python CLI rather than the library: paths are taken relative to the
 * current directory with symlinks resolved.
 *
 * @module
 */

import { existsSync, realpathSync } from "node:fs";
import * as nodePath from "node:path";
import { outsideBase, toPosix } from "../hashing/paths.ts";

/**
 * The CLI's resolution of ignore paths (§1.4): each value is made absolute
 * against the current directory with symlinks resolved (even if it does not
 * exist), and kept, relative to the likewise resolved model path, only when it
 * is inside the model.
 */
export function cliIgnorePaths(modelPath: string, paths: Iterable<string>): string[] {
  const root = realpathLoose(modelPath);
  const out: string[] = [];
  for (const p of paths) {
    const rel = nodePath.relative(root, realpathLoose(p));
    if (rel === "") out.push(".");
    else if (!outsideBase(rel)) out.push(toPosix(rel));
  }
  return out;
}

/**
 * Like `realpath`, but for a path that may not exist: the longest existing
 * prefix is resolved and the rest appended (Python's non-strict `resolve()`).
 */
function realpathLoose(p: string): string {
  let head = nodePath.resolve(p);
  const tail: string[] = [];
  while (!existsSync(head)) {
    const parent = nodePath.dirname(head);
    if (parent === head) break;
    tail.unshift(nodePath.basename(head));
    head = parent;
  }
  let real = head;
  try {
    real = realpathSync(head);
  } catch {
    // Unreadable prefix: keep it lexical.
  }
  return tail.length === 0 ? real : nodePath.join(real, ...tail);
}
