/**
 * Ignore rules (docs/format.md §1.4): entries are paths relative to the model, a
 * candidate is ignored when an entry's components are a prefix of its own.
 *
 * @module
 */

import * as nodePath from "node:path";
import { normalizeRelative, realpathLoose, toPosix } from "./paths.ts";

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

  /** The normalised entries, sorted in the canonical order (for recording, §1.12). */
  get entries(): string[] {
    return [...this.#entries].sort(compareCanonicalPaths);
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
    else if (rel.split(nodePath.sep)[0] !== ".." && !nodePath.isAbsolute(rel)) {
      out.push(toPosix(rel));
    }
  }
  return out;
}

/**
 * Canonical order of paths (§1.10): component-wise by Unicode code point,
 * which is code-point order with `/` below every other character. Not
 * JavaScript's default sort, which compares UTF-16 units and puts `a.b`
 * before `a/b`.
 */
export function compareCanonicalPaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a.charCodeAt(i) === b.charCodeAt(i)) continue;
    return canonicalRank(a, i) - canonicalRank(b, i);
  }
  return a.length - b.length;
}

function canonicalRank(s: string, i: number): number {
  const cp = s.codePointAt(i)!;
  return cp === 0x2f ? -1 : cp;
}
