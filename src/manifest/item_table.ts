/**
 * Manifest items in packed form: paths as WTF-8 bytes and digests as bytes,
 * each column one buffer. A manifest of 100,000 files is then ~6 MB in five
 * buffers instead of ~30 MB of path strings, digest views and item objects
 * (docs/benchmarks.md, "Memory"). The statement is written from it and the
 * signed manifest is parsed into it, so the items of a model never exist as
 * objects unless a caller asks for them.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { ByteList } from "../util/byte_list.ts";
import { toHex } from "../util/encoding.ts";

/** One manifest entry: a whole file, or one shard `[start, end)` of a file. */
export interface ManifestItem {
  /** File path relative to the model (POSIX), `.` for a single-file model. */
  readonly path: string;
  /** Shard range, absent for whole files. */
  readonly range?: { readonly start: number; readonly end: number };
  /** Algorithm string as recorded per resource: `sha256`, `blake2b`, `sha256-sharded-8`… */
  readonly algorithm: string;
  /** Raw digest bytes. */
  readonly digest: Uint8Array;
}

const SLASH = 0x2f;

/**
 * Canonical order (§1.10) of two WTF-8 byte strings: byte order is code
 * point order, with `/` below every other character, as
 * `compareCanonicalPaths` orders well-formed strings (a lone surrogate, which
 * no file system name holds, is ordered by its code point, as Python does).
 */
function compareBytes(
  x: Uint8Array,
  a: number,
  aEnd: number,
  y: Uint8Array,
  b: number,
  bEnd: number,
): number {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let k = 0; k < n; k++) {
    const p = x[a + k];
    const q = y[b + k];
    if (p !== q) return (p === SLASH ? -1 : p) - (q === SLASH ? -1 : q);
  }
  return (aEnd - a) - (bEnd - b);
}

/** Items `0 … length-1` in the order they were added; see the module documentation. */
export class ItemTable implements Iterable<ManifestItem> {
  #paths: ByteList;
  #digests: ByteList;
  /** One string per item; equal algorithms share one string. */
  readonly #algorithms: string[] = [];
  /** `start, end` per item (-1, -1 for a whole file); absent while no item has a range. */
  #ranges: number[] | undefined;

  /**
   * Creates an empty table.
   * @param size Expected number of items.
   * @param pathBytes Expected total bytes of the paths.
   * @param digestBytes Expected total bytes of the digests.
   */
  constructor(size = 64, pathBytes = 1024, digestBytes = 32 * size) {
    this.#paths = new ByteList(size, pathBytes);
    this.#digests = new ByteList(size, digestBytes);
  }

  /**
   * A table of whole files, every one hashed with `algorithm`: `paths[i]`
   * has the `i`-th digest of `digests`, packed (`digests.length / paths.length`
   * bytes each). Both are used as they are, not copied.
   */
  static ofFiles(paths: ByteList, algorithm: string, digests: Uint8Array): ItemTable {
    const table = new ItemTable(1, 1, 1);
    table.#paths = paths;
    table.#digests = ByteList.ofFixed(
      digests,
      paths.length === 0 ? 0 : digests.length / paths.length,
    );
    table.#algorithms.length = paths.length;
    table.#algorithms.fill(algorithm);
    return table;
  }

  /** A table of `items`, in their order. */
  static from(items: Iterable<ManifestItem>): ItemTable {
    if (items instanceof ItemTable) return items;
    const table = new ItemTable();
    for (const item of items) table.push(item.path, item.algorithm, item.digest, item.range);
    return table;
  }

  /** Number of items. */
  get length(): number {
    return this.#algorithms.length;
  }

  /** Appends an item. */
  push(
    path: string,
    algorithm: string,
    digest: Uint8Array,
    range?: { readonly start: number; readonly end: number },
  ): void {
    this.#pushRange(range);
    this.#paths.pushString(path);
    this.#digests.push(digest);
    // The previous item's algorithm is usually the same string: share it.
    const last = this.#algorithms.at(-1);
    this.#algorithms.push(last === algorithm ? last : algorithm);
  }

  #pushRange(range?: { readonly start: number; readonly end: number }): void {
    if (range && !this.#ranges) this.#ranges = new Array(2 * this.length).fill(-1);
    this.#ranges?.push(range?.start ?? -1, range?.end ?? -1);
  }

  /** The path column (WTF-8), for code that reads every item and must not make a view each. */
  get paths(): ByteList {
    return this.#paths;
  }

  /** The digest column, as {@linkcode paths}. */
  get digests(): ByteList {
    return this.#digests;
  }

  /** Item `i`'s file path. */
  path(i: number): string {
    return this.#paths.string(i);
  }

  /** Item `i`'s shard range, if it has one. */
  range(i: number): { start: number; end: number } | undefined {
    const r = this.#ranges;
    if (!r || r[2 * i] < 0) return undefined;
    return { start: r[2 * i], end: r[2 * i + 1] };
  }

  /** Item `i`'s resource name: the path, or `path:start:end` for a shard (§1.9). */
  key(i: number): string {
    const r = this.range(i);
    return r ? `${this.path(i)}:${r.start}:${r.end}` : this.path(i);
  }

  /** Item `i`'s algorithm string. */
  algorithm(i: number): string {
    return this.#algorithms[i];
  }

  /** Item `i`'s digest (a view, valid until the next append). */
  digest(i: number): Uint8Array {
    return this.#digests.view(i);
  }

  /** Item `i`'s digest as lowercase hex. */
  digestHex(i: number): string {
    return toHex(this.digest(i));
  }

  /** Item `i` as an object (a fresh digest copy). */
  item(i: number): ManifestItem {
    const range = this.range(i);
    const item = {
      path: this.path(i),
      algorithm: this.algorithm(i),
      digest: this.digest(i).slice(),
    };
    return range ? { ...item, range } : item;
  }

  /** The items as objects, in order. */
  *[Symbol.iterator](): Iterator<ManifestItem> {
    for (let i = 0; i < this.length; i++) yield this.item(i);
  }

  /** Canonical order of items `i` and `j` (§1.10): path, then shard start, then end. */
  compare(i: number, j: number): number {
    const p = this.#paths;
    const c = compareBytes(p.raw, p.start(i), p.end(i), p.raw, p.start(j), p.end(j));
    if (c !== 0 || !this.#ranges) return c;
    const r = this.#ranges;
    return Math.max(r[2 * i], 0) - Math.max(r[2 * j], 0) ||
      Math.max(r[2 * i + 1], 0) - Math.max(r[2 * j + 1], 0);
  }

  /**
   * The items in canonical order (§1.10), equal items in their order here:
   * this table when it is in that order already, else a sorted copy.
   */
  sorted(): ItemTable {
    let ordered = true;
    for (let i = 1; i < this.length && ordered; i++) ordered = this.compare(i - 1, i) <= 0;
    if (ordered) return this;
    const order = Array.from({ length: this.length }, (_, i) => i)
      .sort((a, b) => this.compare(a, b) || a - b);
    return this.#select(order);
  }

  /** The items for which `keep(i)` holds, in their order. */
  filter(keep: (i: number) => boolean): ItemTable {
    const order: number[] = [];
    for (let i = 0; i < this.length; i++) if (keep(i)) order.push(i);
    return this.#select(order);
  }

  #select(order: readonly number[]): ItemTable {
    const out = new ItemTable(order.length, this.#paths.byteLength, this.#digests.byteLength);
    for (const i of order) {
      out.#pushRange(this.range(i));
      out.#paths.pushFrom(this.#paths, i);
      out.#digests.pushFrom(this.#digests, i);
      out.#algorithms.push(this.#algorithms[i]);
    }
    return out;
  }

  /** True when item `i` equals item `j` of `other`: name, algorithm and digest. */
  sameItem(i: number, other: ItemTable, j: number): boolean {
    const r = this.#ranges;
    const s = other.#ranges;
    const start = (t: number[] | undefined, k: number) => t ? t[2 * k] : -1;
    const end = (t: number[] | undefined, k: number) => t ? t[2 * k + 1] : -1;
    return start(r, i) === start(s, j) && end(r, i) === end(s, j) &&
      this.#algorithms[i] === other.#algorithms[j] &&
      this.#paths.equalAt(i, other.#paths, j) &&
      this.#digests.equalAt(i, other.#digests, j);
  }

  /** Distinct paths (a file split in shards counts once). */
  distinctPaths(): number {
    if (!this.#ranges) return this.length;
    const seen = new Set<string>();
    for (let i = 0; i < this.length; i++) seen.add(this.path(i));
    return seen.size;
  }

  /** SHA-256 over the digests in this order (§1.11). */
  rootDigest(): Uint8Array {
    return new Uint8Array(createHash("sha256").update(this.#digests.buffer).digest());
  }
}
