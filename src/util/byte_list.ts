/**
 * A growable list of byte strings packed in one buffer, with text stored as
 * WTF-8 (UTF-8 that also encodes lone surrogates, so every JavaScript string
 * round-trips exactly). A 100,000-file manifest keeps its names and digests
 * this way: two buffers instead of 200,000 heap objects, which V8 would copy
 * on every young-generation collection and which grow its heap (measured in
 * docs/benchmarks.md, "Memory").
 *
 * @module
 */

import { Buffer, isAscii } from "node:buffer";

// Each entry is a whole string: a leading U+FEFF is a character, not a byte order mark.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Longest run passed to `String.fromCharCode` at once (an argument list). */
const CHAR_RUN = 4096;
const shortUnits: number[] = [];

/** The string of UTF-16 units `units[0, n)`. */
function fromUnits(
  units: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  n: number,
): string {
  let text = "";
  for (let at = 0; at < n; at += CHAR_RUN) {
    text += String.fromCharCode.apply(
      null,
      units.subarray(at, Math.min(n, at + CHAR_RUN)) as unknown as number[],
    );
  }
  return text;
}

/** Decodes WTF-8 `bytes[start, end)` (well-formed: written by {@linkcode ByteList.pushString} or valid UTF-8). */
export function decodeWtf8(bytes: Uint8Array, start: number, end: number): string {
  // Long and ASCII (a bundle's base64 payload): one native scan, and one string held outside
  // V8's heap (Deno makes "ascii" strings external), not a rope of runs.
  if (end - start > CHAR_RUN && isAscii(bytes.subarray(start, end))) {
    return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("ascii");
  }
  let surrogate = false;
  let ascii = true;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b < 0x80) continue;
    ascii = false;
    // A surrogate code point: ED A0..BF xx. Valid UTF-8 never has one.
    if (b === 0xed && bytes[i + 1] >= 0xa0) {
      surrogate = true;
      break;
    }
  }
  if (ascii) {
    // Short (names; a long ASCII run returned above): one call, through one reused array, as a
    // view per name would be an object per name.
    shortUnits.length = end - start;
    for (let i = start; i < end; i++) shortUnits[i - start] = bytes[i];
    return String.fromCharCode.apply(null, shortUnits);
  }
  if (!surrogate) return decoder.decode(bytes.subarray(start, end));
  const units = new Uint16Array(end - start);
  let n = 0;
  for (let i = start; i < end;) {
    const b = bytes[i];
    let cp: number;
    if (b < 0x80) cp = bytes[i++];
    else if (b < 0xe0) cp = ((b & 0x1f) << 6) | (bytes[i + 1] & 0x3f), i += 2;
    else if (b < 0xf0) {
      cp = ((b & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
      i += 3;
    } else {
      cp = ((b & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) |
        (bytes[i + 3] & 0x3f);
      i += 4;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units[n++] = 0xd800 | (cp >> 10);
      units[n++] = 0xdc00 | (cp & 0x3ff);
    } else units[n++] = cp;
  }
  return fromUnits(units, n);
}

/** Byte strings `0 … length-1`, appended in order, each a range of one buffer. */
export class ByteList {
  #bytes: Uint8Array;
  #ends: Uint32Array;
  #count = 0;

  /**
   * Creates an empty list.
   * @param items Expected number of entries (the list grows past it).
   * @param bytes Expected total size in bytes.
   */
  constructor(items = 64, bytes = 1024) {
    this.#ends = new Uint32Array(Math.max(1, items || 0));
    this.#bytes = new Uint8Array(Math.max(1, bytes || 0));
  }

  /** A list of `bytes.length / size` entries of `size` bytes each, over `bytes` itself (no copy). */
  static ofFixed(bytes: Uint8Array, size: number): ByteList {
    const count = size === 0 ? 0 : bytes.length / size;
    const list = new ByteList(count, 1);
    list.#bytes = bytes;
    for (let i = 0; i < count; i++) list.#ends[i] = (i + 1) * size;
    list.#count = count;
    return list;
  }

  /** Number of entries. */
  get length(): number {
    return this.#count;
  }

  /** Total bytes of all entries. */
  get byteLength(): number {
    return this.#count === 0 ? 0 : this.#ends[this.#count - 1];
  }

  /** The buffer holding every entry back to back; valid until the next append. */
  get buffer(): Uint8Array {
    return this.#bytes.subarray(0, this.byteLength);
  }

  /**
   * The buffer itself, spare capacity included, valid until the next append:
   * for loops over many entries, which must not make a view each.
   */
  get raw(): Uint8Array {
    return this.#bytes;
  }

  /** Where entry `i` starts in {@linkcode buffer}. */
  start(i: number): number {
    return i === 0 ? 0 : this.#ends[i - 1];
  }

  /** Where entry `i` ends in {@linkcode buffer}. */
  end(i: number): number {
    return this.#ends[i];
  }

  /** Entry `i` as a view (valid until the next append). */
  view(i: number): Uint8Array {
    return this.#bytes.subarray(this.start(i), this.#ends[i]);
  }

  /** Entry `i` decoded from WTF-8. */
  string(i: number): string {
    return decodeWtf8(this.#bytes, this.start(i), this.#ends[i]);
  }

  /** True when entry `i` equals entry `j` of `other`. */
  equalAt(i: number, other: ByteList, j: number): boolean {
    const a = this.start(i);
    const n = this.#ends[i] - a;
    const b = other.start(j);
    if (other.#ends[j] - b !== n) return false;
    const x = this.#bytes;
    const y = other.#bytes;
    for (let k = 0; k < n; k++) if (x[a + k] !== y[b + k]) return false;
    return true;
  }

  /** Appends `bytes` as a new entry. */
  push(bytes: Uint8Array): void {
    const at = this.#reserve(bytes.length);
    this.#bytes.set(bytes, at);
    this.#close(at + bytes.length);
  }

  /** Appends entry `i` of `other`. */
  pushFrom(other: ByteList, i: number): void {
    const from = other.start(i);
    const n = other.#ends[i] - from;
    const at = this.#reserve(n);
    // Entries are short (names, digests): a loop, not a view of `other` for `set`.
    const src = other.#bytes;
    const dst = this.#bytes;
    for (let k = 0; k < n; k++) dst[at + k] = src[from + k];
    this.#close(at + n);
  }

  /** Appends `text` as WTF-8 (UTF-8; a lone surrogate takes the 3 bytes of its code point). */
  pushString(text: string): void {
    let at = this.#reserve(text.length * 3);
    const out = this.#bytes;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        out[at++] = c;
        continue;
      }
      if (c < 0x800) {
        out[at++] = 0xc0 | (c >> 6);
        out[at++] = 0x80 | (c & 0x3f);
        continue;
      }
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[at++] = 0xf0 | (c >> 18);
          out[at++] = 0x80 | ((c >> 12) & 0x3f);
          out[at++] = 0x80 | ((c >> 6) & 0x3f);
          out[at++] = 0x80 | (c & 0x3f);
          continue;
        }
      }
      out[at++] = 0xe0 | (c >> 12);
      out[at++] = 0x80 | ((c >> 6) & 0x3f);
      out[at++] = 0x80 | (c & 0x3f);
    }
    this.#close(at);
  }

  /** Makes room for one more entry of up to `n` bytes; returns where it starts. */
  #reserve(n: number): number {
    const at = this.byteLength;
    if (this.#count === this.#ends.length) {
      const ends = new Uint32Array(this.#ends.length * 2);
      ends.set(this.#ends);
      this.#ends = ends;
    }
    if (at + n > this.#bytes.length) {
      const bytes = new Uint8Array(Math.max(at + n, this.#bytes.length * 2));
      bytes.set(this.#bytes.subarray(0, at));
      this.#bytes = bytes;
    }
    return at;
  }

  #close(end: number): void {
    if (end > 0xffffffff) throw new RangeError("a byte list holds at most 4 GiB");
    this.#ends[this.#count++] = end;
  }
}
