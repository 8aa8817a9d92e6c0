// fromBase64 decodes long input straight into its output (src/util/encoding.ts); the result must be the same
// bytes as one decode, for every padding.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { fromBase64, toBase64 } from "../../src/util/encoding.ts";

Deno.test("fromBase64: input longer than one slice decodes to the same bytes, with 0, 1 or 2 '='", () => {
  for (const size of [9 << 20, (9 << 20) + 1, (9 << 20) + 2]) {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 7919) & 0xff;
    const text = toBase64(bytes);
    const decoded = fromBase64(text)!;
    assert.equal(decoded.length, size);
    assert.ok(Buffer.from(decoded).equals(Buffer.from(bytes)), `size ${size}`);
  }
  assert.equal(fromBase64("A".repeat(9 << 20) + "==="), undefined);
});
