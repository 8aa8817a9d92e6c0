/**
 * The canonical order of item names in a manifest (docs/format.md §1.10).
 *
 * @module
 */

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
