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

/** Values the printer accepts; objects print their keys in insertion order. */
export type ProtoJsonValue =
  | string
  | boolean
  | Double
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
 * Collects ASCII text as bytes. Writing each small piece straight into one
 * growing buffer keeps nothing but the buffer alive: joining nested strings
 * made a 100,000-file statement (16 MB) cost ~400 MiB of peak memory.
 */
class AsciiSink {
  #bytes = new Uint8Array(1 << 16);
  #length = 0;
  readonly #encoder = new TextEncoder();

  write(text: string): void {
    // The printer writes ASCII only, so one byte per UTF-16 unit.
    if (this.#length + text.length > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + text.length));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#length += this.#encoder.encodeInto(text, this.#bytes.subarray(this.#length)).written;
  }

  bytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

function writeValue(value: ProtoJsonValue, indent: string, out: AsciiSink): void {
  if (typeof value === "string") return out.write(quoteAscii(value));
  if (typeof value === "boolean") return out.write(String(value));
  if (value instanceof Double) return out.write(formatDouble(value.value));
  const inner = indent + "  ";
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((v) => [undefined, v] as const) : Object.entries(value);
  if (entries.length === 0) return out.write(isArray ? "[]" : "{}");
  out.write(isArray ? "[\n" : "{\n");
  entries.forEach(([key, v], i) => {
    out.write(i === 0 ? inner : `,\n${inner}`);
    if (key !== undefined) out.write(`${quoteAscii(key)}: `);
    writeValue(v, inner, out);
  });
  out.write(`\n${indent}${isArray ? "]" : "}"}`);
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
