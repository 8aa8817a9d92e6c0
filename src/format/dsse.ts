/**
 * DSSE pre-authentication encoding (docs/format.md §3) and the broken one of
 * 0.2.0 signatures (§6.2), which verifiers still accept.
 *
 * @module
 */

import { isUtf8 } from "node:buffer";
import { joinChunks } from "../util/encoding.ts";

const encoder = new TextEncoder();

/** `DSSEv1 <len(type)> <type> <len(payload)> <payload>`: the bytes that are signed. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const head = paeHead(payloadType, payload);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/** The PAE header: everything before the payload. */
function paeHead(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = encoder.encode(payloadType);
  return encoder.encode(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
}

/**
 * {@linkcode pae} as the header and views of the payload of at most 1 MiB,
 * for a verifier to hash without a copy of the payload (the runtime copies
 * what each hash update is given: a 45 MB payload would exist twice).
 */
export function* paeChunks(payloadType: string, payload: Uint8Array): Generator<Uint8Array> {
  yield paeHead(payloadType, payload);
  for (let at = 0; at < payload.length; at += 1 << 20) yield payload.subarray(at, at + (1 << 20));
}

/** Input bytes per chunk of the legacy encoding: a byte becomes at most 4, so a chunk is ≤ 64 KiB. */
const BLOCK = 16 * 1024;

/** The escapes Python names. */
const NAMED: Record<number, string> = { 0x09: "\\t", 0x0a: "\\n", 0x0d: "\\r" };

/**
 * Each byte's escape inside a bytes literal quoted by `quote`: 4 bytes per
 * byte in `escapes` (the first `lengths[byte]` of them count), so that the
 * loop stores 4 bytes per byte without a branch (a hostile 45 MB payload:
 * ~350 ms instead of ~780 here).
 */
function escapeTable(quote: number): { escapes: Uint8Array; lengths: Uint8Array } {
  const hex = "0123456789abcdef";
  const escapes = new Uint8Array(4 * 256);
  const lengths = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    const text = b === quote || b === 0x5c ? `\\${String.fromCharCode(b)}` : NAMED[b] ??
      (b < 0x20 || b >= 0x7f ? `\\x${hex[b >> 4]}${hex[b & 15]}` : String.fromCharCode(b));
    escapes.set(encoder.encode(text), 4 * b);
    lengths[b] = text.length;
  }
  return { escapes, lengths };
}

const SINGLE_QUOTED = escapeTable(0x27);
const DOUBLE_QUOTED = escapeTable(0x22);

/** Writes the escapes of `bytes[from, to)` at the start of `out`; returns their length. */
function escapeRun(
  bytes: Uint8Array,
  from: number,
  to: number,
  out: Uint8Array,
  escapes: Uint8Array,
  lengths: Uint8Array,
): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const b = bytes[i];
    const e = b << 2;
    // A shorter escape's spare bytes are overwritten by the next one (out has 3 bytes of slack).
    out[n] = escapes[e];
    out[n + 1] = escapes[e + 1];
    out[n + 2] = escapes[e + 2];
    out[n + 3] = escapes[e + 3];
    n += lengths[b];
  }
  return n;
}

/**
 * Python's `repr()` of a bytes object, as ASCII bytes in chunks of at most
 * 64 KiB: `b'…'` with `\t \n \r`, `\\`, the quote and `\xNN` escapes.
 * The quote is `"` only when the bytes hold a `'` and no `"`. Linear in time;
 * a byte becomes at most 4, so the whole never needs to exist at once. One
 * buffer is reused: a chunk is valid until the next one is requested.
 */
export function* pythonBytesReprChunks(bytes: Uint8Array): Generator<Uint8Array> {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? 0x22 : 0x27;
  const { escapes, lengths } = quote === 0x27 ? SINGLE_QUOTED : DOUBLE_QUOTED;
  const out = new Uint8Array(4 * BLOCK + 3);
  yield Uint8Array.of(0x62, quote); // b'
  for (let at = 0; at < bytes.length; at += BLOCK) {
    const to = Math.min(at + BLOCK, bytes.length);
    yield out.subarray(0, escapeRun(bytes, at, to, out, escapes, lengths));
  }
  yield Uint8Array.of(quote);
}

/**
 * The PAE of 0.2.0 signatures, in chunks to feed a hash: capital `V`, and the
 * payload written as a Python bytes literal while the length is the raw
 * payload's. A hostile 48 MB payload of 0xFF bytes would otherwise be a
 * 192 MB buffer (and was a string built byte by byte: 18 s, 3 GB).
 */
export function* legacyPaeChunks(payloadType: string, payload: Uint8Array): Generator<Uint8Array> {
  const type = encoder.encode(payloadType);
  yield encoder.encode(`DSSEV1 ${type.length} ${payloadType} ${payload.length} `);
  yield* pythonBytesReprChunks(payload);
}

/**
 * Whether the legacy PAE is worth trying on `payload`: 0.2.0 payloads are
 * JSON text, and a payload that is not UTF-8 can never be read as a statement
 * (`parseStatement` refuses it), so skipping it cannot change a verdict. It
 * spares hashing a hostile 45 MB payload of 0xFF as a 180 MB bytes literal.
 */
export function mayBeLegacyPayload(payload: Uint8Array): boolean {
  return isUtf8(payload);
}

/** {@linkcode legacyPaeChunks} joined into one buffer. */
export function legacyPae(payloadType: string, payload: Uint8Array): Uint8Array {
  return joinChunks(legacyPaeChunks(payloadType, payload));
}
