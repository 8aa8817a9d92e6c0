/**
 * Ignore rules (docs/format.md §1.4): entries are paths relative to the model, a
 * candidate is ignored when an entry's components are a prefix of its own.
 *
 * @module
 */

import * as nodePath from "node:path";
import { normalizeRelative, toPosix } from "./paths.ts";

/** The four git entries ignored by default. */
export const GIT_IGNORE_ENTRIES: readonly string[] = [
  ".git",
  ".gitattributes",
  ".github",
  ".gitignore",
];

/** A set of model-relative ignore entries with component-prefix matching. */
export class IgnoreSet {
  readonly #entries: ReadonlySet<string>;

  /**
   * @param entries Model-relative paths; each is normalised, and entries that
   *   would leave the model (`..`) are dropped: they can never match inside it.
   */
  constructor(entries: Iterable<string>) {
    const kept = new Set<string>();
    for (const e of entries) {
      const rel = normalizeRelative(e);
      if (rel !== undefined) kept.add(rel);
    }
    this.#entries = kept;
  }

  /** The normalised entries, unordered (sort them canonically to record them, §1.12). */
  get entries(): string[] {
    return [...this.#entries];
  }

  /** True when the model-relative path `rel` (or one of its parents) is an entry. */
  matches(rel: string): boolean {
    if (this.#entries.size === 0) return false;
    if (this.#entries.has(".") || this.#entries.has(rel)) return true;
    for (let i = rel.indexOf("/"); i !== -1; i = rel.indexOf("/", i + 1)) {
      if (this.#entries.has(rel.slice(0, i))) return true;
    }
    return false;
  }
}

/**
 * Converts library ignore paths (relative to the model, or absolute) into
 * model-relative entries. An absolute path counts only when it lies lexically
 * inside the absolute model path.
 */
export function modelRelativeIgnorePaths(modelPath: string, paths: Iterable<string>): string[] {
  const root = nodePath.resolve(modelPath);
  const out: string[] = [];
  for (const p of paths) {
    const rel = nodePath.isAbsolute(p) ? toPosix(nodePath.relative(root, p)) : toPosix(p);
    if (normalizeRelative(rel) !== undefined) out.push(rel);
  }
  return out;
}
