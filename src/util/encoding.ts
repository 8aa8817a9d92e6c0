/**
 * Byte encodings: lowercase hex (digests, §10 item 24), standard base64
 * (bundle fields, PEM bodies) and unpadded base64url (JWTs, OAuth tokens).
 *
 * Encoding goes through `Buffer`, which builds one flat string, and so does
 * base64url decoding; standard base64 is checked and decoded in one pass by
 * `setFromBase64`, and hex decoding is a loop, in `hex.ts`. A hex string concatenated from 32 pieces stays a tree of them
 * (~1.4 KB a digest: ~140 MiB for a 100,000-file manifest), and `atob`/`btoa`
 * pass through a binary string (seconds and ~400 MiB for a 16 MB payload).
 *
 * @module
 */

import { Buffer, isUtf8 } from "node:buffer";

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Encodes bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return asBuffer(bytes).toString("hex");
}

export { fromHex } from "./hex.ts";

/** Standard base64 with padding (RFC 4648 §4). */
export function toBase64(bytes: Uint8Array): string {
  return asBuffer(bytes).toString("base64");
}

/** Decodes strict standard base64 (RFC 4648 §4, padded), or returns `undefined`. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  // One pass that checks and decodes into the output (a 60 MB payload: ~45 ms, where a
  // regular expression and then `Buffer` took ~210). It skips ASCII whitespace, which
  // strict base64 does not allow, but any skipped character leaves the output short of
  // the length above: so a full output means the text was letters, digits, `+`, `/` and
  // its final padding only. Like `Buffer`, it ignores nonzero bits before the padding.
  try {
    const { written } = out.setFromBase64(text, { lastChunkHandling: "loose" });
    return written === out.length ? out : undefined;
  } catch {
    return undefined; // a character outside the alphabet, or `=` before the end
  }
}

/** Base64url without padding (RFC 4648 §5), as JWTs and PKCE use it. */
export function toBase64Url(bytes: Uint8Array): string {
  return asBuffer(bytes).toString("base64url");
}

/** Decodes base64url with or without padding, or returns `undefined`. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  const body = text.replace(/={1,2}$/, "");
  // A length of 1 modulo 4 cannot come from whole bytes.
  if (body.length % 4 === 1 || !/^[A-Za-z0-9_-]*$/.test(body)) return undefined;
  if (body.length !== text.length && text.length % 4 !== 0) return undefined;
  return asBytes(Buffer.from(body, "base64url"));
}

/**
 * Decodes strict UTF-8, or returns `undefined`. Validates with `isUtf8`
 * first: a fatal `TextDecoder` holds a second copy of its input while it
 * decodes (+57 MiB peak on a 60 MB signature file).
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  return isUtf8(bytes) ? new TextDecoder().decode(bytes) : undefined;
}

/**
 * The chunks joined into one buffer. Each chunk is copied as it arrives, so
 * a generator may reuse one buffer for every chunk it yields.
 */
export function joinChunks(chunks: Iterable<Uint8Array>): Uint8Array {
  const copies = Array.from(chunks, (c) => c.slice());
  const out = new Uint8Array(copies.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of copies) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
