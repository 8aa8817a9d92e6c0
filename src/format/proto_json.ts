/**
 * The text layout of Python's protobuf JSON printer, which wrote every
 * statement the Python tool signed (docs/format.md §2.2): 2-space indentation,
 * `": "` separators, ASCII-only output with lowercase `\uXXXX` escapes, and
 * doubles printed with a `.0`. Reproducing it lets our statements equal the
 * upstream goldens byte for byte.
 *
 * @module
 */

/** An integral number printed as a protobuf `Struct` double (`8` → `8.0`). */
export class Double {
  /** The value. */
  readonly value: number;
  /** Wraps `value`. */
  constructor(value: number) {
    this.value = value;
  }
}

/**
 * An array whose elements are made one at a time as they are printed, so a
 * 100,000-resource statement never holds all its element objects at once.
 */
export class LazyArray {
  /** The elements, iterated once. */
  readonly items: Iterable<ProtoJsonValue>;
  /** Wraps `items`. */
  constructor(items: Iterable<ProtoJsonValue>) {
    this.items = items;
  }
}

/** Values the printer accepts; objects print their keys in insertion order. */
export type ProtoJsonValue =
  | string
  | boolean
  | Double
  | LazyArray
  | readonly ProtoJsonValue[]
  | { readonly [key: string]: ProtoJsonValue };

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** Quotes a string as Python's `json` module does with `ensure_ascii`. */
export function quoteAscii(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const code = text.charCodeAt(i);
    if (SHORT_ESCAPES[ch]) out += SHORT_ESCAPES[ch];
    // UTF-16 units ≥ 0x7F escaped one by one give surrogate pairs for astral characters.
    else if (code < 0x20 || code >= 0x7f) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

function formatDouble(n: number): string {
  // Python prints integral doubles below 1e16 as "<int>.0"; the only double we
  // write is a shard size, a safe integer (< 2^53 < 1e16).
  if (!Number.isSafeInteger(n)) throw new RangeError(`cannot print ${n} as a protobuf double`);
  return `${n}.0`;
}

/**
 * Collects ASCII text as bytes. Writing each small piece straight into
 * fixed-size blocks keeps nothing but the bytes alive: joining nested strings
 * made a 100,000-file statement (16 MB) cost ~400 MiB of peak memory, and a
 * doubling buffer still held up to three times the statement at its end.
 */
class AsciiSink {
  static readonly BLOCK = 1 << 20;
  readonly #full: Uint8Array[] = [];
  #block = new Uint8Array(AsciiSink.BLOCK);
  #length = 0;
  readonly #encoder = new TextEncoder();

  write(text: string): void {
    // The printer writes ASCII only, so one byte per UTF-16 unit.
    let from = 0;
    while (from < text.length) {
      if (this.#length === this.#block.length) {
        this.#full.push(this.#block);
        this.#block = new Uint8Array(AsciiSink.BLOCK);
        this.#length = 0;
      }
      const piece = text.slice(from, from + this.#block.length - this.#length);
      this.#length += this.#encoder.encodeInto(piece, this.#block.subarray(this.#length)).written;
      from += piece.length;
    }
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.#full.length * AsciiSink.BLOCK + this.#length);
    this.#full.forEach((b, i) => out.set(b, i * AsciiSink.BLOCK));
    out.set(this.#block.subarray(0, this.#length), this.#full.length * AsciiSink.BLOCK);
    return out;
  }
}

function writeValue(value: ProtoJsonValue, indent: string, out: AsciiSink): void {
  if (typeof value === "string") return out.write(quoteAscii(value));
  if (typeof value === "boolean") return out.write(String(value));
  if (value instanceof Double) return out.write(formatDouble(value.value));
  const inner = indent + "  ";
  const isArray = Array.isArray(value) || value instanceof LazyArray;
  const entries: Iterable<readonly [string | undefined, ProtoJsonValue]> = value instanceof
      LazyArray
    ? (function* () {
      for (const v of value.items) yield [undefined, v] as const;
    })()
    : Array.isArray(value)
    ? value.map((v) => [undefined, v] as const)
    : Object.entries(value);
  let i = 0;
  for (const [key, v] of entries) {
    out.write(i++ === 0 ? (isArray ? "[\n" : "{\n") + inner : `,\n${inner}`);
    if (key !== undefined) out.write(`${quoteAscii(key)}: `);
    writeValue(v, inner, out);
  }
  out.write(i === 0 ? (isArray ? "[]" : "{}") : `\n${indent}${isArray ? "]" : "}"}`);
}

/** Encodes `value` in the protobuf JSON layout (no trailing newline) as ASCII bytes. */
export function encodeProtoJson(value: ProtoJsonValue): Uint8Array {
  const out = new AsciiSink();
  writeValue(value, "", out);
  return out.bytes();
}

/** Prints `value` in the protobuf JSON layout (no trailing newline). */
export function printProtoJson(value: ProtoJsonValue): string {
  return new TextDecoder().decode(encodeProtoJson(value));
}
