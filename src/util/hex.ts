/**
 * Hex decoding with no import: a hashing worker decodes `node:crypto`'s hex
 * digests with it, and a BLAKE3 worker, which never loads `node:crypto`,
 * would otherwise load `node:buffer` (~4 ms of its start) through
 * `encoding.ts`.
 *
 * @module
 */

function hexNibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/**
 * Decodes hex of either case; returns `undefined` when `text` is not hex of whole bytes.
 * A loop, not a regular expression and `Buffer`: digests are decoded 100,000 at a time (a
 * signed statement, `node:crypto` results), where this costs a third as much. When `into`
 * has exactly the room for the bytes they are written there and `into` is returned: a small
 * `Uint8Array` per digest costs as much as decoding it.
 */
export function fromHex(text: string, into?: Uint8Array): Uint8Array | undefined {
  if (text.length % 2 !== 0) return undefined;
  const out = into?.length === text.length / 2 ? into : new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(text.charCodeAt(2 * i));
    const lo = hexNibble(text.charCodeAt(2 * i + 1));
    if ((hi | lo) < 0) return undefined;
    out[i] = hi << 4 | lo;
  }
  return out;
}
