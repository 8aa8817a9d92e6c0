/**
 * Lowercase hex encoding of digests (the format writes lowercase, §10 item 24).
 *
 * @module
 */

import { Buffer } from "node:buffer";

/**
 * Encodes bytes as lowercase hex. Built by `Buffer` as one flat string: a
 * string concatenated from 32 pieces stays a tree of them, ~1.4 KB a digest,
 * which made a 100,000-file manifest's hex digests cost ~140 MiB.
 */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Decodes hex of either case; returns `undefined` when `text` is not hex of whole bytes. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
