/**
 * A JSON reader over UTF-8 bytes that gives what `JSON.parse` gives for
 * their text, finds duplicate member names in the same pass, and can leave
 * one large array unbuilt: its elements are then read one at a time. A
 * signed statement of 100,000 resources is 17 MB of bytes; as text and
 * parsed objects it held ~110 MB at once (docs/benchmarks.md, "Memory").
 *
 * @module
 */

import { decodeWtf8 } from "../util/byte_list.ts";

/** An array left unbuilt by {@linkcode readJson}: bytes `[start, end)` of the input, `[` to `]`. */
export class SkippedArray {
  /** Offset of the `[`. */
  readonly start: number;
  /** Offset just after the `]`. */
  readonly end: number;
  /** Records where the array lies. */
  constructor(start: number, end: number) {
    this.start = start;
    this.end = end;
  }
}

/** What {@linkcode readJson} found. */
export interface JsonRead {
  /** The value, as `JSON.parse` makes it (but for a {@linkcode SkippedArray}). */
  readonly value: unknown;
  /**
   * The dotted path (`dsseEnvelope.payload`, `subject[0].name`) of the first
   * member, in text order, whose name repeats an earlier one in the same object.
   */
  readonly duplicate?: string;
}

interface Frame {
  readonly array: boolean;
  /** The container being built; `undefined` inside a skipped array. */
  readonly value: Record<string, unknown> | unknown[] | undefined;
  /** Member names so far (objects); a Set once there are many. */
  keys: string[] | Set<string>;
  /** Current member name (objects). */
  key: string;
  /** Current element index (arrays). */
  index: number;
  /** Offset of the `[` when this is the skipped array, else -1. */
  readonly skippedAt: number;
}

class JsonSyntaxError extends Error {}

const fail = (): never => {
  throw new JsonSyntaxError();
};

const isWhitespace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

function hexValue(b: number): number {
  if (isDigit(b)) return b - 0x30;
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : fail();
}

const ESCAPED: Record<number, string> = {
  0x22: '"',
  0x5c: "\\",
  0x2f: "/",
  0x62: "\b",
  0x66: "\f",
  0x6e: "\n",
  0x72: "\r",
  0x74: "\t",
};

/** 1 for the bytes a string holds as they are: not a quote, a backslash or a control character. */
const PLAIN = Uint8Array.from(
  { length: 256 },
  (_, c) => c >= 0x20 && c !== 0x22 && c !== 0x5c ? 1 : 0,
);

/** Where the plain bytes from `p` stop, at `to` at the latest. */
function plainBlock(b: Uint8Array, p: number, to: number): number {
  while (p < to && PLAIN[b[p]] === 1) p++;
  return p;
}

/**
 * Where the plain run from `p` ends, scanned 64 KiB at a time: after a few
 * blocks V8 runs the loop fully optimised, where one 60 MB call stayed in a
 * slower tier's code for up to 0.5 s.
 */
function plainRun(b: Uint8Array, p: number, last: number): number {
  for (;;) {
    const to = Math.min(last, p + 64 * 1024);
    p = plainBlock(b, p, to);
    if (p < to || to === last) return p;
  }
}

/** Reads one value of valid UTF-8 JSON bytes at a time; see {@linkcode readJson}. */
class Reader {
  readonly #bytes: Uint8Array;
  pos: number;
  readonly #end: number;
  /** Recent escape-free member names: a statement repeats the same few 100,000 times. */
  readonly #names: { bytes: Uint8Array; text: string }[] = [];
  duplicate: string | undefined;

  constructor(bytes: Uint8Array, start: number, end: number) {
    this.#bytes = bytes;
    this.pos = start;
    this.#end = end;
  }

  whitespace(): number {
    const b = this.#bytes;
    while (this.pos < this.#end && isWhitespace(b[this.pos])) this.pos++;
    return this.pos < this.#end ? b[this.pos] : -1;
  }

  /** Reads the string at `pos` (its `"`); returns its text when `build`. */
  string(build: boolean): string | undefined {
    const b = this.#bytes;
    const last = this.#end;
    const start = ++this.pos;
    let p = start;
    let escaped = false;
    for (;;) {
      p = plainRun(b, p, last);
      if (p >= last) fail();
      const c = b[p];
      if (c === 0x22) break;
      if (c !== 0x5c) fail(); // a control character
      escaped = true;
      const e = b[p + 1];
      if (e === 0x75) {
        for (let k = 2; k < 6; k++) hexValue(b[p + k]);
        p += 6;
      } else if (ESCAPED[e] !== undefined) p += 2;
      else fail();
    }
    this.pos = p;
    const end = this.pos++;
    if (!build) return undefined;
    if (!escaped) return decodeWtf8(b, start, end);
    let text = "";
    let run = start;
    for (let i = start; i < end;) {
      if (b[i] !== 0x5c) {
        i++;
        continue;
      }
      text += decodeWtf8(b, run, i);
      if (b[i + 1] === 0x75) {
        let unit = 0;
        for (let k = 2; k < 6; k++) unit = unit * 16 + hexValue(b[i + k]);
        text += String.fromCharCode(unit);
        i += 6;
      } else {
        text += ESCAPED[b[i + 1]];
        i += 2;
      }
      run = i;
    }
    return text + decodeWtf8(b, run, end);
  }

  /** A member name; the same escape-free bytes give the same string. */
  name(): string {
    if (this.#bytes[this.pos] !== 0x22) fail();
    const start = this.pos + 1;
    const b = this.#bytes;
    let end = start;
    while (end < this.#end && b[end] !== 0x22 && b[end] !== 0x5c && b[end] >= 0x20) end++;
    if (b[end] !== 0x22) return this.string(true)!;
    const n = end - start;
    for (const cached of this.#names) {
      if (cached.bytes.length !== n) continue;
      let k = 0;
      while (k < n && cached.bytes[k] === b[start + k]) k++;
      if (k === n) {
        this.pos = end + 1;
        return cached.text;
      }
    }
    const text = this.string(true)!;
    if (this.#names.length < 16) this.#names.push({ bytes: b.slice(start, end), text });
    return text;
  }

  literal(word: string, value: unknown): unknown {
    for (let k = 0; k < word.length; k++) {
      if (this.#bytes[this.pos + k] !== word.charCodeAt(k)) fail();
    }
    this.pos += word.length;
    return value;
  }

  number(build: boolean): number | undefined {
    const b = this.#bytes;
    const start = this.pos;
    if (b[this.pos] === 0x2d) this.pos++;
    if (b[this.pos] === 0x30) this.pos++;
    else if (isDigit(b[this.pos])) { while (isDigit(b[this.pos])) this.pos++; }
    else fail();
    if (b[this.pos] === 0x2e) {
      this.pos++;
      if (!isDigit(b[this.pos])) fail();
      while (isDigit(b[this.pos])) this.pos++;
    }
    if ((b[this.pos] | 0x20) === 0x65) {
      this.pos++;
      if (b[this.pos] === 0x2b || b[this.pos] === 0x2d) this.pos++;
      if (!isDigit(b[this.pos])) fail();
      while (isDigit(b[this.pos])) this.pos++;
    }
    if (this.pos > this.#end) fail();
    return build ? Number(decodeWtf8(b, start, this.pos)) : undefined;
  }

  /**
   * Reads one value at `pos` (after whitespace), iteratively (any depth).
   * `skip` names the members from the root down to an array to leave unbuilt.
   */
  value(skip: readonly string[] | undefined): unknown {
    const stack: Frame[] = [];
    /** Depth of the skipped array in `stack` + 1, or 0 when building. */
    let skipping = 0;
    let value: unknown;
    for (;;) {
      const c = this.whitespace();
      const build = skipping === 0;
      if (c === 0x7b) {
        this.pos++;
        const obj = build ? {} : undefined;
        if (this.whitespace() === 0x7d) {
          this.pos++;
          value = obj;
        } else {
          const frame: Frame = {
            array: false,
            value: obj,
            keys: [],
            key: "",
            index: 0,
            skippedAt: -1,
          };
          stack.push(frame);
          this.#member(stack);
          continue;
        }
      } else if (c === 0x5b) {
        const at = this.pos++;
        const skipHere = build && skip !== undefined && stack.length === skip.length &&
          stack.every((f, d) => !f.array && f.key === skip[d]);
        if (this.whitespace() === 0x5d) {
          this.pos++;
          value = skipHere ? new SkippedArray(at, this.pos) : build ? [] : undefined;
        } else {
          stack.push({
            array: true,
            value: build && !skipHere ? [] : undefined,
            keys: [],
            key: "",
            index: 0,
            skippedAt: skipHere ? at : -1,
          });
          if (skipHere) skipping = stack.length;
          continue;
        }
      } else if (c === 0x22) value = this.string(build);
      else if (c === 0x74) value = this.literal("true", true);
      else if (c === 0x66) value = this.literal("false", false);
      else if (c === 0x6e) value = this.literal("null", null);
      else if (c === 0x2d || isDigit(c)) value = this.number(build);
      else fail();
      // The value is complete: store it, then close every container it completes.
      for (;;) {
        const top = stack.at(-1);
        if (!top) return value;
        if (top.value !== undefined) {
          if (top.array) (top.value as unknown[]).push(value);
          else if (top.key === "__proto__") {
            // An own member, as JSON.parse makes it, not the prototype.
            Object.defineProperty(top.value, top.key, {
              value,
              writable: true,
              enumerable: true,
              configurable: true,
            });
          } else (top.value as Record<string, unknown>)[top.key] = value;
        }
        const next = this.whitespace();
        if (next === 0x2c) {
          this.pos++;
          if (top.array) top.index++;
          else {
            this.whitespace();
            this.#member(stack);
          }
          break;
        }
        if (next !== (top.array ? 0x5d : 0x7d)) fail();
        this.pos++;
        stack.pop();
        if (top.skippedAt >= 0) {
          skipping = 0;
          value = new SkippedArray(top.skippedAt, this.pos);
        } else value = top.value;
      }
    }
  }

  /** Reads a member name and its `:` into the top frame, noting the first duplicate. */
  #member(stack: Frame[]): void {
    const top = stack.at(-1)!;
    const name = this.name();
    top.key = name;
    const seen = Array.isArray(top.keys) ? top.keys.includes(name) : top.keys.has(name);
    if (seen) this.duplicate ??= pathOf(stack);
    else if (Array.isArray(top.keys)) {
      top.keys.push(name);
      if (top.keys.length > 16) top.keys = new Set(top.keys);
    } else top.keys.add(name);
    if (this.whitespace() !== 0x3a) fail();
    this.pos++;
  }
}

/** The dotted path of the top frame's current member, as {@linkcode findDuplicateKey} names it. */
function pathOf(stack: readonly Frame[]): string {
  let path = "";
  for (const [d, f] of stack.entries()) {
    if (d === stack.length - 1 || !f.array) path = path === "" ? f.key : `${path}.${f.key}`;
    else path = `${path}[${f.index}]`;
  }
  return path;
}

const BOM = [0xef, 0xbb, 0xbf];

/**
 * Reads `bytes`, which must be valid UTF-8 (check it first), as
 * `JSON.parse` reads their text (a leading byte order mark is skipped, as
 * `TextDecoder` drops it). An array at the member path `skip` (e.g.
 * `["predicate", "resources"]`) is checked but not built: the value holds a
 * {@linkcode SkippedArray} there, to read with {@linkcode forEachElement}.
 *
 * @returns the value, or `undefined` when the bytes are not JSON.
 */
export function readJson(
  bytes: Uint8Array,
  options: { readonly skip?: readonly string[] } = {},
): JsonRead | undefined {
  const bom = BOM.every((b, k) => bytes[k] === b) ? 3 : 0;
  const reader = new Reader(bytes, bom, bytes.length);
  try {
    const value = reader.value(options.skip);
    if (reader.whitespace() !== -1) return undefined;
    return { value, duplicate: reader.duplicate };
  } catch (e) {
    if (e instanceof JsonSyntaxError) return undefined;
    throw e;
  }
}

/**
 * Calls `each` with every element of an array {@linkcode readJson} skipped in
 * `bytes`, built as `JSON.parse` builds it, and its index.
 */
export function forEachElement(
  bytes: Uint8Array,
  array: SkippedArray,
  each: (element: unknown, index: number) => void,
): void {
  const reader = new Reader(bytes, array.start + 1, array.end - 1);
  // The array was read whole before: no syntax error is left to find.
  for (let i = 0; reader.whitespace() !== -1; i++) {
    each(reader.value(undefined), i);
    if (reader.whitespace() === 0x2c) reader.pos++;
  }
}
