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
 * A value that prints itself: the printer asks for its exact size at an
 * indentation, then lets it write its bytes in place. A statement's
 * resources are written this way straight from the packed manifest into the
 * one output buffer (no element objects, no strings, no second copy).
 */
export interface RawJson {
  /** Bytes the value takes when printed at `indent` (the indentation of its own line). */
  byteLength(indent: string): number;
  /** Writes the value at `out[at…]` (ASCII, the layout of this module) and returns the end. */
  writeInto(out: Uint8Array, at: number, indent: string): number;
}

/** Wraps a {@linkcode RawJson} as a value for the printer. */
export class Raw {
  /** The value. */
  readonly value: RawJson;
  /** Wraps `value`. */
  constructor(value: RawJson) {
    this.value = value;
  }
}

/** Values the printer accepts; objects print their keys in insertion order. */
export type ProtoJsonValue =
  | string
  | boolean
  | Double
  | Raw
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

/** The printed value as ASCII text pieces and raw values, in order. */
type Piece = string | { readonly raw: RawJson; readonly indent: string };

function writeValue(value: ProtoJsonValue, indent: string, out: Piece[]): void {
  if (typeof value === "string") return void out.push(quoteAscii(value));
  if (typeof value === "boolean") return void out.push(String(value));
  if (value instanceof Double) return void out.push(formatDouble(value.value));
  if (value instanceof Raw) return void out.push({ raw: value.value, indent });
  const inner = indent + "  ";
  const isArray = Array.isArray(value);
  const entries: (readonly [string | undefined, ProtoJsonValue])[] = isArray
    ? value.map((v) => [undefined, v] as const)
    : Object.entries(value);
  let i = 0;
  for (const [key, v] of entries) {
    out.push(i++ === 0 ? (isArray ? "[\n" : "{\n") + inner : `,\n${inner}`);
    if (key !== undefined) out.push(`${quoteAscii(key)}: `);
    writeValue(v, inner, out);
  }
  out.push(i === 0 ? (isArray ? "[]" : "{}") : `\n${indent}${isArray ? "]" : "}"}`);
}

/**
 * Encodes `value` in the protobuf JSON layout (no trailing newline) as ASCII
 * bytes, in one buffer of the exact size.
 */
export function encodeProtoJson(value: ProtoJsonValue): Uint8Array {
  const pieces: Piece[] = [];
  writeValue(value, "", pieces);
  const size = pieces.reduce(
    (n, p) => n + (typeof p === "string" ? p.length : p.raw.byteLength(p.indent)),
    0,
  );
  const out = new Uint8Array(size);
  const encoder = new TextEncoder();
  let at = 0;
  for (const p of pieces) {
    // The printer writes ASCII only, so one byte per UTF-16 unit.
    if (typeof p === "string") at += encoder.encodeInto(p, out.subarray(at)).written;
    else at = p.raw.writeInto(out, at, p.indent);
  }
  if (at !== size) throw new Error(`printed ${at} bytes where ${size} were announced`);
  return out;
}

/** Prints `value` in the protobuf JSON layout (no trailing newline). */
export function printProtoJson(value: ProtoJsonValue): string {
  return new TextDecoder().decode(encodeProtoJson(value));
}
