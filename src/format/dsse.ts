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

/** Output chunk of the legacy encoding: bounded memory however large the payload. */
const CHUNK = 64 * 1024;
const HEX = encoder.encode("0123456789abcdef");

/**
 * Python's `repr()` of a bytes object, as ASCII bytes in chunks of at most
 * 64 KiB + 4: `b'…'` with `\t \n \r`, `\\`, the quote and `\xNN` escapes.
 * The quote is `"` only when the bytes hold a `'` and no `"`. Linear in time;
 * a byte becomes at most 4, so the whole never needs to exist at once. One
 * buffer is reused: a chunk is valid until the next one is requested.
 */
export function* pythonBytesReprChunks(bytes: Uint8Array): Generator<Uint8Array> {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? 0x22 : 0x27;
  const out = new Uint8Array(CHUNK + 4);
  out[0] = 0x62; // b
  out[1] = quote;
  let n = 2;
  for (let i = 0; i < bytes.length; i++) {
    if (n >= CHUNK) {
      yield out.subarray(0, n);
      n = 0;
    }
    const b = bytes[i];
    if (b === quote || b === 0x5c) {
      out[n++] = 0x5c;
      out[n++] = b;
    } else if (b === 0x09 || b === 0x0a || b === 0x0d) {
      out[n++] = 0x5c;
      out[n++] = b === 0x09 ? 0x74 : b === 0x0a ? 0x6e : 0x72;
    } else if (b < 0x20 || b >= 0x7f) {
      out[n++] = 0x5c;
      out[n++] = 0x78; // x
      out[n++] = HEX[b >> 4];
      out[n++] = HEX[b & 15];
    } else {
      out[n++] = b;
    }
  }
  out[n++] = quote;
  yield out.subarray(0, n);
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
