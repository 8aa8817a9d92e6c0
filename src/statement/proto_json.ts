/**
 * The text layout of Python's protobuf JSON printer, which wrote every
 * statement the Python tool signed (FORMAT.md §2.2): 2-space indentation,
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

/** Prints `value` in the protobuf JSON layout (no trailing newline). */
export function printProtoJson(value: ProtoJsonValue, indent = ""): string {
  if (typeof value === "string") return quoteAscii(value);
  if (typeof value === "boolean") return String(value);
  if (value instanceof Double) return formatDouble(value.value);
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((v: ProtoJsonValue) => inner + printProtoJson(v, inner));
    return `[\n${items.join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, ProtoJsonValue>);
  if (entries.length === 0) return "{}";
  const lines = entries.map(([k, v]) => `${inner}${quoteAscii(k)}: ${printProtoJson(v, inner)}`);
  return `{\n${lines.join(",\n")}\n${indent}}`;
}
